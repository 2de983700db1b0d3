"""Stored reports in the admin: each one's deliveries, a preview, and the
HTML or CSV to download."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.clickjacking import xframe_options_sameorigin

from reports.files import report_file_response
from reports.models import Report, ReportDelivery


class ReportDeliveryInline(admin.TabularInline):
    model = ReportDelivery
    fields = ["recipient", "sent_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = [
        "subject",
        "posting",
        "kind",
        "period_start",
        "period_end",
        "recipient_count",
        "sent_at",
    ]
    list_filter = ["kind", "posting", "sent_at"]
    search_fields = ["subject", "posting__title"]
    list_select_related = ["posting"]
    date_hierarchy = "period_end"
    fields = [
        "subject",
        "posting",
        "kind",
        "period_start",
        "period_end",
        "recipients",
        "calibration_run",
        "created_at",
        "sent_at",
        "preview",
    ]
    readonly_fields = fields
    inlines = [ReportDeliveryInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="recipients")
    def recipient_count(self, report):
        return len(report.recipients)

    @admin.display(description="report")
    def preview(self, report):
        html_url = reverse("admin:reports_report_download", args=[report.pk, "html"])
        csv_url = reverse("admin:reports_report_download", args=[report.pk, "csv"])
        return format_html(
            '<p><a class="button" href="{}">Download HTML</a> '
            '<a class="button" href="{}">Download CSV</a></p>'
            '<iframe title="Report" src="{}?inline=1" style="width:800px; max-width:100%; '
            'min-width:760px; height:900px; border:1px solid #ddd" sandbox></iframe>',
            html_url,
            csv_url,
            html_url,
        )

    def get_urls(self):
        return [
            path(
                "<int:report_id>/download/<str:fmt>/",
                # The preview frames it: same origin only.
                self.admin_site.admin_view(xframe_options_sameorigin(self.download_view)),
                name="reports_report_download",
            ),
            *super().get_urls(),
        ]

    def download_view(self, request, report_id: int, fmt: str):
        if not self.has_view_permission(request):
            raise PermissionDenied
        report = get_object_or_404(Report, pk=report_id)
        return report_file_response(report, fmt, inline=bool(request.GET.get("inline")))
