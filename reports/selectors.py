"""Every read the reports app makes outside the digest itself: stored
reports, the postings a weekly digest is due for, and the reviewers with
overdue reviews (overdue as screening.selectors defines it)."""

from datetime import date, datetime

from django.db.models import QuerySet

from reports.digest import had_activity
from reports.models import Report
from rubrics.models import JobPosting
from screening.selectors import overdue_assignments


def reports_with_deliveries() -> QuerySet[Report]:
    return Report.objects.select_related("posting").prefetch_related("deliveries")


def postings_with_activity(start: datetime, end: datetime) -> list[JobPosting]:
    return [
        p
        for p in JobPosting.objects.exclude(status=JobPosting.Status.DRAFT)
        if had_activity(p, start, end)
    ]


def reviewers_with_overdue(today: date) -> list[int]:
    return sorted(set(overdue_assignments(today).values_list("reviewer_id", flat=True)))
