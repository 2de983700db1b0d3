"""Pass 2: sections opened at headings, and the bullet lists and paragraphs inside them."""

from __future__ import annotations

from dataclasses import dataclass, field

from .inline import _inline_pieces, _label_switches_section
from .lines import BLANK, BULLET, HEADING, RULE, _Line
from .model import UNKNOWN
from .tables import TABLE, Table


@dataclass(slots=True)
class _Bullet:
    start: int  # offset of the marker
    end: int  # end of the last line that belongs to this bullet itself
    indent: int
    marker: str
    parts: list[tuple[int, int]]  # ranges of the bullet's own text
    opens_list: bool  # its text ends with ":" ("... must include ONE of the following:")
    children: list[_Bullet] = field(default_factory=list)

    @property
    def full_end(self) -> int:
        return max([self.end] + [child.full_end for child in self.children])


@dataclass(slots=True)
class _Paragraph:
    lines: list[_Line]
    inline: bool
    # right under a heading that ends like a lead-in ("You might be a fit if you…", "You:"):
    # each line finishes its sentence, so each is one entry
    lead_in: bool = False


@dataclass(slots=True)
class _Section:
    kind: str | None  # MUST, BONUS, RESP, OTHER or None (before the first heading)
    level: int
    # A sub-heading whose name says nothing keeps its parent's kind unless its list clearly
    # reads otherwise ("What you'll do:" then "What we need:" with "1+ yr line experience").
    inherited: bool = False
    lead_in: bool = False  # its heading ends with ":" or "…"
    blocks: list[list[_Bullet] | _Paragraph | Table] = field(default_factory=list)

    @property
    def has_bullets(self) -> bool:
        """Does the section hold a list (or a table), beside which prose is only commentary?"""
        return any(isinstance(block, list | Table) for block in self.blocks)

    @property
    def tables(self) -> list[Table]:
        return [block for block in self.blocks if isinstance(block, Table)]

    @property
    def lists(self) -> list[list[_Bullet]]:
        return [block for block in self.blocks if isinstance(block, list)]


class _SectionBuilder:
    """Walks the classified lines, opening sections at headings and grouping their lines."""

    def __init__(self) -> None:
        self.sections = [_Section(None, 0)]
        self.open_bullets: list[_Bullet] = []  # the current list's bullets, outermost first
        self.paragraph: _Paragraph | None = None
        self.after_blank = False

    @property
    def section(self) -> _Section:
        return self.sections[-1]

    def feed(self, line: _Line) -> None:
        if line.kind == BLANK:
            self.after_blank = True
            self.paragraph = None
            return
        if line.kind == RULE:
            self._open_section(_Section(None, 0))
        elif line.kind == HEADING:
            section = self._section_for_heading(line)
            section.lead_in = line.stripped.rstrip("*_ ").endswith((":", "…", "..."))
            self._open_section(section)
        elif line.kind == BULLET:
            self._add_bullet(line)
        elif line.kind == TABLE:
            self._add_table_row(line)
        else:
            self._add_text(line)
        self.after_blank = False

    def _add_table_row(self, line: _Line) -> None:
        self.open_bullets = []
        self.paragraph = None
        blocks = self.section.blocks
        if not (blocks and isinstance(blocks[-1], Table) and not self.after_blank):
            blocks.append(Table())
        blocks[-1].rows.append(line.table_row)

    def _open_section(self, section: _Section) -> None:
        self.sections.append(section)
        self.open_bullets = []
        self.paragraph = None

    def _section_for_heading(self, line: _Line) -> _Section:
        if line.section is not None:
            return _Section(line.section, line.level)
        current = self.section
        # A heading whose name says nothing ("Accounts team:", "#### Executive support") is a
        # sub-heading when it is a "Something:" lead-in or styled below the section's heading.
        if line.style in ("colon", "label") or line.level > current.level:
            return _Section(current.kind, current.level, inherited=True)
        return _Section(UNKNOWN, line.level)

    def _add_bullet(self, line: _Line) -> None:
        self.paragraph = None
        body = line.folded[line.body_start - line.start :]
        bullet = _Bullet(
            start=line.start + line.indent_chars,
            end=line.end,
            indent=line.indent,
            marker=line.marker,
            parts=[(line.body_start, line.end)],
            opens_list=body.rstrip("*_ ").endswith(":"),
        )
        stack = self.open_bullets
        if not stack:
            self.section.blocks.append([])
        while stack and stack[-1].indent >= bullet.indent:
            if _is_same_indent_child(stack, bullet):
                break
            stack.pop()
        if stack:
            stack[-1].children.append(bullet)
        else:
            self.section.blocks[-1].append(bullet)
        stack.append(bullet)

    def _add_text(self, line: _Line) -> None:
        if self.open_bullets and self._continues_bullet(line):
            bullet = self.open_bullets[-1]
            bullet.parts.append((line.start + line.indent_chars, line.end))
            bullet.end = line.end
            return
        for number, piece in enumerate(_inline_pieces(line)):
            if piece.kind is not None and _label_switches_section(piece, self.section.kind):
                self._open_section(_Section(piece.kind, 8))
                self._add_paragraph_line(_sub_line(line, piece.content_start, piece.end, True))
            else:
                self._add_paragraph_line(_sub_line(line, piece.start, piece.end, number > 0))

    def _continues_bullet(self, line: _Line) -> bool:
        bullet = self.open_bullets[-1]
        if self.after_blank:
            return line.indent > bullet.indent and line.indent >= 2
        first = line.stripped[:1]
        return line.indent > bullet.indent or first.islower()

    def _add_paragraph_line(self, line: _Line) -> None:
        self.open_bullets = []
        paragraph = self.paragraph
        if paragraph is not None and not paragraph.inline and not line.inline:
            paragraph.lines.append(line)
            return
        lead_in = self.section.lead_in and not self.section.blocks
        self.paragraph = _Paragraph([line], line.inline, lead_in)
        self.section.blocks.append(self.paragraph)


def _sub_line(line: _Line, start: int, end: int, inline: bool) -> _Line:
    folded = line.folded[start - line.start : end - line.start]
    return _Line(start=start, end=end, folded=folded, indent=line.indent, inline=inline)


def _is_same_indent_child(stack: list[_Bullet], bullet: _Bullet) -> bool:
    """Sub-items written at the parent's indentation with another marker, after a parent that
    ends with a colon ("1. ... ONE of the following:" then "- a", "- b")."""
    top = stack[-1]
    return (
        len(stack) == 1
        and top.indent == bullet.indent
        and top.marker != bullet.marker
        and top.opens_list
    )


def _build_sections(lines: list[_Line]) -> list[_Section]:
    builder = _SectionBuilder()
    for line in lines:
        builder.feed(line)
    return builder.sections
