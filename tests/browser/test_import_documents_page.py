"""A recruiter imports candidates with a ZIP of their documents: the preview shows each row's
files and, for a ZIP with problems, each problem with its line; at 1366 px."""

import io
import zipfile
from pathlib import Path

from django.conf import settings
from playwright.sync_api import expect

from screening.documents.samples import resume_pdf
from screening.models import Document
from tests.browser.support import Screenshots, assert_fits, log_in
from tests.factories import JobPostingFactory, RecruiterFactory, published_rubric

CANDIDATES = (
    "full_name,email,phone,links,notes\n"
    "Ada Lovelace,ada.lovelace@example.net,+44 20 7946 0001,"
    "https://example.net/ada https://example.org/ada/publications,Referred by the team lead.\n"
    "Charles Babbage,charles.babbage@example.net,,https://example.net/cb,\n"
    "Grace Hopper,grace.hopper@example.net,,,\n"
)


def documents_zip(extra: dict[str, bytes] | None = None) -> bytes:
    files = {
        "ada.lovelace@example.net.pdf": resume_pdf("Ada Lovelace", [("Skills", ["Python"])]),
        # A long name wraps in its cell rather than widening the page.
        "ada.lovelace@example.net-cover-letter-for-the-field-service-technician-posting.txt": (
            b"Dear hiring team,\n"
        ),
        "charles.babbage@example.net.pdf": resume_pdf("Charles Babbage", [("Skills", ["C++"])]),
        **(extra or {}),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def choose_files(page, tmp_path, documents: bytes) -> None:
    (tmp_path / "candidates.csv").write_text(CANDIDATES)
    (tmp_path / "documents.zip").write_bytes(documents)
    page.goto("/admin/screening/candidate/import/")
    page.set_input_files("#id_file", str(tmp_path / "candidates.csv"))
    page.select_option("#id_posting", label="Field Service Technician")
    page.set_input_files("#id_documents", str(tmp_path / "documents.zip"))
    page.get_by_role("button", name="Check the file").click()


def test_the_preview_lists_each_rows_documents_then_the_import_attaches_them(
    page, live_server, tmp_path
):
    published_rubric(posting=JobPostingFactory(title="Field Service Technician"))
    recruiter = RecruiterFactory()
    shots = Screenshots(Path(settings.TEST_ARTIFACTS_DIR) / "browser", "import-documents-")
    log_in(page, recruiter)

    choose_files(page, tmp_path, documents_zip())

    rows = page.locator("#import-rows tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0).locator("td.documents li")).to_have_count(2)
    expect(rows.nth(0).locator("td.documents")).to_contain_text("Cover letter")
    expect(rows.nth(2).locator("td.documents")).to_have_text("none")
    expect(page.locator("#import-plan")).to_contain_text("it attaches 3 documents to them")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    assert_fits(page)
    shots(page, "preview")

    page.locator("#confirm-form input[name=_confirm]").click()
    expect(page.locator(".messagelist .success")).to_contain_text("Attached 3 documents.")
    assert Document.objects.count() == 3


def test_the_preview_lists_a_zips_problems_with_their_lines(page, live_server, tmp_path):
    published_rubric(posting=JobPostingFactory(title="Field Service Technician"))
    recruiter = RecruiterFactory()
    shots = Screenshots(Path(settings.TEST_ARTIFACTS_DIR) / "browser", "import-documents-")
    log_in(page, recruiter)
    extra = {
        "grace.hopper@example.net.pdf": b"\x89PNG\r\n\x1a\n" + b"\0" * 64,
        "alan.turing@example.net.pdf": b"Notes\n",
    }

    choose_files(page, tmp_path, documents_zip(extra))

    problems = page.locator("#import-errors tbody tr")
    expect(problems).to_have_count(2)
    expect(problems.nth(0)).to_contain_text("alan.turing@example.net.pdf")
    expect(problems.nth(1).locator("td").first).to_have_text("4")
    expect(page.locator("#confirm-form")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    assert_fits(page)
    shots(page, "problems")
