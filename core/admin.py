"""The audit trail in the admin: every AuditEvent, filterable by object type, event and actor,
and each object's own events on its History page."""

import json

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.html import format_html

from core import selectors
from core.errors import ServiceError
from core.models import AuditEvent


class ReadOnlyAdminMixin:
    """A list and pages to read: nothing is added, changed or deleted through the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "event", "object_repr", "content_type", "actor_name", "summary"]
    list_filter = ["event", "content_type", ("actor", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["object_repr", "summary", "object_id", "event"]
    list_select_related = ["actor", "content_type"]
    date_hierarchy = "created_at"
    fields = [
        "created_at",
        "event",
        "content_type",
        "object_id",
        "object_repr",
        "actor_name",
        "summary",
        "changes_pretty",
    ]
    readonly_fields = fields

    @admin.display(description="by", ordering="actor__username")
    def actor_name(self, event):
        if event.actor is None:
            return "system"
        return event.actor.get_full_name() or event.actor.get_username()

    @admin.display(description="what changed")
    def changes_pretty(self, event):
        return format_html("<pre>{}</pre>", json.dumps(event.changes, indent=2, ensure_ascii=False))


class AuditHistoryMixin:
    """A ModelAdmin's History page lists the object's AuditEvents (who, when, what changed)."""

    audit_history_template = "admin/core/object_history.html"

    def audit_objects(self, obj) -> list:
        """The objects whose events the History page shows: the object itself by default."""
        return [obj]

    def render_change_form(self, request, context, *args, **kwargs):
        # The History link shows only to those the History page admits.
        context["hide_history"] = not request.user.has_perm("core.view_auditevent")
        return super().render_change_form(request, context, *args, **kwargs)

    def history_view(self, request, object_id, extra_context=None):
        model = self.model
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(f"No {model._meta.verbose_name} with this id.")
        # The trail holds every reviewer's scores: recruiters only, whatever the object.
        if not request.user.has_perm("core.view_auditevent"):
            raise PermissionDenied
        events = selectors.audit_history(self.audit_objects(obj))
        context = {
            **self.admin_site.each_context(request),
            "title": f"History: {obj}",
            "subtitle": None,
            "object": obj,
            "events": [
                (event, json.dumps(event.changes, indent=1, ensure_ascii=False)) for event in events
            ],
            "opts": model._meta,
            "app_label": model._meta.app_label,
            "module_name": str(model._meta.verbose_name_plural),
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.audit_history_template, context)


def person(field: str, description: str | None = None):
    """A read-only display of a user foreign key as the person's name.

    The admin would link a read-only user field to the user's change page,
    which only superusers may open: everyone else would follow it to a 403."""

    @admin.display(description=description or field.replace("_", " "), ordering=field)
    def show(modeladmin, obj):
        user = getattr(obj, field)
        if user is None:
            return "—"
        return user.get_full_name() or user.get_username()

    show.__name__ = f"{field}_name"
    return show


def page_context(modeladmin, request) -> dict:
    """What every extra admin page of a model needs: the site's context and
    the model's options (for breadcrumbs and permissions)."""
    return {**modeladmin.admin_site.each_context(request), "opts": modeladmin.model._meta}


def errors_of(exc) -> list[str]:
    if isinstance(exc, ServiceError):
        return [exc.message]
    if hasattr(exc, "error_dict"):
        return [m for messages_ in exc.message_dict.values() for m in messages_]
    return exc.messages


class ServiceErrorsAsMessages:
    """A service refusing a save from the add/change form (a rule the form
    could not check, or a race lost) shows its message instead of a 500. The
    refusal is caught outside the view's transaction, so nothing of the
    attempt is kept."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ServiceError, ValidationError) as exc:
            for message in errors_of(exc):
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
