"""Screening in the admin: candidates (with CSV import), applications (with
their consensus, reviewer assignment and the posting ranking), review
assignments for recruiters, and "My reviews" with the scorecard page for
reviewers. Every write goes through screening.services."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.clickjacking import xframe_options_sameorigin

from config.errors import ServiceError
from config.roles import is_recruiter
from core.admin import AuditHistoryMixin
from rubrics.models import JobPosting, Rubric
from screening import selectors, services
from screening.api.renderers import CSVRenderer
from screening.api.serializers import RankingRowSerializer
from screening.calibration import charts
from screening.calibration.services import calibration_request
from screening.forms import (
    AssignReviewersForm,
    CandidateImportForm,
    ScorecardForm,
    answer_choice,
)
from screening.models import (
    Application,
    CalibrationRun,
    Candidate,
    MyReview,
    Report,
    ReportDelivery,
    ReviewAssignment,
    Scorecard,
)
from screening.reports.files import report_file_response


def _page_context(modeladmin, request) -> dict:
    """What every extra admin page of a model needs: the site's context and
    the model's options (for breadcrumbs and permissions)."""
    return {**modeladmin.admin_site.each_context(request), "opts": modeladmin.model._meta}


def _errors_of(exc) -> list[str]:
    if isinstance(exc, ServiceError):
        return [exc.message]
    if hasattr(exc, "error_dict"):
        return [m for messages_ in exc.message_dict.values() for m in messages_]
    return exc.messages


class ServiceErrorsAsMessages:
    """A service refusing a save from the add/change form (a rule the form
    could not check, or a race lost) shows its message instead of a 500."""

    def _changeform_view(self, request, object_id, form_url, extra_context):
        try:
            return super()._changeform_view(request, object_id, form_url, extra_context)
        except (ServiceError, ValidationError) as exc:
            for message in _errors_of(exc):
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


@admin.register(Candidate)
class CandidateAdmin(AuditHistoryMixin, ServiceErrorsAsMessages, admin.ModelAdmin):
    list_display = ["full_name", "email", "phone", "application_count", "created_at"]
    search_fields = ["full_name", "email"]
    list_filter = ["created_at"]
    readonly_fields = ["created_by", "created_at"]
    fields = ["full_name", "email", "phone", "links", "notes", "created_by", "created_at"]
    change_list_template = "admin/screening/candidate/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(application_count=Count("applications"))

    @admin.display(description="applications", ordering="application_count")
    def application_count(self, candidate):
        return candidate.application_count

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in ("full_name", "email", "phone", "links", "notes")}
        if change:
            services.candidate_update(candidate=obj, actor=request.user, **data)
        else:
            created = services.candidate_create(actor=request.user, **data)
            obj.pk, obj.created_at, obj.created_by = created.pk, created.created_at, request.user
            obj._state.adding = False

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="screening_candidate_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """Upload a CSV, see every row it would create and every bad row,
        then confirm; nothing is written until the file is clean."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        preview = None
        form = CandidateImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.data_bytes()
            if "_confirm" in request.POST:
                try:
                    created = services.candidate_import(actor=request.user, data=data)
                except ValidationError as exc:
                    for message in exc.messages:
                        self.message_user(request, message, messages.ERROR)
                else:
                    self.message_user(
                        request, f"Imported {len(created)} candidates.", messages.SUCCESS
                    )
                    return HttpResponseRedirect(reverse("admin:screening_candidate_changelist"))
            preview = services.candidate_import_parse(data)
            form = CandidateImportForm(initial={"content": data.decode("utf-8", "replace")})
        context = {
            **_page_context(self, request),
            "title": "Import candidates from CSV",
            "form": form,
            "preview": preview,
        }
        return TemplateResponse(request, "admin/screening/candidate/import.html", context)


class ScorecardInline(admin.TabularInline):
    model = Scorecard
    fields = [
        "reviewer",
        "status",
        "recommendation",
        "reviewer_score",
        "submitted_at",
        "reopened_at",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("assignment__reviewer", "application__rubric")
            .prefetch_related("scores", "application__rubric__criteria")
        )

    @admin.display(description="reviewer")
    def reviewer(self, card):
        return card.assignment.reviewer.get_full_name() or card.assignment.reviewer.username

    @admin.display(description="weighted score")
    def reviewer_score(self, card):
        if not card.is_submitted:
            return "—"
        return f"{selectors.reviewer_score(card):.1f}"


@admin.register(Application)
class ApplicationAdmin(AuditHistoryMixin, ServiceErrorsAsMessages, admin.ModelAdmin):
    list_display = [
        "candidate",
        "posting",
        "stage",
        "rubric_version",
        "submitted_count",
        "pending_count",
        "created_at",
    ]
    list_filter = ["stage", "posting"]
    search_fields = ["candidate__full_name", "candidate__email", "posting__title"]
    list_select_related = ["candidate", "posting", "rubric"]
    autocomplete_fields = ["candidate"]
    inlines = [ScorecardInline]
    actions = ["assign_reviewers"]
    change_list_template = "admin/screening/application/change_list.html"
    change_form_template = "admin/screening/application/change_form.html"

    def audit_objects(self, application):
        # The application's page tells its whole story: its assignments and scorecards too.
        assignments = list(application.assignments.select_related("scorecard"))
        cards = [a.scorecard for a in assignments if hasattr(a, "scorecard")]
        return [application, *assignments, *cards]

    def get_queryset(self, request):
        return selectors.applications_visible_to(request.user)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["candidate", "posting", "stage"]
        return ["candidate", "posting", "rubric", "stage", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["candidate", "posting", "rubric", "created_at"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "posting":
            kwargs["queryset"] = JobPosting.objects.filter(rubrics__state="published")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            services.application_set_stage(
                application=obj, actor=request.user, stage=form.cleaned_data["stage"]
            )
            return
        created = services.application_open(
            candidate=form.cleaned_data["candidate"],
            posting=form.cleaned_data["posting"],
            actor=request.user,
            stage=form.cleaned_data["stage"],
        )
        obj.pk, obj.rubric, obj.created_at = created.pk, created.rubric, created.created_at
        obj._state.adding = False

    @admin.display(description="rubric")
    def rubric_version(self, application):
        return f"v{application.rubric.version}"

    @admin.display(description="submitted", ordering="submitted_count")
    def submitted_count(self, application):
        return application.submitted_count

    @admin.display(description="pending", ordering="pending_count")
    def pending_count(self, application):
        return application.pending_count

    def change_view(self, request, object_id, form_url="", extra_context=None):
        application = self.get_object(request, object_id)
        if application is not None:
            extra_context = {
                **(extra_context or {}),
                "summary": selectors.application_summary(
                    application=application, viewer=request.user
                ),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description="Assign reviewers…", permissions=["change"])
    def assign_reviewers(self, request, queryset):
        form = AssignReviewersForm(
            request.POST if "_assign" in request.POST else None,
            reviewer_queryset=services.reviewers(),
        )
        if "_assign" in request.POST and form.is_valid():
            made = 0
            for application in queryset:
                for reviewer in form.cleaned_data["reviewers"]:
                    try:
                        services.assignment_create(
                            application=application,
                            reviewer=reviewer,
                            actor=request.user,
                            due_date=form.cleaned_data["due_date"],
                        )
                    except (ServiceError, ValidationError) as exc:
                        self.message_user(
                            request, f"{application}: {' '.join(_errors_of(exc))}", messages.WARNING
                        )
                    else:
                        made += 1
            if made:
                self.message_user(request, f"Made {made} assignment(s).", messages.SUCCESS)
            return None
        context = {
            **_page_context(self, request),
            "title": "Assign reviewers",
            "form": form,
            "applications": queryset.select_related("candidate", "posting"),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/screening/application/assign.html", context)

    def get_urls(self):
        return [
            path(
                "ranking/",
                self.admin_site.admin_view(self.ranking_view),
                name="screening_application_ranking",
            ),
            *super().get_urls(),
        ]

    def ranking_view(self, request):
        """The posting's applications by consensus score: sortable, filterable
        by stage and must-have result, exportable as CSV."""
        if not is_recruiter(request.user):
            raise PermissionDenied
        postings = list(
            JobPosting.objects.filter(applications__isnull=False).distinct().order_by("title", "id")
        )
        posting_id = request.GET.get("posting") or (postings[0].pk if postings else None)
        if posting_id is not None and not str(posting_id).isdigit():
            raise Http404("No such posting.")
        posting = get_object_or_404(JobPosting, pk=posting_id) if posting_id else None
        stage = request.GET.get("stage") or None
        if stage not in Application.Stage.values:
            stage = None
        must_haves = request.GET.get("must_haves") or None
        if must_haves not in ("pass", "fail", "unscored"):
            must_haves = None
        order = request.GET.get("order") or "score"
        rows = (
            selectors.posting_ranking(
                posting=posting, stage=stage, must_haves=must_haves, order=order
            )
            if posting
            else []
        )
        if request.GET.get("format") == "csv" and posting:
            return _ranking_csv(posting, rows)
        page = Paginator(rows, 100).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            **_page_context(self, request),
            "title": f"Ranking — {posting}" if posting else "Ranking",
            "postings": postings,
            "posting": posting,
            "page": page,
            "first_rank": page.start_index() if rows else 0,
            "stages": Application.Stage.choices,
            "stage": stage,
            "must_haves": must_haves,
            "order": order,
            "query": query.urlencode(),
            "recommendations": Scorecard.Recommendation.choices,
        }
        return TemplateResponse(request, "admin/screening/application/ranking.html", context)


def _ranking_csv(posting, rows) -> HttpResponse:
    """The same CSV as the API's `?format=csv`."""
    data = RankingRowSerializer(
        [{"rank": i, "row": row} for i, row in enumerate(rows, start=1)], many=True
    ).data
    response = HttpResponse(CSVRenderer().render(data), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ranking-posting-{posting.pk}.csv"'
    return response


@admin.register(ReviewAssignment)
class ReviewAssignmentAdmin(AuditHistoryMixin, ServiceErrorsAsMessages, admin.ModelAdmin):
    """All assignments, for recruiters."""

    list_display = ["candidate", "posting", "reviewer", "due_date", "status", "overdue"]
    list_filter = ["scorecard__status", "reviewer", "application__posting"]
    search_fields = [
        "application__candidate__full_name",
        "reviewer__username",
        "reviewer__last_name",
    ]
    date_hierarchy = "due_date"
    fields = ["application", "reviewer", "due_date"]
    raw_id_fields = ["application"]
    actions = ["reopen_scorecards"]

    def get_queryset(self, request):
        return selectors.assignments_visible_to(request.user)

    def get_ordering(self, request):
        return ["done", F("due_date").asc(nulls_last=True), "id"]

    def get_readonly_fields(self, request, obj=None):
        return ["application", "reviewer"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            services.assignment_set_due_date(
                assignment=obj, actor=request.user, due_date=form.cleaned_data["due_date"]
            )
            return
        created = services.assignment_create(
            application=form.cleaned_data["application"],
            reviewer=form.cleaned_data["reviewer"],
            actor=request.user,
            due_date=form.cleaned_data["due_date"],
        )
        obj.pk, obj.created_at = created.pk, created.created_at
        obj._state.adding = False

    @admin.display(description="candidate", ordering="application__candidate__full_name")
    def candidate(self, assignment):
        return assignment.application.candidate.full_name

    @admin.action(description="Reopen the selected submitted scorecards", permissions=["change"])
    def reopen_scorecards(self, request, queryset):
        reopened = 0
        for assignment in queryset.select_related("scorecard"):
            try:
                services.scorecard_reopen(scorecard=assignment.scorecard, actor=request.user)
            except ServiceError as exc:
                self.message_user(request, f"{assignment}: {exc.message}", messages.WARNING)
            else:
                reopened += 1
        if reopened:
            self.message_user(
                request,
                f"Reopened {reopened} scorecard(s); their reviewers can edit and submit again.",
                messages.SUCCESS,
            )

    @admin.display(description="posting", ordering="application__posting__title")
    def posting(self, assignment):
        return assignment.application.posting.title

    @admin.display(description="scorecard", ordering="done")
    def status(self, assignment):
        return assignment.scorecard.get_status_display()

    @admin.display(description="overdue", boolean=True)
    def overdue(self, assignment):
        return selectors.is_overdue(assignment)


@admin.register(MyReview)
class MyReviewAdmin(admin.ModelAdmin):
    """A reviewer's own assignments: pending first, overdue ones marked."""

    list_display = ["candidate", "posting", "due", "status", "open_scorecard"]
    list_display_links = None
    list_filter = ["scorecard__status"]
    search_fields = ["application__candidate__full_name", "application__posting__title"]

    def get_queryset(self, request):
        return selectors.assignments_visible_to(request.user).filter(reviewer=request.user)

    def get_ordering(self, request):
        # Pending first, then by due date (the selector's order; the
        # changelist would otherwise re-sort by the model's).
        return ["done", F("due_date").asc(nulls_last=True), "id"]

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": "My reviews", **(extra_context or {})})

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="candidate")
    def candidate(self, assignment):
        return assignment.application.candidate.full_name

    @admin.display(description="posting")
    def posting(self, assignment):
        return assignment.application.posting.title

    @admin.display(description="due", ordering="due_date")
    def due(self, assignment):
        if assignment.due_date is None:
            return "—"
        if selectors.is_overdue(assignment):
            return format_html(
                '<strong class="overdue" style="color:#ba2121">{} · overdue</strong>',
                assignment.due_date.isoformat(),
            )
        return assignment.due_date.isoformat()

    @admin.display(description="status", ordering="done")
    def status(self, assignment):
        return assignment.scorecard.get_status_display()

    @admin.display(description="")
    def open_scorecard(self, assignment):
        url = reverse("admin:screening_myreview_scorecard", args=[assignment.pk])
        label = "View scorecard" if assignment.scorecard.is_submitted else "Score"
        return format_html('<a class="button" href="{}">{}</a>', url, label)

    def get_urls(self):
        return [
            path(
                "<int:assignment_id>/scorecard/",
                self.admin_site.admin_view(self.scorecard_view),
                name="screening_myreview_scorecard",
            ),
            *super().get_urls(),
        ]

    def scorecard_view(self, request, assignment_id):
        assignment = (
            ReviewAssignment.objects.select_related(
                "application__candidate",
                "application__posting",
                "application__rubric",
                "scorecard",
            )
            .filter(pk=assignment_id, reviewer=request.user)
            .first()
        )
        if assignment is None:
            raise Http404("No such review of yours.")
        card = assignment.scorecard
        application = assignment.application
        rubric = application.rubric
        criteria = list(rubric.criteria.order_by("order", "id"))
        saved = {s.criterion_id: s for s in card.scores.all()}
        initial = {"recommendation": card.recommendation, "summary": card.summary}
        for c in criteria:
            if c.pk in saved:
                if c.is_screening:
                    initial[f"answer_{c.pk}"] = answer_choice(saved[c.pk].answer)
                else:
                    initial[f"score_{c.pk}"] = saved[c.pk].value
                initial[f"note_{c.pk}"] = saved[c.pk].note
        form = ScorecardForm(
            request.POST or None,
            initial=initial,
            criteria=criteria,
            level_labels=rubric.level_labels,
        )
        if request.method == "POST" and not card.is_submitted and form.is_valid():
            submit = "_submit" in request.POST
            try:
                services.scorecard_save(
                    scorecard=card,
                    reviewer=request.user,
                    scores=form.scores(),
                    recommendation=form.cleaned_data["recommendation"],
                    summary=form.cleaned_data["summary"],
                    submit=submit,
                )
            except (ServiceError, ValidationError) as exc:
                for message in _errors_of(exc):
                    form.add_error(None, message)
            else:
                self.message_user(
                    request,
                    "Submitted. Other reviewers' scores are now visible."
                    if submit
                    else "Draft saved.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(request.path)
        summary = (
            selectors.application_summary(application=application, viewer=request.user)
            if card.is_submitted
            else None
        )
        context = {
            **_page_context(self, request),
            "title": f"Scorecard — {application.candidate.full_name}",
            "assignment": assignment,
            "application": application,
            "candidate": application.candidate,
            "rubric": rubric,
            "card": card,
            "form": form,
            "levels": list(enumerate(rubric.level_labels, start=1)),
            "summary": summary,
            "overdue": selectors.is_overdue(assignment),
            "today": timezone.localdate(),
        }
        return TemplateResponse(request, "admin/screening/scorecard.html", context)


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
    change_form_template = "admin/screening/calibrationrun/change_form.html"
    change_list_template = "admin/screening/calibrationrun/change_list.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(flagged_count=Count("reviewers", filter=Q(reviewers__flagged=True)))
        )

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
                name="screening_calibrationrun_start",
            ),
            path(
                "<int:run_id>/chart/<str:kind>.<str:fmt>",
                self.admin_site.admin_view(self.chart_view),
                name="screening_calibrationrun_chart",
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
                reverse("admin:screening_calibrationrun_change", args=[run.pk])
            )
        context = {
            **_page_context(self, request),
            "title": "Start a calibration run",
            "rubrics": Rubric.objects.filter(state=Rubric.State.PUBLISHED)
            .select_related("posting")
            .annotate(n_applications=Count("applications")),
        }
        return TemplateResponse(request, "admin/screening/calibrationrun/start.html", context)

    def chart_view(self, request, run_id: int, kind: str, fmt: str):
        if not self.has_view_permission(request):
            raise PermissionDenied
        if fmt not in ("png", "svg") or kind not in ("severity", "distribution", "agreement"):
            raise Http404("No such chart.")
        run = get_object_or_404(CalibrationRun.objects.select_related("rubric"), pk=run_id)
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
        html_url = reverse("admin:screening_report_download", args=[report.pk, "html"])
        csv_url = reverse("admin:screening_report_download", args=[report.pk, "csv"])
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
                name="screening_report_download",
            ),
            *super().get_urls(),
        ]

    def download_view(self, request, report_id: int, fmt: str):
        if not self.has_view_permission(request):
            raise PermissionDenied
        report = get_object_or_404(Report, pk=report_id)
        return report_file_response(report, fmt, inline=bool(request.GET.get("inline")))
