"""Turn a job posting's text into must-haves, bonuses and responsibilities.

Pure Python (standard library only), so the hard part can be tested without Django. The parser
works in three passes:

1. **Line classification.** The text is split into physical lines (``\\n``, ``\\r\\n`` or
   ``\\r``) and each line is classified as blank, horizontal rule, bullet, heading or text.
   Headings are recognised by their form (Markdown ``#``, a whole-line ``**bold**`` line, ALL
   CAPS, a short line ending in a colon, a short title-case line, a short line introducing a
   list) or by their name ("Requirements", "What you'll need", ...). A text line may also carry
   section labels inline ("... Requirements: a; b. Pay: $20 an hour.").
2. **Sections.** A heading's name says what its section holds: must-haves, bonuses,
   responsibilities, or something else (benefits, pay, company blurb, summary lists, equal
   opportunity text, how to apply...). A heading whose name says nothing ("Accounts team:") is a
   sub-heading and keeps the kind of the section it sits in. Inside a section, lines group into
   bullet lists (nested by indentation) and paragraphs.
3. **Items.** Each top-level bullet is one item, with its sub-bullets folded into it. Paragraphs
   give one item per sentence, or per line for lists written without bullet markers. Each item
   is then read for a "Label: text" prefix, a tag that moves it between must-haves and bonuses
   ("Bonus: ...", "(preferred)", "... is a plus") and keyword lists in parentheses.

Only must-have and bonus sections give criteria; responsibilities are returned for reference and
everything else is dropped. All matching is done on a *folded* copy of the text in which
non-breaking spaces, tabs, the byte-order mark and curly quotes are replaced one character for
one character, so an offset in the copy is an offset in the original: every item keeps the span
of the source it came from, and its text keeps the original characters.
"""

from __future__ import annotations

import math
import re

from .items import section_items
from .lines import _classify_lines, _split_lines
from .model import (
    BONUS,
    MAX_POSTING_BYTES,
    MUST,
    RESP,
    ParsedItem,
    ParsedPosting,
    PostingParseError,
    ProseHint,
)
from .sections import _build_sections
from .tables import mark_tables
from .text import fold_posting
from .titles import _posting_title

__all__ = [
    "MAX_POSTING_BYTES",
    "ParsedItem",
    "ParsedPosting",
    "PostingParseError",
    "ProseHint",
    "parse_posting",
]


def parse_posting(text: str) -> ParsedPosting:
    """Parse a posting; raise PostingParseError when it is too big, empty or has no requirements."""
    _check_input(text)
    folded = fold_posting(text)
    lines = _classify_lines(_split_lines(text, folded))
    mark_tables(text, lines)
    sections = _build_sections(lines)
    found: dict[str, list[ParsedItem]] = {MUST: [], BONUS: [], RESP: []}
    hints: list[ProseHint] = []
    for section in sections:
        for kind, item in section_items(text, folded, section, hints):
            found[kind].append(item)
    if not found[MUST] and not found[BONUS]:
        raise PostingParseError(_NO_REQUIREMENTS)
    return ParsedPosting(
        title=_posting_title(text, lines),
        must_haves=tuple(found[MUST]),
        bonuses=tuple(found[BONUS]),
        responsibilities=tuple(found[RESP]),
        unplaced=tuple(hints),
    )


_NO_REQUIREMENTS = (
    "No requirements found: looked for a section headed like 'Requirements', 'Qualifications', "
    "'The Must-Haves', 'What you'll need', 'Skills', 'Preferred qualifications' or "
    "'Nice to have' (as a heading line or an inline 'Requirements:' label), "
    "with bullet points or sentences under it."
)


_NON_BLANK = re.compile(r"[^\s\u200b\u2060\ufeff]")


def _check_input(text: str) -> None:
    if not isinstance(text, str):
        raise TypeError(f"parse_posting expects str, not {type(text).__name__}.")
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_POSTING_BYTES:
        # Round up so a posting just over the limit never reads "200 KB; the limit is 200 KB".
        raise PostingParseError(
            f"The posting is {math.ceil(size / 1024)} KB; the limit is "
            f"{MAX_POSTING_BYTES // 1024} KB."
        )
    if not _NON_BLANK.search(text):
        raise PostingParseError("The posting is empty.")
