"""A run's adjusted scores stored in one go (binary COPY on PostgreSQL, batched
inserts elsewhere): every application's row, its group or none, read back the
same."""

import pytest
from django.db import transaction

from calibration.models import ApplicationCalibration, CalibrationRun
from calibration.services import _store_adjusted_scores, copy_rows
from tests.factories import ApplicationFactory, published_rubric


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
