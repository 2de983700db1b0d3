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

from config.errors import ServiceError
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
class JobPostingAdmin(admin.ModelAdmin):
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
            context["generate_url"] = reverse(
                "admin:rubrics_jobposting_generate", args=[obj.pk]
            )
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
            return HttpResponseRedirect(reverse("admin:rubrics_jobposting_change", args=[posting.pk]))
        self.message_user(
            request,
            format_html(
                "Generated draft v{}. Triage its criteria beside the posting, then publish.",
                rubric.version,
            ),
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


class KeywordsField(forms.CharField):
    """A list of keywords edited as one comma-separated line."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [word.strip() for word in (value or "").split(",") if word.strip()]


class AnchorsField(forms.CharField):
    """Anchor text edited as one line per level, lowest level first."""

    widget = forms.Textarea(attrs={"rows": 4, "cols": 60})

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
            "title",
            "description",
            "weight",
            "knockout_level",
            "keywords",
            "anchors",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3, "cols": 40})}

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
    model = Criterion
    form = CriterionForm
    extra = 0
    readonly_fields = ["source_text"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("rubric__posting")

    def _editable(self, obj) -> bool:
        return obj is None or obj.is_draft

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)

    @admin.display(description="from the posting")
    def source_text(self, criterion):
        if criterion.source_start is None:
            return "—"
        text = criterion.rubric.posting.raw_text[criterion.source_start : criterion.source_end]
        return text.strip()[:300]


@admin.register(Rubric)
class RubricAdmin(admin.ModelAdmin):
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

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(criterion_count=Count("criteria"), weight_sum=Sum("criteria__weight"))
        )

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
