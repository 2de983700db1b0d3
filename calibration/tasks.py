"""Celery tasks of calibration: thin wrappers that take ids and call one
service. Queued after commit; safe to run twice; retry only transient
database and broker errors, with backoff and jitter declared on the task.
Time limits are set once in settings."""

from celery import shared_task
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

from calibration import selectors
from calibration.models import CalibrationRun
from calibration.services import CalibrationBusy, calibration_give_up, calibration_run

TRANSIENT = (OperationalError, InterfaceError, BrokerError)
BUSY_RETRIES = 20
BUSY_POLL_SECONDS = 30


@shared_task(
    bind=True,
    # Transient errors: 5 s, 10 s, 20 s, … up to 5 minutes, full jitter. A retry
    # keeps its task id, by which the service finds the run it started.
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
        # Not a failure but a wait: another run of this rubric is in progress,
        # so come back every 30 s while it lasts (ten minutes; then a queued
        # run is marked failed, not left).
        if self.request.retries >= BUSY_RETRIES:
            calibration_give_up(run_id=run_id)
            return {"run_id": run_id, "status": "busy"}
        raise self.retry(
            exc=exc, countdown=BUSY_POLL_SECONDS, max_retries=BUSY_RETRIES + 1
        ) from None
    return {"run_id": run.pk, "status": run.status}


@shared_task
def calibrate_active_rubrics() -> int:
    """Nightly: one run per published rubric that has submitted scorecards."""
    rubric_ids = selectors.rubrics_to_calibrate()
    for rubric_id in rubric_ids:
        calibrate_rubric.delay(rubric_id=rubric_id, trigger=CalibrationRun.Trigger.NIGHTLY)
    return len(rubric_ids)


@shared_task
def resend_unsent_calibration_runs() -> int:
    """Every few minutes: send again the runs whose task could not reach the broker
    when they were requested (see ``scheduling.send_run``)."""
    from calibration.scheduling import resend_unsent_runs  # scheduling imports this module

    return resend_unsent_runs()
