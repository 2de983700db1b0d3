"""Stored reports, their deliveries, and overdue-review reminders. The tables
keep the names they had when these models lived in the screening app (moved
with SeparateDatabaseAndState: no data was copied)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from calibration.models import CalibrationRun
from rubrics.models import JobPosting


class Report(models.Model):
    """A rendered, stored report and where it was sent. One weekly digest per
    posting and week: running the weekly task twice makes one report. A
    digest sent from the admin is its own kind, so it never stands in for
    the weekly one; one per posting and exact period (a double click sends
    once)."""

    class Kind(models.TextChoices):
        WEEKLY_DIGEST = "weekly_digest", "Weekly calibration digest"
        DIGEST_ON_DEMAND = "digest_on_demand", "Calibration digest sent from the admin"

    kind = models.CharField(max_length=32, choices=Kind, default=Kind.WEEKLY_DIGEST)
    posting = models.ForeignKey(JobPosting, on_delete=models.CASCADE, related_name="reports")
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    subject = models.CharField(max_length=250)
    html = models.TextField(help_text="The email's HTML; charts are referenced as cid:NAME.")
    text = models.TextField(help_text="The plain-text alternative.")
    csv = models.TextField("CSV attachment")
    images = models.JSONField(
        default=dict, blank=True, help_text="Inline chart images: content id → base64 PNG."
    )
    recipients = models.JSONField(default=list, blank=True)
    calibration_run = models.ForeignKey(
        CalibrationRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the last recipient was sent it."
    )

    class Meta:
        db_table = "screening_report"
        ordering = ["-period_end", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "posting", "period_start"],
                condition=Q(kind="weekly_digest"),
                name="report_once_per_period",
            ),
            models.UniqueConstraint(
                fields=["kind", "posting", "period_start", "period_end"],
                condition=Q(kind="digest_on_demand"),
                name="report_on_demand_once_per_period",
            ),
            models.CheckConstraint(
                condition=Q(period_start__lt=models.F("period_end")), name="report_period_ordered"
            ),
        ]

    def __str__(self) -> str:
        return self.subject


class ReportDelivery(models.Model):
    """One recipient's copy: recorded once sent, so a retry after a failure
    part-way sends only to those not yet served."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.EmailField()
    # Empty while a worker is sending it: the row is the claim.
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "screening_reportdelivery"
        ordering = ["sent_at"]
        verbose_name_plural = "report deliveries"
        constraints = [
            models.UniqueConstraint(fields=["report", "recipient"], name="report_delivery_once"),
        ]

    def __str__(self) -> str:
        return f"{self.report} → {self.recipient}"


class Reminder(models.Model):
    """One overdue-reviews email to one reviewer on one day: never more."""

    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()
    assignments = models.JSONField(default=list)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "screening_reminder"
        ordering = ["-day", "reviewer_id"]
        constraints = [
            models.UniqueConstraint(fields=["reviewer", "day"], name="reminder_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"Reminder to {self.reviewer} on {self.day}"


class CandidateDemographics(models.Model):
    """A candidate's voluntary, self-identified answers for adverse-impact analysis
    (reports/impact/): {category: answer}, the categories and answers those of the
    IMPACT_CATEGORIES setting. Kept apart from the candidate so that only users with the
    `view_demographics` permission read it: never reviewers, never an export with scores."""

    candidate = models.OneToOneField(
        "screening.Candidate", on_delete=models.CASCADE, related_name="demographics"
    )
    answers = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "self-identified demographics"
        verbose_name_plural = "self-identified demographics"
        # Only the dedicated permissions: no "view" or "change" that a role might be
        # given along with the other models.
        default_permissions = ()
        permissions = [
            ("view_demographics", "Can view candidates' self-identified demographics"),
            ("record_demographics", "Can record candidates' self-identified demographics"),
        ]

    def __str__(self) -> str:
        return f"Self-identified demographics of candidate #{self.candidate_id}"
