from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from core.fields import actor_field
from rubrics.anchors import SCALE_MIN, level_labels
from rubrics.errors import RubricNotEditable
from rubrics.parsing import MAX_POSTING_BYTES
from rubrics.weighting import DEFAULT_MUST_HAVE_SHARE


def validate_posting_size(value: str) -> None:
    size = len(value.encode("utf-8"))
    if size > MAX_POSTING_BYTES:
        raise ValidationError(
            "The posting is %(size)d KB; the limit is %(limit)d KB.",
            params={"size": -(-size // 1024), "limit": MAX_POSTING_BYTES // 1024},
            code="too_long",
        )


class JobPosting(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    title = models.CharField(max_length=200)
    team = models.CharField(max_length=200, blank=True)
    location = models.CharField(max_length=200, blank=True)
    raw_text = models.TextField(
        "posting text",
        validators=[validate_posting_size],
        help_text="The posting as published: its requirement lists become the rubric.",
    )
    source_url = models.URLField("source URL", max_length=500, blank=True)
    status = models.CharField(max_length=16, choices=Status, default=Status.DRAFT)
    recruiters = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="postings_recruited",
        help_text="Who receives this posting's weekly digest (default: whoever created it).",
    )
    closed_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the posting was last closed: retention counts from here.",
    )
    retention_months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=(
            "Months after closing before candidates' personal data is erased; "
            "empty uses the default (SCREENING_RETENTION_MONTHS)."
        ),
    )
    anonymised_review = models.BooleanField(
        "anonymised review",
        default=False,
        help_text=(
            "Reviewers see a code instead of the candidate's name, no contact details, and "
            "documents as redacted text, until they submit their scorecard."
        ),
    )
    created_by = actor_field()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "open", "closed"]),
                name="posting_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(retention_months__isnull=True) | Q(retention_months__gte=1),
                name="posting_retention_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class RubricQuerySet(models.QuerySet):
    def published(self):
        return self.filter(state=Rubric.State.PUBLISHED)


class Rubric(models.Model):
    """A versioned scoring guide for one posting. Published rubrics are
    immutable (services, model guards and database triggers all refuse
    changes); editing one means cloning it to a new draft version."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Retired"

    class Scale(models.IntegerChoices):
        FOUR_POINT = 4, "1–4 (Does not meet … Exceeds)"
        FIVE_POINT = 5, "1–5 (Does not meet … Far exceeds)"

    posting = models.ForeignKey(JobPosting, on_delete=models.PROTECT, related_name="rubrics")
    version = models.PositiveIntegerField()
    state = models.CharField(max_length=16, choices=State, default=State.DRAFT)
    scale_max = models.PositiveSmallIntegerField(
        "rating scale", choices=Scale, default=Scale.FOUR_POINT
    )
    must_have_share = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=DEFAULT_MUST_HAVE_SHARE,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text="Percent of the weight that must-haves share when weights are generated; "
        "bonuses share the rest.",
    )
    cloned_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="clones"
    )
    # What the drafting noticed when the rubric was generated (boilerplate dropped, items that
    # read like duties, low-confidence items, requirement-like prose no criterion covers), as
    # [{"code", "message", "criterion"?: id, "span"?: [start, end]}]. Warnings that depend on
    # the criteria as they are now (no must-have, too many) are computed when shown.
    generation_notes = models.JSONField(default=list, blank=True, editable=False)
    created_by = actor_field()
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    objects = RubricQuerySet.as_manager()

    class Meta:
        ordering = ["posting_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["posting", "version"], name="rubric_version_unique"),
            models.UniqueConstraint(
                fields=["posting"],
                condition=Q(state="published"),
                name="one_published_rubric_per_posting",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="rubric_version_positive"),
            models.CheckConstraint(
                condition=Q(state__in=["draft", "published", "retired"]),
                name="rubric_state_valid",
            ),
            models.CheckConstraint(condition=Q(scale_max__in=[4, 5]), name="rubric_scale_valid"),
            models.CheckConstraint(
                condition=Q(must_have_share__gte=0) & Q(must_have_share__lte=100),
                name="rubric_must_have_share_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.posting} — v{self.version} ({self.get_state_display().lower()})"

    @property
    def is_draft(self) -> bool:
        return self.state == self.State.DRAFT

    @property
    def scale_min(self) -> int:
        return SCALE_MIN

    @property
    def level_labels(self) -> tuple[str, ...]:
        return level_labels(self.scale_max)


class CriterionQuerySet(models.QuerySet):
    """Bulk writes check the rubric state too, so `.update()` and `.delete()`
    cannot slip past the model's guard (the database triggers back this up)."""

    def _refuse_if_locked(self):
        if self.exclude(rubric__state=Rubric.State.DRAFT).exists():
            raise RubricNotEditable()

    def update(self, **kwargs):
        self._refuse_if_locked()
        return super().update(**kwargs)

    def delete(self):
        self._refuse_if_locked()
        return super().delete()


class Criterion(models.Model):
    class Kind(models.TextChoices):
        MUST_HAVE = "must_have", "Must-have"
        BONUS = "bonus", "Bonus"
        # A yes/no gate (work authorisation, shifts, a driving licence): no weight, answered
        # on the scorecard, and a majority "no" fails the candidate like a knockout.
        SCREENING = "screening", "Screening question"

    class Type(models.TextChoices):
        """What the criterion asks for; it decides how the anchors are written."""

        EDUCATION = "education", "Education"
        YEARS = "years", "Years of experience"
        SKILLS = "skills", "Skills or tools"
        EXPERIENCE = "experience", "Experience"
        LICENCE = "licence", "Licence or certification"
        LANGUAGE = "language", "Language"
        PORTFOLIO = "portfolio", "Publications or portfolio"
        ELIGIBILITY = "eligibility", "Eligibility or logistics"
        TRAIT = "trait", "Trait"
        GENERAL = "general", "General"

    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="criteria")
    kind = models.CharField(max_length=16, choices=Kind, default=Kind.MUST_HAVE)
    type = models.CharField(max_length=16, choices=Type, default=Type.GENERAL)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, help_text="The posting's text for this criterion.")
    weight = models.DecimalField(
        "weight (%)",
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    order = models.PositiveIntegerField(default=0)
    knockout_level = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Must-haves only: a consensus below this level fails the candidate.",
    )
    keywords = models.JSONField(default=list, blank=True)
    anchors = models.JSONField(
        "anchor text per level",
        default=list,
        blank=True,
        help_text="What each level of the scale looks like for this criterion, lowest first.",
    )
    source_start = models.PositiveIntegerField(null=True, blank=True)
    source_end = models.PositiveIntegerField(null=True, blank=True)

    objects = CriterionQuerySet.as_manager()

    class Meta:
        ordering = ["rubric_id", "order", "id"]
        verbose_name_plural = "criteria"
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gte=0) & Q(weight__lte=100), name="criterion_weight_range"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["must_have", "bonus", "screening"]),
                name="criterion_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    type__in=[
                        "education",
                        "years",
                        "skills",
                        "experience",
                        "licence",
                        "language",
                        "portfolio",
                        "eligibility",
                        "trait",
                        "general",
                    ]
                ),
                name="criterion_type_valid",
            ),
            models.CheckConstraint(
                condition=(Q(kind="must_have") & Q(knockout_level__gte=1))
                | (Q(kind__in=["bonus", "screening"]) & Q(knockout_level__isnull=True)),
                name="criterion_knockout_only_on_must_haves",
            ),
            models.CheckConstraint(
                condition=~Q(kind="screening") | Q(weight=0),
                name="criterion_screening_question_unweighted",
            ),
            models.CheckConstraint(
                condition=Q(source_start__isnull=True, source_end__isnull=True)
                | Q(source_start__lte=models.F("source_end")),
                name="criterion_source_span_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self._refuse_if_locked()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._refuse_if_locked()
        return super().delete(*args, **kwargs)

    def clean(self) -> None:
        errors = {}
        scale_max = self.rubric.scale_max if self.rubric_id else None
        if self.kind == self.Kind.MUST_HAVE:
            if self.knockout_level is None:
                errors["knockout_level"] = "A must-have needs a knockout level."
            elif scale_max and not SCALE_MIN <= self.knockout_level <= scale_max:
                errors["knockout_level"] = f"Choose a level between {SCALE_MIN} and {scale_max}."
        elif self.knockout_level is not None:
            errors["knockout_level"] = "Only must-haves have a knockout level."
        if self.kind == self.Kind.SCREENING and self.weight not in (None, 0):
            errors["weight"] = "A screening question is a yes/no gate and carries no weight."
        if not isinstance(self.keywords, list) or not all(
            isinstance(k, str) and k.strip() for k in self.keywords
        ):
            errors["keywords"] = "Keywords must be a list of non-empty words or phrases."
        if not isinstance(self.anchors, list) or not all(isinstance(a, str) for a in self.anchors):
            errors["anchors"] = "Anchors must be a list of texts, one per level."
        elif (
            self.anchors and scale_max and len(self.anchors) != scale_max and not self.is_screening
        ):
            errors["anchors"] = (
                f"Give one anchor per level of the 1–{scale_max} scale: {scale_max} lines, "
                f"not {len(self.anchors)}."
            )
        if errors:
            raise ValidationError(errors)

    def _refuse_if_locked(self) -> None:
        state = Rubric.objects.filter(pk=self.rubric_id).values_list("state", flat=True).first()
        if state is not None and state != Rubric.State.DRAFT:
            raise RubricNotEditable()

    @property
    def is_must_have(self) -> bool:
        return self.kind == self.Kind.MUST_HAVE

    @property
    def is_screening(self) -> bool:
        return self.kind == self.Kind.SCREENING

    def source_text(self) -> str:
        if self.source_start is None or self.source_end is None:
            return ""
        return self.rubric.posting.raw_text[self.source_start : self.source_end]
