"""Calibration runs: claim the rubric (one run at a time), fetch its ratings
as arrays, compute, and store the results in one transaction. Queuing runs
is in ``calibration.scheduling``."""

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext

import numpy as np
from django.core.cache import cache
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone

from calibration.compute import compute_calibration
from calibration.data import COPY_SIGNATURE, fetch_ratings
from calibration.models import (
    ApplicationCalibration,
    CalibrationRun,
    CriterionCalibration,
    ReviewerCalibration,
)
from core import audit
from rubrics.models import Criterion
from screening import hooks, scores

logger = logging.getLogger(__name__)


class CalibrationBusy(Exception):
    """Another run of the same rubric is in progress."""


def debounce_key(rubric_id: int) -> str:
    return f"calibration:pending:{rubric_id}"


def _claim(run: CalibrationRun, task_id: str) -> CalibrationRun:
    """Mark the run running; the partial unique constraint refuses a second
    running run of the same rubric, which is the lock."""
    try:
        with transaction.atomic():
            updated = CalibrationRun.objects.filter(
                pk=run.pk, status=CalibrationRun.Status.QUEUED
            ).update(
                status=CalibrationRun.Status.RUNNING,
                started_at=timezone.now(),
                task_id=task_id or run.task_id,
                progress=1,
                progress_message="Starting",
            )
    except IntegrityError:
        if _running(run.rubric_id):  # calibration_one_running_per_rubric
            raise CalibrationBusy(f"A calibration of rubric {run.rubric_id} is running.") from None
        raise
    run.refresh_from_db()
    if not updated and run.status != CalibrationRun.Status.RUNNING:
        raise CalibrationBusy(f"Run {run.pk} is already {run.status}.")
    return run


def _start_new(*, rubric_id: int, trigger: str, task_id: str) -> CalibrationRun:
    """A new run, created already running: if another run of the rubric is
    in progress, the constraint refuses it and nothing is stored."""
    try:
        with transaction.atomic():
            return CalibrationRun.objects.create(
                rubric_id=rubric_id,
                trigger=trigger,
                task_id=task_id,
                status=CalibrationRun.Status.RUNNING,
                started_at=timezone.now(),
                progress=1,
                progress_message="Starting",
            )
    except IntegrityError:
        if _running(rubric_id):  # calibration_one_running_per_rubric
            raise CalibrationBusy(f"A calibration of rubric {rubric_id} is running.") from None
        raise


def _running(rubric_id: int) -> bool:
    return CalibrationRun.objects.filter(
        rubric_id=rubric_id, status=CalibrationRun.Status.RUNNING
    ).exists()


def _progress(run_id: int, percent: int, message: str) -> None:
    CalibrationRun.objects.filter(pk=run_id).update(progress=percent, progress_message=message)


def calibration_run(
    *,
    rubric_id: int | None = None,
    run_id: int | None = None,
    trigger: str = CalibrationRun.Trigger.MANUAL,
    task_id: str = "",
    on_progress: Callable[[int, str], None] | None = None,
) -> CalibrationRun:
    """Run a calibration: an existing queued run (`run_id`) or a new one for
    `rubric_id`. Safe to run twice: a finished run is left as it is. A retried
    task keeps its id, so a run already started under `task_id` (put back in
    the queue by a transient error) is the one finished, not a new one."""
    if run_id is None and task_id:
        run_id = CalibrationRun.objects.filter(task_id=task_id).values_list("pk", flat=True).first()
    if run_id is not None:
        run = CalibrationRun.objects.get(pk=run_id)
        if run.status in (CalibrationRun.Status.SUCCEEDED, CalibrationRun.Status.FAILED):
            return run
        run = _claim(run, task_id)
    else:
        run = _start_new(rubric_id=rubric_id, trigger=trigger, task_id=task_id)
        # Only now: submissions from here on need a run of their own.
        cache.delete(debounce_key(rubric_id))

    def progress(percent: int, message: str) -> None:
        _progress(run.pk, percent, message)
        if on_progress:
            on_progress(percent, message)

    try:
        progress(5, "Fetching ratings")
        ratings = fetch_ratings(rubric_id=run.rubric_id)
        progress(35, f"Fitting {len(ratings):,} ratings")
        rubric = run.rubric
        # Screening questions are yes/no gates, not ratings on the scale.
        criteria = list(
            rubric.criteria.exclude(kind=Criterion.Kind.SCREENING).order_by("order", "id")
        )
        # The compute runs inside the store's transaction: its adjusted scores come
        # first, and their rows are written beside the rest of the statistics.
        with _compute_transaction(), AdjustedRows(run) as rows:
            result = compute_calibration(
                ratings=ratings,
                criteria=criteria,
                scale_max=rubric.scale_max,
                method=run.method,
                on_adjusted=rows.write,
            )
            rows.wait()
            progress(80, "Saving results")
            _store(run, result, rows_stored=rows.stored)
    except CalibrationBusy:
        raise
    except (OperationalError, InterfaceError):
        # Transient: put the run back in the queue for the task's retry.
        CalibrationRun.objects.filter(pk=run.pk).update(
            status=CalibrationRun.Status.QUEUED, progress=0, progress_message="Retrying"
        )
        raise
    except Exception as exc:
        logger.exception("Calibration run %s failed", run.pk)
        CalibrationRun.objects.filter(pk=run.pk).update(
            status=CalibrationRun.Status.FAILED,
            finished_at=timezone.now(),
            error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        audit.record(
            actor=None,
            event="calibration.failed",
            obj=run,
            summary=f"{type(exc).__name__}: {exc}"[:500],
            changes={"status": [CalibrationRun.Status.RUNNING, CalibrationRun.Status.FAILED]},
        )
        raise
    run.refresh_from_db()
    if on_progress:
        on_progress(100, "Done")
    return run


def calibration_give_up(*, run_id: int | None) -> None:
    """A queued run whose rubric stayed busy too long is marked failed, not left."""
    if run_id is None:
        return
    run = CalibrationRun.objects.filter(pk=run_id, status=CalibrationRun.Status.QUEUED).first()
    if run is None:
        return
    CalibrationRun.objects.filter(pk=run_id, status=CalibrationRun.Status.QUEUED).update(
        status=CalibrationRun.Status.FAILED,
        finished_at=timezone.now(),
        error="Gave up: another run of this rubric kept it busy.",
    )
    audit.record(
        actor=None,
        event="calibration.given_up",
        obj=run,
        summary="Gave up: another run of this rubric kept it busy.",
        changes={"status": [CalibrationRun.Status.QUEUED, CalibrationRun.Status.FAILED]},
    )


@transaction.atomic
def _store(run: CalibrationRun, result, *, rows_stored: bool = False) -> None:
    """The run's results, in one transaction (``rows_stored``: its adjusted scores'
    rows are written already, by ``AdjustedRows``)."""
    ReviewerCalibration.objects.bulk_create(
        ReviewerCalibration(run=run, **r.as_fields()) for r in result.reviewers
    )
    CriterionCalibration.objects.bulk_create(
        CriterionCalibration(run=run, **c.as_fields()) for c in result.criteria
    )
    if not rows_stored:
        _store_adjusted_scores(run, result.adjusted_scores, result.application_group)
    CalibrationRun.objects.filter(pk=run.pk).update(
        status=CalibrationRun.Status.SUCCEEDED,
        finished_at=timezone.now(),
        progress=100,
        progress_message="Done",
        n_ratings=result.n_ratings,
        n_applications=result.n_applications,
        n_reviewers=result.n_reviewers,
        agreement=result.agreement,
        groups=result.groups,
        separation_index=result.separation_index,
        separation_reliability=result.separation_reliability,
        alpha_median=result.alpha_median,
        alpha_min=result.alpha_min,
        alpha_max=result.alpha_max,
    )
    # This run is now the rubric's latest: its scores as the hook would read them
    # back (rounded to 2 places, the group only when there are several), without
    # reading back the rows just written.
    scores.refresh_adjusted_scores(
        [run.rubric_id],
        adjusted=hooks.AdjustedScores(
            {pk: round(score, 2) for pk, score in result.adjusted_scores.items()},
            group=result.application_group,
            run=dict.fromkeys(result.adjusted_scores, run.pk),
        ),
    )
    audit.record(
        actor=None,
        event="calibration.succeeded",
        obj=run,
        summary=f"{result.n_ratings:,} ratings, {result.n_reviewers} reviewers.",
        changes={
            "status": [CalibrationRun.Status.RUNNING, CalibrationRun.Status.SUCCEEDED],
            "n_ratings": [None, result.n_ratings],
            "n_applications": [None, result.n_applications],
            "n_reviewers": [None, result.n_reviewers],
            "groups": [None, len(result.groups)],
        },
    )


def _compute_transaction():
    """The transaction the compute runs in on PostgreSQL, where ``AdjustedRows``
    writes beside it. On SQLite a transaction takes the write lock when it begins
    (IMMEDIATE): the compute runs outside, and only the store holds the lock."""
    if transaction.get_connection().vendor == "postgresql":
        return transaction.atomic()
    return nullcontext()


class AdjustedRows:
    """Writes a run's adjusted scores on PostgreSQL while the compute goes on.

    The compute hands over the adjusted scores as soon as the rater effects give
    them (``write``), before the agreement, drift and kappa statistics. Their rows
    go in by binary COPY, and their foreign keys are checked at once rather than
    at commit, from a second thread on the transaction's own connection. The
    calling thread meanwhile only computes, and touches the connection again
    only after ``wait``. The server's work on the rows, about 0.2 s at 22,000
    applications, then overlaps the client's on the statistics. Elsewhere
    (SQLite) ``_store`` writes them as before."""

    def __init__(self, run: CalibrationRun):
        self.run = run
        self.stored = False
        self._pool = None
        self._future = None

    def __enter__(self):
        return self

    def write(self, scores: dict, groups: dict) -> None:
        connection = transaction.get_connection()
        if not scores or connection.vendor != "postgresql":
            return
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="calibration-store")
        self._future = self._pool.submit(
            _copy_adjusted_rows, connection, self.run.pk, scores, groups
        )

    def wait(self) -> None:
        if self._future is not None:
            try:
                self._future.result()
                self.stored = True
            finally:
                self._future = None
                self._pool.shutdown()

    def __exit__(self, *exc):
        if self._future is not None:
            # The compute failed while the rows were being written: let the
            # writing end before the transaction rolls back.
            try:
                self.wait()
            except Exception:
                if exc[0] is None:
                    raise
        return False


def _copy_adjusted_rows(connection, run_id: int, scores: dict, groups: dict) -> None:
    table, columns = _adjusted_table(connection)
    with connection.wrap_database_errors, connection.connection.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT binary)") as copy:
            copy.write(copy_rows(run_id, scores, groups))
        # Their foreign keys checked now, beside the compute, instead of at commit
        # (and deferred again after, as Django's check_constraints() does).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _adjusted_table(connection) -> tuple[str, str]:
    meta = ApplicationCalibration._meta
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(meta.get_field(name).column)
        for name in ("run", "application", "adjusted_score", "group")
    )
    return quote(meta.db_table), columns


STORE_BATCH = 5000
# PostgreSQL's binary COPY: header (signature, flags, no extension) and trailer.
_COPY_HEADER = COPY_SIGNATURE + bytes(8)
_COPY_TRAILER = b"\xff\xff"


def _store_adjusted_scores(run: CalibrationRun, scores: dict, groups: dict) -> None:
    """One row per application, inside ``_store``'s transaction, with no model
    instance per row (the fields are plain numbers; the run and application
    rows exist, and the table's constraints check the rest)."""
    if not scores:
        return
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        _copy_adjusted_rows(connection, run.pk, scores, groups)
        return
    table, columns = _adjusted_table(connection)
    rows = [
        (run.pk, application_id, float(score), groups.get(application_id))
        for application_id, score in scores.items()
    ]
    sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s)"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), STORE_BATCH):
            cursor.executemany(sql, rows[start : start + STORE_BATCH])


def copy_rows(run_id: int, scores: dict, groups: dict) -> bytes:
    """The binary COPY stream of (run, application, adjusted score, group) rows:
    per row a field count, then each field's length and big-endian value; a
    length of -1 is a NULL group, with no value after it."""
    applications = np.fromiter(scores, np.int64, len(scores))
    values = np.fromiter(scores.values(), np.float64, len(scores))
    group = np.fromiter((groups.get(a, -1) for a in scores), np.int64, len(scores))
    fields = [("count", ">i2"), ("run_len", ">i4"), ("run", ">i8"), ("app_len", ">i4")]
    fields += [("app", ">i8"), ("score_len", ">i4"), ("score", ">f8"), ("group_len", ">i4")]
    if group.size and group.max() > np.iinfo(np.int16).max:
        raise ValueError("A group number does not fit the group column (smallint).")
    grouped = group >= 0
    chunks = [_COPY_HEADER]
    for has_group in (True, False):
        at = grouped == has_group
        if not at.any():
            continue
        rows = np.empty(int(at.sum()), dtype=fields + ([("group", ">i2")] if has_group else []))
        rows["count"] = 4
        rows["run_len"], rows["run"] = 8, run_id
        rows["app_len"], rows["app"] = 8, applications[at]
        rows["score_len"], rows["score"] = 8, values[at]
        if has_group:
            rows["group_len"], rows["group"] = 2, group[at]
        else:
            rows["group_len"] = -1
        chunks.append(rows.tobytes())
    chunks.append(_COPY_TRAILER)
    return b"".join(chunks)
