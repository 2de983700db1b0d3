"""Pass 3: a section's bullets and paragraph sentences become items."""

from __future__ import annotations

import re

from .entries import _join_children, _make_item
from .grading import (
    ABOUT_REQUIREMENTS,
    ASKS_FOR_SOMETHING,
    COMPANY_STATEMENT,
    EQUAL_OPPORTUNITY,
    HIGH,
    LOW,
    REQUIREMENT_CUE,
    TAG_LABELS,
    kind_from_content,
    not_a_requirement,
    prose_grade,
    prose_tag,
    reads_like_requirement,
    states_requirement,
)
from .model import BONUS, MUST, OTHER, RESP, UNKNOWN, ProseHint
from .sections import _Bullet, _Paragraph, _Section
from .tables import Table, column_kinds
from .text import (
    _clean,
    _fold,
    _has_letters,
    _semicolon_parts,
    _sentences,
    _word_set,
    _words,
)

_JOINING_WORDS = _word_set(
    "and or of the a an to with in for on at by from as including such like than your our "
    "their e.g. i.e."
)


def section_items(text: str, folded: str, section: _Section, hints: list[ProseHint]):
    """Yield (kind, item) for the section's items; kind is MUST, BONUS or RESP.

    A section under a heading whose name says nothing takes its kind from its lists' content.
    Paragraphs outside requirement sections still give a requirement for each sentence whose
    wording states one; requirement-like text that gives no item is added to `hints`.
    """
    kind, confidence = section.kind, HIGH
    if kind in (UNKNOWN, None):
        bullets = [
            _clean(_own_text(text, node)) for block in section.lists for node in _nodes(block)
        ]
        if not bullets:
            # No list: the entries of paragraphs written one per line speak for the section.
            bullets = [
                _clean(text[line.start + line.indent_chars : line.end])
                for block in section.blocks
                if isinstance(block, _Paragraph) and _is_line_list(block)
                for line in block.lines
            ]
        kind, confidence = kind_from_content(bullets) if bullets else (OTHER, HIGH)
    elif section.inherited and kind in (RESP, OTHER) and section.lists:
        # A list of requirements under a sub-heading of the duties is still requirements.
        bullets = [
            _clean(_own_text(text, node)) for block in section.lists for node in _nodes(block)
        ]
        if (content := kind_from_content(bullets))[0] == MUST:
            kind, confidence = content
    skip_list = False
    for block in section.blocks:
        if isinstance(block, Table):
            yield from _table_items(text, block, kind, confidence)
            continue
        if isinstance(block, list):
            if skip_list:
                skip_list = False
                continue
            for bullet in block:
                yield from _bullet_items(text, bullet, kind, confidence, hints)
            continue
        units = _paragraph_units(folded, block, split_semicolons=kind != RESP)
        # A list introduced by "For each job on your resume, provide:" is about applying.
        skip_list = bool(units) and _introduces_application_list(folded, units[-1])
        if kind in (MUST, BONUS):
            for start, end in units:
                if _keep_paragraph_unit(_fold(folded[start:end]).lower(), section):
                    graded = prose_grade(folded[start:end])
                    doubt = LOW if graded and graded[1] == LOW else confidence  # "should ..."
                    # A sentence's own wording outranks its heading: "A driving licence is
                    # desirable, as ..." among the essentials is a bonus, "Candidates must ..."
                    # under "Desired profile" a must-have.
                    said = graded[0] if graded and graded[1] == HIGH else kind
                    made = _make_item(text[start:end], (start, end), said, doubt)
                    if made is not None:
                        yield made
            continue
        if kind == RESP and not section.has_bullets:
            for start, end in units:
                unit = folded[start:end]
                if graded := prose_grade(unit):
                    if (made := _make_item(text[start:end], (start, end), *graded)) is not None:
                        yield made
                    continue
                if states_requirement(unit):
                    hints.append(ProseHint(_clean(text[start:end]), (start, end)))
                if _keep_paragraph_unit(_fold(unit).lower(), section):
                    made = _make_item(text[start:end], (start, end), RESP, confidence)
                    if made is not None:
                        yield made
            continue
        # A run of requirement phrases whose line breaks were lost reads as a list.
        as_list = _reads_as_requirement_list([folded[start:end] for start, end in units])
        for start, end in units:
            unit = folded[start:end]
            if graded := prose_grade(unit):
                made = _make_item(text[start:end], (start, end), *graded)
            elif as_list and (reads_like_requirement(unit) or prose_tag(unit)):
                made = _make_item(text[start:end], (start, end), MUST, LOW)
            else:
                if states_requirement(unit):
                    hints.append(ProseHint(_clean(text[start:end]), (start, end)))
                continue
            if made is not None:
                yield made


def _reads_as_requirement_list(units: list[str]) -> bool:
    if len(units) < _MIN_RUN_ON_LIST:
        return False
    return sum(reads_like_requirement(unit) for unit in units) * 2 >= len(units)


_MIN_RUN_ON_LIST = 3


def fallback_items(text: str, folded: str, sections: list[_Section]):
    """(kind, item) for every bullet, line or sentence anywhere that reads like a requirement
    ("3+ years of ...", "Valid driving licence", "Ability to ..."): the last resort when no
    section was found to hold requirements, so a posting of an unknown shape is not refused."""
    for section in sections:
        if section.kind == OTHER:
            continue
        for block in section.blocks:
            if isinstance(block, Table):
                continue
            if isinstance(block, list):
                spans = [(node.parts[0][0], node.parts[-1][1]) for node in _nodes(block)]
            elif len(block.lines) > 1:
                # Lines this time, whatever their case: a list of entries in lower case reads
                # as one sentence to the paragraph rules.
                spans = [(line.start + line.indent_chars, line.end) for line in block.lines]
            else:
                spans = _paragraph_units(folded, block, split_semicolons=True)
            for start, end in spans:
                unit = folded[start:end]
                if not_a_requirement(_fold(unit).lower()):
                    continue
                graded = prose_grade(unit)
                if graded is None and not reads_like_requirement(unit):
                    continue
                kind = graded[0] if graded else MUST
                if (made := _make_item(text[start:end], (start, end), kind, LOW)) is not None:
                    yield made


def hint_items(text: str, hints: list[ProseHint]):
    """(kind, item) for each unplaced hint, as a low-confidence must-have (or bonus)."""
    for hint in hints:
        made = _make_item(text[hint.span[0] : hint.span[1]], hint.span, MUST, LOW)
        if made is not None:
            yield made


def _table_items(text: str, table: Table, kind: str, confidence: str):
    """Items from a table: its "Essential"/"Desirable" columns' cells, titled from the row's
    first cell; in a table without such columns, one item per row of a requirements section."""
    header = table.header
    kinds = column_kinds(text, header) if header is not None else {}
    rows = table.body
    if not kinds:
        row_texts = [" ".join(text[a:b] for a, b in row.cells) for row in rows]
        if kind not in (MUST, BONUS, RESP):
            kind, confidence = kind_from_content([_clean(row) for row in row_texts])
        if kind not in (MUST, BONUS, RESP):
            return
    for row in rows:
        cells = list(zip(row.cells, row.columns, strict=True))
        labels = [text[a:b] for (a, b), column in cells if column not in kinds]
        label = _clean(labels[0]) if labels and len(cells) > 1 else ""
        if not kinds:
            values = cells[1:] if label else cells
            if not values:
                continue
            span = (values[0][0][0], values[-1][0][1])
            raw = "; ".join(text[a:b] for (a, b), _ in values)
            made = _make_item(f"{label}: {raw}" if label else raw, span, kind, confidence)
            if made is not None:
                yield made
            continue
        for (start, end), column in cells:
            if column not in kinds:
                continue
            raw = text[start:end]
            if _TICK.fullmatch(raw.strip()) and labels:
                # "| Degree in social work | ✓ | |": the tick says which kind the row's
                # criterion is; the criterion is the row's first cell.
                first = cells[0][0]
                made = _make_item(text[first[0] : first[1]], first, kinds[column])
                if made is not None:
                    yield made
                continue
            # A cell may hold several criteria, one per "<br>": each is an item of its own.
            for part_start, part_end in _cell_parts(text, start, end):
                part = text[part_start:part_end]
                made = _make_item(
                    f"{label}: {part}" if label else part, (part_start, part_end), kinds[column]
                )
                if made is not None:
                    yield made


_CELL_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def _cell_parts(text: str, start: int, end: int) -> list[tuple[int, int]]:
    if "<" not in text[start:end]:
        return [(start, end)]
    parts, position = [], start
    for match in _CELL_BREAK.finditer(text, start, end):
        parts.append((position, match.start()))
        position = match.end()
    parts.append((position, end))
    return [
        (a + len(text[a:b]) - len(text[a:b].lstrip()), a + len(text[a:b].rstrip()))
        for a, b in parts
        if text[a:b].strip()
    ]


_TICK = re.compile(r"[✓✔☑✗✘xX×•*]|yes|y|e|d", re.IGNORECASE)


def _introduces_application_list(folded: str, unit: tuple[int, int]) -> bool:
    lead = folded[unit[0] : unit[1]].lower().rstrip(" *_")
    return lead.endswith(":") and bool(_APPLICATION_LEAD.search(lead))


_APPLICATION_LEAD = re.compile(
    r"\b(resumes?|résumés?|cv|cover letter|documents?|documentation|application)\b.*"
    r"\b(provide|submit|include|attach|upload|send)\b"
    r"|\b(provide|submit|include|attach|upload|send)\b.*\b(resumes?|résumés?|cv|cover letter"
    r"|documents?|documentation)\b"
)


def _nodes(block: list[_Bullet]):
    for bullet in block:
        yield bullet
        yield from _nodes(bullet.children)


def _own_text(text: str, bullet: _Bullet) -> str:
    if len(bullet.parts) == 1:
        start, end = bullet.parts[0]
        return text[start:end]
    return " ".join(text[start:end] for start, end in bullet.parts)


def _keep_paragraph_unit(unit: str, section: _Section) -> bool:
    unit = unit.strip().strip("*_ ")
    if not_a_requirement(unit) or ABOUT_REQUIREMENTS.search(unit):
        return False
    if unit.endswith(":") and not (prose_grade(unit) or reads_like_requirement(unit)):
        return False  # "Here is what we need:" introduces what follows
    if COMPANY_STATEMENT.match(unit) and not ASKS_FOR_SOMETHING.search(unit):
        return False
    if section.kind == RESP:
        # Prose under "About the job" mixes the role with the company's story.
        return not _COMPANY_STORY.search(unit)
    return not section.has_bullets or bool(REQUIREMENT_CUE.search(unit))


def _bullet_items(text: str, bullet: _Bullet, kind: str, confidence: str, hints):
    """The bullet as an item, then each of its sub-bullets as items of their own.

    A parent that is only a label ("Certifications:", "**Preferred:**") gives no item, and a kind
    tag in it ("Preferred:") passes to its children. Sub-bullets that are remarks on their parent
    rather than entries of a list it opens ("Training can be provided") stay in its text.
    """
    own = _own_text(text, bullet)
    span = (bullet.parts[0][0], bullet.parts[-1][1])
    cleaned = _clean(own)
    lowered = cleaned.lower()
    if ("opportunit" in lowered or "discriminat" in lowered or "affirmative" in lowered) and (
        EQUAL_OPPORTUNITY.search(_fold(lowered))
    ):
        return
    separate = [
        child
        for child in bullet.children
        if bullet.opens_list or _is_list_entry(_own_text(text, child))
    ]
    folded_in = [child for child in bullet.children if child not in separate]
    child_kind = kind
    if separate and _is_label_only(cleaned):
        tag = TAG_LABELS.get(cleaned.rstrip(": ").lower())
        if tag and kind in (MUST, BONUS):
            child_kind = tag
    elif kind == OTHER:
        if states_requirement(cleaned):
            hints.append(ProseHint(cleaned, span))
    else:
        if kind == RESP and states_requirement(cleaned):
            hints.append(ProseHint(cleaned, span))  # "Must hold a licence" among the duties
        children = [_flatten(text, child) for child in folded_in]
        end = max([span[1]] + [child.full_end for child in folded_in])
        if (made := _make_item(own, (span[0], end), kind, confidence, children)) is not None:
            yield made
    for child in separate:
        yield from _bullet_items(text, child, child_kind, confidence, hints)


# A clause remarks on its parent ("Step-down experience alone does not qualify", "Training can
# be provided"); a name or phrase is an entry of the list the parent opens ("OpenTelemetry").
_REMARK = re.compile(r"\b(not|n't|can|could|may|might|will|would|is|are|was|were|does|do)\b")


def _is_list_entry(child: str) -> bool:
    if reads_like_requirement(child):
        return True
    return not _REMARK.search(_fold(child).lower())


def _flatten(text: str, bullet: _Bullet) -> str:
    """A sub-bullet's text with its own sub-bullets folded in."""
    own = _clean(_own_text(text, bullet))
    return _join_children(own, [_flatten(text, child) for child in bullet.children])


def _is_label_only(cleaned: str) -> bool:
    body = cleaned.strip(" *_")
    if not _has_letters(body):
        return True
    if not body.endswith(":"):
        return False
    # "Certifications, all current:" names a list; "Payments domain knowledge, in particular:" is a
    # requirement of its own that its sub-items detail.
    name = body[:-1]
    return len(_words(name)) <= 5 and not _LEAD_IN.search(name)


_LEAD_IN = re.compile(r"\b(in particular|including|such as|especially|e\.g|like)\b")


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
    return [_unquoted(folded, *unit) for unit in units]


def _unquoted(folded: str, start: int, end: int) -> tuple[int, int]:
    """A sentence without the unpaired quote (and comma) of a quoted string it opens or ends:
    '"We deliver by bike.' and 'Riders must hold a licence.",' in data pasted as text."""
    if folded.count('"', start, end) % 2 == 1:
        if folded[start] == '"':
            start += 1
        else:
            while end > start and folded[end - 1] in '",':
                end -= 1
    return start, end


_COMPANY_STORY = re.compile(
    r"^(since|founded|established)\b|\b(founded|headquartered|since (19|20)\d\d|we have grown"
    r"|employees|our (mission|customers|clients|company|story|values))\b"
)
_INNER_SENTENCE = re.compile(r"[a-z)][.!?] +[A-Z]")


def _is_line_list(paragraph: _Paragraph) -> bool:
    lines = paragraph.lines
    if len(lines) < 2:
        return False
    if any(_INNER_SENTENCE.search(line.folded) for line in lines):
        return False  # a line holding two sentences is prose, not one entry per line
    # Under a lead-in, entries end alike (all with a full stop, or none); wrapped prose has its
    # full stop only where a sentence ends.
    stops = sum(line.stripped[-1:] in ".!?" for line in lines)
    lead_in = paragraph.lead_in and stops in (0, len(lines))
    for previous, line in zip(lines, lines[1:], strict=False):
        first = re.search(r"[A-Za-z0-9]", line.folded)
        if first is None:
            return False
        if not (first.group().isupper() or first.group().isdigit()) and not (
            # "have run a kitchen brigade" / "hold a Level 3 certificate": lines that each
            # finish a lead-in, not a paragraph wrapped at a fixed width
            lead_in
            or len(previous.stripped) <= _MAX_SHORT_LINE
            and len(line.stripped) <= _MAX_SHORT_LINE
            and previous.stripped[-1:] not in ".!?"
        ):
            return False
        if _ends_mid_sentence(previous.stripped):
            return False
    return True


_MAX_SHORT_LINE = 50


def _ends_mid_sentence(text: str) -> bool:
    if text[-1:] in ",;(&/-–—":
        return True
    words = _words(text)
    return bool(words) and words[-1].lower() in _JOINING_WORDS
