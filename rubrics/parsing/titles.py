"""Titles: an item's short name, and the posting's own title."""

from __future__ import annotations

import re

from .lines import BLANK, RULE, _Line
from .text import _clean, _has_letters, _squash, _word_set, _words, first_sentence

MAX_TITLE_CHARS = 80
MAX_TITLE_WORDS = 9


_TITLE_CLAUSE_END = re.compile(
    r",(?!\d{3})|;|:|\s[(\[]|\s[—–-]\s|—"
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
    r"(\s+(have|be able to|be))?"
    r"|the (successful|ideal|right) (candidate|applicant|person) (will|must|should)"
    r"( have| be able to| be| hold| bring)?"
    r"|we (require|need|expect|want|are looking for|seek)( someone with| candidates with)?)\s+",
    re.IGNORECASE,
)
# "An AAT qualification is preferred and ...": the tag inside the clause ends the title.
_TITLE_INNER_TAG = re.compile(
    r"\s+(is|are|would be|will be)\s+((strongly|highly|also|very)\s+)?(preferred|required"
    r"|mandatory|essential|desirable|desired|beneficial|advantageous|welcome|helpful|useful"
    r"|an? ((big|huge|strong|real|definite|great)\s+)?(plus|bonus|advantage|asset))\b.*",
    re.IGNORECASE | re.DOTALL,
)
_GOVERNS_TO = _word_set("equivalent similar related close due according prior up next able")
_DETERMINERS = _word_set("a an the this that these those your our their its his her")
# Where a long first clause is cut: before its first preposition if there is one, else after a
# comma, else before the last "and"/"or" that keeps the title short, else before "to".
_TITLE_PREPOSITIONS = _word_set(
    "with within without for in on at by that who which while including using from as so when "
    "where via across onto into over under through about against among between during"
)
_TITLE_CONJUNCTIONS = _word_set("and or")
_TITLE_TAIL_WORDS = _word_set(
    "a an the and or of to in on for with at by from as that who which your our their its is "
    "are be including such via into within while when using"
)


def _derive_title(text: str) -> str:
    """A short title from an unlabelled item: its first clause, cut to a few words."""
    title = _without_tail_tag(text)
    # Twice: "To qualify for this role, you must have one year ..." -> "one year ..."
    title = _without_lead(_without_lead(title)) or text
    if len(title) > _SHORT_TITLE_CHARS or any(mark in title for mark in ".!?"):
        # The first sentence is all a title needs, and nine words fit in its first characters.
        title = first_sentence(title, _FIRST_SENTENCE_CHARS) or title
    if len(title) > _WINDOW_CHARS:
        # A title keeps at most nine words and every cut is decided within the next few, so the
        # rest of a long sentence is never read: the same title, for less work.
        title = " ".join(_words(title)[:_WINDOW_WORDS])
    if _MAY_HOLD_TAG.search(title):
        title = _TITLE_INNER_TAG.sub("", title) or title
    words = _words(_first_clause(title))
    if len(words) > MAX_TITLE_WORDS:
        words = words[: _title_cut(words)]
    return _clip_title(_without_tail_tag(" ".join(words)))


# Tags end an item, so only its last characters are searched (an anchored search from every
# position of a long item would cost more than the rest of the title).
_TAIL_CHARS = 80
# A text this short without a full stop is one sentence: no need to look for sentence ends.
_SHORT_TITLE_CHARS = 40
_FIRST_SENTENCE_CHARS = 240
_WINDOW_WORDS = 16
_WINDOW_CHARS = 100
_MAY_HOLD_TAG = re.compile(r"\s(?:is|are|be)\s", re.IGNORECASE)


def _without_tail_tag(text: str) -> str:
    if not text.rstrip(" .!").lower().endswith(_TAG_ENDINGS):
        return text
    offset = max(0, len(text) - _TAIL_CHARS)
    match = _TITLE_TAG_PROSE.search(text, offset)
    return text[: match.start()] if match else text


# The last word of every tag _TITLE_TAG_PROSE strips.
_TAG_ENDINGS = (
    "preferred", "required", "plus", "advantage", "asset", "bonus", "have", "desired",
    "desirable", "welcome",
)  # fmt: skip


def _without_lead(text: str) -> str:
    match = _TITLE_LEAD_PROSE.match(text)
    return text[match.end() :] if match else text


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
    # "leadership to a team" opens a preposition's phrase; "to learn" is still the verb's, and
    # "equivalent to a degree" is one phrase.
    for index in candidates:
        following = words[index + 1].lower() if index + 1 < len(words) else ""
        if (
            words[index].lower() == "to"
            and following in _DETERMINERS
            and words[index - 1].lower() not in _GOVERNS_TO
        ):
            return index
    # "Publications in machine learning, AI, data science, ...": stop before the enumeration.
    for index in range(4, MAX_TITLE_WORDS + 1):
        if words[index - 1].endswith(","):
            return index
    # "Significant experience writing Golang or the ability ...": the first "or"/"and" closes
    # the first noun phrase; a later one would cut the second phrase in half.
    conjunctions = [i for i in candidates if words[i].lower() in _TITLE_CONJUNCTIONS]
    if conjunctions:
        return conjunctions[0]
    return next((i for i in candidates if words[i].lower() == "to"), MAX_TITLE_WORDS)


_LOWER_WORD = re.compile(r"[a-z][a-z'’-]*")


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
    if len(words) > 1 and _LOWER_WORD.fullmatch(words[0]):
        title = title[0].upper() + title[1:]
    return title


_MAX_POSTING_TITLE_CHARS = 150
_MAX_TITLE_LINE_CHARS = 150


# A posting pasted from a data file names its title under a key; its first lines are code.
_TITLE_KEY = re.compile(
    r"\s*[\"']?(?:title|job_?title|jobTitle|role|position)[\"']?\s*:\s*[\"']?(?P<value>[^\"'\n]+?)"
    r"[\"']?\s*,?\s*",
    re.IGNORECASE,
)
_CODE_LINE = re.compile(r"\s*(?:export|const|let|var|import|module\.exports)\b|.*[{\[=]\s*$")
_TITLE_KEY_LINES = 20


def _posting_title(text: str, lines: list[_Line]) -> str:
    """The first line with words in it, without its Markdown markup ("title: ..." in data)."""
    first = next((line for line in lines if line.stripped), None)
    if first is not None and (first.stripped == "---" or _CODE_LINE.match(first.folded)):
        for line in lines[:_TITLE_KEY_LINES]:
            if (match := _TITLE_KEY.fullmatch(line.folded)) and _has_letters(match["value"]):
                return _clean(match["value"])[:_MAX_POSTING_TITLE_CHARS]
    for line in lines:
        if line.kind in (BLANK, RULE) or not _has_letters(line.folded):
            continue
        if _CODE_LINE.match(line.folded):
            continue
        if len(line.stripped) > _MAX_TITLE_LINE_CHARS:
            # A posting that opens with a paragraph: its first sentence names the job.
            first = first_sentence(text[line.start : line.end], _MAX_POSTING_TITLE_CHARS)
            return _clean(first).rstrip(".")[:_MAX_POSTING_TITLE_CHARS]
        title = _clean(re.sub(r"^\s*#+\s*", "", text[line.start : line.end])).strip(" *_:")
        if len(title) > _MAX_POSTING_TITLE_CHARS:
            title = title[: _MAX_POSTING_TITLE_CHARS + 1].rsplit(" ", 1)[0]
        return title
    return ""
