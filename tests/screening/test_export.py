"""Subject access: a candidate's export (screening.privacy.export), through the API and the
admin action: its content, who may have it, its query count, the demographics rule and the
audit event it leaves."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import AuditEvent
from reports.models import Report
from reports.subject_access import HELD_SEPARATELY
from screening import services
from screening.documents.samples import resume_pdf
from screening.models import Candidate
from screening.privacy.export import candidate_export
from tests.factories import (
    AnalystFactory,
    ApplicationFactory,
    CandidateDemographicsFactory,
    CandidateFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    UserFactory,
    assign_and_submit,
    published_rubric,
)
from tests.support import changelist_url, run_action

pytestmark = pytest.mark.django_db


def export_url(candidate) -> str:
    return f"/api/v1/candidates/{candidate.pk}/export/"


@pytest.fixture
def ada(recruiter, django_capture_on_commit_callbacks):
    """A candidate with one application taken through the services: moved to interview,
    scored by two reviewers (one submitted with notes, one still a draft), with a résumé
    read into pages."""
    candidate = services.candidate_create(
        actor=recruiter,
        full_name="Ada Quillfeather",
        email="ada.quillfeather@example.net",
        phone="+44 20 7946 0001",
        links=["https://ada.example.net"],
        notes="Met at the meetup.",
    )
    rubric = published_rubric()
    application = services.application_open(
        candidate=candidate, posting=rubric.posting, actor=recruiter
    )
    services.application_set_stage(application=application, actor=recruiter, stage="interview")
    first = ReviewerFactory(username="ana.l", first_name="Ana", last_name="Lindqvist")
    second = ReviewerFactory(username="ben.m", first_name="Ben", last_name="Moreau")
    criteria = list(rubric.criteria.order_by("order"))
    one = services.assignment_create(application=application, reviewer=first, actor=recruiter)
    services.assignment_create(application=application, reviewer=second, actor=recruiter)
    services.scorecard_save(
        scorecard=one.scorecard,
        reviewer=first,
        scores=[
            {"criterion": criteria[0].pk, "value": 3, "note": "Strong retrieval project."},
            {"criterion": criteria[1].pk, "value": 2, "note": ""},
            {"criterion": criteria[2].pk, "value": None, "note": ""},
        ],
        recommendation=3,
        summary="Would interview.",
        submit=True,
        schedule_calibration=False,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.document_upload(
            application=application,
            actor=recruiter,
            name="Ada CV.pdf",
            data=resume_pdf("Ada Quillfeather", [("Skills", ["Python and SQL"])]),
            role="resume",
        )
    return candidate


def test_the_export_holds_the_candidate_applications_scorecards_and_documents(ada, recruiter):
    data = candidate_export(ada, user=recruiter)

    assert data["candidate"] == {
        "id": ada.pk,
        "full_name": "Ada Quillfeather",
        "email": "ada.quillfeather@example.net",
        "phone": "+44 20 7946 0001",
        "links": ["https://ada.example.net"],
        "notes": "Met at the meetup.",
        "created_at": ada.created_at.isoformat(),
    }
    [application] = data["applications"]
    assert application["stage"] == "interview"
    assert [(h["from"], h["to"]) for h in application["stage_history"]] == [
        (None, "screening"),
        ("screening", "interview"),
    ]
    submitted, draft = application["scorecards"]
    assert (submitted["reviewer"], submitted["status"]) == ("Reviewer 1", "submitted")
    assert (submitted["recommendation"], submitted["summary"]) == ("Yes", "Would interview.")
    assert [(r["value"], r["level"], r["note"]) for r in submitted["ratings"]] == [
        (3, "Meets", "Strong retrieval project."),
        (2, "Partially meets", ""),
        (None, None, ""),
    ]
    assert (draft["reviewer"], draft["status"], draft["ratings"]) == ("Reviewer 2", "draft", [])
    [document] = application["documents"]
    assert (document["original_name"], document["kind"], document["status"]) == (
        "Ada CV.pdf",
        "pdf",
        "ready",
    )
    assert "Python and SQL" in document["pages"][0]["text"]
    assert document["pages"][0]["has_image"] is True
    assert json.loads(json.dumps(data)) == data  # JSON as it stands


def test_reviewers_are_never_named_only_numbered(ada, recruiter):
    data = candidate_export(ada, user=recruiter)

    text = json.dumps(data)
    for name in ("Ana", "Lindqvist", "ana.l", "Ben", "Moreau", "ben.m"):
        assert name not in text
    assigned = [e["summary"] for e in data["audit_events"] if e["event"] == "assignment.created"]
    assert assigned == ["Assigned Reviewer 1 (due no date).", "Assigned Reviewer 2 (due no date)."]
    assert "third_parties" in data["notes"]


def test_audit_events_about_the_candidate_and_what_is_theirs_are_listed(ada, recruiter):
    events = [
        (e["event"], e["about"]) for e in candidate_export(ada, user=recruiter)["audit_events"]
    ]

    assert events[:5] == [
        ("candidate.created", "candidate"),
        ("application.opened", "application"),
        ("application.stage_changed", "application"),
        ("assignment.created", "review assignment"),
        ("assignment.created", "review assignment"),
    ]
    assert ("scorecard.submitted", "scorecard") in events
    assert ("document.uploaded", "document") in events
    # Nobody else's events.
    other = CandidateFactory()
    services.candidate_update(candidate=other, actor=recruiter, notes="Someone else.")
    assert ("candidate.changed", "candidate") not in [
        (e["event"], e["about"]) for e in candidate_export(ada, user=recruiter)["audit_events"]
    ]


def test_stored_reports_that_mention_the_candidate_are_listed_with_their_lines(ada, recruiter):
    posting = ada.applications.get().posting
    mentioning = Report.objects.create(
        posting=posting,
        period_start="2026-11-16T00:00Z",
        period_end="2026-11-23T00:00Z",
        subject="Weekly digest",
        html="<p>…</p>",
        text="TOP CANDIDATES\n  1. Ada Quillfeather — 71.0\n  2. Bo Ek — 60.0\n",
        csv="rank,candidate\n1,Ada Quillfeather\n2,Bo Ek\n",
    )
    Report.objects.create(  # another posting's digest, naming a namesake
        posting=ApplicationFactory().posting,
        period_start="2026-11-16T00:00Z",
        period_end="2026-11-23T00:00Z",
        subject="Another posting's digest",
        html="",
        text="  1. Ada Quillfeather — 55.0\n",
        csv="",
    )
    Report.objects.create(
        posting=posting,
        period_start="2026-11-09T00:00Z",
        period_end="2026-11-16T00:00Z",
        subject="An older digest",
        html="",
        text="  1. Bo Ek — 60.0\n",
        csv="",
    )

    [report] = candidate_export(ada, user=recruiter)["reports"]

    assert (report["id"], report["subject"]) == (mentioning.pk, "Weekly digest")
    assert report["lines"] == ["  1. Ada Quillfeather — 71.0"]
    assert report["csv_rows"] == ["1,Ada Quillfeather"]


def test_demographics_are_included_only_for_users_with_the_permission(ada, recruiter):
    CandidateDemographicsFactory(candidate=ada, answers={"gender": "Woman"})

    for_recruiter = candidate_export(ada, user=recruiter)["demographics"]
    for_analyst = candidate_export(ada, user=AnalystFactory())["demographics"]

    assert for_recruiter == {"included": False, "note": HELD_SEPARATELY}
    assert "Woman" not in json.dumps(candidate_export(ada, user=recruiter))
    assert for_analyst["included"] is True
    assert for_analyst["answers"] == {"gender": "Woman"}


def _candidate_with(applications: int, reviewers: list, recruiter) -> Candidate:
    candidate = CandidateFactory()
    for _ in range(applications):
        application = ApplicationFactory(candidate=candidate)
        services.document_upload(
            application=application,
            actor=recruiter,
            name="cv.txt",
            data=b"Python and SQL, five years.",
            role="resume",
        )
        criteria = list(application.rubric.criteria.order_by("order"))
        for reviewer in reviewers:
            assign_and_submit(application, reviewer, criteria, [3, 2, None])
    return candidate


def test_the_export_costs_the_same_queries_whatever_the_number_of_applications(
    recruiter, django_assert_max_num_queries, django_assert_num_queries
):
    reviewers = [ReviewerFactory() for _ in range(3)]
    small = _candidate_with(1, reviewers[:1], recruiter)
    large = _candidate_with(6, reviewers, recruiter)
    candidate_export(small, user=recruiter)  # content types and the recruiter's role cached
    with CaptureQueriesContext(connection) as few:
        candidate_export(small, user=recruiter)
    # applications, assignments with their scorecards, scores, documents, pages, audit
    # events, and the reports (the recruiter's permissions are cached on the user by then).
    with django_assert_num_queries(len(few)):
        data = candidate_export(large, user=recruiter)
    with django_assert_max_num_queries(10):
        candidate_export(large, user=recruiter)
    print(f"export queries: {len(few)} for 1 application; the same for 6 with 18 scorecards")
    assert len(data["applications"]) == 6
    assert sum(len(a["scorecards"]) for a in data["applications"]) == 18


# --- The API ------------------------------------------------------------------------


def test_a_recruiter_downloads_the_export_as_an_attachment(ada, recruiter_api):
    response = recruiter_api.get(export_url(ada))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == f'attachment; filename="candidate-{ada.pk}.json"'
    body = json.loads(response.content)
    assert body["candidate"]["email"] == "ada.quillfeather@example.net"
    assert [a["stage"] for a in body["applications"]] == ["interview"]


def test_a_reviewer_cannot_export_even_a_candidate_assigned_to_them(reviewer_api, reviewer):
    application = ApplicationFactory()
    ReviewAssignmentFactory(application=application, reviewer=reviewer)

    assert reviewer_api.get(export_url(application.candidate)).status_code == 403
    assert reviewer_api.get(export_url(CandidateFactory())).status_code == 403
    assert not AuditEvent.objects.filter(event="candidate.exported").exists()


def test_an_unknown_candidate_is_404(recruiter_api):
    assert recruiter_api.get("/api/v1/candidates/999999/export/").status_code == 404


def test_anonymous_callers_are_refused(api_client, ada):
    assert api_client.get(export_url(ada)).status_code in (401, 403)


def test_each_export_writes_an_audit_event_without_personal_data(ada, recruiter_api, recruiter):
    recruiter_api.get(export_url(ada))
    recruiter_api.get(export_url(ada))

    events = AuditEvent.objects.filter(event="candidate.exported").order_by("id")
    assert events.count() == 2
    event = events.first()
    assert event.actor == recruiter
    assert (event.object_id, event.object_repr) == (str(ada.pk), f"Candidate #{ada.pk}")
    assert event.content_type.model == "candidate"
    recorded = json.dumps([event.object_repr, event.summary, event.changes])
    # The phone as written and as digits: "7946" alone could be the candidate's id.
    for personal in ("Ada", "Quillfeather", "ada.quillfeather", "7946 0001", "79460001", "meetup"):
        assert personal not in recorded


def test_the_export_is_in_the_schema(recruiter_api):
    schema = recruiter_api.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    operation = schema["paths"]["/api/v1/candidates/{id}/export/"]["get"]
    assert "subject access" in operation["summary"]
    properties = schema["components"]["schemas"]["CandidateExport"]["properties"]
    assert {"candidate", "applications", "audit_events", "reports", "demographics"} <= set(
        properties
    )


# --- The admin action ---------------------------------------------------------------


def test_the_admin_action_downloads_one_candidates_export(ada, recruiter_client):
    response = run_action(recruiter_client, Candidate, "export_subject_access", ada)

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="candidate-{ada.pk}.json"'
    assert json.loads(response.content)["candidate"]["full_name"] == "Ada Quillfeather"
    assert AuditEvent.objects.filter(event="candidate.exported", object_id=str(ada.pk)).exists()


def test_the_admin_action_asks_for_exactly_one_candidate(ada, recruiter_client):
    response = run_action(
        recruiter_client, Candidate, "export_subject_access", ada, CandidateFactory()
    )

    assert response.status_code == 302
    page = recruiter_client.get(response["Location"])
    assert "Select exactly one candidate to export their data (subject access)." in [
        str(m) for m in page.context["messages"]
    ]
    assert not AuditEvent.objects.filter(event="candidate.exported").exists()


def test_the_admin_action_is_offered_to_recruiters_only(recruiter_client, client):
    CandidateFactory()
    page = recruiter_client.get(changelist_url(Candidate))
    assert "Export data (subject access)" in page.content.decode()

    # Someone given the view permission on candidates, but not a recruiter.
    viewer = UserFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_candidate"))
    client.force_login(viewer)
    page = client.get(changelist_url(Candidate))
    assert page.status_code == 200
    assert "Export data (subject access)" not in page.content.decode()
    response = run_action(client, Candidate, "export_subject_access", CandidateFactory())
    assert "Content-Disposition" not in response


def test_report_lines_match_the_whole_name_and_name_reviewers_only_as_a_reviewer(ada, recruiter):
    posting = ada.applications.get().posting
    Report.objects.create(
        posting=posting,
        period_start="2026-11-16T00:00Z",
        period_end="2026-11-23T00:00Z",
        subject="Weekly digest",
        html="",
        text=(
            "OVERDUE\n  Ana Lindqvist: Ada Quillfeather (3 days)\n"
            "  ben.m: Ada Quillfeatherston (1 day)\n"
        ),
        csv="",
    )

    [report] = candidate_export(ada, user=recruiter)["reports"]

    assert report["lines"] == ["  a reviewer: Ada Quillfeather (3 days)"]
