"""screening/hooks.py: how the apps built on screening plug in without
screening importing them."""

import pytest

from screening import hooks, services
from tests.factories import ReviewAssignmentFactory, ReviewerFactory

pytestmark = pytest.mark.django_db


def submit(assignment, reviewer, *, submit=True):
    criteria = assignment.application.rubric.criteria.order_by("order")
    scores = [{"criterion": c.pk, "value": 3} for c in criteria]
    return services.scorecard_save(
        scorecard=assignment.scorecard,
        reviewer=reviewer,
        scores=scores,
        recommendation=3,
        submit=submit,
    )


@pytest.fixture
def heard():
    calls = []

    def listener(sender, **kwargs):
        calls.append(kwargs["rubric_id"])

    hooks.scorecard_submitted.connect(listener)
    yield calls
    hooks.scorecard_submitted.disconnect(listener)


def test_submitting_a_scorecard_announces_its_rubric(heard):
    reviewer = ReviewerFactory()
    assignment = ReviewAssignmentFactory(reviewer=reviewer)
    submit(assignment, reviewer)
    assert heard == [assignment.application.rubric_id]


def test_saving_a_draft_announces_nothing(heard):
    reviewer = ReviewerFactory()
    submit(ReviewAssignmentFactory(reviewer=reviewer), reviewer, submit=False)
    assert heard == []


def test_adjusted_scores_come_from_the_registered_source(monkeypatch):
    monkeypatch.setattr(hooks, "_adjusted_scores_source", None)
    assert hooks.adjusted_scores([1]) == {}
    hooks.provide_adjusted_scores(lambda rubric_ids: {7: 61.5})
    assert hooks.adjusted_scores([1]) == {7: 61.5}
