"""The people and the worlds the screening admin tests share: the recruiter Rita, the
reviewer Grace Hopper, a published 1–4 rubric with three criteria, Ada's scored application
and the ranking built on it."""

from types import SimpleNamespace

import pytest

from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    RecruiterFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    service_rubric,
    submit_scores,
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
def scored(rubric, criteria):
    """Ada's application: Grace 4/3/–, Strong yes; Katherine 3/2/2, Yes. Consensus
    3.5, 2.5, 1.5 → 37.5·2.5/3 + 37.5·1.5/3 + 25·0.5/3 = 54.1666…; passes."""
    application = ApplicationFactory(
        candidate=CandidateFactory(full_name="Ada Lovelace"), rubric=rubric
    )
    grace = ReviewerFactory(username="grace", first_name="Grace", last_name="Hopper")
    katherine = ReviewerFactory(username="katherine", first_name="Katherine", last_name="Johnson")
    c = criteria
    submit_scores(
        ReviewAssignmentFactory(application=application, reviewer=grace),
        {c.certification: 4, c.experience: 3, c.software: None},
        recommendation=4,
    )
    submit_scores(
        ReviewAssignmentFactory(application=application, reviewer=katherine),
        {c.certification: 3, c.experience: 2, c.software: 2},
        recommendation=3,
    )
    return application


@pytest.fixture
def ranking(rubric, criteria, scored):
    """Ada 54.17 (passes, screening), Charles 62.5 (fails Certification,
    interview), Dorothy not scored (screening)."""
    charles = ApplicationFactory(
        candidate=CandidateFactory(full_name="Charles Babbage"), rubric=rubric, stage="interview"
    )
    submit_scores(
        ReviewAssignmentFactory(application=charles),
        {criteria.certification: 1, criteria.experience: 4, criteria.software: 4},
        recommendation=2,
    )
    dorothy = ApplicationFactory(
        candidate=CandidateFactory(full_name="Dorothy Vaughan"), rubric=rubric
    )
    ReviewAssignmentFactory(application=dorothy)
    return SimpleNamespace(posting=rubric.posting, ada=scored, charles=charles, dorothy=dorothy)
