"""Applications in the admin: their consensus, reviewer assignment and the
posting ranking (exported through screening.exports)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path

from core.admin import AuditHistoryMixin, ServiceErrorsAsMessages, errors_of, page_context
from core.errors import ServiceError
from core.roles import is_recruiter
from rubrics.models import JobPosting
from screening import exports, selectors, services
from screening.forms import AssignReviewersForm
from screening.models import Application, Scorecard


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
        return selectors.application_history_objects(application)

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
            kwargs["queryset"] = selectors.postings_open_for_applications()
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
                            request, f"{application}: {' '.join(errors_of(exc))}", messages.WARNING
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
        postings = list(selectors.postings_with_applications())
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
            return exports.ranking_csv_response(posting, rows)
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
