"""screening/exports.py: the ranking CSV, built once for the admin export, the
weekly digest and the API's `?format=csv`, so all three are the same bytes."""

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from reports.digest import build_digest, digest_period
from screening import exports, selectors
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    RecruiterFactory,
    ReviewAssignmentFactory,
    published_rubric,
    submit_scores,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def posting():
    """Three applications: one scored well, one failing a must-have and named
    like a formula, one not scored yet."""
    rubric = published_rubric()
    criteria = list(rubric.criteria.order_by("order", "id"))
    for name, values in (("Ada Lovelace", [4, 4, 3]), ("=HYPERLINK(1)", [1, 3, 2]), ("Bo", None)):
        application = ApplicationFactory(rubric=rubric, candidate=CandidateFactory(full_name=name))
        assignment = ReviewAssignmentFactory(application=application)
        if values:
            submit_scores(assignment, dict(zip(criteria, values, strict=True)))
    return rubric.posting


def test_the_admin_the_api_and_the_digest_export_the_same_bytes(client, posting):
    recruiter = RecruiterFactory()
    client.force_login(recruiter)
    api = APIClient()
    api.force_login(recruiter)

    admin_csv = client.get(
        reverse("admin:screening_application_ranking"), {"posting": posting.pk, "format": "csv"}
    ).content
    api_csv = api.get(f"/api/v1/postings/{posting.pk}/ranking/", {"format": "csv"}).content
    start, end = digest_period(timezone.now())
    digest_csv = build_digest(posting=posting, period_start=start, period_end=end).csv

    expected = exports.ranking_csv(selectors.posting_ranking(posting=posting)).encode()
    assert admin_csv == api_csv == digest_csv.encode() == expected


def test_a_cell_that_looks_like_a_formula_is_quoted(posting):
    text = exports.ranking_csv(selectors.posting_ranking(posting=posting))

    assert ",'=HYPERLINK(1)," in text
    assert text.startswith("rank,application,candidate,candidate_name,stage,")
    assert text.endswith("\r\n")
