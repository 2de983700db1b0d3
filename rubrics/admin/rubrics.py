"""Rubrics in the admin: a draft's page with its criteria and triage, its
Publish button (a published rubric's page: Clone to a new draft), and the
actions that publish, clone, retire and reweigh."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from core.admin import AuditHistoryMixin, person
from core.errors import ServiceError
from rubrics import selectors, services
from rubrics.admin.common import counted, draft_link, reason, run_service
from rubrics.admin.criteria import CriterionInline
from rubrics.admin.triage import TriageMixin
from rubrics.anchors import level_labels
from rubrics.models import Rubric


@admin.register(Rubric)
class RubricAdmin(AuditHistoryMixin, TriageMixin, admin.ModelAdmin):
    # The posting and the version name the rubric: its __str__ would repeat them.
    list_display = [
        "posting",
        "version",
        "state",
        "scale_max",
        "criterion_count",
        "weights_total",
        "published_at",
    ]
    list_display_links = ["posting", "version"]
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
        "created_by_name",
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
                "fields": [
                    "cloned_from",
                    "created_by_name",
                    "created_at",
                    "published_at",
                    "retired_at",
                ],
                "classes": ["collapse"],
            },
        ),
    ]
    inlines = [CriterionInline]
    created_by_name = person("created_by")
    actions = ["publish", "clone", "retire", "reset_weights"]

    class Media:
        css = {"all": ["rubrics/triage.css"]}
        js = ["rubrics/triage.js"]

    def get_queryset(self, request):
        return selectors.rubrics_with_totals()

    # --- The page's own buttons: Publish a draft, Clone a published rubric ---------------

    def get_urls(self):
        def post_only(view):
            return self.admin_site.admin_view(require_POST(view))

        return [
            path(
                "<int:rubric_id>/publish/",
                post_only(self.publish_view),
                name="rubrics_rubric_publish",
            ),
            path("<int:rubric_id>/clone/", post_only(self.clone_view), name="rubrics_rubric_clone"),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            if obj.is_draft and self.has_change_permission(request, obj):
                context["publish_url"] = reverse("admin:rubrics_rubric_publish", args=[obj.pk])
            elif not obj.is_draft and self.has_add_clone_permission(request):
                context["clone_url"] = reverse("admin:rubrics_rubric_clone", args=[obj.pk])
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _page_button(self, request, rubric_id: int, allowed, act):
        """Run one service for the page's button; come back to the page it names."""
        rubric = get_object_or_404(Rubric, pk=rubric_id)
        if not allowed(rubric):
            raise PermissionDenied
        try:
            target, message = act(rubric)
        except (ServiceError, ValidationError) as exc:
            self.message_user(request, reason(exc), messages.ERROR)
            target = rubric
        else:
            self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:rubrics_rubric_change", args=[target.pk]))

    def publish_view(self, request, rubric_id: int):
        def act(rubric):
            rubric = services.rubric_publish(rubric=rubric, actor=request.user)
            return rubric, (
                f"Published v{rubric.version}: new applications to “{rubric.posting}” "
                "are scored against it."
            )

        return self._page_button(
            request,
            rubric_id,
            lambda r: r.is_draft and self.has_change_permission(request, r),
            act,
        )

    def clone_view(self, request, rubric_id: int):
        def act(rubric):
            clone = services.rubric_clone(rubric=rubric, actor=request.user)
            return clone, format_html(
                "Cloned v{} to {}. Edit it, then publish.", rubric.version, draft_link(clone)
            )

        return self._page_button(
            request, rubric_id, lambda r: self.has_add_clone_permission(request), act
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
