"""Calibration sessions in the admin: recruiters make them (items and answer key inline
while a draft), open them for scoring and read the results; reviewers find theirs under
"My calibration sessions" and score them blind on a page like the scorecard. Every write
goes through calibration.sessions."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime

from calibration import sessions
from calibration.models import CalibrationSession, MyCalibrationSession, SessionItem
from core import roles
from core.admin import ReadOnlyAdminMixin, ServiceErrorsAsMessages, errors_of, page_context
from core.errors import ServiceError
from rubrics.anchors import SCALE_MIN
from rubrics.models import JobPosting, Rubric
from screening.anonymity import anonymous_document_name, redact
from screening.models import Application, Document


class ReviewerChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user) -> str:
        return sessions.person_name(user)


def _reviewers():
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=roles.REVIEWER)
        .order_by("first_name", "last_name", "username")
    )


class ApplicationChoice(forms.ModelChoiceField):
    def label_from_instance(self, application) -> str:
        return application.candidate.full_name


class SessionForm(forms.ModelForm):
    reviewers = ReviewerChoices(
        queryset=_reviewers(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Each scores every item blind; a reviewer who has submitted stays on.",
    )

    class Meta:
        model = CalibrationSession
        fields = ["posting", "title", "key_agreed_by", "due_date"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewers"].queryset = _reviewers()
        if "posting" in self.fields:
            self.fields["posting"].queryset = JobPosting.objects.filter(
                rubrics__state=Rubric.State.PUBLISHED
            ).order_by("title")
            self.fields[
                "posting"
            ].help_text = "Postings with a published rubric; the session uses that rubric."
        if self.instance.pk:
            self.fields["reviewers"].initial = [
                a.reviewer_id for a in self.instance.assignments.all()
            ]


class SessionItemForm(forms.ModelForm):
    """An item and its key: one level field per criterion, added by `item_form_for`."""

    criteria: list = []
    scale_max = 4

    class Meta:
        model = SessionItem
        fields = ["application", "title", "profile"]
        widgets = {"profile": forms.Textarea(attrs={"rows": 3, "cols": 60})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for key in self.instance.key.all():
                self.initial[f"key_{key.criterion_id}"] = key.level

    def clean(self):
        data = super().clean()
        if data.get("application") is None and not self.errors:
            missing = {}
            if not (data.get("title") or "").strip():
                missing["title"] = "An item written for training needs a title."
            if not (data.get("profile") or "").strip():
                missing["profile"] = "An item written for training needs a profile to read."
            if missing:
                raise ValidationError(missing)
        return data

    def key(self) -> dict[int, int]:
        return {c.pk: self.cleaned_data[f"key_{c.pk}"] for c in self.criteria}


def item_form_for(session: CalibrationSession) -> type[SessionItemForm]:
    """The item form for a session's rubric: its applications to choose from, and a key
    level for each criterion (levels labelled as on the scorecard)."""
    rubric = session.rubric
    criteria = sessions.session_criteria(rubric)
    levels = [("", "—")] + [
        (n, f"{n} · {label}") for n, label in enumerate(rubric.level_labels, start=SCALE_MIN)
    ]
    fields = {
        f"key_{c.pk}": forms.TypedChoiceField(
            label=f"Key: {c.title}", choices=levels, coerce=int, required=True
        )
        for c in criteria
    }
    # Declared, so the admin keeps this narrowed choice (and no edit/add icons).
    fields["application"] = ApplicationChoice(
        queryset=Application.objects.filter(posting=session.posting_id, rubric=rubric)
        .select_related("candidate")
        .order_by("candidate__full_name"),
        required=False,
        help_text="A real application of this posting; leave empty for one written for training.",
    )
    form = type("SessionItemForm", (SessionItemForm,), {**fields, "criteria": criteria})
    return form


class SessionItemInline(admin.StackedInline):
    model = SessionItem
    extra = 0
    max_num = sessions.MAX_ITEMS
    validate_max = True
    verbose_name = "item"
    verbose_name_plural = "items and answer key (2 to 5)"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("key")

    # Items are part of the session: whoever may change the session edits them.
    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("calibration.change_calibrationsession")

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission

    def get_formset(self, request, obj=None, **kwargs):
        kwargs["form"] = item_form_for(obj)
        kwargs["fields"] = None
        return super().get_formset(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        keys = tuple(f"key_{c.pk}" for c in sessions.session_criteria(obj.rubric))
        return [(None, {"fields": ["application", ("title",), "profile", keys]})]

    def get_extra(self, request, obj=None, **kwargs):
        return 2 if obj is not None and not obj.items.exists() else 0


@admin.register(CalibrationSession)
class CalibrationSessionAdmin(ServiceErrorsAsMessages, admin.ModelAdmin):
    form = SessionForm
    list_display = ["title", "posting_title", "status", "items", "submissions", "due", "created"]
    list_filter = ["status", "posting"]
    search_fields = ["title", "posting__title", "key_agreed_by"]
    change_form_template = "admin/calibration/session/change_form.html"
    inlines = [SessionItemInline]

    def get_queryset(self, request):
        return sessions.sessions_visible_to(request.user)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["posting", "title", "key_agreed_by", "due_date", "reviewers"]
        return ["posting", "rubric", "status", "title", "key_agreed_by", "due_date", "reviewers"]

    def get_readonly_fields(self, request, obj=None):
        return ["posting", "rubric", "status"] if obj is not None else []

    def get_inline_instances(self, request, obj=None):
        # Items and key are edited while a draft only; once open, reviewers are scoring.
        if obj is None or not obj.is_draft:
            return []
        return super().get_inline_instances(request, obj)

    @admin.display(description="posting", ordering="posting__title")
    def posting_title(self, session):
        return session.posting.title

    @admin.display(description="items", ordering="n_items")
    def items(self, session):
        return session.n_items

    @admin.display(description="submitted")
    def submissions(self, session):
        if not session.n_reviewers:
            return "no reviewer yet"
        return f"{session.n_submitted} of {session.n_reviewers}"

    @admin.display(description="due", ordering="due_date")
    def due(self, session):
        return date_format(session.due_date, "j M Y") if session.due_date else "—"

    @admin.display(description="created", ordering="created_at")
    def created(self, session):
        return date_format(localtime(session.created_at), "j M Y, H:i")

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            sessions.session_update(
                session=obj,
                actor=request.user,
                title=data["title"],
                key_agreed_by=data["key_agreed_by"],
                due_date=data["due_date"],
                reviewers=data["reviewers"],
            )
            return
        made = sessions.session_create(
            posting=data["posting"],
            title=data["title"],
            key_agreed_by=data["key_agreed_by"],
            due_date=data["due_date"],
            reviewers=data["reviewers"],
            actor=request.user,
        )
        obj.pk, obj.rubric, obj.created_at = made.pk, made.rubric, made.created_at

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            # The admin's change message reads these; the service writes the rows.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            if not formset.has_changed():
                continue  # nothing to record
            items = [
                sessions.ItemInput(
                    id=f.instance.pk,
                    application=f.cleaned_data.get("application"),
                    title=f.cleaned_data.get("title", ""),
                    profile=f.cleaned_data.get("profile", ""),
                    key=f.key(),
                )
                for f in formset.forms
                if f.cleaned_data
                and not f.cleaned_data.get("DELETE")
                and (f.instance.pk or f.has_changed())
            ]
            sessions.session_set_items(session=form.instance, items=items, actor=request.user)

    def delete_model(self, request, obj):
        sessions.session_delete(session=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for session in queryset:
            sessions.session_delete(session=session, actor=request.user)

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(
            request,
            "Now add the items and their answer key, then “Save and open for scoring”.",
            messages.INFO,
        )
        return HttpResponseRedirect(
            reverse("admin:calibration_calibrationsession_change", args=[obj.pk])
        )

    def response_change(self, request, obj):
        if "_open" in request.POST:
            try:
                sessions.session_open(session=obj, actor=request.user)
            except (ServiceError, ValidationError) as exc:
                for message in errors_of(exc):
                    self.message_user(request, f"Not opened: {message}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"“{obj.title}” is open: its reviewers find it under My calibration sessions.",
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = dict(extra_context or {})
        session = self.get_object(request, object_id)
        if (
            session is not None
            and not session.is_draft
            and sessions.may_see_key(request.user, session)
        ):
            extra["key_table"] = _key_table(session)
        return super().change_view(request, object_id, form_url, extra)

    def get_urls(self):
        return [
            path(
                "<int:session_id>/results/",
                self.admin_site.admin_view(self.results_view),
                name="calibration_calibrationsession_results",
            ),
            *super().get_urls(),
        ]

    def results_view(self, request, session_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        session = sessions.sessions_visible_to(request.user).filter(pk=session_id).first()
        if session is None:
            raise Http404("No such calibration session.")
        if not sessions.may_see_key(request.user, session):
            raise PermissionDenied("Submit your own levels first: the results show the answer key.")
        context = {
            **page_context(self, request),
            "title": f"Results — {session.title}",
            "session": session,
            "results": sessions.session_results(session),
        }
        return TemplateResponse(request, "admin/calibration/session/results.html", context)


def _key_table(session: CalibrationSession) -> dict:
    criteria = sessions.session_criteria(session.rubric)
    labels = session.rubric.level_labels
    items = list(session.items.select_related("application__candidate").prefetch_related("key"))
    rows = []
    for item in items:
        levels = {k.criterion_id: k.level for k in item.key.all()}
        rows.append(
            (
                item,
                [
                    f"{levels[c.pk]} · {labels[levels[c.pk] - SCALE_MIN]}"
                    if c.pk in levels
                    else "—"
                    for c in criteria
                ],
            )
        )
    return {"criteria": criteria, "rows": rows}


class ScoringForm(forms.Form):
    """A level for every item on every criterion, named `level_<item>_<criterion>`."""

    def __init__(self, *args, items, criteria, scale_max, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(n, str(n)) for n in range(SCALE_MIN, scale_max + 1)]
        for item in items:
            for c in criteria:
                self.fields[f"level_{item.pk}_{c.pk}"] = forms.TypedChoiceField(
                    choices=choices,
                    coerce=int,
                    widget=forms.RadioSelect,
                    error_messages={"required": f"Choose a level for {item.label} on {c.title}."},
                )
        self.items, self.criteria = items, criteria

    def ratings(self) -> list[dict]:
        return [
            {"item": i.pk, "criterion": c.pk, "level": self.cleaned_data[f"level_{i.pk}_{c.pk}"]}
            for i in self.items
            for c in self.criteria
        ]


@admin.register(MyCalibrationSession)
class MyCalibrationSessionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """A reviewer's own sessions: the ones to score first."""

    list_display = ["session_title", "posting", "items", "due", "state", "open_session"]
    list_display_links = None
    search_fields = ["session__title", "session__posting__title"]

    def get_queryset(self, request):
        return sessions.own_session_assignments(request.user)

    def get_ordering(self, request):
        return ["-submitted_at", "-session__opened_at", "-id"]

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(
            request, {"title": "My calibration sessions", **(extra_context or {})}
        )

    @admin.display(description="session")
    def session_title(self, assignment):
        return assignment.session.title

    @admin.display(description="posting")
    def posting(self, assignment):
        return assignment.session.posting.title

    @admin.display(description="items")
    def items(self, assignment):
        return assignment.n_items

    @admin.display(description="due")
    def due(self, assignment):
        due = assignment.session.due_date
        return date_format(due, "j M Y") if due else "—"

    @admin.display(description="status", ordering="submitted_at")
    def state(self, assignment):
        if assignment.submitted_at:
            return f"Submitted {date_format(localtime(assignment.submitted_at), 'j M Y')}"
        return "To score"

    @admin.display(description="")
    def open_session(self, assignment):
        url = reverse("admin:calibration_mycalibrationsession_score", args=[assignment.pk])
        label = "See your results" if assignment.is_submitted else "Score"
        return format_html('<a class="button" href="{}">{}</a>', url, label)

    def get_urls(self):
        return [
            path(
                "<int:assignment_id>/score/",
                self.admin_site.admin_view(self.score_view),
                name="calibration_mycalibrationsession_score",
            ),
            *super().get_urls(),
        ]

    def score_view(self, request, assignment_id):
        """Score every item blind; once submitted, the same page shows the key beside
        the reviewer's levels and their distance from it."""
        assignment = sessions.own_session_assignment(request.user, assignment_id)
        if assignment is None:
            raise Http404("No such calibration session of yours.")
        session = assignment.session
        rubric = session.rubric
        criteria = sessions.session_criteria(rubric)
        items = sessions.items_for_scoring(session, viewer=request.user)
        context = {
            **page_context(self, request),
            "title": f"Calibration session — {session.title}",
            "assignment": assignment,
            "session": session,
            "criteria": criteria,
            "levels": list(enumerate(rubric.level_labels, start=SCALE_MIN)),
        }
        if assignment.is_submitted:
            context["results"] = sessions.session_results(session, reviewer=request.user)
            context["rows"] = [
                (
                    row.item,
                    [
                        (
                            c,
                            _level_text(key, rubric.level_labels),
                            _level_text(theirs, rubric.level_labels),
                            None if key is None or theirs is None else theirs - key,
                        )
                        for c, (key, theirs) in zip(criteria, row.cells, strict=True)
                    ],
                )
                for row in sessions.item_rows(session, assignment)
            ]
            return TemplateResponse(request, "admin/calibration/session/score.html", context)
        form = ScoringForm(
            request.POST or None, items=items, criteria=criteria, scale_max=rubric.scale_max
        )
        errors = []
        if request.method == "POST":
            if form.is_valid():
                try:
                    sessions.session_submit(
                        session=session, reviewer=request.user, ratings=form.ratings()
                    )
                except (ServiceError, ValidationError) as exc:
                    errors = errors_of(exc)
                else:
                    self.message_user(
                        request,
                        "Submitted. Below: the answer key beside your levels, and how far "
                        "you were from it.",
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(request.path)
            else:
                errors = [e for field_errors in form.errors.values() for e in field_errors]
        context.update(
            form=form,
            errors=errors,
            blocks=[
                (
                    item,
                    _documents(item),
                    [(c, _level_rows(form, item, c, rubric.level_labels)) for c in criteria],
                )
                for item in items
            ],
        )
        return TemplateResponse(request, "admin/calibration/session/score.html", context)


def _level_text(level: int | None, labels) -> str:
    if level is None:
        return "—"
    return f"{level} · {labels[level - SCALE_MIN]}"


def _level_rows(form, item, criterion, labels) -> list[tuple]:
    """(radio widget, label, anchor, chosen) per level, as the scorecard lays them out."""
    bound = form[f"level_{item.pk}_{criterion.pk}"]
    chosen = str(bound.value()) if bound.value() not in (None, "") else None
    anchors = criterion.anchors or []
    return [
        (
            option,
            labels[n] if n < len(labels) else "",
            anchors[n] if n < len(anchors) else "",
            option.data["value"] is not None and str(option.data["value"]) == chosen,
        )
        for n, option in enumerate(bound)
    ]


def _documents(item: SessionItem) -> list:
    """The text of a real application's ready documents, to read while scoring (the
    reviewer may not be assigned to the application, so its files are not linked)."""
    if item.application_id is None:
        return []
    documents = list(
        Document.objects.filter(application_id=item.application_id, status=Document.Status.READY)
        .select_related("application__candidate")
        .prefetch_related("pages")
        .order_by("role", "created_at", "id")
    )
    if getattr(item, "anonymised", False):
        # Anonymised review: the redacted text under the document's role (screening.anonymity).
        for document in documents:
            document.original_name = anonymous_document_name(document)
            for page in document.pages.all():
                page.text = redact(page.text, document.application.candidate)
    return documents
