"""Retention: a candidate is due for erasure once every posting they applied to is closed
and past its retention period (the posting's `retention_months`, or
SCREENING_RETENTION_MONTHS, counted from `closed_at`). A candidate under a legal hold is
never erased; the hold is placed and released here, each with an audit event."""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core import audit
from core.errors import Conflict
from rubrics.models import JobPosting
from screening.models import Application, Candidate, RetentionRun
from screening.privacy.erasure import erase_candidate

logger = logging.getLogger(__name__)

REASON_MAX_LENGTH = 500


def add_months(moment: datetime, months: int) -> datetime:
    """`moment` plus whole calendar months (the 31st becomes the month's last day)."""
    years, month0 = divmod(moment.month - 1 + months, 12)
    year, month = moment.year + years, month0 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def retention_months(posting: JobPosting) -> int:
    return posting.retention_months or settings.SCREENING_RETENTION_MONTHS


def expired_postings(now: datetime | None = None) -> dict[int, datetime]:
    """Closed postings whose retention period has run out: id → when it ran out."""
    now = now or timezone.now()
    closed = JobPosting.objects.filter(
        status=JobPosting.Status.CLOSED, closed_at__isnull=False
    ).only("pk", "closed_at", "retention_months")
    ends = {p.pk: add_months(p.closed_at, retention_months(p)) for p in closed}
    return {pk: end for pk, end in ends.items() if end <= now}


def expired_posting_ids(now: datetime | None = None) -> set[int]:
    return set(expired_postings(now))


def candidates_due(now: datetime | None = None):
    """Candidates not yet erased whose every application is on an expired posting, and
    those who never applied to anything and were added longer ago than the default
    period; held ones included (the caller skips them)."""
    now = now or timezone.now()
    expired = expired_posting_ids(now)
    live = Application.objects.exclude(posting_id__in=expired)
    never_applied_before = add_months(now, -settings.SCREENING_RETENTION_MONTHS)
    return (
        Candidate.objects.filter(erased_at__isnull=True)
        .filter(
            Q(applications__posting_id__in=expired)
            | Q(applications__isnull=True, created_at__lte=never_applied_before)
        )
        .exclude(applications__in=live)
        .distinct()
        .select_related("legal_hold_by")
        .order_by("id")
    )


@dataclass
class DueList:
    erase: list[Candidate]
    held: list[Candidate]


def due_for_erasure(now: datetime | None = None) -> DueList:
    """Who is due, each with ``due_since``: when the last of their postings' retention
    ran out (or, never having applied, when the default period after they were added did)."""
    now = now or timezone.now()
    due = list(candidates_due(now))
    ends = expired_postings(now)
    since: dict[int, datetime] = {}
    for candidate_id, posting_id in Application.objects.filter(candidate__in=due).values_list(
        "candidate_id", "posting_id"
    ):
        end = ends.get(posting_id)
        if end and (candidate_id not in since or end > since[candidate_id]):
            since[candidate_id] = end
    for candidate in due:
        candidate.due_since = since.get(candidate.pk) or add_months(
            candidate.created_at, settings.SCREENING_RETENTION_MONTHS
        )
    return DueList(
        erase=[c for c in due if not c.legal_hold], held=[c for c in due if c.legal_hold]
    )


def run_retention(
    *, actor=None, dry_run: bool = False, trigger: str = RetentionRun.Trigger.NIGHTLY
) -> RetentionRun:
    """Erase every candidate due (each in a transaction of its own, so one failure does not
    undo the others), skip the held ones, and record the run. Safe to run twice: erased
    candidates are never due again."""
    run = RetentionRun.objects.create(started_by=actor, trigger=trigger, dry_run=dry_run)
    due = due_for_erasure()
    run.due_count, run.held_count = len(due.erase), len(due.held)
    failed = 0
    for candidate in [] if dry_run else due.erase:
        try:
            result = erase_candidate(candidate, actor=actor, reference=f"Retention run {run.pk}")
        except Conflict:
            continue  # erased or held meanwhile
        except Exception:
            # One candidate's failure (rolled back whole) must not stop the others: the run
            # records it, and the next night tries again.
            logger.exception("Retention run %s: erasing candidate %s failed", run.pk, candidate.pk)
            failed += 1
            continue
        run.erased_count += 1
        run.pseudonyms.append(result.pseudonym)
    run.finished_at = timezone.now()
    with transaction.atomic():
        run.save()
        audit.record(
            actor=actor,
            event="retention.dry_run" if dry_run else "retention.run",
            obj=run,
            summary=(
                f"{'Would erase' if dry_run else 'Erased'} "
                f"{run.due_count if dry_run else run.erased_count} candidate(s); "
                f"{run.held_count} under a legal hold skipped."
            ),
            changes={
                "due": run.due_count,
                "erased": run.erased_count,
                "held": run.held_count,
                "failed": failed,
            },
        )
    logger.info(
        "%s: %d due, %d erased, %d held", run, run.due_count, run.erased_count, run.held_count
    )
    return run


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why (e.g. the case or request it serves)."})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": f"Keep the reason under {REASON_MAX_LENGTH} characters."})
    return reason


@transaction.atomic
def legal_hold_place(*, candidate: Candidate, actor, reason: str) -> Candidate:
    reason = _clean_reason(reason)
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.is_erased:
        raise Conflict("This candidate's personal data was already erased.", code="erased")
    before = candidate.legal_hold
    candidate.legal_hold = True
    candidate.legal_hold_reason = reason
    candidate.legal_hold_by = actor if getattr(actor, "is_authenticated", False) else None
    candidate.legal_hold_at = timezone.now()
    candidate.save(
        update_fields=["legal_hold", "legal_hold_reason", "legal_hold_by", "legal_hold_at"]
    )
    audit.record(
        actor=actor,
        event="candidate.legal_hold_placed",
        obj=candidate,
        summary="Placed on legal hold." if not before else "Changed the legal hold's reason.",
        changes={"legal_hold": [before, True], "reason": reason},
    )
    return candidate


@transaction.atomic
def legal_hold_release(*, candidate: Candidate, actor, reason: str) -> Candidate:
    reason = _clean_reason(reason)
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if not candidate.legal_hold:
        raise Conflict("This candidate is not under a legal hold.", code="not_held")
    old_reason = candidate.legal_hold_reason
    candidate.legal_hold = False
    candidate.legal_hold_reason = ""
    candidate.legal_hold_by = None
    candidate.legal_hold_at = None
    candidate.save(
        update_fields=["legal_hold", "legal_hold_reason", "legal_hold_by", "legal_hold_at"]
    )
    audit.record(
        actor=actor,
        event="candidate.legal_hold_released",
        obj=candidate,
        summary="Released from legal hold.",
        changes={"legal_hold": [True, False], "reason": reason, "hold_reason": old_reason},
    )
    return candidate
