from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from core.fields import actor_field
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
