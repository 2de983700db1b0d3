"""Stored reports in the admin: each one's deliveries, a preview, and the
HTML or CSV to download; and a posting's digest for a chosen period,
previewed or sent now."""

import smtplib

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.clickjacking import xframe_options_sameorigin

from core.admin import page_context
from core.errors import ServiceError
from core.roles import is_recruiter
from reports import services
from reports.digest import DigestPeriod, html_with_inline_images
from reports.files import report_file_response
from reports.forms import DigestForm
from reports.models import Report, ReportDelivery

# Links in the previewed digest open in a new tab: the frame is sandboxed
# (no scripts, an origin of its own) and may only open pop-ups.
PREVIEW_BASE = '<base target="_blank">'


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
        "period",
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
        "recipient_list",
        "calibration_run",
        "created_at",
        "sent_at",
        "preview",
    ]
    readonly_fields = fields
    inlines = [ReportDeliveryInline]
    change_list_template = "admin/reports/report/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="period", ordering="period_end")
    def period(self, report):
        return DigestPeriod(report.period_start, report.period_end).label

    @admin.display(description="recipients")
    def recipient_count(self, report):
        return len(report.recipients)

    @admin.display(description="recipients")
    def recipient_list(self, report):
        return ", ".join(report.recipients) or "—"

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
            path(
                "digest/",
                self.admin_site.admin_view(self.digest_view),
                name="reports_report_digest",
            ),
            *super().get_urls(),
        ]

    def download_view(self, request, report_id: int, fmt: str):
        if not self.has_view_permission(request):
            raise PermissionDenied
        report = get_object_or_404(Report, pk=report_id)
        return report_file_response(report, fmt, inline=bool(request.GET.get("inline")))

    def digest_view(self, request):
        """A posting's digest for a chosen period: GET previews it (nothing
        stored; `?posting=N` alone previews this week so far), POST sends
        it now and opens the stored report. Recruiters only."""
        if not is_recruiter(request.user):
            raise PermissionDenied
        if request.method == "POST":
            form = DigestForm(request.POST)
            if form.is_valid():
                response = self._send_now(request, form)
                if response is not None:
                    return response
        elif "posting" in request.GET:
            data = request.GET.copy()
            data.setdefault("period", DigestForm.Period.THIS_WEEK)
            form = DigestForm(data)
        else:
            form = DigestForm()
        preview = None
        if form.is_bound and form.is_valid():
            digest = services.digest_preview(
                posting=form.cleaned_data["posting"],
                period=form.digest_period(),
                viewer=request.user,
            )
            preview = {
                "digest": digest,
                "html": html_with_inline_images(digest.html, digest.images).replace(
                    "<head>", "<head>" + PREVIEW_BASE, 1
                ),
                "recipients": services.digest_recipients(digest.posting),
            }
        context = {
            **page_context(self, request),
            "title": "Preview or send a digest",
            "form": form,
            "preview": preview,
            "custom": DigestForm.Period.CUSTOM,
        }
        return TemplateResponse(request, "admin/reports/report/digest.html", context)

    def _send_now(self, request, form):
        """Store the digest and send it; the stored report's page, with a
        message that says what happened, or None to show the form again."""
        try:
            report = services.digest_store(
                posting=form.cleaned_data["posting"],
                period=form.digest_period(),
                actor=request.user,
            )
        except ServiceError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return None
        url = reverse("admin:reports_report_change", args=[report.pk])
        link = format_html('“<a href="{}">{}</a>”', url, report.subject)
        try:
            sent = services.report_send(report=report, actor=request.user)
        except (smtplib.SMTPException, OSError) as exc:
            # Stored, and whoever was served is recorded (see the deliveries).
            self.message_user(
                request,
                format_html("{} is stored, but the mail server failed: {}", link, str(exc)),
                messages.ERROR,
            )
            return HttpResponseRedirect(url)
        if sent == len(report.recipients):
            text = format_html("{} sent to {}.", link, ", ".join(report.recipients))
            self.message_user(request, text, messages.SUCCESS)
        elif sent:
            text = format_html(
                "{} sent to the {} recipient(s) who did not have it yet.", link, sent
            )
            self.message_user(request, text, messages.SUCCESS)
        else:
            text = format_html(
                "{} had already gone to every recipient; nothing was sent again.", link
            )
            self.message_user(request, text, messages.WARNING)
        return HttpResponseRedirect(url)


# Adverse-impact analysis registers its own admin (demographics and the report page).
from reports.impact import admin as impact_admin  # noqa: E402, F401
