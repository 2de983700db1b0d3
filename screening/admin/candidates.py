"""Candidates in the admin, with their CSV import."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from core.admin import AuditHistoryMixin, ServiceErrorsAsMessages, page_context
from screening import selectors, services
from screening.forms import CandidateImportForm
from screening.models import Candidate


@admin.register(Candidate)
class CandidateAdmin(AuditHistoryMixin, ServiceErrorsAsMessages, admin.ModelAdmin):
    list_display = ["full_name", "email", "phone", "application_count", "created_at"]
    search_fields = ["full_name", "email"]
    list_filter = ["created_at"]
    readonly_fields = ["created_by", "created_at"]
    fields = ["full_name", "email", "phone", "links", "notes", "created_by", "created_at"]
    change_list_template = "admin/screening/candidate/change_list.html"

    def get_queryset(self, request):
        return selectors.candidates_with_application_count()

    @admin.display(description="applications", ordering="application_count")
    def application_count(self, candidate):
        return candidate.application_count

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in ("full_name", "email", "phone", "links", "notes")}
        if change:
            services.candidate_update(candidate=obj, actor=request.user, **data)
        else:
            created = services.candidate_create(actor=request.user, **data)
            obj.pk, obj.created_at, obj.created_by = created.pk, created.created_at, request.user

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="screening_candidate_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """Upload a CSV, see every row it would create and every bad row,
        then confirm; nothing is written until the file is clean."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        preview = None
        form = CandidateImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.data_bytes()
            if "_confirm" in request.POST:
                try:
                    created = services.candidate_import(actor=request.user, data=data)
                except ValidationError as exc:
                    for message in exc.messages:
                        self.message_user(request, message, messages.ERROR)
                else:
                    self.message_user(
                        request, f"Imported {len(created)} candidates.", messages.SUCCESS
                    )
                    return HttpResponseRedirect(reverse("admin:screening_candidate_changelist"))
            preview = services.candidate_import_parse(data)
            form = CandidateImportForm(initial={"content": data.decode("utf-8", "replace")})
        context = {
            **page_context(self, request),
            "title": "Import candidates from CSV",
            "form": form,
            "preview": preview,
        }
        return TemplateResponse(request, "admin/screening/candidate/import.html", context)
