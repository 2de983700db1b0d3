from rest_framework import serializers

from calibration import selectors
from calibration.models import CalibrationRun, CriterionCalibration, ReviewerCalibration
from calibration.numbers import CRITERION_NUMBERS, REVIEWER_NUMBERS, RUN_NUMBERS


class ReviewerCalibrationSerializer(serializers.ModelSerializer):
    reviewer_name = serializers.CharField(source="reviewer.get_full_name", read_only=True)

    class Meta:
        model = ReviewerCalibration
        fields = [
            "reviewer",
            "reviewer_name",
            *REVIEWER_NUMBERS,
            "flagged",
            "flag_reason",
        ]
        read_only_fields = fields


class CriterionCalibrationSerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="criterion.title", read_only=True)

    class Meta:
        model = CriterionCalibration
        fields = [
            "criterion",
            "title",
            *CRITERION_NUMBERS,
            "flagged",
            "flag_reason",
        ]
        read_only_fields = fields


class ReviewerGroupSerializer(serializers.Serializer):
    """Reviewers linked through shared candidates: severities and adjusted
    scores compare only within one group."""

    number = serializers.IntegerField(read_only=True)
    reviewers = serializers.ListField(
        child=serializers.IntegerField(), read_only=True, help_text="User ids."
    )
    applications = serializers.IntegerField(
        read_only=True, help_text="Applications scored by this group's reviewers."
    )


class CalibrationRunSerializer(serializers.ModelSerializer):
    groups = ReviewerGroupSerializer(many=True, read_only=True)

    class Meta:
        model = CalibrationRun
        fields = [
            "id",
            "rubric",
            "status",
            "trigger",
            "task_id",
            "progress",
            "progress_message",
            "created_at",
            "started_at",
            "finished_at",
            "n_ratings",
            "n_applications",
            "n_reviewers",
            "agreement",
            *RUN_NUMBERS,
            "groups",
            "error",
        ]
        read_only_fields = fields


class CalibrationRunDetailSerializer(CalibrationRunSerializer):
    reviewers = ReviewerCalibrationSerializer(many=True, read_only=True)
    criteria = CriterionCalibrationSerializer(many=True, read_only=True)
    warnings = serializers.SerializerMethodField(
        help_text="What a reader must know before comparing the results: with more than "
        "one group of reviewers, which reviewers are in which, that adjusted scores "
        "compare only within a group, and how to link the groups. Empty otherwise."
    )

    class Meta(CalibrationRunSerializer.Meta):
        fields = [*CalibrationRunSerializer.Meta.fields, "warnings", "reviewers", "criteria"]
        read_only_fields = fields

    def get_warnings(self, run) -> list[str]:
        return selectors.run_warnings(run)


class CalibrationStartSerializer(serializers.Serializer):
    rubric = serializers.IntegerField()
    method = serializers.ChoiceField(
        choices=CalibrationRun.Method.choices,
        default=CalibrationRun.Method.LINEAR,
        help_text="The rater-effects model: `linear` (the default, scale points) or "
        "`rasch` (a many-facet Rasch rating-scale model, logits).",
    )


class CalibrationStatusSerializer(serializers.Serializer):
    run = serializers.IntegerField()
    status = serializers.CharField()
    progress = serializers.IntegerField()
    message = serializers.CharField(allow_blank=True)
    task_id = serializers.CharField(allow_blank=True)
    task_state = serializers.CharField(allow_null=True)
