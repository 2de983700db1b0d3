"""Celery tasks of reports: thin wrappers that take ids and call one
service. Queued after commit; safe to run twice; retry only transient
database, broker and mail errors, with backoff and jitter. Time limits are
set once in settings."""

import smtplib
from datetime import date, datetime

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from reports.digest import digest_period
from reports.selectors import postings_with_activity, reviewers_with_overdue
from reports.services import digest_prepare, reminder_send, report_send
from rubrics.selectors import posting_detail

TRANSIENT = (OperationalError, InterfaceError, BrokerError)
MAIL_ERRORS = (smtplib.SMTPException, OSError)


@shared_task
def send_weekly_digests() -> int:
    """Weekly (beat): one digest task per posting with activity last week."""
    start, end = digest_period()
    postings = postings_with_activity(start, end)
    for posting in postings:
        send_digest.delay(posting_id=posting.pk, period_end=end.isoformat())
    return len(postings)


@shared_task(
    autoretry_for=TRANSIENT + MAIL_ERRORS,
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=6,
)
def send_digest(posting_id: int, period_end: str | None = None) -> dict:
    """Store the posting's digest for the period (once) and send it to each
    recipient not yet served."""
    now = datetime.fromisoformat(period_end) if period_end else None
    report = digest_prepare(posting=posting_detail(posting_id=posting_id), now=now)
    sent = report_send(report=report)
    return {"report_id": report.pk, "sent": sent}


@shared_task
def send_overdue_reminders(day: str | None = None) -> int:
    """Daily (beat): one reminder task per reviewer with overdue reviews."""
    today = date.fromisoformat(day) if day else timezone.localdate()
    reviewer_ids = reviewers_with_overdue(today)
    for reviewer_id in reviewer_ids:
        send_reminder.delay(reviewer_id=reviewer_id, day=today.isoformat())
    return len(reviewer_ids)


@shared_task(
    autoretry_for=TRANSIENT + MAIL_ERRORS,
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=6,
)
def send_reminder(reviewer_id: int, day: str) -> bool:
    return reminder_send(reviewer_id=reviewer_id, today=date.fromisoformat(day))
