"""Celery tasks: thin wrappers that take ids and call one service. Queued
after commit; safe to run twice; retry only transient database and broker
errors, with backoff and jitter. Time limits are set once in settings."""

from celery import shared_task
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

from rubrics.models import Rubric
from screening.calibration.services import CalibrationBusy, calibration_run
from screening.models import CalibrationRun, Scorecard

TRANSIENT = (OperationalError, InterfaceError, BrokerError)


@shared_task(
    bind=True,
    autoretry_for=TRANSIENT,
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
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
        # Another run of this rubric is in progress: come back when it is done.
        raise self.retry(exc=exc, countdown=30, max_retries=20) from None
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
