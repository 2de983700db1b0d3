"""Erasure on request: one candidate's personal data leaves every table and file, their
ratings stay under a pseudonym, one audit event without personal data records it, and the
ordinary delete paths refuse and point to erasure."""

import email
import os
import shutil
import subprocess
from email import policy
from email.message import EmailMessage

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from calibration.models import CalibrationRun
from calibration.services import calibration_run
from core.models import AuditEvent
from reports.digest import this_week_so_far
from reports.models import CandidateDemographics, Report
from reports.services import digest_store, report_send
from screening import services
from screening.models import Candidate, CriterionScore, Document, DocumentPage, Scorecard
from screening.privacy import mail
from screening.privacy.erasure import erase_candidate
from screening.privacy.scrub import Scrubber
from tests.factories import (
    ApplicationFactory,
    CandidateDemographicsFactory,
    CandidateFactory,
    ReviewerFactory,
    assign_and_submit,
)
from tests.sqlite_triggers import (  # noqa: F401  (a fixture, used by name)
    _create_sqlite_triggers,
    _drop_sqlite_triggers,
    rubric_triggers_back_after_module,
)
from tests.support import change_url, changelist_url, form_data, messages_of, run_action

NAME = "Quillfeather Zanzibarova"
EMAIL = "q.zanzibarova@mailbox.example.org"
PHONE = "+31 6 9876 5432"
LINK = "https://portfolio.example.org/quillfeather-z"
SECRETS = (NAME, EMAIL, PHONE, LINK, "Zanzibarova CV")


@pytest.fixture
def committed_db(request):
    """With COMMITTED (rows really committed: pg_dump reads from another connection, files
    go on commit; serialized_rollback restores the migrations' rows for the tests after),
    SQLite's rubric triggers are dropped before the flush that ends the test (and made
    again once the module is done)."""
    request.getfixturevalue("rubric_triggers_back_after_module")
    _create_sqlite_triggers()
    yield
    _drop_sqlite_triggers()


def _setup_world(recruiter, mail_dir):
    """A candidate whose personal data is written everywhere the service writes it."""
    candidate = services.candidate_create(
        actor=recruiter,
        full_name=NAME,
        email=EMAIL,
        phone=PHONE,
        links=[LINK],
        notes=f"Call {NAME} on {PHONE}.",
    )
    application = ApplicationFactory(candidate=candidate)
    application.posting.recruiters.add(recruiter)
    criteria = list(application.rubric.criteria.order_by("order"))
    cards = [
        assign_and_submit(application, ReviewerFactory(), criteria, values, recommendation)
        for values, recommendation in (([3, 2, 4], 3), ([2, 2, 3], 2))
    ]
    # A second candidate keeps the calibration non-trivial and must stay untouched.
    other = ApplicationFactory(rubric=application.rubric, posting=application.posting)
    assign_and_submit(other, ReviewerFactory(), criteria, [1, 3, 2], 2)
    Scorecard.objects.filter(pk__in=[c.pk for c in cards]).update(
        summary=f"{NAME} explained the design well."
    )
    CriterionScore.objects.filter(scorecard__in=cards).update(note=f"{NAME}'s project")
    services.document_upload(
        application=application,
        actor=recruiter,
        name="Zanzibarova CV.txt",
        data=f"Curriculum vitae\n{NAME}\n{EMAIL}\n{PHONE}\nPython, SQL.\n".encode(),
        role="resume",
    )
    CandidateDemographicsFactory(candidate=candidate)
    report = digest_store(posting=application.posting, period=this_week_so_far(), actor=recruiter)
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(mail_dir),
    ):
        report_send(report=report, actor=recruiter)
    return candidate, application, report


def _admin_edit(client, candidate):
    page = client.get(change_url(candidate))
    data = form_data(page, "candidate_form")
    data["notes"] = f"{NAME} asked to be called back."
    response = client.post(change_url(candidate), data)
    assert response.status_code == 302, response.content[:2000]


def _sqlite_dump() -> str:
    connection.ensure_connection()
    return "\n".join(connection.connection.iterdump())


def _pg_dump() -> str:
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": db["PASSWORD"] or ""}
    args = ["pg_dump", "--no-owner", "-h", db["HOST"] or "127.0.0.1", "-U", db["USER"]]
    if db["PORT"]:
        args += ["-p", str(db["PORT"])]
    return subprocess.run(
        [*args, db["NAME"]], env=env, capture_output=True, check=True, text=True
    ).stdout


def _file_texts(*roots) -> str:
    texts = []
    for root in roots:
        for dirpath, _dirs, files in os.walk(root):
            for name in files:
                data = open(os.path.join(dirpath, name), "rb").read()  # noqa: PTH123, SIM115
                texts.append(name + "\n" + data.decode("utf-8", "replace"))
                if "mail" in str(root):
                    # What a mail client shows: the decoded parts too.
                    for chunk in data.split(mail.SEPARATOR):
                        message = email.message_from_bytes(chunk, policy=policy.default)
                        for part in message.walk():
                            if part.get_content_maintype() == "text":
                                texts.append(part.get_content())
    return "\n".join(texts)


def _mentions(text: str) -> dict[str, int]:
    lowered = text.lower()
    return {s: lowered.count(s.lower()) for s in SECRETS}


def _ratings(rubric) -> int:
    run = calibration_run(rubric_id=rubric.pk, trigger=CalibrationRun.Trigger.MANUAL)
    assert run.status == CalibrationRun.Status.SUCCEEDED, run.error
    return run.n_ratings


def _erasure_leaves_no_trace(dump, client, recruiter, tmp_path, media):
    mail_dir = tmp_path / "mail"
    with override_settings(EMAIL_FILE_PATH=str(mail_dir)):
        candidate, application, report = _setup_world(recruiter, mail_dir)
        _admin_edit(client, candidate)
        # The check can fail: before, the secrets are in the database and in the files.
        before_db, before_files = _mentions(dump()), _mentions(_file_texts(media, mail_dir))
        assert all(before_db.values()), before_db
        assert before_files[NAME] and before_files[EMAIL], before_files
        assert LogEntry.objects.filter(object_repr__icontains=NAME).exists()
        assert NAME in Report.objects.get(pk=report.pk).csv
        ratings_before = _ratings(application.rubric)
        pages = list(DocumentPage.objects.filter(document__application=application))
        assert pages

        result = erase_candidate(candidate, actor=recruiter, reference="DSAR-2026-117")

        assert _mentions(dump()) == dict.fromkeys(SECRETS, 0)
        assert _mentions(_file_texts(media, mail_dir)) == dict.fromkeys(SECRETS, 0)
        assert not Document.objects.filter(application=application).exists()
        assert not CandidateDemographics.objects.filter(candidate=candidate).exists()
        placeholder = f"Erased candidate #{result.pseudonym}"
        assert placeholder in Report.objects.get(pk=report.pk).csv
        # The ratings still count, under the pseudonym.
        assert _ratings(application.rubric) == ratings_before
        values = sorted(
            CriterionScore.objects.filter(scorecard__application=application).values_list(
                "value", flat=True
            )
        )
        assert values == [2, 2, 2, 3, 3, 4]
        event = AuditEvent.objects.get(event="candidate.erased")
        assert event.actor == recruiter
        assert event.changes["reference"] == "DSAR-2026-117"
        assert event.changes["counts"]["documents"] == 1
        assert event.changes["counts"]["mail_files"] == 1
        assert _mentions(f"{event.object_repr} {event.summary} {event.changes}") == dict.fromkeys(
            SECRETS, 0
        )


COMMITTED = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@COMMITTED
@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite dump")
def test_after_erasure_the_sqlite_dump_and_the_files_hold_no_trace(
    committed_db, recruiter, client, tmp_path, media
):
    client.force_login(recruiter)
    _erasure_leaves_no_trace(_sqlite_dump, client, recruiter, tmp_path, media)


@COMMITTED
@pytest.mark.skipif(
    connection.vendor != "postgresql" or shutil.which("pg_dump") is None,
    reason="needs PostgreSQL (DATABASE_URL) and pg_dump",
)
def test_after_erasure_pg_dump_and_the_files_hold_no_trace(
    committed_db, recruiter, client, tmp_path, media
):
    client.force_login(recruiter)
    _erasure_leaves_no_trace(_pg_dump, client, recruiter, tmp_path, media)


@pytest.mark.django_db
def test_secure_delete_is_on_for_sqlite_connections():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA secure_delete")
        assert cursor.fetchone()[0] == 1


# --- The service ----------------------------------------------------------------------


@pytest.mark.django_db
def test_erasure_keeps_the_row_as_a_pseudonym_and_the_email_unique(recruiter):
    first, second = CandidateFactory(), CandidateFactory()
    a = erase_candidate(first, actor=recruiter).candidate
    b = erase_candidate(second, actor=recruiter).candidate
    assert a.full_name == f"Erased candidate #{a.pseudonym}"
    assert a.email.endswith("@erased.invalid") and a.email != b.email
    assert (a.phone, a.links, a.notes) == ("", [], "")
    assert a.erased_at is not None and a.pseudonym != b.pseudonym


@pytest.mark.django_db
def test_erasing_twice_or_under_a_hold_is_refused(recruiter):
    from core.errors import Conflict
    from screening.privacy.retention import legal_hold_place

    candidate = CandidateFactory()
    erase_candidate(candidate, actor=recruiter)
    with pytest.raises(Conflict, match="already erased"):
        erase_candidate(candidate, actor=recruiter)
    held = legal_hold_place(candidate=CandidateFactory(), actor=recruiter, reason="Case 12")
    with pytest.raises(Conflict, match="legal hold"):
        erase_candidate(held, actor=recruiter)
    held.refresh_from_db()
    assert held.erased_at is None


@pytest.mark.django_db
def test_other_candidates_and_unrelated_text_are_left_alone(recruiter):
    ana = services.candidate_create(actor=recruiter, full_name="Ana", email="ana@example.net")
    other = services.candidate_create(
        actor=recruiter, full_name="Banana Split", email="split@example.net"
    )
    erase_candidate(ana, actor=recruiter)
    other.refresh_from_db()
    assert other.full_name == "Banana Split"
    assert AuditEvent.objects.filter(object_repr="Banana Split").exists()
    assert not AuditEvent.objects.filter(object_repr="Ana").exists()


@pytest.mark.django_db
def test_the_reference_is_scrubbed_of_the_candidate(recruiter):
    candidate = CandidateFactory(full_name="Oona Brightwater")
    erase_candidate(candidate, actor=recruiter, reference="Request from Oona Brightwater")
    event = AuditEvent.objects.get(event="candidate.erased")
    assert "Brightwater" not in event.changes["reference"]


@pytest.mark.django_db
def test_json_audit_changes_are_scrubbed_even_when_escaped(recruiter):
    from core import audit

    candidate = CandidateFactory(full_name="Zoë Ångström")
    audit.record(actor=recruiter, event="x.test", obj=candidate, changes={"who": ["Zoë Ångström"]})
    erase_candidate(candidate, actor=recruiter)
    event = AuditEvent.objects.get(event="x.test")
    assert "Ångström" not in str(event.changes)


# --- The mail archive -------------------------------------------------------------------


def _archived(*messages: EmailMessage) -> bytes:
    return b"".join(m.as_bytes() + mail.SEPARATOR for m in messages)


@pytest.mark.parametrize("cte", ["base64", "quoted-printable", "8bit"])
def test_a_mail_part_is_decoded_scrubbed_and_rewritten(tmp_path, cte):
    message = EmailMessage()
    message["Subject"] = "Digest: Quillfeather Zanzibarova leads"
    message["To"] = "lead@example.net"
    message.set_content(f"Top: {NAME} ({EMAIL}) — strong.\n", cte=cte, charset="utf-8")
    message.add_attachment(
        f"candidate,score\n{NAME},80\n".encode(),
        maintype="text",
        subtype="csv",
        filename="ranking.csv",
    )
    other = EmailMessage()
    other["Subject"] = "Unrelated"
    other.set_content("Nothing about anyone.\n")
    path = tmp_path / "20261201-1.log"
    path.write_bytes(_archived(message, other))
    if cte == "base64":
        assert b"Top: " not in path.read_bytes()  # only decoding finds the body
    scrubber = Scrubber([NAME, EMAIL], "Erased candidate #abcd")

    with override_settings(EMAIL_FILE_PATH=str(tmp_path)):
        found = mail.files_mentioning(scrubber)
        assert found == [path]
        assert mail.scrub_files(found, scrubber) == 1

    chunks = path.read_bytes().split(mail.SEPARATOR)
    first = email.message_from_bytes(chunks[0], policy=policy.default)
    texts = [p.get_content() for p in first.walk() if p.get_content_maintype() == "text"]
    assert all(NAME not in t and EMAIL not in t for t in texts)
    assert "Erased candidate #abcd" in texts[0] and "Erased candidate #abcd" in texts[1]
    assert first["Subject"] == "Digest: Erased candidate #abcd leads"
    assert [p.get_filename() for p in first.iter_attachments()] == ["ranking.csv"]
    second = email.message_from_bytes(chunks[1], policy=policy.default)
    assert second.get_content() == "Nothing about anyone.\n"
    assert not list(tmp_path.glob(".erasure-*"))


# --- Ordinary deletes refused, and the other ways in -------------------------------------


@pytest.mark.django_db
def test_the_api_refuses_delete_and_points_to_erase(recruiter_api):
    application = ApplicationFactory()
    response = recruiter_api.delete(f"/api/v1/candidates/{application.candidate_id}/")
    assert response.status_code == 409
    assert f"/api/v1/candidates/{application.candidate_id}/erase/" in response.json()["detail"]
    assert Candidate.objects.filter(pk=application.candidate_id).exists()


@pytest.mark.django_db
def test_the_api_erases_for_recruiters_only(recruiter_api, reviewer):
    from rest_framework.test import APIClient

    candidate = ApplicationFactory().candidate
    url = f"/api/v1/candidates/{candidate.pk}/erase/"
    reviewer_api = APIClient()
    reviewer_api.force_login(reviewer)
    assert reviewer_api.post(url, {"reference": "T-1"}, format="json").status_code == 403
    candidate.refresh_from_db()
    assert not candidate.is_erased
    response = recruiter_api.post(url, {"reference": "T-1"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["full_name"] == f"Erased candidate #{body['pseudonym']}"
    again = recruiter_api.post(url, {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_erased"
    patch = recruiter_api.patch(
        f"/api/v1/candidates/{candidate.pk}/", {"full_name": "Back again"}, format="json"
    )
    assert patch.status_code == 409


@pytest.mark.django_db
def test_the_admin_refuses_delete_with_a_pointer_to_erasure(recruiter_client):
    from tests.support import delete_url

    application = ApplicationFactory()
    for obj in (application.candidate, application):
        response = recruiter_client.get(delete_url(obj), follow=True)
        assert any("erase" in text.lower() for _level, text in messages_of(response))
        assert type(obj).objects.filter(pk=obj.pk).exists()
    page = recruiter_client.get(changelist_url(Candidate))
    assert b"delete_selected" not in page.content
    assert b'value="erase"' in page.content


@pytest.mark.django_db
def test_the_admin_action_confirms_then_erases(recruiter_client, recruiter):
    application = ApplicationFactory(candidate=CandidateFactory(full_name="Perpetua Voss"))
    candidate = application.candidate
    page = run_action(recruiter_client, Candidate, "erase", candidate)
    assert page.status_code == 200
    assert b"Perpetua Voss" in page.content and b"cannot be undone" in page.content
    candidate.refresh_from_db()
    assert not candidate.is_erased  # nothing happens before the confirmation
    response = recruiter_client.post(
        changelist_url(Candidate),
        {
            "action": "erase",
            "_selected_action": [candidate.pk],
            "reference": "Ticket 88",
            "_erase": "Erase",
        },
        follow=True,
    )
    candidate.refresh_from_db()
    assert candidate.is_erased
    assert any("Erased the personal data of 1 candidate" in t for _l, t in messages_of(response))
    # An erased candidate is read-only.
    change = recruiter_client.get(change_url(candidate))
    assert b'name="full_name"' not in change.content


@pytest.mark.django_db
def test_the_command_erases_by_email_and_fails_on_unknown_or_erased(recruiter, capsys):
    candidate = CandidateFactory(email="Mixed.Case@example.net")
    call_command(
        "erase_candidate",
        "mixed.case@example.net",
        "--reference",
        "R-9",
        "--actor",
        recruiter.username,
    )
    candidate.refresh_from_db()
    assert candidate.is_erased
    assert "Erased candidate" in capsys.readouterr().out
    with pytest.raises(CommandError, match="already erased"):
        call_command("erase_candidate", str(candidate.pk))
    with pytest.raises(CommandError, match="No candidate"):
        call_command("erase_candidate", "nobody@example.net")


@pytest.mark.django_db
def test_nothing_new_is_stored_about_an_erased_candidate(recruiter):
    from core.errors import Conflict
    from tests.factories import published_rubric

    application = ApplicationFactory()
    candidate = erase_candidate(application.candidate, actor=recruiter).candidate
    with pytest.raises(Conflict):
        services.candidate_update(candidate=candidate, actor=recruiter, notes="Back again")
    with pytest.raises(Conflict):
        services.application_open(
            candidate=candidate, posting=published_rubric().posting, actor=recruiter
        )
    application.refresh_from_db()
    with pytest.raises(Conflict):
        services.document_upload(
            application=application, actor=recruiter, name="cv.txt", data=b"Hello", role="resume"
        )


@pytest.mark.django_db
def test_a_name_the_candidate_had_before_a_rename_is_erased_too(recruiter):
    candidate = services.candidate_create(
        actor=recruiter, full_name="Oldname Xylophonist", email="x1@example.org"
    )
    application = ApplicationFactory(candidate=candidate)
    # An event about the application, written under the old name.
    services.application_set_stage(application=application, actor=recruiter, stage="interview")
    services.candidate_update(candidate=candidate, actor=recruiter, full_name="Newname Yodeller")
    export_event = AuditEvent.objects.create(
        event="candidate.exported",
        content_type=ContentType.objects.get_for_model(Candidate),
        object_id=str(candidate.pk),
        object_repr=f"Candidate #{candidate.pk}",
    )

    erase_candidate(candidate, actor=recruiter)

    texts = [
        f"{e.object_repr} {e.summary} {e.changes}"
        for e in AuditEvent.objects.exclude(pk=export_event.pk)
    ]
    assert not [t for t in texts if "Oldname" in t or "Newname" in t]
    # The export's record names the id only, and keeps it (no name to take out).
    export_event.refresh_from_db()
    assert export_event.object_repr == f"Candidate #{candidate.pk}"


@pytest.mark.django_db
def test_the_file_name_of_a_document_deleted_before_the_erasure_goes_too(
    recruiter, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    application = ApplicationFactory(candidate=CandidateFactory(full_name="Ilse Marchetti"))
    other = services.document_upload(
        application=application,
        actor=recruiter,
        name="Zanzibarova CV.txt",
        data=b"Experience: ten years of welding.",
        role="resume",
    )
    services.document_delete(document=other, actor=recruiter)

    erase_candidate(application.candidate, actor=recruiter)

    texts = [f"{e.object_repr} {e.summary} {e.changes}" for e in AuditEvent.objects.all()]
    assert not [t for t in texts if "Zanzibarova" in t or "Marchetti" in t]


@pytest.mark.django_db
def test_pending_imports_in_sessions_are_dropped_and_other_session_text_scrubbed(recruiter):
    from importlib import import_module

    from django.conf import settings as django_settings
    from django.contrib.sessions.models import Session

    from screening.privacy.erasure import IMPORT_SESSION_KEY

    candidate = CandidateFactory(full_name="Quintessa Brightwater")
    store = import_module(django_settings.SESSION_ENGINE).SessionStore()
    # A workbook is a zip: its text cannot be searched, so any pending import goes.
    store[IMPORT_SESSION_KEY] = {"data": "UEsDBBQAAAAIAA==", "name": "people.xlsx"}
    store["_messages"] = "Imported Quintessa Brightwater."
    store.create()

    erase_candidate(candidate, actor=recruiter)

    data = Session.objects.get(pk=store.session_key).get_decoded()
    assert IMPORT_SESSION_KEY not in data
    assert "Brightwater" not in str(data)
    assert "Erased candidate #" in data["_messages"]


@pytest.mark.django_db
def test_the_demo_sample_digest_under_var_is_scrubbed(
    recruiter, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.VAR_DIR = tmp_path
    sample = tmp_path / "demo-digest.html"
    sample.write_text("<p>Overdue: Ravenna Oyelaran-Smith for Welder</p>", encoding="utf-8")
    candidate = CandidateFactory(full_name="Ravenna Oyelaran-Smith")

    with django_capture_on_commit_callbacks(execute=True):
        erase_candidate(candidate, actor=recruiter)

    text = sample.read_text(encoding="utf-8")
    assert "Oyelaran" not in text
    assert "Erased candidate #" in text
