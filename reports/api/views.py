from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer, StaticHTMLRenderer

from core.api.permissions import IsRecruiter
from reports import selectors
from reports.api.renderers import CSVRenderer
from reports.api.serializers import ReportSerializer
from reports.files import report_file_response


class ReportViewSet(viewsets.ReadOnlyModelViewSet):
    """Stored digests (recruiters): metadata, and the HTML or CSV to download."""

    permission_classes = [IsRecruiter]
    serializer_class = ReportSerializer
    filterset_fields = ["posting", "kind"]
    ordering_fields = ["period_end", "created_at"]
    ordering = ["-period_end", "-id"]

    def get_queryset(self):
        return selectors.reports_with_deliveries()

    @extend_schema(responses={(200, "text/html"): bytes}, summary="The report's HTML")
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, StaticHTMLRenderer])
    def html(self, request, pk=None):
        return report_file_response(self.get_object(), "html")

    @extend_schema(responses={(200, "text/csv"): bytes}, summary="The report's CSV attachment")
    @action(
        detail=True, methods=["get"], url_path="csv", renderer_classes=[JSONRenderer, CSVRenderer]
    )
    def csv_file(self, request, pk=None):
        return report_file_response(self.get_object(), "csv")
