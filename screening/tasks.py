"""Celery tasks of screening: thin wrappers that take ids and call one service. Queued
after commit; safe to run twice; retry only transient database and broker errors, with
backoff and jitter declared on the task. Time limits are set once in settings."""

from celery import shared_task
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

from screening.services import document_extract

TRANSIENT = (OperationalError, InterfaceError, BrokerError)


@shared_task(
    autoretry_for=TRANSIENT,
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
def extract_document(document_id: int) -> dict:
    """Read one document's text and pages; a file that cannot be read is marked failed."""
    document = document_extract(document_id=document_id)
    if document is None:
        return {"document_id": document_id, "status": "gone"}
    return {"document_id": document_id, "status": document.status}


@shared_task(
    autoretry_for=TRANSIENT,
    retry_backoff=60,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=3,
)
def erase_candidates_past_retention() -> dict:
    """The nightly retention run: erase every candidate due, skip those under a legal hold.
    Run twice, the second finds nobody left to erase."""
    from screening.privacy.retention import run_retention

    run = run_retention()
    return {
        "run_id": run.pk,
        "erased": run.erased_count,
        "held": run.held_count,
    }


@shared_task(autoretry_for=TRANSIENT, retry_backoff=5, retry_jitter=True, max_retries=3)
def fold_score_counts() -> dict:
    """Every ten minutes (beat): fold the kept ranking counts of busy postings."""
    from screening.score_counts import fold_all

    return {"folded": fold_all()}
