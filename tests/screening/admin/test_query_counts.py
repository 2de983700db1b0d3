"""What each screening admin list costs in queries, at few rows and at many."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    ApplicationFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    submit_scores,
)

pytestmark = pytest.mark.django_db

RANKING = reverse("admin:screening_application_ranking")
MY_REVIEWS = reverse("admin:screening_myreview_changelist")


# --- Query counts -----------------------------------------------------------------------------


def _count_queries(django_assert_max_num_queries, client, url, budget: int) -> int:
    # A first visit fills Django's process-wide content-type cache; measure
    # the page as every later visit sees it.
    client.get(url)
    with django_assert_max_num_queries(budget) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _reviews(n: int, reviewer, rubric) -> None:
    """n applications, each with the reviewer's assignment (every other one
    submitted and overdue) and a second reviewer's."""
    c = list(rubric.criteria.order_by("order"))
    due = timezone.localdate() - timedelta(days=1)
    for i in range(n):
        a = ReviewAssignmentFactory(
            application=ApplicationFactory(rubric=rubric), reviewer=reviewer, due_date=due
        )
        if i % 2:
            submit_scores(a, {c[0]: 3, c[1]: 2, c[2]: None}, recommendation=1 + i % 4)
        ReviewAssignmentFactory(application=a.application, reviewer=ReviewerFactory())


@pytest.mark.parametrize(
    ("url", "budget"),
    [
        # session, user, 2 permissions, [recruiter check], [filter choices],
        # count, full count, rows, [date hierarchy ×2]
        pytest.param(reverse("admin:screening_candidate_changelist"), 7, id="candidate"),
        pytest.param(reverse("admin:screening_application_changelist"), 9, id="application"),
        pytest.param(
            reverse("admin:screening_reviewassignment_changelist"), 12, id="reviewassignment"
        ),
        pytest.param(MY_REVIEWS, 8, id="myreview"),
        # session, user, recruiter check, postings, posting, applications,
        # criteria, score totals, tallies, calibration run, 2 permissions,
        # the postings menu
        pytest.param(RANKING, 13, id="ranking"),
    ],
)
def test_list_page_query_count_does_not_grow_with_rows(
    client, recruiter, rubric, django_assert_max_num_queries, url, budget
):
    # The recruiter reviews too, so "My reviews" has rows for them.
    client.force_login(recruiter)
    _reviews(3, recruiter, rubric)
    few = _count_queries(django_assert_max_num_queries, client, url, budget)
    _reviews(27, recruiter, rubric)
    many = _count_queries(django_assert_max_num_queries, client, url, budget)

    assert few == many


def test_my_reviews_query_count_for_a_reviewer_does_not_grow_with_rows(
    reviewer_client, reviewer, rubric, django_assert_max_num_queries
):
    _reviews(3, reviewer, rubric)
    few = _count_queries(django_assert_max_num_queries, reviewer_client, MY_REVIEWS, 8)
    _reviews(27, reviewer, rubric)
    many = _count_queries(django_assert_max_num_queries, reviewer_client, MY_REVIEWS, 8)

    assert few == many
