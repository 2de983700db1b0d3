"""Celery tasks: thin wrappers that take ids and call one service. Queued
after commit; safe to run twice; retry only transient database and broker
errors, with backoff and jitter. Time limits are set once in settings."""

import random
import smtplib
from datetime import date, datetime

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from rubrics.models import JobPosting, Rubric
from screening.calibration.services import CalibrationBusy, calibration_run
from screening.models import CalibrationRun, Scorecard
from screening.reports.digest import digest_period
from screening.reports.services import (
    digest_prepare,
    postings_with_activity,
    reminder_send,
    report_send,
    reviewers_with_overdue,
)

TRANSIENT = (OperationalError, InterfaceError, BrokerError)
BUSY_RETRIES = 20


@shared_task(bind=True, max_retries=5)
def calibrate_rubric(
    self,
    rubric_id: int | None = None,
    run_id: int | None = None,
    trigger: str = CalibrationRun.Trigger.MANUAL,
) -> dict:
    """Calibrate one rubric: a queued run (`run_id`) or a new one."""

    def report(percent: int, message: str) -> None:
        if not self.request.is_eager and self.request.id:
            self.update_state(
                state="PROGRESS", meta={"progress": percent, "message": message, "run_id": run_id}
            )

    try:
        run = calibration_run(
            rubric_id=rubric_id,
            run_id=run_id,
            trigger=trigger,
            task_id=self.request.id or "",
            on_progress=report,
        )
    except CalibrationBusy as exc:
        # Another run of this rubric is in progress: come back when it is done
        # (for ten minutes; then a queued run is marked failed, not left).
        if self.request.retries >= BUSY_RETRIES:
            if run_id is not None:
                CalibrationRun.objects.filter(
                    pk=run_id, status=CalibrationRun.Status.QUEUED
                ).update(
                    status=CalibrationRun.Status.FAILED,
                    finished_at=timezone.now(),
                    error="Gave up: another run of this rubric kept it busy.",
                )
            return {"run_id": run_id, "status": "busy"}
        raise self.retry(exc=exc, countdown=30, max_retries=BUSY_RETRIES + 1) from None
    except TRANSIENT as exc:
        # Retry the run that was started (not a new one), with backoff and
        # jitter: 5 s, 10 s, 20 s, … up to 5 minutes.
        run_id = getattr(exc, "calibration_run_id", run_id)
        countdown = min(300, 5 * 2**self.request.retries) + random.uniform(0, 5)
        raise self.retry(
            exc=exc,
            countdown=countdown,
            kwargs={
                "run_id": run_id,
                "rubric_id": None if run_id else rubric_id,
                "trigger": trigger,
            },
        ) from None
    return {"run_id": run.pk, "status": run.status}


@shared_task
def calibrate_active_rubrics() -> int:
    """Nightly: one run per published rubric that has submitted scorecards."""
    rubric_ids = list(
        Rubric.objects.filter(
            state=Rubric.State.PUBLISHED,
            applications__scorecards__status=Scorecard.Status.SUBMITTED,
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    for rubric_id in rubric_ids:
        calibrate_rubric.delay(rubric_id=rubric_id, trigger=CalibrationRun.Trigger.NIGHTLY)
    return len(rubric_ids)


# --- Reports and reminders -----------------------------------------------------

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
    posting = JobPosting.objects.get(pk=posting_id)
    now = datetime.fromisoformat(period_end) if period_end else None
    report = digest_prepare(posting=posting, now=now)
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
