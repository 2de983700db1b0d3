from rest_framework import serializers

from reports.models import Report


class ReportSerializer(serializers.ModelSerializer):
    posting_title = serializers.CharField(source="posting.title", read_only=True)
    delivered_to = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "kind",
            "posting",
            "posting_title",
            "subject",
            "period_start",
            "period_end",
            "recipients",
            "delivered_to",
            "calibration_run",
            "created_at",
            "sent_at",
        ]
        read_only_fields = fields

    def get_delivered_to(self, obj) -> list[str]:
        return [d.recipient for d in obj.deliveries.all()]
