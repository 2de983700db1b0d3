"""A run's adjusted scores stored in one go (binary COPY on PostgreSQL, batched
inserts elsewhere): every application's row, its group or none, read back the
same."""

import threading

import pytest
from django.db import connection, transaction

from calibration import services
from calibration.models import ApplicationCalibration, CalibrationRun
from calibration.services import _store_adjusted_scores, copy_rows
from tests.factories import (
    ApplicationFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
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
    """A published rubric with 6 applications, each scored by the same 3 reviewers."""
    rubric = published_rubric()
    criteria = list(rubric.criteria.all())
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
