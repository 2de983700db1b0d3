"""Every read the reports app makes: stored reports, the postings a weekly
digest is due for, what a digest counts, and the reviewers with overdue
reviews (overdue as screening.selectors defines it)."""

from datetime import date, datetime

from django.db.models import Count, QuerySet

from reports.models import Report
from rubrics.models import JobPosting
from screening.models import Application, ReviewAssignment, Scorecard
from screening.selectors import overdue_assignments


def reports_with_deliveries() -> QuerySet[Report]:
    return Report.objects.select_related("posting").prefetch_related("deliveries")


def postings_for_digest() -> QuerySet[JobPosting]:
    """The postings a recruiter may preview or send a digest of, by title."""
    return JobPosting.objects.order_by("title", "id")


def previous_digest(*, posting: JobPosting, kind: str, before: datetime) -> Report | None:
    return (
        Report.objects.filter(kind=kind, posting=posting, period_start__lt=before)
        .select_related("calibration_run")
        .order_by("-period_start")
        .first()
    )


def had_activity(posting: JobPosting, start: datetime, end: datetime) -> bool:
    """Applications opened, reviewers assigned or scorecards submitted."""
    return (
        Application.objects.filter(
            posting=posting, created_at__gte=start, created_at__lt=end
        ).exists()
        or ReviewAssignment.objects.filter(
            application__posting=posting, created_at__gte=start, created_at__lt=end
        ).exists()
        or Scorecard.objects.filter(
            application__posting=posting, submitted_at__gte=start, submitted_at__lt=end
        ).exists()
    )


def stage_counts(posting: JobPosting) -> dict[str, int]:
    """Applications of the posting per stage (stages with none left out)."""
    return dict(
        Application.objects.filter(posting=posting)
        .values_list("stage")
        .annotate(n=Count("id"))
        .order_by()
    )


def submitted_count(posting: JobPosting, start: datetime, end: datetime) -> int:
    return Scorecard.objects.filter(
        application__posting=posting, submitted_at__gte=start, submitted_at__lt=end
    ).count()


def postings_with_activity(start: datetime, end: datetime) -> list[JobPosting]:
    return [
        p
        for p in JobPosting.objects.exclude(status=JobPosting.Status.DRAFT)
        if had_activity(p, start, end)
    ]


def reviewers_with_overdue(today: date) -> list[int]:
    return sorted(set(overdue_assignments(today).values_list("reviewer_id", flat=True)))
