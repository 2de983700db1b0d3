"""Screening in the admin: candidates (with CSV import), applications (with
their consensus, reviewer assignment and the posting ranking), review
assignments for recruiters, and "My reviews" with the scorecard page for
reviewers. Every write goes through screening.services."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from core.admin import AuditHistoryMixin
from core.errors import ServiceError
from core.roles import is_recruiter
from rubrics.models import JobPosting
from screening import selectors, services
from screening.api.renderers import CSVRenderer
from screening.api.serializers import RankingRowSerializer
from screening.forms import (
    AssignReviewersForm,
    CandidateImportForm,
    ScorecardForm,
    answer_choice,
)
from screening.models import Application, Candidate, MyReview, ReviewAssignment, Scorecard


def page_context(modeladmin, request) -> dict:
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
            **page_context(self, request),
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
            **page_context(self, request),
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
            **page_context(self, request),
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
            **page_context(self, request),
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
