"""Candidates' documents in the admin: a list to search and filter, a read-only page per
document (its progress, its pages, why it could not be read), an upload form that checks the
file by its content, and the file and page images served to recruiters and to the
application's reviewers only (404 for anyone else). Every write goes through
screening.services."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from core.admin import AuditHistoryMixin, ServiceErrorsAsMessages, person
from core.errors import ServiceError
from screening import anonymity, selectors, services
from screening.documents.sniff import CONTENT_TYPES, DocumentKind
from screening.models import Document


class DocumentUploadForm(forms.ModelForm):
    file = forms.FileField(
        help_text="A PDF, a Word document (.docx) or a plain-text file; it is checked by its "
        "content, whatever its name."
    )

    class Meta:
        model = Document
        fields = ["application", "role"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            services.document_check_size(upload.size)
            data = upload.read()
            services.document_check(data)
        except ServiceError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None
        self.data_bytes = data
        return upload


@admin.register(Document)
class DocumentAdmin(AuditHistoryMixin, ServiceErrorsAsMessages, admin.ModelAdmin):
    list_display = [
        "file_name",
        "candidate",
        "role",
        "kind",
        "size_display",
        "page_count",
        "status",
        "created_at",
    ]
    list_filter = ["status", "kind", "role"]
    search_fields = ["original_name", "application__candidate__full_name"]
    autocomplete_fields = ["application"]
    readonly_fields = [
        "application_name",
        "role",
        "kind",
        "file_name",
        "size_display",
        "page_count",
        "status",
        "error",
        "needs_ocr",
        "pages_with_text",
        "download",
        "page_images",
        "uploaded_by_name",
        "created_at",
    ]
    uploaded_by_name = person("uploaded_by")

    def get_queryset(self, request):
        return selectors.documents_visible_to(request.user)

    def get_search_fields(self, request):
        # Searching names would tell who is behind a code (an anonymised review).
        # (Asked only when there is a term: the plain list costs no query more.)
        if request.GET.get("q") and anonymity.IdentityScreen.of(request).hides_anyone():
            return []
        return self.search_fields

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.candidate_hidden:
            # The page's title and breadcrumbs name the document: by its role, not its file.
            name = anonymity.anonymous_document_name(obj)
            context.update(subtitle=name, original=_Named(obj.pk, name))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = DocumentUploadForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["application", "role", "file"]
        return self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    # Recruiters read, upload and delete; a reviewer reads the documents of their
    # assignments (the Recruiter and Reviewer groups' permissions, migration 0012; the
    # queryset narrows a reviewer's). Nobody edits a document: it is replaced.
    def has_change_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Another application's document is not there at all (the admin would otherwise
        # redirect with a message that names the id).
        if not self._visible(request, object_id):
            raise Http404("No such document.")
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        document = services.document_upload(
            application=form.cleaned_data["application"],
            actor=request.user,
            name=form.cleaned_data["file"].name,
            data=form.data_bytes,
            role=form.cleaned_data["role"],
        )
        obj.pk, obj.original_name, obj.kind = document.pk, document.original_name, document.kind
        obj.file, obj.size, obj.created_at = document.file, document.size, document.created_at

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(
            request,
            "The text is read in the background; this page shows when it is ready.",
            messages.INFO,
        )
        return super().response_add(request, obj, post_url_continue)

    def delete_model(self, request, obj):
        services.document_delete(document=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for document in queryset:
            services.document_delete(document=document, actor=request.user)

    @admin.display(description="application")
    def application_name(self, document):
        # Plain text: a reviewer may not open the application's admin page.
        return f"{self.candidate(document)} for {document.application.posting}"

    @admin.display(description="candidate")
    def candidate(self, document):
        if document.candidate_hidden:
            return anonymity.candidate_code(document.application.candidate_id)
        return document.application.candidate.full_name

    @admin.display(description="file name")
    def file_name(self, document):
        if document.candidate_hidden:
            return anonymity.anonymous_document_name(document)
        return document.original_name

    @admin.display(description="size", ordering="size")
    def size_display(self, document):
        return filesizeformat(document.size)

    @admin.display(description="pages with text")
    def pages_with_text(self, document):
        pages = list(document.pages.all())
        if not pages:
            return "—"
        with_text = sum(1 for page in pages if page.text.strip())
        return f"{with_text} of {len(pages)}"

    @admin.display(description="file")
    def download(self, document):
        url = reverse("admin:screening_document_file", args=[document.pk])
        if document.candidate_hidden:
            return format_html(
                '<a href="{}">Download its text</a> <span class="help">(anonymised review: '
                "what would identify the candidate is blacked out, until you submit your "
                "scorecard)</span>",
                url,
            )
        return format_html('<a href="{}">Download {}</a>', url, document.original_name)

    @admin.display(description="page images")
    def page_images(self, document):
        if document.candidate_hidden:
            return "— (not shown on an anonymised review)"
        numbers = [page.number for page in document.pages.all() if page.image]
        if not numbers:
            return "—"
        return format_html_join(
            " ",
            '<a href="{}">p.{}</a>',
            (
                (reverse("admin:screening_document_page_image", args=[document.pk, n]), n)
                for n in numbers
            ),
        )

    def get_urls(self):
        return [
            path(
                "<int:document_id>/file/",
                self.admin_site.admin_view(self.file_view),
                name="screening_document_file",
            ),
            path(
                "<int:document_id>/pages/<int:number>/image/",
                self.admin_site.admin_view(self.page_image_view),
                name="screening_document_page_image",
            ),
            *super().get_urls(),
        ]

    def _visible(self, request, document_id):
        try:
            return selectors.documents_visible_to(request.user).filter(pk=document_id).first()
        except (ValueError, TypeError):
            return None

    def _document(self, request, document_id) -> Document:
        if not self.has_view_permission(request):
            raise PermissionDenied
        document = self._visible(request, document_id)
        if document is None:
            raise Http404("No such document.")
        return document

    def file_view(self, request, document_id):
        document = self._document(request, document_id)
        if document.candidate_hidden:
            return _locked_down(anonymity.redacted_text_response(document))
        response = FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=document.original_name,
            content_type=CONTENT_TYPES[DocumentKind(document.kind)],
        )
        return _locked_down(response)

    def page_image_view(self, request, document_id, number):
        document = self._document(request, document_id)
        if document.candidate_hidden:
            # A page as drawn could show a photo and the name.
            raise Http404("Page images are not shown on an anonymised review.")
        page = selectors.document_page(document, number)
        if page is None or not page.image:
            raise Http404("No such page image.")
        return _locked_down(FileResponse(page.image.open("rb"), content_type="image/png"))


def _locked_down(response):
    # A browser must never sniff the file into something runnable, nor run anything in it.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


class _Named:
    """An object for the change form's title and breadcrumbs: its id, and a name to show."""

    def __init__(self, pk, name: str):
        self.pk, self.name = pk, name

    def __str__(self) -> str:
        return self.name
