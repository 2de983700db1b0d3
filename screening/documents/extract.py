"""The text of a document, page by page, and the pages of a PDF as images.

- PDF: PDFium (pypdfium2) gives each page's text; ``render_pages`` draws each page to a PNG
  (Pillow), so a browser never needs a PDF plug-in. A PDF whose pages carry (almost) no text
  is a scan: ``needs_ocr`` says so, and the page images are all a reviewer gets.
- DOCX: python-docx opens the package; the body is read in document order, paragraphs and
  table cells alike (one line per paragraph, so a table reads cell by cell, row by row);
  headers, footers, footnotes, comments and deleted revisions are not read.
  Word has no pages of its own until it lays a document out, so a DOCX is one page, or one
  page per explicit page break.
- Text: decoded as ``sniff`` decodes it; a form feed starts a new page.

A PDF's page also gets the boxes of its words (``boxes.words``: each word's span of the
normalised text and its place on the page as fractions of the page drawn), so that a passage
can be marked on the page's image.

Every page's text is normalised once, here (NFKC, so ligatures such as "ﬁ" become "fi";
Windows line ends become "\\n"), and that text is what is stored and shown: evidence
offsets index into it. Whatever goes wrong inside a parser surfaces as ``ExtractionFailed``
with a human message, never another exception type.
"""

from __future__ import annotations

import ctypes
import io
import re
import unicodedata
from dataclasses import dataclass

import pypdfium2.raw as pdfium_c

from . import boxes as layout
from .errors import DocumentError, ExtractionFailed
from .sniff import MAX_UNPACKED_BYTES, DocumentKind, check_docx_package, decode_text, open_pdf

__all__ = ["ExtractedText", "ExtractionFailed", "extract_text", "render_pages"]

# A page with fewer letters and digits than this carries no text to speak of.
MIN_CHARACTERS_PER_PAGE = 20
# An A4 page at scale 3 is 4.5 million pixels; a page larger than this is drawn smaller.
MAX_PIXELS_PER_PAGE = 20_000_000


@dataclass(frozen=True)
class ExtractedText:
    """The text of each page, first page first (page n is ``pages[n - 1]``); for a PDF, each
    page's layout (``{"width", "height", "words"}``, or None where it could not be mapped)."""

    pages: list[str]
    kind: DocumentKind
    needs_ocr: bool = False
    layouts: list[dict | None] | None = None

    @property
    def text(self) -> str:
        return "\n\n".join(self.pages)


def extract_text(data: bytes, kind: DocumentKind | str) -> ExtractedText:
    """The text of a document already sniffed as ``kind``, or ``ExtractionFailed``."""
    kind = DocumentKind(kind)
    try:
        if kind is DocumentKind.PDF:
            pages, layouts = _pdf_pages(data)
            characters = sum(len(_WORD_CHARACTER.findall(page)) for page in pages)
            needs_ocr = characters < MIN_CHARACTERS_PER_PAGE * len(pages)
            return ExtractedText([_normalise(page) for page in pages], kind, needs_ocr, layouts)
        if kind is DocumentKind.DOCX:
            pages = _docx_pages(data)
        else:
            pages = decode_text(data, ExtractionFailed).split("\f")
    except DocumentError as exc:
        if isinstance(exc, ExtractionFailed):
            raise
        raise ExtractionFailed(exc.message) from exc
    except Exception as exc:  # a parser's own error on a damaged file: say so, never crash
        raise ExtractionFailed(_damaged(kind)) from exc
    return ExtractedText([_normalise(page) for page in pages], kind)


def render_pages(
    data: bytes,
    scale: float = 1.5,
    *,
    first: int = 1,
    last: int | None = None,
    max_pixels: int = MAX_PIXELS_PER_PAGE,
) -> list[bytes]:
    """PNG images of pages ``first`` to ``last`` (1-based, inclusive; all by default) of a
    PDF, ``scale`` pixels per PDF point (1 = 72 dpi; 1.5 draws an A4 page 893 px wide). A page
    that would pass ``max_pixels`` at that scale (a poster-sized page) is drawn smaller."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    document = open_pdf(data, ExtractionFailed)
    try:
        last = len(document) if last is None else min(last, len(document))
        images = []
        for index in range(first - 1, last):
            page = document[index]
            try:
                width, height = page.get_size()
                fit = (max_pixels / max(width * height, 1.0)) ** 0.5
                bitmap = page.render(scale=min(scale, fit))
                image = bitmap.to_pil()
                buffer = io.BytesIO()
                image.save(buffer, format="PNG")
                images.append(buffer.getvalue())
            finally:
                page.close()
        return images
    except ExtractionFailed:
        raise
    except Exception as exc:
        raise ExtractionFailed(_damaged(DocumentKind.PDF)) from exc
    finally:
        document.close()


def _pdf_pages(data: bytes) -> tuple[list[str], list[dict | None]]:
    document = open_pdf(data, ExtractionFailed)
    try:
        pages, layouts = [], []
        for page in document:
            textpage = page.get_textpage()
            try:
                raw = textpage.get_text_range()
                pages.append(raw)
                layouts.append(_pdf_layout(page, textpage, raw))
            finally:
                textpage.close()
                page.close()
        return pages, layouts
    finally:
        document.close()


# Page coordinates go to a device this many times the page's size in points: PDFium answers
# in whole device pixels, so this is the precision (1/64 pt).
_DEVICE_SCALE = 64
_REACH = 1000.0  # points: how far apart the three points that fix the transform are


def _page_transform(page, width: float, height: float):
    """A function from PDF page coordinates to fractions of the page as drawn (y from the
    top), with the page's /Rotate and crop box applied as when it is rendered. The map is
    affine: PDFium is asked for three points, the rest is arithmetic."""
    device_w = max(1, round(width * _DEVICE_SCALE))
    device_h = max(1, round(height * _DEVICE_SCALE))
    x, y = ctypes.c_int(), ctypes.c_int()
    handle = page.raw

    def device(px: float, py: float) -> tuple[float, float]:
        pdfium_c.FPDF_PageToDevice(handle, 0, 0, device_w, device_h, 0, px, py, x, y)
        return x.value / device_w, y.value / device_h

    ox, oy = device(0.0, 0.0)
    ax, ay = device(_REACH, 0.0)
    bx, by = device(0.0, _REACH)
    xx, xy = (ax - ox) / _REACH, (ay - oy) / _REACH
    yx, yy = (bx - ox) / _REACH, (by - oy) / _REACH

    def to_page(px: float, py: float) -> tuple[float, float]:
        return ox + xx * px + yx * py, oy + xy * px + yy * py

    return to_page


def _pdf_layout(page, textpage, raw: str) -> dict | None:
    """``{"width", "height", "words"}``: the page's size as drawn, in points, and its words
    (see ``boxes.words``), or None when the normalised text could not be mapped back to
    PDFium's characters (the page then shows its text only)."""
    text, starts = layout.normalise_with_offsets(raw)
    if text != _normalise(raw):
        return None
    width, height = page.get_size()
    if width <= 0 or height <= 0:
        return None
    to_page = _page_transform(page, width, height)
    rect = pdfium_c.FS_RECTF()
    char_boxes: list[layout.Box] = []
    handle = textpage.raw  # the raw handle: ctypes converts a wrapper on every call
    char_index = pdfium_c.FPDFText_GetCharIndexFromTextIndex
    loose_box = pdfium_c.FPDFText_GetLooseCharBox
    text_index = 0
    for character in raw:
        index = char_index(handle, text_index)
        text_index += 2 if ord(character) > 0xFFFF else 1  # UTF-16 code units
        # Spaces and line ends (PDFium's own included) have no place of their own.
        if index < 0 or character.isspace() or not loose_box(handle, index, rect):
            char_boxes.append(None)
        else:
            char_boxes.append((rect.left, rect.bottom, rect.right, rect.top))
    return {
        "width": round(width, 2),
        "height": round(height, 2),
        "words": layout.words(text, starts, char_boxes, to_page),
    }


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def _docx_pages(data: bytes) -> list[str]:
    # The package is checked before python-docx unpacks it (a ZIP bomb stops here).
    check_docx_package(data, ExtractionFailed, MAX_UNPACKED_BYTES)
    import docx  # here, so that sniffing and PDF work never pay for loading python-docx
    from lxml import etree

    body = docx.Document(io.BytesIO(data)).element.body
    pages: list[list[str]] = [[]]
    walk = etree.iterwalk(body, events=("start", "end"))
    for event, element in walk:
        tag = element.tag
        if event == "end":
            if tag == f"{_W}p":  # a table cell's text is its paragraphs: one line each
                pages[-1].append("\n")
            continue
        if tag == f"{_W}t":
            pages[-1].append(element.text or "")
        elif tag == f"{_W}tab":
            pages[-1].append("\t")
        elif tag == f"{_W}noBreakHyphen":
            pages[-1].append("-")
        elif tag == f"{_W}br" and element.get(f"{_W}type") == "page":
            pages.append([])
        elif tag in (f"{_W}br", f"{_W}cr"):
            pages[-1].append("\n")
        elif tag == f"{_W}pageBreakBefore" and element.get(f"{_W}val") not in ("0", "false"):
            if "".join(pages[-1]).strip():
                # The paragraph's own text is not read yet: it opens the new page.
                pages.append([])
        elif tag in (f"{_W}del", f"{_W}instrText", _MC_FALLBACK):
            walk.skip_subtree()  # deleted text, field codes, a text box's duplicate
    texts = ["".join(parts) for parts in pages]
    # A break at the very end leaves an empty last page that Word does not show either.
    if len(texts) > 1 and not texts[-1].strip():
        texts.pop()
    return texts


_WORD_CHARACTER = re.compile(r"\w")
_BLANK_LINES = re.compile(r"\n{3,}")


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).replace("\r\n", "\n").replace("\r", "\n")
    # PDFium marks a hyphen it guessed at a line end with U+0002, and stray controls with
    # U+FFFE; neither is text.
    text = text.replace("\x02", "-").replace("\ufffe", "")
    return _BLANK_LINES.sub("\n\n", text).strip("\n")


def _damaged(kind: DocumentKind) -> str:
    name = {DocumentKind.PDF: "PDF", DocumentKind.DOCX: "Word document"}.get(kind, "file")
    return f"The {name} is damaged and cannot be read. Upload it again."
