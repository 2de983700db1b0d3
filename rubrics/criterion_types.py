"""What kind of requirement a posting's item states, from its wording: pure, no Django.

Three questions about an item's text, each answered by rules on its words rather than by
where it sat in one posting:

- `classify`: which `CriterionType` it is (a degree, years of experience, a skills list, a
  licence, a language, a portfolio, an eligibility or logistics gate, a soft trait...), so that
  its anchors can be written for that kind of evidence;
- `boilerplate_reason`: whether it is text that must never become a criterion or a screening
  question (equal-opportunity statements, pay, benefits, payroll, legal notices, how to apply);
- `looks_like_duty`: whether it reads like a responsibility rather than a requirement.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum


class CriterionType(StrEnum):
    EDUCATION = "education"  # degree, field of study, or one in progress
    YEARS = "years"  # a number of years of experience
    SKILLS = "skills"  # skills, tools, technologies, knowledge of a subject
    EXPERIENCE = "experience"  # experience without a number of years
    LICENCE = "licence"  # professional licence or certification
    LANGUAGE = "language"  # a spoken or written (human) language
    PORTFOLIO = "portfolio"  # publications, portfolio, work samples
    ELIGIBILITY = "eligibility"  # a yes/no gate: authorisation, checks, schedule, travel...
    TRAIT = "trait"  # soft traits: communication, organisation, teamwork...
    GENERAL = "general"  # none of the above


def _rx(pattern: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    return re.compile(pattern, flags)


# ---------------------------------------------------------------------------------------------
# Boilerplate: the first matching rule names the reason.

_BOILERPLATE: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "equal-opportunity statement",
        _rx(
            r"equal (employment )?opportunit|\bEEO\b|affirmative action|without regard to"
            r"|regardless of (race|colou?r|religion|sex|gender|age|national|sexual|disabilit)"
            r"|protected (veteran|characteristic|status)|\bdiscriminat"
            r"|gender equality|equal treatment|underrepresented (sex|groups?) (are|is) encouraged"
            r"|(disabilit\w*|disabled) (will|shall) be given preference"
            r"|all qualified applicants will receive"
        ),
    ),
    ("Selective Service registration", _rx(r"selective service")),
    ("trial or probation period", _rx(r"\b(trial|probation(ary)?) period")),
    ("reasonable accommodation notice", _rx(r"reasonable accommodation")),
    ("E-Verify notice", _rx(r"\be-?verify\b")),
    # Payroll before pay: "direct deposit of salary" is a payroll notice, not a salary figure.
    (
        "payroll detail",
        _rx(
            r"direct deposit|pay (schedule|period|day)|payday|paid (weekly|bi-?weekly|monthly|"
            r"twice a month|every (other )?week)"
        ),
    ),
    (
        "pay",
        _rx(
            r"\bsalary\b|\bsalaries\b|\bwages?\b|\bstipend|commensurate with"
            r"|\bpay( range| rate| band| scale| grade)?\s*(:|is|will|starts|of \$|from)"
            r"|\bcompensation( package| range)?\s*(:|is|will|of|includes)"
            r"|[$€£]\s?\d[\d,.]*\s*(k\b|K\b)?\s*(-|–|to|per|/|an? (hour|year|month)|hourly|monthly"
            r"|annually|a year|yearly|USD|EUR|GBP)"
            r"|\bper (hour|annum)\b|/\s?(hr|hour)\b|\bhourly rate"
        ),
    ),
    (
        "benefits",
        _rx(
            r"\b(health|medical|dental|vision|life|disability) (insurance|coverage|plan|benefits)"
            r"|\bdental\b|\b401\s?\(?k\)?|\bpension|paid time off|\bPTO\b"
            r"|\b(annual|parental|maternity|paternity|sick|family) leave|vacation (days|time)"
            r"|paid holidays|\bbenefits? (package|include|are)|social benefits|stock options"
            r"|tuition (reimbursement|assistance)|employee discount|wellness (program|stipend)"
            r"|\bgym\b|\bnursery\b|child ?care|elder care|work-life balance"
            r"|flexible (working )?hours|working-time models|home office (options|stipend)"
            r"|transport ticket|retirement (plan|savings|contribution)"
            r"|relocation (assistance|package)"
            r"|we offer\b|\bperks\b"
        ),
    ),
    (
        "how to apply",
        _rx(
            r"how to apply|\bto apply\b,|\bapply (now|today|online|here|via|through|by|at)\b"
            r"|(send|submit|email|e-mail) (us )?(your|a) "
            r"(cv|resume|résumé|cover letter|application)"
            r"|applications? (should|must|will|can) be (sent|submitted|made)"
            r"|closing date|deadline for applications|click apply"
            r"|if you have (further|any) questions|we want to hear from you"
            r"|please (send|email|apply|submit)"
        ),
    ),
)

# A sentence ends at . ! ? before a capital, but not after an initial or a common abbreviation
# ("U.S. Citizen", "e.g. Python", "Dr. Smith").
_ANYWHERE = frozenset(
    {
        "Selective Service registration",
        "trial or probation period",
        "reasonable accommodation notice",
        "E-Verify notice",
        "payroll detail",
    }
)
_SENTENCE_END = re.compile(
    r"(?<=[.!?])(?<!\b[A-Za-z]\.)(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\betc\.)(?<!\bvs\.)"
    r"(?<!\bDr\.)(?<!\bSt\.)(?<!\bNo\.)(?<!\bMr\.)(?<!\bMs\.)\s+(?=[A-Z“\"(])"
)


def lead_sentence(text: str) -> str:
    """The first sentence of `text`, on one line: what an item states before it elaborates."""
    return _SENTENCE_END.split(" ".join(text.split()), maxsplit=1)[0]


def boilerplate_reason(text: str) -> str | None:
    """Name the kind of boilerplate `text` is (equal-opportunity statement, pay, benefits,
    payroll detail, Selective Service registration, trial or probation period, reasonable
    accommodation notice, E-Verify notice, how to apply), or None when it is not boilerplate.

    Pay, benefits, equal opportunity and how to apply are read in the item's first sentence
    only: it says what the item is, and a real requirement followed by a sentence of context
    ("We'll cover a home office") must not be dropped. Legal and payroll notices never
    elaborate a real requirement, so they are found anywhere in the text."""
    flat = " ".join(text.split())
    lead = lead_sentence(flat)
    for reason, pattern in _BOILERPLATE:
        if pattern.search(flat if reason in _ANYWHERE else lead):
            return reason
    return None


# ---------------------------------------------------------------------------------------------
# Duties.

_DUTY_VERBS = frozenset(
    (
        "accelerate",
        "analyse",
        "analyze",
        "answer",
        "assist",
        "build",
        "champion",
        "collaborate",
        "communicate",
        "conduct",
        "contribute",
        "coordinate",
        "create",
        "define",
        "deliver",
        "deploy",
        "design",
        "develop",
        "document",
        "drive",
        "ensure",
        "establish",
        "evaluate",
        "execute",
        "facilitate",
        "gain",
        "greet",
        "guide",
        "handle",
        "help",
        "identify",
        "implement",
        "improve",
        "launch",
        "lead",
        "maintain",
        "manage",
        "mentor",
        "monitor",
        "operate",
        "organise",
        "organize",
        "oversee",
        "participate",
        "partner",
        "perform",
        "plan",
        "prepare",
        "present",
        "prioritise",
        "prioritize",
        "process",
        "produce",
        "provide",
        "publish",
        "recruit",
        "report",
        "represent",
        "research",
        "resolve",
        "respond",
        "review",
        "run",
        "schedule",
        "serve",
        "set",
        "ship",
        "support",
        "teach",
        "test",
        "track",
        "train",
        "translate",
        "troubleshoot",
        "undertake",
        "update",
        "validate",
        "work",
        "write",
    )
)
_THIRD_PERSON = {f"{v}es" if v.endswith(("s", "sh", "ch", "x")) else f"{v}s" for v in _DUTY_VERBS}
_DUTY_START = re.compile(
    r"^\W*(?:(?:you will|you'll|you’ll|will|in this role,? you will)\s+)?"
    r"(?:(?:also|help|actively|independently|regularly)\s+)?([a-z]+)(?![\w-])(.*)",
    re.IGNORECASE | re.DOTALL,
)
_REQUIREMENT_CUE = _rx(
    r"\b(experience[sd]?|ability|abilities|able to|knowledge|knowledgeable|degree|years?"
    r"|familiar(ity)?|proficien\w*|understanding|skills?|skilled|background|certif\w*"
    r"|licen[cs]\w*|qualified|qualifications?|must|required|requirements?|expertise|fluen\w*"
    r"|track record|publications?)\b"
)
# "Process improver", "Test Driven Development", "Lead developer": a noun phrase, not a duty.
_NOUN_PHRASE_NEXT = re.compile(
    r"^\s+(?:[A-Z]\w*|(?!(?:other|over|under|after|together|either|whether|better|further|"
    r"proper|never)\b)[a-z]+(?:er|or|ist|ian)s?\b)"
)
_AFTER_OWN = _rx(r"^\s+(the|our|your|all|end-to-end|and)\b")


def looks_like_duty(text: str) -> bool:
    """True when `text` reads like a responsibility ("Develop and launch...", "Manage the
    team's calendar", "You will collaborate with...") rather than a requirement: it opens
    with a duty verb and carries no requirement cue such as experience, ability, knowledge,
    degree or years."""
    match = _DUTY_START.match(text.strip())
    if not match:
        return False
    word, rest = match.group(1).lower(), match.group(2)
    if word == "own":
        # "Own the roadmap" is a duty; "Own tools" or "own transport" is a requirement.
        if not _AFTER_OWN.match(rest):
            return False
    elif word not in _DUTY_VERBS and word not in _THIRD_PERSON:
        return False
    if _NOUN_PHRASE_NEXT.match(rest):
        return False
    return not _REQUIREMENT_CUE.search(text)


# ---------------------------------------------------------------------------------------------
# Classification.

_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen"
)
_LANGUAGES = (
    "English|Spanish|French|German|Italian|Portuguese|Dutch|Czech|Slovak|Polish|Russian|"
    "Ukrainian|Romanian|Hungarian|Greek|Turkish|Arabic|Hebrew|Persian|Farsi|Hindi|Urdu|Bengali|"
    "Punjabi|Tamil|Telugu|Gujarati|Marathi|Mandarin|Cantonese|Chinese|Japanese|Korean|"
    "Vietnamese|Thai|Tagalog|Filipino|Indonesian|Malay|Swahili|Amharic|Somali|Swedish|"
    "Norwegian|Danish|Finnish|Icelandic|Catalan|Basque|Welsh|Irish|Gaelic|Serbian|Croatian|"
    "Bosnian|Slovenian|Bulgarian|Lithuanian|Latvian|Estonian|Haitian Creole|Creole|"
    "American Sign Language|ASL|Sign Language"
)
LANGUAGE_NAMES = re.compile(rf"\b({_LANGUAGES})\b")
_LANGUAGE_CUE = _rx(
    r"fluen\w*|native|bilingual|multilingual|spoken|speak\w*|written|proficien\w*|command of"
    r"|language|\b[ABC][12]\b|conversational|read(ing)? and writ|mother tongue"
)

_EXPERIENCE_OPENERS = (
    r"(?:demonstrated|proven|prior|previous|professional|relevant|significant|strong|solid|"
    r"extensive|hands-on|practical|some|direct|recent|research|industry|work|working)"
)
_NOT_ELIGIBILITY_OPENER = _rx(
    rf"^\W*(?:{_EXPERIENCE_OPENERS}\s+)*(experience|knowledge|familiarity|understanding|"
    r"expertise)\s+(in|with|of)\b"
)
_ELIGIBILITY = _rx(
    r"(authori[sz]ed|eligib\w*|right|permit(ted)?|legally able) to work|work (authori[sz]ation|"
    r"permit|visa)|visa sponsorship|\bsponsorship\b|\bcitizen(ship)?\b"
    r"|permanent residen|green card|(citizens?|residents?) or nationals?|\bnationals? of\b"
    r"|security clearance|\bclearance\b"
    r"|background (check|investigation|screening)|criminal record|fingerprint"
    r"|drug (test|screen)|substance (test|screen)|suitab\w* for (federal )?employment"
    r"|driv(er'?s?|er’s|ing) licen[cs]e|reliable (transportation|transport|vehicle)"
    r"|own (tools|vehicle|car|transport)"
    r"|\brelocat\w*|\bbased in\b|\bcommut\w*|\bin-office\b|\bin the office\b|\bfully on-?site"
    r"|\b(work|working|be|presence|present|report\w*)\s+(\w+\s+){0,2}?(on-?site|in person)\b"
    r"|on-?site (presence|work|role|position|\d)"
    r"|(willing|able|ability|availab\w*|required|requires?|up) to travel|\btravel (up to|\d)"
    r"|\d+\s?% (travel|of the time)|overnight travel|(domestic|international|frequent) travel"
    r"|(weekends?|evenings?|nights?|overnights?|holidays|saturdays?|sundays?|on-?call|shifts?"
    r"|rotating|flexible schedule)\b.*\b(work|availab\w*|schedule|required|rotation)"
    r"|\b(work|availab\w*|available|schedule)\b.*\b(weekends?|evenings?|nights?|holidays"
    r"|saturdays?|sundays?|on-?call|shifts?)\b"
    r"|\blift\w*\s+(up to\s+)?\d+\s*(lb|lbs|pounds|kg)|\d+\s*(lb|lbs|pounds|kg)\b"
    r"|stand(ing)? for (long|extended)|physical(ly)? (able|demands|requirements)"
    r"|seasonal conditions|outdoor conditions|all weather"
    r"|\d+\s*years (of age|old)|\b(18|19|21)\s*(\+|or older|years or older)|age of \d+"
)

_YEARS = _rx(
    rf"\b(\d+(\.\d+)?|{_NUMBER_WORDS}|a)\s*(\+|plus)?\s*((-|–|to)\s*\d+\s*\+?\s*)?"
    r"(or more\s+)?(full[- ]time\s+)?years?\b(?!\s*(of age|old))"
)
_EDUCATION = re.compile(
    r"(?i:\b(bachelor|master)(['’]s|s)\b|\b(bachelor|master|doctor)\s+(of|in)\b|\bdegree\b"
    r"|\bdoctora(te|l)\b"
    r"|\bdiploma\b|\bgraduat(e|ed|ing) (from|of|in|with)\b|\bgraduate degree|\bpost-?graduate"
    r"|\bundergraduate (degree|studies|student)|\b(university|college) (degree|studies|education)"
    r"|\bpursuing\b|\bworking towards?\b"
    r"|\benrolled\b|\bcoursework\b|\bhigh school\b|\bGED\b)"
    r"|\bPh\.?\s?D\b|\bMBA\b|\bMSc\b|\bBSc\b|\bB\.[AS]\.|\bM\.[AS]\.|\bBEng\b|\bMEng\b|\bMD\b"
)
_LICENCE = _rx(r"\blicen[cs]\w*|\blicensure|\bcertif\w*|\bchartered\b|\bCPA\b|\bboard[- ]certified")
_PORTFOLIO = _rx(
    r"\bpublication|\bpublished\b|\bpublish (in|papers)|\bportfolio|work samples?|writing samples?"
    r"|code samples?|\bclips\b|showreel|demo reel|papers (in|at)\b|first[- ]author"
    r"|peer[- ]reviewed|refereed"
)
_EXPERIENCE = _rx(
    r"\bexperience[ds]?\b|\btrack record|\bbackground (in|with)|\bhistory of\b|\bworked (in|with|"
    r"as|on)\b|\bproven record|\bpreviously\b|\bprior (role|work|job)"
)
_EXPERIENCE_FIRST = _rx(
    rf"^\W*(?:(a|an)\s+)?(?:{_EXPERIENCE_OPENERS}[\s,]+(?:and\s+)?)*(?:\w+\s+){{0,2}}?"
    r"(experience[ds]?|track record|background)\b"
)
_TRAIT = _rx(
    r"communicat\w*|interpersonal|organi[sz]ed|organi[sz]ational|detail[- ]oriented"
    r"|attention to detail|team ?work|team player|collaborat\w*|self[- ](starter|motivated|manag)"
    r"|\bmotivated\b|proactive|initiative|independent(ly)?\b|\bflexib\w*|adaptab\w*|curious"
    r"|curiosity|passion\w*|enthusias\w*|integrity|trustworth\w*|\breliab(le|ility)\b|punctual"
    r"|positive attitude|work ethic|problem[- ]solv\w*|critical think\w*|decision[- ]making"
    r"|time management|multi-?task\w*|prioriti[sz]\w*|fast[- ]paced|learn quickly|quick learner"
    r"|\beager\b|willing(ness)? to learn|\bdesire to\b|commitment to|committed to|comfort(able)?"
    r"|professionalism|personality|\bempath\w*|\bpatien(t|ce)\b|\bhonest\w*|\bdependab\w*"
    r"|leadership|\bmission\b|\bresilien\w*|\bcreativ\w*|-oriented\b|\bfriendly\b"
)
_SKILL_CUE = _rx(
    r"proficien\w*|\bprogramming\b|\bcoding\b|\bscripting\b|\bsoftware\b|\btools?\b|computer"
    r"|technical|technolog\w*|\blanguages?\b|frameworks?|\bknowledge\b|understanding of"
    r"|familiar\w*|expertise|mastery|skill(s|ed)?\b|hands-on|fluency (in|with)|\bcompeten\w*"
    r"|\bliteracy\b|\bMS Office|\bMicrosoft\b|\bExcel\b|\bSQL\b|\bAPIs?\b"
)


def _earliest(text: str, rules: Iterable[tuple[CriterionType, re.Pattern[str]]]):
    best: tuple[int, CriterionType] | None = None
    for kind, pattern in rules:
        match = pattern.search(text)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), kind)
    return best[1] if best else None


def _experience_years(text: str) -> bool:
    """A number of years that counts experience, not a contract length or an age."""
    for match in _YEARS.finditer(text):
        if match.group(1).lower() == "a" and not re.search(
            r"\b(minimum|least|over|more than)\s+(of\s+)?a\s+year", text, re.IGNORECASE
        ):
            continue
        around = text[max(0, match.start() - 40) : match.end() + 60].lower()
        if re.search(r"limited to|contract|fixed[- ]term|duration|appointment|funded for", around):
            continue
        return True
    return False


_TECH_TOKEN = re.compile(r"\b(?:[A-Z][a-z]+[A-Z]\w*|[A-Za-z]+\d+\w*|[A-Z]{2,}[a-z]?)\b")


def classify(text: str, title: str = "", keywords: Iterable[str] = ()) -> CriterionType:
    """The kind of requirement `text` states, read from its wording.

    Rules, in order: an eligibility or logistics gate (work authorisation, checks, schedule,
    travel, relocation, on-site presence, physical demands, a driving licence, an age minimum);
    a human language; then whichever of years of experience, a degree, a licence or
    certification, or publications/portfolio the text names first ("Bachelor's degree and 3
    years" is about the degree, "3+ years and a degree" about the years); then experience or
    skills (a keyword list, a skill cue or named technologies), whichever comes first; then
    soft traits. The first sentence is read first, since it states the requirement and the
    rest elaborates; then the whole text; then the title ("Skills: ...")."""
    keywords = tuple(keywords)
    flat = " ".join(text.split())
    lead = lead_sentence(flat)
    for candidate in dict.fromkeys((lead, flat, " ".join(title.split()))):
        found = _classify_text(candidate, keywords)
        if found is not CriterionType.GENERAL:
            return found
    return CriterionType.GENERAL


def _classify_text(text: str, keywords: tuple[str, ...]) -> CriterionType:
    if not text:
        return CriterionType.GENERAL
    if _ELIGIBILITY.search(text) and not _NOT_ELIGIBILITY_OPENER.match(text):
        return CriterionType.ELIGIBILITY
    if LANGUAGE_NAMES.search(text) and _LANGUAGE_CUE.search(text):
        return CriterionType.LANGUAGE
    rules = [
        (CriterionType.EDUCATION, _EDUCATION),
        (CriterionType.LICENCE, _LICENCE),
        (CriterionType.PORTFOLIO, _PORTFOLIO),
    ]
    if _experience_years(text):
        rules.append((CriterionType.YEARS, _YEARS))
    kind = _earliest(text, rules)
    if kind is not None:
        return kind
    # Trait words are blanked (keeping offsets) so that "communication skills" does not count
    # as a skill cue, while "Python programming, and experience" still finds "programming".
    untraited = _blank_traits(text)
    kind = _earliest(
        untraited,
        [(CriterionType.EXPERIENCE, _EXPERIENCE), (CriterionType.SKILLS, _SKILL_CUE)],
    )
    if kind is CriterionType.EXPERIENCE:
        if len(keywords) >= 2 and not _EXPERIENCE_FIRST.match(text):
            return CriterionType.SKILLS
        return CriterionType.EXPERIENCE
    if kind is CriterionType.SKILLS:
        return CriterionType.SKILLS
    # Named tools beat trait words: "Comfortable with Figma and Sketch" is a skills list.
    if any(k[:1].isupper() or any(ch.isdigit() for ch in k) for k in keywords):
        return CriterionType.SKILLS
    if _TRAIT.search(text):
        return CriterionType.TRAIT
    if keywords or len(set(_TECH_TOKEN.findall(text))) >= 2:
        return CriterionType.SKILLS
    return CriterionType.GENERAL


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group())


def _blank_traits(text: str) -> str:
    if not _TRAIT.search(text):
        return text
    return _TRAIT.sub(_blank, re.sub(r"\b(skills?|abilit(y|ies))\b", _blank, text, flags=re.I))
