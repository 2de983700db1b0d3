"""A file's kind comes from its content: PDF, DOCX or text, within the limits, else a message."""

import io
import zipfile

import pytest

from screening.documents.samples import resume_docx, resume_pdf
from screening.documents.sniff import DocumentKind, DocumentRejected, sniff

SECTIONS = [("Skills", ["Python, C++ and PyTorch."])]


def rejection(data: bytes, **limits) -> str:
    with pytest.raises(DocumentRejected) as caught:
        sniff(data, **limits)
    return caught.value.message


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, content in members.items():
            package.writestr(name, content)
    return buffer.getvalue()


def png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_pdf_is_known_by_its_content_with_its_page_count():
    found = sniff(resume_pdf("Ada Lovelace", SECTIONS))

    assert (found.kind, found.content_type, found.extension, found.pages) == (
        DocumentKind.PDF,
        "application/pdf",
        "pdf",
        1,
    )


def test_a_docx_is_a_zip_holding_a_word_document():
    found = sniff(resume_docx("Ada Lovelace", SECTIONS * 3, page_break_between_sections=True))

    assert found.kind is DocumentKind.DOCX
    assert found.content_type == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert (found.extension, found.pages) == ("docx", 3)


@pytest.mark.parametrize(
    "data",
    [
        b"Ada Lovelace\nPython, C++\n",
        "\ufeffAda Lovelace — résumé\n".encode(),
        "Ada Lovelace — résumé\n".encode("utf-16"),
    ],
    ids=["utf-8", "utf-8 with BOM", "utf-16 with BOM"],
)
def test_plain_text_in_utf8_or_with_a_byte_order_mark(data):
    found = sniff(data)

    assert (found.kind, found.content_type, found.extension) == (
        DocumentKind.TXT,
        "text/plain; charset=utf-8",
        "txt",
    )


def test_a_form_feed_starts_a_new_page_of_text():
    assert sniff(b"page one\fpage two\fpage three").pages == 3


def test_the_name_plays_no_part_a_renamed_program_is_refused():
    program = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200

    assert rejection(program) == (
        "This file is an EXE file (.exe), not a document we can read. "
        "Upload a PDF, a Word document (.docx) or a plain-text file."
    )


def test_an_image_is_refused_naming_what_it_is():
    assert rejection(png()).startswith("This file is a PNG image (.png), not a document")


def test_a_zip_that_is_not_a_word_document_is_refused():
    archive = zip_of({"resume.pdf": b"%PDF-1.4", "notes.txt": b"hello"})

    assert rejection(archive) == (
        "The file is a ZIP archive, not a Word document. Upload a PDF, a Word document "
        "(.docx) or a plain-text file. (Send the files one by one.)"
    )


def test_a_zip_bomb_is_refused_by_its_declared_unpacked_size():
    # 2 MB of zeros deflate to a few KB: over a 1 MB unpacking limit.
    bomb = zip_of(
        {
            "[Content_Types].xml": b"<Types/>",
            "word/document.xml": b"<w:document/>",
            "word/media/filler.bin": b"\x00" * (2 * 1024 * 1024),
        }
    )
    assert len(bomb) < 20_000

    assert rejection(bomb, max_unpacked_bytes=1024 * 1024) == (
        "The Word document unpacks to more than 1 MB; it cannot be read safely."
    )


def test_a_macro_enabled_word_document_is_refused():
    data = zip_of(
        {
            "[Content_Types].xml": b"<Types/>",
            "word/document.xml": b"<w:document/>",
            "word/vbaProject.bin": b"macro",
        }
    )

    assert rejection(data) == (
        "The Word document holds macros. Save it as a plain .docx and upload it again."
    )


def test_a_truncated_word_document_is_refused_as_damaged():
    data = resume_docx("Ada", SECTIONS)

    assert rejection(data[: len(data) // 2]) == (
        "The Word document is damaged and cannot be read. Upload it again."
    )


@pytest.mark.parametrize(
    "markup",
    [
        b"<!DOCTYPE html><html><body>Ada</body></html>",
        b"  <html><p>Ada</p></html>",
        b'<?xml version="1.0"?><resume/>',
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    ],
)
def test_markup_sent_as_text_is_refused(markup):
    assert rejection(markup) == (
        "The file is a web page or other markup, not a document. "
        "Upload a PDF, a Word document (.docx) or a plain-text file."
    )


def test_rich_text_is_asked_for_again_as_pdf_or_docx():
    assert rejection(rb"{\rtf1\ansi Ada}") == (
        "The file is a Rich Text (RTF) document. Save it as PDF or .docx and upload it again."
    )


def test_text_that_is_not_utf8_is_refused():
    assert rejection("Curriculum vitæ, Zürich".encode("latin-1")) == (
        "The file is neither a PDF nor a Word document, and it is not UTF-8 text. "
        "Upload a PDF, a Word document (.docx) or a plain-text file."
    )


@pytest.mark.parametrize(
    "data",
    [b"Ada\x00Lovelace", b"Ada" + bytes(range(1, 9)) * 5 + b"Lovelace"],
    ids=["NUL byte", "control characters"],
)
def test_binary_data_is_not_text(data):
    assert rejection(data) == (
        "The file holds binary data, not text. "
        "Upload a PDF, a Word document (.docx) or a plain-text file."
    )


def test_an_empty_file_and_blank_text_are_refused():
    assert rejection(b"") == "The file is empty."
    assert rejection(b" \n\t\n") == "The text file holds no text."


def test_a_file_over_the_size_limit_is_refused_before_it_is_read():
    assert rejection(b"x" * (1024 * 1024 + 1), max_bytes=1024 * 1024) == (
        "The file is 1.0 MB; the limit is 1 MB."
    )
    assert sniff(b"x" * 1024 * 1024, max_bytes=1024 * 1024).kind is DocumentKind.TXT


def test_the_default_size_limit_is_ten_megabytes():
    assert rejection(b"x" * (10 * 1024 * 1024 + 1)) == "The file is 10.0 MB; the limit is 10 MB."


def test_a_document_over_the_page_limit_is_refused():
    long = resume_pdf("Ada Lovelace", [("Experience", ["A line of work."] * 200)])
    pages = sniff(long).pages
    assert pages > 3

    assert rejection(long, max_pages=3) == f"The document has {pages} pages; the limit is 3."
    assert rejection(b"page\f" * 51) == "The document has 52 pages; the limit is 50."


def test_a_word_documents_page_breaks_count_against_the_page_limit():
    data = resume_docx("Ada", SECTIONS * 4, page_break_between_sections=True)

    assert rejection(data, max_pages=3) == "The document has 4 pages; the limit is 3."


def test_a_damaged_pdf_is_refused():
    data = resume_pdf("Ada Lovelace", SECTIONS)

    assert rejection(data[:200]) == "The PDF is damaged and cannot be read. Upload it again."
    assert rejection(b"%PDF-1.7\n" + bytes(range(256)) * 4) == (
        "The PDF is damaged and cannot be read. Upload it again."
    )


def test_a_password_protected_pdf_is_refused():
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", user_password="user")
    pdf.add_page()
    pdf.set_font("helvetica")
    pdf.cell(text="Ada Lovelace")

    assert rejection(bytes(pdf.output())) == (
        "The PDF is password-protected. Upload a copy without a password."
    )


def test_text_whose_first_letters_spell_a_signature_is_still_text():
    # "BM" opens a bitmap; "ID3" an MP3.
    assert sniff(b"BMW service technician, 10 years").kind is DocumentKind.TXT
    assert sniff(b"ID3 tagging tools, Python").kind is DocumentKind.TXT
