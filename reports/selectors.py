"""Every read the reports app makes outside the digest itself: stored
reports, the postings a weekly digest is due for, and overdue reviews."""

from datetime import date, datetime

from django.db.models import Q, QuerySet

from reports.digest import had_activity
from reports.models import Report
from rubrics.models import JobPosting
from screening.models import ReviewAssignment, Scorecard

CLOSED_STAGES = ["rejected", "withdrawn", "hired"]


def reports_with_deliveries() -> QuerySet[Report]:
    return Report.objects.select_related("posting").prefetch_related("deliveries")


def postings_with_activity(start: datetime, end: datetime) -> list[JobPosting]:
    return [
        p
        for p in JobPosting.objects.exclude(status=JobPosting.Status.DRAFT)
        if had_activity(p, start, end)
    ]


def overdue_assignments(today: date):
    """Reviews past their due date and not submitted, of active reviewers on
    applications still in play."""
    return (
        ReviewAssignment.objects.filter(due_date__lt=today, reviewer__is_active=True)
        .filter(~Q(scorecard__status=Scorecard.Status.SUBMITTED))
        .exclude(application__stage__in=CLOSED_STAGES)
        .exclude(application__posting__status=JobPosting.Status.CLOSED)
        .select_related("reviewer", "application__candidate", "application__posting")
        .order_by("reviewer_id", "due_date", "id")
    )


def reviewers_with_overdue(today: date) -> list[int]:
    return sorted(set(overdue_assignments(today).values_list("reviewer_id", flat=True)))
