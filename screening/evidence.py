"""Evidence: the passages of a candidate's document that speak to each criterion of a rubric.

Pure Python (the standard library and ``snowballstemmer``), no Django: a service hands in the
criteria and the pages' text and stores what comes back. The evidence is a pointer for the
reviewer, who still decides the level.

What is searched for, per criterion (``search_terms``):

- its keywords, as written ("C++", "PyTorch", "Node.js");
- its *key phrases*: the runs of content words in its title and text, once stop words and
  requirement boilerplate ("experience", "strong", "knowledge of", "years", "related field")
  are dropped, each run cut into phrases of at most three words. "Currently pursuing a PhD in
  Computer Science, Machine Learning, or a related field" gives "PhD", "Computer Science" and
  "Machine Learning". This is a chunker, not a grammar: runs of content words are what noun
  phrases look like in requirement text, and it needs no language model;
- for a screening question (kind "screening"), the terms of its topic too: a work
  authorisation question also looks for "authorized to work", "visa", "citizen", "permanent
  resident"; a relocation question for "relocate"; a driving question for "driving licence".

How a term matches (``term_pattern``), all in one regular expression per criterion:

- case-insensitively, and tolerant of inflection: an ordinary word is reduced to its Snowball
  (Porter 2) stem, and the stem matches with any common English ending ("analysis",
  "analyses", "analysing"; "study", "studies"; "authorised", "authorized"; "licence",
  "licensed"). A whole word is needed: "Java" never matches inside "JavaScript";
- names keep their punctuation but not its exact form: the parts of "Node.js", "CI/CD",
  "PyTorch", "PhD" or "M.Sc." (split at dots, slashes, hyphens and changes of case) may be
  joined by a dot, a space, a hyphen or nothing, so "NodeJS", "Py Torch", "Ph. D." and
  "MSc" match; a short all-capitals name ("AWS", "MBA") matches in capitals only, dots
  between its letters allowed ("M.B.A."); "C++", "C#" and ".NET" match as written (".NET" also
  as "ASP.NET" and "dotnet", never inside an address such as "example.net"); a one-letter
  name ("C", "R") matches in capitals, alone: never the "C" of "C++", "C#" or "Objective-C".

Matches on a page less than half a snippet apart are merged into one passage; a criterion
keeps at most ``max_passages`` passages, in page order, and counts every match.
"""

from __future__ import annotations

import os
import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

__all__ = [
    "CompiledCriterion",
    "CriterionEvidence",
    "EvidenceCriterion",
    "Passage",
    "compile_criteria",
    "find_evidence",
    "key_phrases",
    "search_terms",
    "term_pattern",
]

MAX_PASSAGES = 5
SNIPPET_CHARS = 120
MAX_PHRASE_WORDS = 3
SCREENING = "screening"


@dataclass(frozen=True)
class EvidenceCriterion:
    """What the matcher needs of a criterion: its id, kind ("must_have", "bonus",
    "screening"), title, text (the posting's words) and keywords."""

    id: Hashable
    kind: str = "must_have"
    title: str = ""
    text: str = ""
    keywords: Sequence[str] = ()


@dataclass(frozen=True)
class Passage:
    """One place in the document: ``page`` (1-based), the span ``start``–``end`` of the
    matched text in that page's text, a ``snippet`` of about 120 characters around it (cut
    at word boundaries, "…" where cut, whitespace collapsed) in which ``highlight`` is the
    span of the match, and the ``terms`` that matched there."""

    page: int
    start: int
    end: int
    snippet: str
    highlight: tuple[int, int]
    terms: tuple[str, ...]

    @property
    def term(self) -> str:
        return self.terms[0]

    def to_dict(self) -> dict:
        return {
            "page": self.page,
            "start": self.start,
            "end": self.end,
            "snippet": self.snippet,
            "highlight": list(self.highlight),
            "terms": list(self.terms),
        }


@dataclass(frozen=True)
class CriterionEvidence:
    """The passages found for one criterion, the terms searched for, and how many matches
    there were in all (``passages`` holds at most ``max_passages`` of them, merged)."""

    criterion_id: Hashable
    terms: tuple[str, ...]
    passages: tuple[Passage, ...]
    match_count: int

    def to_dict(self) -> dict:
        return {
            "criterion_id": self.criterion_id,
            "terms": list(self.terms),
            "passages": [passage.to_dict() for passage in self.passages],
            "match_count": self.match_count,
        }


@dataclass(frozen=True)
class CompiledCriterion:
    """A criterion with its terms and their one regular expression (None: nothing to find)."""

    criterion: EvidenceCriterion
    terms: tuple[str, ...]
    regex: re.Pattern | None


def find_evidence(
    criteria: Iterable[EvidenceCriterion | CompiledCriterion],
    pages: Sequence[str],
    *,
    max_passages: int = MAX_PASSAGES,
    snippet_chars: int = SNIPPET_CHARS,
) -> list[CriterionEvidence]:
    """Per criterion, in the order given, the passages of ``pages`` (page 1 first) that match
    its terms. Compile the criteria once with ``compile_criteria`` to search many documents."""
    found = []
    for compiled in compile_criteria(criteria):
        matches: list[tuple[int, int, int, str]] = []
        if compiled.regex is not None:
            for number, text in enumerate(pages, start=1):
                matches.extend(
                    (number, m.start(), m.end(), compiled.terms[int(m.lastgroup[1:])])
                    for m in compiled.regex.finditer(text)
                )
        passages = _passages(matches, pages, max_passages, snippet_chars)
        found.append(
            CriterionEvidence(compiled.criterion.id, compiled.terms, passages, len(matches))
        )
    return found


def compile_criteria(
    criteria: Iterable[EvidenceCriterion | CompiledCriterion],
) -> list[CompiledCriterion]:
    """Each criterion with its search terms and one regular expression holding them all,
    longest term first (so "machine learning" wins over "machine" where both start)."""
    compiled = []
    for criterion in criteria:
        if isinstance(criterion, CompiledCriterion):
            compiled.append(criterion)
            continue
        terms = tuple(search_terms(criterion))
        branches = [
            f"(?P<t{index}>{term_pattern(term)})"
            for index, term in sorted(enumerate(terms), key=lambda pair: -len(pair[1]))
        ]
        regex = re.compile("|".join(branches), re.IGNORECASE) if branches else None
        compiled.append(CompiledCriterion(criterion, terms, regex))
    return compiled


def search_terms(criterion: EvidenceCriterion) -> list[str]:
    """The keywords, then the key phrases of the title and text, then (screening questions)
    the topic's terms; each once, however it is spelt."""
    keywords = [keyword.strip() for keyword in criterion.keywords if keyword.strip()]
    keyword_keys = [f" {_spelling_key(keyword)} " for keyword in keywords]
    candidates = keywords + [
        phrase
        for phrase in key_phrases(criterion.title) + key_phrases(criterion.text)
        # "User" out of "User Understanding" (a keyword, whose last word is a stop word).
        if not any(f" {_spelling_key(phrase)} " in key for key in keyword_keys)
    ]
    if criterion.kind == SCREENING:
        question = f"{criterion.title} {criterion.text}"
        for topic, terms in _SCREENING_TOPICS:
            if topic.search(question):
                candidates += terms
    terms, seen = [], set()
    for term in candidates:
        key = _spelling_key(term)
        if key and key not in seen and term_pattern(term):
            seen.add(key)
            terms.append(term)
    return terms


def _spelling_key(term: str) -> str:
    """One key for the spellings of a term: "PyTorch" and "Pytorch", "Node.js" and "NodeJS",
    "relocate" and "relocation"."""
    term = _ALIASES.get(_compact(term), term)
    return " ".join(_canonical_stem(re.sub(r"[.\-/]", "", token.lower())) for token in term.split())


def key_phrases(text: str) -> list[str]:
    """Runs of content words in ``text`` (stop words, requirement boilerplate, numbers and
    punctuation break a run), each cut into phrases of at most three words."""
    phrases = []
    for clause in _CLAUSE_BREAK.split(text):
        run: list[str] = []
        for raw in clause.split():
            token = _clean_token(raw)
            parts = _split_name_list(token) if token else []
            if len(parts) != 1 or _is_stop_word(parts[0]):
                phrases += _chunks(run)
                run = []
                phrases += [part for part in parts if not _is_stop_word(part)]
                continue
            run.append(parts[0])
        phrases += _chunks(run)
    return phrases


def term_pattern(term: str) -> str:
    """The regular expression (no capturing groups; used with re.IGNORECASE) that finds
    ``term`` in a page, as the module's docstring describes; "" for a term with no letters
    or digits."""
    return _term_pattern(" ".join(term.split()))


@lru_cache(maxsize=4096)
def _term_pattern(term: str) -> str:
    alias = _ALIASES.get(_compact(term))
    if alias is not None:
        term = alias
    special = _SPECIAL_NAMES.get(term.lower())
    if special is not None:
        return special
    tokens = [_clean_token(token) for token in term.split()]
    patterns = [_token_pattern(token) for token in tokens if token]
    patterns = [pattern for pattern in patterns if pattern]
    if not patterns:
        return ""
    body = _PHRASE_JOIN.join(patterns)
    return rf"(?<![\w+#]){body}(?![\w+#])"


def _word_list(text: str) -> list[str]:
    return text.split()


# Between the words of a phrase: spaces (a line break too), or a hyphen or slash.
_PHRASE_JOIN = r"(?:\s*[-/]\s*|\s+)"
# Between the parts of a name ("Node" "js", "Ph" "D", "CI" "CD"): a dot, a space, a
# hyphen, a slash, an ampersand, or nothing.
_PART_JOIN = r"(?:\.\s?|\s?[/&-]\s?|\s)?"
_VERSION = r"(?:\s?v?\d+(?:\.\d+)*)?"
_POSSESSIVE = r"(?:['’]s|s['’])?"
# Endings a stem may take (with its last consonant doubled: "running", "modelling").
_ENDINGS = _word_list(
    "s es e ed ing ings er ers or ors y ies ied ier iest ying is ise ises ised ising isation "
    "isations ize izes ized izing ization izations ate ates ated ating ation ations al ally "
    "ment ments ic ics ical eer eers eering ship "
    "ships ly ness"
)
_SUFFIX = "(?:" + "|".join(sorted(_ENDINGS, key=len, reverse=True)) + ")?"
_STEMMER = snowballstemmer.stemmer("english")


def _token_pattern(token: str) -> str:
    token = _ALIASES.get(_compact(token), token)
    special = _SPECIAL_NAMES.get(token.lower())
    if special is not None:
        return special
    if _ACRONYM_PLURAL.fullmatch(token):
        token = token[:-1]  # "LLMs", "APIs": the acronym, whose pattern takes an "s"
    letters = re.sub(r"[^A-Za-z]", "", token)
    if "+" in token or "#" in token:
        return re.escape(token)
    if len(token) == 1 and token.isalpha():
        # "C", "R": capitals only, alone, never part of "C++", "C#", "Objective-C", "R&D".
        return rf"(?<![\w+#.&'’-])(?-i:{re.escape(token.upper())})(?![\w+#&'’-]|\.\w)"
    parts = _NAME_PART.findall(token)
    if len(parts) == 1 and token.isalpha() and token.isupper() and 2 <= len(token) <= 4:
        dotted = r"\.?".join(re.escape(letter) for letter in token)
        return rf"(?-i:{dotted})\.?(?:s\b)?"
    if len(parts) > 1 or not token.replace("'", "").replace("’", "").isalpha():
        # A name with parts: "Node.js", "PyTorch", "PhD", "CI/CD", "Python3", "driver's".
        pieces = [
            re.escape(part).replace("'", "['’]").replace("’", "['’]")
            for part in parts
            if part.strip(".-/")
        ]
        return _PART_JOIN.join(pieces) + r"\.?" + (r"(?:s\b)?" if letters else "")
    return _word_pattern(token.lower())


_ACRONYM_PLURAL = re.compile(r"[A-Z]{2,4}s")
# The parts of a name: runs of capitals ("JS", "D"), a capital and lower case ("Ph", "Torch"),
# digits, or an apostrophe form ("driver's").
_NAME_PART = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+(?:['’][a-z]+)?|\d+")


def _word_pattern(word: str) -> str:
    """An ordinary word: itself, or its stem with any common ending."""
    word = re.sub(r"['’]s$", "", word)
    if _is_stop_word(word) or len(word) < 4:
        return re.escape(word) + ("(?:s|es)?" if len(word) >= 3 else "")
    stem = _canonical_stem(word)
    spelled = _BRITISH.sub(r"iz\1", word)
    if not spelled.startswith(stem):
        stem = os.path.commonprefix([spelled, stem])
    if len(stem) < 3:
        return re.escape(word) + _POSSESSIVE
    prefix = _spelling_variants(re.escape(stem))
    return (
        rf"(?:{re.escape(word)}(?:s|es)?|{prefix}{re.escape(stem[-1])}?{_SUFFIX})"
        rf"{_VERSION}{_POSSESSIVE}"
    )


@lru_cache(maxsize=8192)
def _canonical_stem(word: str) -> str:
    """The Snowball stem of the American spelling, less a final "i" (Snowball's "y":
    "studi" for "study", "analysi" for "analysis" while "analyses" gives "analys")."""
    stem = _STEMMER.stemWord(_BRITISH.sub(r"iz\1", word))
    return stem[:-1] if stem.endswith("i") and len(stem) > 3 else stem


_BRITISH = re.compile(r"(?<=\w{3})is(e|ed|es|ing|ation|ations)$")


def _spelling_variants(prefix: str) -> str:
    """Let a stem match both spellings: licence/license, analyse/analyze, organise/organize."""
    prefix = re.sub(r"licen[cs]$", "licen[cs]", prefix)
    return re.sub(r"(?<=[iy])[sz]$", "[sz]", prefix)


def _passages(
    matches: list[tuple[int, int, int, str]],
    pages: Sequence[str],
    max_passages: int,
    snippet_chars: int,
) -> tuple[Passage, ...]:
    matches.sort()
    gap = snippet_chars // 2
    merged: list[list] = []
    for page, start, end, term in matches:
        last = merged[-1] if merged else None
        if last is not None and last[0] == page and start <= last[2] + gap:
            last[2] = max(last[2], end)
            if term not in last[3]:
                last[3].append(term)
            continue
        if len(merged) == max_passages:
            break
        merged.append([page, start, end, [term]])
    return tuple(
        _passage(pages[page - 1], page, start, end, terms, snippet_chars)
        for page, start, end, terms in merged
    )


def _passage(text: str, page: int, start: int, end: int, terms: list[str], width: int) -> Passage:
    context = max(0, width - (end - start))
    left, right = start - context // 2, end + context - context // 2
    # Context the page cannot give on one side goes to the other.
    if left < 0:
        left, right = 0, right - left
    if right > len(text):
        left, right = max(0, left - (right - len(text))), len(text)
    if left > 0 and not text[left - 1].isspace():
        space = _first_space(text, left, start)
        left = start if space is None else space + 1
    if right < len(text) and not text[right].isspace():
        space = _LAST_SPACE.search(text, end, right)
        right = end if space is None else space.start()
    before = _SPACES.sub(" ", text[left:start]).lstrip()
    match = _SPACES.sub(" ", text[start:end])
    after = _SPACES.sub(" ", text[end:right]).rstrip()
    opening = "…" if left > 0 else ""
    closing = "…" if right < len(text) else ""
    snippet = f"{opening}{before}{match}{after}{closing}"
    highlight = (len(opening) + len(before), len(opening) + len(before) + len(match))
    return Passage(page, start, end, snippet, highlight, tuple(terms))


def _first_space(text: str, begin: int, end: int) -> int | None:
    found = _SPACE.search(text, begin, end)
    return found.start() if found else None


_SPACE = re.compile(r"\s")
_LAST_SPACE = re.compile(r"\s(?=\S*$)")
_SPACES = re.compile(r"\s+")


# --- Key phrases -----------------------------------------------------------------------------

_CLAUSE_BREAK = re.compile(r"[,;:()\[\]{}!?\"“”•·|]|\.(?=\s|$)|\s[-–—]\s")


def _clean_token(raw: str) -> str:
    """A word as it stands in a phrase: outer quotes and punctuation dropped, "C++", "C#",
    ".NET" and inner dots ("Node.js", "Ph.D") kept."""
    token = raw.strip("'’\"“”‘`*_,;:!?()[]{}<>")
    if token.startswith(".") and token[1:2].isalpha():
        return "." + token[1:].rstrip(".-/")  # ".NET"
    return token.strip(".-/")


def _split_name_list(token: str) -> list[str]:
    """'Python/Java' names two things; 'CI/CD' and 'TCP/IP' name one."""
    if "/" not in token:
        return [token]
    parts = [part for part in token.split("/") if part]
    if all(len(part) <= 3 for part in parts):
        return [token]
    return parts


def _chunks(run: list[str]) -> list[str]:
    return [
        " ".join(run[index : index + MAX_PHRASE_WORDS])
        for index in range(0, len(run), MAX_PHRASE_WORDS)
    ]


def _is_stop_word(token: str) -> bool:
    lowered = token.lower()
    return lowered in _STOP_WORDS or not any(c.isalpha() for c in lowered)


_STOP_WORDS = frozenset(
    _word_list(
        """
    a an the and or nor but if then than so as at by for from in into of on onto to over
    under with within without via per vs about across after before between during through
    up down out off is are was were be been being am has have had having do does did done
    will would shall should can could may might must need needs needed not no yes all any
    both each either every few many more most much other others some such own same very
    too also just only well even still ever this that these those it its it's their them
    they we our us you your yours he she his her who whom whose which what when where why
    how there here i me my e.g eg i.e ie etc al plus ideally ideal preferably preferred
    prefer required require requires requirement requirements minimum least strong strongly
    solid proven excellent good great deep demonstrated demonstrable ability able abilities
    knowledge understanding familiarity familiar proficiency proficient skills skill skilled
    experience experienced expertise background years year yrs yr months month related
    relevant field fields area areas equivalent similar bonus nice currently pursuing
    candidate candidates someone role roles team teams tool tools using use used including
    include includes included one two three four five level hands-on hands track record
    work working works job jobs new effective effectively comfortable passion passionate
    desire eager interest interested like love enjoy ensure help willing happy open able
    must-have towards toward focus mastery technical degree degrees
    must-haves qualification qualifications responsibilities degree-level practical
    """
    )
)


# --- Screening questions --------------------------------------------------------------------

_SCREENING_TOPICS = [
    (
        re.compile(
            r"authori[sz]|work permit|right to work|\bvisas?\b|sponsor|citizen|eligib|legally"
            r"|permanent resident|green card",
            re.IGNORECASE,
        ),
        [
            "authorized to work",
            "work authorization",
            "work permit",
            "right to work",
            "visa",
            "sponsorship",
            "citizen",
            "citizenship",
            "permanent resident",
            "green card",
        ],
    ),
    (
        re.compile(r"relocat|move to|based in|commut|on-?site|in[- ]office|hybrid", re.IGNORECASE),
        ["relocate", "willing to relocate", "based in", "commute", "on-site", "hybrid"],
    ),
    (
        re.compile(r"driv(?:ing|er)|vehicle|\bcar\b", re.IGNORECASE),
        ["driving licence", "driver's licence", "clean licence", "own vehicle", "own car"],
    ),
    (re.compile(r"travel", re.IGNORECASE), ["travel", "willing to travel"]),
    (
        re.compile(r"shift|weekend|night|evening|overtime|on[- ]call", re.IGNORECASE),
        ["shifts", "weekends", "nights", "evenings", "on-call", "availability"],
    ),
    (
        re.compile(r"clearance|vetting|background check", re.IGNORECASE),
        ["security clearance", "clearance", "vetting", "background check"],
    ),
    (
        re.compile(r"\bstart\b|notice period|availab", re.IGNORECASE),
        ["notice period", "available from", "start date", "immediately"],
    ),
]


# --- Names --------------------------------------------------------------------------------------

# Spellings of one name, by their letters and digits with spaces and dots dropped.
_ALIASES = {
    "phd": "PhD",
    "dphil": "DPhil",
    "msc": "MSc",
    "bsc": "BSc",
    "meng": "MEng",
    "beng": "BEng",
    "mba": "MBA",
    "nodejs": "Node.js",
    "vuejs": "Vue.js",
    "nextjs": "Next.js",
    "reactjs": "React.js",
    "cicd": "CI/CD",
    "dotnet": ".NET",
    "cpp": "C++",
    "pytorch": "PyTorch",
    "tensorflow": "TensorFlow",
    "javascript": "JavaScript",
    "typescript": "TypeScript",
    "postgresql": "PostgreSQL",
    "graphql": "GraphQL",
    "github": "GitHub",
    "gitlab": "GitLab",
    "csharp": "C#",
}
_SPECIAL_NAMES = {
    "c++": r"(?<![\w+#])(?:c\+\+|cpp)(?![\w+#])",
    "c#": r"(?<![\w+#])(?:c\s?#|c-?sharp)(?![\w+#])",
    ".net": r"(?<![\w.@/-])(?:(?:asp|ado|vb)\.net|\.net|dot\s?net)(?!\w|\.\w)",
}
_SPECIAL_NAMES["asp.net"] = _SPECIAL_NAMES[".net"]


def _compact(term: str) -> str:
    return re.sub(r"[\s.]", "", term.lower())
