"""Calibration runs in the admin: the list, each run's results with charts,
and a page to start a run (recruiters)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from calibration import charts, selectors
from calibration.models import CalibrationRun
from calibration.scheduling import calibration_request
from core.admin import page_context
from core.roles import is_recruiter
from rubrics.models import Rubric


@admin.register(CalibrationRun)
class CalibrationRunAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "rubric",
        "status",
        "trigger",
        "progress_display",
        "n_ratings",
        "n_reviewers",
        "flagged_reviewers",
        "created_at",
    ]
    list_filter = ["status", "trigger", "rubric__posting"]
    search_fields = ["rubric__posting__title"]
    list_select_related = ["rubric__posting"]
    change_form_template = "admin/calibration/calibrationrun/change_form.html"
    change_list_template = "admin/calibration/calibrationrun/change_list.html"

    def get_queryset(self, request):
        return selectors.runs_with_flag_counts(super().get_queryset(request))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="progress")
    def progress_display(self, run):
        if run.status == CalibrationRun.Status.RUNNING:
            return f"{run.progress}% · {run.progress_message}"
        return run.get_status_display()

    @admin.display(description="flagged reviewers", ordering="flagged_count")
    def flagged_reviewers(self, run):
        return run.flagged_count

    def get_urls(self):
        return [
            path(
                "start/",
                self.admin_site.admin_view(self.start_view),
                name="calibration_calibrationrun_start",
            ),
            path(
                "<int:run_id>/chart/<str:kind>.<str:fmt>",
                self.admin_site.admin_view(self.chart_view),
                name="calibration_calibrationrun_chart",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_object(request, object_id)
        if run is not None:
            extra_context = {
                **(extra_context or {}),
                "run": run,
                "reviewer_rows": run.reviewers.select_related("reviewer").order_by(
                    "-flagged", "severity"
                ),
                "criterion_rows": run.criteria.select_related("criterion").order_by(
                    "criterion__order"
                ),
                "agreement": run.agreement,
                "refresh": run.status
                in (CalibrationRun.Status.QUEUED, CalibrationRun.Status.RUNNING),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def start_view(self, request):
        """Pick a published rubric and start a run (recruiters)."""
        if not is_recruiter(request.user):
            raise PermissionDenied
        if request.method == "POST":
            rubric = get_object_or_404(
                Rubric, pk=request.POST.get("rubric"), state=Rubric.State.PUBLISHED
            )
            run = calibration_request(rubric=rubric, actor=request.user)
            self.message_user(request, f"Calibration of {rubric} queued.", messages.SUCCESS)
            return HttpResponseRedirect(
                reverse("admin:calibration_calibrationrun_change", args=[run.pk])
            )
        context = {
            **page_context(self, request),
            "title": "Start a calibration run",
            "rubrics": selectors.rubrics_to_start(),
        }
        return TemplateResponse(request, "admin/calibration/calibrationrun/start.html", context)

    def chart_view(self, request, run_id: int, kind: str, fmt: str):
        if not self.has_view_permission(request):
            raise PermissionDenied
        if fmt not in ("png", "svg") or kind not in ("severity", "distribution", "agreement"):
            raise Http404("No such chart.")
        run = selectors.run_for_charts(run_id)
        if run is None:
            raise Http404("No such calibration run.")
        reviewers = list(run.reviewers.select_related("reviewer"))
        if kind == "severity":
            content = charts.severity_chart(reviewers, fmt)
        elif kind == "distribution":
            content = charts.distribution_chart(reviewers, run.rubric.level_labels, fmt)
        else:
            content = charts.agreement_chart(
                run.criteria.select_related("criterion").order_by("criterion__order"), fmt
            )
        content_type = "image/svg+xml" if fmt == "svg" else "image/png"
        return HttpResponse(content, content_type=content_type)
