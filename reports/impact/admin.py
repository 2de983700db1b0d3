"""Adverse-impact analysis in the admin, for users with the `view_demographics` permission
only: candidates' self-identified answers (recorded through the service) and a posting's
report page."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path

from core.admin import ServiceErrorsAsMessages, page_context
from core.admin_site import add_index_entry
from reports.impact import selectors, services
from reports.impact.categories import categories, label
from reports.impact.selectors import can_view_demographics
from reports.models import CandidateDemographics
from rubrics.models import JobPosting


class DemographicsForm(forms.ModelForm):
    """One choice per configured category; left empty, the question was not answered."""

    class Meta:
        model = CandidateDemographics
        fields = ["candidate"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        answers = self.instance.answers if self.instance.pk else {}
        for category, choices in categories().items():
            self.fields[category] = forms.ChoiceField(
                label=label(category),
                choices=[("", "— not answered —"), *((c, c) for c in choices)],
                required=False,
                initial=answers.get(category, ""),
            )

    def answers(self) -> dict[str, str]:
        return {c: self.cleaned_data.get(c, "") for c in categories()}


@admin.register(CandidateDemographics)
class CandidateDemographicsAdmin(ServiceErrorsAsMessages, admin.ModelAdmin):
    form = DemographicsForm
    list_display = ["candidate", "answered", "updated_at"]
    list_select_related = ["candidate"]
    search_fields = ["candidate__full_name", "candidate__email"]
    raw_id_fields = ["candidate"]
    readonly_fields = ["updated_at"]

    def get_fieldsets(self, request, obj=None):
        return [
            (None, {"fields": ["candidate"]}),
            (
                "Self-identified answers (voluntary)",
                {
                    "fields": list(categories()),
                    "description": "Only what the candidate chose to tell us. Never shown "
                    "to reviewers, never exported with scores.",
                },
            ),
        ]

    def get_form(self, request, obj=None, **kwargs):
        # The answers' fields are made by the form itself (one per configured category),
        # so only the model's own field is named to the form factory.
        kwargs["fields"] = ["candidate"]
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # A record belongs to one candidate for good.
        return ["candidate"] if obj else []

    @admin.display(description="questions answered")
    def answered(self, record):
        return len(record.answers)

    def has_module_permission(self, request):
        return can_view_demographics(request.user)

    def has_view_permission(self, request, obj=None):
        return can_view_demographics(request.user)

    def _may_record(self, request) -> bool:
        return can_view_demographics(request.user) and request.user.has_perm(
            services.PERMISSION_RECORD
        )

    def has_add_permission(self, request):
        return self._may_record(request)

    def has_change_permission(self, request, obj=None):
        return self._may_record(request)

    def has_delete_permission(self, request, obj=None):
        return self._may_record(request)

    def save_model(self, request, obj, form, change):
        record = services.demographics_record(
            candidate=obj.candidate, answers=form.answers(), actor=request.user
        )
        obj.pk, obj.answers = record.pk, record.answers

    def delete_model(self, request, obj):
        services.demographics_delete(record=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for record in queryset:
            services.demographics_delete(record=record, actor=request.user)

    def get_urls(self):
        return [
            path(
                "report/",
                self.admin_site.admin_view(self.report_view),
                name="reports_adverse_impact",
            ),
            *super().get_urls(),
        ]

    def report_view(self, request):
        """A posting's adverse-impact report (`?posting=N`), or the form to choose one."""
        if not can_view_demographics(request.user):
            raise PermissionDenied
        form = PostingForm(request.GET if "posting" in request.GET else None)
        report = None
        if form.is_bound and form.is_valid():
            report = selectors.posting_adverse_impact(form.cleaned_data["posting"])
        context = {
            **page_context(self, request),
            "title": "Adverse-impact report",
            "form": form,
            "report": report,
            "posting": form.cleaned_data["posting"] if report else None,
        }
        return TemplateResponse(request, "admin/reports/impact/report.html", context)


class PostingForm(forms.Form):
    posting = forms.ModelChoiceField(
        queryset=JobPosting.objects.only("pk", "title").order_by("title", "pk"),
        error_messages={"invalid_choice": "Choose a posting from the list."},
    )


add_index_entry(
    "reports",
    "Adverse-impact report",
    "reports_adverse_impact",
    allowed=lambda request: can_view_demographics(request.user),
)
