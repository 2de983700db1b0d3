"""Queuing calibration runs: by hand (admin, API) and after submissions.

Imports point one way: this module uses the tasks, the tasks use the
services, and the services use neither. Screening never imports calibration:
it sends ``screening.hooks.scorecard_submitted``, which ``connect`` (called
from ``CalibrationConfig.ready``) hooks to ``calibration_after_submission``."""

import logging
import threading
import uuid
import weakref

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from calibration import selectors
from calibration.models import CalibrationRun
from calibration.services import debounce_key
from calibration.tasks import calibrate_rubric
from core import audit
from rubrics.models import Rubric
from screening import hooks

logger = logging.getLogger(__name__)


def connect() -> None:
    """Listen to submissions and give screening's rankings their adjusted scores."""
    hooks.scorecard_submitted.connect(_on_scorecard_submitted, dispatch_uid="calibration")
    hooks.provide_adjusted_scores(selectors.latest_adjusted_scores)


def _on_scorecard_submitted(
    sender, *, rubric_id: int, schedule_calibration: bool = True, **kwargs
) -> None:
    # The submitter may say no (the demo seeds its scorecards, then calibrates once).
    if schedule_calibration:
        calibration_after_submission(rubric_id=rubric_id)


def calibration_request(
    *,
    rubric: Rubric,
    actor=None,
    trigger: str = CalibrationRun.Trigger.MANUAL,
    method: str = CalibrationRun.Method.LINEAR,
) -> CalibrationRun:
    """Queue a run now (sent after the current transaction commits) with the
    rater-effects ``method`` ("linear" or "rasch"). The task id is chosen here
    so the caller can answer with it at once."""
    task_id = str(uuid.uuid4())
    run = CalibrationRun.objects.create(
        rubric=rubric, trigger=trigger, requested_by=actor, task_id=task_id, method=method
    )
    audit.record(
        actor=actor,
        event="calibration.requested",
        obj=run,
        summary=f"Requested ({run.get_trigger_display().lower()}).",
        changes={
            "status": [None, run.status],
            "trigger": [None, trigger],
            "method": [None, run.method],
        },
    )
    transaction.on_commit(lambda: send_run(run.pk, task_id))
    return run


NOT_SENT = "Waiting for the task queue, which could not be reached; sent again within minutes."


def send_run(run_id: int, task_id: str) -> bool:
    """Send a queued run's task. When the broker cannot be reached the request
    still answers: the run is marked not sent (no task id, a message saying so)
    and ``resend_unsent_runs`` sends it once the broker is back."""
    if calibrate_rubric.app.conf.task_always_eager:
        # No broker: the run happens here and now, and its own failure is no send failure.
        calibrate_rubric.apply_async(kwargs={"run_id": run_id}, task_id=task_id)
        return True
    try:
        calibrate_rubric.apply_async(kwargs={"run_id": run_id}, task_id=task_id, retry=False)
    except Exception:
        logger.warning("Calibration run %s not sent: task queue unavailable", run_id)
        CalibrationRun.objects.filter(pk=run_id, status=CalibrationRun.Status.QUEUED).update(
            task_id="", progress_message=NOT_SENT
        )
        return False
    return True


def resend_unsent_runs() -> int:
    """Send again the queued runs whose task never reached the broker; the number sent."""
    sent = 0
    for run_id in CalibrationRun.objects.filter(
        status=CalibrationRun.Status.QUEUED, task_id=""
    ).values_list("pk", flat=True):
        task_id = str(uuid.uuid4())
        claimed = CalibrationRun.objects.filter(
            pk=run_id, status=CalibrationRun.Status.QUEUED, task_id=""
        ).update(task_id=task_id, progress_message="")
        if claimed and send_run(run_id, task_id):
            sent += 1
    return sent


class _Enqueue:
    """The commit callback that queues a rubric's debounced run. It is also
    the marker that a run is already queued for this commit: `_queued` holds
    it weakly, so when a savepoint rolls back and Django discards the
    callback, the marker goes with it and the next submission queues again."""

    def __init__(self, key: tuple[str, int]) -> None:
        self.key = key

    def __call__(self) -> None:
        _queued().pop(self.key, None)
        rubric_id = self.key[1]
        delay = settings.CALIBRATION_DEBOUNCE_SECONDS
        key = debounce_key(rubric_id)
        # The submission has committed: nothing here may fail it. With the cache or the
        # broker down, the run is not queued now (logged); the nightly run catches up.
        try:
            first = cache.add(key, "1", timeout=delay + 300)
        except Exception:
            logger.warning("Calibration of rubric %s not debounced: cache unavailable", rubric_id)
            first = None  # unknown: send anyway, the run's own lock keeps runs apart
        if first is False:
            return  # a run of this burst is already queued
        try:
            calibrate_rubric.apply_async(
                kwargs={"rubric_id": rubric_id, "trigger": CalibrationRun.Trigger.SUBMISSION},
                countdown=delay,
                retry=False,
            )
        except Exception:
            logger.warning("Calibration of rubric %s not queued: task queue unavailable", rubric_id)
            if first:
                # No run is coming: leave no key behind to make the next submissions wait.
                try:
                    cache.delete(key)
                except Exception:
                    logger.warning("Debounce key of rubric %s left to expire", rubric_id)
            return
        if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
            # Without a broker the countdown is ignored: the run happened just now and
            # cleared the key as it started. Hold the window open, so the rest of the
            # burst joins that run instead of each starting one of its own.
            try:
                cache.set(key, "1", timeout=delay)
            except Exception:
                logger.warning("Debounce window of rubric %s not held open", rubric_id)


_local = threading.local()


def _queued() -> weakref.WeakValueDictionary:
    """(database alias, rubric id) → the callback waiting for this thread's commit."""
    if not hasattr(_local, "queued"):
        _local.queued = weakref.WeakValueDictionary()
    return _local.queued


def calibration_after_submission(*, rubric_id: int, using: str | None = None) -> None:
    """Called when a scorecard is submitted: schedule one run for a burst of
    submissions. Within one transaction, the rubric is queued once, at
    commit. Across transactions, the first submission of a burst sets a cache
    key and queues the run to start after the debounce window; later ones
    find the key and join that run, which deletes the key when it starts."""
    if not settings.CALIBRATION_ON_SUBMIT:
        return
    connection = transaction.get_connection(using)
    key = (connection.alias, rubric_id)
    if not connection.in_atomic_block:
        # Autocommit: on_commit runs the callback at once; nothing to remember.
        transaction.on_commit(_Enqueue(key), using=using)
        return
    if key in _queued():
        return
    enqueue = _Enqueue(key)
    _queued()[key] = enqueue
    transaction.on_commit(enqueue, using=using)
