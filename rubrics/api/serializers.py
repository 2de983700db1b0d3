from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rubrics.models import Criterion, JobPosting, Rubric
from rubrics.selectors import rubric_warnings
from rubrics.weighting import DEFAULT_MUST_HAVE_SHARE


class PostingSerializer(serializers.ModelSerializer):
    rubric_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = JobPosting
        fields = [
            "id",
            "title",
            "team",
            "location",
            "raw_text",
            "source_url",
            "status",
            "anonymised_review",
            "rubric_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "rubric_count", "created_at", "updated_at"]


class PostingListSerializer(PostingSerializer):
    """The list leaves out the posting text, which can run to 200 KB a row."""

    class Meta(PostingSerializer.Meta):
        fields = [f for f in PostingSerializer.Meta.fields if f != "raw_text"]


class CriterionSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(required=False)
    keywords = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    anchors = serializers.ListField(child=serializers.CharField(), required=False)
    source_span = serializers.SerializerMethodField()

    class Meta:
        model = Criterion
        fields = [
            "id",
            "kind",
            "type",
            "title",
            "description",
            "weight",
            "order",
            "knockout_level",
            "keywords",
            "anchors",
            "source_span",
        ]
        extra_kwargs = {"order": {"required": False}}

    def get_source_span(self, obj) -> list[int] | None:
        if obj.source_start is None:
            return None
        return [obj.source_start, obj.source_end]


class RubricWarningSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    criterion = serializers.IntegerField(required=False)
    criterion_title = serializers.CharField(required=False)
    span = serializers.ListField(child=serializers.IntegerField(), required=False)


class RubricSerializer(serializers.ModelSerializer):
    posting_title = serializers.CharField(source="posting.title", read_only=True)
    criteria = CriterionSerializer(many=True, read_only=True)
    warnings = serializers.SerializerMethodField(
        help_text="What to look at before publishing: no must-have, too many criteria, items "
        "that read like duties or were graded with low confidence, requirement-like prose no "
        "criterion covers (with its span in the posting text)."
    )
    weight_total = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text="null for a draft with no criteria.",
    )
    level_labels = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Rubric
        fields = [
            "id",
            "posting",
            "posting_title",
            "version",
            "state",
            "scale_max",
            "level_labels",
            "must_have_share",
            "weight_total",
            "cloned_from",
            "created_at",
            "published_at",
            "retired_at",
            "criteria",
            "warnings",
        ]
        read_only_fields = fields

    @extend_schema_field(RubricWarningSerializer(many=True))
    def get_warnings(self, rubric) -> list[dict]:
        # The criteria are prefetched by the selector: no query per rubric.
        return rubric_warnings(rubric, rubric.criteria.all())


class CriterionFromPostingSerializer(serializers.Serializer):
    start = serializers.IntegerField(min_value=0, help_text="Offset in the posting text.")
    end = serializers.IntegerField(min_value=1, help_text="Offset just past the selection.")
    kind = serializers.ChoiceField(choices=Criterion.Kind.choices, default="must_have")


class RubricGenerateSerializer(serializers.Serializer):
    scale_max = serializers.ChoiceField(choices=Rubric.Scale.choices, default=4)
    must_have_share = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(100),
        default=DEFAULT_MUST_HAVE_SHARE,
    )


class RubricUpdateSerializer(serializers.Serializer):
    scale_max = serializers.ChoiceField(choices=Rubric.Scale.choices, required=False)
    must_have_share = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(100),
        required=False,
    )
    criteria = CriterionSerializer(many=True, required=False)
    # No default: left out, the service decides (a new share given without
    # criteria resets the weights); an explicit false keeps them.
    reweigh = serializers.BooleanField(
        required=False,
        help_text="Reset every weight to the default split for the must-have share. "
        "Left out, a new must-have share given without criteria resets them too.",
    )
