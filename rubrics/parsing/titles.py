"""Titles: an item's short name, and the posting's own title."""

from __future__ import annotations

import re

from .lines import BLANK, RULE, _Line
from .text import _clean, _has_letters, _squash, _word_set, _words, first_sentence

MAX_TITLE_CHARS = 80
MAX_TITLE_WORDS = 9


_TITLE_CLAUSE_END = re.compile(
    r",(?!\d{3})|;|:|\s[(\[]|\s[—–-]\s|—|\sbut\s"
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
    r"|((you|applicants?|candidates?)\s+)?(will be|are|is) (required|expected|asked) to"
    r"|(for|in|at|as) [^,:;]{1,40}?,?\s+(you|applicants?|candidates?)\s+(must|should|will need to)"
    r"(\s+(have|hold|be able to|be))?"
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
    stripped = _without_lead(title)
    if stripped is not title:
        stripped = _without_lead(stripped)
    title = stripped or text
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
        # "in a fast-paced, deadline-driven environment": a clause left open reads on.
        if prefix and not _dangles(_words(prefix)):
            return prefix
    return text


def _title_cut(words: list[str]) -> int:
    """How many of a long clause's words to keep.

    Cuts are tried in order — before the first preposition, before "to" opening a phrase,
    before a comma-separated list, before each "and"/"or", before "to" — and the first that
    leaves no phrase open behind it wins ("in a fast-paced", "make tactical", "Golang or the
    ability" are refused). With none, the first cut is kept without its open words."""
    cut = _clean_cut(words, MAX_TITLE_WORDS)
    if cut is not None:
        return cut
    # No boundary closes the phrase: the longest start of at most nine words that does.
    for index in range(min(len(words), MAX_TITLE_WORDS), 2, -1):
        if not _dangles(words[:index]):
            return index
    # Nor within nine words ("Working both independently ... and alongside other fitters"):
    # the shortest longer start that closes it, up to a limit.
    for index in range(MAX_TITLE_WORDS + 1, min(len(words), _LONGEST_TITLE_WORDS) + 1):
        if not _dangles(words[:index]):
            return index
    return MAX_TITLE_WORDS


_LONGEST_TITLE_WORDS = 14


def _clean_cut(words: list[str], limit: int) -> int | None:
    """The first cut of at most `limit` words that leaves no phrase open, or None."""
    candidates = range(3, min(len(words) - 1, limit) + 1)
    # A cut before a preposition or "to" closes the list before it ("interviews, diary studies
    # and usability tests [with customers]"); the other cuts may fall inside a list.
    closing = [i for i in candidates if words[i].lower() in _TITLE_PREPOSITIONS]
    closing += [i for i in candidates if words[i].lower() == "to" and _opens(words, i)]
    for index in closing:
        if not _dangles(words[:index]):
            return index
    for index in _cuts(words, candidates, closing):
        kept = _before_enumeration(words[:index])
        if not _dangles(kept) and not _splits_coordination(words, len(kept)):
            return len(kept)
    return None


def _cuts(words: list[str], candidates: range, closing: list[int] | None = None) -> list[int]:
    """Where a clause may be cut, in the order the cuts are tried."""
    if closing is None:
        closing = [i for i in candidates if words[i].lower() in _TITLE_PREPOSITIONS]
        closing += [i for i in candidates if words[i].lower() == "to" and _opens(words, i)]
    cuts = list(closing)
    # "Publications in machine learning, AI, data science, ...": stop before the enumeration.
    cuts += [i for i in candidates if words[i - 1].endswith(",")]
    # The last "and"/"or" first: "Knowledge of Fortran or C [and experience ...]".
    cuts += [i for i in reversed(candidates) if words[i].lower() in _TITLE_CONJUNCTIONS]
    cuts += [i for i in candidates if words[i].lower() == "to"]
    return cuts


def _splits_coordination(words: list[str], index: int) -> bool:
    """ "Significant experience writing Golang or the ability [and desire ...]": a cut that
    ends a second conjunct begun with a determiner just before it, which the next "and"/"or"
    shows to be a coordination of its own."""
    if index >= len(words) or words[index].lower() not in _TITLE_CONJUNCTIONS:
        return False
    before = [word.lower() for word in words[max(0, index - 3) : index]]
    return any(
        word in _TITLE_CONJUNCTIONS and following in _DETERMINERS
        for word, following in zip(before, before[1:], strict=False)
    )


def _opens(words: list[str], index: int) -> bool:
    """Whether words[index] opens a phrase that a title may leave out."""
    word = words[index].lower()
    if word in _TITLE_PREPOSITIONS or word in _TITLE_CONJUNCTIONS:
        return True
    if word == "to":
        # "leadership to a team" opens a preposition's phrase; "to learn" is still the verb's,
        # and "equivalent to a degree" is one phrase.
        following = words[index + 1].lower() if index + 1 < len(words) else ""
        return following in _DETERMINERS and words[index - 1].lower() not in _GOVERNS_TO
    return False


def _before_enumeration(kept: list[str]) -> list[str]:
    """ "Installation of furnaces, air conditioners" -> "Installation of furnaces": a title
    stops before a comma-separated list rather than in the middle of it."""
    for index, word in enumerate(kept[:-1]):
        if not word.endswith(",") or _dangles(kept[: index + 1]):
            continue
        if index >= 2 or kept[index + 1].lower() in _TITLE_CONJUNCTIONS:
            return kept[: index + 1]
    return kept


# Words that leave a phrase open when a title ends on them.
_OPEN_ENDINGS = _word_set(
    "a an the this that these those your our their its his her both either neither each every "
    "all any some more most very highly well as than not no own such other another several "
    "various multiple if you we they it who whom whose working alongside beside toward towards "
    "beyond around behind inside outside throughout upon per like over under about after before"
)
# Adjectives that need the noun after them when something other than adjectives comes first
# ("make tactical", "in data-efficient"); "Highly organized and detail-oriented" is whole.
_ADJECTIVE_WORDS = _word_set(
    "strong good great excellent outstanding exceptional superb clear solid sound deep broad "
    "wide fast quick rapid slow high low large small big tiny long short new modern current "
    "recent similar relevant complex simple key main major minor core strategic tactical "
    "technical consistent proven demonstrated advanced basic general specific particular "
    "related equivalent significant extensive substantial effective efficient independent "
    "motivated detailed organized organised careful accurate precise timely safe secure "
    "practical creative flexible reliable dependable friendly positive calm patient "
    "confident curious diverse dynamic global local national international regional "
    "internal external public private commercial clinical digital physical mental verbal "
    "written oral spoken fluent native formal informal full part senior junior early late "
    "daily weekly monthly annual regular occasional frequent heavy light hard soft sharp "
    "keen eager willing able ready open busy fresh prior previous additional further other "
    "hands-on"
)
_ADJECTIVE_SUFFIXES = ("ous", "ful", "ible", "able", "ical", "ive", "-paced", "-efficient")
_ADJECTIVE_HYPHEN_ENDS = (
    "paced", "efficient", "driven", "oriented", "based", "facing", "level", "quality", "scale",
    "focused", "minded", "friendly", "related", "specific", "critical",
)  # fmt: skip
# Hyphenated words are read as adjectives ("high-volume", "time-critical") unless they end
# like a noun ("self-starter", "follow-up").
_HYPHEN_NOUN_ENDS = _word_set(
    "starter up off in out how worker owner maker taker solver commerce member leader user "
    "end ends service services mail site"
)
_NOUNS_LIKE_ADJECTIVES = _word_set(
    "executive representative initiative objective perspective alternative incentive "
    "directive narrative table cable variable deliverable receivable payable"
)


def _adjective_like(word: str) -> bool:
    word = word.lower().strip(".,;:!?\"'“”‘’()")
    if word in _NOUNS_LIKE_ADJECTIVES:
        return False
    if word in _ADJECTIVE_WORDS:
        return True
    if "-" in word:
        end = word.rsplit("-", 1)[1]
        if end in _ADJECTIVE_HYPHEN_ENDS:
            return True
        # "e-filing", "problem-solving", "record-keeping": compounds on "-ing" name activities.
        return end not in _HYPHEN_NOUN_ENDS and len(end) > 2 and not end.endswith("ing")
    return len(word) > 5 and word.endswith(_ADJECTIVE_SUFFIXES)


def _dangles(words: list[str]) -> bool:
    """Whether a title made of `words` ends with a phrase left open: a determiner or a word
    like "both", or an adjective whose noun was cut off after other kinds of words."""
    # Words a title never ends on are clipped anyway ("community of" -> "community").
    while len(words) > 1 and words[-1].lower().strip(".,;:!?") in _TITLE_TAIL_WORDS:
        words = words[:-1]
    if not words:
        return False
    last = words[-1].lower().strip(".,;:!?\"'“”‘’")
    if last in _OPEN_ENDINGS:
        return True
    lowered = [word.lower().strip(",") for word in words]
    for opener, closer in (("both", "and"), ("either", "or"), ("between", "and")):
        # "Working both individually [and collaboratively]": the pair is left half open.
        if opener in lowered and closer not in lowered[lowered.index(opener) :]:
            return True
    if not _adjective_like(last):
        return False
    # An adjective whose noun was cut off: after a determiner, a preposition or a verb ("in
    # a fast-paced", "make tactical"), not as the last entry of a list or of an adjective
    # phrase ("problem solver, innovative", "Highly organized and detail-oriented").
    before = [word for word in words[:-1] if not word.lower().endswith("ly")]
    if not before:
        return False
    previous = before[-1]
    return not (
        previous.endswith(",")
        or previous.lower() in ("and", "or", "&")
        or _adjective_like(previous)
    )


_LOWER_WORD = re.compile(r"[a-z][a-z'’-]*")


def _clip_title(title: str) -> str:
    title = _squash(title)
    if len(title) > MAX_TITLE_CHARS:
        title = title[: MAX_TITLE_CHARS + 1].rsplit(" ", 1)[0]
    last = title.rpartition(" ")[2]
    if last and last[-1].isalnum() and last.lower() not in _TITLE_TAIL_WORDS:
        return _capitalised(title)  # nothing to trim, as most titles
    while True:
        trimmed = title.rstrip(" ,;:.!?-–—/&(*_")
        words = _words(trimmed)
        if len(words) > 1 and words[-1].lower() in _TITLE_TAIL_WORDS:
            trimmed = " ".join(words[:-1])
        if trimmed == title:
            break
        title = trimmed
    return _capitalised(title)


def _capitalised(title: str) -> str:
    # "two years of experience" -> "Two years of experience", but "dbt" and "iOS" stay as named.
    if not title[:1].islower():
        return title
    first, _, rest = title.partition(" ")
    if rest and _LOWER_WORD.fullmatch(first):
        return title[0].upper() + title[1:]
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
