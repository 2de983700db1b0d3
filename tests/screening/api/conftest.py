"""The people and the worlds the screening API tests share: the recruiter Rita, the
reviewer Grace Hopper, a published 1–4 rubric with three criteria and what is built on it."""

from types import SimpleNamespace

import pytest

from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    RecruiterFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    service_rubric,
)


@pytest.fixture
def recruiter():
    return RecruiterFactory(username="rita")


@pytest.fixture
def reviewer():
    return ReviewerFactory(username="grace", first_name="Grace", last_name="Hopper")


@pytest.fixture
def rubric():
    return service_rubric(version=1)


@pytest.fixture
def criteria(rubric):
    names = ["certification", "experience", "software"]
    return SimpleNamespace(**dict(zip(names, rubric.criteria.order_by("order"), strict=True)))


@pytest.fixture
def assignment(rubric, reviewer):
    """Grace's draft scorecard for Ada Lovelace."""
    application = ApplicationFactory(
        candidate=CandidateFactory(full_name="Ada Lovelace", email="ada@example.net"),
        rubric=rubric,
    )
    return ReviewAssignmentFactory(application=application, reviewer=reviewer)


@pytest.fixture
def scorecard(assignment):
    return assignment.scorecard
