"""Sample résumés: written from text, read back with their text on the right pages."""

import pytest

from screening.documents.extract import extract_text
from screening.documents.samples import latin1, resume_docx, resume_pdf, scanned_pdf
from screening.documents.sniff import DocumentKind, sniff

SECTIONS = [
    ("Education", ["PhD candidate in Computer Science, Example University, 2022-2027."]),
    ("Skills", ["Python, C++, PyTorch, Node.js, CI/CD"]),
]


@pytest.mark.parametrize("write", [resume_pdf, resume_docx], ids=["pdf", "docx"])
def test_a_resume_round_trips_write_sniff_extract(write):
    data = write("Ada Lovelace", SECTIONS, subtitle="ada@example.com · London")

    kind = sniff(data).kind
    lines = extract_text(data, kind).pages[0].split("\n")

    assert lines[:2] == ["Ada Lovelace", "ada@example.com · London"]
    assert lines[2:] == [
        "Education",
        "PhD candidate in Computer Science, Example University, 2022-2027.",
        "Skills",
        "Python, C++, PyTorch, Node.js, CI/CD",
    ]


def test_a_long_pdf_resume_runs_onto_more_pages_in_order():
    jobs = [(f"Job {n}", [f"Worked on project {n} with Python."] * 6) for n in range(1, 41)]

    data = resume_pdf("Ada Lovelace", jobs)
    pages = extract_text(data, DocumentKind.PDF).pages

    assert sniff(data).pages == len(pages) >= 4
    first_page_of = {}
    for number, page in enumerate(pages, start=1):
        for line in page.split("\n"):
            first_page_of.setdefault(line, number)
    order = [first_page_of[f"Job {n}"] for n in range(1, 41)]
    assert order == sorted(order)
    assert (order[0], order[-1]) == (1, len(pages))


def test_a_docx_resume_can_put_each_section_on_its_own_page():
    data = resume_docx("Ada Lovelace", SECTIONS, page_break_between_sections=True)

    assert extract_text(data, DocumentKind.DOCX).pages == [
        "Ada Lovelace\nEducation\nPhD candidate in Computer Science, Example University, "
        "2022-2027.",
        "Skills\nPython, C++, PyTorch, Node.js, CI/CD",
    ]


def test_the_pdf_draws_what_its_core_font_cannot_as_near_as_it_can():
    data = resume_pdf("Łucja Dvořák", [("Notes", ["C# – “.NET” … 5 €, 中"])])

    assert extract_text(data, DocumentKind.PDF).pages[0].split("\n") == [
        "Lucja Dvorák",
        "Notes",
        'C# - ".NET" ... 5 EUR, ?',
    ]


def test_latin1_keeps_latin1_and_folds_the_rest():
    assert latin1("café Zürich") == "café Zürich"
    assert latin1("Łódź — ‘quoted’") == "Lódz - 'quoted'"
    assert latin1("東京") == "??"


def test_the_docx_keeps_every_character():
    data = resume_docx("Łucja Dvořák", [("Notes", ["東京, C# – .NET"])])

    assert extract_text(data, DocumentKind.DOCX).pages[0] == (
        "Łucja Dvořák\nNotes\n東京, C# – .NET"
    )


def test_a_scanned_pdf_is_a_pdf_of_pictures_without_text():
    data = scanned_pdf(pages=3)

    assert sniff(data).pages == 3
    extracted = extract_text(data, DocumentKind.PDF)
    assert extracted.needs_ocr
    assert "".join(extracted.pages) == ""
