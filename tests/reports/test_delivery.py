"""Storing and sending the digest (reports/services.py and its Celery tasks): once
per period and recipient, the email itself, retrying after an SMTP failure part-way, and
who receives it."""

import base64
import smtplib
from datetime import timedelta
from email import message_from_bytes
from types import SimpleNamespace

import pytest
from celery.exceptions import Retry
from django.conf import settings
from django.core import mail
from django.db import IntegrityError

from reports.digest import digest_period
from reports.models import Report, ReportDelivery
from reports.services import digest_prepare, digest_recipients, report_send
from reports.tasks import send_digest, send_reminder, send_weekly_digests
from screening.models import Application, ReviewAssignment
from tests.factories import (
    ApplicationFactory,
    JobPostingFactory,
    RecruiterFactory,
    ReviewerFactory,
    UserFactory,
)
from tests.reports.support import (
    SITE,
    now_wednesday,
    period_of_now,
    recipients_of_outbox,
    set_all_submitted_at,
)

pytestmark = pytest.mark.django_db


# --- Stored once, sent once ----------------------------------------------------------


def test_digest_prepare_twice_for_one_period_stores_one_report(world):
    first = digest_prepare(posting=world.posting, now=now_wednesday())

    second = digest_prepare(posting=world.posting, now=now_wednesday() + timedelta(days=2))

    assert second.pk == first.pk
    assert Report.objects.count() == 1


def test_digest_prepare_for_the_next_period_stores_a_second_report(world):
    first = digest_prepare(posting=world.posting, now=now_wednesday())

    second = digest_prepare(posting=world.posting, now=now_wednesday() + timedelta(days=7))

    assert second.pk != first.pk
    assert second.period_start == first.period_end


def test_send_digest_twice_for_one_period_emails_each_recipient_once(world):
    world.posting.recruiters.add(RecruiterFactory(username="sam", email="sam@example.org"))
    period_end = period_of_now()[1].isoformat()

    first = send_digest.delay(posting_id=world.posting.pk, period_end=period_end).get()
    second = send_digest.delay(posting_id=world.posting.pk, period_end=period_end).get()

    report = Report.objects.get()
    assert (report.period_start, report.period_end) == period_of_now()
    assert (first, second) == (
        {"report_id": report.pk, "sent": 2},
        {"report_id": report.pk, "sent": 0},
    )
    assert recipients_of_outbox() == ["rita@example.org", "sam@example.org"]


def test_send_digest_again_leaves_sent_at_at_the_last_delivery(world):
    period_end = period_of_now()[1].isoformat()
    send_digest.delay(posting_id=world.posting.pk, period_end=period_end)
    sent_at = Report.objects.get().sent_at

    send_digest.delay(posting_id=world.posting.pk, period_end=period_end)

    assert Report.objects.get().sent_at == sent_at


def test_send_weekly_digests_sends_each_posting_with_activity_last_week_once(world):
    start, _end = digest_period()
    Application.objects.filter(posting=world.posting).update(created_at=start + timedelta(hours=1))
    ReviewAssignment.objects.filter(application__posting=world.posting).update(
        created_at=start - timedelta(days=30)
    )
    set_all_submitted_at(world.posting, start - timedelta(days=30))
    quiet = ApplicationFactory()
    quiet.posting.recruiters.add(RecruiterFactory(username="quinn", email="quinn@example.org"))
    Application.objects.filter(pk=quiet.pk).update(created_at=start - timedelta(days=30))

    assert send_weekly_digests.delay().get() == 1
    assert send_weekly_digests.delay().get() == 1

    report = Report.objects.get()
    assert (report.posting, report.period_start) == (world.posting, start)
    assert recipients_of_outbox() == ["rita@example.org"]


# --- The email ------------------------------------------------------------------------


@pytest.fixture
def sent_digest(world):
    report = digest_prepare(posting=world.posting, now=now_wednesday())
    report_send(report=report)
    assert len(mail.outbox) == 1
    return SimpleNamespace(report=report, message=mail.outbox[0], world=world)


def mime_parts(message):
    return list(message_from_bytes(message.message().as_bytes()).walk())


def test_digest_email_subject_sender_and_recipient(sent_digest):
    message = sent_digest.message

    assert message.subject == "Weekly digest: Imaging Field Engineer (16 Nov – 22 Nov 2026)"
    assert message.to == ["rita@example.org"]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL


def test_digest_email_body_is_the_plain_text_digest(sent_digest):
    message = sent_digest.message

    assert message.content_subtype == "plain"
    assert message.body == sent_digest.report.text
    assert message.body.startswith(
        "Imaging Field Engineer — weekly calibration digest, 16 Nov – 22 Nov 2026\n"
    )


def test_digest_email_has_the_html_alternative(sent_digest):
    assert [(content, mimetype) for content, mimetype in sent_digest.message.alternatives] == [
        (sent_digest.report.html, "text/html")
    ]


def test_digest_email_carries_the_charts_inline_by_content_id(sent_digest):
    images = {
        part["Content-ID"]: part
        for part in mime_parts(sent_digest.message)
        if part.get_content_type() == "image/png"
    }

    assert sorted(images) == ["<distribution>", "<severity>"]
    for cid, part in images.items():
        name = cid.strip("<>")
        assert part.get_payload(decode=True) == base64.b64decode(sent_digest.report.images[name])
        assert part.get_content_disposition() == "inline"
    html = sent_digest.message.alternatives[0][0]
    assert 'src="cid:severity"' in html
    assert 'src="cid:distribution"' in html


def test_digest_email_nests_html_and_images_in_related_inside_mixed(sent_digest):
    top = message_from_bytes(sent_digest.message.message().as_bytes())
    related, attachment = top.get_payload()
    alternative, *images = related.get_payload()

    assert top.get_content_type() == "multipart/mixed"
    assert related.get_content_type() == "multipart/related"
    assert [p.get_content_type() for p in alternative.get_payload()] == [
        "text/plain",
        "text/html",
    ]
    assert [(p.get_content_type(), p["Content-ID"]) for p in images] == [
        ("image/png", "<severity>"),
        ("image/png", "<distribution>"),
    ]
    assert attachment.get_content_type() == "text/csv"


def test_digest_email_attaches_the_ranking_csv(sent_digest):
    report, posting = sent_digest.report, sent_digest.world.posting
    attachments = [
        part for part in mime_parts(sent_digest.message) if part.get_filename("").endswith(".csv")
    ]

    assert [(p.get_filename(), p.get_content_type()) for p in attachments] == [
        (f"ranking-{posting.pk}-2026-11-23.csv", "text/csv")
    ]
    # The csv module ends rows with CRLF; the MIME text part carries plain
    # line ends (SMTP sends CRLF on the wire either way).
    assert attachments[0].get_payload(decode=True).decode("utf-8") == report.csv.replace(
        "\r\n", "\n"
    )


def test_digest_email_html_links_point_at_the_site(world, settings):
    settings.SITE_URL = SITE
    report_send(report=digest_prepare(posting=world.posting, now=now_wednesday()))

    html = mail.outbox[0].alternatives[0][0]
    assert f'href="{SITE}/admin/screening/application/ranking/?posting={world.posting.pk}"' in html


# --- An SMTP failure part-way -----------------------------------------------------------


@pytest.fixture
def three_recipients(world):
    for name in ("a", "b", "c"):
        world.posting.recruiters.add(RecruiterFactory(username=name, email=f"{name}@example.org"))
    world.posting.recruiters.remove(world.recruiter)
    report = digest_prepare(posting=world.posting, now=now_wednesday())
    assert report.recipients == ["a@example.org", "b@example.org", "c@example.org"]
    return report


def test_smtp_failure_part_way_raises_and_records_only_who_was_served(three_recipients, flaky_mail):
    with pytest.raises(smtplib.SMTPServerDisconnected):
        report_send(report=three_recipients)

    assert list(three_recipients.deliveries.values_list("recipient", flat=True)) == [
        "a@example.org"
    ]
    assert recipients_of_outbox() == ["a@example.org"]
    three_recipients.refresh_from_db()
    assert three_recipients.sent_at is None


def test_a_refused_claim_that_is_not_a_copy_already_sent_is_raised(three_recipients, monkeypatch):
    """Only report_delivery_once means "sent before": any other refusal of the
    claim is a bug, not a copy to skip."""

    def refused(**kwargs):
        raise IntegrityError("NOT NULL constraint failed: screening_reportdelivery.recipient")

    monkeypatch.setattr(ReportDelivery.objects, "create", refused)

    with pytest.raises(IntegrityError, match="NOT NULL"):
        report_send(report=three_recipients)
    assert mail.outbox == []


def test_send_again_after_an_smtp_failure_serves_only_the_rest(three_recipients, flaky_mail):
    with pytest.raises(smtplib.SMTPServerDisconnected):
        report_send(report=three_recipients)

    assert report_send(report=three_recipients) == 2

    assert [m.to for m in mail.outbox] == [
        ["a@example.org"],
        ["b@example.org"],
        ["c@example.org"],
    ]
    assert sorted(ReportDelivery.objects.values_list("recipient", flat=True)) == [
        "a@example.org",
        "b@example.org",
        "c@example.org",
    ]
    three_recipients.refresh_from_db()
    assert three_recipients.sent_at is not None


def test_send_digest_task_retries_after_an_smtp_failure_and_serves_each_once(
    three_recipients, flaky_mail
):
    period_end = period_of_now()[1].isoformat()
    # Eagerly, the task's automatic retry surfaces as Retry; run it again as
    # the worker would.
    with pytest.raises(Retry) as retry:
        send_digest.delay(posting_id=three_recipients.posting_id, period_end=period_end)
    assert isinstance(retry.value.exc, smtplib.SMTPServerDisconnected)

    result = send_digest.delay(posting_id=three_recipients.posting_id, period_end=period_end)

    assert result.get() == {"report_id": three_recipients.pk, "sent": 2}
    assert recipients_of_outbox() == ["a@example.org", "b@example.org", "c@example.org"]
    assert Report.objects.get().sent_at is not None


def test_send_digest_retries_smtp_errors_with_backoff():
    assert smtplib.SMTPException in send_digest.autoretry_for
    assert issubclass(smtplib.SMTPServerDisconnected, send_digest.autoretry_for)
    assert send_digest.retry_backoff
    assert send_digest.retry_jitter is True
    assert send_digest.max_retries == 6


def test_send_reminder_retries_smtp_errors_with_backoff():
    assert smtplib.SMTPException in send_reminder.autoretry_for
    assert send_reminder.retry_backoff
    assert send_reminder.max_retries == 6


# --- Recipients -----------------------------------------------------------------------------


def test_recipients_are_the_postings_recruiters_with_an_email():
    posting = JobPostingFactory(created_by=RecruiterFactory(email="creator@example.org"))
    posting.recruiters.add(
        RecruiterFactory(email="zoe@example.org"),
        RecruiterFactory(email="amir@example.org"),
        RecruiterFactory(email=""),
        RecruiterFactory(email="gone@example.org", is_active=False),
    )

    assert digest_recipients(posting) == ["amir@example.org", "zoe@example.org"]


def test_recipients_without_recruiters_are_whoever_created_the_posting():
    RecruiterFactory(email="other@example.org")
    posting = JobPostingFactory(created_by=RecruiterFactory(email="creator@example.org"))

    assert digest_recipients(posting) == ["creator@example.org"]


def test_recipients_without_recruiters_or_creator_are_every_recruiter():
    RecruiterFactory(email="rita@example.org")
    RecruiterFactory(email="amir@example.org")
    RecruiterFactory(email="")
    RecruiterFactory(email="gone@example.org", is_active=False)
    ReviewerFactory(email="reviewer@example.org")
    UserFactory(email="nobody@example.org")
    posting = JobPostingFactory(created_by=None)

    assert digest_recipients(posting) == ["amir@example.org", "rita@example.org"]


def test_recipients_skip_a_creator_without_an_email():
    RecruiterFactory(email="rita@example.org")
    posting = JobPostingFactory(created_by=RecruiterFactory(email=""))

    assert digest_recipients(posting) == ["rita@example.org"]


def test_recipients_skip_a_deactivated_creator():
    RecruiterFactory(email="rita@example.org")
    posting = JobPostingFactory(created_by=RecruiterFactory(email="left@example.org"))
    type(posting.created_by).objects.filter(pk=posting.created_by_id).update(is_active=False)
    posting.refresh_from_db()

    assert digest_recipients(posting) == ["rita@example.org"]
