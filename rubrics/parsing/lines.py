"""Pass 1: split the text into physical lines and classify each one."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .grading import opens_with_requirement
from .headings import _loose_kind, _strict_kind
from .model import OTHER, RESP
from .text import _LINE_BREAK, _clean, _fold, _has_letters, _word_set, _words

BLANK, RULE, BULLET, HEADING, TEXT = "blank", "rule", "bullet", "heading", "text"


@dataclass(slots=True)
class _Line:
    start: int  # offset of the line's first character in the original text
    end: int  # offset just past its last non-blank character (line break excluded)
    folded: str  # the folded copy of text[start:end]
    indent: int  # visual indentation in columns, a tab counting 4
    kind: str = TEXT
    marker: str = ""  # bullets: the marker's family ("number", "letter", "dash", "•"...)
    body_start: int = 0  # bullets: offset where the item's own text starts
    style: str = ""  # headings: markdown | bold | caps | colon | plain | label
    level: int = 0  # headings: Markdown level; other styles sit below every Markdown level
    section: str | None = None  # headings: the kind the name says; None when it says nothing
    inline: bool = False  # text that an inline label introduced: always a paragraph of its own
    table_row: object = None  # table rows: their tables.TableRow
    cut: bool = False  # cut out of a longer physical line whose line breaks were lost
    stripped: str = field(init=False)  # the folded text without surrounding blanks
    indent_chars: int = field(init=False)  # how many characters of indentation it starts with

    def __post_init__(self) -> None:
        # Read many times by every pass: computed once.
        self.stripped = self.folded.strip()
        self.indent_chars = len(self.folded) - len(self.folded.lstrip())


def _split_lines(text: str, folded: str) -> list[_Line]:
    lines, pos = [], 0
    for match in _LINE_BREAK.finditer(folded):
        lines.append(_make_line(text, folded, pos, match.start()))
        pos = match.end()
    lines.append(_make_line(text, folded, pos, len(text)))
    return lines


def _make_line(text: str, folded: str, start: int, end: int) -> _Line:
    raw = folded[start:end]
    stripped = raw.rstrip()
    end = start + len(stripped)
    indent = 0
    if stripped[:1] == " ":  # the folded copy has a space wherever a tab or odd space was
        visual = text[start:end].replace("\ufeff", "").expandtabs(4)
        indent = len(visual) - len(visual.lstrip())
    return _Line(start=start, end=end, folded=stripped, indent=indent)


# Postings whose line breaks were lost: a LinkedIn paste on one line ("... **Requirements** - 3+
# years - SQL **Nice to have** • Python"), or a scrape with its list glued together ("What we
# need- 2+ years.- Working knowledge ..." and "... Friday.Nice to have"). Such a line is cut
# into the lines it once was, each starting at a heading or a list glyph.
_MIN_GLUED_LINE = 60
_GLUE_SIGNS = re.compile(
    r"(?P<bold>\*\*(?P<name>[A-Z][^*]{1,60}?)\*\*)"
    r"|(?<=\S) (?P<sep>[-•▪](?= [A-Z0-9$£€\"'(])|[•▪](?= \S))"
    r"|(?<=[A-Za-z0-9.)!?;:])(?P<glued>-)(?= [A-Z0-9$£€])"
    r"|(?<=\S) (?P<lower>-)(?= [a-z])"  # "- plan social posts": counts once headings were cut
    r"|(?<=[A-Za-z)])(?P<colon>:)(?= )"  # "... dbt project Requirements: • 3+ years"
)
_MAX_GLUED_LABEL_WORDS = 4
_GLUED_TAIL = re.compile(r"[a-z0-9)][.!?](?P<name>[A-Z][A-Za-z' ]{2,40})")
_GLUED_TAIL_SIGN = re.compile(r"[.!?][A-Z]")
_TAIL_WINDOW = 45
_MIN_GLUED_ITEMS = 2
_MAX_BOLD_HEADING_WORDS = 6


def _unglue_lines(text: str, folded: str, lines: list[_Line]) -> list[_Line]:
    """Lines, with each long line whose line breaks were lost cut into the lines it held."""
    result = []
    for line in lines:
        own = line.folded
        if (
            len(own) < _MIN_GLUED_LINE
            or not (
                own.count("- ", 1) >= _MIN_GLUED_ITEMS
                or own.count("**") >= 2 * _MIN_GLUED_ITEMS
                or " •" in own
                or " ▪" in own
                or own[-1].isalpha()
                and _GLUED_TAIL_SIGN.search(own, len(own) - _TAIL_WINDOW) is not None
            )
            or not (cuts := _glued_cuts(line))
        ):
            result.append(line)
            continue
        positions = [line.start, *cuts, line.end]
        for start, end in zip(positions, positions[1:], strict=False):
            chunk = folded[start:end]
            if not chunk.strip():
                continue
            start += len(chunk) - len(chunk.lstrip())
            piece = _make_line(text, folded, start, end)
            piece.cut = True
            result.append(piece)
    return result


def _glued_label(folded: str, colon: int) -> int | None:
    """Where a full section name ending at `colon` starts ("... project Requirements:")."""
    words = folded[max(0, colon - 60) : colon].split(" ")
    for count in range(min(_MAX_GLUED_LABEL_WORDS, len(words) - 1), 0, -1):
        name = " ".join(words[-count:])
        if name[:1].isupper() and _strict_kind(_heading_name(name)):
            return colon - len(name)
    return None


def _glued_cuts(line: _Line) -> list[int]:
    folded, base = line.folded, line.start
    bolds: list[int] = []
    dashes: list[int] = []
    glued = 0  # "experience.- Strong": a dash glued to the entry before it
    lower: list[int] = []
    labels: list[int] = []
    signs = folded.count("**") >= 2 * _MIN_GLUED_ITEMS or (
        folded.count("- ", 1) >= _MIN_GLUED_ITEMS or " •" in folded or " ▪" in folded
    )
    for match in _GLUE_SIGNS.finditer(folded, line.indent_chars) if signs else ():
        if match["bold"]:
            name = match["name"].rstrip(": ")
            if len(_words(name)) > _MAX_BOLD_HEADING_WORDS or _SENTENCE_PUNCT_END.search(name):
                continue
            after = folded[match.end() : match.end() + 3].lstrip(" :")
            heading = _heading_name(name)
            if _strict_kind(heading) or _loose_kind(heading) or after[:1] in ("-", "•", "▪"):
                bolds += [base + match.start(), base + match.end()]
        elif match["lower"]:
            lower.append(base + match.start("lower"))
        elif match["colon"]:
            if (label_start := _glued_label(folded, match.start())) is not None:
                labels += [base + label_start, base + match.end()]
        else:
            dashes.append(base + match.start("sep" if match["sep"] else "glued"))
            glued += match["glued"] is not None
    # One bold label opens an item ("- **Bonus:** you have ..."); two or more bold headings on
    # one line are sections glued together.
    cuts = bolds if len(bolds) >= 2 * _MIN_GLUED_ITEMS else []
    # Spaced dashes may be a sentence's own ("Our team - Design, Data - works ..."): a list
    # needs a third, or glued dashes, or headings glued in the same line.
    if cuts or glued >= _MIN_GLUED_ITEMS or len(dashes) > _MIN_GLUED_ITEMS:
        # Glued for sure: "Requirements:" between the items is a heading too, and items may
        # start in lower case ("- plan social media posts").
        cuts += labels
        if len(dashes) + len(lower) >= _MIN_GLUED_ITEMS:
            cuts += dashes + lower
    tail_from = max(0, len(folded) - _TAIL_WINDOW)
    tail = None
    if folded[-1:].isalpha() and _GLUED_TAIL_SIGN.search(folded, tail_from):
        tail = _GLUED_TAIL.search(folded, tail_from)
    if tail and tail.end() == len(folded) and _strict_kind(_heading_name(tail["name"])):
        cuts.append(base + tail.start("name"))
    return sorted(set(cuts) - {line.start, line.end})


_RULE = re.compile(r"(?:[-*_=~][ ]*){3,}")
_BULLET = re.compile(
    r"(?P<marker>[•▪▫◦‣●○■□➢➤►▶✓✔→·◆◇❖★☆✦✧♦▸▹»§Ø\uf0b7\uf0a7\uf076\uf0d8]"  # distinctive symbols
    r"|[-*+–—](?= )"
    r"|o(?= +[A-Z(])"  # a word processor's second-level bullet: "o   Python"
    r"|\d{1,3}[.)](?= )|\(\d{1,3}\)(?= )"
    r"|[a-z][.)](?= )|\([a-z]\)(?= )|\([ivx]{1,4}\)(?= ))"
    r" *(?=\S)"
)
_MD_HEADING = re.compile(r"(?P<hashes>#{1,6}) +(?P<name>.*?)[ #]*")
_BOLD_LINE = re.compile(r"(?P<delim>\*\*|__)(?P<name>(?:(?!\*\*|__).)+?)(?P=delim) *:?")
_SENTENCE_PUNCT_END = re.compile(r"[.,;!?…]['\")\]*_]*$")
_INNER_SENTENCE_BREAK = re.compile(r"[.!?] +[A-Z]")
_MINOR_WORDS = _word_set(
    "a an the and or of to in on for with at by from as vs via your our & + - – — |"
)
_MAX_HEADING_WORDS = 8
_MAX_QUESTION_WORDS = 5
_MAX_COLON_HEADING_WORDS = 15


# Postings pasted from data files: "requirements: [" (JavaScript, JSON) or
# "requirements_markdown: |-" (YAML) opens a list or a text block named by its key.
_DATA_KEY = re.compile(
    r"[\"']?(?P<key>[A-Za-z][A-Za-z0-9_ -]{1,40}?)[\"']?\s*:\s*(?:\[|\{|\|[-+]?|>[-+]?)\s*"
)
# "closing:" or "shortDescription:" alone on a line: a data key, a sibling of the keys around it
# rather than a sub-heading of the list before it.
_IDENTIFIER_KEY = re.compile(r"[\"']?(?P<key>[a-z][a-z0-9]*(?:[A-Z_][A-Za-z0-9]*)*)[\"']?\s*:")
_DATA_KEY_SUFFIX = re.compile(r"\s+(markdown|md|html|text|list)$")
# One quoted string per line inside such a list: "Excellent customer service skills",
_QUOTED_ENTRY = re.compile(r"(?P<quote>[\"'])(?P<body>[^\"]+)(?P=quote),?")
_MAX_QUOTED_ENTRY_WORDS = 40
# A bullet that is really a heading: "- **Essential:**", "- *Skills Required**" (a re-poster's
# broken bold), "2. Requirements".
_BOLD_BULLET = re.compile(
    r"(?P<open>\*{1,2}|_{1,2})(?P<name>[^*_]{1,60}?)(?P<close>\*{1,2}|_{1,2}) *:?"
)


_RULE_CHARS = frozenset("-*_=~")


def _classify_lines(lines: list[_Line]) -> list[_Line]:
    for index, line in enumerate(lines):
        text = line.stripped
        if not text:
            line.kind = BLANK
        elif text[0] in _RULE_CHARS and _RULE.fullmatch(text):
            line.kind = RULE
        elif ":" in text and (
            (match := _DATA_KEY.fullmatch(text))
            or ((match := _IDENTIFIER_KEY.fullmatch(text)) and _is_data_key(text, lines, index))
        ):
            name = _DATA_KEY_SUFFIX.sub("", _heading_name(_split_identifier(match["key"])))
            _set_heading(line, name, "plain", 7)
        elif (
            text[0] in "\"'"
            and (match := _QUOTED_ENTRY.fullmatch(text))
            and _is_list_entry(match["body"])
        ):
            line.kind = BULLET
            line.marker = "quote"
            line.body_start = line.start + line.indent_chars + match.start("body")
            line.end = line.start + line.indent_chars + match.end("body")
        elif match := _BULLET.match(text):
            if name := _bullet_heading(text[match.end() :], match["marker"]):
                # A bullet that is only a label ("- **Observability**:") heads a sub-list.
                _set_heading(line, name, "label", 7)
                continue
            line.kind = BULLET
            line.marker = _marker_family(match["marker"])
            line.body_start = line.start + line.indent_chars + match.end()
        else:
            _classify_heading(line, lines, index)
    return lines


def _is_data_key(text: str, lines: list[_Line], index: int) -> bool:
    # "closing:" could be an ordinary lower-case label: only an identifier-shaped name
    # (camelCase, snake_case, quoted) counts, or one after a line that ends a data value.
    if re.search(r"[A-Z_\"']", text.rstrip(": ")):
        return True
    previous = next((line for line in reversed(lines[:index]) if line.stripped), None)
    return previous is not None and previous.stripped[-1:] in ",[{"


def _is_list_entry(body: str) -> bool:
    """A quoted string is one list entry when it is one short sentence; a quoted paragraph
    ("We deliver ... Riders must ...") is read as prose."""
    return len(_words(body)) <= _MAX_QUOTED_ENTRY_WORDS and not _INNER_SENTENCE_BREAK.search(body)


def _split_identifier(key: str) -> str:
    """ "longDescription" -> "long Description"; "requirements_md" -> "requirements md"."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", key).replace("_", " ")


def _bullet_heading(body: str, marker: str) -> str | None:
    """The heading name when a bullet's whole text is a heading, else None."""
    if match := _BOLD_BULLET.fullmatch(body):
        name = _heading_name(match["name"])
        broken = match["open"] != match["close"]
        kind = _strict_kind(name) or _loose_kind(name)
        colon = body.rstrip("*_ ").endswith(":") or match["name"].rstrip().endswith(":")
        if _has_letters(name) and (colon or broken or _strict_kind(name)) and kind is not None:
            return name
        if _has_letters(name) and colon and len(_words(name)) <= 4:
            return name
        return None
    if marker[0].isdigit() and not _SENTENCE_PUNCT_END.search(body):
        name = _heading_name(body)
        if len(_words(name)) <= 5 and _strict_kind(name):
            return name
    return None


_UNREAD = "unread"  # a heading's kind not yet looked up


def _set_heading(line: _Line, name: str, style: str, level: int, kind=_UNREAD) -> None:
    line.kind, line.style, line.level = HEADING, style, level
    line.section = _strict_kind(name) or _loose_kind(name) if kind == _UNREAD else kind


def _marker_family(marker: str) -> str:
    if marker[0] == "(" or marker[0].isalnum():
        return "number" if any(ch.isdigit() for ch in marker) else "letter"
    return "dash" if marker in "-*+" else marker


def _classify_heading(line: _Line, lines: list[_Line], index: int) -> None:
    previous = lines[index - 1] if index else None
    after_break = previous is None or previous.kind in (BLANK, RULE, HEADING) or line.cut
    next_line = lines[index + 1] if index + 1 < len(lines) else None
    after_heading = previous is not None and previous.kind == HEADING
    form = _heading_form(
        line.stripped, after_break, next_line, _next_non_blank(lines, index), after_heading
    )
    if form is None:
        return
    name, style, level, kind = form
    if not _has_letters(name):
        return
    _set_heading(line, name, style, level, kind)
    if style == "colon" and len(_words(name)) > 6 and line.section == RESP:
        # "To be successful in the role, you will need:" is a lead-in, not a list of duties.
        line.section = None


def _next_non_blank(lines: list[_Line], index: int) -> _Line | None:
    for following in range(index + 1, len(lines)):
        if lines[following].stripped:
            return lines[following]
    return None


def _heading_form(
    text: str,
    after_break: bool,
    next_line: _Line | None,
    following: _Line | None,
    after_heading: bool = False,
) -> tuple[str, str, int, str | None] | None:
    """(name, style, level, kind) when the line reads as a heading, else None. kind is the
    section kind its name says when already known (None: it says nothing), else _UNREAD.

    after_break: the line starts a block (it follows a blank line or a heading); next_line is
    the physical line after it and following the next line that is not blank.
    """
    if text[0] == "#" and (match := _MD_HEADING.fullmatch(text)):
        return _heading_name(match["name"]), "markdown", len(match["hashes"]), _UNREAD
    if (
        text[0] in "*_"
        and (match := _BOLD_LINE.fullmatch(text))
        and len(_words(match["name"])) <= 15
    ):
        return _heading_name(match["name"]), "bold", 7, _UNREAD
    bare = text.strip("*_ ")
    words = _words(bare)
    if _is_colon_heading(bare):
        return _heading_name(bare), "colon", 8, _UNREAD
    if len(words) <= _MAX_HEADING_WORDS and _is_all_caps(bare):
        return _heading_name(bare), "caps", 7, _UNREAD
    if after_heading and ": " in bare:
        return None  # "Education: B.Com or M.Com" under a heading is its first entry
    # "Is this you?" or "Sound familiar?" alone on a line after a break asks a heading's question.
    question = after_break and bare.endswith("?") and len(words) <= _MAX_QUESTION_WORDS
    # "You might be a fit if you…" alone on a line, with lines under it, is a lead-in: the
    # lines that follow finish its sentence, one entry each.
    lead_in = (
        bare.endswith(("…", "..."))  # an ellipsis says "to be continued" even inside a block
        and len(words) <= _MAX_LEAD_IN_WORDS
        and next_line is not None
        and bool(next_line.stripped)
    )
    if lead_in:
        return _heading_name(bare), "plain", 7, _UNREAD
    if len(words) > _MAX_HEADING_WORDS or (_SENTENCE_PUNCT_END.search(bare) and not question):
        return None
    if question and next_line is not None and next_line.stripped:
        return _heading_name(bare), "plain", 7, _UNREAD
    name = _heading_name(bare)
    if strict := _strict_kind(name):
        return name, "plain", 7, strict
    next_is_bullet = following is not None and bool(_BULLET.match(following.stripped))
    title_case = _is_title_case(bare)
    if after_break and (title_case or next_is_bullet):
        return name, "plain", 7, _UNREAD
    if not (after_break or title_case):
        return None  # every rule below needs one or the other
    loose = _loose_kind(name)
    # "About the position" directly above a paragraph: a short line whose name means something,
    # followed by prose (a list entry would be followed by another short entry).
    if (
        after_break
        and len(words) <= 6
        and loose
        and next_line is not None
        and (len(_words(next_line.folded)) >= 8 or next_line.stripped.endswith("."))
    ):
        return name, "plain", 7, loose
    # "What we offer you" between paragraphs: a short line whose name says "not a requirement".
    if after_break and len(words) <= 6 and loose == OTHER:
        return name, "plain", 7, loose
    # A title-case line inside a block starts a new topic only when its name says "not a
    # requirement" ("Search Firms Please Read Carefully") and prose or nothing follows it:
    # otherwise it is more likely one entry of a list written one per line.
    ends_block = next_line is None or not next_line.stripped
    if title_case and loose == OTHER and (ends_block or len(_words(next_line.folded)) >= 25):
        return name, "plain", 7, loose
    # "Your toolkit" opening a block of short lines: a sentence-case heading over a list
    # written one entry per line (its kind, when its name says nothing, comes from the lines).
    if (
        after_break
        and not after_heading  # right under a heading, it is the list's first entry
        and len(words) <= _MAX_STANDALONE_WORDS
        and bare[:1].isupper()
        and next_line is not None
        and next_line.stripped
        and not _BULLET.match(next_line.stripped)
        and len(next_line.stripped) <= _MAX_ENTRY_CHARS
        and next_line.stripped[-1] not in ".,;!?…"
    ):
        return name, "plain", 7, loose
    # "Additional information" alone in its block, above a paragraph: a sentence-case heading.
    # (A list written one entry per block has short entries, not a paragraph, after it.)
    if (
        after_break
        and ends_block
        and len(words) <= _MAX_STANDALONE_WORDS
        and following is not None
        and len(_words(following.folded)) >= _MIN_PARAGRAPH_WORDS
        and not _BULLET.match(following.stripped)
    ):
        return name, "plain", 7, loose
    return None


_MAX_STANDALONE_WORDS = 4
_MAX_ENTRY_CHARS = 80
_MAX_LEAD_IN_WORDS = 10
_MIN_PARAGRAPH_WORDS = 12


def _is_colon_heading(text: str) -> bool:
    if not text.endswith(":"):
        return False
    body = text[:-1]
    if len(_words(body)) > _MAX_NAME_WORDS and opens_with_requirement(body):
        return False  # "Minimum of 2 years experience in the following:" is itself a requirement
    return (
        _has_letters(body)
        and len(_words(body)) <= _MAX_COLON_HEADING_WORDS
        and not _INNER_SENTENCE_BREAK.search(body)
    )


_MAX_NAME_WORDS = 6


def _is_all_caps(text: str) -> bool:
    if text.isascii():  # every ASCII letter is cased, so str.isupper() says the same
        return text.isupper() and _has_letters(text, 3)
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 3 and all(ch.isupper() for ch in letters)


def _is_title_case(text: str) -> bool:
    words = re.findall(r"[A-Za-z][\w'’-]*", text)
    if not words or not words[0][0].isupper():
        return False
    significant = [word for word in words if word.lower() not in _MINOR_WORDS]
    return bool(significant) and all(word[0].isupper() for word in significant)


_LEADING_ORNAMENT = re.compile(r"^(?:[^\w\s(\"']+\s*|\d{1,2}[.)]\s+|[IVX]{1,4}\.\s+)+")


def _heading_name(text: str) -> str:
    # Emoji and numbering before a heading's name say nothing: "🚀 2. What you'll do".
    name = _LEADING_ORNAMENT.sub("", _clean(_fold(text))).strip(" *_#")
    name = name.rstrip(":").strip()
    return name.lower().strip(" .:-–—!?…")
