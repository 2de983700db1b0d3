"""Anonymised review: the candidate's code, the redaction of résumé texts, who sees whom,
the audited reveal on submit and the posting's setting; then the walk through every admin
page a reviewer with a draft scorecard can reach, which must name the candidate nowhere."""

import re

import pytest
from django.test import override_settings

from calibration import sessions
from core.models import AuditEvent
from rubrics import services as rubric_services
from screening import selectors, services
from screening.anonymity import REDACTION_MARK, candidate_code, identity_hidden, redact
from screening.models import Candidate, Document
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    service_rubric,
)

pytestmark = pytest.mark.django_db

# --- The code ------------------------------------------------------------------------------


def test_the_code_is_stable_short_and_differs_between_candidates():
    assert candidate_code(7) == candidate_code(7)
    assert re.fullmatch(r"Candidate [A-Z2-7]{4}", candidate_code(7))
    assert len({candidate_code(n) for n in range(1, 200)}) > 190


def test_the_code_depends_on_the_secret_key():
    with override_settings(SECRET_KEY="one-key-" * 8):
        first = candidate_code(7)
    with override_settings(SECRET_KEY="another-key-" * 8):
        second = candidate_code(7)
    assert first != second


# --- Redaction, on résumés written for the tests --------------------------------------------


def _candidate(**kwargs) -> Candidate:
    fields = {
        "full_name": "Ada Lovelace",
        "email": "ada.lovelace@example.org",
        "phone": "+44 20 7946 0958",
        "links": ["https://github.com/adal"],
    }
    return Candidate(**{**fields, **kwargs})


def _blacked(text: str, redacted: str) -> list[str]:
    """The runs of the original text that were blacked out."""
    return [
        text[m.start() : m.end()].strip()
        for m in re.finditer(rf"[{REDACTION_MARK}][{REDACTION_MARK}\s]*", redacted)
    ]


HEADER_RESUME = """ADA LOVELACE
221B Baker Street, London NW1 6XE
+44 (0)20 7946 0958 | ada.lovelace@example.org | github.com/adal
https://www.linkedin.com/in/ada-l

Experience
2019 - 2021  Analyst, Babbage & Co. Wrote the first published algorithm in Python.
03/2016 - 10/2019  Translator. Node.js/React on the side; B.Sc/M.Sc in mathematics.
"""


def test_a_resume_header_loses_name_address_phone_email_and_links():
    candidate = _candidate()
    redacted = redact(HEADER_RESUME, candidate)
    for secret in (
        "ADA",
        "LOVELACE",
        "221B Baker Street",
        "NW1 6XE",
        "7946 0958",
        "ada.lovelace@example.org",
        "github.com/adal",
        "linkedin.com/in/ada-l",
    ):
        assert secret.lower() not in redacted.lower(), secret
    # What speaks to the criteria stays, dates included.
    for kept in (
        "2019 - 2021  Analyst, Babbage & Co. Wrote the first published algorithm in Python.",
        "03/2016 - 10/2019  Translator. Node.js/React on the side; B.Sc/M.Sc in mathematics.",
        "London",
        "Experience",
    ):
        assert kept in redacted, kept


def test_redaction_keeps_the_length_and_the_lines():
    redacted = redact(HEADER_RESUME, _candidate())
    assert len(redacted) == len(HEADER_RESUME)
    assert [len(line) for line in redacted.split("\n")] == [
        len(line) for line in HEADER_RESUME.split("\n")
    ]
    assert redacted.splitlines()[0] == f"{REDACTION_MARK * 3} {REDACTION_MARK * 8}"


def test_name_parts_and_initials_go_as_whole_words_in_any_case():
    text = (
        "References: A. Lovelace, Lovelace, A. and Ada L. all vouch; ada wrote it. "
        "Adamant about testing; lovelaces are not her."
    )
    redacted = redact(text, _candidate())
    assert _blacked(text, redacted) == ["A. Lovelace", "Lovelace, A.", "Ada L.", "ada"]
    assert "Adamant" in redacted and "lovelaces" in redacted


def test_a_hyphenated_name_goes_whole_and_in_parts():
    candidate = _candidate(full_name="Mary-Jane O'Neill", email="mj@example.net", phone="")
    text = "Mary-Jane O'Neill — Jane led the team; O'Neill and Mary signed off."
    redacted = redact(text, candidate)
    assert _blacked(text, redacted) == ["Mary-Jane O'Neill", "Jane", "O'Neill", "Mary"]


def test_the_candidates_own_phone_goes_however_it_is_written():
    candidate = _candidate(phone="+44 20 7946 0958")
    for written in ("020 7946 0958", "(020) 79460958", "+44-20-7946-0958", "2079460958"):
        text = f"Call me on {written} any day."
        assert redact(text, candidate) == (
            "Call me on " + re.sub(r"\S", REDACTION_MARK, written) + " any day."
        ), written


def test_other_peoples_contacts_and_common_patterns_go_too():
    candidate = _candidate()
    text = (
        "Referee: grace@navy.example.mil, (555) 123-4567.\n"
        "Blog www.example.dev/posts and @adal_codes.\n"
        "Flat 3, 10 Downing Street; office 1600 Amphitheatre Parkway, CA 94043.\n"
        "Ottawa K1A 0B1. Zip 02139-4307.\n"
        "Scored 3.85 GPA; led 12 people over 4 years; version 1.2.3.4 shipped 2020-2021."
    )
    redacted = redact(text, candidate)
    assert _blacked(text, redacted) == [
        "grace@navy.example.mil",
        "(555) 123-4567",
        "www.example.dev/posts",
        "@adal_codes",
        "Flat 3",
        "10 Downing Street",
        "1600 Amphitheatre Parkway",
        "CA 94043",
        "K1A 0B1",
        "02139-4307",
    ]
    assert "Scored 3.85 GPA; led 12 people over 4 years; version 1.2.3.4 shipped 2020-2021." in (
        redacted
    )


def test_a_text_without_anything_identifying_is_unchanged():
    text = "Skills: Python, SQL, Kubernetes.\nFive years of on-call for payment systems.\n"
    assert redact(text, _candidate()) == text
    assert redact("", _candidate()) == ""


# --- Who sees whom ---------------------------------------------------------------------------


@pytest.fixture
def anonymised_rubric(db):
    rubric = service_rubric()
    rubric.posting.anonymised_review = True
    rubric.posting.save()
    return rubric


@pytest.fixture
def draft(anonymised_rubric, reviewer):
    """The reviewer's draft scorecard for a candidate with distinctive name and contacts."""
    candidate = CandidateFactory(
        full_name="Zenobia Quillfeather",
        email="zq-marker@example.org",
        phone="+44 20 7946 0321",
        links=["https://zq-portfolio.example.net/work"],
        notes="Recruiter note: MK-RECRUITER-NOTE",
    )
    application = ApplicationFactory(rubric=anonymised_rubric, candidate=candidate)
    return ReviewAssignmentFactory(application=application, reviewer=reviewer)


def _submit(assignment, reviewer):
    criteria = assignment.application.rubric.criteria.order_by("order", "id")
    return services.scorecard_save(
        scorecard=assignment.scorecard,
        reviewer=reviewer,
        scores=[{"criterion": c.pk, "value": 3} for c in criteria],
        recommendation=3,
        submit=True,
        schedule_calibration=False,
    )


def test_hidden_from_the_reviewer_until_they_submit(draft, reviewer):
    application = draft.application
    assert identity_hidden(application, reviewer) is True
    _submit(draft, reviewer)
    assert identity_hidden(application, reviewer) is False


def test_recruiters_always_see_the_identity(draft, recruiter):
    assert identity_hidden(draft.application, recruiter) is False
    # Even one who reviews the application themselves.
    ReviewAssignmentFactory(application=draft.application, reviewer=recruiter)
    assert identity_hidden(draft.application, recruiter) is False


def test_a_posting_without_the_setting_hides_nobody(reviewer):
    assignment = ReviewAssignmentFactory(reviewer=reviewer)
    assert identity_hidden(assignment.application, reviewer) is False


def test_a_reviewer_not_assigned_sees_an_anonymised_application_as_a_code(draft):
    assert identity_hidden(draft.application, ReviewerFactory()) is True


def test_the_same_candidate_on_another_posting_stays_hidden_while_one_review_is_pending(
    draft, reviewer
):
    # A name shown on the other posting would give the code away.
    other = ApplicationFactory(candidate=draft.application.candidate)
    ReviewAssignmentFactory(application=other, reviewer=reviewer)
    assert identity_hidden(other, reviewer) is True
    _submit(draft, reviewer)
    assert identity_hidden(other, reviewer) is False


def test_the_annotation_of_the_lists_agrees_with_identity_hidden(draft, reviewer):
    plain = ReviewAssignmentFactory(reviewer=reviewer)
    rows = {a.pk: a.candidate_hidden for a in selectors.assignments_visible_to(reviewer)}
    assert rows == {draft.pk: True, plain.pk: False}
    apps = {a.pk: a.candidate_hidden for a in selectors.applications_visible_to(reviewer)}
    assert apps == {draft.application_id: True, plain.application_id: False}
    people = {c.pk: c.candidate_hidden for c in selectors.candidates_visible_to(reviewer)}
    assert people == {
        draft.application.candidate_id: True,
        plain.application.candidate_id: False,
    }


# --- The reveal and the setting, audited -----------------------------------------------------


def test_submitting_records_one_reveal_without_personal_data(draft, reviewer):
    _submit(draft, reviewer)
    events = list(AuditEvent.objects.filter(event="candidate.identity_revealed"))
    assert len(events) == 1
    event = events[0]
    assert (event.actor, event.object_id) == (reviewer, str(draft.application_id))
    assert event.content_type.model == "application"
    record = f"{event.object_repr} {event.summary} {event.changes}".lower()
    # The phone as it is written and as digits: "7946" alone could be an id in the record.
    phone_forms = ("7946 0321", "79460321")
    for personal in ("zenobia", "quillfeather", "zq-marker", *phone_forms, "zq-portfolio"):
        assert personal not in record
    assert candidate_code(draft.application.candidate_id) in event.object_repr


def test_no_reveal_is_recorded_where_nothing_was_hidden(reviewer):
    assignment = ReviewAssignmentFactory(reviewer=reviewer)
    _submit(assignment, reviewer)
    assert not AuditEvent.objects.filter(event="candidate.identity_revealed").exists()


def test_a_draft_save_reveals_nothing(draft, reviewer):
    services.scorecard_save(scorecard=draft.scorecard, reviewer=reviewer, summary="so far")
    assert not AuditEvent.objects.filter(event="candidate.identity_revealed").exists()
    assert identity_hidden(draft.application, reviewer) is True


def test_changing_the_setting_is_audited(recruiter):
    posting = service_rubric().posting
    rubric_services.posting_update(posting=posting, actor=recruiter, anonymised_review=True)
    event = AuditEvent.objects.filter(event="posting.changed").latest("id")
    assert event.changes == {"anonymised_review": [False, True]}
    assert event.actor == recruiter


def test_the_setting_is_on_the_posting_admin_form_and_saved_through_the_service(
    recruiter_client,
):
    posting = service_rubric().posting
    from tests.support import change_url, form_data

    url = change_url(posting)
    data = form_data(recruiter_client.get(url), "jobposting_form")
    data["anonymised_review"] = "on"
    response = recruiter_client.post(url, data)
    assert response.status_code == 302
    posting.refresh_from_db()
    assert posting.anonymised_review is True
    assert AuditEvent.objects.filter(event="posting.changed", object_id=str(posting.pk)).exists()


def test_the_setting_is_in_the_postings_api(recruiter_api):
    posting = service_rubric().posting
    response = recruiter_api.patch(
        f"/api/v1/postings/{posting.pk}/", {"anonymised_review": True}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["anonymised_review"] is True
    assert AuditEvent.objects.filter(event="posting.changed", object_id=str(posting.pk)).exists()


# --- Documents and evidence -------------------------------------------------------------------

RESUME = (
    "Zenobia Quillfeather\n"
    "14 Harbour Road, Leeds LS1 4AB · +44 20 7946 0321 · zq-marker@example.org\n"
    "https://zq-portfolio.example.net/work\n\n"
    "Certification: Certified field service engineer, 2018.\n"
    "Experience: five years of service software support; Quillfeather led the rota.\n"
)


@pytest.fixture
def document(draft, recruiter, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        document = services.document_upload(
            application=draft.application,
            actor=recruiter,
            name="Zenobia Quillfeather CV.txt",
            data=RESUME.encode(),
            role=Document.Role.RESUME,
        )
    document.refresh_from_db()
    assert document.status == Document.Status.READY
    return document


def test_evidence_comes_from_the_redacted_text_at_the_same_offsets(draft, document):
    application = draft.application
    plain = selectors.application_evidence(application)
    hidden = selectors.application_evidence(application, anonymised=True)
    text = document.pages.get().text
    redacted = redact(text, application.candidate)
    passages = [p for row in hidden for d in row.documents for p in d.passages]
    assert passages, "the résumé speaks to the criteria"
    for p in passages:
        assert "Quillfeather" not in p["snippet"]
        assert redacted[p["start"] : p["end"]] in p["snippet"]
    assert {d.document_name for row in hidden for d in row.documents} == {"Résumé (redacted text)"}
    # The same passages are found in the original: the offsets did not move.
    assert [(p["page"], p["start"], p["end"]) for p in passages] == [
        (p["page"], p["start"], p["end"])
        for row in plain
        for d in row.documents
        for p in d.passages
    ]


def test_the_workspace_shows_no_page_image_and_no_file_name(draft, document):
    workspace = selectors.scorecard_documents(draft.application, anonymised=True)
    item = workspace.documents[0]
    assert item.name == "Résumé (redacted text)"
    shown = "".join(s.text for page in item.pages for s in page.segments)
    assert shown == redact(document.pages.get().text, draft.application.candidate)
    assert "Quillfeather" not in shown and "Certified field service engineer" in shown
    assert not any(page.has_image or page.ratio for page in item.pages)


# --- The walk: every admin page a reviewer with a draft can reach -----------------------------

MARKERS = (
    "Zenobia",
    "Quillfeather",
    "zq-marker",
    "7946 0321",
    "zq-portfolio",
    "MK-RECRUITER",
    "Vantongeren",
    "Szczebrzeszyn",
    "mk-item",
)


def _reviewer_pages(draft, document, session_assignment):
    return [
        "/admin/",
        "/admin/screening/myreview/",
        f"/admin/screening/myreview/{draft.pk}/scorecard/",
        f"/admin/screening/myreview/{draft.pk}/scorecard/documents/",
        "/admin/screening/document/",
        f"/admin/screening/document/{document.pk}/change/",
        f"/admin/screening/document/{document.pk}/history/",
        f"/admin/screening/document/{document.pk}/file/",
        f"/admin/screening/document/{document.pk}/pages/1/image/",
        f"/admin/screening/application/{draft.application_id}/debrief/",
        f"/admin/screening/application/{draft.application_id}/change/",
        f"/admin/screening/candidate/{draft.application.candidate_id}/change/",
        "/admin/calibration/mycalibrationsession/",
        f"/admin/calibration/mycalibrationsession/{session_assignment.pk}/score/",
    ]


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


@pytest.fixture
def session_assignment(draft, reviewer, recruiter, django_capture_on_commit_callbacks):
    """A calibration session on the anonymised posting, with the reviewer assigned: its items
    are two other applications (a reviewer still scoring one may not have it as an item)."""
    rubric = draft.application.rubric
    criteria = list(rubric.criteria.order_by("order", "id"))
    items = [
        ApplicationFactory(
            rubric=rubric,
            candidate=CandidateFactory(full_name=name, links=["https://mk-item.example.net"]),
        )
        for name in ("Orlaith Vantongeren", "Piotr Szczebrzeszyn")
    ]
    with django_capture_on_commit_callbacks(execute=True):
        services.document_upload(
            application=items[0],
            actor=recruiter,
            name="Orlaith Vantongeren resume.txt",
            data=b"Orlaith Vantongeren\nCertification: certified service engineer.\n",
            role=Document.Role.RESUME,
        )
    session = sessions.session_create(
        posting=rubric.posting,
        title="Anonymised calibration",
        key_agreed_by="Leads",
        actor=recruiter,
        reviewers=[reviewer],
        items=[sessions.ItemInput(application=a, key={c.pk: 2 for c in criteria}) for a in items],
        open_now=True,
    )
    return session.assignments.get(reviewer=reviewer)


def test_a_reviewer_with_a_draft_finds_the_candidate_on_no_admin_page(
    draft, document, session_assignment, reviewer_client
):
    leaks, statuses = [], {}
    for url in _reviewer_pages(draft, document, session_assignment):
        response = reviewer_client.get(url)
        statuses[url] = response.status_code
        assert response.status_code < 500, url
        body = _body(response)
        leaks += [f"{url}: {m}" for m in MARKERS if m.lower() in body.lower()]
    assert not leaks
    code = candidate_code(draft.application.candidate_id)
    scorecard = reviewer_client.get(f"/admin/screening/myreview/{draft.pk}/scorecard/")
    assert code in scorecard.content.decode()
    assert "Certified field service engineer" in scorecard.content.decode()
    # The download is the redacted text; the page images are not there.
    download = reviewer_client.get(f"/admin/screening/document/{document.pk}/file/")
    assert download["Content-Type"].startswith("text/plain")
    assert download["Content-Disposition"] == (
        "attachment; filename*=utf-8''R%C3%A9sum%C3%A9%20%28redacted%20text%29.txt"
    )
    assert "Certified field service engineer" in _body(download)
    assert statuses[f"/admin/screening/document/{document.pk}/pages/1/image/"] == 404
    # The list and the calibration session show the code instead.
    assert code in reviewer_client.get("/admin/screening/myreview/").content.decode()
    session_page = reviewer_client.get(
        f"/admin/calibration/mycalibrationsession/{session_assignment.pk}/score/"
    ).content.decode()
    for item in session_assignment.session.items.all():
        assert candidate_code(item.application.candidate_id) in session_page
    assert "certified service engineer" in session_page


def test_searching_by_name_does_not_tell_who_is_behind_a_code(draft, document, reviewer_client):
    code = candidate_code(draft.application.candidate_id)
    for url in ("/admin/screening/myreview/", "/admin/screening/document/"):
        assert code in reviewer_client.get(url).content.decode()
        nobody = code in reviewer_client.get(url, {"q": "no such words"}).content.decode()
        for name in ("Zenobia", "Quillfeather"):
            # The answer is the same as for words that match nobody.
            assert (code in reviewer_client.get(url, {"q": name}).content.decode()) == nobody


def test_after_submitting_the_reviewer_sees_the_name(draft, document, reviewer, reviewer_client):
    _submit(draft, reviewer)
    page = reviewer_client.get(f"/admin/screening/myreview/{draft.pk}/scorecard/").content.decode()
    assert "Zenobia Quillfeather" in page
    listing = reviewer_client.get("/admin/screening/myreview/").content.decode()
    assert "Zenobia Quillfeather" in listing
    download = reviewer_client.get(f"/admin/screening/document/{document.pk}/file/")
    assert download["Content-Disposition"] == 'attachment; filename="Zenobia Quillfeather CV.txt"'


def test_a_recruiter_always_sees_the_name(draft, document, recruiter_client):
    for url in (
        f"/admin/screening/application/{draft.application_id}/change/",
        "/admin/screening/document/",
        f"/admin/screening/document/{document.pk}/change/",
        f"/admin/screening/document/{document.pk}/history/",
        "/admin/screening/reviewassignment/",
    ):
        assert "Zenobia Quillfeather" in recruiter_client.get(url).content.decode(), url


def test_my_reviews_reads_the_hidden_flag_in_its_one_list_query(
    draft, reviewer, reviewer_client, anonymised_rubric, django_assert_max_num_queries
):
    reviewer_client.get("/admin/screening/myreview/")  # warm the session and permissions

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert reviewer_client.get("/admin/screening/myreview/").status_code == 200
        return len(queries)

    few = count()
    for _ in range(10):
        ReviewAssignmentFactory(
            application=ApplicationFactory(rubric=anonymised_rubric), reviewer=reviewer
        )
    with django_assert_max_num_queries(few):
        page = reviewer_client.get("/admin/screening/myreview/")
    assert page.content.decode().count("Candidate ") >= 11


# --- Mail and error messages ------------------------------------------------------------------


def test_a_reminder_names_a_hidden_candidate_by_code_until_submitted(draft, reviewer, mailoutbox):
    from datetime import date

    from reports.services import reminder_send
    from screening.models import ReviewAssignment

    reviewer.email = "reviewer@example.org"
    reviewer.save()
    ReviewAssignment.objects.filter(pk=draft.pk).update(due_date=date(2026, 1, 1))

    assert reminder_send(reviewer_id=reviewer.pk, today=date(2026, 2, 1))

    (message,) = mailoutbox
    bodies = [message.body, *(content for content, _type in message.alternatives)]
    code = candidate_code(draft.application.candidate_id)
    for body in bodies:
        assert code in body
        for marker in ("Zenobia", "Quillfeather", "zq-marker"):
            assert marker not in body


def test_a_session_submit_error_names_hidden_items_by_code(session_assignment, reviewer_api):
    session = session_assignment.session

    response = reviewer_api.post(
        f"/api/v1/calibration-sessions/{session.pk}/submit/", {"ratings": []}, format="json"
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert "missing" in body
    for marker in ("Orlaith", "Vantongeren", "Piotr", "Szczebrzeszyn"):
        assert marker not in body


def test_a_reviewer_with_someone_hidden_gets_candidates_by_id_not_by_name(
    draft, reviewer, reviewer_api
):
    plain = service_rubric()
    for name in ("Aaron Alpha", "Zed Zulu"):
        application = ApplicationFactory(rubric=plain, candidate=CandidateFactory(full_name=name))
        ReviewAssignmentFactory(application=application, reviewer=reviewer)

    for query in ("", "?ordering=full_name", "?ordering=-full_name"):
        response = reviewer_api.get(f"/api/v1/candidates/{query}")
        assert response.status_code == 200
        data = response.json()
        rows = data["results"] if isinstance(data, dict) else data
        ids = [row["id"] for row in rows]
        assert ids == sorted(ids), query
