"""Rating scales and the default anchor text for each level: pure, no Django.

An anchor says what a rating looks like for one criterion, so reviewers
read the same bar. Anchors are written for the criterion's type (years,
skills, education, licence, language, portfolio, experience, trait,
eligibility, general) and quote the posting's own numbers and lists: "3+
years" gives "Fewer than 2 years of …" up to "Well beyond 3 years, e.g.
6+ …", a skills list gives "None of Java, C++ or Python …" up to "All of …
with depth". A requirement is only ever quoted (“…”), never spliced into a
sentence, so the text stays grammatical whatever the posting's wording
("Comfortable with remote work", "Must be detail-oriented"). The
generated text is a starting point that recruiters edit before publishing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rubrics.criterion_types import LANGUAGE_NAMES, CriterionType, classify

SCALE_LABELS: dict[int, tuple[str, ...]] = {
    4: ("Does not meet", "Partially meets", "Meets", "Exceeds"),
    5: ("Does not meet", "Partially meets", "Meets", "Exceeds", "Far exceeds"),
}
SCALE_MIN = 1
MAX_ANCHOR_CHARS = 300

_LIST_SHOWN = 8  # list items quoted before "and N more"


def level_labels(scale_max: int) -> tuple[str, ...]:
    """The label of each level of a 1–`scale_max` scale, lowest first."""
    try:
        return SCALE_LABELS[scale_max]
    except KeyError:
        raise ValueError(f"A rating scale runs 1–4 or 1–5, not 1–{scale_max}.") from None


def default_knockout_level(scale_max: int) -> int:
    """Must-haves fail when the consensus is below "Partially meets": one
    reviewer's doubt alone does not knock a candidate out."""
    level_labels(scale_max)
    return 2


def default_anchors(
    *,
    title: str,
    text: str,
    keywords: Iterable[str],
    scale_max: int,
    type: CriterionType | str | None = None,  # noqa: A002 - the criterion's field name
) -> list[str]:
    """One anchor per level of the scale, lowest first, written for the criterion's type
    (classified from its wording when `type` is None) and quoting the posting's numbers and
    lists. Each anchor is a plain sentence of at most MAX_ANCHOR_CHARS characters."""
    five = len(level_labels(scale_max)) == 5
    kind = CriterionType(type) if type else classify(text, title, tuple(keywords))
    req = _Requirement.of(title=title, text=text, keywords=keywords)
    anchors = _WRITERS[kind](req, five)
    return [_fit(anchor) for anchor in anchors]


# ---------------------------------------------------------------------------------------------
# Phrases quoted from the posting.

_DANGLING = re.compile(
    r"(?:[\s,;:(\-–—/&]+|\s+(?:a|an|the|and|or|nor|but|of|to|in|on|at|for|with|by|from|as|into"
    r"|via|per|than|such|like|including|e\.g\.|i\.e\.|etc|is|are|be|which|that|who|while|if"
    r"|when|where|your|our|their|its|this|these|those|any|some|both|either|not))+$",
    re.IGNORECASE,
)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _trim(text: str, limit: int) -> str:
    """`text` on one line, cut at a word boundary to `limit` characters, without a dangling
    preposition, article, conjunction or punctuation at the end; "…" marks a cut."""
    text = _flat(text).strip(' .;:,-–—•*"“”')
    cut = len(text) > limit
    if cut:
        text = text[: limit + 1].rsplit(" ", 1)[0]
    previous = None
    while previous != text:
        previous = text
        text = _DANGLING.sub("", text).rstrip(" .;:,")
    if text.count("(") > text.count(")"):
        text = text[: text.rfind("(")].rstrip(" ,;:")
        text = _DANGLING.sub("", text)
    return text + "…" if cut and text else text


def _quote(text: str, limit: int) -> str:
    trimmed = _trim(text, limit)
    return f"“{trimmed}”" if trimmed else "this requirement"


def _join(items: tuple[str, ...], conjunction: str) -> str:
    shown = list(items[:_LIST_SHOWN])
    if len(items) > _LIST_SHOWN:
        return f"{', '.join(shown)} {conjunction} {len(items) - _LIST_SHOWN} more"
    if len(shown) == 1:
        return shown[0]
    return f"{', '.join(shown[:-1])} {conjunction} {shown[-1]}"


def _article(phrase: str) -> str:
    """'a' or 'an' before `phrase`, by sound: "an MSc", "a PhD", "an associate's degree"."""
    first = phrase.lstrip("“\"'(")
    if not first:
        return "a"
    abbreviation = len(first) > 1 and (first[1].isupper() or first[1] == ".")
    if abbreviation:
        return "an" if first[0] in "AEFHILMNORSX" else "a"
    return "an" if first[0].lower() in "aeiou" else "a"


def _fit(anchor: str) -> str:
    # A quoted phrase cut with "…" must not be followed by a second full stop.
    anchor = _flat(anchor).replace("….", "…").replace("…”.", "…”.")
    if len(anchor) <= MAX_ANCHOR_CHARS:
        return anchor
    return anchor[: MAX_ANCHOR_CHARS - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


_LIST_INTRO = re.compile(
    r"\((?P<paren>[^()]{3,200})\)|(?:such as|like|including|e\.g\.,?|i\.e\.,?)\s*:?\s*"
    r"(?P<after>[^.;()]{3,200})",
    re.IGNORECASE,
)
_LIST_SPLIT = re.compile(r"\s*(?:,|;|/|\band/or\b|\band\b|\bor\b|&)\s*", re.IGNORECASE)


def _extract_list(text: str) -> tuple[str, ...]:
    """Short items of the first list the text names in parentheses or after "such as",
    "like", "including", "e.g.": two or more, each at most four words."""
    for match in _LIST_INTRO.finditer(text):
        raw = match.group("paren") or match.group("after")
        raw = re.sub(r"^\s*(?:e\.g\.|i\.e\.|such as|like)\s*,?\s*", "", raw, flags=re.I)
        parts = [p.strip(" .:-–") for p in _LIST_SPLIT.split(raw)]
        parts = [p for p in parts if p and p.lower() not in {"etc", "etc."}]
        if len(parts) >= 2 and all(len(p.split()) <= 4 for p in parts):
            return tuple(dict.fromkeys(parts))
    return ()


@dataclass(frozen=True)
class _Requirement:
    title: str  # the item's title, tidied; may be empty
    text: str  # the item's text on one line
    keywords: tuple[str, ...]

    @classmethod
    def of(cls, *, title: str, text: str, keywords: Iterable[str]) -> _Requirement:
        words = tuple(dict.fromkeys(k.strip() for k in keywords if k and k.strip()))
        return cls(title=_trim(title, 120), text=_flat(text), keywords=words)

    @property
    def name(self) -> str:
        """The requirement, quoted: its title, else the start of its text."""
        if self.title:
            return _quote(self.title, 80)
        if self.text:
            return _quote(self.text, 80)
        return "this requirement"

    @property
    def asked(self) -> str:
        """What the posting asks, quoted from its text (or title)."""
        return _quote(self.text, 140) if self.text else self.name

    @property
    def examples(self) -> str:
        return f" (e.g. {_join(self.keywords, 'and')})" if self.keywords else ""

    @property
    def items(self) -> tuple[str, ...]:
        """The listed skills or tools: the keywords, else a list the text names."""
        if len(self.keywords) >= 2:
            return self.keywords
        return _extract_list(self.text) or self.keywords


# ---------------------------------------------------------------------------------------------
# Writers: each returns the 4-point anchors, or the 5-point ones when `five`.

Writer = Callable[[_Requirement, bool], list[str]]

_NUMBER_WORDS = {
    word: number
    for number, word in enumerate(
        (
            *("zero", "one", "two", "three", "four", "five", "six", "seven"),
            *("eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen"),
        )
    )
}
_NUMBER = r"\d+(?:\.\d+)?|" + "|".join(_NUMBER_WORDS) + "|a"
_YEARS_ASKED = re.compile(
    rf"(?P<asked>(?:(?:at least|a minimum of|minimum of|minimum|more than|over)\s+)?"
    rf"(?P<low>{_NUMBER})\s*(?P<plus>\+|plus)?\s*(?:(?:-|–|to)\s*(?P<high>\d+)\s*\+?\s*)?"
    r"(?:or more\s+)?(?:full[- ]time\s+)?years?)\b(?!\s*(?:of age|old))(?P<rest>[^.;()]*)",
    re.IGNORECASE,
)
_FIELD = re.compile(
    r"^\s*(?:of\s+)?(?P<field>(?:[\w/&'’+#.-]+\s+){0,6}?experience[ds]?\b"
    r"(?:\s+(?:(?:in|with|as|of|on|at)\s+|(?=\w+ing\b))[^,;]+)?)",
    re.IGNORECASE,
)
_PLAIN_FIELD = re.compile(r"^\s*(?:of|in|with)\s+(?P<field>[^,;]+)", re.IGNORECASE)
# Where the field stops: "... in marketing is strongly preferred", "... preferably in Kotlin".
_FIELD_END = re.compile(
    r"\s+(?:is|are|was|would|will|should|must|preferred|required|desired|preferably|ideally"
    r"|strongly|highly|a plus|an advantage|needed)\b",
    re.IGNORECASE,
)
# "Two years repairing boilers": the years are spent doing something.
_DOING_FIELD = re.compile(r"^\s*(?P<field>\w+ing\b[^,;]*)", re.IGNORECASE)


def _number(word: str) -> float:
    word = word.lower()
    if word == "a":
        return 1
    return _NUMBER_WORDS.get(word) or float(word)


def _n(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def _years(req: _Requirement, five: bool) -> list[str]:
    match = next(
        (
            m
            for m in _YEARS_ASKED.finditer(req.text)
            if m.group("low").lower() != "a" or re.search(r"least|minimum|over", m.group(0))
        ),
        None,
    )
    if match is None:
        return _experience(req, five)
    low = _number(match.group("low"))
    high = float(match.group("high")) if match.group("high") else None
    asked = f"“{_flat(match.group('asked'))}”"
    rest = match.group("rest")
    found = _FIELD.match(rest) or _PLAIN_FIELD.match(rest) or _DOING_FIELD.match(rest)
    title = _trim(req.title, 60)
    if found:
        field = _trim(_FIELD_END.split(found.group("field"), maxsplit=1)[0], 70)
        if found.re is _DOING_FIELD:
            field = f"experience {field}"
    elif title and not _YEARS_ASKED.search(title) and "experience" in title.lower():
        field = title[0].lower() + title[1:] if title[1:2].islower() else title
    elif title and not _YEARS_ASKED.search(title):
        field = f"experience in {title}"
    else:
        field = "relevant experience"
    top = high or low
    if low <= 1:
        below = f"No {field} yet, or only coursework."
        near = f"Less than a year of {field}, e.g. an internship or a few months."
        meets = f"A year or more of {field}, as the posting asks ({asked})."
        far = 3
    else:
        fewer = "Less than a year" if low - 1 <= 1 else f"Fewer than {_n(low - 1)} years"
        below = f"{fewer} of {field}, short of the {asked} asked."
        near = f"About {_n(low - 1)}–{_n(low)} years of {field}: close to {asked}, not yet there."
        span = f"{_n(low)}–{_n(high)} years" if high else f"{_n(low)} or more years"
        meets = f"{span} of {field}, as the posting asks ({asked})."
        far = max(2 * low, top + 2)
    beyond = "a year" if top <= 1 else f"{_n(top)} years"
    if not five:
        return [
            below,
            near,
            meets,
            f"Well beyond {beyond}, e.g. {_n(far)}+ years of {field}, or leading others in it.",
        ]
    return [
        below,
        near,
        meets,
        f"Well beyond {beyond}, e.g. {_n(far)}+ years of {field}.",
        f"Far beyond {beyond}, e.g. {_n(far + max(top, 2))}+ years of {field}, "
        f"or leading others in it.",
    ]


_ANY_OF = re.compile(
    r"\b(?:at least (?:one|1)|one or more|(?:any )?one of|any of|either)\b", re.IGNORECASE
)


_PAREN_GROUP = re.compile(r"\(([^()]+)\)")


def _keyword_groups(text: str, keywords) -> list[list[str]]:
    """The parenthesised lists of `text` made of its keywords, each as a list, in order."""
    known = {k.lower(): k for k in keywords}
    groups = []
    for match in _PAREN_GROUP.finditer(text):
        entries = [e.strip(" .") for e in re.split(r",|/|\bor\b|\band\b", match.group(1))]
        group = [known[e.lower()] for e in entries if e.lower() in known]
        if len(group) >= 2:
            groups.append(group)
    return groups


def _skills(req: _Requirement, five: bool) -> list[str]:
    items = req.items
    if len(items) < 2:
        subject = req.name
        anchors = [
            f"No evidence in the application for {subject}.",
            f"Basic or indirect evidence for {subject}: mentioned, or used only briefly.",
            f"Clear evidence for {subject} in concrete work or study{req.examples}.",
            f"Depth beyond the ask for {subject}: sustained, substantial work{req.examples}, "
            f"or teaching others.",
        ]
        top = f"Recognised expertise in {subject}: among the strongest a reviewer is likely to see."
        return [*anchors, top] if five else anchors
    either, every = _join(items, "or"), _join(items, "and")
    groups = _keyword_groups(req.text, items)
    if _ANY_OF.search(req.text) and len(groups) >= 2:
        # "one language (Java, C++, Python) and one framework (Tensorflow, Pytorch)": one of
        # each group meets the ask.
        alternatives = [_join(group, "or") for group in groups]
        each = " and one of ".join(alternatives)
        anchors = [
            f"None of the listed tools shown with evidence ({'; '.join(alternatives)}).",
            f"Only some of the groups covered ({'; '.join(alternatives)}), or tools only "
            "listed without evidence of use.",
            f"One of {each}, each backed by concrete work, as the posting asks.",
            f"Several of {every} backed by concrete work, or one of each with sustained depth.",
        ]
        top = f"Depth across {every}, with recognised expertise in at least one."
        return [*anchors, top] if five else anchors
    if _ANY_OF.search(req.text):
        # "at least one language (Python, Go, Java)": one of the list meets the ask.
        anchors = [
            f"None of {either} shown with evidence (work, projects or study).",
            f"One of {either}, but only listed or used briefly.",
            f"At least one of {either}, backed by concrete work, as the posting asks.",
            f"Several of {either} backed by concrete work, or one with sustained depth.",
        ]
        top = f"Depth in several of {either}, with recognised expertise in at least one."
        return [*anchors, top] if five else anchors
    if len(items) == 2:
        some = f"One of {either}, or both only listed without evidence of use."
        most = f"Both {every}, backed by concrete work."
    else:
        some = f"One or two of {either}, or only listed without evidence of use."
        most = f"Most of {every}, each backed by concrete work."
    anchors = [f"None of {either} shown with evidence (work, projects or study).", some, most]
    if not five:
        return [*anchors, f"All of {every} with depth: sustained, substantial work in each."]
    return [
        *anchors,
        f"All of {every}, each backed by concrete work.",
        f"All of {every} with depth, plus related tools beyond the list or recognised expertise.",
    ]


_DEGREE = (
    r"(?:high school diploma|GED|associate['’]?s?(?: degree)?|bachelor['’]?s?(?: degree)?"
    r"|master['’]?s?(?: degree)?|Ph\.?\s?D\.?(?: degree)?|doctorate|doctoral degree|MBA|MSc|BSc"
    r"|M\.[AS]\.|B\.[AS]\.|BEng|MEng|MD|degree)"
)
_DEGREE_ASKED = re.compile(rf"(?P<degree>{_DEGREE}(?:\s+or\s+{_DEGREE})?)", re.IGNORECASE)
_DEGREE_FIELD = re.compile(
    r"^\s*(?:degree\s+)?(?:in|of)\s+(?P<field>[^.;()]+?)"
    r"(?=\s+(?:with|and a|and at|is|are|or equivalent|preferred|required|from)\b|[.;()]|$)",
    re.IGNORECASE,
)
_IN_PROGRESS = re.compile(
    r"pursuing|working towards?|enrolled|currently (studying|a student)|\bstudent\b"
    r"|near completion|completion or near|final[- ]year|in progress|candidate for",
    re.IGNORECASE,
)


def _education(req: _Requirement, five: bool) -> list[str]:
    match = _DEGREE_ASKED.search(req.text) or _DEGREE_ASKED.search(req.title)
    if match is None:
        return _general(req, five)
    degree = _flat(match.group("degree")).rstrip(".")
    if degree.lower() == "degree":
        degree = "degree"
    a_degree = f"{_article(degree)} {degree}"
    field = _DEGREE_FIELD.match(match.string[match.end() :])
    in_field = f" in {_trim(field.group('field'), 90)}" if field else ""
    if _IN_PROGRESS.search(req.text):
        anchors = [
            f"Not studying towards {a_degree}, or studying an unrelated field.",
            f"Studying towards {a_degree} in a neighbouring field, or a lower degree{in_field}.",
            f"Working towards {a_degree}{in_field}, as the posting asks.",
            f"Well into {a_degree}{in_field}, with research, publications or results beyond "
            f"the coursework.",
        ]
        top = (
            f"Outstanding for the stage of {a_degree}{in_field}: first-author work, awards "
            f"or results a reviewer rarely sees."
        )
    else:
        anchors = [
            f"No {degree} (or one left unfinished), and no equivalent study or experience.",
            f"A related qualification: {a_degree} in a neighbouring field, or one still "
            f"in progress.",
            f"{a_degree[0].upper()}{a_degree[1:]}{in_field}, as the posting asks.",
            f"Beyond the ask: a higher degree, or {a_degree}{in_field} with distinction, "
            f"research or further study.",
        ]
        top = (
            f"Far beyond the ask: an advanced degree{in_field} with a strong research or "
            f"professional record."
        )
    return [*anchors, top] if five else anchors


_LICENCE_NAME = re.compile(
    r"(?P<name>(?:[\w'’/()-]+\s+){0,4}?(?:licen[cs]es?|licensure|certifications?|certificates?"
    r"|certified\s+\w+))",
    re.IGNORECASE,
)
_LICENCE_LEAD = re.compile(
    r"^(?:(?:must|have|has|hold|holds|possess|possesses|currently|obtain|obtains|and|maintain"
    r"|maintains|a|an|the|valid|required|with|applicable|current|be|in)\s+)+",
    re.IGNORECASE,
)


def _licence(req: _Requirement, five: bool) -> list[str]:
    match = _LICENCE_NAME.search(req.text)
    name = _LICENCE_LEAD.sub("", match.group("name")) if match else ""
    held = _quote(name, 80) if name.strip() else req.name
    examples = req.examples
    anchors = [
        f"No {held}, and none applied for.",
        f"Pending: {held} applied for, in training, or awaiting the exam or transfer.",
        f"Holds {held}, current and in good standing{examples}.",
    ]
    if not five:
        return [
            *anchors,
            f"Holds {held} plus endorsements, specialty certifications or further licences "
            f"relevant to the role.",
        ]
    return [
        *anchors,
        f"Holds {held} plus an endorsement or specialty certification relevant to the role.",
        f"Holds {held} with several endorsements or advanced certifications and a long, "
        f"clean record.",
    ]


def _language(req: _Requirement, five: bool) -> list[str]:
    names = tuple(
        dict.fromkeys(LANGUAGE_NAMES.findall(req.text) or LANGUAGE_NAMES.findall(req.title))
    )
    language = _join(names, "and") if names else req.name
    text = req.text.lower()
    written, spoken = "writ" in text, any(w in text for w in ("spoken", "speak", "oral", "verbal"))
    modes = {(True, True): "written and spoken", (True, False): "written"}.get(
        (written, spoken), "spoken"
    )
    anchors = [
        f"No {language} shown or claimed.",
        f"Basic {language}: simple conversation or reading, not yet enough for work.",
        f"Working {language} ({modes}): enough for the job's everyday tasks, as the posting asks.",
    ]
    if not five:
        return [*anchors, f"Fluent or native {language}, written and spoken."]
    return [
        *anchors,
        f"Fluent {language}, written and spoken.",
        f"Native or near-native {language}, with professional work in it (e.g. writing, "
        f"translation or public-facing roles).",
    ]


def _portfolio(req: _Requirement, five: bool) -> list[str]:
    lowered = req.text.lower()
    if "publication" in lowered or "paper" in lowered or "journal" in lowered:
        thing, match = "publications", "match"
    elif "portfolio" in lowered:
        thing, match = "portfolio work", "matches"
    elif "sample" in lowered or "clips" in lowered:
        thing, match = "work samples", "match"
    else:
        thing, match = "published work", "matches"
    anchors = [
        f"No {thing} to show.",
        f"Some {thing}, but few, minor (e.g. preprints, class projects) or outside the "
        f"field asked.",
        f"{thing[0].upper()}{thing[1:]} that {match} what the posting asks: "
        f"{req.asked}{req.examples}.",
        f"A strong record of {thing}{req.examples}: several, recent and well placed or "
        f"widely used.",
    ]
    top = f"An outstanding record of {thing}: among the strongest a reviewer is likely to see."
    return [*anchors, top] if five else anchors


def _experience(req: _Requirement, five: bool) -> list[str]:
    anchors = [
        "No experience of this kind in the application.",
        "Related or brief experience only: adjacent work, coursework or side projects, "
        "with clear gaps.",
        f"Direct experience as the posting asks: {req.asked}{req.examples}.",
        "More than the posting asks: deeper, broader or more sustained experience, with "
        "results to show.",
    ]
    top = "Exceptional experience for this role: among the strongest a reviewer is likely to see."
    return [*anchors, top] if five else anchors


def _trait(req: _Requirement, five: bool) -> list[str]:
    subject = req.name
    anchors = [
        f"Nothing in the application shows {subject}.",
        f"Claimed but not shown: {subject} without a concrete example.",
        f"Shown by at least one concrete example (work, study or references) that matches "
        f"{subject}.",
        f"A clear strength: several examples or references show {subject}, beyond what the "
        f"role needs.",
    ]
    top = (
        f"An outstanding strength, consistent across roles and confirmed by references: {subject}."
    )
    return [*anchors, top] if five else anchors


def _eligibility(req: _Requirement, five: bool) -> list[str]:
    subject = req.name
    anchors = [
        f"Does not meet {subject}, or says so.",
        f"Unclear or conditional: {subject} could be met only with arrangements.",
        f"Meets {subject}, as the application or a screening answer confirms.",
        f"Meets {subject} without conditions, with flexibility to spare.",
    ]
    top = f"Meets {subject} without conditions and has done so reliably in past roles."
    return [*anchors, top] if five else anchors


def _general(req: _Requirement, five: bool) -> list[str]:
    subject = req.name
    anchors = [
        f"No evidence in the application for {subject}.",
        f"Some evidence for {subject}, but thin, indirect or with clear gaps.",
        f"Clear evidence of what the posting asks: {req.asked}{req.examples}.",
        f"More than the posting asks for {subject}: stronger, broader or more recent "
        f"evidence{req.examples}.",
    ]
    top = f"Among the strongest evidence a reviewer is likely to see for {subject}."
    return [*anchors, top] if five else anchors


_WRITERS: dict[CriterionType, Writer] = {
    CriterionType.YEARS: _years,
    CriterionType.SKILLS: _skills,
    CriterionType.EDUCATION: _education,
    CriterionType.LICENCE: _licence,
    CriterionType.LANGUAGE: _language,
    CriterionType.PORTFOLIO: _portfolio,
    CriterionType.EXPERIENCE: _experience,
    CriterionType.TRAIT: _trait,
    CriterionType.ELIGIBILITY: _eligibility,
    CriterionType.GENERAL: _general,
}
