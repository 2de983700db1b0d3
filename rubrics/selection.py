"""A criterion from text the recruiter selected in the posting: pure, no Django.

The selection is trimmed of whitespace and of a leading bullet or list number, so its span
points at the words themselves, then read as the parser reads one list item (label, tags,
title, keywords).
"""

import re

from rubrics.parsing import ParsedItem
from rubrics.parsing.items import _make_item

_LEADING_MARKER = re.compile(r"\s*(?:[•▪◦‣●○■□➢➤►▶✓✔→·*+–—-]|\d{1,3}[.)]|\(?[a-z][.)])?\s+")


def item_from_selection(text: str, start: int, end: int) -> ParsedItem | None:
    """The item that text[start:end] makes, its span trimmed; None when it has no words."""
    selected = text[start:end]
    marker = _LEADING_MARKER.match(" " + selected)
    lead = max(0, marker.end() - 1) if marker else 0
    body = selected[lead:].rstrip()
    left = start + lead
    right = left + len(body)
    if sum(ch.isalpha() for ch in body) < 2:
        return None
    made = _make_item(body, (left, right), "must")
    return made[1] if made else None
