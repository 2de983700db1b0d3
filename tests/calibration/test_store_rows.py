"""A run's adjusted scores stored in one go (binary COPY on PostgreSQL, batched
inserts elsewhere): every application's row, its group or none, read back the
same."""

import sqlite3
import threading
from types import SimpleNamespace

import pytest
from django.db import OperationalError, connection, transaction

from calibration import compute, services
from calibration.models import ApplicationCalibration, CalibrationRun
from calibration.services import _store_adjusted_scores, copy_rows
from screening import services as screening_services
from screening.models import Application
from tests.factories import (
    ApplicationFactory,
    CriterionFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    RubricFactory,
    published_rubric,
    submit_scores,
)


@pytest.mark.django_db
def test_adjusted_scores_with_and_without_a_group_are_stored_as_given():
    rubric = published_rubric()
    run = CalibrationRun.objects.create(rubric=rubric, status=CalibrationRun.Status.RUNNING)
    applications = [ApplicationFactory(rubric=rubric) for _ in range(5)]
    scores = {a.pk: v for a, v in zip(applications, [0.0, 12.5, 99.999, 1e-9, 50.0], strict=True)}
    groups = {applications[0].pk: 1, applications[2].pk: 2, applications[3].pk: 0}

    with transaction.atomic():
        _store_adjusted_scores(run, scores, groups)

    stored = {
        row.application_id: (row.adjusted_score, row.group)
        for row in ApplicationCalibration.objects.filter(run=run)
    }
    assert stored == {pk: (score, groups.get(pk)) for pk, score in scores.items()}


def test_copy_rows_lay_out_counts_lengths_and_big_endian_values():
    stream = copy_rows(7, {3: 1.5, 4: -2.0}, {3: 2})
    assert stream.startswith(b"PGCOPY\n\xff\r\n\x00" + bytes(8))
    assert stream.endswith(b"\xff\xff")
    body = stream[19:-2]
    grouped = (
        (4).to_bytes(2, "big")
        + (8).to_bytes(4, "big")
        + (7).to_bytes(8, "big")
        + (8).to_bytes(4, "big")
        + (3).to_bytes(8, "big")
        + (8).to_bytes(4, "big")
        + bytes.fromhex("3ff8000000000000")
        + (2).to_bytes(4, "big")
        + (2).to_bytes(2, "big")
    )
    ungrouped = (
        (4).to_bytes(2, "big")
        + (8).to_bytes(4, "big")
        + (7).to_bytes(8, "big")
        + (8).to_bytes(4, "big")
        + (4).to_bytes(8, "big")
        + (8).to_bytes(4, "big")
        + bytes.fromhex("c000000000000000")
        + (-1).to_bytes(4, "big", signed=True)
    )
    assert body == grouped + ungrouped


def _scored_rubric():
    """A rubric with 6 applications, each scored by the same 3 reviewers. A draft:
    the tests that commit leave it to a flush, which SQLite's immutability triggers
    refuse for a published rubric."""
    rubric = RubricFactory()
    criteria = [CriterionFactory(rubric=rubric, order=i) for i in range(3)]
    reviewers = [ReviewerFactory() for _ in range(3)]
    for i in range(6):
        application = ApplicationFactory(rubric=rubric)
        for j, reviewer in enumerate(reviewers):
            assignment = ReviewAssignmentFactory(application=application, reviewer=reviewer)
            submit_scores(assignment, {c: 1 + (i + j + k) % 4 for k, c in enumerate(criteria)})
    return rubric


@pytest.mark.django_db
def test_the_rows_written_beside_the_compute_are_the_runs_adjusted_scores(monkeypatch):
    """On PostgreSQL the rows go in from a second thread while the compute goes on;
    elsewhere the store writes them. Either way they are the run's scores."""
    rubric = _scored_rubric()
    threads = []
    real = services._copy_adjusted_rows

    def spy(*args):
        threads.append(threading.current_thread().name)
        return real(*args)

    monkeypatch.setattr(services, "_copy_adjusted_rows", spy)
    results = []
    real_compute = services.compute_calibration
    monkeypatch.setattr(
        services,
        "compute_calibration",
        lambda **kw: results.append(real_compute(**kw)) or results[-1],
    )

    run = services.calibration_run(rubric_id=rubric.pk)

    assert run.status == CalibrationRun.Status.SUCCEEDED
    stored = dict(
        ApplicationCalibration.objects.filter(run=run).values_list(
            "application_id", "adjusted_score"
        )
    )
    assert stored == results[0].adjusted_scores and len(stored) == 6
    if connection.vendor == "postgresql":
        assert len(threads) == 1 and threads[0].startswith("calibration-store")
    else:
        assert threads == []


@pytest.mark.django_db
def test_a_compute_that_fails_after_handing_over_its_scores_stores_no_row(monkeypatch):
    rubric = _scored_rubric()
    real_compute = services.compute_calibration

    def failing(**kw):
        result = real_compute(**kw)  # the adjusted scores' rows are on their way
        raise ValueError(f"failed after {len(result.adjusted_scores)} scores")

    monkeypatch.setattr(services, "compute_calibration", failing)

    with pytest.raises(ValueError, match="failed after 6 scores"):
        services.calibration_run(rubric_id=rubric.pk)

    run = CalibrationRun.objects.get(rubric=rubric)
    assert run.status == CalibrationRun.Status.FAILED
    assert not ApplicationCalibration.objects.filter(run=run).exists()


def test_a_group_number_past_the_columns_range_is_refused_not_wrapped():
    with pytest.raises(ValueError, match="smallint"):
        copy_rows(1, {5: 1.0, 6: 2.0}, {5: 70_000, 6: 1})


sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's write lock")
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's")


@sqlite_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_on_sqlite_the_compute_runs_without_the_write_lock(monkeypatch):
    """A transaction on SQLite takes the write lock when it begins (IMMEDIATE): the
    compute stays outside it, so other writers carry on while it runs."""
    rubric = _scored_rubric()
    name = connection.settings_dict["NAME"]
    probes = []
    real = compute.stats.consensus_agreement

    def consensus(*args, **kwargs):  # a statistic, in the middle of the compute
        other = sqlite3.connect(name, uri=name.startswith("file:"), timeout=0.2)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            probes.append("written")
        except sqlite3.OperationalError as exc:
            probes.append(str(exc))
        finally:
            other.close()
        return real(*args, **kwargs)

    monkeypatch.setattr(compute.stats, "consensus_agreement", consensus)
    assert services.calibration_run(rubric_id=rubric.pk).status == CalibrationRun.Status.SUCCEEDED
    assert probes == ["written"]


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("where", ["read", "store"])
def test_a_lost_connection_puts_the_run_back_in_the_queue(monkeypatch, where):
    """psycopg's own errors, in the packed read or in the store's thread, come out as
    Django's OperationalError: the run is queued again for the task's retry, and
    no row of it is left."""
    import psycopg

    import calibration.data as data

    rubric = _scored_rubric()

    def lost(*args, **kwargs):
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    if where == "read":

        class LostCursor(psycopg.Cursor):
            execute = lost

        driver = SimpleNamespace(
            Cursor=LostCursor, Error=psycopg.Error, sql=psycopg.sql, connect=psycopg.connect
        )
        monkeypatch.setattr(data, "_psycopg", lambda: driver)
    else:
        monkeypatch.setattr(services, "copy_rows", lost)
    with pytest.raises(OperationalError):
        services.calibration_run(rubric_id=rubric.pk)

    run = CalibrationRun.objects.get(rubric=rubric)
    assert run.status == CalibrationRun.Status.QUEUED
    assert not ApplicationCalibration.objects.filter(run=run).exists()


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_stage_change_is_not_held_up_by_a_run_writing_its_rows(monkeypatch):
    """The run's rows check their applications' keys (FOR KEY SHARE) before the other
    statistics; a stage change locks FOR NO KEY UPDATE, which that does not block."""
    rubric = _scored_rubric()
    application_id = Application.objects.filter(rubric=rubric).values_list("pk", flat=True)[0]
    real_write = services.AdjustedRows.write

    def write(self, *args):
        real_write(self, *args)
        self._future.result()  # the rows are in and their keys checked

    monkeypatch.setattr(services.AdjustedRows, "write", write)
    probes = []
    real = compute.stats.consensus_agreement

    def move_stage():
        """In a thread of its own (its own connection): the service, with a lock
        timeout, and rolled back."""
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '300ms'")
                screening_services.application_set_stage(
                    application=Application.objects.get(pk=application_id),
                    actor=None,
                    stage=Application.Stage.SCREENING,
                )
                probes.append("moved")
                raise _RolledBack
        except _RolledBack:
            pass
        except OperationalError as exc:
            probes.append(f"waited: {exc}")
        finally:
            connection.close()

    def consensus(*args, **kwargs):  # a statistic computed after the rows went in
        mover = threading.Thread(target=move_stage)
        mover.start()
        mover.join()
        return real(*args, **kwargs)

    monkeypatch.setattr(compute.stats, "consensus_agreement", consensus)
    assert services.calibration_run(rubric_id=rubric.pk).status == CalibrationRun.Status.SUCCEEDED
    assert probes == ["moved"]


class _RolledBack(Exception):
    pass
