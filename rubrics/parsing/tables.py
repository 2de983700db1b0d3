"""Tables: Markdown tables ("| Essential | Desirable |") and text tables (columns set apart by
tabs or runs of spaces), as person specifications often lay out their criteria.

Table rows are found after the lines are classified, from the original text (a tab folds into
one space, so the folded copy cannot tell a column gap from a word gap). Each row keeps the
exact offsets of its cells; the items pass turns a header's "Essential"/"Desirable" columns into
must-haves and bonuses, titled from the row's label column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .headings import _loose_kind, _strict_kind
from .lines import BLANK, HEADING, TEXT, _heading_name, _Line
from .model import BONUS, MUST

TABLE = "table"

_MD_SEPARATOR = re.compile(r"\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)+\|?")
_GAP = re.compile(r"\t+| {2,}")
# Cells that hold nothing: "-", "n/a", "none".
_EMPTY_CELL = re.compile(r"[-–—*_ ]*|n/?a|none|—", re.IGNORECASE)


@dataclass(slots=True)
class TableRow:
    line: _Line
    cells: list[tuple[int, int]]  # offsets of each non-empty cell
    columns: list[int]  # the column each cell sits in
    separator: bool = False  # a Markdown "|---|---|" line
    header: bool = False  # the header line of a text table


@dataclass(slots=True)
class Table:
    rows: list[TableRow] = field(default_factory=list)

    @property
    def header(self) -> TableRow | None:
        """The header row: a text table's first line, or a Markdown row above "|---|"."""
        if not self.rows:
            return None
        if self.rows[0].header:
            return self.rows[0]
        if len(self.rows) > 1 and self.rows[1].separator:
            return self.rows[0]
        return None

    @property
    def body(self) -> list[TableRow]:
        header = self.header
        return [row for row in self.rows if row is not header and not row.separator]


def mark_tables(text: str, lines: list[_Line]) -> dict[int, TableRow]:
    """Find table rows; return them by line index (their lines' kind becomes TABLE)."""
    rows: dict[int, TableRow] = {}
    index = 0
    while index < len(lines):
        line = lines[index]
        if _is_markdown_row(line):
            index = _take_markdown_table(lines, index, rows)
        elif line.kind in (TEXT, HEADING) and (header := _text_table_header(text, line)):
            index = _take_text_table(text, lines, index, header, rows)
        else:
            index += 1
    return rows


def _is_markdown_row(line: _Line) -> bool:
    stripped = line.stripped
    return stripped.startswith("|") and stripped.count("|") >= 2


def _take_markdown_table(lines: list[_Line], index: int, rows: dict[int, TableRow]) -> int:
    while index < len(lines) and _is_markdown_row(lines[index]):
        line = lines[index]
        line.kind = TABLE
        if _MD_SEPARATOR.fullmatch(line.stripped):
            rows[index] = TableRow(line, [], [], separator=True)
        else:
            cells, columns = _markdown_cells(line)
            rows[index] = TableRow(line, cells, columns)
        line.table_row = rows[index]
        index += 1
    return index


def _markdown_cells(line: _Line) -> tuple[list[tuple[int, int]], list[int]]:
    folded = line.folded
    bars = [position for position, char in enumerate(folded) if char == "|"]
    cells, columns = [], []
    for column, (left, right) in enumerate(zip(bars, bars[1:], strict=False)):
        if (span := _trim_cell(line, left + 1, right)) is not None:
            cells.append(span)
            columns.append(column)
    return cells, columns


def _trim_cell(line: _Line, left: int, right: int) -> tuple[int, int] | None:
    chunk = line.folded[left:right]
    stripped = chunk.strip()
    if _EMPTY_CELL.fullmatch(stripped):
        return None
    start = left + len(chunk) - len(chunk.lstrip())
    return line.start + start, line.start + start + len(stripped)


def _gap_cells(text: str, line: _Line) -> list[tuple[int, int]]:
    """Offsets of the cells of a line split at tabs and runs of two or more spaces."""
    raw = text[line.start : line.end]
    cells, position = [], len(raw) - len(raw.lstrip())
    for match in _GAP.finditer(raw, position):
        if match.start() > position:
            cells.append((line.start + position, line.start + match.start()))
        position = match.end()
    if position < len(raw):
        cells.append((line.start + position, line.start + len(raw)))
    return cells


def _text_table_header(text: str, line: _Line) -> list[tuple[int, int]] | None:
    """The header's cells when the line heads a text table of criteria, else None."""
    raw = text[line.start : line.end].strip()
    if "\t" not in raw and "  " not in raw:
        return None  # no column gap: not a table row
    cells = _gap_cells(text, line)
    if len(cells) < 2:
        return None
    kinds = {_column_kind(text[start:end]) for start, end in cells}
    return cells if kinds & {MUST, BONUS} else None


def _take_text_table(
    text: str,
    lines: list[_Line],
    index: int,
    header: list[tuple[int, int]],
    rows: dict[int, TableRow],
) -> int:
    starts = [start - lines[index].start for start, _ in header]
    body = []
    following = index + 1
    while following < len(lines) and lines[following].kind != BLANK:
        body.append(following)
        following += 1
    if not any(len(_gap_cells(text, lines[number])) >= 2 for number in body):
        return index + 1  # a line of words with wide gaps, not a table
    for number in [index, *body]:
        line = lines[number]
        cells = _gap_cells(text, line)
        tabbed = "\t" in text[line.start : line.end]
        columns = (
            list(range(len(cells)))
            if tabbed or number == index
            else [_nearest_column(starts, start - line.start) for start, _ in cells]
        )
        line.kind = TABLE
        rows[number] = line.table_row = TableRow(line, cells, columns, header=number == index)
    return following


def _nearest_column(starts: list[int], position: int) -> int:
    """The header column a cell starting at `position` sits under (two columns of slack)."""
    column = 0
    for number, start in enumerate(starts):
        if start <= position + 2:
            column = number
    return column


def _column_kind(name: str) -> str | None:
    name = _heading_name(name)
    kind = _strict_kind(name) or _loose_kind(name)
    return kind if kind in (MUST, BONUS) else None


def column_kinds(text: str, header: TableRow) -> dict[int, str]:
    """The header's must-have and bonus columns: {column: MUST or BONUS}."""
    kinds = {}
    for (start, end), column in zip(header.cells, header.columns, strict=True):
        if kind := _column_kind(text[start:end]):
            kinds[column] = kind
    # "Criteria | Essential | Desirable": the first column names the rows unless every column
    # is a kind of its own ("| Essential | Desirable |").
    first = header.columns[0] if header.columns else None
    first_name = _heading_name(text[slice(*header.cells[0])]) if header.cells else ""
    if first in kinds and len(kinds) > 1 and first_name not in _KIND_NAMES:
        del kinds[first]
    return kinds


# Header cells that name a kind of column rather than the rows ("Criteria" names the rows).
_KIND_NAMES = frozenset(
    ("essential", "required", "requirements", "must have", "must-have", "minimum", "mandatory")
)
