"""The application page's Documents section: every file of the application with its state
in words, links to its page and file, and the way to add one; in constant queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from screening import services
from screening.documents.samples import resume_docx, resume_pdf, scanned_pdf
from screening.models import Document
from tests.factories import ApplicationFactory, CandidateFactory

pytestmark = pytest.mark.django_db

SECTIONS = [("Skills", ["Python, Go and SQL"])]
# The whole application page (session, user, the application, its summary, its history
# and forms, whether the viewer is still scoring it) with one query for its documents,
# however many.
MAX_QUERIES = 13


@pytest.fixture
def application():
    return ApplicationFactory(candidate=CandidateFactory(full_name="Ada Example"))


def upload(application, actor, name, data, role="resume", *, read=True, capture=None):
    if read:
        with capture(execute=True):
            return services.document_upload(
                application=application, actor=actor, name=name, data=data, role=role
            )
    return services.document_upload(
        application=application, actor=actor, name=name, data=data, role=role
    )


def page(client, application):
    return client.get(reverse("admin:screening_application_change", args=[application.pk]))


def section(response) -> str:
    html = response.content.decode()
    start = html.index('id="application-documents"')
    return html[start : html.index("</fieldset>", start)]


def test_the_section_lists_each_document_with_its_state_in_words(
    recruiter_client, recruiter, application, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    ready = upload(
        application, recruiter, "ada-cv.pdf", resume_pdf("Ada", SECTIONS), capture=capture
    )
    letter = upload(
        application,
        recruiter,
        "letter.docx",
        resume_docx("Ada", SECTIONS),
        role="cover_letter",
        read=False,
    )
    scan = upload(application, recruiter, "scan.pdf", scanned_pdf(2), role="other", capture=capture)
    broken = upload(
        application,
        recruiter,
        "old.pdf",
        resume_pdf("Ada", SECTIONS),
        role="other",
        capture=capture,
    )
    Document.objects.filter(pk=broken.pk).update(status="failed", error="The PDF is damaged.")

    html = section(page(recruiter_client, application))

    rows = html.split('class="document-row"')[1:]
    assert len(rows) == 4
    by_name = {
        name: next(r for r in rows if f">{name}</a>" in r)
        for name in ("ada-cv.pdf", "letter.docx", "scan.pdf", "old.pdf")
    }
    assert "Résumé" in by_name["ada-cv.pdf"] and ">Ready<" in by_name["ada-cv.pdf"]
    assert "Cover letter" in by_name["letter.docx"] and "Reading…" in by_name["letter.docx"]
    assert "Word document" in by_name["letter.docx"]
    assert "No text found: scanned image?" in by_name["scan.pdf"]
    assert ">2<" in by_name["scan.pdf"]
    assert "The PDF is damaged." in by_name["old.pdf"]
    for document in (ready, letter, scan, broken):
        assert reverse("admin:screening_document_change", args=[document.pk]) in html
        assert reverse("admin:screening_document_file", args=[document.pk]) in html


def test_add_document_links_to_the_upload_form_for_this_application(recruiter_client, application):
    html = section(page(recruiter_client, application))

    assert "No documents yet." in html
    add = f"{reverse('admin:screening_document_add')}?application={application.pk}"
    assert f'href="{add}"' in html
    form = recruiter_client.get(add)
    assert form.context["adminform"].form.initial["application"] == str(application.pk)


def test_the_page_takes_the_same_queries_for_one_document_or_many(
    recruiter_client, recruiter, application, django_capture_on_commit_callbacks
):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert page(recruiter_client, application).status_code == 200
        return len(queries)

    pdf = resume_pdf("Ada", SECTIONS)
    upload(application, recruiter, "1.pdf", pdf, capture=django_capture_on_commit_callbacks)
    one = count()
    for n in range(2, 7):
        upload(
            application,
            recruiter,
            f"{n}.pdf",
            pdf,
            role="other",
            read=n % 2 == 0,
            capture=django_capture_on_commit_callbacks,
        )
    assert count() == one


def test_the_page_with_many_documents_stays_within_its_query_budget(
    recruiter_client,
    recruiter,
    application,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    pdf = resume_pdf("Ada", SECTIONS)
    for n in range(8):
        upload(
            application,
            recruiter,
            f"{n}.pdf",
            pdf,
            role="other",
            capture=django_capture_on_commit_callbacks,
        )

    with django_assert_max_num_queries(MAX_QUERIES):
        response = page(recruiter_client, application)
    assert section(response).count('class="document-row"') == 8
