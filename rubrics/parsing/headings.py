"""What a heading's name says: must-haves, bonuses, responsibilities or other."""

from __future__ import annotations

import re

from .model import BONUS, MUST, OTHER, RESP

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
        r"|prerequisites|selection criteria|(key |essential |minimum )?criteria|essential"
        r"|person specification|(employment|eligibility) requirements|conditions of employment",
    ),
    (
        BONUS,
        r"(preferred|desired|desirable|bonus|additional|nice[- ]to[- ]have) (qualifications"
        r"|skills|experience)|nice[- ]to[- ]haves?|bonus( points)?|pluses|extra credit|preferred"
        r"|good to have|even better|desirable( criteria| requirements)?|desired",
    ),
    (
        RESP,
        r"(key |main |job |primary |core )?(responsibilities|duties)"
        r"|what you('ll| will)( actually)? do|what you('ll| will) be doing|the role|your role"
        r"|about the role|day[- ]to[- ]day|role (description|overview)"
        r"|(key )?(accountabilities|objectives)",
    ),
    (
        OTHER,
        r"(employee )?benefits|perks|(compensation|pay|salary)( (and|&) benefits)?"
        r"|(pay|salary) range"
        r"|salary|wages?|about us|about the company|equal (employment )?opportunity( employer)?"
        r"|eeo|how to apply|to apply|location|work location|schedule|job types?|summary|tl;?dr"
        r"|overview|what we offer( you)?|why join us|remuneration",
    ),
)
# One pattern for all kinds, each an alternative named by its kind: a full match tries them in
# order, as four patterns would, in one call.
_STRICT_PATTERN = re.compile(
    r"(?:the |your |our )?(?:"
    + "|".join(f"(?P<{kind}>{names})" for kind, names in _STRICT_NAMES)
    + ")"
)
_KINDS = tuple(kind for kind, _ in _STRICT_NAMES)

# Every name word below starts a word: the searches try their many alternatives only there.
_AT_WORD = r"\b(?:"

# Words that say "not a criterion". Checked first: "Skills you'll gain" is a perk, and
# "Travel requirements" a condition of the job.
_OTHER_WORDS = re.compile(
    _AT_WORD + r"equal (employment )?opportunit|\beeo\b|discriminat|accommodation|e-verify"
    r"|\beligib|work authori[sz]ation|remuneration"
    r"|\bbenefits?\b|\bperks?\b|compensation|salary|\bpay\b|\bwages?\b|we offer|our offer"
    r"|you('ll| will) (get|gain|learn|experience|enjoy|receive)|why (join|work)"
    r"|what's in it|\brewards?\b"
    r"|\btl;?dr\b|(?<!of )\bsummary\b(?! of)|at a glance|overview|quick facts|key facts"
    r"|snapshot|short version|in short|in brief|\bthe tone\b|\bthe pitch\b"
    r"|to apply|apply (now|here|today|online)|who (may|can) apply|application process"
    r"|hiring process|interview|next steps"
    r"|\babout\b(?! (you|the role|this role|the job|this job|the position|this position"
    r"|the (candidate|person|applicant))\b)"
    r"|who we are|\bour (company|story|mission|values|culture|team)\b|the company"
    r"|company (description|overview|profile|info)|meet the team"
    r"|\bplease\b|\bnotice\b|disclaimer|search firm|\bagenc(y|ies)\b|\brecruiters?\b"
    r"|\blocation|\bschedule\b|\bshifts?\b|\btravel\b|relocation|sponsorship|\bstatus\b"
    r"|openings|requisition|clearance|job types?|contact|evaluat|basic information"
    r"|\bdocuments?\b|documentation|\bforms?\b|\bsubmit"
    r"|\bdetails\b|logistics|\bresumes?\b|\bcv\b" + ")"
)
_BONUS_WORDS = re.compile(
    _AT_WORD
    + r"preferred|nice[- ]to[- ]haves?|\bbonus|pluses|\bplus\b|extra credit|desired|desirable"
    r"|good to have|even better|would be (great|nice)|\bideally\b|optional|not required"
    r"|\b(maybe|perhaps|also)\b|advantage|\bassets?\b|stand out|sets? you apart"
    r"|\bnice\b|helpful|useful" + ")"
)
# "Required and preferred qualifications" is one mixed list; its items carry their own tags.
# "Desired candidate profile" describes the ideal candidate, not the extras.
_BONUS_VETO = re.compile(
    r"\b(required|requirements|minimum|basic|must|mandatory|essential|candidates?|profile)\b"
)
_MUST_WORDS = re.compile(
    _AT_WORD + r"must[- ]?haves?|must have|requirement|\brequired\b|\brequires?\b|qualifications?"
    r"|\bwe need\b|\bqualified\b|capabilit|you('ll| will) need|need to (have|know|bring)"
    r"|looking for"
    r"|\b(you|who) (should |must )?(have|has)\b|who you are|about you|you bring"
    r"|you('ll| will) bring|skills|competenc|abilities|\bexperience\b|education"
    r"|already know|you (should )?know|\bprofile\b|ideal candidate|expertise|knowledge"
    r"|credentials|certifications?|prerequisites|what it takes|\byou are\b|\bare you\b"
    r"|\byou('ve| have) (done|built|worked|achieved|got)|\bis (this|that) you\b"
    r"|\b(a|good|great|right|strong) fit\b|\bif you\b|\byou('re|'ll have|'ll need| will have"
    r"| will need| need)\b|help you succeed|your background|person spec|\bksas?\b|\bwe expect"
    r"|\b(the|right|ideal|successful) (person|candidate|applicant)\b|\bessentials\b" + ")"
)
_RESP_WORDS = re.compile(
    _AT_WORD + r"responsibilit|\byou('ll| will|'d| would)\b|the role|your role"
    r"|about (the|this) (role|job|position)|role description|\bduties\b|day[- ]to[- ]day"
    r"|a day in|objectives|in this role|\bthe job\b|\bthe work\b|the opportunity"
    r"|your (mission|impact)|\btasks\b|accountabilit|your day|typical day" + ")"
)


# One fragment of every _OTHER_WORDS alternative: a name holding none of them cannot match, and
# these substring tests cost a third of the search they spare.
_OTHER_FRAGMENTS = (
    "opportunit", "eeo", "discriminat", "accommodation", "verify", "eligib", "authori",
    "remuneration", "benefit", "perk", "compensation", "salary", "pay", "wage", "offer", "you",
    "why", "what's", "reward", "tl", "summary", "glance", "overview", "facts", "snapshot",
    "short", "brief", "tone", "pitch", "apply", "application", "hiring", "interview", "next",
    "about", "who we are", "our ", "company", "meet", "please", "notice", "disclaimer",
    "search firm", "agenc", "recruiter", "location", "schedule", "shift", "travel",
    "sponsorship", "status", "openings", "requisition", "clearance", "job type", "contact",
    "evaluat", "basic information", "document", "form", "submit", "details", "logistics",
    "resume", "cv",
)  # fmt: skip


def _may_say_other(name: str) -> bool:
    for fragment in _OTHER_FRAGMENTS:  # noqa: SIM110 - a plain loop: this runs for every name
        if fragment in name:
            return True
    return False


def _strict_kind(name: str) -> str | None:
    match = _STRICT_PATTERN.fullmatch(name)
    if match is None:
        return None
    return next(kind for kind in _KINDS if match.group(kind) is not None)


def _loose_kind(name: str) -> str | None:
    if _may_say_other(name) and _OTHER_WORDS.search(name):
        return OTHER
    if _BONUS_WORDS.search(name) and not _BONUS_VETO.search(name):
        return BONUS
    if _MUST_WORDS.search(name) or name.endswith(" if"):  # "... from you if"
        return MUST
    if _RESP_WORDS.search(name):
        return RESP
    return None
