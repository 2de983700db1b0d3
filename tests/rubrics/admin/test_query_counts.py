"""What the posting and rubric admin pages cost in queries, at few rows and at many."""

import pytest

from rubrics.models import JobPosting, Rubric
from tests.factories import (
    CriterionFactory,
    JobPostingFactory,
    RubricFactory,
    UserFactory,
    rubric_with_criteria,
)
from tests.support import change_url, changelist_url

pytestmark = pytest.mark.django_db


# --- Query budgets ----------------------------------------------------------


def _count_queries(django_assert_max_num_queries, client, url, budget: int) -> int:
    # A first visit fills Django's process-wide content-type cache; measure
    # the page as every later visit sees it.
    client.get(url)
    with django_assert_max_num_queries(budget) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_posting_changelist_query_count_does_not_grow_with_rows(
    recruiter_client, django_assert_max_num_queries
):
    def add_postings(n):
        for _ in range(n):
            RubricFactory(posting=JobPostingFactory(created_by=UserFactory()))

    url = changelist_url(JobPosting)
    add_postings(3)
    few = _count_queries(django_assert_max_num_queries, recruiter_client, url, 11)
    add_postings(27)
    many = _count_queries(django_assert_max_num_queries, recruiter_client, url, 11)

    assert few == many


def test_rubric_changelist_query_count_does_not_grow_with_rows(
    recruiter_client, django_assert_max_num_queries
):
    def add_rubrics(n):
        for _ in range(n):
            rubric_with_criteria()

    url = changelist_url(Rubric)
    add_rubrics(3)
    few = _count_queries(django_assert_max_num_queries, recruiter_client, url, 8)
    add_rubrics(27)
    many = _count_queries(django_assert_max_num_queries, recruiter_client, url, 8)

    assert few == many


def _rubric_with_criteria_count(n: int, state: str) -> Rubric:
    rubric = RubricFactory()
    for _ in range(n):
        CriterionFactory(rubric=rubric, keywords=["forklift", "reach truck"])
    Rubric.objects.filter(pk=rubric.pk).update(state=state)
    return rubric


@pytest.mark.parametrize("state", [Rubric.State.DRAFT, Rubric.State.PUBLISHED])
def test_rubric_change_page_query_count_does_not_grow_with_criteria(
    recruiter_client, django_assert_max_num_queries, state
):
    few_url = change_url(_rubric_with_criteria_count(3, state))
    many_url = change_url(_rubric_with_criteria_count(30, state))

    few = _count_queries(django_assert_max_num_queries, recruiter_client, few_url, 9)
    many = _count_queries(django_assert_max_num_queries, recruiter_client, many_url, 9)

    assert few == many
