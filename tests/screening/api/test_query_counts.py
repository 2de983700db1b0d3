"""What each screening API list costs in queries, at few rows and at many."""

import pytest

from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    ReviewAssignmentFactory,
    submit_scores,
)
from tests.screening.api.support import APPLICATIONS, ASSIGNMENTS, CANDIDATES, SCORECARDS

pytestmark = pytest.mark.django_db


# --- Query counts ------------------------------------------------------------------


def _scored_assignments(n: int, reviewer, rubric) -> None:
    c = list(rubric.criteria.order_by("order"))
    for i in range(n):
        a = ReviewAssignmentFactory(
            application=ApplicationFactory(rubric=rubric), reviewer=reviewer
        )
        if i % 2:
            submit_scores(a, {c[0]: 3, c[1]: 2, c[2]: None})
        ReviewAssignmentFactory(application=a.application)  # someone else's: not listed


@pytest.mark.parametrize("rows", [3, 30])
def test_candidate_list_query_count_does_not_grow_with_rows(
    reviewer_api, reviewer, rubric, django_assert_max_num_queries, rows
):
    _scored_assignments(rows, reviewer, rubric)

    # session, user, recruiter check, who is hidden from them (anonymised review: the
    # order by name is off when anyone is), count, page
    with django_assert_max_num_queries(6):
        response = reviewer_api.get(CANDIDATES, {"page_size": 30})

    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_candidate_list_query_count_for_a_recruiter(
    recruiter_api, rubric, django_assert_max_num_queries, rows
):
    CandidateFactory.create_batch(rows)

    with django_assert_max_num_queries(5):
        response = recruiter_api.get(CANDIDATES, {"page_size": 30})

    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_application_list_query_count_does_not_grow_with_rows(
    recruiter_api, reviewer, rubric, django_assert_max_num_queries, rows
):
    _scored_assignments(rows, reviewer, rubric)

    with django_assert_max_num_queries(5):
        response = recruiter_api.get(APPLICATIONS, {"page_size": 30})

    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_assignment_list_query_count_does_not_grow_with_rows(
    reviewer_api, reviewer, rubric, django_assert_max_num_queries, rows
):
    _scored_assignments(rows, reviewer, rubric)

    with django_assert_max_num_queries(5):
        response = reviewer_api.get(ASSIGNMENTS, {"page_size": 30})

    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_scorecard_list_query_count_does_not_grow_with_rows(
    reviewer_api, reviewer, rubric, django_assert_max_num_queries, rows
):
    _scored_assignments(rows, reviewer, rubric)

    # session, user, recruiter check, count, page, scores
    with django_assert_max_num_queries(6):
        response = reviewer_api.get(SCORECARDS, {"page_size": 30})

    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_ranking_query_count_does_not_grow_with_rows(
    recruiter_api, reviewer, rubric, django_assert_max_num_queries, rows
):
    _scored_assignments(rows, reviewer, rubric)

    # session, user, recruiter check, posting, applications, criteria,
    # score totals, recommendation tallies, latest calibration runs, the viewer's own
    # unsubmitted scorecards (blind scoring)
    with django_assert_max_num_queries(10):
        response = recruiter_api.get(f"/api/v1/postings/{rubric.posting_id}/ranking/")

    assert len(response.json()) == rows
