"""Job postings in the admin, with their rubrics and the "Generate rubric" button."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from core.admin import AuditHistoryMixin, ServiceErrorsAsMessages, person
from core.errors import ServiceError
from rubrics import selectors, services
from rubrics.admin import posting_links
from rubrics.admin.common import counted, draft_link, reason, run_service
from rubrics.markdown import render_markdown
from rubrics.models import JobPosting, Rubric

POSTING_FORM_FIELDS = [
    "title",
    "team",
    "location",
    "status",
    "source_url",
    "anonymised_review",
    "raw_text",
]


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
        return selectors.rubrics_with_criterion_count()

    @admin.display(description="version")
    def version_link(self, rubric):
        url = reverse("admin:rubrics_rubric_change", args=[rubric.pk])
        return format_html('<a href="{}">v{}</a>', url, rubric.version)

    @admin.display(description="criteria")
    def criterion_count(self, rubric):
        return rubric.criterion_count


@admin.register(JobPosting)
class JobPostingAdmin(AuditHistoryMixin, ServiceErrorsAsMessages, admin.ModelAdmin):
    list_display = ["title", "team", "location", "status", "rubric_count", "created_at"]
    list_filter = ["status", "team"]
    search_fields = ["title", "team", "location"]
    list_select_related = ["created_by"]
    readonly_fields = ["rendered_text", "created_by_name", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "team", "location", "status", "source_url"]}),
        ("Review", {"fields": ["anonymised_review"]}),
        ("Posting text", {"fields": ["raw_text"]}),
        ("Posting text as rendered", {"fields": ["rendered_text"], "classes": ["collapse"]}),
        (
            "Record",
            {"fields": ["created_by_name", "created_at", "updated_at"], "classes": ["collapse"]},
        ),
    ]
    inlines = [RubricInline]
    created_by_name = person("created_by")
    actions = ["generate_rubric"]

    class Media:
        css = {"all": ["rubrics/triage.css"]}

    # Django 6.0's default, adopted now: a URL typed without a scheme is https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return selectors.postings_with_rubric_count()

    @admin.display(description="rendered")
    def rendered_text(self, posting):
        """The saved text as Markdown renders it (raw HTML escaped, unsafe links inert)."""
        if not posting.raw_text:
            return "—"
        return format_html(
            '<div class="posting-rendered">{}</div>', mark_safe(render_markdown(posting.raw_text))
        )

    @admin.display(description="rubrics", ordering="rubric_count")
    def rubric_count(self, posting):
        return posting.rubric_count

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in POSTING_FORM_FIELDS}
        if change:
            services.posting_update(posting=obj, actor=request.user, **data)
            return
        created = services.posting_create(actor=request.user, **data)
        obj.pk, obj.created_by = created.pk, created.created_by
        obj.created_at, obj.updated_at = created.created_at, created.updated_at

    def delete_model(self, request, obj):
        services.posting_delete(posting=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for posting in queryset:
            services.posting_delete(posting=posting, actor=request.user)

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
        if obj is not None and obj.pk:
            if self.has_change_permission(request, obj):
                context["generate_url"] = reverse(
                    "admin:rubrics_jobposting_generate", args=[obj.pk]
                )
            # What the posting's status means, and links to what hangs off it.
            context["posting"] = obj
            context["posting_links"] = posting_links.links_for(posting=obj, user=request.user)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def generate_view(self, request, posting_id: int):
        """The posting page's "Generate rubric" button: a draft, then its page."""
        posting = get_object_or_404(JobPosting, pk=posting_id)
        if not self.has_change_permission(request, posting):
            raise PermissionDenied
        try:
            rubric = services.rubric_generate(posting=posting, actor=request.user)
        except (ServiceError, ValidationError) as exc:
            self.message_user(request, f"No rubric generated: {reason(exc)}", messages.ERROR)
            return HttpResponseRedirect(
                reverse("admin:rubrics_jobposting_change", args=[posting.pk])
            )
        self.message_user(
            request,
            format_html(
                'Generated <a href="{}">draft v{}</a>. Triage its criteria beside the posting, '
                "then publish.",
                reverse("admin:rubrics_rubric_change", args=[rubric.pk]),
                rubric.version,
            ),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:rubrics_rubric_change", args=[rubric.pk]))

    @admin.action(description="Generate a draft rubric from the posting", permissions=["change"])
    def generate_rubric(self, request, queryset):
        run_service(
            self,
            request,
            queryset,
            lambda posting: services.rubric_generate(posting=posting, actor=request.user),
            lambda n: (
                f"Generated {counted(n, 'draft rubric', 'draft rubrics')}. "
                "Review the criteria, then publish:"
            ),
            link=draft_link,
        )
