from rest_framework import serializers

from calibration.models import CalibrationRun, CriterionCalibration, ReviewerCalibration
from calibration.numbers import CRITERION_NUMBERS, REVIEWER_NUMBERS


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


class CalibrationRunSerializer(serializers.ModelSerializer):
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
            "error",
        ]
        read_only_fields = fields


class CalibrationRunDetailSerializer(CalibrationRunSerializer):
    reviewers = ReviewerCalibrationSerializer(many=True, read_only=True)
    criteria = CriterionCalibrationSerializer(many=True, read_only=True)

    class Meta(CalibrationRunSerializer.Meta):
        fields = [*CalibrationRunSerializer.Meta.fields, "reviewers", "criteria"]
        read_only_fields = fields


class CalibrationStartSerializer(serializers.Serializer):
    rubric = serializers.IntegerField()


class CalibrationStatusSerializer(serializers.Serializer):
    run = serializers.IntegerField()
    status = serializers.CharField()
    progress = serializers.IntegerField()
    message = serializers.CharField(allow_blank=True)
    task_id = serializers.CharField(allow_blank=True)
    task_state = serializers.CharField(allow_null=True)
