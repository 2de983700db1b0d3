"""Rubrics in the admin: a draft's page with its criteria and triage, and the
actions that publish, clone, retire and reweigh."""

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from core.admin import AuditHistoryMixin
from rubrics import selectors, services
from rubrics.admin.common import counted, draft_link, run_service
from rubrics.admin.criteria import CriterionInline
from rubrics.admin.triage import TriageMixin
from rubrics.anchors import level_labels
from rubrics.models import Rubric


@admin.register(Rubric)
class RubricAdmin(AuditHistoryMixin, TriageMixin, admin.ModelAdmin):
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
        return selectors.rubrics_with_totals()

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
            total = selectors.rubric_weights_total(rubric)
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
        run_service(
            self,
            request,
            queryset,
            lambda r: services.rubric_publish(rubric=r, actor=request.user),
            lambda n: f"Published {counted(n, 'rubric', 'rubrics')}.",
        )

    @admin.action(description="Clone to a new draft version", permissions=["add_clone"])
    def clone(self, request, queryset):
        run_service(
            self,
            request,
            queryset,
            lambda r: services.rubric_clone(rubric=r, actor=request.user),
            lambda n: "Cloned to a new draft:" if n == 1 else f"Cloned {n} rubrics to new drafts:",
            link=draft_link,
        )

    @admin.action(description="Retire the selected published rubrics", permissions=["change"])
    def retire(self, request, queryset):
        run_service(
            self,
            request,
            queryset,
            lambda r: services.rubric_retire(rubric=r, actor=request.user),
            lambda n: f"Retired {counted(n, 'rubric', 'rubrics')}.",
        )

    @admin.action(description="Reset weights to the default split", permissions=["change"])
    def reset_weights(self, request, queryset):
        run_service(
            self,
            request,
            queryset,
            lambda r: services.rubric_update(rubric=r, actor=request.user, reweigh=True),
            lambda n: f"Reset the weights of {counted(n, 'rubric', 'rubrics')}.",
        )

    def has_add_clone_permission(self, request):
        return super().has_change_permission(request)
