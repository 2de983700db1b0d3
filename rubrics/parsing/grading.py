"""What a piece of text reads like: a requirement, a bonus, a duty, or none of these.

Used three ways: tags inside a requirement list move an item between must-haves and bonuses
("Kafka is a plus", "(preferred)"); the items under a heading whose name says nothing decide the
section's kind; and a sentence of prose anywhere in the posting becomes a requirement when its
wording says so ("we require ...", "... is a plus", "applicants should ...").
"""

from __future__ import annotations

import re

from .model import BONUS, MUST, OTHER, RESP
from .text import _fold, _squash, _words

HIGH = "high"
LOW = "low"

# A sentence of a paragraph that sits beside a bullet list is usually an introduction or a
# closing remark; keep it only when it reads like a requirement.
REQUIREMENT_CUE = re.compile(
    r"\b(required|must|minimum|at least|preferred|(is|are|be) an? (plus|bonus|advantage|asset)"
    r"|a plus|nice[- ]to[- ]have|bachelor'?s?|master'?s?|degree|diploma|ph\.?d|certifi\w*"
    r"|licen[cs]\w*|years? of|proficien\w*|fluen\w*|desired|desirable|familiarity)\b"
)
# Sentences about applying, pay or equal opportunity are never requirements.
NOT_A_REQUIREMENT = re.compile(
    r"\b(how to apply|apply (now|here|today|online|via|by|through|at|with)|to apply|please"
    r"|applicants? (who|(will|may|can)(?! be (required|expected) to))"
    r"|applicants? (should|are (asked|encouraged|invited) to) "
    r"(send|submit|include|apply|e-?mail|contact|note|attach|upload)"
    r"|your application|time of application"
    r"|résumés?|resumes?|cover letter"
    r"|e-?mail (us|me|your|to)"
    r"|contact us|(informal |further )?(enquiries|inquiries)|we encourage|encouraged to apply"
    r"|we welcome|equal (employment )?opportunit\w*"
    r"|discriminat\w*|affirmative action|we offer|salary|compensation|search firms?"
    r"|recruit(er|ing agenc)\w*|visa sponsorship"
    # how the requirements are read, not one of them: "Experience refers to paid and unpaid
    # work", "You will receive credit for ...", "you will be rated on ..."
    r"|refers to|(receive|given|get) credit|credit (for|is given)"
    r"|you will (be (evaluated|rated|assessed|considered)|receive))\b"
)
# Substrings of every NOT_A_REQUIREMENT alternative: most sentences have none of them.
_NOT_A_REQUIREMENT_CUES = (
    "apply", "please", "applicant", "application", "résumé", "resume", "cover letter", "mail",
    "contact", "quiries", "encourag", "welcome", "opportunit", "discriminat", "affirmative",
    "offer", "salary", "compensation", "search firm", "recruit", "sponsorship", "refers",
    "credit", "you will",
)  # fmt: skip


def not_a_requirement(unit: str) -> bool:
    """Is the (folded, lower-case) sentence about applying, pay or equal opportunity?"""
    return _has_cue(unit, _NOT_A_REQUIREMENT_CUES) and bool(NOT_A_REQUIREMENT.search(unit))


EQUAL_OPPORTUNITY = re.compile(r"equal (employment )?opportunit|discriminat|affirmative action")
# "We are a family-owned bakery." describes the company, unless it goes on to ask for something.
COMPANY_STATEMENT = re.compile(r"^(we|our|founded|join us)\b")
ASKS_FOR_SOMETHING = re.compile(r"\b(require|need|looking for|expect|must|should|seek)")
TAG_LABELS = {
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
    r"(plus|bonus|advantage|asset)|\bpreferred|\bnot (required|mandatory|necessary|essential)"
    r"|\b(is|are|be) (also |very |highly |especially )?(beneficial|advantageous|desirable"
    r"|helpful|useful|nice|great|valued|appreciated|highly regarded)"
    r"|\b(is|are) (also )?welcome|[-–—:]\s*(desirable|desired|optional))\W*$"
)
_SHORT_ITEM_BONUS = re.compile(
    r"nice[- ]to[- ]have|\ba plus\b|\bnot (required|mandatory|mandated|essential)"
)
_LEADING_BONUS = re.compile(
    r"^(ideally|preferably)\b|^(other |additional )?(desired|preferred|desirable|bonus) "
    r"(qualifications|skills|experience)|^it('s| is| would be) an? (big |real )?(plus|bonus"
    r"|advantage)|^(bonus|extra) (points )?(if|for)\b"
)
_TRAILING_REQUIRED = re.compile(
    r"(\b(is |are )?(required|mandatory|a must)|[-–—:]\s*essential)\W*$"
)
_MAX_WORDS_FOR_ANYWHERE_TAGS = 25


# A person specification's "(E)" essential and "(D)" desirable marks, at the end of a criterion.
_LETTER_TAG = re.compile(r"\s*\((?P<letter>E|D)\)\W*$")


def remove_paren_tags(body: str) -> tuple[str, str | None]:
    """The body without "(required)"/"(preferred)" tags, and the kind they say."""
    if "(" not in body:
        return body, None
    if body.rstrip(" .;")[-3:] in ("(E)", "(D)") and (letter := _LETTER_TAG.search(body)):
        return body[: letter.start()].rstrip(), MUST if letter["letter"] == "E" else BONUS
    said = {
        MUST if match["tag"].lower() in _MUST_TAGS else BONUS for match in _PAREN_TAG.finditer(body)
    }
    tag = MUST if MUST in said else (BONUS if said else None)  # "(required)" wins
    return _squash(_PAREN_TAG.sub("", body)), tag


# Substrings without which a grading pattern cannot match: a cheap test before the search.
_MUST_CUES = ("must", "requir", "mandatory", "essential")
_GRADE_CUES = _MUST_CUES + (
    "prefer", "plus", "advantage", "asset", "bonus", "desir", "benefic", "welcome", "nice",
    "ideal", "should", "helpful", "useful", "candidate", "applicant", "person", "valued",
    "appreciated", "regarded", "extra",
)  # fmt: skip


def _has_cue(unit: str, cues: tuple[str, ...]) -> bool:
    # A plain loop: called for most sentences, and any() over a generator costs twice as much.
    for cue in cues:  # noqa: SIM110
        if cue in unit:
            return True
    return False


_TAG_CUES = _GRADE_CUES + ("necessary",)


def prose_tag(text: str) -> str | None:
    """MUST or BONUS when the item's own words say so ("Kafka experience is a plus")."""
    # Only the first clause counts: "Degree in CS; Master's preferred" is still a must-have.
    clause = _fold(text).lower().split(";")[0].strip()
    if not _has_cue(clause, _TAG_CUES):
        return None
    tail = _tail(clause)
    # "Database skills (PostgreSQL preferred)": the tag is about the name in the bracket only;
    # "(useful for deliveries, not essential)" remarks on the whole item.
    bracket = _TRAILING_BRACKET.search(text) if tail.endswith(")") else None
    if bracket and bracket["first"][:1].isupper():
        tail = _TRAILING_BRACKET.sub("", tail)
    if _LEADING_BONUS.match(clause):
        return BONUS
    if _TRAILING_BONUS.search(tail):
        # "... is a must. Experience as an organiser is highly valued.": the tag of the last
        # sentence does not outrank a requirement stated before it.
        if _has_cue(clause, _MUST_CUES) and _STATED_MUST.search(clause):
            return None
        return BONUS
    if len(_words(clause)) <= _MAX_WORDS_FOR_ANYWHERE_TAGS and _SHORT_ITEM_BONUS.search(clause):
        return BONUS
    if _TRAILING_REQUIRED.search(tail):
        return MUST
    return None


_TAIL_CHARS = 60
_STATED_MUST = re.compile(r"\b(is|are) (a must|required|essential|mandatory)\b[^;]*[.!?] ")
_TRAILING_BRACKET = re.compile(r"\s*\((?P<first>[^()]?)[^()]*\)\W*$")


def _tail(text: str) -> str:
    """The last words of a text: tags at the end of an item are looked for there only, since
    an end-anchored search tries every position of the whole text."""
    if len(text) <= _TAIL_CHARS:
        return text
    space = text.find(" ", len(text) - _TAIL_CHARS)
    return text[space:] if space >= 0 else text


# ---- prose: a sentence whose own wording makes it a requirement ----------------------------

# Who a requirement sentence is about: the candidate, not the company or the process.
_CANDIDATE = (
    r"(you|applicants?|candidates?|incumbents?"
    r"|the (successful|ideal|right) (candidate|applicant|person))"
)
# Wording that states a requirement whoever it is about ("Riders must hold a licence").
_PROSE_MUST = re.compile(
    r"\b(?:"
    r"^must\b|\bwe require\b"
    r"|\b" + _CANDIDATE + r"\b[^.;]{0,80}?\b(must|(are|is|will be) required to)\b"
    r"|\bmust (have|hold|be|possess|provide|demonstrate|show|obtain|pass|complete|speak|own"
    r"|live)\b"
    r"|\b(is|are) (required|mandatory|essential|a must)\b|\b(required|mandatory|a must)\W*$"
    ")"
)
# "Applicants must not be current employees" says who may apply, not what they must have.
_MUST_NOT = re.compile(r"\bmust not\b|\bmustn't\b")
_PROSE_BONUS = re.compile(
    r"\b(?:"
    r"\b(is|are|would|will|be)\b(\s+\w+){0,2}?\s+(a|an)\s+((big|huge|definite|strong|real|added"
    r"|distinct|great|additional)\s+)?(plus|bonus|advantage|asset)\b"
    r"|\b(is|are|be) ((strongly|highly|also|very|especially|particularly) )?(preferred|desirable"
    r"|desired|beneficial|advantageous|welcome|helpful|useful|nice|valued|appreciated"
    r"|highly regarded)\b"
    r"|\bnice[- ]to[- ]have\b|\bbut a plus\b|\ba plus\W*$"
    r"|^(ideally|preferably)\b"
    ")"
)
_PROSE_SHOULD = re.compile(
    r"\b" + _CANDIDATE + r"\b[^.;]{0,40}?\bshould\b"
    # "The successful candidate will hold a PhD": the candidate described, not addressed
    r"|\b(the (successful|ideal|right) (candidate|applicant|person)|applicants|candidates)"
    r"( will| would)( also)? (have|hold|possess|bring|need|be expected to)\b"
)
# Wording that names something a person can have or be: what a requirement is made of.
_QUALIFICATION = re.compile(
    r"\b(experience[ds]?|years?|degree|bachelor'?s?|master'?s?|ph\.? ?d|doctorate|diploma"
    r"|licen[cs]\w*|certifi\w*|qualifi\w*|proficien\w*|fluen\w*|knowledge|understanding"
    r"|familiar\w*|abilit\w*|able to|skill(s|ed)?|expertise|background|track record"
    r"|command of|competen\w*|citizenship|visa|clearance|vaccinat\w*|training|education"
    r"|record|portfolio|publications?|tickets?|cards?|permits?|confident|comfortable"
    r"|experienced|skilled|authori[sz]ed to work|right to work|checks?|screening"
    r"|accredit\w*|registration|registered|membership|chartered)\b"
)
# Sentences that talk about the requirements rather than state one.
ABOUT_REQUIREMENTS = re.compile(
    r"\b(below|following|above|these|listed) (requirements|qualifications|criteria|skills)\b"
    r"|\b(listed|described|outlined) (below|above)\b"
    r"|^(the |our |these |all )?(preferred |minimum |basic |required |additional )?"
    r"(qualifications|requirements|criteria) (are|is|listed|include|will)\b"
)


def prose_grade(sentence: str) -> tuple[str, str] | None:
    """(kind, confidence) when a sentence of prose states a requirement by its wording.

    "must"/"required" wording about the candidate gives a must-have; "is a plus / preferred /
    desirable / an advantage / beneficial" a bonus; "applicants should ..." a must-have with low
    confidence. Sentences about applying, pay or equal opportunity, and sentences that only
    introduce a list of requirements, give nothing.
    """
    unit = _fold(sentence).lower().strip(" *_")
    if not _has_cue(unit, _GRADE_CUES):
        return None  # most prose has no grading word at all: skip the costlier searches
    if not_a_requirement(unit) or ABOUT_REQUIREMENTS.search(unit):
        return None
    if COMPANY_STATEMENT.match(unit) and not re.match(r"we require\b", unit):
        return None
    if not _QUALIFICATION.search(unit) or _MUST_NOT.search(unit):
        return None
    if _PROSE_BONUS.search(unit):
        return BONUS, HIGH
    if _PROSE_MUST.search(unit):
        return MUST, HIGH
    if _PROSE_SHOULD.search(unit):
        return MUST, LOW
    return None


def states_requirement(sentence: str) -> bool:
    """Strong "must"/"required" wording: worth a warning even where no item is made of it."""
    unit = _fold(sentence).lower()
    if not _has_cue(unit, _MUST_CUES):
        return False
    return bool(_PROSE_MUST.search(unit)) and not not_a_requirement(unit)


# ---- content: what the items under a heading that says nothing read like -------------------

# An item that opens with a verb in its base form is a duty ("Maintain the ledger").
_DUTY_START = re.compile(
    r"^(you('ll| will)\s+)?(develop|design|build|manage|lead|work|create|write|maintain|support"
    r"|coordinate|assist|prepare|perform|provide|ensure|conduct|collaborate|contribute|participate"
    r"|review|plan|implement|monitor|own|drive|deliver|help|analy[sz]e|undertake|greet|respond"
    r"|keep|serve|handle|organi[sz]e|communicate|report|partner|identify|test|deploy|operate"
    r"|oversee|process|answer|track|schedule|train|mentor|research|teach|supervise|clean|stock"
    r"|run|set up|establish|draft|edit|produce|update|investigate|evaluate|assess|advise|act"
    r"|present|attend|negotiate|recruit|shape|define|improve|optimi[sz]e|automate|troubleshoot"
    r"|install|repair|inspect|package|ship|sell|cook|prep|book|file|enter|record|answer"
    r"|be responsible|responsible for|take (ownership|part|charge))\b"
)
# An item that names something the candidate has or is.
_REQUIREMENT_START = re.compile(
    # "(you) have/hold/bring ..." finishing a lead-in: what follows is what a requirement is
    r"^((you )?(have|hold|possess|bring|has|holds)\s+(?!been\b))?"
    r"((\d+|one|two|three|four|five|six|seven|eight|nine|ten)\+?\s*(or more\s+)?(years?|yrs)"
    # what the candidate has done: "Led an incident review", "Written Terraform"
    r"|(have |you've |you have )?(led|built|written|shipped|managed|worked|designed|owned"
    r"|delivered|maintained|deployed|launched|created|developed|grown|mentored|scaled|taught"
    r"|published|completed|held|earned|served|taken|supported|trained)\b"
    r"|(a |an )?(minimum|at least)|(a |an )?(bachelor|master|ph\.? ?d"
    r"|degree|diploma|doctorate|certificat|licen[cs]|valid|current|full|clean)"
    r"|(certified|registered|licensed|qualified|bilingual|familiar|confident|competent"
    r"|eligible|available|authori[sz]ed|over 1[89]|aged? 1[89]|1[89]\+)\b|(strong|excellent|good"
    r"|solid|proven|demonstrated|deep|working|hands-on|advanced|basic|sound|thorough|prior"
    r"|previous|professional|relevant|significant|extensive|some)\b|experience|knowledge"
    r"|understanding|familiarity|proficien|fluen|ability|able to|skill|expertise|background"
    r"|you (have|are|hold|bring|know)|must|comfort|commitment|passion|willing|track record"
    r"|excellent|outstanding|attention to"
    r"|(\S+\s+){0,2}(degree|diploma|experience|knowledge|skills?|certificat\w*|licen[cs]\w*"
    r"|proficiency|qualifications?|card|permit|registration)\b)"
)


_NEGATION = re.compile(r"\b(does|do|is|are|will) not\b|n't\b")


def reads_like_requirement(text: str) -> bool:
    """Does an item read like something the candidate has or is?"""
    unit = _fold(text).lower().strip(" *_-•")
    if _DUTY_START.match(unit) or ("not" in unit or "n't" in unit) and _NEGATION.search(unit):
        return False  # "Step-down experience does not count" is a remark on a requirement
    if _REQUIREMENT_START.match(unit):
        return True
    return _has_cue(unit, _MUST_CUES) and bool(_PROSE_MUST.search(unit))


def opens_with_requirement(text: str) -> bool:
    """Does the text open with what a requirement opens with ("Minimum of 2 years ...")?"""
    unit = _fold(text).lower().strip(" *_-•")
    return bool(_REQUIREMENT_START.match(unit)) and not _DUTY_START.match(unit)


def reads_like_duty(text: str) -> bool:
    """Does an item read like something the job holder will do?"""
    return bool(_DUTY_START.match(_fold(text).lower().strip(" *_-•")))


def kind_from_content(items: list[str]) -> tuple[str, str]:
    """(kind, confidence) of a list under a heading whose name says nothing.

    Requirements when most items read like requirements, responsibilities when most read like
    duties, otherwise other (hiring steps, benefits, company facts).
    """
    if not items:
        return OTHER, HIGH
    requirements = sum(reads_like_requirement(item) for item in items)
    duties = sum(reads_like_duty(item) for item in items)
    if requirements * 2 >= len(items) and requirements > duties:
        return MUST, LOW
    if duties * 2 >= len(items) and duties > requirements:
        return RESP, LOW
    return OTHER, HIGH
