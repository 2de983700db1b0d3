"""Reading an uploaded table of rows: CSV text or an Excel workbook (.xlsx), told apart by
their content, never by the file's name. Pure: bytes in, a header and numbered rows out;
what the rows mean (candidates, their emails, links) is checked by screening.services.

A row's number is the one the recruiter sees: the CSV line (the last line of a record
whose quoted cell spans lines, as Python's csv reader counts), or the sheet's row number.
Workbooks are read with openpyxl in read-only mode: the first sheet only, the first
non-empty row as the header, every cell as text (whole numbers without ".0", so a phone
number typed as a number keeps its digits; dates as ISO 8601), empty rows skipped."""

import csv
import datetime
import io
import zipfile
from dataclasses import dataclass, field

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
    reader = csv.reader(io.StringIO(text))
    table = Table(kind=CSV)
    try:
        table.header = next(reader, [])
        for cells in reader:
            if not cells:  # a blank line, as csv.DictReader skips it
                continue
            table.rows.append((reader.line_num, cells))
            if len(table.rows) > MAX_ROWS:
                return Table(kind=CSV, error=_too_many_rows())
    except csv.Error as exc:
        return Table(kind=CSV, error=f"Line {reader.line_num}: the CSV cannot be read ({exc}).")
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
