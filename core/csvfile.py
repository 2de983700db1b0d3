"""Reading CSV that people made: any line ending, and a line-numbered message
instead of an exception for what the ``csv`` module or the database cannot take."""

import csv
import io
from collections.abc import Iterator

FIELD_LIMIT = csv.field_size_limit()


class CsvFileError(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


def as_lines(text: str) -> list[str]:
    """Lines of ``text`` ending in LF, CRLF or CR alike (the csv module itself
    refuses a bare CR outside quotes)."""
    return io.StringIO(text, newline=None).readlines()


def checked(reader) -> Iterator:
    """The rows of a ``csv.reader`` or ``csv.DictReader``; a ``csv.Error`` or a
    NUL character (which PostgreSQL cannot store) becomes a ``CsvFileError``
    naming the line."""
    try:
        for row in reader:
            cells = row.values() if isinstance(row, dict) else row
            if any(isinstance(cell, str) and "\x00" in cell for cell in cells):
                raise CsvFileError(reader.line_num, "it contains a NUL character.")
            yield row
    except csv.Error as exc:
        # A DictReader copies its reader's count only after a row succeeds.
        line = getattr(reader, "reader", reader).line_num
        raise CsvFileError(line, _in_words(exc)) from None


def _in_words(exc: csv.Error) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        return f"a field is longer than {FIELD_LIMIT:,} characters."
    return f"it cannot be read as CSV ({text})."
