"""Text per page with page numbers, page images, and damaged files as ExtractionFailed."""

import io
import os

import pytest
from PIL import Image

from screening.documents.extract import ExtractionFailed, extract_text, render_pages
from screening.documents.samples import resume_docx, resume_pdf, scanned_pdf
from screening.documents.sniff import DocumentKind, sniff

SECTIONS = [
    ("Education", ["PhD candidate in Computer Science, Example University."]),
    ("Skills", ["Python, C++, PyTorch, Node.js"]),
]


def failure(data: bytes, kind) -> str:
    with pytest.raises(ExtractionFailed) as caught:
        extract_text(data, kind)
    return caught.value.message


def test_a_pdf_gives_the_text_of_each_page_in_order():
    filler = [f"Line {n} of the experience section." for n in range(120)]
    data = resume_pdf("Ada Lovelace", [("Experience", filler), *SECTIONS])

    extracted = extract_text(data, sniff(data).kind)

    assert extracted.kind is DocumentKind.PDF
    assert len(extracted.pages) == sniff(data).pages > 1
    assert extracted.pages[0].startswith("Ada Lovelace\nExperience\nLine 0 of the experience")
    assert "Line 119 of" not in extracted.pages[0]
    page_of = {
        line: number
        for number, page in enumerate(extracted.pages, start=1)
        for line in page.split("\n")
    }
    assert page_of["Line 119 of the experience section."] == len(extracted.pages)
    assert page_of["Python, C++, PyTorch, Node.js"] == len(extracted.pages)
    assert not extracted.needs_ocr


def test_pdf_text_has_unix_line_ends():
    extracted = extract_text(resume_pdf("Ada", SECTIONS), "pdf")

    assert "\r" not in extracted.pages[0]
    assert extracted.pages[0].split("\n") == [
        "Ada",
        "Education",
        "PhD candidate in Computer Science, Example University.",
        "Skills",
        "Python, C++, PyTorch, Node.js",
    ]


def test_a_scanned_pdf_has_pages_but_needs_ocr():
    extracted = extract_text(scanned_pdf(pages=2), "pdf")

    assert len(extracted.pages) == 2
    assert extracted.pages == ["", ""]
    assert extracted.needs_ocr


def test_a_rectangle_is_not_text():
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")

    assert extract_text(bytes(pdf.output()), "pdf").needs_ocr


def test_a_docx_reads_paragraphs_and_table_cells_in_document_order():
    import docx

    document = docx.Document()
    document.add_heading("Ada Lovelace", level=0)
    document.add_paragraph("Skills")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Languages"
    table.cell(0, 1).text = "Python, C++"
    table.cell(1, 0).text = "Frameworks"
    table.cell(1, 1).text = "PyTorch"
    document.add_paragraph("References on request.")
    buffer = io.BytesIO()
    document.save(buffer)

    extracted = extract_text(buffer.getvalue(), "docx")

    assert extracted == type(extracted)(
        [
            "Ada Lovelace\nSkills\nLanguages\nPython, C++\nFrameworks\nPyTorch\n"
            "References on request."
        ],
        DocumentKind.DOCX,
        needs_ocr=False,
    )


def test_a_docx_is_one_page_or_one_per_explicit_page_break():
    one = extract_text(resume_docx("Ada", SECTIONS), "docx")
    split = extract_text(resume_docx("Ada", SECTIONS, page_break_between_sections=True), "docx")

    assert len(one.pages) == 1
    assert split.pages == [
        "Ada\nEducation\nPhD candidate in Computer Science, Example University.",
        "Skills\nPython, C++, PyTorch, Node.js",
    ]


def test_a_docx_keeps_characters_the_pdf_fonts_lack():
    extracted = extract_text(resume_docx("Zoë Łukasiewicz", [("Skills", ["C# – .NET"])]), "docx")

    assert extracted.pages[0] == "Zoë Łukasiewicz\nSkills\nC# – .NET"


def test_text_is_decoded_and_split_at_form_feeds():
    extracted = extract_text("Ada Lovelace\r\nPython\fPage two — C++".encode("utf-16"), "txt")

    assert extracted.pages == ["Ada Lovelace\nPython", "Page two — C++"]
    assert extracted.kind is DocumentKind.TXT


def test_ligatures_are_unfolded_so_offsets_index_the_stored_text():
    extracted = extract_text("Certiﬁed ﬂight instructor".encode(), "txt")

    assert extracted.pages == ["Certified flight instructor"]


@pytest.mark.parametrize("kind", ["pdf", "docx"])
def test_a_truncated_file_fails_with_a_message(kind):
    data = resume_pdf("Ada", SECTIONS) if kind == "pdf" else resume_docx("Ada", SECTIONS)
    name = {"pdf": "PDF", "docx": "Word document"}[kind]

    assert failure(data[: len(data) // 3], kind) == (
        f"The {name} is damaged and cannot be read. Upload it again."
    )


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("pdf", "The PDF is damaged and cannot be read. Upload it again."),
        ("docx", "The Word document is damaged and cannot be read. Upload it again."),
        (
            "txt",
            "The file is neither a PDF nor a Word document, and it is not UTF-8 text. "
            "Upload a PDF, a Word document (.docx) or a plain-text file.",
        ),
    ],
)
def test_random_bytes_fail_with_a_message_whatever_the_kind_claimed(kind, message):
    # Random bytes with a high bit in every byte are never valid UTF-8.
    data = bytes(byte | 0x80 for byte in os.urandom(4096))

    assert failure(data, kind) == message


def test_a_docx_whose_body_is_not_xml_fails_with_a_message():
    data = resume_docx("Ada", SECTIONS)
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as broken:
        for member in source.infolist():
            content = source.read(member)
            broken.writestr(
                member, b"<w:document" if member.filename.endswith("document.xml") else content
            )

    assert failure(buffer.getvalue(), "docx") == (
        "The Word document is damaged and cannot be read. Upload it again."
    )


def test_an_encrypted_pdf_fails_with_a_message():
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", user_password="user")
    pdf.add_page()
    pdf.set_font("helvetica")
    pdf.cell(text="Ada Lovelace")
    data = bytes(pdf.output())

    assert failure(data, "pdf") == (
        "The PDF is password-protected. Upload a copy without a password."
    )
    with pytest.raises(ExtractionFailed):
        render_pages(data)


def test_pages_render_to_png_at_the_scale_asked():
    data = resume_pdf("Ada", [("Experience", ["A line of work."] * 150)])
    pages = sniff(data).pages

    images = [Image.open(io.BytesIO(png)) for png in render_pages(data, scale=1.0)]

    assert len(images) == pages > 1
    assert {image.format for image in images} == {"PNG"}
    assert images[0].size == (596, 842)  # A4, 595.3 × 841.9 points, rounded up
    assert Image.open(io.BytesIO(render_pages(data, scale=2.0, last=1)[0])).size == (1191, 1684)


def test_render_pages_can_draw_a_range():
    data = resume_pdf("Ada", [("Experience", ["A line of work."] * 150)])

    assert len(render_pages(data, scale=0.5, first=2, last=2)) == 1
    assert len(render_pages(data, scale=0.5, first=2)) == sniff(data).pages - 1


def test_render_pages_refuses_a_damaged_pdf_with_a_message():
    with pytest.raises(ExtractionFailed) as caught:
        render_pages(b"%PDF-1.4 not really")

    assert caught.value.message == "The PDF is damaged and cannot be read. Upload it again."


def test_a_poster_sized_page_is_drawn_within_the_pixel_budget():
    from fpdf import FPDF

    pdf = FPDF(format=(2000, 2000))  # millimetres: a 2 m square page
    pdf.add_page()
    pdf.set_font("helvetica", size=40)
    pdf.cell(text="Ada Lovelace")

    (png,) = render_pages(bytes(pdf.output()), scale=2.0, max_pixels=1_000_000)

    width, height = Image.open(io.BytesIO(png)).size
    assert width * height <= 1_000_000
    assert width == height > 900


def test_a_docx_reads_hyperlinks_and_hard_hyphens_but_not_deleted_text():
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    document.element.body.insert(
        0,
        parse_xml(
            f"<w:p {w}><w:r><w:t xml:space='preserve'>Built </w:t></w:r>"
            "<w:del w:id='1' w:author='a'><w:r><w:delText>Java</w:delText></w:r></w:del>"
            "<w:hyperlink><w:r><w:t>PyTorch</w:t></w:r></w:hyperlink>"
            "<w:r><w:t xml:space='preserve'> for e</w:t><w:noBreakHyphen/><w:t>commerce</w:t>"
            "</w:r></w:p>"
        ),
    )
    buffer = io.BytesIO()
    document.save(buffer)

    assert extract_text(buffer.getvalue(), "docx").pages == ["Built PyTorch for e-commerce"]
