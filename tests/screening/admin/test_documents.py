"""The documents admin (screening/admin/documents.py), driven through the test client: the
upload form checks the file by its content, the list and the read-only page, the file and
page images for recruiters and the application's reviewers only, deletion through the
service."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from screening import services
from screening.documents.samples import resume_pdf
from screening.models import Document
from tests.factories import ApplicationFactory, CandidateFactory, ReviewAssignmentFactory
from tests.support import messages_of

pytestmark = pytest.mark.django_db

ADD = reverse("admin:screening_document_add")
CHANGELIST = reverse("admin:screening_document_changelist")
SECTIONS = [("Skills", ["Python, PyTorch and C++"])]


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()]


@pytest.fixture
def application():
    return ApplicationFactory(candidate=CandidateFactory(full_name="Ada Example"))


@pytest.fixture
def document(application, recruiter, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.document_upload(
            application=application,
            actor=recruiter,
            name="Ada CV.pdf",
            data=resume_pdf("Ada Example", SECTIONS),
            role="resume",
        )


def admin_urls(document) -> list[str]:
    return [
        reverse("admin:screening_document_change", args=[document.pk]),
        reverse("admin:screening_document_file", args=[document.pk]),
        reverse("admin:screening_document_page_image", args=[document.pk, 1]),
    ]


def test_a_recruiter_uploads_a_resume_from_the_add_form(
    recruiter_client, application, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = recruiter_client.post(
            ADD,
            {
                "application": application.pk,
                "role": "resume",
                "file": SimpleUploadedFile("cv.pdf", resume_pdf("Ada", SECTIONS)),
            },
        )
    assert response.status_code == 302
    document = Document.objects.get()
    assert (document.original_name, document.kind, document.status) == ("cv.pdf", "pdf", "ready")
    assert document.uploaded_by is not None
    shown = messages_of(recruiter_client.get(response["Location"]))
    assert (
        "info",
        "The text is read in the background; this page shows when it is ready.",
    ) in shown


def test_the_add_form_offers_the_application_role_and_file(recruiter_client, application):
    response = recruiter_client.get(ADD, {"application": application.pk})
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert list(form.fields) == ["application", "role", "file"]
    assert form.initial["application"] == str(application.pk)


def test_the_add_form_refuses_content_that_is_not_a_document(recruiter_client, application, media):
    response = recruiter_client.post(
        ADD,
        {
            "application": application.pk,
            "role": "resume",
            "file": SimpleUploadedFile("cv.pdf", b"<html><body>CV</body></html>"),
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["file"] == [
        "The file is a web page or other markup, not a document. "
        "Upload a PDF, a Word document (.docx) or a plain-text file."
    ]
    assert not Document.objects.exists()
    assert stored_files(media) == []


def test_the_add_form_refuses_a_file_over_the_limit(recruiter_client, application, media, settings):
    settings.DOCUMENT_MAX_BYTES = 1024 * 1024
    response = recruiter_client.post(
        ADD,
        {
            "application": application.pk,
            "role": "resume",
            "file": SimpleUploadedFile("cv.txt", b"Python\n" * 300_000),
        },
    )
    assert response.context["adminform"].form.errors["file"] == [
        "The file is 2.0 MB; the limit is 1 MB."
    ]
    assert stored_files(media) == []


def test_the_list_shows_the_candidate_and_the_status(recruiter_client, document):
    response = recruiter_client.get(CHANGELIST, {"status__exact": "ready"})
    content = response.content.decode()
    assert "Ada CV.pdf" in content and "Ada Example" in content and "Ready" in content
    assert (
        recruiter_client.get(CHANGELIST, {"status__exact": "failed"}).context["cl"].result_count
        == 0
    )


def test_the_document_page_is_read_only_with_its_pages(recruiter_client, document):
    response = recruiter_client.get(admin_urls(document)[0])
    content = response.content.decode()
    assert response.status_code == 200
    assert "1 of 1" in content  # pages with text
    assert reverse("admin:screening_document_file", args=[document.pk]) in content
    assert 'name="file"' not in content
    assert str(document.application) in content
    assert reverse("admin:screening_application_change", args=[document.application_id]) not in (
        content
    )


def test_the_file_is_an_attachment_with_nosniff(recruiter_client, document):
    response = recruiter_client.get(admin_urls(document)[1])
    assert response["Content-Disposition"] == 'attachment; filename="Ada CV.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"


def test_an_unassigned_reviewer_gets_404(reviewer_client, reviewer, document):
    ReviewAssignmentFactory(reviewer=reviewer)
    for url in admin_urls(document):
        assert reviewer_client.get(url).status_code == 404, url
    assert reviewer_client.get(CHANGELIST).context["cl"].result_count == 0


def test_the_assigned_reviewer_reads_but_does_not_upload_or_delete(
    reviewer_client, reviewer, document
):
    ReviewAssignmentFactory(application=document.application, reviewer=reviewer)
    for url in admin_urls(document):
        assert reviewer_client.get(url).status_code == 200, url
    assert reviewer_client.get(ADD).status_code == 403
    delete = reverse("admin:screening_document_delete", args=[document.pk])
    assert reviewer_client.post(delete, {"post": "yes"}).status_code == 403
    assert Document.objects.filter(pk=document.pk).exists()


def test_anonymous_is_sent_to_log_in(client, document):
    for url in admin_urls(document):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


def test_a_recruiter_deletes_a_document_and_its_files(
    recruiter_client, document, media, django_capture_on_commit_callbacks
):
    delete = reverse("admin:screening_document_delete", args=[document.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = recruiter_client.post(delete, {"post": "yes"})
    assert response.status_code == 302
    assert not Document.objects.exists()
    assert stored_files(media) == []


@pytest.mark.parametrize("count", [2, 12])
def test_the_list_costs_the_same_whatever_its_length(
    recruiter_client, recruiter, application, django_assert_max_num_queries, count
):
    for index in range(count):
        services.document_upload(
            application=application,
            actor=recruiter,
            name=f"cv{index}.txt",
            data=b"Python",
            role="other",
        )
    recruiter_client.get(CHANGELIST)
    # session, user, 2 permissions, recruiter check, count, total count, page
    with django_assert_max_num_queries(8):
        response = recruiter_client.get(CHANGELIST)
    assert response.context["cl"].result_count == count
