"""Inline labels: "Pay: $20 an hour" on a text line, or glued into scraped text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .headings import _loose_kind, _strict_kind
from .lines import _heading_name, _Line
from .model import BONUS, MUST, OTHER
from .text import _words

_LEAD_LABEL = re.compile(
    r"(?:(?P<delim>\*\*|__|\*|_)(?P<bold>[^*_:]{1,60}?) *(?::(?P=delim)|(?P=delim) *:)"
    r"|(?P<plain>[A-Za-z][\w '&/+-]{0,50}?) *:)"
    r" *(?=\S)"
)
_MID_LABEL = re.compile(r"(?<=[.!?]) *(?P<label>[A-Z][\w '&/-]{0,40}?) *: *(?=\S)")
# Scraped postings glue fields together ("...skillsJob Types: Full-timePay: $75"): only these
# capitalised names count there, so ordinary camel-case words are never split.
_GLUED_LABEL = re.compile(
    r"(?<=[a-z0-9)\]])(?P<label>Job Types?|Pay|Salary|Schedule|Education|Experience"
    r"|Work Location|Location|Benefits|Requirements|Qualifications|Skills|Responsibilities"
    r"|Duties|Compensation|Licen[cs]e/Certification|Certifications?|Language) *: *(?=\S)"
)


# A heading glued to the text after it, as scrapers leave it: "About the jobOur team builds".
_GLUED_HEADING = re.compile(r"(?P<name>[A-Z][A-Za-z'& /-]{2,60}?[a-z])(?=[A-Z][a-z'])")
_MAX_LABEL_WORDS = 5


@dataclass(slots=True)
class _Piece:
    start: int  # where the piece starts (its label, when it has one)
    content_start: int  # where the text after the label starts
    end: int
    kind: str | None = None  # what the label says; None for text without a label
    leading: bool = False  # the label opens the line (rather than following a sentence)
    strict: bool = False  # the label is a full section name, not just a word in one
    words: int = 1  # how many words the label has


def _inline_pieces(line: _Line) -> list[_Piece]:
    """Split a text line at the section labels it carries."""
    text = line.folded
    offset = len(text) - len(text.lstrip())
    cuts: list[_Piece] = []
    if lead := _leading_label(text, offset):
        cuts.append(lead)
    search_from = cuts[0].content_start if cuts else offset
    for pattern in (_MID_LABEL, _GLUED_LABEL) if ":" in text else ():
        for match in pattern.finditer(text, search_from):
            kind = _strict_kind(_heading_name(match["label"]))
            if kind:
                cuts.append(_Piece(match.start("label"), match.end(), 0, kind, strict=True))
    cuts.sort(key=lambda piece: piece.start)
    pieces: list[_Piece] = []
    if not cuts or cuts[0].start > offset:
        first_end = cuts[0].start if cuts else len(text)
        pieces.append(_Piece(offset, offset, first_end))
    for number, piece in enumerate(cuts):
        piece.end = cuts[number + 1].start if number + 1 < len(cuts) else len(text)
        pieces.append(piece)
    for piece in pieces:
        piece.start += line.start
        piece.content_start += line.start
        piece.end = line.start + len(text[: piece.end].rstrip())
    return [piece for piece in pieces if piece.end > piece.content_start]


def _leading_label(text: str, offset: int) -> _Piece | None:
    match = _LEAD_LABEL.match(text, offset)
    if not match:
        return _glued_heading(text, offset)
    label = match["bold"] or match["plain"]
    count = len(_words(label))
    if count > _MAX_LABEL_WORDS:
        return None
    name = _heading_name(label)
    strict = _strict_kind(name)
    kind = strict or (OTHER if _loose_kind(name) == OTHER else None)
    if kind is None:
        return None
    return _Piece(offset, match.end(), 0, kind, True, strict is not None, count)


def _glued_heading(text: str, offset: int) -> _Piece | None:
    match = _GLUED_HEADING.match(text, offset)
    if not match or len(_words(match["name"])) > _MAX_LABEL_WORDS:
        return None
    name = _heading_name(match["name"])
    kind = _strict_kind(name) or _loose_kind(name)
    if kind is None:
        return None
    # Not "leading": a heading, even glued, always ends the section before it.
    return _Piece(offset, match.end(), 0, kind, strict=True, words=len(_words(name)))


def _label_switches_section(piece: _Piece, current: str | None) -> bool:
    """Does this label start a new section, or is it just an item written "Label: text"?"""
    if not piece.leading:
        return True  # mid-sentence and glued labels only ever match full section names
    if current in (MUST, BONUS):
        # Inside a requirements list, "Education: ..." or "Preferred: ..." is an item; a plain
        # "Pay: ..." line ends the list, and a full section name of another kind opens its own
        # section ("Preferred qualifications: Certification in ...").
        if piece.kind == OTHER:
            return piece.strict
        return piece.strict and piece.kind != current and piece.words >= 2
    return True
