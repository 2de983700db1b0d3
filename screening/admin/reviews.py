"""Review assignments in the admin: all of them for recruiters, and "My
reviews" with the scorecard page for reviewers."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.html import format_html

from core.admin import (
    AuditHistoryMixin,
    ReadOnlyAdminMixin,
    ServiceErrorsAsMessages,
    errors_of,
    page_context,
)
from core.errors import ServiceError
from screening import exports, selectors, services
from screening.anonymity import IdentityScreen, candidate_code, shown_candidate
from screening.forms import ScorecardForm, answer_choice
from screening.models import MyReview, ReviewAssignment


class ReviewerFilter(admin.RelatedOnlyFieldListFilter):
    """The reviewers who have assignments in the list, by name rather than username."""

    def field_choices(self, field, request, model_admin):
        shown = model_admin.get_queryset(request).values("reviewer")
        reviewers = field.related_model.objects.filter(pk__in=shown).order_by(
            "first_name", "last_name", "username"
        )
        return [(r.pk, r.get_full_name() or r.get_username()) for r in reviewers]


@admin.register(ReviewAssignment)
class ReviewAssignmentAdmin(AuditHistoryMixin, ServiceErrorsAsMessages, admin.ModelAdmin):
    """All assignments, for recruiters."""

    list_display = ["candidate", "posting", "reviewer_name", "due_date", "status", "overdue"]
    list_filter = ["scorecard__status", ("reviewer", ReviewerFilter), "application__posting"]
    search_fields = [
        "application__candidate__full_name",
        "reviewer__username",
        "reviewer__last_name",
    ]
    date_hierarchy = "due_date"
    fields = ["application", "reviewer", "due_date"]
    raw_id_fields = ["application"]
    actions = ["reopen_scorecards", "export_csv", "export_xlsx"]

    def get_queryset(self, request):
        return selectors.assignments_visible_to(request.user)

    def get_ordering(self, request):
        return ["done", F("due_date").asc(nulls_last=True), "id"]

    def get_fields(self, request, obj=None):
        # An existing assignment names its reviewer: a link to the user's page
        # would lead recruiters to a 403.
        return ["application", "reviewer_name", "due_date"] if obj else self.fields

    def get_readonly_fields(self, request, obj=None):
        return ["application", "reviewer_name"] if obj else []

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

    @admin.display(description="reviewer", ordering="reviewer__last_name")
    def reviewer_name(self, assignment):
        reviewer = assignment.reviewer
        return reviewer.get_full_name() or reviewer.get_username()

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
                f"Reopened {reopened} scorecard{pluralize(reopened)}; "
                f"{'their reviewers' if reopened > 1 else 'its reviewer'} "
                "can edit and submit again.",
                messages.SUCCESS,
            )

    @admin.action(description="Export the selected assignments as CSV", permissions=["view"])
    def export_csv(self, request, queryset):
        return self._export(request, queryset, "csv")

    @admin.action(description="Export the selected assignments as XLSX", permissions=["view"])
    def export_xlsx(self, request, queryset):
        return self._export(request, queryset, "xlsx")

    def _export(self, request, queryset, kind):
        # The weighted score needs each scorecard's scores and its rubric's criteria:
        # prefetched, so the export costs the same few queries whatever its length.
        rows = queryset.select_related("application__rubric").prefetch_related(
            "scorecard__scores", "application__rubric__criteria"
        )
        return exports.table_response(
            exports.ASSIGNMENT_HEADER,
            exports.assignment_records(rows, viewer=request.user),
            name="review-assignments",
            kind=kind,
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
class MyReviewAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """A reviewer's own assignments: pending first, overdue ones marked."""

    list_display = ["candidate", "posting", "due", "status", "open_scorecard"]
    list_display_links = None
    list_filter = ["scorecard__status"]
    search_fields = ["application__candidate__full_name", "application__posting__title"]

    def get_queryset(self, request):
        return selectors.own_assignments(request.user)

    def get_ordering(self, request):
        # Pending first, then by due date (the selector's order; the
        # changelist would otherwise re-sort by the model's).
        return ["done", F("due_date").asc(nulls_last=True), "id"]

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": "My reviews", **(extra_context or {})})

    def get_search_fields(self, request):
        # Searching names would tell who is behind a code (an anonymised review).
        # (Asked only when there is a term: the plain list costs no query more.)
        if request.GET.get("q") and IdentityScreen.of(request).hides_anyone():
            return ["application__posting__title"]
        return self.search_fields

    @admin.display(description="candidate")
    def candidate(self, assignment):
        return _candidate_name(assignment)

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
            path(
                "<int:assignment_id>/scorecard/documents/",
                self.admin_site.admin_view(self.documents_status_view),
                name="screening_myreview_documents_status",
            ),
            *super().get_urls(),
        ]

    def scorecard_view(self, request, assignment_id):
        assignment = selectors.own_assignment_for_scoring(request.user, assignment_id)
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
        if request.method == "POST" and _is_autosave(request):
            return self._autosave(request, card, form)
        if request.method == "POST" and not card.is_submitted and form.is_valid():
            go_next = "_submit_next" in request.POST
            submit = go_next or "_submit" in request.POST
            try:
                _save(card, request.user, form, submit=submit)
            except (ServiceError, ValidationError) as exc:
                for message in errors_of(exc):
                    form.add_error(None, message)
            else:
                if go_next:
                    return self._to_next_review(request, assignment)
                if not submit:
                    done = "Draft saved."
                elif assignment.candidate_hidden:
                    done = "Submitted. The candidate's identity and other reviewers' scores are "
                    done += "now visible."
                else:
                    done = "Submitted. Other reviewers' scores are now visible."
                self.message_user(request, done, messages.SUCCESS)
                return HttpResponseRedirect(request.path)
        summary = (
            selectors.application_summary(application=application, viewer=request.user)
            if card.is_submitted
            else None
        )
        anonymised = assignment.candidate_hidden
        workspace = selectors.scorecard_documents(application, anonymised=anonymised)
        for c in criteria:
            # The form's rows carry these criteria: each shows its passages under it.
            c.passages = workspace.passages.get(c.pk, [])
            c.match_count = workspace.match_counts.get(c.pk, 0)
        candidate = shown_candidate(application, hidden=anonymised)
        next_review = (
            selectors.next_pending_assignment(request.user, after=assignment)
            if card.is_submitted
            else None
        )
        context = {
            **page_context(self, request),
            "title": f"Scorecard — {candidate.full_name}",
            "workspace": workspace,
            "assignment": assignment,
            "application": application,
            "candidate": candidate,
            "anonymised": anonymised,
            "rubric": rubric,
            "card": card,
            "form": form,
            "levels": list(enumerate(rubric.level_labels, start=1)),
            "summary": summary,
            "overdue": selectors.is_overdue(assignment),
            "today": timezone.localdate(),
            "debrief_url": debrief_url(application) if card.is_submitted else None,
            "next_review": next_review,
            "next_review_name": _candidate_name(next_review) if next_review else "",
        }
        return TemplateResponse(request, "admin/screening/scorecard.html", context)

    def _autosave(self, request, card, form) -> JsonResponse:
        """A draft posted by the page's autosave: JSON, never a redirect; never a submission."""
        if card.is_submitted:
            return JsonResponse(
                {"saved": False, "errors": {"__all__": ["This scorecard is submitted."]}},
                status=409,
            )
        if not form.is_valid():
            return JsonResponse({"saved": False, "errors": form.errors}, status=400)
        try:
            _save(card, request.user, form, submit=False)
        except (ServiceError, ValidationError) as exc:
            return JsonResponse({"saved": False, "errors": {"__all__": errors_of(exc)}}, status=400)
        at = timezone.localtime()
        return JsonResponse(
            {"saved": True, "at": at.isoformat(), "at_display": time_format(at, "H:i")}
        )

    def documents_status_view(self, request, assignment_id):
        """The statuses of the application's documents, for the page to poll while one is
        still being read."""
        assignment = selectors.own_assignment_for_scoring(request.user, assignment_id)
        if assignment is None:
            raise Http404("No such review of yours.")
        documents = assignment.application.documents.order_by("role", "created_at", "id")
        return JsonResponse(
            {"documents": [{"id": d.pk, "status": d.status} for d in documents.only("status")]}
        )

    def _to_next_review(self, request, submitted: ReviewAssignment) -> HttpResponseRedirect:
        """After "Submit and go to the next review": the reviewer's next pending review
        in the order of My reviews, or My reviews itself when none is left."""
        # Read afresh: the submission has just revealed the candidate (on this posting).
        name = IdentityScreen(request.user).candidate_name(submitted.application)
        done = format_html("Submitted your scorecard for {}.", name)
        url = debrief_url(submitted.application)
        if url:
            done = format_html('{} <a href="{}">Read the debrief</a>.', done, url)
        upcoming = selectors.next_pending_assignment(request.user, after=submitted)
        if upcoming is None:
            self.message_user(
                request,
                format_html("{} That was your last pending review.", done),
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:screening_myreview_changelist"))
        due = f", due {upcoming.due_date.isoformat()}" if upcoming.due_date else ""
        self.message_user(
            request,
            format_html(
                "{} Next: {} for {}{}.",
                done,
                _candidate_name(upcoming),
                upcoming.application.posting.title,
                due,
            ),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(
            reverse("admin:screening_myreview_scorecard", args=[upcoming.pk])
        )


def _candidate_name(assignment: ReviewAssignment) -> str:
    """The name, or the code while the reviewer's anonymised review of it is not submitted
    (the selector's ``candidate_hidden``)."""
    if assignment.candidate_hidden:
        return candidate_code(assignment.application.candidate_id)
    return assignment.application.candidate.full_name


def _is_autosave(request) -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def debrief_url(application) -> str | None:
    """The application's debrief page, where the admin has one."""
    try:
        return reverse("admin:screening_application_debrief", args=[application.pk])
    except NoReverseMatch:
        return None


def _save(card, reviewer, form, *, submit: bool) -> None:
    """The scorecard form's answers saved through the service, as a draft or submitted."""
    services.scorecard_save(
        scorecard=card,
        reviewer=reviewer,
        scores=form.scores(),
        recommendation=form.cleaned_data["recommendation"],
        summary=form.cleaned_data["summary"],
        submit=submit,
    )
