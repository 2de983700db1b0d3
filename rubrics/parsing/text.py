"""Folding (one character for one, so offsets survive), Markdown and HTML cleaning, sentences."""

from __future__ import annotations

import html
import re

# One-for-one replacements only, so offsets in the folded copy are offsets in the original.
_FOLD_MAP = {
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
# str.translate() with a table looks every character up in a dict; a search for the few
# characters that fold, done in C, is much faster on text that has none or few of them.
_FOLD_CHARS = re.compile("[" + "".join(_FOLD_MAP) + "]")


def _translate(text: str) -> str:
    if text.isascii() and "\t" not in text:
        return text  # nothing to fold: the common case, tested in C
    return _FOLD_CHARS.sub(lambda match: _FOLD_MAP[match.group()], text)


_WHITESPACE = re.compile(r"[\s\u200b\u2060\ufeff]+")
_LINE_BREAK = re.compile(r"\r\n|[\r\n\u2028\u2029]")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)\s]*\)")
_ANGLE_LINK = re.compile(r"<((?:https?://|mailto:)[^>\s]+|[^@\s<>]+@[^>\s]+)>")
_ESCAPE = re.compile(r"\\([-*_#.()\[\]\\`+!])")
_EMPHASIS = re.compile(r"(?<![\w*])[*_](?=\S)(.+?)(?<=\S)[*_](?![\w*])")


# HTML pasted as text. Block tags fold into a line break padded with spaces ("<li>" into a line
# break and a dash), other tags and entities into spaces, always one character for one, so the
# folded copy keeps every offset of the original.
_HTML_SIGN = re.compile(r"<(?:li|p|br|ul|ol|div|h[1-6]|tr|td|strong|b)\b[^<>]*>", re.IGNORECASE)
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_HTML_ITEM = re.compile(r"<li\b[^<>]*>", re.IGNORECASE)
_HTML_BREAK = re.compile(
    r"</?(?:p|br|ul|ol|li|div|h[1-6]|tr|table|tbody|thead|section|article|header|footer)"
    r"\b[^<>]*>",
    re.IGNORECASE,
)
_HTML_ENTITY = re.compile(r"&(?:[A-Za-z]{2,8}|#\d{1,6}|#x[0-9A-Fa-f]{1,5});")
_MIN_HTML_TAGS = 2
PAD = "\x00"


def fold_posting(text: str) -> str:
    """The posting's folded copy: same length and offsets, HTML and odd spaces neutralised."""
    folded = _translate(text)
    if "&" in folded:
        folded = _HTML_ENTITY.sub(_fold_entity, folded)
    if len(_HTML_SIGN.findall(folded, 0, 20_000)) >= _MIN_HTML_TAGS:
        table = folded.startswith("|") or "\n|" in folded  # a Markdown table row
        folded = _HTML_TAG.sub(_fold_table_tag if table else _fold_tag, folded)
    elif "|" in folded and "<" in folded:
        # A Markdown table's cell may hold "<br>" between two entries: the row must stay one
        # line, so the tag folds into spaces (the table pass splits the cell there).
        folded = _CELL_BREAK.sub(lambda match: " " * len(match.group()), folded)
    return folded


_CELL_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def _fold_entity(match: re.Match) -> str:
    char = _translate(html.unescape(match.group()))
    if len(char) != 1 or char in "<>":
        char = " "
    # Padded with PAD, which _fold() deletes, so "You&#39;ll" still reads "You'll" to the rules.
    return char + PAD * (len(match.group()) - 1)


def _fold_table_tag(match: re.Match) -> str:
    if _in_table_row(match):
        return " " * len(match.group())  # "<br>" inside a Markdown table's cell: one row, one line
    return _fold_tag(match)


def _fold_tag(match: re.Match) -> str:
    tag, width = match.group(), len(match.group())
    if _HTML_ITEM.fullmatch(tag):
        return "\n- ".ljust(width) if width >= 4 else "\n".ljust(width)
    if _HTML_BREAK.fullmatch(tag):
        return "\n".rjust(width)  # the break after the tag, so the next line starts clean
    return " " * width


def _in_table_row(match: re.Match) -> bool:
    text = match.string
    line_start = max(text.rfind("\n", 0, match.start()), text.rfind("\r", 0, match.start())) + 1
    return text[line_start : match.start()].lstrip().startswith("|")


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


def _squash(text: str) -> str:
    if text.isascii():
        return " ".join(text.split())  # the same result, without a regex
    return _WHITESPACE.sub(" ", text).strip()


def _clean(raw: str) -> str:
    """Markdown and HTML markup removed (links keep their text), whitespace normalised."""
    text = raw
    # Each pass only when its character is there: most items have no markup at all.
    if "](" in text:
        text = _MD_LINK.sub(r"\1", text)
    if "<" in text:
        text = _ANGLE_LINK.sub(r"\1", text)
        text = _HTML_TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    if "\\" in text:
        text = _ESCAPE.sub(r"\1", text)
    if "*" in text or "_" in text:
        text = text.replace("**", "").replace("__", "")
        text = _EMPHASIS.sub(r"\1", text)
    if "`" in text:
        text = text.replace("`", "")
    return _squash(text)


def _fold(text: str) -> str:
    """A snippet folded for matching: odd spaces and quotes plain, entities decoded, no PAD.

    Unlike fold_posting(), the result may be shorter than the input: never use its offsets.
    """
    folded = _translate(text)
    if "&" in folded:
        folded = html.unescape(folded)
    return folded.replace(PAD, "") if PAD in folded else folded


def _words(text: str) -> list[str]:
    return text.split()


_LETTER = re.compile(r"[^\W\d_]")


def _has_letters(text: str, at_least: int = 2) -> bool:
    if len(text) >= at_least and text[:at_least].isalpha():
        return True  # the common case: the text opens with letters
    return any(count >= at_least for count, _ in enumerate(_LETTER.finditer(text), start=1))


_SENTENCE_END = re.compile(
    r"[.!?]+[\"')\]*_]*(?=\s+[\"'(\[*_]*[A-Z0-9])"
    # scraped text glues fields: "1 year (Preferred)SDKs: 1 year (Required)"
    r"|\((?i:required|preferred|optional)\)(?=[A-Za-z])"
    # ... and list entries whose line breaks were lost: "experience.- Experience",
    # "experience5+ years", "mandatedCandidate should", "KotlinExperience with"
    r"|[.!?;:](?=[ ]?[-•▪*][ ]?[A-Z])"
    r"|(?P<digits>[a-z]{2}(?=\d{1,2}\+?[ ]*(?:years?|yrs)\b))"
    r"|(?P<glue>[a-z]{2}(?=[A-Z][a-z]{2,}))"
)
# Capitalised words that open a requirement: a glued "KotlinExperience" splits before them even
# though the word before is capitalised too.
_ITEM_OPENERS = _word_set(
    "experience excellent strong ability knowledge proficiency proficient familiarity bachelor "
    "bachelors degree candidate candidates must minimum technical understanding good solid "
    "proven demonstrated working hands fluent fluency"
)
_LEADING_GLYPH = re.compile(r"[-•▪*][ ]?(?=[A-Z])")
_ABBREVIATIONS = _word_set(
    "e.g i.e etc vs sr jr dr mr mrs ms prof inc co corp ltd llc no st approx dept esp incl "
    "min max yrs yr hrs mo fig ca"
)


def _sentences(folded: str, start: int, end: int) -> list[tuple[int, int]]:
    ranges, position = [], start
    for match in _SENTENCE_END.finditer(folded, start, end):
        if match["glue"] and not _is_glued_word(folded, position, match.end()):
            continue
        if match.group()[0] in ".!?" and _is_abbreviation(folded, position, match.start()):
            continue
        ranges.append((position, match.end()))
        position = match.end()
    ranges.append((position, end))
    trimmed = [kept for span in ranges if (kept := _trim(folded, *span))]
    return [_without_glyph(folded, *span) for span in trimmed]


# Only full stops and their kin end a title's sentence: glued entries were split before (an
# item's text is one entry), so the glue rules of _SENTENCE_END, costly at every letter, can go.
_PLAIN_SENTENCE_END = re.compile(r"[.!?]+[\"')\]*_]*(?=\s+[\"'(\[*_]*[A-Z0-9])")


def first_sentence(text: str, limit: int) -> str:
    """The text's first sentence, looked for in its first `limit` characters only."""
    start = len(text) - len(text.lstrip())
    for match in _PLAIN_SENTENCE_END.finditer(text, start, min(len(text), limit)):
        if _is_abbreviation(text, start, match.start()):
            continue
        if text[start : match.end()].strip():
            return text[start : match.end()].strip()
    return text.strip()


def _is_glued_word(folded: str, start: int, boundary: int) -> bool:
    """Is "wordWord" at boundary two words glued together, rather than a name like "JavaScript"?"""
    left = folded[max(folded.rfind(" ", start, boundary) + 1, start) : boundary]
    right = re.match(r"[A-Z][a-z]+", folded[boundary : boundary + 30])
    if left.isalpha() and left.islower() and len(left) >= 3:
        return True
    return right is not None and right.group().lower() in _ITEM_OPENERS


def _without_glyph(folded: str, start: int, end: int) -> tuple[int, int]:
    if match := _LEADING_GLYPH.match(folded, start, end):
        return match.end(), end
    return start, end


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
    # "...; we are unable to sponsor visas" goes on with a clause of its own, not a list entry.
    if any(_CLAUSE_OPENER.match(folded, a, b) for a, b in pieces[1:]):
        return [(start, end)]
    return pieces


_CLAUSE_OPENER = re.compile(r"[*_]*(we|you|they|it|this|that|these|there|he|she|i)\b", re.I)


def _trim(folded: str, start: int, end: int) -> tuple[int, int] | None:
    chunk = folded[start:end]
    stripped = chunk.strip()
    if not stripped:
        return None
    left = start + len(chunk) - len(chunk.lstrip())
    return left, left + len(stripped)
