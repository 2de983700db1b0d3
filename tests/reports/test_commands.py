"""The `send_report` command."""

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from reports.digest import build_digest, digest_period
from reports.models import Report
from tests.factories import ApplicationFactory, RecruiterFactory
from tests.reports.support import recipients_of_outbox

pytestmark = pytest.mark.django_db


ROOT = Path(__file__).resolve().parents[2]


# --- The send_report command --------------------------------------------------------------


def send_report(*args) -> str:
    out = io.StringIO()
    call_command("send_report", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def posting_with_recruiter():
    application = ApplicationFactory()
    posting = application.posting
    posting.recruiters.add(RecruiterFactory(username="rita", email="rita@example.org"))
    return posting


def test_send_report_stores_and_sends_the_digest(posting_with_recruiter):
    output = send_report("--posting", str(posting_with_recruiter.pk))

    report = Report.objects.get()
    assert output == f"Report {report.pk} “{report.subject}”: sent to 1 recipient(s).\n"
    assert (report.period_start, report.period_end) == digest_period()
    assert recipients_of_outbox() == ["rita@example.org"]
    assert report.sent_at is not None


def test_send_report_twice_says_they_already_had_it(posting_with_recruiter):
    send_report("--posting", str(posting_with_recruiter.pk))

    output = send_report("--posting", str(posting_with_recruiter.pk))

    report = Report.objects.get()
    assert output == (
        f"Report {report.pk} “{report.subject}”: sent to 0 recipient(s); 1 already had it.\n"
    )
    assert len(mail.outbox) == 1


def test_send_report_to_sends_only_there(posting_with_recruiter):
    output = send_report("--posting", str(posting_with_recruiter.pk), "--to", "someone@example.org")

    report = Report.objects.get()
    assert output == f"Report {report.pk} “{report.subject}”: sent to 1 recipient(s).\n"
    assert recipients_of_outbox() == ["someone@example.org"]
    # The posting's recruiters still get it from the weekly task.
    assert (report.recipients, report.sent_at) == (["rita@example.org"], None)


def test_send_report_to_the_same_address_twice_sends_once(posting_with_recruiter):
    send_report(
        "--posting",
        str(posting_with_recruiter.pk),
        "--to",
        "someone@example.org",
        "--to",
        "someone@example.org",
    )

    assert recipients_of_outbox() == ["someone@example.org"]


def test_send_report_dry_run_stores_and_sends_nothing(posting_with_recruiter):
    output = send_report("--posting", str(posting_with_recruiter.pk), "--dry-run")

    assert Report.objects.count() == 0
    assert mail.outbox == []
    start, end = digest_period()
    digest = build_digest(posting=posting_with_recruiter, period_start=start, period_end=end)
    lines = output.splitlines()
    assert lines[0] == f"Dry run: would send “{digest.subject}” to rita@example.org."
    assert lines[1] == digest.text.splitlines()[0]
    assert "PIPELINE" in lines
    assert "TOP CANDIDATES BY SCORE" in lines


def test_send_report_dry_run_with_to_names_that_address(posting_with_recruiter):
    output = send_report(
        "--posting", str(posting_with_recruiter.pk), "--dry-run", "--to", "someone@example.org"
    )

    assert output.splitlines()[0].endswith("” to someone@example.org.")
    assert (Report.objects.count(), mail.outbox) == (0, [])


def test_send_report_dry_run_shows_the_text_that_is_then_sent(posting_with_recruiter):
    output = send_report("--posting", str(posting_with_recruiter.pk), "--dry-run")

    send_report("--posting", str(posting_with_recruiter.pk))

    assert mail.outbox[0].body in output


def test_send_report_unknown_posting_is_an_error():
    with pytest.raises(CommandError, match=r"^No posting has id 999999\.$"):
        send_report("--posting", "999999")


def test_send_report_bad_to_address_is_an_error(posting_with_recruiter):
    with pytest.raises(CommandError, match=r"^“not-an-address” is not an email address\.$"):
        send_report("--posting", str(posting_with_recruiter.pk), "--to", "not-an-address")
    assert (Report.objects.count(), mail.outbox) == (0, [])


def test_send_report_with_nobody_to_send_to_is_an_error():
    posting = ApplicationFactory().posting

    with pytest.raises(CommandError) as error:
        send_report("--posting", str(posting.pk))

    report = Report.objects.get()
    assert str(error.value) == (
        f"Nobody to send report {report.pk} to: give --to EMAIL or add a recruiter "
        "with an email address to the posting."
    )


def test_send_report_exits_with_status_one_for_an_unknown_posting(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "VAR_DIR": str(tmp_path / "var"),
    }
    manage = [sys.executable, "manage.py"]
    migrate = subprocess.run(
        [*manage, "migrate", "-v", "0"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert migrate.returncode == 0, migrate.stderr

    result = subprocess.run(
        [*manage, "send_report", "--posting", "999999"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == "CommandError: No posting has id 999999.\n"
