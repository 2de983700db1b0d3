"""The candidate import with a ZIP of the candidates' documents (screening/admin/candidates.py):
files matched to rows by a `documents` column or by email, every problem listed with its line
in the preview, everything stored in one transaction on confirmation, or nothing."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from core.models import AuditEvent
from screening import services
from screening.documents.samples import resume_pdf
from screening.models import Application, Candidate, Document
from tests.factories import CandidateFactory, JobPostingFactory, published_rubric
from tests.support import form_data, hidden_value, messages_of, table_rows

pytestmark = pytest.mark.django_db

IMPORT = reverse("admin:screening_candidate_import")
HEADER = "full_name,email,phone,links,notes"
TWO_ROWS = f"{HEADER}\nAda Lovelace,ada@example.net,,,\nCharles Babbage,charles@example.net,,,\n"


def pdf(text: str = "Python and SQL") -> bytes:
    return resume_pdf("Résumé", [("Skills", [text])])


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


ADA_PDF = pdf()
BY_EMAIL = {
    "ada@example.net.pdf": ADA_PDF,
    "Ada@Example.net-cover.txt": b"Dear hiring team,\n",
    "charles@example.net_2.txt": b"Go and Rust\n",
}


def size(data: bytes) -> str:
    return filesizeformat(len(data)).replace("\xa0", " ")


def upload(client, text: str, documents: bytes | None = None, **options):
    data = {"file": SimpleUploadedFile("candidates.csv", text.encode(), "text/csv"), **options}
    if documents is not None:
        data["documents"] = SimpleUploadedFile("documents.zip", documents, "application/zip")
    return client.post(IMPORT, data)


def confirm(client, preview, **kwargs):
    return client.post(
        IMPORT, {**form_data(preview, "confirm-form"), "_confirm": "Import"}, **kwargs
    )


def stored_files(media) -> list[str]:
    return sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file())


def stored_documents(media) -> list[str]:
    return [name for name in stored_files(media) if name.startswith("documents/")]


@pytest.fixture
def posting():
    return published_rubric(posting=JobPostingFactory(title="Field Service Technician")).posting


# --- The preview -------------------------------------------------------------------------


def test_preview_shows_each_rows_documents_matched_by_email(recruiter_client, posting):
    response = upload(recruiter_client, TWO_ROWS, zip_of(BY_EMAIL), posting=posting.pk)

    rows = table_rows(response, "import-rows")
    assert [(row[0], row[2], row[-1]) for row in rows] == [
        (
            "2",
            "ada@example.net",
            f"ada@example.net.pdf · Résumé, {size(ADA_PDF)} "
            "Ada@Example.net-cover.txt · Cover letter, 18 bytes",
        ),
        ("3", "charles@example.net", "charles@example.net_2.txt · Résumé, 12 bytes"),
    ]
    assert table_rows(response, "import-errors") == []
    assertContains(response, "; it attaches 3 documents to them.")


def test_preview_shows_each_rows_documents_named_in_its_documents_column(recruiter_client, posting):
    text = (
        f"{HEADER},documents\n"
        'Ada Lovelace,ada@example.net,,,,"cv/ada.pdf; letter-ada.txt"\n'
        "Charles Babbage,charles@example.net,,,,\n"
    )
    documents = zip_of({"cv/ada.pdf": ADA_PDF, "letter-ada.txt": b"Dear team,\n"})

    response = upload(recruiter_client, text, documents, posting=posting.pk)

    assert [row[-1] for row in table_rows(response, "import-rows")] == [
        f"ada.pdf · Résumé, {size(ADA_PDF)} letter-ada.txt · Cover letter, 11 bytes",
        "none",
    ]
    assertContains(response, "; it attaches 2 documents to them.")


def test_an_existing_candidate_gets_documents_on_the_application_the_import_opens(
    recruiter_client, posting
):
    CandidateFactory(full_name="Ada King", email="ada@example.net")

    response = upload(recruiter_client, TWO_ROWS, zip_of(BY_EMAIL), posting=posting.pk)

    (existing,) = table_rows(response, "import-existing")
    assert existing[-1].startswith("ada@example.net.pdf · Résumé")
    assert existing[-1].endswith("Ada@Example.net-cover.txt · Cover letter, 18 bytes")


def test_preview_without_documents_shows_no_documents_column(recruiter_client, posting):
    response = upload(recruiter_client, TWO_ROWS, posting=posting.pk)

    assertNotContains(response, "<th>Documents</th>")


def test_preview_stores_no_document(recruiter_client, posting, media):
    upload(recruiter_client, TWO_ROWS, zip_of(BY_EMAIL), posting=posting.pk)

    assert not Document.objects.exists()
    assert not Candidate.objects.exists()
    assert stored_documents(media) == []


# --- Problems, each with its line; none stores anything -----------------------------------


def problems_of(client, posting, media, text, documents):
    response = upload(client, text, documents, posting=posting.pk)
    assertNotContains(response, 'name="_confirm"')
    assert stored_files(media) == []  # not even the ZIP waits for a confirmation
    return table_rows(response, "import-errors")


def test_a_name_in_the_documents_column_missing_from_the_zip_is_a_problem_of_its_line(
    recruiter_client, posting, media
):
    text = f"{HEADER},documents\nAda,ada@example.net,,,,ada.pdf;ada-letter.pdf\n"

    problems = problems_of(recruiter_client, posting, media, text, zip_of({"ada.pdf": pdf()}))

    assert problems == [["2", "documents: “ada-letter.pdf” is not in the ZIP."]]


def test_a_file_named_by_two_rows_is_a_problem_of_the_second(recruiter_client, posting, media):
    text = f"{HEADER},documents\nAda,ada@example.net,,,,cv.pdf\nBo,bo@example.net,,,,CV.pdf\n"

    problems = problems_of(recruiter_client, posting, media, text, zip_of({"cv.pdf": pdf()}))

    assert problems == [["3", "documents: “CV.pdf” is named on line 2 too."]]


def test_a_file_no_row_names_is_a_problem(recruiter_client, posting, media):
    text = f"{HEADER},documents\nAda,ada@example.net,,,,ada.pdf\n"
    documents = zip_of({"ada.pdf": pdf(), "stray.pdf": pdf()})

    problems = problems_of(recruiter_client, posting, media, text, documents)

    assert problems == [["—", "“stray.pdf”: no row names it in its documents column."]]


def test_a_file_named_by_no_rows_email_is_a_problem(recruiter_client, posting, media):
    documents = zip_of({**BY_EMAIL, "ada@example.network.pdf": pdf()})

    problems = problems_of(recruiter_client, posting, media, TWO_ROWS, documents)

    assert problems == [
        ["—", "“ada@example.network.pdf”: its name does not begin with any row's email."]
    ]


def test_a_file_refused_by_its_content_says_why_as_the_upload_does(
    recruiter_client, posting, media
):
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    with pytest.raises(services.DocumentRefused) as refused:
        services.document_check(png)
    documents = zip_of({"ada@example.net.pdf": png, "charles@example.net.pdf": pdf()})

    response = upload(recruiter_client, TWO_ROWS, documents, posting=posting.pk)

    assert table_rows(response, "import-errors") == [
        ["2", f"“ada@example.net.pdf”: {refused.value.message}"]
    ]
    assert table_rows(response, "import-rows")[0][-1] == (
        "ada@example.net.pdf · refused, see the problems"
    )


def test_a_file_over_the_page_limit_is_refused_with_the_uploads_message(
    recruiter_client, posting, media, settings
):
    settings.DOCUMENT_MAX_PAGES = 1
    two_pages = b"page one\fpage two\n"
    documents = zip_of({"charles@example.net.txt": two_pages})

    problems = problems_of(recruiter_client, posting, media, TWO_ROWS, documents)

    assert problems == [
        ["3", "“charles@example.net.txt”: The document has 2 pages; the limit is 1."]
    ]


def test_a_file_over_the_size_limit_is_refused_unread(recruiter_client, posting, media, settings):
    settings.DOCUMENT_MAX_BYTES = 1024 * 1024
    documents = zip_of({"ada@example.net.txt": b"Python " * 200_000})

    problems = problems_of(recruiter_client, posting, media, TWO_ROWS, documents)

    assert problems == [["2", "“ada@example.net.txt”: The file is 1.3 MB; the limit is 1 MB."]]


def test_a_documents_file_that_is_not_a_zip_is_a_problem(recruiter_client, posting, media):
    problems = problems_of(recruiter_client, posting, media, TWO_ROWS, pdf())

    assert problems == [["—", "The documents file is not a ZIP archive."]]


def test_a_zip_that_unpacks_past_the_limit_is_refused_unread(
    recruiter_client, posting, media, settings
):
    settings.DOCUMENT_ZIP_MAX_UNPACKED_BYTES = 1024 * 1024
    bomb = zip_of({"ada@example.net.txt": b"a" * (3 * 1024 * 1024)})  # a few KB packed
    assert len(bomb) < 20_000

    problems = problems_of(recruiter_client, posting, media, TWO_ROWS, bomb)

    assert problems == [
        ["—", "The ZIP unpacks to 3 MB; the limit is 1 MB. Split it into smaller ZIPs."]
    ]


def test_a_zip_of_too_many_files_is_refused(recruiter_client, posting, media, settings):
    settings.DOCUMENT_ZIP_MAX_FILES = 2

    problems = problems_of(recruiter_client, posting, media, TWO_ROWS, zip_of(BY_EMAIL))

    assert problems == [
        ["—", "The ZIP holds 3 entries; the limit is 2. Split it into smaller ZIPs."]
    ]


def test_a_documents_column_without_a_zip_is_a_problem(recruiter_client, posting, media):
    text = f"{HEADER},documents\nAda,ada@example.net,,,,ada.pdf\n"

    response = upload(recruiter_client, text, posting=posting.pk)

    assert table_rows(response, "import-errors") == [
        ["—", "The documents column names files: add the ZIP that holds them."]
    ]
    assertNotContains(response, 'name="_confirm"')


def test_a_zip_needs_a_posting(recruiter_client, media):
    response = upload(recruiter_client, TWO_ROWS, zip_of(BY_EMAIL))

    assert response.context["form"].errors["documents"] == [
        "Choose a posting too: documents are attached to the applications it opens."
    ]
    assert response.context["preview"] is None
    assert stored_files(media) == []


def test_a_zip_over_the_upload_limit_is_refused_before_it_is_read(
    recruiter_client, posting, settings
):
    settings.DOCUMENT_ZIP_MAX_BYTES = 1024 * 1024
    big = zip_of({"ada@example.net.txt": bytes(range(256)) * 8192})  # incompressible-ish

    response = upload(recruiter_client, TWO_ROWS, big + b"\0" * (1024 * 1024), posting=posting.pk)

    assert response.context["form"].errors["documents"] == [
        "The ZIP is over 1 MB; split it into smaller ZIPs."
    ]


def test_bad_rows_and_bad_files_are_listed_together_in_line_order(recruiter_client, posting, media):
    text = f"{HEADER}\nAda,ada@example.net,,,\nNo Email,,,,\n"
    documents = zip_of({"ada@example.net.pdf": b"<html><body>CV</body></html>"})

    problems = problems_of(recruiter_client, posting, media, text, documents)

    assert [line for line, _message in problems] == ["2", "3"]
    assert problems[0][1].startswith("“ada@example.net.pdf”: The file is a web page")


# --- Confirmation ------------------------------------------------------------------------


def test_confirmed_import_attaches_each_file_to_its_rows_application(
    recruiter_client, recruiter, posting, media, django_capture_on_commit_callbacks
):
    preview = upload(recruiter_client, TWO_ROWS, zip_of(BY_EMAIL), posting=posting.pk)
    assert stored_files(media) != []  # the checked ZIP waits for the confirmation

    with django_capture_on_commit_callbacks(execute=True):  # the text is read after commit
        response = confirm(recruiter_client, preview, follow=True)

    assert sorted(
        Document.objects.values_list(
            "application__candidate__email", "original_name", "role", "kind", "status"
        )
    ) == [
        ("ada@example.net", "Ada@Example.net-cover.txt", "cover_letter", "txt", "ready"),
        ("ada@example.net", "ada@example.net.pdf", "resume", "pdf", "ready"),
        ("charles@example.net", "charles@example.net_2.txt", "resume", "txt", "ready"),
    ]
    assert set(Document.objects.values_list("uploaded_by", flat=True)) == {recruiter.pk}
    assert AuditEvent.objects.filter(event="document.uploaded").count() == 3
    version = posting.rubrics.get().version
    assert messages_of(response) == [
        (
            "success",
            "Imported 2 candidates and opened 2 applications for Field Service Technician "
            f"(rubric v{version}). Attached 3 documents.",
        )
    ]
    # The documents are stored; the ZIP that waited for the confirmation is gone.
    assert [name for name in stored_files(media) if not name.startswith("documents/")] == []
    assert len(stored_documents(media)) >= 3


def test_a_failure_while_storing_leaves_no_row_and_no_file(
    recruiter_client, posting, media, monkeypatch
):
    preview = upload(recruiter_client, TWO_ROWS, zip_of(BY_EMAIL), posting=posting.pk)
    real_upload, calls = services.document_upload, []

    def fail_on_the_third(**kwargs):
        calls.append(kwargs["name"])
        if len(calls) == 3:
            raise services.DocumentRefused("The storage is full.")
        return real_upload(**kwargs)

    monkeypatch.setattr(services, "document_upload", fail_on_the_third)

    response = confirm(recruiter_client, preview)

    assert len(calls) == 3
    assert messages_of(response) == [("error", "The storage is full.")]
    assert not Document.objects.exists()
    assert not Candidate.objects.exists()
    assert not Application.objects.exists()
    assert stored_documents(media) == []


def test_a_limit_lowered_before_confirmation_stores_nothing_and_says_which_line(
    recruiter_client, posting, media, settings
):
    preview = upload(recruiter_client, TWO_ROWS, zip_of(BY_EMAIL), posting=posting.pk)
    settings.DOCUMENT_MAX_BYTES = 16  # Ada's two files are over it now; Charles's is not

    response = confirm(recruiter_client, preview)

    assert [(level, text.split(" The file is")[0]) for level, text in messages_of(response)] == [
        ("error", "Line 2: “ada@example.net.pdf”:"),
        ("error", "Line 2: “Ada@Example.net-cover.txt”:"),
    ]
    assert not Document.objects.exists()
    assert not Candidate.objects.exists()
    assert stored_documents(media) == []


def test_the_same_zip_is_checked_again_with_other_choices_without_uploading_it(
    recruiter_client, posting, reviewer
):
    first = upload(recruiter_client, TWO_ROWS, zip_of(BY_EMAIL), posting=posting.pk)
    data = form_data(first, "import-form")
    assert hidden_value(first, "documents_upload")
    data["reviewers"] = str(reviewer.pk)

    response = recruiter_client.post(IMPORT, data)

    assertContains(response, "; it attaches 3 documents to them.")
    assertContains(response, "Leave it empty to check the same ZIP again.")


def test_a_zip_no_longer_at_hand_is_asked_for_again(recruiter_client, posting, media):
    preview = upload(recruiter_client, TWO_ROWS, zip_of(BY_EMAIL), posting=posting.pk)
    for path in (media / "imports").iterdir():
        path.unlink()

    response = confirm(recruiter_client, preview)

    assert response.context["form"].errors["documents"] == [
        "The checked ZIP is no longer at hand; upload it again."
    ]
    assert not Candidate.objects.exists()


def confirm_queries(client, posting, rows: int, django_assert_max_num_queries, budget: int):
    text = HEADER + "\n" + "".join(f"P{i},p{i}@example.net,,,\n" for i in range(rows))
    files = {f"p{i}@example.net.txt": f"Skills: Python {i}\n".encode() for i in range(rows)}
    preview = upload(client, text, zip_of(files), posting=posting.pk)
    with django_assert_max_num_queries(budget):
        response = confirm(client, preview)
    assert response.status_code == 302
    assert Document.objects.count() == rows


# The confirmation's queries, measured: 29 whatever the size (session, user, permissions,
# the posting, the rubric, the candidates on file, the bulk inserts, the group check, the
# stored scores of the new applications: screening.scores), then
# per row the two audit events of its candidate and application, and per document its
# savepoint, its insert, its audit event and the savepoint's release (document_upload, one
# at a time: each stores a file and schedules its reading). 2 rows: 41; 8 rows: 77.
@pytest.mark.parametrize("rows", [2, 8])
def test_confirmation_costs_a_fixed_number_of_queries_per_row_and_document(
    recruiter_client, posting, rows, django_assert_max_num_queries
):
    confirm_queries(
        recruiter_client, posting, rows, django_assert_max_num_queries, budget=29 + 6 * rows
    )
