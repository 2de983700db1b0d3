from rest_framework import serializers
from rest_framework.reverse import reverse

from screening.anonymity import anonymous_document_name, candidate_code
from screening.models import Application, Candidate, Document, ReviewAssignment, Scorecard
from screening.selectors import is_overdue


def _hidden(row) -> bool:
    """The selector's ``candidate_hidden`` annotation (`screening.anonymity`); a row read
    without it is shown hidden, never by mistake in the clear."""
    return getattr(row, "candidate_hidden", True)


class CandidateSerializer(serializers.ModelSerializer):
    links = serializers.ListField(child=serializers.URLField(), required=False)

    class Meta:
        model = Candidate
        fields = ["id", "full_name", "email", "phone", "links", "notes", "created_at"]
        read_only_fields = ["id", "created_at"]
        # Uniqueness is the service's to check (case-insensitively).
        extra_kwargs = {"email": {"validators": []}}


class CandidateEraseSerializer(serializers.Serializer):
    reference = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="The request this erasure answers (e.g. a ticket number); no personal data.",
    )


class CandidateErasedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField(help_text='The placeholder, "Erased candidate #…".')
    pseudonym = serializers.CharField()
    erased_at = serializers.DateTimeField()
    counts = serializers.DictField(
        child=serializers.IntegerField(), help_text="What the erasure removed or rewrote."
    )


class CandidateForReviewerSerializer(serializers.ModelSerializer):
    """What a reviewer may know of a candidate: the name and links; on an anonymised review,
    a code for the name and no links, until they submit."""

    class Meta:
        model = Candidate
        fields = ["id", "full_name", "links"]
        read_only_fields = fields

    def to_representation(self, candidate):
        data = super().to_representation(candidate)
        if _hidden(candidate):
            data.update(full_name=candidate_code(candidate.pk), links=[])
        return data


class CandidateAsReadSerializer(CandidateSerializer):
    """The schema of a candidate as read (never used to serialize): a recruiter gets every
    field, a reviewer only `id`, `full_name` and `links`, so the rest are optional."""

    email = serializers.EmailField(required=False)
    phone = serializers.CharField(required=False)
    notes = serializers.CharField(required=False)
    created_at = serializers.DateTimeField(required=False)

    class Meta(CandidateSerializer.Meta):
        read_only_fields = ["id"]


class ApplicationSerializer(serializers.ModelSerializer):
    candidate_name = serializers.SerializerMethodField(
        help_text="The candidate's name, or a code such as “Candidate 7F3K” while your "
        "review of an anonymised posting is not submitted."
    )
    posting_title = serializers.CharField(source="posting.title", read_only=True)
    rubric_version = serializers.IntegerField(source="rubric.version", read_only=True)
    submitted_count = serializers.IntegerField(read_only=True)
    pending_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Application
        fields = [
            "id",
            "candidate",
            "candidate_name",
            "posting",
            "posting_title",
            "rubric",
            "rubric_version",
            "stage",
            "submitted_count",
            "pending_count",
            "created_at",
        ]
        read_only_fields = ["id", "rubric", "created_at"]
        validators = []  # the service checks one application per candidate and posting

    def get_candidate_name(self, application) -> str:
        if _hidden(application):
            return candidate_code(application.candidate_id)
        return application.candidate.full_name


class ApplicationStageSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Application.Stage.choices)


class AssignmentSerializer(serializers.ModelSerializer):
    candidate_name = serializers.SerializerMethodField(
        help_text="The candidate's name, or a code such as “Candidate 7F3K” while your "
        "review of an anonymised posting is not submitted."
    )
    posting_title = serializers.CharField(source="application.posting.title", read_only=True)
    reviewer_name = serializers.CharField(source="reviewer.get_full_name", read_only=True)
    scorecard = serializers.IntegerField(source="scorecard.id", read_only=True)
    status = serializers.CharField(source="scorecard.status", read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = ReviewAssignment
        fields = [
            "id",
            "application",
            "candidate_name",
            "posting_title",
            "reviewer",
            "reviewer_name",
            "due_date",
            "scorecard",
            "status",
            "overdue",
            "created_at",
        ]
        read_only_fields = fields

    def get_overdue(self, obj) -> bool:
        return is_overdue(obj)

    def get_candidate_name(self, assignment) -> str:
        if _hidden(assignment):
            return candidate_code(assignment.application.candidate_id)
        return assignment.application.candidate.full_name


class AssignmentCreateSerializer(serializers.Serializer):
    reviewer = serializers.IntegerField()
    due_date = serializers.DateField(required=False, allow_null=True)


class ScoreSerializer(serializers.Serializer):
    criterion = serializers.IntegerField()
    value = serializers.IntegerField(allow_null=True, required=False, default=None)
    answer = serializers.BooleanField(
        allow_null=True,
        required=False,
        default=None,
        help_text="Screening questions only: true (yes), false (no) or null (not known).",
    )
    # No default: a score sent without a note keeps the note saved before.
    note = serializers.CharField(allow_blank=True, required=False, max_length=5000)


class ScorecardSerializer(serializers.ModelSerializer):
    reviewer = serializers.IntegerField(source="assignment.reviewer_id", read_only=True)
    reviewer_name = serializers.CharField(
        source="assignment.reviewer.get_full_name", read_only=True
    )
    recommendation_label = serializers.CharField(
        source="get_recommendation_display",
        read_only=True,
        allow_null=True,
        help_text="null while the draft has no recommendation.",
    )
    scores = serializers.SerializerMethodField()

    class Meta:
        model = Scorecard
        fields = [
            "id",
            "assignment",
            "application",
            "reviewer",
            "reviewer_name",
            "status",
            "recommendation",
            "recommendation_label",
            "summary",
            "scores",
            "submitted_at",
            "reopened_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_scores(self, obj) -> list[dict]:
        return [
            {"criterion": s.criterion_id, "value": s.value, "answer": s.answer, "note": s.note}
            for s in obj.scores.all()
        ]


class ScorecardWriteSerializer(serializers.Serializer):
    scores = ScoreSerializer(many=True, required=False)
    recommendation = serializers.ChoiceField(
        choices=Scorecard.Recommendation.choices, required=False, allow_null=True
    )
    summary = serializers.CharField(allow_blank=True, required=False, max_length=20000)


class ConsensusSerializer(serializers.Serializer):
    criterion = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()
    weight = serializers.DecimalField(max_digits=5, decimal_places=2)
    value = serializers.FloatField(allow_null=True)


class ApplicationSummarySerializer(serializers.Serializer):
    application = serializers.IntegerField(source="application.id")
    can_see_all = serializers.BooleanField()
    submitted_count = serializers.IntegerField()
    pending_count = serializers.IntegerField()
    score = serializers.FloatField(allow_null=True)
    passes_must_haves = serializers.BooleanField(allow_null=True)
    failed_must_haves = serializers.ListField(child=serializers.CharField())
    consensus = serializers.SerializerMethodField()
    tally = serializers.DictField(child=serializers.IntegerField())
    scorecards = ScorecardSerializer(many=True)

    def get_consensus(self, summary) -> list[dict]:
        if not summary.can_see_all:
            return []
        return [
            {
                "criterion": c.pk,
                "title": c.title,
                "kind": c.kind,
                "weight": c.weight,
                "value": None
                if summary.consensus.get(c.pk) is None
                else round(summary.consensus[c.pk], 3),
            }
            for c in summary.criteria
        ]


class RankingRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    application = serializers.IntegerField(source="row.application_id")
    candidate = serializers.IntegerField(source="row.candidate_id")
    candidate_name = serializers.CharField(source="row.candidate_name")
    stage = serializers.CharField(source="row.stage")
    rubric_version = serializers.IntegerField(source="row.rubric_version")
    score = serializers.FloatField(source="row.score", allow_null=True)
    adjusted_score = serializers.FloatField(
        source="row.adjusted_score",
        allow_null=True,
        help_text="The score with each reviewer's severity taken out (latest calibration run).",
    )
    adjusted_group = serializers.IntegerField(
        source="row.adjusted_group",
        allow_null=True,
        help_text="When the latest calibration found groups of reviewers who share no "
        "candidate, the group of this application: adjusted scores compare only within one "
        "(the `Calibration-Warning` header says which reviewers and how to link them). "
        "Null otherwise.",
    )
    passes_must_haves = serializers.BooleanField(source="row.passes_must_haves", allow_null=True)
    failed_must_haves = serializers.ListField(
        source="row.failed_must_haves", child=serializers.CharField()
    )
    submitted = serializers.IntegerField(source="row.submitted")
    pending = serializers.IntegerField(source="row.pending")
    blind = serializers.BooleanField(
        source="row.blind",
        help_text="You are still scoring this application: its scores stay hidden until "
        "you submit yours.",
    )
    strong_no = serializers.SerializerMethodField()
    no = serializers.SerializerMethodField()
    yes = serializers.SerializerMethodField()
    strong_yes = serializers.SerializerMethodField()

    def get_strong_no(self, item) -> int:
        return item["row"].tally.get(Scorecard.Recommendation.STRONG_NO, 0)

    def get_no(self, item) -> int:
        return item["row"].tally.get(Scorecard.Recommendation.NO, 0)

    def get_yes(self, item) -> int:
        return item["row"].tally.get(Scorecard.Recommendation.YES, 0)

    def get_strong_yes(self, item) -> int:
        return item["row"].tally.get(Scorecard.Recommendation.STRONG_YES, 0)


class DocumentSerializer(serializers.ModelSerializer):
    """A document's metadata and progress (its text and evidence are asked for apart)."""

    status_label = serializers.CharField(source="get_status_display", read_only=True)
    pages_read = serializers.IntegerField(read_only=True)
    original_name = serializers.SerializerMethodField(
        help_text="The uploaded file's name; on an anonymised review not yet submitted, "
        "what the document is (“Résumé (redacted text)”), and `file_url` gives its redacted text."
    )
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id",
            "application",
            "role",
            "kind",
            "original_name",
            "size",
            "sha256",
            "page_count",
            "pages_read",
            "status",
            "status_label",
            "error",
            "needs_ocr",
            "created_at",
            "file_url",
        ]
        read_only_fields = fields

    def get_original_name(self, document) -> str:
        return anonymous_document_name(document) if _hidden(document) else document.original_name

    def get_file_url(self, document) -> str:
        url = reverse("document-file", kwargs={"pk": document.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class DocumentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, max_length=1000)
    role = serializers.ChoiceField(choices=Document.Role.choices, default=Document.Role.RESUME)


class EvidencePassageSerializer(serializers.Serializer):
    page = serializers.IntegerField()
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    snippet = serializers.CharField()
    highlight = serializers.ListField(child=serializers.IntegerField())
    terms = serializers.ListField(child=serializers.CharField())


class DocumentEvidenceSerializer(serializers.Serializer):
    document_id = serializers.IntegerField()
    document_name = serializers.CharField()
    match_count = serializers.IntegerField()
    passages = EvidencePassageSerializer(many=True)


class CriterionEvidenceSerializer(serializers.Serializer):
    criterion_id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()
    terms = serializers.ListField(child=serializers.CharField())
    match_count = serializers.IntegerField()
    documents = DocumentEvidenceSerializer(many=True)
