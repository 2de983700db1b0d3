"""The documents API: upload (multipart), metadata, the file as a locked-down download,
page images and evidence, for recruiters and the application's reviewers only."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rubrics.models import Criterion
from screening import services
from screening.documents.samples import resume_docx, resume_pdf
from screening.models import Document
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    CriterionFactory,
    ReviewAssignmentFactory,
    RubricFactory,
)

pytestmark = pytest.mark.django_db

SECTIONS = [
    ("Education", ["PhD candidate in Computer Science, Example University"]),
    ("Skills", ["Python, PyTorch and C++ for deep learning research"]),
]


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()]


@pytest.fixture
def application():
    rubric = RubricFactory()
    CriterionFactory(
        rubric=rubric,
        title="Skills",
        description="Proficiency in Python and a deep learning framework",
        keywords=["Python", "PyTorch"],
        order=1,
    )
    CriterionFactory(
        rubric=rubric,
        kind=Criterion.Kind.BONUS,
        title="Sales",
        description="Closed enterprise deals",
        keywords=["Salesforce"],
        order=2,
    )
    return ApplicationFactory(
        rubric=rubric, posting=rubric.posting, candidate=CandidateFactory(full_name="Ada Example")
    )


def documents_url(application) -> str:
    return f"/api/v1/applications/{application.pk}/documents/"


def post_file(api, application, data: bytes, name: str, role: str = "resume"):
    return api.post(
        documents_url(application),
        {"file": SimpleUploadedFile(name, data), "role": role},
        format="multipart",
    )


@pytest.fixture
def uploaded(recruiter, application, django_capture_on_commit_callbacks):
    """Ada's résumé, read. Made through the service: the API clients share one session, so
    a test acting as the reviewer must not log the recruiter in."""
    with django_capture_on_commit_callbacks(execute=True):
        document = services.document_upload(
            application=application,
            actor=recruiter,
            name="Ada CV.pdf",
            data=resume_pdf("Ada Example", SECTIONS),
            role="resume",
        )
    return document


def test_upload_answers_201_with_the_document(
    recruiter_api, application, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_file(recruiter_api, application, resume_docx("Ada", SECTIONS), "cv.docx")
    assert response.status_code == 201
    body = response.json()
    assert body["kind"] == "docx"
    assert body["original_name"] == "cv.docx"
    assert body["role"] == "resume"
    assert body["status"] == "pending"  # answered before the text is read
    assert body["file_url"].endswith(f"/api/v1/documents/{body['id']}/file/")
    detail = recruiter_api.get(f"/api/v1/documents/{body['id']}/").json()
    assert (detail["status"], detail["pages_read"], detail["error"]) == ("ready", 1, "")


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (
            b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
            "resume.pdf",
            "This file is a PNG image (.png), not a document we can read. "
            "Upload a PDF, a Word document (.docx) or a plain-text file.",
        ),
        (
            b"<html><body>My CV</body></html>",
            "cv.txt",
            "The file is a web page or other markup, not a document. "
            "Upload a PDF, a Word document (.docx) or a plain-text file.",
        ),
    ],
)
def test_refused_content_is_a_400_under_file_and_nothing_is_stored(
    recruiter_api, application, media, data, name, message
):
    response = post_file(recruiter_api, application, data, name)
    assert response.status_code == 400
    assert response.json() == {"file": [message], "code": "document_rejected"}
    assert not Document.objects.exists()
    assert stored_files(media) == []


def test_a_file_over_the_limit_is_a_400_and_nothing_is_stored(
    recruiter_api, application, media, settings
):
    settings.DOCUMENT_MAX_BYTES = 1024 * 1024
    response = post_file(recruiter_api, application, b"Python\n" * 300_000, "cv.txt")
    assert response.status_code == 400
    assert response.json()["file"] == ["The file is 2.0 MB; the limit is 1 MB."]
    assert not Document.objects.exists()
    assert stored_files(media) == []


def test_a_missing_file_or_an_unknown_role_is_a_field_error(recruiter_api, application):
    response = recruiter_api.post(
        documents_url(application), {"role": "resume"}, format="multipart"
    )
    assert response.status_code == 400
    assert "file" in response.json()
    response = post_file(recruiter_api, application, b"Python", "cv.txt", role="portrait")
    assert response.status_code == 400
    assert response.json()["role"] == ['"portrait" is not a valid choice.']


def test_a_reviewer_may_not_upload(reviewer_api, reviewer, application):
    ReviewAssignmentFactory(application=application, reviewer=reviewer)
    response = post_file(reviewer_api, application, b"Python", "cv.txt")
    assert response.status_code == 403
    assert not Document.objects.exists()


def test_the_file_is_an_attachment_that_a_browser_will_not_sniff_or_run(recruiter_api, uploaded):
    response = recruiter_api.get(f"/api/v1/documents/{uploaded.pk}/file/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="Ada CV.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_a_page_image_is_a_png(recruiter_api, uploaded):
    response = recruiter_api.get(f"/api/v1/documents/{uploaded.pk}/pages/1/image/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert recruiter_api.get(f"/api/v1/documents/{uploaded.pk}/pages/2/image/").status_code == 404


def urls_of(document) -> list[str]:
    return [
        f"/api/v1/documents/{document.pk}/",
        f"/api/v1/documents/{document.pk}/file/",
        f"/api/v1/documents/{document.pk}/pages/1/image/",
        f"/api/v1/applications/{document.application_id}/evidence/",
        f"/api/v1/applications/{document.application_id}/documents/",
    ]


def test_a_reviewer_not_assigned_gets_404_for_everything(reviewer_api, reviewer, uploaded):
    ReviewAssignmentFactory(reviewer=reviewer)  # assigned elsewhere
    for url in urls_of(uploaded):
        assert reviewer_api.get(url).status_code == 404, url


def test_the_assigned_reviewer_gets_200_for_everything(reviewer_api, reviewer, uploaded):
    ReviewAssignmentFactory(application=uploaded.application, reviewer=reviewer)
    for url in urls_of(uploaded):
        assert reviewer_api.get(url).status_code == 200, url


def test_anonymous_requests_are_refused(api_client, uploaded):
    for url in urls_of(uploaded):
        assert api_client.get(url).status_code == 403, url


def test_evidence_lists_the_passages_per_criterion(reviewer_api, reviewer, uploaded):
    ReviewAssignmentFactory(application=uploaded.application, reviewer=reviewer)
    body = reviewer_api.get(f"/api/v1/applications/{uploaded.application_id}/evidence/").json()
    assert [row["title"] for row in body] == ["Skills", "Sales"]
    skills, sales = body
    (document,) = skills["documents"]
    assert document["document_name"] == "Ada CV.pdf"
    assert skills["match_count"] >= 2
    terms = {term for passage in document["passages"] for term in passage["terms"]}
    assert {"Python", "PyTorch"} <= terms
    passage = document["passages"][0]
    assert passage["page"] == 1
    assert "Python, PyTorch and C++" in passage["snippet"]
    start, end = passage["highlight"]
    assert passage["snippet"][start:end] == "Python, PyTorch"  # two matches, one passage
    assert sales["documents"] == [] and sales["match_count"] == 0


def test_a_failed_document_says_why_and_never_500s(
    recruiter_api, application, monkeypatch, django_capture_on_commit_callbacks
):
    from screening.documents.errors import ExtractionFailed

    def unreadable(data, kind):
        raise ExtractionFailed("The PDF is password-protected. Upload a copy without a password.")

    monkeypatch.setattr(services, "extract_text", unreadable)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_file(recruiter_api, application, resume_pdf("Ada", SECTIONS), "cv.pdf")
    assert response.status_code == 201
    detail = recruiter_api.get(f"/api/v1/documents/{response.json()['id']}/").json()
    assert detail["status"] == "failed"
    assert detail["status_label"] == "Could not be read"
    assert detail["error"] == "The PDF is password-protected. Upload a copy without a password."
    evidence = recruiter_api.get(f"/api/v1/applications/{application.pk}/evidence/")
    assert evidence.status_code == 200


def test_a_recruiter_deletes_a_document_and_its_files(
    recruiter_api, uploaded, media, django_capture_on_commit_callbacks
):
    assert len(stored_files(media)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        response = recruiter_api.delete(f"/api/v1/documents/{uploaded.pk}/")
    assert response.status_code == 204
    assert not Document.objects.exists()
    assert stored_files(media) == []


def test_a_reviewer_may_not_delete(reviewer_api, reviewer, uploaded):
    ReviewAssignmentFactory(application=uploaded.application, reviewer=reviewer)
    assert reviewer_api.delete(f"/api/v1/documents/{uploaded.pk}/").status_code == 403
    assert Document.objects.filter(pk=uploaded.pk).exists()


@pytest.mark.parametrize("count", [3, 30])
def test_the_documents_list_costs_the_same_whatever_its_length(
    recruiter_api, application, django_assert_max_num_queries, count
):
    for index in range(count):
        post_file(recruiter_api, application, f"Python {index}".encode(), f"cv{index}.txt")
    # session, user, recruiter check, application, the count, the page of documents (with
    # their page counts)
    with django_assert_max_num_queries(6):
        response = recruiter_api.get(documents_url(application), {"page_size": 200})
    assert response.status_code == 200
    assert response.json()["count"] == count
    assert len(response.json()["results"]) == count


def test_the_documents_list_is_paginated_like_every_list(recruiter_api, application):
    for index in range(5):
        post_file(recruiter_api, application, f"Python {index}".encode(), f"cv{index}.txt")
    post_file(recruiter_api, application, b"Dear team", "letter.txt", role="cover_letter")

    first = recruiter_api.get(documents_url(application), {"page_size": 4}).json()
    second = recruiter_api.get(first["next"]).json()

    assert first["count"] == second["count"] == 6
    assert first["previous"] is None and second["next"] is None
    names = [d["original_name"] for d in first["results"] + second["results"]]
    # Cover letter, then the résumés in the order they came; no document twice.
    assert names == ["letter.txt"] + [f"cv{index}.txt" for index in range(5)]
    assert recruiter_api.get(documents_url(application), {"page": 9}).status_code == 404


def test_the_schema_shows_the_documents_list_as_a_page(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    get = schema["paths"]["/api/v1/applications/{id}/documents/"]["get"]
    content = get["responses"]["200"]["content"]["application/json"]["schema"]
    assert content == {"$ref": "#/components/schemas/PaginatedDocumentList"}
    assert {p["name"] for p in get["parameters"]} >= {"page", "page_size"}
    page = schema["components"]["schemas"]["PaginatedDocumentList"]
    assert page["properties"]["results"]["items"] == {"$ref": "#/components/schemas/Document"}
