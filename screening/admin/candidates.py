"""Candidates in the admin, with their import from CSV or XLSX and their export."""

import base64
import hashlib
import secrets
import uuid
from contextlib import ExitStack
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponseRedirect, JsonResponse
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from core.admin import (
    AuditHistoryMixin,
    ReadOnlyAdminMixin,
    ServiceErrorsAsMessages,
    errors_of,
    page_context,
    person,
)
from core.errors import ServiceError
from rubrics.models import JobPosting
from screening import exports, imports, selectors, services
from screening.forms import CandidateImportForm
from screening.models import Candidate, Document, RetentionRun
from screening.privacy import export as privacy_export
from screening.privacy import retention
from screening.privacy.erasure import (
    DOCUMENTS_SESSION_KEY,
    IMPORT_SESSION_KEY,
    KEPT_DOCUMENTS_DIR,
    erase_candidate,
)

# Candidates listed a page on the due-for-erasure page.
DUE_PER_PAGE = 100
ERASE_INSTEAD = (
    "Candidates are not deleted: their ratings count in calibration. To remove their "
    "personal data, select them in the list and choose the action “Erase personal data…”."
)


@admin.register(Candidate)
class CandidateAdmin(AuditHistoryMixin, ServiceErrorsAsMessages, admin.ModelAdmin):
    list_display = ["full_name", "email", "phone", "application_count", "privacy", "created_at"]
    search_fields = ["full_name", "email"]
    list_filter = ["created_at", "legal_hold", ("erased_at", admin.EmptyFieldListFilter)]
    readonly_fields = [
        "created_by_name",
        "created_at",
        "legal_hold",
        "legal_hold_reason",
        "legal_hold_by_name",
        "legal_hold_at",
        "erased_at",
        "pseudonym",
    ]
    fieldsets = [
        (None, {"fields": ["full_name", "email", "phone", "links", "notes"]}),
        (None, {"fields": ["created_by_name", "created_at"]}),
        (
            "Legal hold",
            {
                "fields": [
                    "legal_hold",
                    "legal_hold_reason",
                    "legal_hold_by_name",
                    "legal_hold_at",
                ],
                "description": "A candidate under a legal hold is never erased, on request or "
                "by retention. Place or release a hold, or erase a candidate (never deleted: "
                "their ratings stay under a pseudonym), with the list's actions.",
            },
        ),
        (
            "Erasure",
            {
                "fields": ["erased_at", "pseudonym"],
                "description": "This candidate's personal data was erased; their ratings "
                "stay under the pseudonym.",
            },
        ),
    ]
    created_by_name = person("created_by")
    legal_hold_by_name = person("legal_hold_by", "hold placed by")
    change_list_template = "admin/screening/candidate/change_list.html"
    actions = [
        "export_csv",
        "export_xlsx",
        "export_subject_access",
        "erase",
        "place_legal_hold",
        "release_legal_hold",
    ]

    def get_queryset(self, request):
        return selectors.candidates_with_application_count()

    def changelist_view(self, request, extra_context=None):
        extra_context = {"can_erase": self.has_change_permission(request), **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def get_fieldsets(self, request, obj=None):
        if obj is None:  # adding: no hold or erasure yet
            return self.fieldsets[:1]
        if obj.is_erased:  # a pseudonym: its erasure, no hold to speak of
            return [*self.fieldsets[:2], self.fieldsets[3]]
        return self.fieldsets[:3]

    def has_change_permission(self, request, obj=None):
        # An erased candidate is a pseudonym: nothing of it may be written again.
        if obj is not None and obj.is_erased:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def delete_view(self, request, object_id, extra_context=None):
        self.message_user(request, ERASE_INSTEAD, messages.WARNING)
        return HttpResponseRedirect(reverse("admin:screening_candidate_changelist"))

    @admin.display(description="applications", ordering="application_count")
    def application_count(self, candidate):
        return candidate.application_count

    @admin.display(description="data protection")
    def privacy(self, candidate):
        if candidate.is_erased:
            return f"Erased {timezone.localtime(candidate.erased_at):%Y-%m-%d}"
        if candidate.legal_hold:
            return "Legal hold"
        return ""

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in ("full_name", "email", "phone", "links", "notes")}
        if change:
            services.candidate_update(candidate=obj, actor=request.user, **data)
        else:
            created = services.candidate_create(actor=request.user, **data)
            obj.pk, obj.created_at, obj.created_by = created.pk, created.created_at, request.user

    @admin.action(description="Export the selected candidates as CSV", permissions=["view"])
    def export_csv(self, request, queryset):
        return self._export(queryset, "csv")

    @admin.action(description="Export the selected candidates as XLSX", permissions=["view"])
    def export_xlsx(self, request, queryset):
        return self._export(queryset, "xlsx")

    def _export(self, queryset, kind):
        return exports.table_response(
            exports.CANDIDATE_HEADER,
            exports.candidate_records(queryset.order_by("full_name", "id")),
            name="candidates",
            kind=kind,
        )

    # For those who may change candidates (recruiters), not for a view-only account: the
    # export holds everything, notes and documents included.
    @admin.action(description="Export data (subject access)", permissions=["change"])
    def export_subject_access(self, request, queryset):
        """Everything stored about one selected candidate, as a JSON download."""
        candidates = list(queryset[:2])
        if len(candidates) != 1:
            self.message_user(
                request,
                "Select exactly one candidate to export their data (subject access).",
                messages.WARNING,
            )
            return None
        candidate = candidates[0]
        data = privacy_export.export_candidate(candidate=candidate, actor=request.user)
        response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
        filename = privacy_export.export_filename(candidate)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    # --- Data protection: erasure and legal holds ------------------------------------------

    def _action_page(self, request, candidates, *, action, title, form, template, **extra):
        context = {
            **page_context(self, request),
            "title": title,
            "form": form,
            "action": action,
            "candidates": candidates,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "back_url": request.get_full_path(),
            **extra,
        }
        return TemplateResponse(request, template, context)

    @admin.action(description="Erase personal data…", permissions=["change"])
    def erase(self, request, queryset):
        """A confirmation page (what goes, what stays, a request reference), then one
        erasure per candidate, each in its own transaction."""
        candidates = list(queryset.select_related("legal_hold_by").order_by("full_name", "id"))
        documents = dict(
            Document.objects.filter(application__candidate__in=candidates)
            .values_list("application__candidate")
            .annotate(n=Count("id"))
        )
        for candidate in candidates:
            candidate.document_count = documents.get(candidate.pk, 0)
        form = EraseForm(request.POST if "_erase" in request.POST else None)
        if "_erase" in request.POST and form.is_valid():
            erased, refused = [], []
            for candidate in candidates:
                try:
                    result = erase_candidate(
                        candidate, actor=request.user, reference=form.cleaned_data["reference"]
                    )
                except ServiceError as exc:
                    refused.append(f"{candidate}: {exc.message}")
                else:
                    erased.append(result.candidate.full_name)
            if erased:
                self.message_user(
                    request,
                    f"Erased the personal data of {_count(len(erased), 'candidate')}; "
                    f"their ratings stay as {', '.join(erased)}.",
                    messages.SUCCESS,
                )
            for message in refused:
                self.message_user(request, f"Not erased: {message}", messages.ERROR)
            return None
        return self._action_page(
            request,
            candidates,
            action="erase",
            title="Erase personal data",
            form=form,
            template="admin/screening/candidate/erase.html",
            erasable=[c for c in candidates if not c.is_erased and not c.legal_hold],
        )

    @admin.action(description="Place on legal hold…", permissions=["change"])
    def place_legal_hold(self, request, queryset):
        return self._hold_action(request, queryset, place=True)

    @admin.action(description="Release from legal hold…", permissions=["change"])
    def release_legal_hold(self, request, queryset):
        return self._hold_action(request, queryset, place=False)

    def _hold_action(self, request, queryset, *, place: bool):
        candidates = list(queryset.select_related("legal_hold_by").order_by("full_name", "id"))
        form = HoldForm(request.POST if "_hold" in request.POST else None)
        if "_hold" in request.POST and form.is_valid():
            service = retention.legal_hold_place if place else retention.legal_hold_release
            done = []
            for candidate in candidates:
                try:
                    service(
                        candidate=candidate, actor=request.user, reason=form.cleaned_data["reason"]
                    )
                except (ServiceError, ValidationError) as exc:
                    self.message_user(
                        request, f"{candidate}: {' '.join(errors_of(exc))}", messages.ERROR
                    )
                else:
                    done.append(str(candidate))
            if done:
                verb = "Placed on legal hold" if place else "Released from legal hold"
                self.message_user(request, f"{verb}: {', '.join(done)}.", messages.SUCCESS)
            return None
        return self._action_page(
            request,
            candidates,
            action="place_legal_hold" if place else "release_legal_hold",
            title="Place on legal hold" if place else "Release from legal hold",
            form=form,
            template="admin/screening/candidate/hold.html",
            place=place,
        )

    def due_view(self, request):
        """Who the retention rule would erase today and who a legal hold keeps, with a
        button that runs it now."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            run = retention.run_retention(actor=request.user, trigger=RetentionRun.Trigger.MANUAL)
            self.message_user(
                request,
                f"Retention run: erased {_count(run.erased_count, 'candidate')}, "
                f"skipped {run.held_count} under a legal hold.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:screening_retentionrun_changelist"))
        due = retention.due_for_erasure()
        # The run erases them all; the page lists them a hundred at a time.
        erase_page = Paginator(due.erase, DUE_PER_PAGE).get_page(request.GET.get("page"))
        context = {
            **page_context(self, request),
            "title": "Due for erasure",
            "due": due,
            "erase_page": erase_page,
            "default_months": settings.SCREENING_RETENTION_MONTHS,
            "last_run": RetentionRun.objects.filter(dry_run=False).first(),
        }
        return TemplateResponse(request, "admin/screening/candidate/due.html", context)

    def get_urls(self):
        return [
            path(
                "due-for-erasure/",
                self.admin_site.admin_view(self.due_view),
                name="screening_candidate_due",
            ),
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="screening_candidate_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """Upload a CSV or XLSX file (optionally with a posting, reviewers, a due date and a
        ZIP of the candidates' documents), see every row it would create with its documents
        and every problem, then confirm; nothing is written until the file and the ZIP are
        clean, and then all of it in one transaction."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        preview, plan, options = None, None, {}
        form = self._import_form(
            *((request.POST, request.FILES) if request.method == "POST" else ())
        )
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            if upload:
                data = upload.read()
                digest = _keep_upload(request, data)
            else:
                digest = form.cleaned_data["upload"]
                data = _kept_upload(request, digest)
            with ExitStack() as stack:
                zip_file, token = _documents_source(request, form, stack)
                if data is None:
                    form.add_error(
                        "file", "The checked file is no longer at hand; upload it again."
                    )
                elif zip_file is False:
                    form.add_error(
                        "documents", "The checked ZIP is no longer at hand; upload it again."
                    )
                else:
                    options = form.options()
                    bundle = _bundle(zip_file) if zip_file else None
                    if "_confirm" in request.POST:
                        try:
                            result, documents = services.candidate_import_with_documents(
                                actor=request.user, data=data, documents=bundle, **options
                            )
                        except (ServiceError, ValidationError) as exc:
                            for message in errors_of(exc):
                                self.message_user(request, message, messages.ERROR)
                        else:
                            request.session.pop(IMPORT_SESSION_KEY, None)
                            _drop_documents(request)
                            message = import_message(result, **options)
                            if documents:
                                message += f" Attached {_count(len(documents), 'document')}."
                            self.message_user(request, message, messages.SUCCESS)
                            return HttpResponseRedirect(_after_import_url(options["posting"]))
                    preview, plan = _preview(data, bundle, options["posting"])
                    if preview.ok:
                        if form.cleaned_data["documents"]:
                            token = _keep_documents(request, zip_file)
                    else:
                        # A file with problems is never confirmed: it need not wait here.
                        request.session.pop(IMPORT_SESSION_KEY, None)
                        _drop_documents(request)
                        digest = token = ""
                    form = self._import_form(
                        initial={**options, "upload": digest, "documents_upload": token}
                    )
        context = {
            **page_context(self, request),
            "title": "Import candidates",
            "form": form,
            "preview": preview,
            "documents": plan,
            "plan": import_plan(preview, documents=len(plan.documents) if plan else 0, **options)
            if preview and preview.ok
            else None,
        }
        return TemplateResponse(request, "admin/screening/candidate/import.html", context)

    def _import_form(self, *args, **kwargs) -> CandidateImportForm:
        return CandidateImportForm(
            *args,
            posting_queryset=selectors.postings_open_for_applications()
            .filter(status=JobPosting.Status.OPEN)
            .order_by("title", "id"),
            reviewer_queryset=services.reviewers(),
            **kwargs,
        )


# The checked file waits in the session between the preview and the confirmation, so a
# workbook's bytes need not travel back through the page.
# IMPORT_SESSION_KEY: screening.privacy.erasure, which drops what names an erased candidate.


def _keep_upload(request, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    request.session[IMPORT_SESSION_KEY] = {
        "digest": digest,
        "data": base64.b64encode(data).decode("ascii"),
    }
    return digest


def _kept_upload(request, digest: str) -> bytes | None:
    kept = request.session.get(IMPORT_SESSION_KEY)
    if not digest or not kept or kept.get("digest") != digest:
        return None
    return base64.b64decode(kept["data"])


def _preview(data: bytes, bundle, posting):
    """The import's preview, the documents' problems listed among the rows', and, when
    documents are in play, their plan (each row given its files as `documents`)."""
    preview = services.candidate_import_parse(data, posting=posting)
    plan = imports.match_documents(
        imports.document_claims(imports.read_table(data)),
        bundle,
        check=services.document_check,
        check_size=services.document_check_size,
    )
    preview.errors = sorted(preview.errors + plan.problems)
    if bundle is None and not plan.problems:
        return preview, None
    for row in preview.rows + preview.existing:
        taken, refused = plan.for_line(row["line"]), plan.refused_for_line(row["line"])
        row["documents"] = [
            {
                "name": d.file.name,
                "role": Document.Role(d.role).label,
                "size": d.file.size,
                "refused": d in refused,
            }
            for d in taken + refused
        ]
    return preview, plan


# The checked ZIP waits in storage (never at a public URL), named in the session only: it
# may be far larger than a session should hold. A ZIP left by an abandoned import is
# removed by the next import a day later.
# DOCUMENTS_SESSION_KEY, KEPT_DOCUMENTS_DIR: screening.privacy.erasure (an erasure
# discards pending ZIPs).
KEPT_DOCUMENTS_FOR = timedelta(days=1)


def _documents_source(request, form, stack: ExitStack):
    """The ZIP to read: the one uploaded now, or the one kept since the preview (opened
    inside `stack`), with its token; (None, "") without one; (False, "") when the kept one
    is gone."""
    upload = form.cleaned_data["documents"]
    if upload:
        return upload, ""
    token = form.cleaned_data["documents_upload"]
    if not token:
        return None, ""
    kept = request.session.get(DOCUMENTS_SESSION_KEY)
    if not kept or kept.get("token") != token or not default_storage.exists(kept["name"]):
        return False, ""
    return stack.enter_context(default_storage.open(kept["name"], "rb")), token


def _bundle(zip_file) -> imports.Bundle:
    return imports.read_zip(
        zip_file,
        max_files=settings.DOCUMENT_ZIP_MAX_FILES,
        max_unpacked_bytes=settings.DOCUMENT_ZIP_MAX_UNPACKED_BYTES,
    )


def _keep_documents(request, upload) -> str:
    _drop_documents(request)
    _remove_abandoned_documents()
    upload.seek(0)
    name = default_storage.save(f"{KEPT_DOCUMENTS_DIR}/{uuid.uuid4().hex}.zip", upload)
    token = secrets.token_urlsafe(16)
    request.session[DOCUMENTS_SESSION_KEY] = {"token": token, "name": name}
    return token


def _drop_documents(request) -> None:
    kept = request.session.pop(DOCUMENTS_SESSION_KEY, None)
    if kept:
        default_storage.delete(kept["name"])


def _remove_abandoned_documents() -> None:
    try:
        _folders, names = default_storage.listdir(KEPT_DOCUMENTS_DIR)
    except (FileNotFoundError, NotImplementedError):
        return
    cutoff = timezone.now() - KEPT_DOCUMENTS_FOR
    for name in names:
        path = f"{KEPT_DOCUMENTS_DIR}/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
        except (FileNotFoundError, NotImplementedError):
            continue


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{pluralize(number)}"


def _after_import_url(posting) -> str:
    if posting is None:
        return reverse("admin:screening_candidate_changelist")
    return f"{reverse('admin:screening_application_changelist')}?posting__id__exact={posting.pk}"


def _names(users) -> str:
    names = [u.get_full_name() or u.get_username() for u in users]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def import_message(result, *, posting, reviewers, due_date) -> str:
    """What a confirmed import did, in one sentence."""
    made = len(result.candidates)
    imported = f"Imported {made} candidate{pluralize(made)}"
    if posting is None:
        return f"{imported}."
    opened = len(result.applications)
    rubric = result.applications[0].rubric if result.applications else None
    applications = f"{opened} application{pluralize(opened)} for {posting.title}" + (
        f" (rubric v{rubric.version})" if rubric else ""
    )
    text = f"{imported} and opened {applications}" if made else f"Opened {applications}"
    if reviewers:
        each = "it" if opened == 1 else "each"
        text += f"; assigned {_names(reviewers)} to {each}"
        if due_date:
            text += f", due {due_date.isoformat()}"
    return f"{text}."


def import_plan(preview, *, posting, reviewers, due_date, documents: int = 0) -> dict:
    """What confirming a clean preview will do: a sentence and the button's label."""
    made = len(preview.rows)
    create = f"{made} candidate{pluralize(made)}"
    if posting is None:
        return {"sentence": f"Confirming adds {create}.", "button": f"Import {create}"}
    opened = preview.application_count
    applications = f"{opened} application{pluralize(opened)}"
    where = f" for {posting.title} (rubric v{preview.rubric.version})" if preview.rubric else ""
    if made:
        sentence = f"Confirming adds {create} and opens {applications}{where}"
        button = f"Import {create} and open {applications}"
    else:
        sentence = f"Confirming opens {applications}{where} for candidates already on file"
        button = f"Open {applications}"
    if reviewers:
        count = opened * len(reviewers)
        sentence += f", assigning {_names(reviewers)} to each ({count} review{pluralize(count)}" + (
            f", due {due_date.isoformat()})" if due_date else ")"
        )
    if documents:
        sentence += f"; it attaches {_count(documents, 'document')} to them"
        button += f", with {_count(documents, 'document')}"
    return {"sentence": f"{sentence}.", "button": button}


class EraseForm(forms.Form):
    reference = forms.CharField(
        label="Request reference",
        max_length=200,
        required=False,
        help_text="The request this answers, e.g. a ticket number. No personal data: it is "
        "kept in the audit trail.",
    )


class HoldForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=retention.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Why, e.g. the case or request the hold serves. Recorded in the audit trail.",
    )


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: runs are made by the nightly task or the “Due for erasure” page."""

    list_display = [
        "started_at",
        "trigger",
        "dry_run",
        "due_count",
        "erased_count",
        "held_count",
        "started_by_name",
        "finished_at",
    ]
    list_filter = ["trigger", "dry_run"]
    list_select_related = ["started_by"]
    readonly_fields = [
        "started_at",
        "finished_at",
        "trigger",
        "dry_run",
        "due_count",
        "erased_count",
        "held_count",
        "pseudonyms",
        "started_by_name",
    ]
    fields = readonly_fields
    started_by_name = person("started_by", "started by")
