"""Calibration runs and their results: per reviewer, per criterion and per
application. The tables keep the names they had when these models lived in
the screening app (moved with SeparateDatabaseAndState: no data was copied)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.fields import actor_field
from rubrics.models import Criterion, Rubric
from screening.models import Application


class CalibrationRun(models.Model):
    """One computation of a rubric's reviewer calibration. Runs are kept, so
    drift over time shows; at most one runs per rubric at a time (a partial
    unique constraint is the lock)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    class Trigger(models.TextChoices):
        SUBMISSION = "submission", "Scorecard submitted"
        NIGHTLY = "nightly", "Nightly"
        MANUAL = "manual", "Started by hand"
        IMPORT = "import", "Ratings imported"

    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="calibration_runs")
    status = models.CharField(max_length=16, choices=Status, default=Status.QUEUED)
    trigger = models.CharField(max_length=16, choices=Trigger, default=Trigger.MANUAL)
    task_id = models.CharField(max_length=64, blank=True)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    progress_message = models.CharField(max_length=200, blank=True)
    requested_by = actor_field()
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    n_ratings = models.PositiveIntegerField(default=0)
    n_applications = models.PositiveIntegerField(default=0)
    n_reviewers = models.PositiveIntegerField(default=0)
    agreement = models.JSONField(
        default=dict,
        blank=True,
        help_text="Rubric-level agreement statistics, with the reason for each undefined one.",
    )
    error = models.TextField(blank=True)

    class Meta:
        db_table = "screening_calibrationrun"
        ordering = ["-created_at", "-id"]
        get_latest_by = "created_at"
        constraints = [
            models.UniqueConstraint(
                fields=["rubric"],
                condition=Q(status="running"),
                name="calibration_one_running_per_rubric",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="calibration_progress_pct"),
        ]

    def __str__(self) -> str:
        return f"Calibration of {self.rubric} at {self.created_at:%Y-%m-%d %H:%M}"


class ReviewerCalibration(models.Model):
    run = models.ForeignKey(CalibrationRun, on_delete=models.CASCADE, related_name="reviewers")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    n_ratings = models.PositiveIntegerField()
    n_applications = models.PositiveIntegerField()
    mean = models.FloatField()
    severity = models.FloatField(
        null=True,
        help_text="Scale points above (lenient, +) or below (severe, −) what the "
        "other reviewers would give the same candidates.",
    )
    severity_se = models.FloatField("standard error", null=True)
    agreement_with_consensus = models.FloatField(null=True)
    drift = models.FloatField(null=True, help_text="Change in severity per 30 days.")
    distribution = models.JSONField(
        default=list, blank=True, help_text="How many ratings at each level, lowest first."
    )
    flagged = models.BooleanField(default=False)
    flag_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        db_table = "screening_reviewercalibration"
        ordering = ["-flagged", "severity"]
        constraints = [
            models.UniqueConstraint(fields=["run", "reviewer"], name="calibration_reviewer_once"),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} in {self.run}"


class CriterionCalibration(models.Model):
    run = models.ForeignKey(CalibrationRun, on_delete=models.CASCADE, related_name="criteria")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="+")
    n_ratings = models.PositiveIntegerField()
    mean = models.FloatField(null=True)
    spread = models.FloatField("standard deviation", null=True)
    alpha_ordinal = models.FloatField(null=True)
    alpha_interval = models.FloatField(null=True)
    discrimination = models.FloatField(null=True)
    notes = models.JSONField(default=dict, blank=True)
    flagged = models.BooleanField(default=False)
    flag_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        db_table = "screening_criterioncalibration"
        ordering = ["criterion__order"]
        constraints = [
            models.UniqueConstraint(fields=["run", "criterion"], name="calibration_criterion_once"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion} in {self.run}"


class ApplicationCalibration(models.Model):
    """An application's score with each reviewer's severity taken out."""

    run = models.ForeignKey(CalibrationRun, on_delete=models.CASCADE, related_name="applications")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    adjusted_score = models.FloatField()

    class Meta:
        db_table = "screening_applicationcalibration"
        constraints = [
            models.UniqueConstraint(
                fields=["run", "application"], name="calibration_application_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application}: {self.adjusted_score:.1f}"
