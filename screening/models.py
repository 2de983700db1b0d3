from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from config.fields import actor_field
from rubrics.models import Criterion, JobPosting, Rubric


class Candidate(models.Model):
    """A person applying. Personal data: reviewers see the name and links
    only, never the email, phone or recruiter notes."""

    full_name = models.CharField(max_length=200)
    email = models.EmailField(max_length=254)
    phone = models.CharField(max_length=40, blank=True)
    links = models.JSONField(
        default=list, blank=True, help_text="Portfolio, profile or CV links, one per line."
    )
    notes = models.TextField("recruiter notes", blank=True)
    created_by = actor_field()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["full_name", "id"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="candidate_email_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.full_name


class Application(models.Model):
    """A candidate for one posting, pinned to the rubric that was published
    when the application was opened, so later versions do not move scores."""

    class Stage(models.TextChoices):
        APPLIED = "applied", "Applied"
        SCREENING = "screening", "Screening"
        INTERVIEW = "interview", "Interview"
        OFFER = "offer", "Offer"
        HIRED = "hired", "Hired"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="applications")
    posting = models.ForeignKey(JobPosting, on_delete=models.PROTECT, related_name="applications")
    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, related_name="applications")
    stage = models.CharField(max_length=16, choices=Stage, default=Stage.SCREENING)
    created_by = actor_field()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "posting"], name="application_one_per_candidate_posting"
            ),
            models.CheckConstraint(
                condition=Q(
                    stage__in=[
                        "applied",
                        "screening",
                        "interview",
                        "offer",
                        "hired",
                        "rejected",
                        "withdrawn",
                    ]
                ),
                name="application_stage_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.candidate} for {self.posting}"


class ReviewAssignment(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="assignments"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_assignments"
    )
    due_date = models.DateField(null=True, blank=True)
    assigned_by = actor_field()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reviewer"], name="assignment_one_per_reviewer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application.candidate} — {self.reviewer}"


class Scorecard(models.Model):
    """One reviewer's scores for one application: a draft until submitted."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    class Recommendation(models.IntegerChoices):
        STRONG_NO = 1, "Strong no"
        NO = 2, "No"
        YES = 3, "Yes"
        STRONG_YES = 4, "Strong yes"

    class Source(models.TextChoices):
        REVIEW = "review", "Reviewed here"
        IMPORT = "import", "Imported ratings"

    assignment = models.OneToOneField(
        ReviewAssignment, on_delete=models.CASCADE, related_name="scorecard"
    )
    # Denormalised from the assignment so rankings aggregate without joins.
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="scorecards"
    )
    status = models.CharField(max_length=16, choices=Status, default=Status.DRAFT)
    recommendation = models.PositiveSmallIntegerField(choices=Recommendation, null=True, blank=True)
    summary = models.TextField(blank=True)
    # Historical ratings come without a recommendation.
    source = models.CharField(max_length=16, choices=Source, default=Source.REVIEW)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopened_by = actor_field()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted"]), name="scorecard_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="draft")
                | Q(submitted_at__isnull=False, recommendation__isnull=False)
                | Q(submitted_at__isnull=False, source="import"),
                name="scorecard_submitted_is_complete",
            ),
            models.CheckConstraint(
                condition=Q(source__in=["review", "import"]), name="scorecard_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(recommendation__isnull=True)
                | Q(recommendation__gte=1, recommendation__lte=4),
                name="scorecard_recommendation_range",
            ),
        ]
        indexes = [models.Index(fields=["application", "status"])]

    def __str__(self) -> str:
        return f"Scorecard for {self.assignment}"

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED


class CriterionScore(models.Model):
    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    value = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="A level on the rubric's scale; empty means no evidence."
    )
    answer = models.BooleanField(
        null=True,
        blank=True,
        help_text="Screening questions only: yes or no; empty means not known.",
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["criterion__order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["scorecard", "criterion"], name="score_one_per_criterion"
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=1, value__lte=5),
                name="score_value_range",
            ),
            # A screening question is answered, a criterion is scored: never both.
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(answer__isnull=True),
                name="score_value_or_answer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.value if self.value is not None else '—'}"


class MyReview(ReviewAssignment):
    """The reviewer's own assignments, as "My reviews" in the admin."""

    class Meta:
        proxy = True
        verbose_name = "my review"
        verbose_name_plural = "my reviews"


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
        constraints = [
            models.UniqueConstraint(
                fields=["run", "application"], name="calibration_application_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application}: {self.adjusted_score:.1f}"


class Report(models.Model):
    """A rendered, stored report and where it was sent. One per kind, posting
    and period: running the weekly task twice makes one report."""

    class Kind(models.TextChoices):
        WEEKLY_DIGEST = "weekly_digest", "Weekly calibration digest"

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
        ordering = ["-period_end", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "posting", "period_start"], name="report_once_per_period"
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
        ordering = ["-day", "reviewer_id"]
        constraints = [
            models.UniqueConstraint(fields=["reviewer", "day"], name="reminder_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"Reminder to {self.reviewer} on {self.day}"
