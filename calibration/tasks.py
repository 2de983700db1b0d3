"""Celery tasks of calibration: thin wrappers that take ids and call one
service. Queued after commit; safe to run twice; retry only transient
database and broker errors, with backoff and jitter. Time limits are set once
in settings."""

import random

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from calibration import selectors
from calibration.models import CalibrationRun
from calibration.services import CalibrationBusy, calibration_run

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
    rubric_ids = selectors.rubrics_to_calibrate()
    for rubric_id in rubric_ids:
        calibrate_rubric.delay(rubric_id=rubric_id, trigger=CalibrationRun.Trigger.NIGHTLY)
    return len(rubric_ids)
