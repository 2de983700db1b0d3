"""Turn a job posting's text into must-haves, bonuses and responsibilities.

Pure Python (standard library only), so the hard part can be tested without Django. One module
per pass:

- ``text``: the *folded* copy of the posting, the same length as the original, in which odd
  spaces, tabs, curly quotes, HTML tags and entities are replaced one character for one (a
  ``<li>`` becomes a line break and a dash), so every offset in it is an offset in the original:
  items keep exact source spans. Also Markdown/HTML cleaning of item text and sentence splitting
  (including entries glued together by a scraper: "experienceFin Tech", "skills5+ years").
- ``lines``: each physical line is blank, a rule, a bullet, a heading or text. A heading is
  known by its form (Markdown ``#``, bold, ALL CAPS, a colon, title case, a short question, a
  bullet that is only a bold label, a data-file key such as ``requirements: [``) or its name.
- ``tables``: Markdown and text tables (tab or column-gap separated) found from the original.
- ``headings``: what a heading's name says (must-haves, bonuses, responsibilities, other).
- ``inline``: labels inside a text line ("Preferred qualifications: ...", "Pay: $20",
  a heading glued to its text) that open a section of their own.
- ``sections``: sections opened at every heading-like line, holding bullet lists (nested by
  indentation), paragraphs and tables. A heading whose name says nothing opens an *unknown*
  section (or, styled as a sub-heading, keeps its parent's kind).
- ``grading``: what a piece of text reads like. An unknown section becomes requirements when
  most of its items read like requirements (experience, years, degree, licence, "you have",
  "ability to") and responsibilities when they read like duties; its items then have "low"
  confidence. Prose anywhere gives an item when its wording says so: "must"/"required" a
  must-have, "is a plus / preferred / desirable / an advantage / beneficial" a bonus, "should"
  a low-confidence must-have. Tags move items between must-haves and bonuses.
- ``items``: every bullet and sub-bullet (a parent that is only a label gives none), the
  sentences of requirement paragraphs, the cells of Essential/Desirable table columns;
  ``entries`` makes each into a ParsedItem ("Label: text", kind tags, title, keywords).
- ``titles`` and ``keywords``: a short whole-phrase title, and the names in an item's lists.
- ``evaluation``: the scorer of shared/postings/README.md, used by ``evaluate_parser``.

Responsibilities are returned for reference; benefits, pay, company blurbs, hiring steps and
equal-opportunity text give nothing. Requirement wording that gives no item is returned in
``ParsedPosting.unplaced`` so that a warning can point at it.
"""

from __future__ import annotations

import math
import re

from .items import fallback_items, hint_items, section_items
from .lines import _classify_lines, _split_lines, _unglue_lines
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
    lines = _classify_lines(_unglue_lines(text, folded, _split_lines(text, folded)))
    mark_tables(text, lines)
    sections = _build_sections(lines)
    found: dict[str, list[ParsedItem]] = {MUST: [], BONUS: [], RESP: []}
    hints: list[ProseHint] = []
    for section in sections:
        for kind, item in section_items(text, folded, section, hints):
            found[kind].append(item)
    if not found[MUST] and not found[BONUS]:
        # Nothing was placed, yet some text reads like a requirement ("Staff must hold ..." among
        # the benefits, "2+ years of ..." under a heading that says nothing): offer it as
        # low-confidence must-haves rather than refuse the posting.
        fallback = hint_items(text, hints) if hints else fallback_items(text, folded, sections)
        for kind, item in fallback:
            found[kind].append(item)
        placed = {item.span for item in found[MUST] + found[BONUS]}
        found[RESP] = [item for item in found[RESP] if item.span not in placed]
        hints = []
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
