"""Pass 3: a section's bullets and paragraph sentences become items."""

from __future__ import annotations

import re

from .keywords import _keywords
from .model import BONUS, MUST, RESP, ParsedItem
from .sections import _Bullet, _Paragraph, _Section
from .text import (
    _clean,
    _fold,
    _has_letters,
    _semicolon_parts,
    _sentences,
    _squash,
    _word_set,
    _words,
)
from .titles import _clip_title, _derive_title

# A sentence of a paragraph that sits beside a bullet list is usually an introduction or a
# closing remark; keep it only when it reads like a requirement.
_REQUIREMENT_CUE = re.compile(
    r"\b(required|must|minimum|at least|preferred|(is|are|be) an? (plus|bonus|advantage|asset)"
    r"|a plus|nice[- ]to[- ]have|bachelor'?s?|master'?s?|degree|diploma|ph\.?d|certifi\w*"
    r"|licen[cs]\w*|years? of|proficien\w*|fluen\w*|desired|desirable|familiarity)\b"
)
# Sentences about applying, pay or equal opportunity are never requirements.
_NOT_A_REQUIREMENT = re.compile(
    r"\b(how to apply|apply (now|here|today|online|via|by|through|at|with)|to apply|please"
    r"|applicants? (will|who|are|may|can|should)|your application|résumés?|resumes?|cover letter"
    r"|e-?mail (us|me|your|to)"
    r"|contact us|we encourage|encouraged to apply|we welcome|equal (employment )?opportunit\w*"
    r"|discriminat\w*|affirmative action|we offer|salary|compensation|search firms?"
    r"|recruit(er|ing agenc)\w*|visa sponsorship)\b"
)
_EQUAL_OPPORTUNITY = re.compile(r"equal (employment )?opportunit|discriminat|affirmative action")
# "We are a family-owned bakery." describes the company, unless it goes on to ask for something.
_COMPANY_STATEMENT = re.compile(r"^(we|our|founded|join us)\b")
_ASKS_FOR_SOMETHING = re.compile(r"\b(require|need|looking for|expect|must|should|seek)")
_JOINING_WORDS = _word_set(
    "and or of the a an to with in for on at by from as including such like than your our "
    "their e.g. i.e."
)


def _section_items(text: str, folded: str, section: _Section):
    """Yield (kind, item) for the section's items; kind is MUST, BONUS or RESP."""
    if section.kind not in (MUST, BONUS, RESP):
        return
    for block in section.blocks:
        if isinstance(block, list):
            for bullet in block:
                if (made := _bullet_item(text, bullet, section.kind)) is not None:
                    yield made
            continue
        if section.kind == RESP and section.has_bullets:
            continue  # a paragraph beside a list of duties is its introduction
        for start, end in _paragraph_units(folded, block, split_semicolons=section.kind != RESP):
            unit = folded[start:end].lower()
            if not _keep_paragraph_unit(unit, section):
                continue
            if (made := _make_item(text[start:end], [], (start, end), section.kind)) is not None:
                yield made


def _keep_paragraph_unit(unit: str, section: _Section) -> bool:
    unit = unit.strip().strip("*_ ")
    if unit.endswith(":") or _NOT_A_REQUIREMENT.search(unit):
        return False  # "Here is what we need:" introduces what follows
    if _COMPANY_STATEMENT.match(unit) and not _ASKS_FOR_SOMETHING.search(unit):
        return False
    return section.kind == RESP or not section.has_bullets or bool(_REQUIREMENT_CUE.search(unit))


def _bullet_item(text: str, bullet: _Bullet, section_kind: str):
    own = " ".join(text[start:end] for start, end in bullet.parts)
    children = [_flatten(text, child) for child in bullet.children]
    if _EQUAL_OPPORTUNITY.search(_fold(own).lower()):
        return None
    return _make_item(own, children, (bullet.start, bullet.full_end), section_kind)


def _flatten(text: str, bullet: _Bullet) -> str:
    """A sub-bullet's text with its own sub-bullets folded in."""
    own = _clean(" ".join(text[start:end] for start, end in bullet.parts))
    return _join_children(own, [_flatten(text, child) for child in bullet.children])


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


def _paragraph_units(folded: str, paragraph: _Paragraph, split_semicolons: bool):
    """Offset ranges of a paragraph's items: its lines when it is a list written one entry per
    line, else its sentences (split at semicolons too when every part is a short phrase)."""
    if _is_line_list(paragraph):
        return [(line.start + line.indent_chars, line.end) for line in paragraph.lines]
    start = paragraph.lines[0].start + paragraph.lines[0].indent_chars
    units = []
    for sentence in _sentences(folded, start, paragraph.lines[-1].end):
        parts = _semicolon_parts(folded, *sentence) if split_semicolons else [sentence]
        units.extend(parts)
    return units


def _is_line_list(paragraph: _Paragraph) -> bool:
    lines = paragraph.lines
    if len(lines) < 2:
        return False
    for previous, line in zip(lines, lines[1:], strict=False):
        first = re.search(r"[A-Za-z0-9]", line.folded)
        if first is None or not (first.group().isupper() or first.group().isdigit()):
            return False
        if _ends_mid_sentence(previous.stripped):
            return False
    return True


def _ends_mid_sentence(text: str) -> bool:
    if text[-1:] in ",;(&/-–—":
        return True
    words = _words(text)
    return bool(words) and words[-1].lower() in _JOINING_WORDS


_BOLD_LEAD = re.compile(r"\s*(\*\*|__)(?P<lead>.+?)\1(?P<after>.*)", re.DOTALL)
_LABEL = re.compile(r"(?P<label>[A-Za-z0-9][^:.!?;,()\"]{0,48}?)\s*:\s+(?P<rest>\S.*)", re.DOTALL)
_TAG_LABELS = {
    **dict.fromkeys(
        (
            "bonus",
            "bonus points",
            "nice to have",
            "nice-to-have",
            "nice to haves",
            "plus",
            "a plus",
            "preferred",
            "optional",
            "desired",
            "desirable",
            "extra credit",
            "ideally",
        ),
        BONUS,
    ),
    **dict.fromkeys(
        ("required", "must have", "must-have", "must", "mandatory", "requirement", "essential"),
        MUST,
    ),
}
_PAREN_TAG = re.compile(
    r"\s*\((?P<tag>required|must[- ]have|mandatory|essential|preferred|strongly preferred"
    r"|highly preferred|preferred but not required|not required|nice[- ]to[- ]have|a plus"
    r"|plus|bonus|optional|desired|desirable)\)",
    re.IGNORECASE,
)
_MUST_TAGS = frozenset(("required", "must have", "must-have", "mandatory", "essential"))
_TRAILING_BONUS = re.compile(
    r"(\b(an?|is|are|be)\s+((big|huge|strong|definite|real|nice)\s+)?"
    r"(plus|bonus|advantage|asset)|\bpreferred|\bnot (required|mandatory|necessary)"
    r"|\b(is|are) (also )?welcome)\W*$"
)
_SHORT_ITEM_BONUS = re.compile(r"nice[- ]to[- ]have|\ba plus\b|\bnot (required|mandatory|mandated)")
_LEADING_BONUS = re.compile(
    r"^(ideally|preferably)\b|^(other |additional )?(desired|preferred|desirable|bonus) "
    r"(qualifications|skills|experience)|^it('s| is| would be) an? (big |real )?(plus|bonus"
    r"|advantage)"
)
_TRAILING_REQUIRED = re.compile(r"\b(is |are )?(required|mandatory|a must)\W*$")
_MAX_WORDS_FOR_ANYWHERE_TAGS = 25


def _make_item(raw: str, children: list[str], span: tuple[int, int], section_kind: str):
    """Build (kind, ParsedItem) from an item's raw source text, or None when it is empty."""
    label, body = _split_label(raw)
    tag = None
    if label is not None and label.lower() in _TAG_LABELS:
        # "Bonus: Publications in ..." is a bonus, titled from its own text (or its own label).
        tag = _TAG_LABELS[label.lower()]
        label, body = _split_label(body)
    body, paren_tag = _remove_paren_tags(body)
    tag = tag or paren_tag
    text = _join_children(body, [_clean(child) for child in children])
    if not _has_letters(text):
        return None
    kind = section_kind
    if section_kind in (MUST, BONUS):
        kind = tag or _prose_tag(text) or section_kind
    title = _clip_title(label) if label else _derive_title(body or text)
    if not title:
        return None
    return kind, ParsedItem(title=title, text=text, keywords=_keywords(text), span=span)


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
    if match := _LABEL.fullmatch(body):
        label = match["label"].strip()
        if len(_words(label)) <= 5 and "http" not in label.lower() and _has_letters(label, 1):
            return label, match["rest"].strip()
    return None, body


def _remove_paren_tags(body: str) -> tuple[str, str | None]:
    """The body without "(required)"/"(preferred)" tags, and the kind they say."""
    said = {
        MUST if match["tag"].lower() in _MUST_TAGS else BONUS for match in _PAREN_TAG.finditer(body)
    }
    tag = MUST if MUST in said else (BONUS if said else None)  # "(required)" wins
    return _squash(_PAREN_TAG.sub("", body)), tag


def _prose_tag(text: str) -> str | None:
    """MUST or BONUS when the item's own words say so ("Kafka experience is a plus")."""
    # Only the first clause counts: "Degree in CS; Master's preferred" is still a must-have.
    clause = _fold(text).lower().split(";")[0].strip()
    if _TRAILING_BONUS.search(clause) or _LEADING_BONUS.search(clause):
        return BONUS
    if len(_words(clause)) <= _MAX_WORDS_FOR_ANYWHERE_TAGS and _SHORT_ITEM_BONUS.search(clause):
        return BONUS
    if _TRAILING_REQUIRED.search(clause):
        return MUST
    return None
