"""Turn a parsed posting into a draft rubric a recruiter would keep: pure, no Django.

`draft_rubric` reads each must-have and bonus the parser found and decides what it becomes:

- boilerplate (pay, benefits, equal-opportunity text, payroll, legal notices, how to apply) is
  dropped entirely, and one warning says how many items were dropped;
- an eligibility or logistics gate (work authorisation, background check, weekend shifts,
  travel, relocation, lifting...) becomes a yes/no screening question, not a weighted
  criterion: a candidate either can or cannot, and a weight would only blur the score;
- everything else becomes a criterion with its type, anchors written for that type, a default
  weight (`rubrics.weighting.default_weights`) and, for must-haves, the default knockout level.

Warnings point the recruiter at what to check before publishing: no must-have, too many
criteria, criteria that read like duties or came from loosely worded text, and requirement-like
prose the parser saw but did not turn into an item.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from decimal import Decimal

from rubrics.anchors import default_anchors, default_knockout_level, level_labels
from rubrics.criterion_types import (
    CriterionType,
    boilerplate_reason,
    classify,
    lead_sentence,
    looks_like_duty,
)
from rubrics.weighting import DEFAULT_MUST_HAVE_SHARE, default_weights

MUST_HAVE = "must_have"
BONUS = "bonus"
MAX_CRITERIA = 12  # beyond this, reviewers score less consistently and the rubric gets skimmed
MAX_TITLE_CHARS = 200


@dataclass(frozen=True)
class DraftCriterion:
    kind: str  # MUST_HAVE or BONUS
    type: str  # a CriterionType value
    title: str
    text: str
    weight: Decimal
    knockout_level: int | None
    keywords: tuple[str, ...]
    anchors: tuple[str, ...]
    span: tuple[int, int] | None
    confidence: str

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "type": self.type,
            "title": self.title,
            "text": self.text,
            "weight": round(float(self.weight), 2),
            "knockout_level": self.knockout_level,
            "keywords": list(self.keywords),
            "anchors": list(self.anchors),
        }


@dataclass(frozen=True)
class DraftQuestion:
    title: str
    text: str  # a yes/no question to the candidate
    type: str  # a CriterionType value (eligibility)
    span: tuple[int, int] | None

    def to_dict(self) -> dict:
        return {"text": self.text, "type": self.type}


@dataclass(frozen=True)
class DraftWarning:
    code: str
    message: str
    criterion: int | None = None  # index into Draft.criteria
    span: tuple[int, int] | None = None  # where in the posting

    def to_dict(self) -> dict:
        data: dict = {"code": self.code, "message": self.message}
        if self.criterion is not None:
            data["criterion"] = self.criterion
        if self.span is not None:
            data["span"] = list(self.span)
        return data


@dataclass(frozen=True)
class Draft:
    title: str
    scale_max: int
    criteria: tuple[DraftCriterion, ...]
    screening_questions: tuple[DraftQuestion, ...]
    warnings: tuple[DraftWarning, ...]

    def to_dict(self) -> dict:
        """The draft as plain JSON data: the interface of `draft_rubric --json`."""
        return {
            "title": self.title,
            "criteria": [c.to_dict() for c in self.criteria],
            "screening_questions": [q.to_dict() for q in self.screening_questions],
            "warnings": [w.to_dict() for w in self.warnings],
        }


def count_warnings(*, n_must_haves: int, n_criteria: int) -> list[DraftWarning]:
    """The warnings that depend only on how many criteria there are (`no_must_have`,
    `too_many_criteria`), so that they can be recomputed after the recruiter edits a draft."""
    warnings = []
    if n_must_haves == 0:
        warnings.append(
            DraftWarning(
                "no_must_have",
                "The draft has no must-have criterion. Mark at least one criterion as a "
                "must-have, so that candidates can be screened on what the role cannot do "
                "without.",
            )
        )
    if n_criteria > MAX_CRITERIA:
        warnings.append(
            DraftWarning(
                "too_many_criteria",
                f"The draft has {n_criteria} criteria; reviewers score more consistently on "
                f"{MAX_CRITERIA} or fewer. Merge overlapping criteria or remove the least "
                f"important ones.",
            )
        )
    return warnings


# "Android: 1 year" reads as nothing without its label: short texts keep it.
_SHORT_TEXT_WORDS = 3


def _with_label(item):
    """The item with its label put back in front of a text too short to stand alone."""
    title, text = item.title.strip(), item.text.strip()
    if not title or len(text.split()) > _SHORT_TEXT_WORDS or title.lower() in text.lower():
        return item
    return replace(item, text=f"{title}: {text}")


# Names a requirement mentions in running text: "writing Golang", "Linux server
# administration". Runs of capitalised words (not opening a sentence), acronyms, CamelCase and
# names with digits or + / #.
_NAME_WORD = r"(?:[A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*(?:[+#]+|\.js)?|[a-z]+[A-Z][A-Za-z0-9]*)"
# A name in the possessive ("the company's product") names an owner, not a skill.
_NAME = re.compile(rf"(?<![\w.+#-]){_NAME_WORD}(?:\s+{_NAME_WORD})*(?![\w+#-])(?![’']s\b)")
_DISTINCT_NAME = re.compile(r"[A-Z].*[A-Z]|\d|[+#]|^[a-z]+[A-Z]")  # "SQL", "GitHub", "C++"
_NOT_NAME_WORDS = (
    "a an the and or of to in on for with at by from as is are be we you our your it this "
    "that these those i must should will may can able ability experience knowledge "
    "familiarity proficiency understanding strong excellent good minimum preferred required "
    "bonus plus ideally degree years year level senior junior not any all one two three four "
    "five whose who what when where office department federal state time team company "
    "manager director assistant executive services service program programme university "
    "center centre division agency board committee group staff"
)
_NOT_NAMES = frozenset(_NOT_NAME_WORDS.split())
_MAX_NAMES = 6


def _with_names(item):
    """The item with the names it mentions as keywords, when no list gave it any."""
    if item.keywords:
        return item
    names: dict[str, str] = {}
    for sentence in re.split(r"(?<=[.!?;:])\s+", item.text):
        opening = len(sentence) - len(sentence.lstrip(" \"'“‘(["))
        for match in _NAME.finditer(sentence):
            words = match.group().split()
            if match.start() <= opening and not _DISTINCT_NAME.search(words[0]):
                words = words[1:]  # a capital that only opens the sentence
            words = [w for w in words if w.lower() not in _NOT_NAMES]
            name = " ".join(words)
            if len(name) >= 2:
                names.setdefault(name.lower(), name)
    if not names:
        return item
    return replace(item, keywords=tuple(list(names.values())[:_MAX_NAMES]))


def draft_rubric(
    parsed,
    *,
    scale_max: int = 4,
    must_have_share: Decimal | int | str = DEFAULT_MUST_HAVE_SHARE,
) -> Draft:
    """Draft a rubric from a `ParsedPosting`: criteria with types, anchors, weights and
    knockout levels; eligibility items as screening questions; boilerplate dropped; and
    warnings for the recruiter. Nothing is stored."""
    level_labels(scale_max)  # refuse a scale we have no labels for, before any work
    kept: dict[str, list[tuple[object, CriterionType]]] = {MUST_HAVE: [], BONUS: []}
    questions: list[DraftQuestion] = []
    dropped: Counter[str] = Counter()
    for kind, items in ((MUST_HAVE, parsed.must_haves), (BONUS, parsed.bonuses)):
        for item in items:
            item = _with_names(_with_label(item))
            reason = boilerplate_reason(item.text) or boilerplate_reason(item.title)
            if reason:
                dropped[reason] += 1
                continue
            item_type = classify(item.text, item.title, item.keywords)
            if item_type is CriterionType.ELIGIBILITY:
                question = DraftQuestion(
                    title=whole_phrase(item.title) or whole_phrase(item.text, 80),
                    text=screening_question(item.text or item.title),
                    type=item_type.value,
                    span=tuple(item.span) if item.span else None,
                )
                if question.text not in {q.text for q in questions}:
                    questions.append(question)
                continue
            kept[kind].append((item, item_type))

    must_weights, bonus_weights = default_weights(
        len(kept[MUST_HAVE]), len(kept[BONUS]), Decimal(str(must_have_share))
    )
    criteria: list[DraftCriterion] = []
    for kind, weights in ((MUST_HAVE, must_weights), (BONUS, bonus_weights)):
        for (item, item_type), weight in zip(kept[kind], weights, strict=True):
            title = (
                whole_phrase(item.title)
                or whole_phrase(item.text, 80)
                or item_type.value.capitalize()
            )
            criteria.append(
                DraftCriterion(
                    kind=kind,
                    type=item_type.value,
                    title=title,
                    text=item.text,
                    weight=weight,
                    knockout_level=default_knockout_level(scale_max) if kind == MUST_HAVE else None,
                    keywords=tuple(item.keywords),
                    anchors=tuple(
                        default_anchors(
                            title=title,
                            text=item.text,
                            keywords=item.keywords,
                            scale_max=scale_max,
                            type=item_type,
                        )
                    ),
                    span=tuple(item.span) if item.span else None,
                    confidence=getattr(item, "confidence", "high"),
                )
            )

    warnings = count_warnings(n_must_haves=len(kept[MUST_HAVE]), n_criteria=len(criteria))
    warnings += _item_warnings(criteria)
    warnings += _hint_warnings(getattr(parsed, "unplaced", ()) or ())
    if dropped:
        total = sum(dropped.values())
        items = "1 item was" if total == 1 else f"{total} items were"
        reasons = ", ".join(f"{reason} ×{n}" if n > 1 else reason for reason, n in dropped.items())
        warnings.append(
            DraftWarning(
                "boilerplate_dropped",
                f"{items} left out as boilerplate ({reasons}): pay, benefits, legal notices "
                f"and similar text are never scored. Add one back by hand if it is a real "
                f"requirement.",
            )
        )
    return Draft(
        title=parsed.title,
        scale_max=scale_max,
        criteria=tuple(criteria),
        screening_questions=tuple(questions),
        warnings=tuple(warnings),
    )


def _hint_warnings(hints) -> list[DraftWarning]:
    """One warning per requirement-like sentence the parser did not make an item, except
    boilerplate; an eligibility sentence is suggested as a screening question instead."""
    warnings, seen = [], set()
    for hint in hints:
        text = whole_phrase(hint.text, 160)
        if not text or text in seen or boilerplate_reason(hint.text):
            continue
        seen.add(text)
        if classify(hint.text) is CriterionType.ELIGIBILITY:
            advice = "Add it as a screening question if candidates must meet it."
        else:
            advice = "Add it as a criterion if candidates should be scored on it."
        warnings.append(
            DraftWarning(
                "uncovered_requirement",
                f"The posting says “{text}”, which reads like a requirement but is not in the "
                f"draft. {advice}",
                span=tuple(hint.span),
            )
        )
    return warnings


def _item_warnings(criteria: list[DraftCriterion]) -> list[DraftWarning]:
    warnings = []
    for index, criterion in enumerate(criteria):
        if looks_like_duty(criterion.text):
            warnings.append(
                DraftWarning(
                    "looks_like_duty",
                    f"“{criterion.title}” reads like a duty of the role, not something a "
                    f"candidate brings. Reword it as a requirement (e.g. “Experience with …”) "
                    f"or remove it.",
                    criterion=index,
                    span=criterion.span,
                )
            )
        if criterion.confidence == "low":
            warnings.append(
                DraftWarning(
                    "low_confidence",
                    f"“{criterion.title}” comes from loosely worded text (such as “should” "
                    f"prose). Check that the posting really asks for it, and whether it is a "
                    f"must-have or a bonus.",
                    criterion=index,
                    span=criterion.span,
                )
            )
    return warnings


# ---------------------------------------------------------------------------------------------
# Titles and questions.

_DANGLING_END = re.compile(
    r"(?:[\s,;:(\[\-–—/&]+|\s+(?:a|an|the|and|or|nor|but|so|yet|of|to|in|on|at|for|with|by|from"
    r"|as|into|via|per|than|like|such|including|e\.g\.|i\.e\.|etc|is|are|be|which|that|who"
    r"|whom|while|if|when|where|your|our|their|its|this|these|those|any|some|both|either"
    r"|between|during|toward|towards|upon|among|against|versus|vs|also|would|could|should"
    r"|will|can|may|might|must|shall|do|does|has|have))+$",
    re.IGNORECASE,
)
_LEADING_NOISE = re.compile(r"^[\s\-–—•*·>\"“”'‘’]+")


def whole_phrase(text: str, limit: int = MAX_TITLE_CHARS) -> str:
    """`text` as a title: on one line, at most `limit` characters cut at a word, with no
    leading bullet or quote, and not ending with a preposition, article, conjunction, "to",
    a comma or an open parenthesis ("Ability to operate effectively in a" → "Ability to
    operate effectively")."""
    text = _LEADING_NOISE.sub("", " ".join(text.split()))
    if len(text) > limit:
        text = text[: limit + 1].rsplit(" ", 1)[0]
    previous = None
    while previous != text:
        previous = text
        text = _DANGLING_END.sub("", text).rstrip(" .;:,")
        if text.count("(") > text.count(")"):
            text = text[: text.rfind("(")]
        text = text.strip("\"“”'‘’ ")
    return text


# "To be eligible for this position, you must ..." asks the same as "You must ...".
_QUESTION_LEAD_IN = re.compile(
    r"^(?:to be (?:eligible|considered)(?: for this (?:position|role|job))?,?\s*"
    r"|(?:all\s+)?(?:applicants|candidates)\s+(?=must|should|will))",
    re.IGNORECASE,
)
_QUESTION_FORMS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), form)
    for pattern, form in (
        (
            r"^(?:you\s+)?(?:must|should)\s+be\s+(?:able|willing)\s+and\s+(?:able|willing)\s+to\s+",
            "Are you able and willing to ",
        ),
        (r"^(?:you\s+)?(?:must|should|will)\s+be\s+able\s+to\s+", "Are you able to "),
        (r"^(?:you\s+)?(?:must|should|will)\s+be\s+willing\s+to\s+", "Are you willing to "),
        (r"^(?:you\s+)?(?:must|should|will\s+need\s+to)\s+be\s+", "Are you "),
        (
            r"^(?:you\s+)?(?:are\s+required\s+to|must|should|will\s+need\s+to)\s+"
            r"(?:have|hold|possess)\s+own\s+",
            "Do you have your own ",
        ),
        (
            r"^(?:you\s+)?(?:are\s+required\s+to|will\s+need\s+to)\s+(?:have|hold|possess)\s+",
            "Do you have ",
        ),
        (r"^(?:you\s+)?(?:must|should)\s+(?:have|hold|possess)\s+", "Do you have "),
        (r"^(?:you\s+)?(?:must|should)\s+(pass|undergo|submit to|complete)\s+", "Will you \\1 "),
        (r"^(?:the\s+|an?\s+)?(?:demonstrated\s+)?ability\s+to\s+", "Are you able to "),
        (r"^(?:be\s+)?able\s+to\s+", "Are you able to "),
        (r"^willing\s+and\s+able\s+to\s+", "Are you willing and able to "),
        (r"^(?:be\s+)?willing(?:ness)?\s+to\s+", "Are you willing to "),
        (r"^(?:be\s+)?available\s+", "Are you available "),
    )
)


def screening_question(text: str) -> str:
    """A yes/no question to the candidate for an eligibility requirement: "Must be available
    on Saturdays" → "Are you available on Saturdays?"; wording it does not know is asked as a
    confirmation of the quoted requirement."""
    lead = whole_phrase(lead_sentence(text).rstrip(".!?;: "), 200)
    lead = _QUESTION_LEAD_IN.sub("", lead)
    for pattern, form in _QUESTION_FORMS:
        match = pattern.match(lead)
        if match and lead[match.end() :].strip():
            return f"{match.expand(form)}{lead[match.end() :].rstrip('.!?;: ')}?"
    return f"Can you confirm that you meet this requirement: “{lead}”?"
