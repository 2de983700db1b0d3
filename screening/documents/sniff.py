"""What a candidate's file is, decided from its content, never from its name.

Three kinds are taken: PDF, Word (.docx: a ZIP package holding ``word/document.xml``) and
plain text (UTF-8, or UTF-8/UTF-16 with a byte-order mark, with no NUL bytes and almost no
control characters). ``filetype`` reads the signature; a ZIP is then opened with ``zipfile``
to check that it is a Word document and that it does not unpack to more than a limit (a ZIP
bomb declares small members that inflate to gigabytes; ``zipfile`` never inflates a member
past the size it declares, so checking the declared sizes is enough). Markup sent as text
(HTML, XML, SVG, RTF) is refused: a résumé saved as a web page is asked for again as PDF.

``sniff(data)`` returns a ``SniffedDocument`` or raises ``DocumentRejected`` with a message.
"""

from __future__ import annotations

import enum
import io
import re
import zipfile
from dataclasses import dataclass

import filetype
import pypdfium2

from .errors import DocumentRejected

__all__ = [
    "MAX_BYTES",
    "MAX_PAGES",
    "MAX_UNPACKED_BYTES",
    "DocumentKind",
    "DocumentRejected",
    "SniffedDocument",
    "decode_text",
    "open_pdf",
    "sniff",
]

MAX_BYTES = 10 * 1024 * 1024
MAX_PAGES = 50
# What a .docx may unpack to. A 50-page résumé with pictures is a few MB unpacked.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_ZIP_MEMBERS = 2000
# Plain text: at most this share of characters may be control characters (tabs, line
# breaks and form feeds aside).
MAX_CONTROL_SHARE = 0.01

ACCEPTED = "Upload a PDF, a Word document (.docx) or a plain-text file."
DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class DocumentKind(enum.StrEnum):
    PDF = "pdf"
    DOCX = "docx"
    TXT = "txt"


CONTENT_TYPES = {
    DocumentKind.PDF: "application/pdf",
    DocumentKind.DOCX: DOCX_CONTENT_TYPE,
    DocumentKind.TXT: "text/plain; charset=utf-8",
}


@dataclass(frozen=True)
class SniffedDocument:
    """What the content says the file is: the kind, the content type to serve it with, the
    extension to store it under, and its page count (text: form feeds + 1)."""

    kind: DocumentKind
    content_type: str
    extension: str
    pages: int


def sniff(
    data: bytes,
    *,
    max_bytes: int = MAX_BYTES,
    max_pages: int = MAX_PAGES,
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES,
) -> SniffedDocument:
    """The kind of document ``data`` holds, or ``DocumentRejected`` saying why it is refused."""
    if not data:
        raise DocumentRejected("The file is empty.")
    if len(data) > max_bytes:
        raise DocumentRejected(
            f"The file is {_megabytes(len(data))}; the limit is {_megabytes(max_bytes)}."
        )
    guess = filetype.guess(data)
    if guess is not None and guess.mime == "application/pdf":
        kind, pages = DocumentKind.PDF, _pdf_pages(data)
    elif guess is not None and guess.mime in ("application/zip", DOCX_CONTENT_TYPE):
        kind, pages = DocumentKind.DOCX, _docx_pages(data, max_unpacked_bytes)
    elif guess is not None and guess.extension in _RESAVE:
        raise DocumentRejected(
            f"The file is {_RESAVE[guess.extension]}. Save it as PDF or .docx and upload it again."
        )
    else:
        try:
            text = decode_text(data)
        except DocumentRejected:
            if guess is None:
                raise
            raise DocumentRejected(
                f"This file is {_describe(guess)}, not a document we can read. {ACCEPTED}"
            ) from None
        # Some signatures are two printable letters ("BM" for a bitmap): a file that is
        # wholly valid text is text, whatever its first bytes spell.
        kind, pages = DocumentKind.TXT, text.count("\f") + 1
    if pages > max_pages:
        raise DocumentRejected(f"The document has {pages} pages; the limit is {max_pages}.")
    return SniffedDocument(kind, CONTENT_TYPES[kind], kind.value, pages)


def open_pdf(data: bytes, error: type[Exception]) -> pypdfium2.PdfDocument:
    """The PDF opened with PDFium, or ``error`` with a message: password-protected or damaged.

    PDFium is not thread-safe: open and read a document in one thread (a Celery prefork worker
    or a request) at a time."""
    try:
        return pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise error("The PDF is password-protected. Upload a copy without a password.") from exc
        raise error("The PDF is damaged and cannot be read. Upload it again.") from exc


def decode_text(data: bytes, error: type[Exception] = DocumentRejected) -> str:
    """Plain text from bytes: UTF-8 (a BOM allowed) or UTF-16 with a BOM; refused when it is
    not text (NUL bytes, many control characters, markup)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    else:
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise error(
            f"The file is neither a PDF nor a Word document, and it is not UTF-8 text. {ACCEPTED}"
        ) from exc
    if "\x00" in text:
        raise error(f"The file holds binary data, not text. {ACCEPTED}")
    if len(_CONTROL.findall(text)) > MAX_CONTROL_SHARE * len(text):
        raise error(f"The file holds binary data, not text. {ACCEPTED}")
    opening = text.lstrip()[:200].lower()
    if opening.startswith(("<!doctype html", "<html", "<?xml", "<svg", "<head", "<body")):
        raise error(f"The file is a web page or other markup, not a document. {ACCEPTED}")
    if opening.startswith("{\\rtf"):
        raise error(f"The file is {_RESAVE['rtf']}. Save it as PDF or .docx and upload it again.")
    if not text.strip():
        raise error("The text file holds no text.")
    return text


# Documents a word processor can save again as PDF or .docx.
_RESAVE = {
    "rtf": "a Rich Text (RTF) document",
    "doc": "an old-style Word document (.doc)",
    "odt": "an OpenDocument text (.odt)",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def _pdf_pages(data: bytes) -> int:
    document = open_pdf(data, DocumentRejected)
    try:
        pages = len(document)
    finally:
        document.close()
    if pages == 0:
        raise DocumentRejected("The PDF has no pages.")
    return pages


def check_docx_package(data: bytes, error: type[Exception], max_unpacked_bytes: int) -> bytes:
    """The bytes of ``word/document.xml`` after checking the package: a ZIP holding a Word
    document, not encrypted, not macro-enabled, unpacking to at most ``max_unpacked_bytes``."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            members = package.infolist()
            names = {member.filename for member in members}
            if "word/document.xml" not in names or "[Content_Types].xml" not in names:
                raise error(
                    "The file is a ZIP archive, not a Word document. "
                    f"{ACCEPTED} (Send the files one by one.)"
                )
            if len(members) > MAX_ZIP_MEMBERS or (
                sum(member.file_size for member in members) > max_unpacked_bytes
            ):
                raise error(
                    "The Word document unpacks to more than "
                    f"{_megabytes(max_unpacked_bytes)}; it cannot be read safely."
                )
            if any(member.flag_bits & 0x1 for member in members):
                raise error("The Word document is encrypted. Upload a copy without a password.")
            if "word/vbaProject.bin" in names:
                raise error(
                    "The Word document holds macros. Save it as a plain .docx and upload it again."
                )
            return package.read("word/document.xml")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
        raise error("The Word document is damaged and cannot be read. Upload it again.") from exc


def _docx_pages(data: bytes, max_unpacked_bytes: int) -> int:
    """Pages as Word last counted them (docProps/app.xml), or explicit page breaks + 1."""
    body = check_docx_package(data, DocumentRejected, max_unpacked_bytes)
    breaks = len(_PAGE_BREAK.findall(body)) + 1
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        try:
            properties = package.read("docProps/app.xml")
        except KeyError:
            return breaks
    counted = _APP_PAGES.search(properties)
    return max(breaks, int(counted.group(1))) if counted else breaks


_PAGE_BREAK = re.compile(
    rb'<w:br\b[^>]*w:type="page"|<w:pageBreakBefore\b(?![^>]*w:val="(?:0|false)")'
)
_APP_PAGES = re.compile(rb"<(?:\w+:)?Pages>\s*(\d{1,6})\s*<")


def _describe(guess) -> str:
    """'a PNG image (.png)' from filetype's guess."""
    family = guess.mime.split("/")[0]
    noun = {"image": "image", "video": "video", "audio": "audio file", "font": "font"}.get(
        family, "file"
    )
    name = guess.extension.upper()
    article = "an" if name[:1] in "AEFHILMNORSX" else "a"
    return f"{article} {name} {noun} (.{guess.extension})"


def _megabytes(size: int) -> str:
    megabytes = size / (1024 * 1024)
    return f"{megabytes:.0f} MB" if megabytes == int(megabytes) else f"{megabytes:.1f} MB"
