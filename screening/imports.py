"""Reading an uploaded table of rows: CSV text or an Excel workbook (.xlsx), told apart by
their content, never by the file's name. Pure: bytes in, a header and numbered rows out;
what the rows mean (candidates, their emails, links) is checked by screening.services.

A row's number is the one the recruiter sees: the CSV line (the last line of a record
whose quoted cell spans lines, as Python's csv reader counts), or the sheet's row number.
Workbooks are read with openpyxl in read-only mode: the first sheet only, the first
non-empty row as the header, every cell as text (whole numbers without ".0", so a phone
number typed as a number keeps its digits; dates as ISO 8601), empty rows skipped.

The documents sent with the rows (a ZIP of files) are read here too, and matched to rows
(`match_documents`); whether a file is a document we take is for the caller's check (the
documents service's) to say."""

import csv
import datetime
import io
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

from core.csvfile import CsvFileError, as_lines, checked

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
# Columns read from a workbook: far more than the five the import knows. A row is
# filled out to its last cell, so one stray cell in column XFD would otherwise make
# every row 16,384 cells long.
MAX_COLUMNS = 50
# A workbook is a ZIP archive: refuse one that would inflate past this (a "ZIP bomb").
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024

ZIP_SIGNATURE = b"PK\x03\x04"
# Old binary Excel files (.xls) and password-protected workbooks are OLE2 containers.
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PDF_SIGNATURE = b"%PDF"

CSV, XLSX = "CSV", "XLSX"


@dataclass
class Table:
    """A file's header and rows as text, or why it could not be read (`error`)."""

    kind: str = CSV
    header: list[str] = field(default_factory=list)
    header_line: int = 1
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (line, cells)
    error: str | None = None


def read_table(data: bytes) -> Table:
    """The header and rows of a CSV or XLSX file, or a `Table` whose `error` says why not."""
    if len(data) > MAX_BYTES:
        return Table(error=f"The file is over {MAX_BYTES // (1024 * 1024)} MB.")
    if data.startswith(ZIP_SIGNATURE):
        return _read_xlsx(data)
    if data.startswith(OLE2_SIGNATURE):
        return Table(
            error="The file is an old Excel workbook (.xls) or a password-protected one: "
            "save it as .xlsx or CSV, without a password, and upload it again."
        )
    if data.startswith(PDF_SIGNATURE) or b"\x00" in data[:4096]:
        return Table(error="The file is neither CSV text nor an Excel workbook (.xlsx).")
    return _read_csv(data)


def _read_csv(data: bytes) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Table(error="The file is not UTF-8 text.")
    reader = csv.reader(as_lines(text))  # LF, CRLF and CR line endings alike
    table = Table(kind=CSV)
    try:
        rows = checked(reader)
        table.header = next(rows, [])
        for cells in rows:
            if not cells:  # a blank line, as csv.DictReader skips it
                continue
            table.rows.append((reader.line_num, cells))
            if len(table.rows) > MAX_ROWS:
                return Table(kind=CSV, error=_too_many_rows())
    except CsvFileError as exc:
        return Table(kind=CSV, error=f"Line {exc.line}: {exc.message[:1].upper()}{exc.message[1:]}")
    return table


def _read_xlsx(data: bytes) -> Table:
    # Imported here: only a workbook upload pays for loading openpyxl.
    from openpyxl import load_workbook

    not_a_workbook = Table(
        kind=XLSX, error="The file is a ZIP archive but not an Excel workbook (.xlsx)."
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        return not_a_workbook
    if "xl/workbook.xml" not in {m.filename for m in members}:
        return not_a_workbook
    if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
        return Table(kind=XLSX, error="The workbook is too large once unpacked; split it.")
    table = Table(kind=XLSX)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a damaged file; all mean the same here
        return Table(kind=XLSX, error="The workbook cannot be read; save it again and retry.")
    try:
        sheet = workbook.worksheets[0]
        # Files written by other tools often state wrong dimensions: read what is there.
        sheet.reset_dimensions()
        header_seen = False
        rows = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
        for number, values in enumerate(rows, start=1):
            cells = [_text(v) for v in values]
            while cells and not cells[-1]:
                cells.pop()
            if not cells:
                continue
            if not header_seen:
                table.header, table.header_line, header_seen = cells, number, True
                continue
            table.rows.append((number, cells))
            if len(table.rows) > MAX_ROWS:
                return Table(kind=XLSX, error=_too_many_rows())
    except Exception:
        return Table(kind=XLSX, error="The workbook cannot be read; save it again and retry.")
    finally:
        workbook.close()
    return table


def _too_many_rows() -> str:
    return f"The file has more than {MAX_ROWS:,} rows; split it into smaller files."


def _text(value) -> str:
    """A cell as the text a person reads in it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value).strip()


# --- Documents sent with the rows: a ZIP (or a folder) of files -------------------------
#
# Files are matched to rows in one of two ways. With a `documents` column, each row names
# its files (several separated by ";" or ","). Without one, a file belongs to the row whose
# email its name starts with: "ada@example.net.pdf", "ada@example.net-cover.pdf",
# "ada@example.net_2.docx". A file is a résumé unless its name says it is a cover letter.

RESUME, COVER_LETTER = "resume", "cover_letter"  # screening.models.Document.Role values
# What may follow the email in a file's name: an extension or a suffix ("-cover", "_2").
_AFTER_EMAIL = ".-_ ("
_COVER_LETTER = re.compile(r"cover|(?<!news)letter|motivation", re.IGNORECASE)
# Files an archiver or an operating system adds on its own: never a candidate's.
_JUNK = {"thumbs.db", "desktop.ini"}


@dataclass(frozen=True)
class BundledFile:
    """One file of a ZIP or a folder: its own name (folders left out), its declared size,
    and how to read it (`read()` raises `UnreadableFile` for a damaged or encrypted one)."""

    name: str
    size: int
    read: Callable[[], bytes] = field(repr=False, compare=False)


@dataclass
class Bundle:
    """The files sent with an import, or why they cannot be taken (`error`)."""

    files: list[BundledFile] = field(default_factory=list)
    error: str | None = None


class UnreadableFile(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def read_zip(source, *, max_files: int, max_unpacked_bytes: int) -> Bundle:
    """The files of a ZIP archive (bytes or a binary file object), hidden files and folders
    left out; or a `Bundle` whose `error` says why not. Nothing is inflated here: the
    members' declared sizes are checked against the limits first (zipfile never inflates a
    member past its declared size, so a ZIP bomb is refused unread)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
        members = archive.infolist()
    except (OSError, EOFError, zipfile.BadZipFile, zipfile.LargeZipFile):
        return Bundle(error="The documents file is not a ZIP archive.")
    if len(members) > max_files:
        return Bundle(
            error=f"The ZIP holds {len(members):,} entries; the limit is {max_files:,}. "
            "Split it into smaller ZIPs."
        )
    unpacked = sum(m.file_size for m in members)
    if unpacked > max_unpacked_bytes:
        return Bundle(
            error=f"The ZIP unpacks to {_megabytes(unpacked)}; the limit is "
            f"{_megabytes(max_unpacked_bytes)}. Split it into smaller ZIPs."
        )
    files = []
    for member in sorted(members, key=lambda m: m.filename):
        name = own_name(member.filename)
        if member.is_dir() or _skipped(member.filename, name):
            continue
        files.append(BundledFile(name, member.file_size, _member_reader(archive, member)))
    return Bundle(files=files)


def own_name(path: str) -> str:
    """A file's name without its folders ("/" or "\\" separated)."""
    return re.split(r"[\\/]", path)[-1].strip()


def _skipped(path: str, name: str) -> bool:
    return not name or name.startswith(".") or "__MACOSX" in path or name.lower() in _JUNK


def _member_reader(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> Callable[[], bytes]:
    def read() -> bytes:
        if member.flag_bits & 0x1:
            raise UnreadableFile("The file is encrypted in the ZIP; send it without a password.")
        try:
            return archive.read(member)
        except (OSError, EOFError, RuntimeError, NotImplementedError, zipfile.BadZipFile) as exc:
            raise UnreadableFile(f"The file cannot be read from the ZIP ({exc}).") from None
        except zlib.error:
            raise UnreadableFile("The file is damaged in the ZIP.") from None

    return read


def _megabytes(size: int) -> str:
    megabytes = size / (1024 * 1024)
    return f"{megabytes:.0f} MB" if megabytes == int(megabytes) else f"{megabytes:.1f} MB"


@dataclass(frozen=True)
class Claim:
    """A row that may have documents: its line, its email and, with a `documents` column,
    the names of its files (None without the column)."""

    line: int
    email: str
    names: tuple[str, ...] | None = None


def document_claims(table: Table) -> list[Claim]:
    """Each row's email and, when the header has a `documents` column, the files it names."""
    header = [h.strip().lower() for h in table.header]
    if "email" not in header:
        return []
    email, documents = (
        header.index("email"),
        (header.index("documents") if "documents" in header else None),
    )
    claims = []
    for line, cells in table.rows:
        names = None
        if documents is not None:
            cell = cells[documents] if documents < len(cells) else ""
            names = tuple(n for n in (own_name(p) for p in re.split(r"[;,]", cell)) if n)
        claims.append(Claim(line, cells[email].strip() if email < len(cells) else "", names))
    return claims


@dataclass(frozen=True)
class PlannedDocument:
    """A file to attach to the application of the row on `line` (whose email is `email`)."""

    line: int
    email: str
    file: BundledFile
    role: str


@dataclass
class DocumentPlan:
    documents: list[PlannedDocument] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line or 0, message)
    refused: list[PlannedDocument] = field(default_factory=list)  # matched, but not taken

    def for_line(self, line: int) -> list[PlannedDocument]:
        return [d for d in self.documents if d.line == line]

    def refused_for_line(self, line: int) -> list[PlannedDocument]:
        return [d for d in self.refused if d.line == line]


def document_role(name: str, default: str = RESUME) -> str:
    """A cover letter when the name says so ("-cover", "letter", "motivation"), else
    `default` (a résumé)."""
    return COVER_LETTER if _COVER_LETTER.search(name) else default


def match_documents(
    claims: list[Claim],
    bundle: Bundle | None,
    *,
    check: Callable[[bytes], object],
    check_size: Callable[[int], object],
    unclaimed: str = "its name does not begin with any row's email",
    role: str | None = None,
) -> DocumentPlan:
    """Which file goes with which row, and every problem with its line (0 when it belongs
    to no row): a name in `documents` missing from the ZIP or named twice, a file no row
    claims, two files of one name, a file `check_size` (its declared size) or `check` (its
    bytes) refuses by raising an error with a `message`. With a `documents` column a row
    gets the files it names; without one, the files named by its email. `role` overrides
    the role the names suggest."""
    plan = DocumentPlan()
    by_column = any(c.names is not None for c in claims)
    if bundle is None:
        if by_column and any(c.names for c in claims):
            plan.problems.append(
                (0, "The documents column names files: add the ZIP that holds them.")
            )
        return plan
    if bundle.error:
        plan.problems.append((0, bundle.error))
        return plan
    files: dict[str, BundledFile] = {}
    for file in bundle.files:
        key = file.name.lower()
        if key in files:
            plan.problems.append(
                (0, f"The ZIP holds more than one file named “{file.name}”; rename one.")
            )
        files.setdefault(key, file)
    matched: dict[str, PlannedDocument] = {}
    if by_column:
        for claim in claims:
            for name in claim.names or ():
                file = files.get(name.lower())
                if file is None:
                    plan.problems.append((claim.line, f"documents: “{name}” is not in the ZIP."))
                elif file.name.lower() in matched:
                    first = matched[file.name.lower()].line
                    plan.problems.append(
                        (claim.line, f"documents: “{name}” is named on line {first} too.")
                    )
                else:
                    # The email in a name ("ada@letters.net.pdf") says nothing of its role.
                    said = _after_prefix(file.name, claim.email)
                    document = PlannedDocument(
                        claim.line, claim.email, file, role or document_role(said)
                    )
                    matched[file.name.lower()] = document
        left_out = "no row names it in its documents column"
    else:
        rows = {}
        for claim in claims:
            rows.setdefault(claim.email.lower(), claim)
        for key, file in files.items():
            claim, rest = _claim_by_email(file.name, rows)
            if claim is not None:
                matched[key] = PlannedDocument(
                    claim.line, claim.email, file, role or document_role(rest)
                )
        left_out = unclaimed
    for key, file in files.items():
        if key not in matched:
            plan.problems.append((0, f"“{file.name}”: {left_out}."))
    # Per row, the résumés first.
    order = {RESUME: 0, COVER_LETTER: 1}
    for document in sorted(
        matched.values(), key=lambda d: (d.line, order.get(d.role, 2), d.file.name.lower())
    ):
        problem = _refusal(document.file, check=check, check_size=check_size)
        if problem:
            plan.problems.append((document.line, f"“{document.file.name}”: {problem}"))
            plan.refused.append(document)
        else:
            plan.documents.append(document)
    plan.problems.sort(key=lambda p: p[0])
    return plan


def _claim_by_email(name: str, rows: dict[str, Claim]) -> tuple[Claim | None, str]:
    """The row whose email the file's name starts with (the longest such email, so
    "ada@example.net.au.pdf" is not taken for ada@example.net), and the rest of the name."""
    lowered, found = name.lower(), (None, "")
    for end in range(1, len(lowered) + 1):
        if end < len(lowered) and lowered[end] not in _AFTER_EMAIL:
            continue
        claim = rows.get(lowered[:end])
        if claim is not None:
            found = (claim, name[end:])
    return found


def _after_prefix(name: str, prefix: str) -> str:
    return name[len(prefix) :] if prefix and name.lower().startswith(prefix.lower()) else name


def _refusal(file: BundledFile, *, check, check_size) -> str | None:
    """Why `check_size` or `check` refuses the file, or None. Either raises an error whose
    `message` says why (as screening.services.document_check does)."""
    try:
        check_size(file.size)
        check(file.read())
    except Exception as exc:
        message = getattr(exc, "message", None)
        if not isinstance(message, str):
            raise
        return message
    return None
