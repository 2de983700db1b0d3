"""calibration/scheduling.py is connected to screening's hooks at start-up."""

from calibration import scheduling, selectors
from screening import hooks


def test_calibration_gives_the_rankings_their_adjusted_scores():
    assert hooks._adjusted_scores_source is selectors.latest_adjusted_scores


def test_a_submission_schedules_a_calibration_of_its_rubric(monkeypatch):
    scheduled = []
    monkeypatch.setattr(
        scheduling, "calibration_after_submission", lambda *, rubric_id: scheduled.append(rubric_id)
    )
    hooks.scorecard_submitted.send(sender=None, rubric_id=42)
    assert scheduled == [42]
