"""Documents: upload through the service (checked by content, stored under a random name,
read by the task on commit), failures recorded on the document, files leaving storage with
their rows, and the evidence per criterion."""

from pathlib import Path

import pytest

from core.errors import ServiceError
from core.models import AuditEvent
from rubrics.models import Criterion
from screening import selectors, services
from screening.documents.errors import ExtractionFailed
from screening.documents.samples import resume_docx, resume_pdf, scanned_pdf
from screening.errors import NotAssigned
from screening.models import Document, DocumentPage
from tests.factories import (
    ApplicationFactory,
    CriterionFactory,
    ReviewAssignmentFactory,
    RubricFactory,
)

pytestmark = pytest.mark.django_db

SECTIONS = [
    ("Education", ["PhD candidate in Computer Science, Example University"]),
    ("Skills", ["Python, PyTorch and C++ for deep learning research"]),
]


def stored_files(media: Path) -> list[str]:
    return sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file())


def upload(application, actor, data, name="resume.pdf", role="resume"):
    return services.document_upload(
        application=application, actor=actor, name=name, data=data, role=role
    )


@pytest.fixture
def application():
    return ApplicationFactory()


def test_a_pdf_is_stored_under_a_random_name_and_read_with_its_page_images(
    application, recruiter, media, django_capture_on_commit_callbacks
):
    data = resume_pdf("Ada Example", SECTIONS)
    with django_capture_on_commit_callbacks(execute=True):
        document = upload(application, recruiter, data, name="C:\\Users\\ada\\My CV.pdf")
    document.refresh_from_db()
    assert document.original_name == "My CV.pdf"
    assert document.kind == "pdf"
    assert document.size == len(data)
    assert document.file.name.startswith("documents/") and document.file.name.endswith(".pdf")
    assert "CV" not in document.file.name
    assert document.status == Document.Status.READY
    assert document.error == ""
    assert document.page_count == 1
    page = document.pages.get()
    assert "PyTorch" in page.text
    assert page.image.name.endswith(".png")
    with page.image.open("rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
    assert len(stored_files(media)) == 2
    assert AuditEvent.objects.filter(event="document.uploaded", object_id=str(document.pk)).exists()


def test_a_docx_and_a_text_file_are_read_without_page_images(
    application, recruiter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        docx = upload(application, recruiter, resume_docx("Ada", SECTIONS), name="cv.docx")
        txt = upload(application, recruiter, b"Python\fPyTorch", name="notes.txt", role="other")
    docx.refresh_from_db()
    txt.refresh_from_db()
    assert (docx.kind, docx.status) == ("docx", "ready")
    assert "PyTorch" in docx.pages.get().text
    assert not docx.pages.get().image
    assert (txt.kind, txt.status, txt.page_count) == ("txt", "ready", 2)
    assert [p.text for p in txt.pages.all()] == ["Python", "PyTorch"]


def test_the_kind_comes_from_the_content_not_the_name(application, recruiter):
    document = upload(application, recruiter, b"Plain words of a letter.", name="letter.pdf")
    assert document.kind == "txt"
    assert document.file.name.endswith(".txt")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "This file is a PNG image (.png)"),
        (b"<!DOCTYPE html><html><body>Hi</body></html>", "The file is a web page"),
        (b"", "The file is empty."),
    ],
)
def test_refused_content_leaves_no_row_and_no_file(application, recruiter, media, data, message):
    with pytest.raises(ServiceError) as caught:
        upload(application, recruiter, data, name="resume.pdf")
    assert caught.value.field == "file"
    assert caught.value.code == "document_rejected"
    assert caught.value.message.startswith(message)
    assert not Document.objects.exists()
    assert stored_files(media) == []


def test_a_file_over_the_limit_is_refused(application, recruiter, media, settings):
    settings.DOCUMENT_MAX_BYTES = 1024 * 1024
    with pytest.raises(ServiceError) as caught:
        upload(application, recruiter, b"Python\n" * (3 * 1024 * 1024 // 14), name="cv.txt")
    assert caught.value.message == "The file is 1.5 MB; the limit is 1 MB."
    assert not Document.objects.exists()
    assert stored_files(media) == []


def test_a_document_with_too_many_pages_is_refused(application, recruiter, settings):
    settings.DOCUMENT_MAX_PAGES = 2
    with pytest.raises(ServiceError) as caught:
        upload(application, recruiter, b"one\ftwo\fthree", name="cv.txt")
    assert caught.value.message == "The document has 3 pages; the limit is 2."


def test_only_recruiters_upload(application, reviewer):
    ReviewAssignmentFactory(application=application, reviewer=reviewer)
    with pytest.raises(NotAssigned):
        upload(application, reviewer, b"Python", name="cv.txt")
    assert not Document.objects.exists()


def test_an_unknown_role_is_a_field_error(application, recruiter, media):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        upload(application, recruiter, b"Python", name="cv.txt", role="portrait")
    assert "role" in caught.value.message_dict
    assert stored_files(media) == []


def test_a_failed_transaction_removes_the_stored_file(application, recruiter, media, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services.audit, "record", broken)
    with pytest.raises(RuntimeError):
        upload(application, recruiter, b"Python", name="cv.txt")
    assert not Document.objects.exists()
    assert stored_files(media) == []


def test_a_file_that_cannot_be_read_is_marked_failed_with_the_reason(
    application, recruiter, monkeypatch, django_capture_on_commit_callbacks
):
    def unreadable(data, kind):
        raise ExtractionFailed("The PDF is damaged and cannot be read. Upload it again.")

    monkeypatch.setattr(services, "extract_text", unreadable)
    with django_capture_on_commit_callbacks(execute=True):
        document = upload(application, recruiter, resume_pdf("Ada", SECTIONS))
    document.refresh_from_db()
    assert document.status == Document.Status.FAILED
    assert document.error == "The PDF is damaged and cannot be read. Upload it again."
    assert not document.pages.exists()


def test_an_unexpected_error_is_recorded_in_plain_words(
    application, recruiter, monkeypatch, django_capture_on_commit_callbacks
):
    def crash(data, kind):
        raise KeyError("word/document.xml")

    monkeypatch.setattr(services, "extract_text", crash)
    with django_capture_on_commit_callbacks(execute=True):
        document = upload(application, recruiter, b"Python", name="cv.txt")
    document.refresh_from_db()
    assert (document.status, document.error) == ("failed", "Could not read this file.")


def test_a_scan_is_read_as_needing_ocr(application, recruiter, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        document = upload(application, recruiter, scanned_pdf(2))
    document.refresh_from_db()
    assert document.status == "ready"
    assert document.needs_ocr is True
    assert document.pages.count() == 2
    assert all(page.image for page in document.pages.all())


def test_reading_again_replaces_the_pages_and_their_images(
    application, recruiter, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        document = upload(application, recruiter, resume_pdf("Ada", SECTIONS))
    first_image = document.pages.get().image.name
    with django_capture_on_commit_callbacks(execute=True):
        services.document_extract(document_id=document.pk)
    page = DocumentPage.objects.get(document=document)
    assert page.image.name != first_image
    assert not (media / first_image).exists()
    assert len(stored_files(media)) == 2


def test_deleting_a_document_removes_its_files(
    application, recruiter, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        document = upload(application, recruiter, resume_pdf("Ada", SECTIONS))
    assert len(stored_files(media)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        services.document_delete(document=document, actor=recruiter)
    assert not Document.objects.exists()
    assert stored_files(media) == []
    assert AuditEvent.objects.filter(event="document.deleted").exists()


def test_deleting_an_application_removes_its_documents_files(
    application, recruiter, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(application, recruiter, resume_pdf("Ada", SECTIONS))
        upload(application, recruiter, b"Cover letter", name="letter.txt", role="cover_letter")
    assert len(stored_files(media)) == 3
    with django_capture_on_commit_callbacks(execute=True):
        application.delete()
    assert stored_files(media) == []


def test_reviewers_see_the_documents_of_their_assignments_only(application, recruiter, reviewer):
    document = upload(application, recruiter, b"Python", name="cv.txt")
    other = upload(ApplicationFactory(), recruiter, b"Python", name="cv.txt")
    ReviewAssignmentFactory(application=application, reviewer=reviewer)
    assert list(selectors.documents_visible_to(reviewer)) == [document]
    assert set(selectors.documents_visible_to(recruiter)) == {document, other}


def test_evidence_names_the_passages_for_each_criterion(
    recruiter, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    rubric = RubricFactory()
    skills = CriterionFactory(
        rubric=rubric,
        title="Skills",
        description="Proficiency in Python and deep learning frameworks",
        keywords=["Python", "PyTorch", "Java"],
        order=1,
    )
    sales = CriterionFactory(
        rubric=rubric,
        kind=Criterion.Kind.BONUS,
        title="Enterprise sales",
        description="Closed enterprise deals",
        keywords=["Salesforce"],
        order=2,
    )
    application = ApplicationFactory(rubric=rubric, posting=rubric.posting)
    with django_capture_on_commit_callbacks(execute=True):
        upload(application, recruiter, resume_pdf("Ada", SECTIONS))
    with django_assert_max_num_queries(3):
        rows = selectors.application_evidence(application)
    assert [row.criterion_id for row in rows] == [skills.pk, sales.pk]
    skills_row, sales_row = rows
    (found,) = skills_row.documents
    snippets = " ".join(p["snippet"] for p in found.passages)
    assert "Python, PyTorch and C++" in snippets
    assert {"Python", "PyTorch"} <= {t for p in found.passages for t in p["terms"]}
    assert found.passages[0]["page"] == 1
    assert sales_row.documents == []


def test_a_document_not_yet_read_gives_no_evidence(recruiter):
    rubric = RubricFactory()
    CriterionFactory(rubric=rubric, keywords=["Python"])
    application = ApplicationFactory(rubric=rubric, posting=rubric.posting)
    upload(application, recruiter, b"Python", name="cv.txt")  # the task waits for the commit
    assert all(row.documents == [] for row in selectors.application_evidence(application))
