"""What each rubrics API list costs in queries: the same for 3 rows as for 30."""

import pytest
from django.contrib.contenttypes.models import ContentType

from core.models import AuditEvent
from rubrics.models import Rubric
from tests.factories import JobPostingFactory, RubricFactory, rubric_with_criteria
from tests.rubrics.api.support import POSTINGS, RUBRICS

pytestmark = pytest.mark.django_db


# --- Query budgets: a list costs the same for 3 rows as for 30 -----------------------


@pytest.mark.parametrize("rows", [3, 30])
def test_posting_list_query_count_does_not_grow_with_rows(
    reviewer_api, django_assert_max_num_queries, rows
):
    for _ in range(rows):
        RubricFactory(posting=JobPostingFactory())

    # session, user, count, page
    with django_assert_max_num_queries(4):
        response = reviewer_api.get(POSTINGS, {"page_size": 30})

    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_rubric_list_query_count_does_not_grow_with_rows(
    reviewer_api, django_assert_max_num_queries, rows
):
    for _ in range(rows):
        rubric_with_criteria()

    # session, user, count, page, criteria
    with django_assert_max_num_queries(5):
        response = reviewer_api.get(RUBRICS, {"page_size": 30})

    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_posting_rubrics_query_count_does_not_grow_with_rows(
    reviewer_api, django_assert_max_num_queries, rows
):
    posting = JobPostingFactory()
    for version in range(1, rows + 1):
        rubric_with_criteria(posting=posting, version=version)

    # session, user, posting, count, page, criteria
    with django_assert_max_num_queries(6):
        response = reviewer_api.get(f"{POSTINGS}{posting.pk}/rubrics/", {"page_size": 30})

    assert len(response.json()["results"]) == rows


def test_a_write_over_the_api_leaves_an_audit_entry_naming_the_recruiter(
    recruiter_api, recruiter, world
):
    recruiter_api.post(f"{RUBRICS}{world.draft.pk}/publish/")

    entry = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Rubric), object_id=str(world.draft.pk)
    ).latest("created_at", "id")
    assert (entry.actor, entry.event, entry.summary) == (
        recruiter,
        "rubric.published",
        "Published.",
    )
