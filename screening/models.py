import uuid

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

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
    # Erasure (screening/privacy/erasure.py): the row stays as a pseudonymous key for the
    # ratings; its personal data is replaced by "Erased candidate #<pseudonym>".
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)
    pseudonym = models.CharField(max_length=16, null=True, blank=True, unique=True, editable=False)
    # A legal hold keeps the candidate from erasure, by request or by retention.
    legal_hold = models.BooleanField(default=False, editable=False)
    legal_hold_reason = models.TextField(blank=True, editable=False)
    legal_hold_by = actor_field(editable=False)
    legal_hold_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["full_name", "id"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="candidate_email_unique_ci"),
            models.CheckConstraint(
                condition=Q(legal_hold=False) | ~Q(legal_hold_reason=""),
                name="candidate_hold_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(erased_at__isnull=True) | Q(pseudonym__isnull=False),
                name="candidate_erased_has_pseudonym",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None


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


def _document_path(document: "Document", filename: str) -> str:
    # Never the uploader's name: a random one, with the extension the content says.
    return f"documents/{uuid.uuid4().hex}.{document.kind}"


def _page_image_path(page: "DocumentPage", filename: str) -> str:
    return f"documents/pages/{uuid.uuid4().hex}.png"


class Document(models.Model):
    """A file a candidate sent for one application (a résumé, a cover letter, other
    material), checked by its content; its text is read by a task after upload."""

    class Role(models.TextChoices):
        RESUME = "resume", "Résumé"
        COVER_LETTER = "cover_letter", "Cover letter"
        OTHER = "other", "Other"

    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "Word document"
        TXT = "txt", "Plain text"

    class Status(models.TextChoices):
        PENDING = "pending", "Reading the text"
        READY = "ready", "Ready"
        FAILED = "failed", "Could not be read"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    role = models.CharField(max_length=16, choices=Role, default=Role.RESUME)
    kind = models.CharField(max_length=8, choices=Kind)
    original_name = models.CharField(max_length=255)
    file = models.FileField(upload_to=_document_path, max_length=200)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status, default=Status.PENDING)
    error = models.TextField(blank=True)
    needs_ocr = models.BooleanField(
        default=False, help_text="A scan: its pages carry no text to read."
    )
    uploaded_by = actor_field()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["application", "role", "created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="document_size_positive"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "ready", "failed"]),
                name="document_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(role__in=["resume", "cover_letter", "other"]),
                name="document_role_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["pdf", "docx", "txt"]), name="document_kind_valid"
            ),
            # A failed document says why; no other document carries an error.
            models.CheckConstraint(
                condition=(Q(status="failed") & ~Q(error="")) | (~Q(status="failed") & Q(error="")),
                name="document_error_iff_failed",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name


class DocumentPage(models.Model):
    """One page of a document's text (as extracted and normalised: evidence offsets index
    into it) and, for a PDF, the page drawn as a PNG and where its words sit on it."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="pages")
    number = models.PositiveIntegerField()
    text = models.TextField(blank=True)
    image = models.FileField(upload_to=_page_image_path, max_length=200, null=True, blank=True)
    # {"width": pt, "height": pt, "words": [[start, end, x0, y0, x1, y1], ...]}: each word's
    # span of ``text`` and its box as fractions of the page drawn, y from the top
    # (screening.documents.boxes). None: not a PDF, or read before the boxes were kept.
    boxes = models.JSONField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["document", "number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="page_one_per_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="page_number_positive"),
            models.CheckConstraint(
                condition=Q(boxes__isnull=True) | Q(boxes__has_keys=["width", "height", "words"]),
                name="page_boxes_shape",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document}, page {self.number}"


def _delete_files_on_commit(*files) -> None:
    """Remove stored files once the deletion of their rows commits (a rolled-back delete
    keeps them)."""
    names = [(f.storage, f.name) for f in files if f]
    if names:
        transaction.on_commit(lambda: [storage.delete(name) for storage, name in names])


@receiver(post_delete, sender=Document)
def _document_deleted(sender, instance: Document, **kwargs) -> None:
    # Also when an application's deletion cascades here: the files go with the rows.
    _delete_files_on_commit(instance.file)


@receiver(post_delete, sender=DocumentPage)
def _page_deleted(sender, instance: DocumentPage, **kwargs) -> None:
    _delete_files_on_commit(instance.image)


class RetentionRun(models.Model):
    """One pass of the retention rule (screening/privacy/retention.py): the candidates it
    erased, by pseudonym only, and how many it left alone for a legal hold."""

    class Trigger(models.TextChoices):
        NIGHTLY = "nightly", "Nightly"
        MANUAL = "manual", "Started by hand"

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    trigger = models.CharField(max_length=16, choices=Trigger, default=Trigger.NIGHTLY)
    dry_run = models.BooleanField(default=False)
    due_count = models.PositiveIntegerField("due for erasure", default=0)
    erased_count = models.PositiveIntegerField(default=0)
    held_count = models.PositiveIntegerField("skipped for a legal hold", default=0)
    # Pseudonyms of the candidates erased (never a name).
    pseudonyms = models.JSONField(default=list, blank=True)
    started_by = actor_field()

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(trigger__in=["nightly", "manual"]), name="retention_trigger_valid"
            ),
            models.CheckConstraint(
                condition=Q(dry_run=False) | Q(erased_count=0), name="retention_dry_run_erases_none"
            ),
        ]

    def __str__(self) -> str:
        kind = "Dry run" if self.dry_run else "Retention run"
        return f"{kind} of {timezone.localtime(self.started_at):%Y-%m-%d %H:%M}"


class ApplicationScore(models.Model):
    """What the ranking shows, sorts and filters on for one application, kept current by
    ``screening.scores.refresh_application_scores`` in the transaction of every change that
    moves it (a submit, a reopen, an assignment added or removed, a stage change, an
    application opened or imported, a calibration run stored). Readers of the ranking read
    these rows only: one indexed query a page, whatever the posting's size. Every value is
    derivable from the ratings (``manage.py rebuild_application_scores --check`` compares)."""

    class MustHaves(models.TextChoices):
        PASS = "pass", "Pass"
        FAIL = "fail", "Fail"
        UNSCORED = "unscored", "Not scored yet"

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, primary_key=True, related_name="stored_score"
    )
    # Denormalised from the application so that each sort and filter is one index range.
    posting = models.ForeignKey(JobPosting, on_delete=models.CASCADE, related_name="+")
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="+")
    candidate_name = models.CharField(max_length=200)
    # The name as Python's str.lower() gives it: ties and the name order sort on it, by
    # code point (the column is collated "C" on PostgreSQL), as the ranking always has.
    name_key = models.CharField(max_length=200)
    stage = models.CharField(max_length=16, choices=Application.Stage)
    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="+", db_index=False)
    rubric_version = models.PositiveIntegerField()
    submitted = models.PositiveIntegerField(default=0)
    pending = models.PositiveIntegerField(default=0)
    # Criterion id (as text) → the mean over the submitted scorecards; screening questions
    # → [yes, no] counts.
    consensus = models.JSONField(default=dict, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    # The weighted score of the consensus, rounded to 2 places as the ranking shows it.
    score = models.FloatField(null=True, blank=True)
    has_score = models.BooleanField(default=False)
    must_haves = models.CharField(max_length=8, choices=MustHaves, default=MustHaves.UNSCORED)
    # The knockout result of the consensus alone, and of the screening questions alone.
    must_haves_met = models.BooleanField(null=True, blank=True)
    questions_passed = models.BooleanField(null=True, blank=True)
    # Titles of the failed must-haves and screening questions, in the rubric's order.
    failed = models.JSONField(default=list, blank=True)
    strong_no = models.PositiveIntegerField(default=0)
    no = models.PositiveIntegerField(default=0)
    yes = models.PositiveIntegerField(default=0)
    strong_yes = models.PositiveIntegerField(default=0)
    # Submitted without a recommendation (imported ratings).
    unrecommended = models.PositiveIntegerField(default=0)
    # From the latest successful calibration run of the application's rubric (no foreign
    # key: calibration is built on screening, not the other way round).
    adjusted_score = models.FloatField(null=True, blank=True)
    has_adjusted = models.BooleanField(default=False)
    adjusted_group = models.PositiveSmallIntegerField(null=True, blank=True)
    adjusted_run_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True, has_score=False)
                | Q(score__gte=0, score__lte=100, has_score=True),
                name="score_has_score",
            ),
            models.CheckConstraint(
                condition=Q(adjusted_score__isnull=True, has_adjusted=False)
                | Q(adjusted_score__isnull=False, has_adjusted=True, submitted__gt=0),
                name="score_has_adjusted",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True, submitted=0, must_haves="unscored")
                | Q(score__isnull=False, submitted__gt=0, must_haves__in=["pass", "fail"]),
                name="score_only_when_submitted",
            ),
            models.CheckConstraint(
                condition=Q(
                    strong_no=F("submitted")
                    - F("no")
                    - F("yes")
                    - F("strong_yes")
                    - F("unrecommended")
                ),
                name="score_tally_is_submitted",
            ),
            models.CheckConstraint(
                condition=Q(stage__in=Application.Stage.values), name="score_stage_valid"
            ),
        ]
        # One per sort of the ranking (descending and ascending: ties always by name A to
        # Z), and one per filter with the default order (highest score first).
        indexes = [
            models.Index(
                fields=["posting", "-has_score", "-score", "name_key", "application"],
                name="score_rank_desc",
            ),
            models.Index(
                fields=["posting", "-has_score", "score", "name_key", "application"],
                name="score_rank_asc",
            ),
            models.Index(
                fields=["posting", "-has_adjusted", "-adjusted_score", "name_key", "application"],
                name="score_adjusted_desc",
            ),
            models.Index(
                fields=["posting", "-has_adjusted", "adjusted_score", "name_key", "application"],
                name="score_adjusted_asc",
            ),
            models.Index(fields=["posting", "name_key", "application"], name="score_name_asc"),
            models.Index(fields=["posting", "-name_key", "application"], name="score_name_desc"),
            models.Index(
                fields=["posting", "submitted", "name_key", "application"],
                name="score_submitted_asc",
            ),
            models.Index(
                fields=["posting", "-submitted", "name_key", "application"],
                name="score_submitted_desc",
            ),
            models.Index(
                fields=["posting", "stage", "-has_score", "-score", "name_key", "application"],
                name="score_stage_rank",
            ),
            models.Index(
                fields=["posting", "-stage", "name_key", "application"], name="score_stage_desc"
            ),
            models.Index(
                fields=["posting", "stage", "name_key", "application"], name="score_stage_asc"
            ),
            models.Index(
                fields=["posting", "must_haves", "-has_score", "-score", "name_key", "application"],
                name="score_must_haves_rank",
            ),
        ]

    def __str__(self) -> str:
        return f"Score of {self.application_id}: {self.score}"


class ApplicationScoreCount(models.Model):
    """How many stored rows (``ApplicationScore``) a posting has per stage and must-have
    result, kept by the database itself: triggers on the stored rows add a row here for
    each change of that number (+n for rows inserted, -n for rows deleted, -1 and +1 for a
    row moving between stages or results), so the ranking's count is a sum over a handful
    of rows instead of a scan of the posting's rows, and writers never wait for each other
    on a shared counter. ``screening.score_counts`` reads the sums and folds a posting's
    rows into one per stage and result once they grow many (migration 0016 holds the
    triggers, for PostgreSQL and SQLite)."""

    # No foreign key: a posting deleted takes its stored rows with it, and the triggers
    # write the rows that cancel them out while the posting is being deleted.
    posting_id = models.BigIntegerField()
    stage = models.CharField(max_length=16)
    must_haves = models.CharField(max_length=8)
    delta = models.IntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["posting_id", "stage", "must_haves"], name="score_count_posting")
        ]

    def __str__(self) -> str:
        return (
            f"{self.delta:+d} rows of posting {self.posting_id} ({self.stage}, {self.must_haves})"
        )


class ApplicationScoreHistogram(models.Model):
    """How many scored rows (``ApplicationScore``) a posting has at each score, kept by the
    database as ``ApplicationScoreCount`` is (triggers adding +n and -n rows, migration
    0017; folded by the same beat task): a row's rank in the default order is one more than
    the rows scored above it, a sum over the scores above, not a scan of those rows."""

    posting_id = models.BigIntegerField()
    score = models.FloatField()
    delta = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["posting_id", "score"], name="score_histogram_posting")]

    def __str__(self) -> str:
        return f"{self.delta:+d} rows of posting {self.posting_id} at {self.score}"


# The rows above follow every save of an application or a scorecard, whoever makes it (the
# services, the admin, a fixture), in the same transaction; bulk writes call the refresh
# themselves (imports, calibration runs).


@receiver(post_save, sender=Application)
def _application_saved(sender, instance: Application, raw=False, **kwargs) -> None:
    if not raw:
        from screening.scores import refresh_application_scores

        refresh_application_scores([instance.pk])


@receiver(post_save, sender=Scorecard)
def _scorecard_saved(sender, instance: Scorecard, created=False, raw=False, **kwargs) -> None:
    # A draft saved again (the autosave) moves nothing the ranking shows.
    if raw or (not created and not instance.is_submitted and instance.reopened_at is None):
        return
    from screening.scores import refresh_application_scores

    refresh_application_scores([instance.application_id])


@receiver(post_delete, sender=Scorecard)
def _scorecard_deleted(sender, instance: Scorecard, **kwargs) -> None:
    # An assignment removed (its scorecard goes with it). Never creates a row: when the
    # application itself is being deleted, its score row goes too.
    from screening.scores import refresh_application_scores

    refresh_application_scores([instance.application_id], create=False)


@receiver(post_save, sender=Candidate)
def _candidate_saved(sender, instance: Candidate, created=False, raw=False, **kwargs) -> None:
    if not (raw or created):
        ApplicationScore.objects.filter(candidate=instance).exclude(
            candidate_name=instance.full_name
        ).update(candidate_name=instance.full_name, name_key=instance.full_name.lower())
