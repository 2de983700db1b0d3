"""Calibration runs and their results: per reviewer, per criterion and per
application. The tables keep the names they had when these models lived in
the screening app (moved with SeparateDatabaseAndState: no data was copied)."""

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.db.models.signals import post_delete
from django.dispatch import receiver

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

    class Method(models.TextChoices):
        LINEAR = "linear", "Linear (scale points)"
        RASCH = "rasch", "Rasch rating scale (logits)"

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
        help_text="Rubric-level agreement statistics, with the reason for each undefined one "
        "(the pooled alpha over every candidate and criterion is kept here, raw).",
    )
    method = models.CharField(
        max_length=8,
        choices=Method,
        default=Method.LINEAR,
        help_text="The rater-effects model: linear (scale points) or Rasch (logits).",
    )
    groups = models.JSONField(
        default=list,
        blank=True,
        help_text="Reviewers linked through shared candidates: a list of "
        '{"number", "reviewers": [user ids], "applications": n}. Severities and adjusted '
        "scores compare only within a group.",
    )
    separation_index = models.FloatField(
        null=True,
        blank=True,
        help_text="Rater separation G: spread of severities over their error.",
    )
    separation_reliability = models.FloatField(
        null=True, blank=True, help_text="Rater separation reliability G²/(1+G²)."
    )
    alpha_median = models.FloatField(
        null=True, blank=True, help_text="Median of the per-criterion interval alphas."
    )
    alpha_min = models.FloatField(null=True, blank=True)
    alpha_max = models.FloatField(null=True, blank=True)
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
            models.CheckConstraint(
                condition=Q(method__in=["linear", "rasch"]), name="calibration_method_known"
            ),
        ]

    def __str__(self) -> str:
        return f"Calibration of {self.rubric} at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def disconnected(self) -> bool:
        """True when the reviewers fall into more than one group."""
        return len(self.groups or []) > 1


class ReviewerCalibration(models.Model):
    run = models.ForeignKey(CalibrationRun, on_delete=models.CASCADE, related_name="reviewers")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    group = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The run's group of reviewers linked by shared candidates."
    )
    n_ratings = models.PositiveIntegerField()
    n_applications = models.PositiveIntegerField()
    n_scorecards = models.PositiveIntegerField(default=0)
    mean = models.FloatField()
    severity = models.FloatField(
        null=True,
        help_text="Raw estimate: scale points (logits for Rasch) above (lenient, +) or "
        "below (severe, −) what the other reviewers would give the same candidates.",
    )
    severity_se = models.FloatField(
        "standard error", null=True, help_text="Cluster-robust by scorecard (linear)."
    )
    severity_shrunk = models.FloatField(
        null=True,
        help_text="Empirical-Bayes estimate, pulled toward 0 by how little is known; "
        "the flags and adjusted scores use it.",
    )
    severity_sd_shrunk = models.FloatField(null=True, help_text="Posterior SD of severity_shrunk.")
    infit = models.FloatField(null=True, help_text="Information-weighted mean-square.")
    outfit = models.FloatField(null=True, help_text="Unweighted mean-square.")
    halo = models.FloatField(null=True)
    central_tendency = models.FloatField(null=True)
    range_ratio = models.FloatField(null=True)
    agreement_with_consensus = models.FloatField(null=True)
    drift = models.FloatField(null=True, help_text="Change in severity per 30 days.")
    drift_se = models.FloatField(null=True, help_text="Standard error of drift.")
    distribution = models.JSONField(
        default=list, blank=True, help_text="How many ratings at each level, lowest first."
    )
    diagnostic_flags = models.JSONField(
        default=list,
        blank=True,
        help_text='Codes: "lenient", "severe", "misfit", "muted", "halo", "central_tendency", '
        '"restricted_range", "drift", "too_few_scorecards".',
    )
    flagged = models.BooleanField(default=False)
    flag_reason = models.CharField(max_length=500, blank=True)

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

    # No index of its own: calibration_application_once (run, application) leads with it.
    run = models.ForeignKey(
        CalibrationRun, on_delete=models.CASCADE, related_name="applications", db_index=False
    )
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    adjusted_score = models.FloatField()
    group = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="The run's group of reviewers who scored it: adjusted scores compare "
        "only within a group.",
    )

    class Meta:
        db_table = "screening_applicationcalibration"
        constraints = [
            models.UniqueConstraint(
                fields=["run", "application"], name="calibration_application_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application}: {self.adjusted_score:.1f}"


# --- Calibration sessions --------------------------------------------------------------
# Practice scorecards against an answer key. They live in tables of their own, so nothing
# that reads Scorecard or CriterionScore (rankings, consensus, calibration runs, exports)
# ever sees them.


class CalibrationSession(models.Model):
    """A recruiter's exercise: 2–5 applications of one posting (real ones, or written for
    training), an answer key agreed by lead reviewers, and the reviewers who score them
    blind. A draft while the recruiter builds it; open for scoring; completed when every
    assigned reviewer has submitted."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open for scoring"
        COMPLETED = "completed", "Completed"

    title = models.CharField(max_length=200)
    posting = models.ForeignKey(
        "rubrics.JobPosting", on_delete=models.PROTECT, related_name="calibration_sessions"
    )
    rubric = models.ForeignKey(
        Rubric,
        on_delete=models.PROTECT,
        related_name="calibration_sessions",
        help_text="The posting's published rubric when the session was made.",
    )
    status = models.CharField(max_length=16, choices=Status, default=Status.DRAFT)
    key_agreed_by = models.CharField(
        "answer key agreed by",
        max_length=300,
        help_text="The lead reviewers who agreed the answer key, e.g. “Ana Ruiz, Ben Okafor”.",
    )
    due_date = models.DateField(null=True, blank=True)
    created_by = actor_field()
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "open", "completed"]),
                name="session_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(opened_at__isnull=False),
                name="session_opened_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(completed_at__isnull=False),
                name="session_completed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class SessionItem(models.Model):
    """One application to score in a session: a real one of the posting, or one written
    for training (a title and a profile the recruiter types; no candidate behind it)."""

    session = models.ForeignKey(CalibrationSession, on_delete=models.CASCADE, related_name="items")
    application = models.ForeignKey(
        Application,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="calibration_items",
        help_text="Leave empty for an application written for training.",
    )
    title = models.CharField(
        max_length=200, blank=True, help_text="Training items: what reviewers see as the name."
    )
    profile = models.TextField(
        blank=True, help_text="Training items: the candidate's profile, as reviewers read it."
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "application"],
                condition=Q(application__isnull=False),
                name="session_item_application_once",
            ),
            models.CheckConstraint(
                condition=Q(application__isnull=False) | (~Q(title="") & ~Q(profile="")),
                name="session_item_real_or_written",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if self.title:
            return self.title
        if self.application_id:
            return self.application.candidate.full_name
        return f"Item {self.pk}"


class SessionKey(models.Model):
    """The answer key: the level the lead reviewers agreed for one item on one criterion."""

    item = models.ForeignKey(SessionItem, on_delete=models.CASCADE, related_name="key")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["item_id", "criterion__order", "criterion_id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "criterion"], name="session_key_once"),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=5), name="session_key_level_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} · {self.criterion}: {self.level}"


class SessionAssignment(models.Model):
    """A reviewer asked to score a session; `submitted_at` once they have."""

    session = models.ForeignKey(
        CalibrationSession, on_delete=models.CASCADE, related_name="assignments"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="calibration_sessions"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "reviewer"], name="session_reviewer_once"),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} in {self.session}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class SessionRating(models.Model):
    """A reviewer's level for one item on one criterion of a session."""

    assignment = models.ForeignKey(
        SessionAssignment, on_delete=models.CASCADE, related_name="ratings"
    )
    item = models.ForeignKey(SessionItem, on_delete=models.CASCADE, related_name="ratings")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "item", "criterion"], name="session_rating_once"
            ),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=5), name="session_rating_level_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assignment.reviewer} · {self.item} · {self.criterion}: {self.level}"


class MyCalibrationSession(SessionAssignment):
    """A reviewer's own sessions, as "My calibration sessions" in the admin."""

    class Meta:
        proxy = True
        verbose_name = "my calibration session"
        verbose_name_plural = "my calibration sessions"


@receiver(post_delete, sender=CalibrationRun)
def _run_deleted(sender, instance: CalibrationRun, **kwargs) -> None:
    # The stored ranking rows showed this run's adjusted scores, if it was the latest: they
    # go back to the run before it (or to none), in the deletion's transaction.
    from screening.scores import refresh_adjusted_scores

    with transaction.atomic():
        refresh_adjusted_scores([instance.rubric_id])
