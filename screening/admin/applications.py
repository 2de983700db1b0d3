"""Applications in the admin: their consensus, reviewer assignment and the
posting ranking (exported through screening.exports)."""

import re

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode

from core.admin import AuditHistoryMixin, ServiceErrorsAsMessages, errors_of, page_context
from core.errors import ServiceError
from core.roles import is_recruiter
from rubrics.models import JobPosting
from screening import exports, selectors, services
from screening.forms import ApplicationStageForm, AssignReviewersForm
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
        return selectors.without_others_while_scoring(
            super()
            .get_queryset(request)
            .select_related("assignment__reviewer", "application__rubric")
            .prefetch_related("scores", "application__rubric__criteria"),
            request.user,
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
    actions = ["assign_reviewers", "move_to_stage", "reject", "export_csv", "export_xlsx"]
    change_list_template = "admin/screening/application/change_list.html"
    change_form_template = "admin/screening/application/change_form.html"

    def audit_objects(self, application):
        # The application's page tells its whole story: its assignments and scorecards too.
        return selectors.application_history_objects(application)

    def has_delete_permission(self, request, obj=None):
        # An application's ratings count in calibration: never deleted, its candidate erased.
        return False

    def delete_view(self, request, object_id, extra_context=None):
        self.message_user(
            request,
            "Applications are not deleted: their ratings count in calibration. To remove the "
            "candidate's personal data, erase the candidate (Candidates → “Erase personal "
            "data…”); a withdrawn or rejected application can be moved to that stage.",
            messages.WARNING,
        )
        return HttpResponseRedirect(reverse("admin:screening_application_changelist"))

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
                # The candidate's files for this application, as the user may see them.
                "documents": list(
                    selectors.documents_visible_to(request.user)
                    .filter(application=application)
                    .order_by("role", "created_at", "id")
                ),
                "can_add_document": request.user.has_perm("screening.add_document"),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    # --- Bulk actions (the changelist's and the ranking's) ---------------------------------

    def _action_page(self, request, queryset, *, action, title, form, template):
        """The intermediate page of an action: the chosen applications and a
        form that posts back to where the action came from (the changelist or
        the ranking), with a way back."""
        context = {
            **page_context(self, request),
            "title": title,
            "form": form,
            "media": self.media + form.media,
            "action": action,
            "applications": queryset.select_related("candidate", "posting").order_by(
                "candidate__full_name", "pk"
            ),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "back_url": request.get_full_path(),
        }
        return TemplateResponse(request, template, context)

    @admin.action(description="Export the selected applications as CSV", permissions=["view"])
    def export_csv(self, request, queryset):
        return self._export(request, queryset, "csv")

    @admin.action(description="Export the selected applications as XLSX", permissions=["view"])
    def export_xlsx(self, request, queryset):
        return self._export(request, queryset, "xlsx")

    def _export(self, request, queryset, kind):
        return exports.table_response(
            exports.APPLICATION_HEADER,
            exports.application_records(queryset.select_related("posting"), viewer=request.user),
            name="applications",
            kind=kind,
        )

    @admin.action(description="Assign reviewers…", permissions=["change"])
    def assign_reviewers(self, request, queryset):
        form = AssignReviewersForm(
            request.POST if "_assign" in request.POST else None,
            reviewer_queryset=services.reviewers(),
        )
        if "_assign" in request.POST and form.is_valid():
            made = []
            for application in queryset.select_related("candidate", "posting"):
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
                        made.append((application, reviewer))
            if made:
                self.message_user(
                    request,
                    _assigned_message(made, form.cleaned_data["due_date"]),
                    messages.SUCCESS,
                )
            return None
        return self._action_page(
            request,
            queryset,
            action="assign_reviewers",
            title="Assign reviewers",
            form=form,
            template="admin/screening/application/assign.html",
        )

    @admin.action(description="Move to stage…", permissions=["change"])
    def move_to_stage(self, request, queryset):
        """All or nothing: the whole batch moves in one transaction
        (services.applications_set_stage)."""
        form = ApplicationStageForm(request.POST if "_move" in request.POST else None)
        if "_move" in request.POST and form.is_valid():
            self._set_stage(request, queryset, form.cleaned_data["stage"])
            return None
        return self._action_page(
            request,
            queryset,
            action="move_to_stage",
            title="Move to stage",
            form=form,
            template="admin/screening/application/stage.html",
        )

    @admin.action(description="Reject", permissions=["change"])
    def reject(self, request, queryset):
        self._set_stage(request, queryset, Application.Stage.REJECTED)

    def _set_stage(self, request, queryset, stage):
        applications = list(queryset)
        try:
            moved = services.applications_set_stage(
                applications=applications, actor=request.user, stage=stage
            )
        except (ServiceError, ValidationError) as exc:
            self.message_user(
                request, f"Nothing was moved: {' '.join(errors_of(exc))}", messages.ERROR
            )
            return
        label = Application.Stage(stage).label
        if moved:
            names = _names([a.candidate.full_name for a in moved])
            self.message_user(
                request,
                f"Moved {_count(len(moved), 'application')} to {label}: {names}.",
                messages.SUCCESS,
            )
        unchanged = len(applications) - len(moved)
        if unchanged:
            self.message_user(
                request,
                f"{_count(unchanged, 'application')} already at {label}: left as "
                f"{'they were' if unchanged > 1 else 'it was'}.",
                messages.INFO,
            )

    def get_urls(self):
        return [
            path(
                "ranking/",
                self.admin_site.admin_view(self.ranking_view),
                name="screening_application_ranking",
            ),
            path(
                "<path:object_id>/debrief/",
                self.admin_site.admin_view(self.debrief_view),
                name="screening_application_debrief",
            ),
            *super().get_urls(),
        ]

    # --- The ranking ----------------------------------------------------------------------

    def ranking_view(self, request):
        """The posting's applications by consensus score, best first: sortable,
        filterable by stage and must-have result, exportable as CSV, with the
        bulk actions on the rows ticked."""
        if not is_recruiter(request.user):
            raise PermissionDenied
        postings = list(selectors.postings_with_applications())
        posting_id = request.GET.get("posting") or (postings[0].pk if postings else None)
        if posting_id is not None and not re.fullmatch(r"[0-9]+", str(posting_id)):
            raise Http404("No such posting.")
        posting = get_object_or_404(JobPosting, pk=posting_id) if posting_id else None
        if request.method == "POST" and posting:
            return self._ranking_action(request, posting)
        stage = request.GET.get("stage") or None
        if stage not in Application.Stage.values:
            stage = None
        must_haves = request.GET.get("must_haves") or None
        if must_haves not in ("pass", "fail", "unscored"):
            must_haves = None
        order = selectors.ranking_order(request.GET.get("order"))
        if request.GET.get("format") == "csv" and posting:
            # The file keeps the default order (best first), whatever the page's sort.
            rows = selectors.posting_ranking(
                posting=posting, stage=stage, must_haves=must_haves, viewer=request.user
            )
            return exports.ranking_csv_response(posting, rows)
        rows = (
            selectors.posting_ranking(
                posting=posting,
                stage=stage,
                must_haves=must_haves,
                order=order,
                viewer=request.user,
            )
            if posting
            else []
        )
        page = Paginator(rows, 100).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            **page_context(self, request),
            "title": f"Ranking — {posting}" if posting else "Ranking",
            "postings": postings,
            "posting": posting,
            "page": page,
            "stages": Application.Stage.choices,
            "stage": stage,
            "must_haves": must_haves,
            "order": order,
            "calibration_warnings": getattr(rows, "calibration_warnings", []),
            "headers": _sort_headers(posting, stage, must_haves, order) if posting else {},
            "query": query.urlencode(),
            "recommendations": Scorecard.Recommendation.choices,
            "actions": [
                (name, description)
                for name, (_func, _name, description) in self._ranking_actions(request).items()
            ],
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/screening/application/ranking.html", context)

    def _ranking_actions(self, request) -> dict:
        """The changelist's actions the ranking offers (no deleting from there)."""
        return {
            name: action
            for name, action in self.get_actions(request).items()
            if name in RANKING_ACTIONS
        }

    def _ranking_action(self, request, posting):
        """A bulk action posted from the ranking (or from its intermediate
        page): run it on the ticked applications of this posting, then come
        back to the ranking with its message."""
        back = request.get_full_path()
        actions = self._ranking_actions(request)
        action = request.POST.get("action", "")
        if action not in actions:
            self.message_user(request, "Choose an action.", messages.WARNING)
            return HttpResponseRedirect(back)
        ids = [
            i
            for i in request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)
            if re.fullmatch(r"[0-9]+", i)
        ]
        queryset = self.get_queryset(request).filter(posting=posting, pk__in=ids)
        if not queryset.exists():
            self.message_user(
                request,
                "Tick the applications to act on first; nothing was changed.",
                messages.WARNING,
            )
            return HttpResponseRedirect(back)
        func = actions[action][0]
        response = func(self, request, queryset)
        return response if response is not None else HttpResponseRedirect(back)

    # --- The debrief ----------------------------------------------------------------------

    def debrief_view(self, request, object_id):
        """Every submitted scorecard of one application side by side: for
        recruiters, and for a reviewer once they have submitted their own."""
        application = self.get_object(request, object_id)
        if application is None:
            raise Http404("No such application.")
        debrief = selectors.application_debrief(application=application, viewer=request.user)
        if debrief is None:
            raise PermissionDenied
        recruiter = is_recruiter(request.user)
        context = {
            **page_context(self, request),
            "title": f"Debrief — {application.candidate.full_name}",
            "subtitle": str(application.posting),
            "original": application,
            "debrief": debrief,
            "recruiter": recruiter,
            "ranking_url": (
                f"{reverse('admin:screening_application_ranking')}?posting={application.posting_id}"
            ),
        }
        return TemplateResponse(request, "admin/screening/application/debrief.html", context)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _names(names: list[str], shown: int = 5) -> str:
    """The names as a list in words ("Ada, Bo and Cy"), the ones beyond
    `shown` counted ("… and 3 more")."""
    names = list(names)
    if len(names) > shown:
        return f"{', '.join(names[:shown])} and {len(names) - shown} more"
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _assigned_message(made, due_date) -> str:
    """Names who was assigned to whom: "Assigned Alan Turing and Grace Hopper
    to Ada Lovelace (2 reviews, due 2031-05-01)."."""
    reviewers = _names(list(dict.fromkeys(r.get_full_name() or r.username for _a, r in made)))
    candidates = _names(list(dict.fromkeys(a.candidate.full_name for a, _r in made)))
    due = f", due {due_date.isoformat()}" if due_date else ", no due date"
    return f"Assigned {reviewers} to {candidates} ({_count(len(made), 'review')}{due})."


RANKING_ACTIONS = ("move_to_stage", "reject", "assign_reviewers")

# Each sortable column: its label and the direction of its first click
# (scores and submissions best first; names and stages A to Z).
SORTABLE = {
    "name": ("Candidate", ""),
    "stage": ("Stage", ""),
    "score": ("Score", "-"),
    "adjusted": ("Adjusted", "-"),
    "submitted": ("Submitted", "-"),
}


def _sort_headers(posting, stage, must_haves, order) -> dict[str, dict]:
    """Per sortable column: the link that sorts by it (the other direction
    when it is the sorted column) and how it is sorted now."""
    current, descending = order.lstrip("-"), order.startswith("-")
    headers = {}
    for key, (label, first) in SORTABLE.items():
        if key == current:
            target = key if descending else f"-{key}"
            sorted_as = "descending" if descending else "ascending"
        else:
            target, sorted_as = f"{first}{key}", None
        query = urlencode(
            {
                "posting": posting.pk,
                "stage": stage or "",
                "must_haves": must_haves or "",
                "order": target,
            }
        )
        headers[key] = {"label": label, "href": f"?{query}", "sorted": sorted_as}
    return headers
