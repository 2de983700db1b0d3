"""Calibration runs in the admin: the list, each run's results with charts,
and a page to start a run (recruiters)."""

import json
import re

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime

from calibration import charts, explain, selectors
from calibration.compute import MIN_SCORECARDS_TO_FLAG, MIN_SHARED_APPLICATIONS_TO_FLAG
from calibration.models import CalibrationRun
from calibration.numbers import CRITERION_NUMBERS, REVIEWER_NUMBERS, RUN_NUMBERS
from calibration.scheduling import calibration_request
from calibration.stats import diagnostics
from core.admin import page_context
from core.roles import is_recruiter
from rubrics.models import Rubric

# The diagnostics' thresholds, for the column help of the run page.
THRESHOLDS = {
    "misfit": diagnostics.MISFIT_ABOVE,
    "muted": diagnostics.MUTED_BELOW,
    "halo": diagnostics.HALO_ABOVE,
    "central_tendency": diagnostics.CENTRAL_TENDENCY_ABOVE,
    "restricted_range": diagnostics.RESTRICTED_RANGE_BELOW,
}


@admin.register(CalibrationRun)
class CalibrationRunAdmin(admin.ModelAdmin):
    list_display = [
        "run_label",
        "status",
        "trigger",
        "method",
        "progress_display",
        "ratings",
        "reviewers",
        "flagged_reviewers",
        "created",
    ]
    list_filter = ["status", "trigger", "method", "rubric__posting"]
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

    @admin.display(description="run", ordering="-created_at")
    def run_label(self, run):
        return f"#{run.pk} · {run.rubric.posting.title} v{run.rubric.version}"

    @admin.display(description="created", ordering="created_at")
    def created(self, run):
        return date_format(localtime(run.created_at), "j M Y, H:i")

    @admin.display(description="ratings", ordering="n_ratings")
    def ratings(self, run):
        return run.n_ratings

    @admin.display(description="reviewers", ordering="n_reviewers")
    def reviewers(self, run):
        return run.n_reviewers

    @admin.display(description="progress")
    def progress_display(self, run):
        """A bar while the run works; nothing otherwise (the status says the rest)."""
        if run.status != CalibrationRun.Status.RUNNING:
            return "—"
        return format_html(
            '<progress value="{}" max="100" title="{}">{}%</progress> {}%',
            run.progress,
            run.progress_message,
            run.progress,
            run.progress,
        )

    @admin.display(description="flagged", ordering="flagged_count")
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
        run = selectors.run_for_page(object_id) if re.fullmatch(r"[0-9]+", str(object_id)) else None
        if run is not None:
            extra_context = {**(extra_context or {}), **self._run_context(run)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _run_context(self, run: CalibrationRun) -> dict:
        reviewer_rows = list(run.reviewers.all())
        criterion_rows = list(run.criteria.all())
        reviewers = []
        unit = "logits" if run.method == CalibrationRun.Method.RASCH else "points"
        for row in reviewer_rows:
            words = explain.Reviewer(
                name=row.reviewer.get_full_name() or row.reviewer.get_username(),
                n_scorecards=row.n_scorecards or row.n_applications,
                severity=row.severity_shrunk,
                flagged=row.flagged,
                flag_reason=row.flag_reason,
                drift=row.drift,
                flags=tuple(row.diagnostic_flags or ()),
                infit=row.infit,
                outfit=row.outfit,
                halo=row.halo,
                central_tendency=row.central_tendency,
                range_ratio=row.range_ratio,
                unit=unit,
            )
            reviewers.append(words)
            row.name = words.name
            row.severity_text = explain.interval_words(row.severity_shrunk, row.severity_sd_shrunk)
            row.drift_text = explain.with_se(row.drift, row.drift_se)
            row.diagnostics = set(row.diagnostic_flags or ())
            row.flag_labels = explain.flag_labels(row.diagnostic_flags or ())
            row.todo = explain.reviewer_todo(words)
        criteria = []
        for row in criterion_rows:
            words = explain.Criterion(
                title=row.criterion.title,
                alpha=row.alpha_interval,
                flagged=row.flagged,
                flag_reason=row.flag_reason,
            )
            criteria.append(words)
            row.todo = explain.criterion_todo(words)
            row.agreement_words = explain.agreement_words(row.alpha_interval)
        raw = {
            **{f: getattr(run, f) for f in RUN_NUMBERS},
            "groups": run.groups,
            "agreement": run.agreement,
            "reviewers": [
                {
                    "reviewer": r.name,
                    **{f: getattr(r, f) for f in REVIEWER_NUMBERS},
                }
                for r in reviewer_rows
            ],
            "criteria": [
                {
                    "criterion": c.criterion.title,
                    **{f: getattr(c, f) for f in CRITERION_NUMBERS},
                }
                for c in criterion_rows
            ],
        }
        return {
            "run": run,
            "reviewer_rows": reviewer_rows,
            "criterion_rows": criterion_rows,
            "summary": explain.summary(
                reviewers=reviewers,
                criteria=criteria,
                n_ratings=run.n_ratings,
                n_applications=run.n_applications,
                min_scorecards=MIN_SCORECARDS_TO_FLAG,
            ),
            "statistics": explain.rubric_statistics(
                run.agreement,
                alpha_median=run.alpha_median,
                alpha_min=run.alpha_min,
                alpha_max=run.alpha_max,
            ),
            "alpha_range": explain.alpha_range_words(
                run.alpha_median, run.alpha_min, run.alpha_max
            ),
            "separation": explain.separation_sentence(
                run.separation_index, run.separation_reliability
            ),
            "warnings": selectors.run_warnings(run),
            "groups": selectors.named_groups(run) if run.disconnected else [],
            "unit": unit,
            "thresholds": THRESHOLDS,
            "raw_json": json.dumps(raw, indent=2, ensure_ascii=False),
            "min_scorecards": MIN_SCORECARDS_TO_FLAG,
            "min_shared": MIN_SHARED_APPLICATIONS_TO_FLAG,
            "refresh": run.status in (CalibrationRun.Status.QUEUED, CalibrationRun.Status.RUNNING),
        }

    def start_view(self, request):
        """Pick a published rubric and start a run (recruiters). The message
        says what happened: without a broker the run has finished by now; with
        one it is queued, or joins a run of the rubric still waiting in the
        queue rather than queuing a second."""
        if not is_recruiter(request.user):
            raise PermissionDenied
        if request.method == "POST":
            rubric = get_object_or_404(
                Rubric, pk=request.POST.get("rubric"), state=Rubric.State.PUBLISHED
            )
            method = request.POST.get("method") or CalibrationRun.Method.LINEAR
            if method not in CalibrationRun.Method.values:
                self.message_user(
                    request,
                    f"Choose a method: {', '.join(CalibrationRun.Method.values)}.",
                    messages.ERROR,
                )
                return HttpResponseRedirect(reverse("admin:calibration_calibrationrun_start"))
            waiting = selectors.queued_run(rubric) if settings.BROKER_CONFIGURED else None
            if waiting is not None:
                self.message_user(
                    request,
                    format_html(
                        "A calibration of {} was already waiting in the queue as run "
                        '<a href="{}">#{}</a>; your request joins it rather than starting '
                        "another. It will read every scorecard submitted until it starts.",
                        rubric,
                        self._run_url(waiting),
                        waiting.pk,
                    ),
                    messages.INFO,
                )
                return HttpResponseRedirect(self._run_url(waiting))
            run = calibration_request(rubric=rubric, actor=request.user, method=method)
            run.refresh_from_db()
            level, message = self._outcome(run)
            self.message_user(request, message, level)
            return HttpResponseRedirect(self._run_url(run))
        context = {
            **page_context(self, request),
            "title": "Start a calibration run",
            "rubrics": selectors.rubrics_to_start(),
            "methods": CalibrationRun.Method.choices,
        }
        return TemplateResponse(request, "admin/calibration/calibrationrun/start.html", context)

    def _run_url(self, run: CalibrationRun) -> str:
        return reverse("admin:calibration_calibrationrun_change", args=[run.pk])

    def _outcome(self, run: CalibrationRun) -> tuple[int, str]:
        """The message for a run just requested, from its state now."""
        link = format_html('<a href="{}">#{}</a>', self._run_url(run), run.pk)
        if run.status == CalibrationRun.Status.SUCCEEDED:
            reviewers, criteria = selectors.flag_counts(run)
            flagged = (
                f"{_count(reviewers, 'reviewer')} and {_count(criteria, 'criterion', 'criteria')} "
                "flagged"
                if reviewers or criteria
                else "nothing flagged"
            )
            return messages.SUCCESS, format_html(
                "Calibration run {} finished: {} ratings of {} by {}; {}.",
                link,
                f"{run.n_ratings:,}",
                _count(run.n_applications, "application"),
                _count(run.n_reviewers, "reviewer"),
                flagged,
            )
        if run.status == CalibrationRun.Status.FAILED:
            return messages.ERROR, format_html(
                "Calibration run {} failed: {}", link, run.error or "no reason given."
            )
        if run.status == CalibrationRun.Status.RUNNING:
            return messages.SUCCESS, format_html(
                "Calibration run {} has started; its page shows the progress.", link
            )
        if settings.BROKER_CONFIGURED:
            return messages.SUCCESS, format_html(
                "Calibration run {} is queued: a worker will start it shortly, and its page "
                "shows the progress.",
                link,
            )
        return messages.SUCCESS, format_html(
            "Calibration run {} is queued; its page shows the progress.", link
        )

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
            unit = "logits" if run.method == CalibrationRun.Method.RASCH else "scale points"
            content = charts.severity_chart(reviewers, fmt, unit=unit)
        elif kind == "distribution":
            content = charts.distribution_chart(reviewers, run.rubric.level_labels, fmt)
        else:
            content = charts.agreement_chart(
                run.criteria.select_related("criterion").order_by("criterion__order"), fmt
            )
        content_type = "image/svg+xml" if fmt == "svg" else "image/png"
        return HttpResponse(content, content_type=content_type)


def _count(n: int, singular: str, plural: str = "") -> str:
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


from calibration import admin_sessions  # noqa: E402, F401  (calibration sessions)
