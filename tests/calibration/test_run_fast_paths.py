"""The calibration run's fast paths give what the plain ones give: the
rater-effects fit in a second thread (``compute.SECOND_THREAD``), and the
store handing its own adjusted scores to the stored application rows instead
of reading them back."""

import pytest

from calibration import compute
from calibration.compute import compute_calibration
from calibration.data import fetch_ratings
from calibration.services import calibration_run
from screening.models import ApplicationScore
from screening.scores import differing_application_scores, refresh_adjusted_scores
from tests.factories import ApplicationFactory, ReviewerFactory, assign_and_submit, published_rubric

pytestmark = pytest.mark.django_db


def rubric_scored_by(groups: list[list[str]], n_applications: int = 12):
    """A published rubric whose applications are each scored by every reviewer
    of one group (groups in turn), with levels that differ by reviewer and
    application."""
    rubric = published_rubric()
    criteria = list(rubric.criteria.order_by("order", "id"))
    reviewers = {name: ReviewerFactory(username=name) for group in groups for name in group}
    for i in range(n_applications):
        application = ApplicationFactory(rubric=rubric)
        group = groups[i % len(groups)]
        for j, name in enumerate(group):
            levels = [1 + (i + j + k) % 4 for k in range(len(criteria))]
            assign_and_submit(application, reviewers[name], criteria, levels)
    return rubric, criteria


def test_the_threaded_compute_gives_the_figures_of_one_thread(monkeypatch):
    rubric, criteria = rubric_scored_by([["ada", "ben", "cleo"]])
    ratings = fetch_ratings(rubric_id=rubric.pk)
    inline = compute_calibration(ratings=ratings, criteria=criteria, scale_max=4)

    monkeypatch.setattr(compute, "SECOND_THREAD", True)
    threaded = compute_calibration(ratings=ratings, criteria=criteria, scale_max=4)

    assert repr(threaded) == repr(inline)
    assert [r.severity for r in threaded.reviewers] != [None, None, None]


@pytest.mark.parametrize("second_thread", [False, True])
def test_an_error_in_the_fit_reaches_the_caller(monkeypatch, second_thread):
    monkeypatch.setattr(compute, "SECOND_THREAD", second_thread)
    rubric, criteria = rubric_scored_by([["ada", "ben"]])
    ratings = fetch_ratings(rubric_id=rubric.pk)

    def broken(*args, **kwargs):
        raise FloatingPointError("the fit broke")

    monkeypatch.setattr(compute, "rater_effects", broken)

    with pytest.raises(FloatingPointError, match="the fit broke"):
        compute_calibration(ratings=ratings, criteria=criteria, scale_max=4)


@pytest.mark.parametrize(
    "groups",
    [[["ada", "ben", "cleo"]], [["ada", "ben"], ["dan", "eve"]]],
    ids=["one group", "two groups"],
)
def test_a_run_stores_on_the_score_rows_what_the_hook_reads_back(groups):
    rubric, _ = rubric_scored_by(groups)

    run = calibration_run(rubric_id=rubric.pk)

    rows = ApplicationScore.objects.filter(rubric_id=rubric.pk)
    assert rows.count() == 12
    assert set(rows.values_list("adjusted_run_id", flat=True)) == {run.pk}
    assert (len(run.groups) > 1) == (len(groups) > 1)
    if len(groups) > 1:
        assert set(rows.values_list("adjusted_group", flat=True)) == {1, 2}
    # Read back through the hook, as every other path refreshes them: nothing to change.
    assert refresh_adjusted_scores([rubric.pk]) == 0
    assert differing_application_scores() == []
    assert set(rows.values_list("has_adjusted", flat=True)) == {True}
