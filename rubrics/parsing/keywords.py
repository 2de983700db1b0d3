"""Keywords: the entries of tool, language and field lists inside an item."""

from __future__ import annotations

import re

from .text import _has_letters, _word_set, _words

_PAREN = re.compile(r"\(([^()]*)\)")
_EXAMPLES = re.compile(
    r"\b(?:e\.g\.,?|such as|including|like)\s+(?P<list>.+?)(?=[;)(]|\.(?:\s|$)|$)"
)
_EXAMPLE_CUES = ("e.g", "such as", "including", "like")
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
    if "(" not in text and len(_NAME_SIGNS.findall(text, 1)) < _MIN_RUN:
        return ()  # every list outside brackets has two names, each with a capital or digit
    found: list[str] = []
    outside = text
    if "(" in text:
        for match in _PAREN.finditer(text):
            found.extend(_list_items(match.group(1), names_only=False))
        outside = _PAREN.sub(" ", text)
    if any(cue in outside for cue in _EXAMPLE_CUES):
        for match in _EXAMPLES.finditer(outside):
            found.extend(_list_items(match["list"], names_only=True))
    if "," in outside:
        for clause in _CLAUSE_BREAK.split(outside):
            found.extend(_enumerated_names(clause))
    for match in _SLASH_LIST.finditer(outside) if "/" in outside else ():
        parts = match.group().split("/")
        if all(_is_name_word(part) for part in parts):
            found.extend(parts)
    unique: dict[str, str] = {}
    for keyword in found:
        unique.setdefault(keyword.lower(), keyword)
    return tuple(unique.values())


_CLAUSE_BREAK = re.compile(r";|[.!?](?:\s|$)")
# "CV/RecSys/LLMs": three or more names joined by slashes ("TCP/IP" and "UI/UX" stay one name).
_SLASH_LIST = re.compile(r"(?<![\w/])[A-Za-z0-9+#.]+(?:/[A-Za-z0-9+#.]+){2,}(?![\w/])")
_MIN_RUN = 2
_NAME_SIGNS = re.compile(r"[A-Z0-9]")
_CONJUNCTION = re.compile(r"\s+(?:and|or|&)\s+")
# Capitalised only because they open the item: "Fluent English, French" names two languages.
_OPENING_WORDS = _word_set(
    "fluent fluency strong excellent good solid proven working advanced basic experience "
    "knowledge proficiency proficient familiarity expertise understanding background degree "
    "skills some any"
)


def _enumerated_names(clause: str) -> list[str]:
    """Names listed with commas in running text: "a focus on Computer Vision, Visual Search,
    or LLMs" gives the three names. A run of names ends at the first entry that is not one, and
    counts only when a comma separates two of its names ("Health and Social Care" is one)."""
    if "," not in clause or len(_NAME_SIGNS.findall(clause)) < _MIN_RUN:
        return []  # a run needs two names, and every name has a capital or a digit
    # "Golang, Rust or C++ services": a comma part may hold two entries.
    parts = [
        (comma, piece)
        for comma, part in enumerate(clause.split(","))
        for piece in _CONJUNCTION.split(part)
        if piece.strip(" .:'\"")
    ]
    found: list[str] = []
    run: list[tuple[int, str]] = []
    for number, (comma, part) in enumerate(parts):
        part = re.sub(r"^\s*(?:and|or|&)\s+", "", part.strip()).strip(" .:'\"")
        if run and _is_list_entry(part, names_only=True):
            run.append((comma, part))
            continue
        if run and number == len(parts) - 1 and (lead := _leading_name(part)):
            run.append((comma, lead))  # "..., or LLMs are welcome": names end where words do
        found.extend(_names_of_run(run))
        run = [(comma, tail)] if (tail := _trailing_name(part)) else []
    found.extend(_names_of_run(run))
    return found


def _names_of_run(run: list[tuple[int, str]]) -> list[str]:
    if len(run) < _MIN_RUN or len({comma for comma, _ in run}) < _MIN_RUN:
        return []
    return [name for _, name in run]


def _trailing_name(entry: str) -> str:
    """ "a focus on Computer Vision" -> "Computer Vision": the name words at the end."""
    words = _words(entry)
    count = 0
    while count < len(words) and _is_name_word(words[-1 - count]):
        count += 1
    while count and words[-count].lower() in _NAME_JOINERS | _OPENING_WORDS:
        count -= 1  # a name does not start with "of" or "and", nor with "Fluent"
    name = " ".join(words[len(words) - count :]).strip(" .,:;")
    return name if name and len(_words(name)) <= 4 and _has_letters(name, 1) else ""


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
