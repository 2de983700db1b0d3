"""Self-identified demographics and the adverse-impact page in the admin: analysts only,
writes through the service, a query budget, and never in the exports with scores."""

import pytest
from django.urls import reverse

from core.models import AuditEvent
from reports.models import CandidateDemographics
from tests.factories import (
    AnalystFactory,
    CandidateDemographicsFactory,
    CandidateFactory,
    impact_posting,
)
from tests.support import change_url, changelist_url, messages_of

pytestmark = pytest.mark.django_db

REPORT = reverse("admin:reports_adverse_impact")


@pytest.fixture
def analyst_client(client):
    client.force_login(AnalystFactory())
    return client


def test_analyst_records_answers_through_the_form(analyst_client):
    candidate = CandidateFactory()
    response = analyst_client.post(
        reverse("admin:reports_candidatedemographics_add"),
        {
            "candidate": candidate.pk,
            "gender": "Woman",
            "age_band": "",
            "disability": "No",
            "ethnicity": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    record = CandidateDemographics.objects.get(candidate=candidate)
    assert record.answers == {"gender": "Woman", "disability": "No"}
    assert AuditEvent.objects.filter(event="demographics.recorded").count() == 1


def test_an_unknown_answer_is_a_form_error_not_a_500(analyst_client):
    record = CandidateDemographicsFactory()
    response = analyst_client.post(change_url(record), {"gender": "Robot"})
    assert response.status_code == 200
    assert "Select a valid choice. Robot is not one of the available choices." in (
        response.content.decode()
    )


def test_deleting_answers_goes_through_the_service(analyst_client):
    record = CandidateDemographicsFactory()
    response = analyst_client.post(
        reverse("admin:reports_candidatedemographics_delete", args=[record.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not CandidateDemographics.objects.exists()
    assert AuditEvent.objects.get(event="demographics.deleted").changes == {"answers": "removed"}


@pytest.mark.parametrize("who", ["recruiter_client", "reviewer_client"])
def test_recruiters_and_reviewers_see_neither_answers_nor_report(who, request):
    client = request.getfixturevalue(who)
    record = CandidateDemographicsFactory()
    assert client.get(changelist_url(CandidateDemographics)).status_code == 403
    assert client.get(change_url(record)).status_code == 403
    assert client.get(REPORT).status_code == 403
    assert "Adverse-impact report" not in client.get("/admin/").content.decode()


def test_the_index_lists_the_report_for_analysts(analyst_client):
    html = analyst_client.get("/admin/").content.decode()
    assert "Adverse-impact report" in html
    assert "Self-identified demographics" in html


@pytest.mark.parametrize("count", [3, 30])
def test_the_answers_list_has_a_constant_query_budget(
    count, analyst_client, django_assert_max_num_queries
):
    CandidateDemographicsFactory.create_batch(count)
    with django_assert_max_num_queries(8):
        response = analyst_client.get(changelist_url(CandidateDemographics))
    assert response.status_code == 200


@pytest.mark.parametrize("per_group", [5, 25])
def test_the_report_page_has_a_constant_query_budget(
    per_group, analyst_client, django_assert_max_num_queries
):
    posting, _, _ = impact_posting(per_group=per_group)
    # Session, user, the user's and groups' permissions, the reviewer check, the posting;
    # applications, stage history, scores, answers; the postings to choose from.
    with django_assert_max_num_queries(11):
        response = analyst_client.get(REPORT, {"posting": posting.pk})
    assert response.status_code == 200
    assert "Scores per criterion" in response.content.decode()


def test_a_posting_that_does_not_exist_is_a_form_error(analyst_client):
    response = analyst_client.get(REPORT, {"posting": "999999"})
    assert response.status_code == 200
    assert "Choose a posting from the list." in response.content.decode()
    assert messages_of(response) == []


def test_answers_are_not_in_the_ranking_export(recruiter_client):
    posting, _, _ = impact_posting(per_group=5)
    response = recruiter_client.get(f"/api/v1/postings/{posting.pk}/ranking/?format=csv")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Woman" not in body and "25–34" not in body
