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
from dataclasses import dataclass, field

MAX_POSTING_BYTES = 200 * 1024

MUST = "must"
BONUS = "bonus"
RESP = "resp"
OTHER = "other"

MAX_TITLE_CHARS = 80
MAX_TITLE_WORDS = 9


class PostingParseError(ValueError):
    """The posting cannot be parsed; the message is a sentence meant for the user."""


@dataclass(frozen=True)
class ParsedItem:
    """One must-have, bonus or responsibility; span indexes the original posting text.

    confidence is "low" when the item was graded from weak evidence ("should" prose, or content
    under a heading whose name says nothing), "high" otherwise.
    """

    title: str
    text: str
    keywords: tuple[str, ...]
    span: tuple[int, int]
    confidence: str = "high"

    def to_dict(self) -> dict:
        return {"title": self.title, "text": self.text, "keywords": list(self.keywords)}


@dataclass(frozen=True)
class ProseHint:
    """A requirement-like sentence the parser saw but did not make into an item."""

    text: str
    span: tuple[int, int]


@dataclass(frozen=True)
class ParsedPosting:
    """The parsed posting; unplaced lists requirement-like prose that gave no item."""

    title: str
    must_haves: tuple[ParsedItem, ...]
    bonuses: tuple[ParsedItem, ...]
    responsibilities: tuple[ParsedItem, ...]
    unplaced: tuple[ProseHint, ...] = ()

    def to_dict(self) -> dict:
        return {
            "title": self.title,
            "must_haves": [item.to_dict() for item in self.must_haves],
            "bonuses": [item.to_dict() for item in self.bonuses],
            "responsibilities": [item.to_dict() for item in self.responsibilities],
        }


def parse_posting(text: str) -> ParsedPosting:
    """Parse a posting; raise PostingParseError when it is too big, empty or has no requirements."""
    _check_input(text)
    folded = text.translate(_FOLD_TABLE)
    lines = _classify_lines(_split_lines(text, folded))
    sections = _build_sections(lines)
    found: dict[str, list[ParsedItem]] = {MUST: [], BONUS: [], RESP: []}
    for section in sections:
        for kind, item in _section_items(text, folded, section):
            found[kind].append(item)
    if not found[MUST] and not found[BONUS]:
        raise PostingParseError(_NO_REQUIREMENTS)
    return ParsedPosting(
        title=_posting_title(text, lines),
        must_haves=tuple(found[MUST]),
        bonuses=tuple(found[BONUS]),
        responsibilities=tuple(found[RESP]),
    )


_NO_REQUIREMENTS = (
    "No requirements found: looked for a section headed like 'Requirements', 'Qualifications', "
    "'The Must-Haves', 'What you'll need', 'Skills', 'Preferred qualifications' or "
    "'Nice to have' (as a heading line or an inline 'Requirements:' label), "
    "with bullet points or sentences under it."
)


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
    if not _WHITESPACE.sub("", text):
        raise PostingParseError("The posting is empty.")


# ---------------------------------------------------------------------------------------------
# Folding and small text helpers
# ---------------------------------------------------------------------------------------------

# One-for-one replacements only, so offsets in the folded copy are offsets in the original.
_FOLD_TABLE = str.maketrans(
    {
        "\t": " ",
        "\u00a0": " ",
        "\u2007": " ",
        "\u202f": " ",
        "\u3000": " ",
        "\ufeff": " ",
        "\u200b": " ",
        "\u2060": " ",
        **{chr(code): " " for code in range(0x2000, 0x200B)},
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u2032": "'",
        "\u02bc": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
    }
)
_WHITESPACE = re.compile(r"[\s\u200b\u2060\ufeff]+")
_LINE_BREAK = re.compile(r"\r\n|[\r\n\u2028\u2029]")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)\s]*\)")
_ANGLE_LINK = re.compile(r"<((?:https?://|mailto:)[^>\s]+|[^@\s<>]+@[^>\s]+)>")
_ESCAPE = re.compile(r"\\([-*_#.()\[\]\\`+!])")
_EMPHASIS = re.compile(r"(?<![\w*])[*_](?=\S)(.+?)(?<=\S)[*_](?![\w*])")


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


def _squash(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


def _clean(raw: str) -> str:
    """Markdown markup removed (links keep their text) and whitespace normalised."""
    text = _MD_LINK.sub(r"\1", raw)
    text = _ANGLE_LINK.sub(r"\1", text)
    text = _ESCAPE.sub(r"\1", text)
    text = text.replace("**", "").replace("__", "")
    text = _EMPHASIS.sub(r"\1", text)
    text = text.replace("`", "")
    return _squash(text)


def _fold(text: str) -> str:
    return text.translate(_FOLD_TABLE)


def _words(text: str) -> list[str]:
    return text.split()


def _has_letters(text: str, at_least: int = 2) -> bool:
    return sum(ch.isalpha() for ch in text) >= at_least


# ---------------------------------------------------------------------------------------------
# Pass 1: lines
# ---------------------------------------------------------------------------------------------

BLANK, RULE, BULLET, HEADING, TEXT = "blank", "rule", "bullet", "heading", "text"


@dataclass
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

    @property
    def stripped(self) -> str:
        return self.folded.strip()

    @property
    def indent_chars(self) -> int:
        """How many characters of indentation the line starts with."""
        return len(self.folded) - len(self.folded.lstrip())


def _split_lines(text: str, folded: str) -> list[_Line]:
    lines, pos = [], 0
    for match in _LINE_BREAK.finditer(folded):
        lines.append(_make_line(text, folded, pos, match.start()))
        pos = match.end()
    lines.append(_make_line(text, folded, pos, len(text)))
    return lines


def _make_line(text: str, folded: str, start: int, end: int) -> _Line:
    raw = folded[start:end]
    end = start + len(raw.rstrip())
    visual = text[start:end].replace("\ufeff", "").expandtabs(4)
    indent = len(visual) - len(visual.lstrip())
    return _Line(start=start, end=end, folded=folded[start:end], indent=indent)


_RULE = re.compile(r"(?:[-*_=~][ ]*){3,}")
_BULLET = re.compile(
    r"(?P<marker>[•▪▫◦‣●○■□➢➤►▶✓✔→·]"  # distinctive symbols need no space after them
    r"|[-*+–—](?= )"
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
_MAX_COLON_HEADING_WORDS = 15


def _classify_lines(lines: list[_Line]) -> list[_Line]:
    for index, line in enumerate(lines):
        text = line.stripped
        if not text:
            line.kind = BLANK
        elif _RULE.fullmatch(text):
            line.kind = RULE
        elif match := _BULLET.match(text):
            line.kind = BULLET
            line.marker = _marker_family(match["marker"])
            line.body_start = line.start + line.indent_chars + match.end()
        else:
            _classify_heading(line, lines, index)
    return lines


def _marker_family(marker: str) -> str:
    if marker[0] == "(" or marker[0].isalnum():
        return "number" if any(ch.isdigit() for ch in marker) else "letter"
    return "dash" if marker in "-*+" else marker


def _classify_heading(line: _Line, lines: list[_Line], index: int) -> None:
    previous = lines[index - 1] if index else None
    after_break = previous is None or previous.kind in (BLANK, RULE, HEADING)
    next_line = lines[index + 1] if index + 1 < len(lines) else None
    form = _heading_form(line.stripped, after_break, next_line, _next_non_blank(lines, index))
    if form is None:
        return
    name, style, level = form
    if not _has_letters(name):
        return
    line.kind, line.style, line.level = HEADING, style, level
    line.section = _strict_kind(name) or _loose_kind(name)


def _next_non_blank(lines: list[_Line], index: int) -> _Line | None:
    for following in range(index + 1, len(lines)):
        if lines[following].stripped:
            return lines[following]
    return None


def _heading_form(
    text: str, after_break: bool, next_line: _Line | None, following: _Line | None
) -> tuple[str, str, int] | None:
    """(name, style, level) when the line reads as a heading, else None.

    after_break: the line starts a block (it follows a blank line or a heading); next_line is
    the physical line after it and following the next line that is not blank.
    """
    if match := _MD_HEADING.fullmatch(text):
        return _heading_name(match["name"]), "markdown", len(match["hashes"])
    if (match := _BOLD_LINE.fullmatch(text)) and len(_words(match["name"])) <= 15:
        return _heading_name(match["name"]), "bold", 7
    bare = text.strip("*_ ")
    words = _words(bare)
    if _is_colon_heading(bare):
        return _heading_name(bare), "colon", 8
    if len(words) <= _MAX_HEADING_WORDS and _is_all_caps(bare):
        return _heading_name(bare), "caps", 7
    if len(words) > _MAX_HEADING_WORDS or _SENTENCE_PUNCT_END.search(bare):
        return None
    name = _heading_name(bare)
    if _strict_kind(name):
        return name, "plain", 7
    next_is_bullet = following is not None and bool(_BULLET.match(following.stripped))
    if after_break and (_is_title_case(bare) or next_is_bullet):
        return name, "plain", 7
    # "About the position" directly above a paragraph: a short line whose name means something,
    # followed by prose (a list entry would be followed by another short entry).
    if (
        after_break
        and len(words) <= 6
        and _loose_kind(name)
        and next_line is not None
        and (len(_words(next_line.folded)) >= 8 or next_line.stripped.endswith("."))
    ):
        return name, "plain", 7
    # A title-case line inside a block starts a new topic only when its name says "not a
    # requirement" ("Search Firms Please Read Carefully") and prose or nothing follows it:
    # otherwise it is more likely one entry of a list written one per line.
    ends_block = next_line is None or not next_line.stripped
    if (
        _is_title_case(bare)
        and _loose_kind(name) == OTHER
        and (ends_block or len(_words(next_line.folded)) >= 25)
    ):
        return name, "plain", 7
    return None


def _is_colon_heading(text: str) -> bool:
    if not text.endswith(":"):
        return False
    body = text[:-1]
    return (
        _has_letters(body)
        and len(_words(body)) <= _MAX_COLON_HEADING_WORDS
        and not _INNER_SENTENCE_BREAK.search(body)
    )


def _is_all_caps(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 3 and all(ch.isupper() for ch in letters)


def _is_title_case(text: str) -> bool:
    words = re.findall(r"[A-Za-z][\w'’-]*", text)
    if not words or not words[0][0].isupper():
        return False
    significant = [word for word in words if word.lower() not in _MINOR_WORDS]
    return bool(significant) and all(word[0].isupper() for word in significant)


def _heading_name(text: str) -> str:
    name = _clean(_fold(text)).strip(" *_#")
    name = name.rstrip(":").strip()
    return name.lower().strip(" .:-–—!?")


# ---------------------------------------------------------------------------------------------
# What a heading's name says
# ---------------------------------------------------------------------------------------------

# Full names, matched against the whole heading. Used for headings that have no other sign of
# being a heading (a sentence-case line such as "What you'll need") and for inline labels.
_STRICT_NAMES = (
    (
        MUST,
        r"must[- ]?haves?|must have|(key |minimum |basic |required |general |essential |job "
        r"|position |core )?(requirements|qualifications)|requirements (and|&) qualifications"
        r"|qualifications (and|&) (requirements|skills|experience)|what you('ll| will) need"
        r"|what we('re| are) looking for|what you bring|who you are|about you|you have"
        r"|you should have|(required |key |technical |core )?skills"
        r"|(skills|experience|education) (and|&) (skills|experience|education|qualifications"
        r"|abilities|competencies)|experience|education|competencies|(the )?ideal candidate"
        r"|prerequisites",
    ),
    (
        BONUS,
        r"(preferred|desired|desirable|bonus|additional|nice[- ]to[- ]have) (qualifications"
        r"|skills|experience)|nice[- ]to[- ]haves?|bonus( points)?|pluses|extra credit|preferred"
        r"|good to have|even better",
    ),
    (
        RESP,
        r"(key |main |job |primary |core )?(responsibilities|duties)"
        r"|what you('ll| will)( actually)? do|what you('ll| will) be doing|the role|your role"
        r"|about the role|day[- ]to[- ]day|role (description|overview)",
    ),
    (
        OTHER,
        r"(employee )?benefits|perks|(compensation|pay|salary)( (and|&) benefits)?"
        r"|(pay|salary) range"
        r"|salary|wages?|about us|about the company|equal (employment )?opportunity( employer)?"
        r"|eeo|how to apply|to apply|location|work location|schedule|job types?|summary|tl;?dr"
        r"|overview|what we offer|why join us",
    ),
)
_STRICT_PATTERNS = tuple(
    (kind, re.compile(rf"(?:the |your |our )?(?:{names})")) for kind, names in _STRICT_NAMES
)

# Words that say "not a criterion". Checked first: "Skills you'll gain" is a perk, and
# "Travel requirements" a condition of the job.
_OTHER_WORDS = re.compile(
    r"equal (employment )?opportunit|\beeo\b|discriminat|accommodation|e-verify"
    r"|employment requirements|conditions of employment|\beligib|work authori[sz]ation"
    r"|\bbenefits?\b|\bperks?\b|compensation|salary|\bpay\b|\bwages?\b|we offer|our offer"
    r"|you('ll| will) (get|gain|learn|experience|enjoy|receive)|why (join|work)"
    r"|what's in it|\brewards?\b"
    r"|\btl;?dr\b|(?<!of )\bsummary\b(?! of)|at a glance|overview|quick facts|key facts"
    r"|snapshot|short version|in short|in brief|\bthe tone\b|\bthe pitch\b"
    r"|to apply|apply (now|here|today|online)|who (may|can) apply|application process"
    r"|hiring process|interview|next steps"
    r"|\babout\b(?! (you|the role|this role|the job|this job|the position|this position)\b)"
    r"|who we are|\bour (company|story|mission|values|culture|team)\b|the company"
    r"|company (description|overview|profile|info)|meet the team"
    r"|\bplease\b|\bnotice\b|disclaimer|search firm|\bagenc(y|ies)\b|\brecruiters?\b"
    r"|\blocation|\bschedule\b|\bshifts?\b|\btravel\b|relocation|sponsorship|\bstatus\b"
    r"|openings|requisition|clearance|job types?|contact|evaluation|basic information"
    r"|\bdetails\b|logistics|\bresumes?\b|\bcv\b"
)
_BONUS_WORDS = re.compile(
    r"preferred|nice[- ]to[- ]haves?|\bbonus|pluses|\bplus\b|extra credit|desired|desirable"
    r"|good to have|even better|would be (great|nice)|\bideally\b|optional|not required"
    r"|also (heard|know)|you may also|advantage|\bassets?\b|stand out|set you apart"
)
# "Required and preferred qualifications" is one mixed list; its items carry their own tags.
_BONUS_VETO = re.compile(r"\b(required|requirements|minimum|basic|must|mandatory|essential)\b")
_MUST_WORDS = re.compile(
    r"must[- ]?haves?|must have|requirement|\brequired\b|\brequires?\b|qualifications?"
    r"|\bqualified\b|you('ll| will) need|need to (have|know|bring)|looking for"
    r"|\b(you|who) (should |must )?(have|has)\b|who you are|about you|you bring"
    r"|you('ll| will) bring|skills|competenc|abilities|\bexperience\b|education"
    r"|already know|you (should )?know|\bprofile\b|ideal candidate|expertise|knowledge"
    r"|credentials|certifications?|prerequisites|what it takes|\byou are\b|\bare you\b"
)
_RESP_WORDS = re.compile(
    r"responsibilit|\byou('ll| will|'d| would)\b|the role|your role"
    r"|about (the|this) (role|job|position)|role description|\bduties\b|day[- ]to[- ]day"
    r"|a day in|objectives|in this role|\bthe job\b|\bthe work\b|the opportunity"
    r"|your (mission|impact)|\btasks\b|accountabilit|your day|typical day"
)


def _strict_kind(name: str) -> str | None:
    for kind, pattern in _STRICT_PATTERNS:
        if pattern.fullmatch(name):
            return kind
    return None


def _loose_kind(name: str) -> str | None:
    if _OTHER_WORDS.search(name):
        return OTHER
    if _BONUS_WORDS.search(name) and not _BONUS_VETO.search(name):
        return BONUS
    if _MUST_WORDS.search(name):
        return MUST
    if _RESP_WORDS.search(name):
        return RESP
    return None


# ---------------------------------------------------------------------------------------------
# Inline labels: "Pay: $20 an hour" on a text line, or glued into scraped text
# ---------------------------------------------------------------------------------------------

_LEAD_LABEL = re.compile(
    r"(?:(?P<delim>\*\*|__)(?P<bold>[^*_:]{1,60}?) *(?::(?P=delim)|(?P=delim) *:)"
    r"|(?P<plain>[A-Za-z][\w '&/+-]{0,50}?) *:)"
    r" *(?=\S)"
)
_MID_LABEL = re.compile(r"(?<=[.!?]) +(?P<label>[A-Z][\w '&/-]{0,40}?) *: *(?=\S)")
# Scraped postings glue fields together ("...skillsJob Types: Full-timePay: $75"): only these
# capitalised names count there, so ordinary camel-case words are never split.
_GLUED_LABEL = re.compile(
    r"(?<=[a-z0-9)\]])(?P<label>Job Types?|Pay|Salary|Schedule|Education|Experience"
    r"|Work Location|Location|Benefits|Requirements|Qualifications|Skills|Responsibilities"
    r"|Duties|Compensation|Licen[cs]e/Certification|Certifications?|Language) *: *(?=\S)"
)


@dataclass
class _Piece:
    start: int  # where the piece starts (its label, when it has one)
    content_start: int  # where the text after the label starts
    end: int
    kind: str | None = None  # what the label says; None for text without a label
    leading: bool = False  # the label opens the line (rather than following a sentence)
    strict: bool = False  # the label is a full section name, not just a word in one


def _inline_pieces(line: _Line) -> list[_Piece]:
    """Split a text line at the section labels it carries."""
    text = line.folded
    offset = len(text) - len(text.lstrip())
    cuts: list[_Piece] = []
    if lead := _leading_label(text, offset):
        cuts.append(lead)
    search_from = cuts[0].content_start if cuts else offset
    for pattern in (_MID_LABEL, _GLUED_LABEL):
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
        return None
    label = match["bold"] or match["plain"]
    if len(_words(label)) > 5:
        return None
    name = _heading_name(label)
    strict = _strict_kind(name)
    kind = strict or (OTHER if _loose_kind(name) == OTHER else None)
    if kind is None:
        return None
    return _Piece(offset, match.end(), 0, kind, leading=True, strict=strict is not None)


def _label_switches_section(piece: _Piece, current: str | None) -> bool:
    """Does this label start a new section, or is it just an item written "Label: text"?"""
    if not piece.leading:
        return True  # mid-sentence and glued labels only ever match full section names
    if current in (MUST, BONUS):
        # Inside a requirements list, "Education: ..." or "Preferred: ..." is an item; only a
        # plain "Pay: ..." or "Benefits: ..." line ends the list.
        return piece.kind == OTHER and piece.strict
    return True


# ---------------------------------------------------------------------------------------------
# Pass 2: sections and blocks
# ---------------------------------------------------------------------------------------------


@dataclass
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


@dataclass
class _Paragraph:
    lines: list[_Line]
    inline: bool


@dataclass
class _Section:
    kind: str | None  # MUST, BONUS, RESP, OTHER or None (before the first heading)
    level: int
    blocks: list[list[_Bullet] | _Paragraph] = field(default_factory=list)

    @property
    def has_bullets(self) -> bool:
        return any(isinstance(block, list) for block in self.blocks)


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
            self._open_section(self._section_for_heading(line))
        elif line.kind == BULLET:
            self._add_bullet(line)
        else:
            self._add_text(line)
        self.after_blank = False

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
            return _Section(current.kind, current.level)
        return _Section(OTHER, line.level)

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
        self.paragraph = _Paragraph([line], line.inline)
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


# ---------------------------------------------------------------------------------------------
# Pass 3: items
# ---------------------------------------------------------------------------------------------

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


_SENTENCE_END = re.compile(
    r"[.!?]+[\"')\]*_]*(?=\s+[\"'(\[*_]*[A-Z0-9])"
    # scraped text glues fields: "1 year (Preferred)SDKs: 1 year (Required)"
    r"|\((?i:required|preferred|optional)\)(?=[A-Za-z])"
)
_ABBREVIATIONS = _word_set(
    "e.g i.e etc vs sr jr dr mr mrs ms prof inc co corp ltd llc no st approx dept esp incl "
    "min max yrs yr hrs mo fig ca"
)


def _sentences(folded: str, start: int, end: int) -> list[tuple[int, int]]:
    ranges, position = [], start
    for match in _SENTENCE_END.finditer(folded, start, end):
        if match.group()[0] in ".!?" and _is_abbreviation(folded, position, match.start()):
            continue
        ranges.append((position, match.end()))
        position = match.end()
    ranges.append((position, end))
    return [trimmed for span in ranges if (trimmed := _trim(folded, *span))]


def _is_abbreviation(folded: str, start: int, dot: int) -> bool:
    token = folded[start : dot + 1].split()[-1].lstrip("([\"'")
    if re.fullmatch(r"(?:[A-Za-z]\.)+", token):  # U.S., e.g., B.S., J.
        return True
    return token.rstrip(".").lower() in _ABBREVIATIONS


def _semicolon_parts(folded: str, start: int, end: int) -> list[tuple[int, int]]:
    pieces, position = [], start
    for match in re.finditer(";", folded[start:end]):
        pieces.append((position, start + match.start()))
        position = start + match.end()
    pieces.append((position, end))
    pieces = [trimmed for span in pieces if (trimmed := _trim(folded, *span))]
    if len(pieces) < 2 or any(len(_words(folded[a:b])) > 15 for a, b in pieces):
        return [(start, end)]
    return pieces


def _trim(folded: str, start: int, end: int) -> tuple[int, int] | None:
    chunk = folded[start:end]
    stripped = chunk.strip()
    if not stripped:
        return None
    left = start + len(chunk) - len(chunk.lstrip())
    return left, left + len(stripped)


# ---------------------------------------------------------------------------------------------
# One item: label, kind tags, keywords, title
# ---------------------------------------------------------------------------------------------

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


# ---- keywords ---------------------------------------------------------------------------------

_PAREN = re.compile(r"\(([^()]*)\)")
_EXAMPLES = re.compile(
    r"\b(?:e\.g\.,?|such as|including|like)\s+(?P<list>.+?)(?=[;)(]|\.(?:\s|$)|$)"
)
_LIST_PREFIX = re.compile(
    r"^(e\.g\.|eg\.?|for example|for instance|such as|like|incl\.|including)[,:]?\s*",
    re.IGNORECASE,
)
_NOT_A_LIST = re.compile(r"^(i\.e\.|ie\b|or\b|and\b|aka\b|formerly\b|see\b)", re.IGNORECASE)
_LIST_TAIL = re.compile(
    r",?\s*(etc\.?|and so on|and more|or similar|or equivalent|and others|\.\.\.)\s*$",
    re.IGNORECASE,
)
_LIST_WORDS_TO_AVOID = _word_set(
    "a an the to of in for with from which that who if when such i.e. e.g. at least than or and"
)


def _keywords(text: str) -> tuple[str, ...]:
    found: list[str] = []
    for match in _PAREN.finditer(text):
        found.extend(_list_items(match.group(1), names_only=False))
    outside = _PAREN.sub(" ", text)
    for match in _EXAMPLES.finditer(outside):
        found.extend(_list_items(match["list"], names_only=True))
    unique: dict[str, str] = {}
    for keyword in found:
        unique.setdefault(keyword.lower(), keyword)
    return tuple(unique.values())


def _list_items(inner: str, names_only: bool) -> list[str]:
    """The entries of "Java, C++, Python" or "Python or Go"; [] when it is not such a list.

    With names_only (lists found in running text after "e.g." or "such as", and lists without
    commas) every entry must read as a name, so prose is never taken for a list.
    """
    text = _LIST_TAIL.sub("", _LIST_PREFIX.sub("", inner.strip())).strip(" .,;:")
    if not text or _NOT_A_LIST.match(text):
        return []
    if "," in text or ";" in text:
        parts = [re.sub(r"^(and|or|&)\s+", "", part.strip()) for part in re.split(r"[,;]", text)]
        # "A, B, C and D": the last part may still hold two entries.
        parts[-1:] = re.split(r"\s+(?:and|or|&)\s+", parts[-1])
    else:
        # Without commas only a list of names counts: "(Python or Go)", not "(physical or mental)".
        parts = re.split(r"\s+(?:or|and)\s+", text)
        names_only = True
    # "JavaScript / TypeScript" is two entries; "TCP/IP" and "A/B testing" are one.
    entries = [piece.strip(" .:'\"") for part in parts for piece in re.split(r"\s+/\s+", part)]
    entries = [entry for entry in entries if entry]
    if names_only and entries:
        # In running text the list ends where the names do: "Python, Go, or Rust are fine".
        entries[-1] = _leading_name(entries[-1])
    if len(entries) < 2 or not all(_is_list_entry(entry, names_only) for entry in entries):
        return []
    return entries


def _is_list_entry(entry: str, names_only: bool) -> bool:
    words = _words(entry)
    if not 1 <= len(words) <= 4 or len(entry) > 40 or not _has_letters(entry, 1):
        return False
    if words[0].lower() in _LIST_WORDS_TO_AVOID:
        return False
    return not names_only or all(_is_name_word(word) for word in words)


def _is_name_word(word: str) -> bool:
    """A capital or a digit somewhere ("Python", "iOS", "3D"), or a joining word ("of", "&")."""
    return any(ch.isupper() or ch.isdigit() for ch in word) or word.lower() in _NAME_JOINERS


_NAME_JOINERS = _word_set("of and & for de la")


def _leading_name(entry: str) -> str:
    words = _words(entry)
    count = 0
    while count < len(words) and _is_name_word(words[count]):
        count += 1
    return " ".join(words[:count]).strip(" .,:;")


# ---- titles -------------------------------------------------------------------------------------

_TITLE_CLAUSE_END = re.compile(
    r",|;|:|\s[(\[]|\s[—–-]\s|—"
    r"|\s(?:e\.g\.|i\.e\.|including|such as|like|especially|for example|preferably)\b"
)
# After a comma, one to three words and another comma or "and"/"or": the comma sits inside an
# enumeration ("test, build, and release"), not at the end of a clause.
_ENUMERATION_NEXT = re.compile(
    r",\s*(?!(?:including|such|especially|which|who|that|with|for|as|so|but|where|when|while"
    r"|e\.g|i\.e)\b)(?:[\w'+-]++\s?){1,3}(?:,|\s(?:and|or)\s)"
)
_ENUMERATION_LAST = re.compile(r",\s*(?:and|or)\s")
_TITLE_TAG_PROSE = re.compile(
    r"[,;]?\s*((which|that)\s+)?((is|are|would be|will be)\s+)?((strongly|highly|also)\s+)*"
    r"(preferred|required|a (big |huge |strong )?plus|an (advantage|asset)|a bonus"
    r"|nice[- ]to[- ]have|desired|desirable|welcome)\s*[.!]*$",
    re.IGNORECASE,
)
_TITLE_LEAD_PROSE = re.compile(
    r"^((ideally|preferably),?|(in order )?to qualify( for this (role|position|job))?,?"
    r"|(other |additional )?(desired|preferred|desirable|bonus) (qualifications|skills"
    r"|experience)( includes?| are| is)?:?"
    r"|it('s| is| would be) an? (big |real )?(plus|bonus|advantage) if"
    r"|((all )?(applicants?|candidates?|you)\s+)?(must|should|will need to|need to)"
    r"(\s+(have|be able to|be))?)\s+",
    re.IGNORECASE,
)
# Where a long first clause is cut: before its first preposition if there is one, else after a
# comma, else before the last "and"/"or" that keeps the title short, else before "to".
_TITLE_PREPOSITIONS = _word_set(
    "with within without for in on at by that who which while including using from as so when "
    "where via across"
)
_TITLE_CONJUNCTIONS = _word_set("and or")
_TITLE_TAIL_WORDS = _word_set(
    "a an the and or of to in on for with at by from as that who which your our their its is "
    "are be including such via into within while when using"
)


def _derive_title(text: str) -> str:
    """A short title from an unlabelled item: its first clause, cut to a few words."""
    title = _TITLE_TAG_PROSE.sub("", text)
    # Twice: "To qualify for this role, you must have one year ..." -> "one year ..."
    title = _TITLE_LEAD_PROSE.sub("", _TITLE_LEAD_PROSE.sub("", title)) or text
    sentences = _sentences(title, 0, len(title))
    if sentences:
        title = title[sentences[0][0] : sentences[0][1]]
    words = _words(_first_clause(title))
    if len(words) > MAX_TITLE_WORDS:
        words = words[: _title_cut(words)]
    return _clip_title(_TITLE_TAG_PROSE.sub("", " ".join(words)))


def _first_clause(text: str) -> str:
    previous_comma = None
    for match in _TITLE_CLAUSE_END.finditer(text):
        prefix = text[: match.start()].strip()
        if match.group() == ",":
            in_list = _ENUMERATION_NEXT.match(text, match.start()) or (
                previous_comma is not None
                and _ENUMERATION_LAST.match(text, match.start())
                and len(_words(text[previous_comma + 1 : match.start()])) <= 3
            )
            previous_comma = match.start()
            if in_list or len(_words(prefix)) < 4:
                continue  # "Experience developing, releasing, and maintaining ..." reads on
        if prefix:
            return prefix
    return text


def _title_cut(words: list[str]) -> int:
    """How many of a long clause's words to keep."""
    candidates = range(3, MAX_TITLE_WORDS + 1)
    for index in candidates:
        if words[index].lower() in _TITLE_PREPOSITIONS:
            return index
    # "Publications in machine learning, AI, data science, ...": stop before the enumeration.
    for index in range(4, MAX_TITLE_WORDS + 1):
        if words[index - 1].endswith(","):
            return index
    conjunctions = [i for i in candidates if words[i].lower() in _TITLE_CONJUNCTIONS]
    if conjunctions:
        return conjunctions[-1]
    return next((i for i in candidates if words[i].lower() == "to"), MAX_TITLE_WORDS)


def _clip_title(title: str) -> str:
    title = _squash(title)
    if len(title) > MAX_TITLE_CHARS:
        title = title[: MAX_TITLE_CHARS + 1].rsplit(" ", 1)[0]
    while True:
        trimmed = title.rstrip(" ,;:.!?-–—/&(*_")
        words = _words(trimmed)
        if len(words) > 1 and words[-1].lower() in _TITLE_TAIL_WORDS:
            trimmed = " ".join(words[:-1])
        if trimmed == title:
            break
        title = trimmed
    # "two years of experience" -> "Two years of experience", but "dbt" and "iOS" stay as named.
    words = _words(title)
    if len(words) > 1 and re.fullmatch(r"[a-z][a-z'’-]*", words[0]):
        title = title[0].upper() + title[1:]
    return title


# ---------------------------------------------------------------------------------------------
# The posting's title
# ---------------------------------------------------------------------------------------------

_MAX_POSTING_TITLE_CHARS = 150


def _posting_title(text: str, lines: list[_Line]) -> str:
    """The first line with words in it, without its Markdown markup."""
    for line in lines:
        if line.kind in (BLANK, RULE) or not _has_letters(line.folded):
            continue
        title = _clean(re.sub(r"^\s*#+\s*", "", text[line.start : line.end])).strip(" *_:")
        if len(title) > _MAX_POSTING_TITLE_CHARS:
            title = title[: _MAX_POSTING_TITLE_CHARS + 1].rsplit(" ", 1)[0]
        return title
    return ""
