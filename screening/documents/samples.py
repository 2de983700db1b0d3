"""Résumés written from text, as PDF (fpdf2) and Word (python-docx), for the demo and tests.

A résumé is a title (the candidate's name) and sections, each a heading and its lines. Long
résumés run onto as many pages as they need. The PDF uses the PDF core font Helvetica, which
knows Latin-1 only (fpdf2 bundles no Unicode font): typographic dashes, quotes and ellipses
become their ASCII forms, accented letters outside Latin-1 lose their accent ("Łódź" gives
"Lódz"), and anything else becomes "?". The DOCX keeps every character.

``scanned_pdf`` writes a PDF whose pages are pictures of text lines, with no text layer: what
a scanned résumé looks like to the extractor.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence

__all__ = ["resume_docx", "resume_pdf", "scanned_pdf"]

Section = tuple[str, Sequence[str]]

_TYPOGRAPHY = str.maketrans(
    {
        "–": "-",
        "—": "-",
        "‐": "-",
        "‑": "-",
        "−": "-",
        "‘": "'",
        "’": "'",
        "‚": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "…": "...",
        "•": "-",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
        "€": "EUR",
        "™": "(TM)",
    }
)


def latin1(text: str) -> str:
    """``text`` in characters the PDF core fonts can draw (see the module's docstring)."""
    text = text.translate(_TYPOGRAPHY)
    if text.isascii():
        return text
    out = []
    for character in text:
        if ord(character) < 256:
            out.append(character)
            continue
        decomposed = unicodedata.normalize("NFKD", character)
        base = "".join(c for c in decomposed if ord(c) < 256 and not unicodedata.combining(c))
        out.append(base or _SPECIAL.get(character, "?"))
    return "".join(out)


_SPECIAL = {"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ø": "O", "ø": "o", "ı": "i", "œ": "oe"}


def resume_pdf(title: str, sections: Sequence[Section], *, subtitle: str = "") -> bytes:
    """A résumé as PDF: the title large and bold, then each section's heading and lines."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_margins(20, 18, 20)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_title(latin1(title))
    pdf.add_page()
    pdf.set_font("helvetica", style="B", size=18)
    pdf.multi_cell(0, 9, latin1(title), new_x="LMARGIN", new_y="NEXT")
    if subtitle:
        pdf.set_font("helvetica", size=10)
        pdf.multi_cell(0, 5, latin1(subtitle), new_x="LMARGIN", new_y="NEXT")
    for heading, lines in sections:
        pdf.ln(4)
        pdf.set_font("helvetica", style="B", size=12)
        pdf.multi_cell(0, 7, latin1(heading), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", size=10)
        for line in lines:
            pdf.multi_cell(0, 5, latin1(line), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def resume_docx(
    title: str,
    sections: Sequence[Section],
    *,
    subtitle: str = "",
    page_break_between_sections: bool = False,
) -> bytes:
    """A résumé as a Word document: the title as the document title, each section a heading
    followed by one paragraph per line; optionally an explicit page break before each section
    after the first."""
    import docx

    document = docx.Document()
    document.core_properties.title = title
    document.add_heading(title, level=0)
    if subtitle:
        document.add_paragraph(subtitle)
    for number, (heading, lines) in enumerate(sections):
        if page_break_between_sections and number:
            document.add_page_break()
        document.add_heading(heading, level=1)
        for line in lines:
            document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def scanned_pdf(pages: int = 1, *, lines_per_page: int = 30) -> bytes:
    """A PDF of ``pages`` pages, each a picture of text-like lines and no text at all."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    width, height = 1240, 1754  # A4 at 150 dpi
    image = Image.new("L", (width, height), color=248)
    draw = ImageDraw.Draw(image)
    for line in range(lines_per_page):
        top = 150 + line * 48
        right = width - 150 - (line * 97) % 400
        draw.rectangle((150, top, right, top + 16), fill=40)
    picture = io.BytesIO()
    image.save(picture, format="PNG")

    pdf = FPDF(format="A4")
    for _ in range(pages):
        pdf.add_page()
        pdf.image(io.BytesIO(picture.getvalue()), x=0, y=0, w=pdf.w, h=pdf.h)
    return bytes(pdf.output())
