"""Admin for postings and rubrics. Pages are declared; the few actions call
the same services as the API, so the rules (a published rubric is
immutable, publishing needs weights summing to 100, ...) hold here too."""

from dataclasses import dataclass, field

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, Prefetch, Sum
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from core.admin import AuditHistoryMixin
from core.errors import ServiceError
from rubrics import selectors, services
from rubrics.anchors import default_anchors, level_labels
from rubrics.models import Criterion, JobPosting, Rubric


def _reason(exc: ServiceError | ValidationError) -> str:
    return exc.message if isinstance(exc, ServiceError) else " ".join(exc.messages)


def _draft_link(rubric: Rubric) -> SafeString:
    url = reverse("admin:rubrics_rubric_change", args=[rubric.pk])
    return format_html('<a href="{}">{}</a>', url, rubric)


def _run_service(modeladmin, request, queryset, service, done: str, link=None) -> None:
    """Apply a service to each selected object; report each failure by name.
    With `link`, the success message links what each call returned (the new drafts)."""
    results = []
    for obj in queryset:
        try:
            results.append(service(obj))
        except (ServiceError, ValidationError) as exc:
            modeladmin.message_user(request, f"{obj}: {_reason(exc)}", messages.ERROR)
    if not results:
        return
    message = done.format(n=len(results))
    if link is not None:
        message = format_html(
            "{} {}", message, format_html_join(", ", "{}", ((link(r),) for r in results))
        )
    modeladmin.message_user(request, message, messages.SUCCESS)


class RubricInline(admin.TabularInline):
    model = Rubric
    fields = ["version_link", "state", "scale_max", "criterion_count", "published_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False
    verbose_name_plural = "rubrics for this posting"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(criterion_count=Count("criteria"))

    @admin.display(description="version")
    def version_link(self, rubric):
        url = reverse("admin:rubrics_rubric_change", args=[rubric.pk])
        return format_html('<a href="{}">v{}</a>', url, rubric.version)

    @admin.display(description="criteria")
    def criterion_count(self, rubric):
        return rubric.criterion_count


@admin.register(JobPosting)
class JobPostingAdmin(AuditHistoryMixin, admin.ModelAdmin):
    list_display = ["title", "team", "location", "status", "rubric_count", "created_at"]
    list_filter = ["status", "team"]
    search_fields = ["title", "team", "location"]
    list_select_related = ["created_by"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "team", "location", "status", "source_url"]}),
        ("Posting text", {"fields": ["raw_text"]}),
        ("Record", {"fields": ["created_by", "created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    inlines = [RubricInline]
    actions = ["generate_rubric"]

    class Media:
        css = {"all": ["rubrics/triage.css"]}

    # Django 6.0's default, adopted now: a URL typed without a scheme is https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(rubric_count=Count("rubrics"))

    @admin.display(description="rubrics", ordering="rubric_count")
    def rubric_count(self, posting):
        return posting.rubric_count

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def get_urls(self):
        return [
            path(
                "<int:posting_id>/generate/",
                self.admin_site.admin_view(require_POST(self.generate_view)),
                name="rubrics_jobposting_generate",
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk and self.has_change_permission(request, obj):
            context["generate_url"] = reverse("admin:rubrics_jobposting_generate", args=[obj.pk])
        return super().render_change_form(request, context, add, change, form_url, obj)

    def generate_view(self, request, posting_id: int):
        """The posting page's "Generate rubric" button: a draft, then its page."""
        posting = get_object_or_404(JobPosting, pk=posting_id)
        if not self.has_change_permission(request, posting):
            raise PermissionDenied
        try:
            rubric = services.rubric_generate(posting=posting, actor=request.user)
        except (ServiceError, ValidationError) as exc:
            self.message_user(request, f"No rubric generated: {_reason(exc)}", messages.ERROR)
            return HttpResponseRedirect(
                reverse("admin:rubrics_jobposting_change", args=[posting.pk])
            )
        self.message_user(
            request,
            f"Generated draft v{rubric.version}. Triage its criteria beside the posting, "
            "then publish.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:rubrics_rubric_change", args=[rubric.pk]))

    @admin.action(description="Generate a draft rubric from the posting", permissions=["change"])
    def generate_rubric(self, request, queryset):
        _run_service(
            self,
            request,
            queryset,
            lambda posting: services.rubric_generate(posting=posting, actor=request.user),
            "Generated {n} draft rubric(s). Review the criteria, then publish:",
            link=_draft_link,
        )


# --- Triage: the posting beside the criteria --------------------------------

KIND_PHRASES = {
    Criterion.Kind.MUST_HAVE: "a must-have",
    Criterion.Kind.BONUS: "a bonus",
    Criterion.Kind.SCREENING: "a screening question",
}
UNCOVERED = "uncovered_requirement"


@dataclass
class _Segment:
    start: int
    end: int
    criteria: list[Criterion] = field(default_factory=list)
    uncovered: str = ""
    anchor: bool = False


def _segment_html(text: str, segment: _Segment) -> SafeString:
    # A carriage return is written as a character reference: the HTML parser turns a raw
    # CR or CRLF into one LF, which would shift every offset after it by one.
    body = mark_safe(escape(text[segment.start : segment.end]).replace("\r", "&#13;"))
    attrs = {"data-start": segment.start}
    if segment.anchor:
        attrs["id"] = f"posting-at-{segment.start}"
    classes = []
    if segment.criteria:
        first = segment.criteria[0]
        classes.append(f"source kind-{first.kind}")
        attrs["data-criterion"] = " ".join(str(c.pk) for c in segment.criteria)
        attrs["title"] = "; ".join(f"{c.get_kind_display()}: {c.title}" for c in segment.criteria)
    if segment.uncovered:
        classes.append("uncovered")
        attrs["title"] = segment.uncovered
    if classes:
        attrs["class"] = " ".join(classes)
    tag = "mark" if segment.criteria else "span"
    rendered = format_html_join(" ", '{}="{}"', attrs.items())
    return format_html("<{} {}>{}</{}>", tag, rendered, body, tag)


def posting_html(text: str, criteria: list[Criterion], warnings: list[dict]) -> SafeString:
    """The posting's text as adjacent segments, each saying where it starts in the text
    (`data-start`, in characters), so a selection in the page maps back to exact offsets.
    A criterion's source span is a <mark> naming the criterion; requirement-like prose no
    criterion covers is a span of class "uncovered"."""
    size = len(text)

    def clamp(value) -> int:
        return max(0, min(size, int(value)))

    spans = [
        (clamp(c.source_start), clamp(c.source_end), c)
        for c in criteria
        if c.source_start is not None and c.source_end is not None
    ]
    uncovered = [
        (clamp(w["span"][0]), clamp(w["span"][1]), w["message"])
        for w in warnings
        if w.get("span") and w["code"] == UNCOVERED
    ]
    anchors = {clamp(w["span"][0]) for w in warnings if w.get("span")}
    cuts = sorted({0, size, *anchors} | {i for a, b, _ in spans + uncovered for i in (a, b)})
    segments = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        if start >= end:
            continue
        segment = _Segment(start, end, anchor=start in anchors)
        segment.criteria = [c for a, b, c in spans if a <= start and end <= b]
        reasons = [m for a, b, m in uncovered if a <= start and end <= b]
        if reasons:
            segment.uncovered = "Reads like a requirement, but no criterion covers it: " + " ".join(
                reasons
            )
        segments.append(segment)
    return format_html_join("", "{}", ((_segment_html(text, s),) for s in segments))


class KeywordsField(forms.CharField):
    """A list of keywords edited as one comma-separated line."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [word.strip() for word in (value or "").split(",") if word.strip()]


class AnchorsField(forms.CharField):
    """Anchor text edited as one line per level, lowest level first."""

    widget = forms.Textarea(attrs={"rows": 4, "cols": 28})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [line.strip() for line in (value or "").splitlines() if line.strip()]


class CriterionForm(forms.ModelForm):
    keywords = KeywordsField(required=False, help_text="Comma-separated.")
    anchors = AnchorsField(required=False, help_text="One line per level, lowest first.")

    class Meta:
        model = Criterion
        fields = [
            "order",
            "kind",
            "type",
            "title",
            "description",
            "weight",
            "knockout_level",
            "keywords",
            "anchors",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4, "cols": 24})}

    def clean(self):
        cleaned_data = super().clean()
        # The inline's foreign key cleans to the rubric as edited on this page.
        rubric = cleaned_data.get("rubric")
        if rubric is not None and self.instance.pk is not None:
            self._follow_scale(cleaned_data, rubric.scale_max)
        return cleaned_data

    def _follow_scale(self, cleaned_data, scale_max: int) -> None:
        """When the rubric's scale changes on the same page, the service
        regenerates every criterion's anchors and clamps its knockout level.
        Fields the recruiter left untouched follow the new scale here too;
        otherwise each criterion would fail validation until all its anchor
        lines were rewritten by hand."""
        stored = self.initial.get("anchors") or []
        if "anchors" not in self.changed_data and stored and len(stored) != scale_max:
            cleaned_data["anchors"] = default_anchors(
                title=cleaned_data.get("title", ""),
                text=cleaned_data.get("description", ""),
                keywords=cleaned_data.get("keywords", []),
                scale_max=scale_max,
            )
        level = cleaned_data.get("knockout_level")
        if "knockout_level" not in self.changed_data and level is not None and level > scale_max:
            cleaned_data["knockout_level"] = scale_max


class CriterionInline(admin.TabularInline):
    # Each criterion's source is highlighted in the posting beside the cards above, so the
    # table has no column for it: it stays narrow enough for a laptop screen.
    model = Criterion
    form = CriterionForm
    extra = 0
    # Shown instead of the JSON lists when the table is read-only (published, or a reviewer).
    readonly_fields = ["keyword_list", "anchor_list"]

    def _editable(self, obj) -> bool:
        return obj is None or obj.is_draft

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f not in self.readonly_fields]
        if self.has_change_permission(request, obj):
            return fields
        shown = {"keywords": "keyword_list", "anchors": "anchor_list"}
        return [shown.get(name, name) for name in fields]

    @admin.display(description="keywords")
    def keyword_list(self, criterion):
        return ", ".join(criterion.keywords) or "—"

    @admin.display(description="anchor text per level")
    def anchor_list(self, criterion):
        if not criterion.anchors:
            return "—"
        return format_html(
            '<ol class="anchor-list">{}</ol>',
            format_html_join("", "<li>{}</li>", ((a,) for a in criterion.anchors)),
        )

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


@admin.register(Rubric)
class RubricAdmin(AuditHistoryMixin, admin.ModelAdmin):
    list_display = [
        "__str__",
        "posting",
        "version",
        "state",
        "scale_max",
        "criterion_count",
        "weights_total",
        "published_at",
    ]
    list_display_links = ["__str__"]
    list_filter = ["state", "scale_max"]
    search_fields = ["posting__title", "posting__team"]
    list_select_related = ["posting"]
    readonly_fields = [
        "posting",
        "version",
        "state",
        "cloned_from",
        "weights_total",
        "publish_check",
        "level_guide",
        "created_by",
        "created_at",
        "published_at",
        "retired_at",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "posting",
                    "version",
                    "state",
                    "scale_max",
                    "must_have_share",
                    "level_guide",
                ]
            },
        ),
        ("Weights", {"fields": ["weights_total", "publish_check"]}),
        (
            "Record",
            {
                "fields": ["cloned_from", "created_by", "created_at", "published_at", "retired_at"],
                "classes": ["collapse"],
            },
        ),
    ]
    inlines = [CriterionInline]
    actions = ["publish", "clone", "retire", "reset_weights"]

    class Media:
        css = {"all": ["rubrics/triage.css"]}
        js = ["rubrics/triage.js"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("posting")  # the change page shows the posting's text
            .annotate(criterion_count=Count("criteria"), weight_sum=Sum("criteria__weight"))
        )

    def get_urls(self):
        def post_only(view):
            return self.admin_site.admin_view(require_POST(view))

        return [
            path(
                "<int:rubric_id>/criteria/<int:criterion_id>/kind/",
                post_only(self.set_kind_view),
                name="rubrics_rubric_criterion_kind",
            ),
            path(
                "<int:rubric_id>/criteria/<int:criterion_id>/drop/",
                post_only(self.drop_view),
                name="rubrics_rubric_criterion_drop",
            ),
            path(
                "<int:rubric_id>/criteria/from-posting/",
                post_only(self.add_from_posting_view),
                name="rubrics_rubric_add_from_posting",
            ),
            *super().get_urls(),
        ]

    # --- Triage -------------------------------------------------------------

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context.update(self._triage_context(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _triage_context(self, request, rubric: Rubric) -> dict:
        # One query for the criteria, shared by the panel, the warnings and "ready to publish?".
        models.prefetch_related_objects(
            [rubric], Prefetch("criteria", queryset=Criterion.objects.order_by("order", "id"))
        )
        criteria = list(rubric.criteria.all())
        # Warnings and triage are for a recruiter's draft; others see the highlights only.
        can_triage = rubric.is_draft and super().has_change_permission(request)
        warnings = selectors.rubric_warnings(rubric, criteria) if can_triage else []
        groups = [
            (kind, label, [c for c in criteria if c.kind == kind])
            for kind, label in (
                (Criterion.Kind.MUST_HAVE, "Must-haves"),
                (Criterion.Kind.BONUS, "Bonuses"),
                (Criterion.Kind.SCREENING, "Screening questions"),
            )
        ]
        for _, _, members in groups:
            for criterion in members:
                criterion.kind_url = reverse(
                    "admin:rubrics_rubric_criterion_kind", args=[rubric.pk, criterion.pk]
                )
                criterion.drop_url = reverse(
                    "admin:rubrics_rubric_criterion_drop", args=[rubric.pk, criterion.pk]
                )
        return {
            "rubric_warnings": warnings,
            "triage": {
                "can_triage": can_triage,
                "posting": rubric.posting,
                "posting_html": posting_html(rubric.posting.raw_text, criteria, warnings),
                "posting_length": len(rubric.posting.raw_text),
                "has_uncovered": any(w["code"] == UNCOVERED and w.get("span") for w in warnings),
                "groups": groups,
                "kinds": [(k, Criterion.Kind(k).label) for k in Criterion.Kind.values],
                "add_url": reverse("admin:rubrics_rubric_add_from_posting", args=[rubric.pk]),
            },
        }

    def _triage(self, request, rubric_id: int, act) -> HttpResponseRedirect:
        """Run one triage service on a draft and come back to its page with what happened."""
        if not super().has_change_permission(request):
            raise PermissionDenied
        rubric = get_object_or_404(Rubric, pk=rubric_id)
        try:
            done = act(rubric)
        except (ServiceError, ValidationError) as exc:
            self.message_user(request, _reason(exc), messages.ERROR)
        else:
            self.message_user(request, done, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:rubrics_rubric_change", args=[rubric.pk]))

    def _criterion(self, rubric: Rubric, criterion_id: int) -> Criterion:
        return get_object_or_404(Criterion, pk=criterion_id, rubric=rubric)

    def set_kind_view(self, request, rubric_id: int, criterion_id: int):
        kind = request.POST.get("kind", "")

        def act(rubric):
            criterion = self._criterion(rubric, criterion_id)
            was = criterion.kind
            criterion = services.criterion_set_kind(
                criterion=criterion, kind=kind, actor=request.user
            )
            if was == kind:
                return f"“{criterion.title}” is already {KIND_PHRASES[kind]}."
            return f"“{criterion.title}” is now {KIND_PHRASES[kind]}; weights reset."

        return self._triage(request, rubric_id, act)

    def drop_view(self, request, rubric_id: int, criterion_id: int):
        def act(rubric):
            criterion = self._criterion(rubric, criterion_id)
            services.criterion_drop(criterion=criterion, actor=request.user)
            return f"Dropped “{criterion.title}”; weights reset."

        return self._triage(request, rubric_id, act)

    def add_from_posting_view(self, request, rubric_id: int):
        kind = request.POST.get("kind", Criterion.Kind.MUST_HAVE)

        def act(rubric):
            try:
                start, end = int(request.POST["start"]), int(request.POST["end"])
            except (KeyError, ValueError):
                raise ValidationError("Select some of the posting's text first.") from None
            criterion = services.criterion_add_from_posting(
                rubric=rubric, start=start, end=end, kind=kind, actor=request.user
            )
            return f"Added “{criterion.title}” as {KIND_PHRASES[criterion.kind]}; weights reset."

        return self._triage(request, rubric_id, act)

    def has_add_permission(self, request):
        # Rubrics come from a posting ("Generate a draft rubric") or a clone.
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and not obj.is_draft:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not obj.is_draft:
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        for rubric in queryset:
            services.rubric_delete(rubric=rubric, actor=request.user)

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        locked = [str(rubric) for rubric in objs if not rubric.is_draft]
        return deleted, model_count, perms_needed, protected + locked

    def save_model(self, request, obj, form, change):
        services.rubric_update(
            rubric=obj,
            actor=request.user,
            scale_max=form.cleaned_data.get("scale_max"),
            must_have_share=form.cleaned_data.get("must_have_share"),
            reweigh=False,
        )

    @admin.display(description="criteria", ordering="criterion_count")
    def criterion_count(self, rubric):
        return rubric.criterion_count

    @admin.display(description="weights total")
    def weights_total(self, rubric):
        total = getattr(rubric, "weight_sum", None)
        if total is None:
            total = rubric.criteria.aggregate(total=Sum("weight"))["total"]
        total = total or 0
        if total == 100:
            return format_html('<span class="weights-ok">{}</span>', f"{total:.2f}")
        return format_html(
            '<strong class="weights-off" style="color:#ba2121">{} (must be 100.00)</strong>',
            f"{total:.2f}",
        )

    @admin.display(description="ready to publish?")
    def publish_check(self, rubric):
        if not rubric.is_draft:
            return f"{rubric.get_state_display()}: read-only. Clone it to edit."
        problems = services.rubric_publish_problems(rubric)
        if not problems:
            return "Yes."
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((p,) for p in problems))
        )

    @admin.display(description="levels")
    def level_guide(self, rubric):
        return " · ".join(
            f"{i} {label}" for i, label in enumerate(level_labels(rubric.scale_max), start=1)
        )

    @admin.action(description="Publish the selected drafts", permissions=["change"])
    def publish(self, request, queryset):
        _run_service(
            self,
            request,
            queryset,
            lambda r: services.rubric_publish(rubric=r, actor=request.user),
            "Published {n} rubric(s).",
        )

    @admin.action(description="Clone to a new draft version", permissions=["add_clone"])
    def clone(self, request, queryset):
        _run_service(
            self,
            request,
            queryset,
            lambda r: services.rubric_clone(rubric=r, actor=request.user),
            "Cloned {n} rubric(s) to new drafts:",
            link=_draft_link,
        )

    @admin.action(description="Retire the selected published rubrics", permissions=["change"])
    def retire(self, request, queryset):
        _run_service(
            self,
            request,
            queryset,
            lambda r: services.rubric_retire(rubric=r, actor=request.user),
            "Retired {n} rubric(s).",
        )

    @admin.action(description="Reset weights to the default split", permissions=["change"])
    def reset_weights(self, request, queryset):
        _run_service(
            self,
            request,
            queryset,
            lambda r: services.rubric_update(rubric=r, actor=request.user, reweigh=True),
            "Reset the weights of {n} rubric(s).",
        )

    def has_add_clone_permission(self, request):
        return super().has_change_permission(request)
