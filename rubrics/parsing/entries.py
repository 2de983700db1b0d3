"""One entry of a list or one sentence, made into a ParsedItem: its "Label: text" prefix, the
kind its tags say ("Bonus: ...", "(preferred)", "... is a plus"), its title and its keywords."""

from __future__ import annotations

import re

from .grading import HIGH, TAG_LABELS, prose_tag, remove_paren_tags
from .keywords import _keywords
from .model import BONUS, MUST, ParsedItem
from .text import _clean, _has_letters, _words
from .titles import _clip_title, _derive_title


def _join_children(body: str, children: list[str]) -> str:
    children = [child for child in children if child]
    if not children:
        return body
    joined = "; ".join(child.rstrip(" ;,.") for child in children[:-1])
    joined = f"{joined}; {children[-1]}" if joined else children[-1]
    if not body:
        return joined
    separator = " " if body[-1] in ":.;!?" else ": "
    return f"{body}{separator}{joined}"


_BOLD_LEAD = re.compile(r"\s*(\*\*|__)(?P<lead>.+?)\1(?P<after>.*)", re.DOTALL)
_LABEL = re.compile(r"(?P<label>[A-Za-z0-9][^:.!?;,()\"]{0,48}?)\s*:\s+(?P<rest>\S.*)", re.DOTALL)


def _make_item(
    raw: str,
    span: tuple[int, int],
    section_kind: str,
    confidence: str = HIGH,
    children: list[str] | None = None,
):
    """Build (kind, ParsedItem) from an item's raw source text, or None when it is empty."""
    label, body = _split_label(raw)
    tag = None
    if label is not None and label.lower() in TAG_LABELS:
        # "Bonus: Publications in ..." is a bonus, titled from its own text (or its own label).
        tag = TAG_LABELS[label.lower()]
        label, body = _split_label(body)
    body, paren_tag = remove_paren_tags(body)
    tag = tag or paren_tag
    text = _join_children(body, children or [])
    if not _has_letters(text):
        return None
    kind = section_kind
    if section_kind in (MUST, BONUS):
        kind = tag or prose_tag(text) or section_kind
    title = _clip_title(label) if label else _derive_title(body or text)
    if not title:
        return None
    item = ParsedItem(
        title=title, text=text, keywords=_keywords(text), span=span, confidence=confidence
    )
    return kind, item


def _split_label(raw: str) -> tuple[str | None, str]:
    """("Skills", "Mastery of ...") for "Skills: Mastery of ...", and a bold lead-in as title."""
    if match := _BOLD_LEAD.match(raw):
        lead = _clean(match["lead"]).strip(" *_")
        after = match["after"]
        if lead.endswith(":"):
            return lead.rstrip(": "), _clean(after)
        if after.lstrip().startswith(":"):
            return lead, _clean(after.lstrip()[1:])
        if not _clean(after):
            return lead, ""
        if after.lstrip()[:1] in ".,-–—":
            # "**A background in science**. Although ..." — the bold phrase is part of the text.
            return lead.rstrip(". "), _clean(raw)
    body = _clean(raw)
    if ":" in body and (match := _LABEL.fullmatch(body)):
        label = match["label"].strip()
        if len(_words(label)) <= 5 and "http" not in label.lower() and _has_letters(label, 1):
            return label, match["rest"].strip()
    return None, body
