"""Anonymised review: on a posting with ``anonymised_review``, a reviewer (anyone who is not a
recruiter) knows a candidate only as a stable code ("Candidate 7F3K") until their own scorecard
for that application is submitted; no email, phone, links or notes, and documents only as text
with the identifying strings blacked out (``redact``), never the original file or its page
images. Recruiters always see identities.

Every screen and endpoint asks one object, ``IdentityScreen``, built once per request (two
queries at most, whatever the length of a list), and shows what it answers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import BooleanField, Exists, OuterRef, Q, Value
from django.http import HttpResponse
from django.utils.http import content_disposition_header

from core.roles import is_recruiter
from screening.models import Application, Candidate, Document, Scorecard

# Same length as what it covers, whitespace kept: evidence offsets and page layout stay put.
REDACTION_MARK = "█"

# --- The code ------------------------------------------------------------------------------


def candidate_code(candidate_id: int) -> str:
    """A stable, unguessable code for a candidate: the first 4 base32 characters of an HMAC
    of SECRET_KEY over the id ("Candidate 7F3K"). The same on every page and every day;
    without the key, the id cannot be read back from it."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"candidate:{candidate_id}".encode(), hashlib.sha256
    ).digest()
    return f"Candidate {base64.b32encode(digest).decode()[:4]}"


# --- Who is hidden from whom ---------------------------------------------------------------


def _submitted_by(user):
    return Scorecard.objects.filter(
        application=OuterRef("pk"), assignment__reviewer=user, status=Scorecard.Status.SUBMITTED
    )


def hidden_candidate_ids(user) -> set[int]:
    """The candidates ``user`` may not identify: none for a recruiter; for anyone else, each
    candidate with an application on an anonymised posting assigned to them whose scorecard
    they have not submitted. Per candidate, not per application: a name shown on another
    posting's application would give the code away."""
    if is_recruiter(user) or not user.is_authenticated:
        return set()
    return set(
        Application.objects.filter(posting__anonymised_review=True, assignments__reviewer=user)
        .exclude(Exists(_submitted_by(user)))
        .values_list("candidate_id", flat=True)
    )


def candidate_hidden_expression(user, *, candidate: str, application: str | None = None):
    """``identity_hidden`` as a query expression, to annotate a list with (one query
    whatever its length): ``candidate`` names the row's candidate id (``"pk"`` on a candidate,
    ``"application__candidate_id"`` on an assignment), ``application`` its application's id
    where it has one."""
    if is_recruiter(user):
        return Value(False, output_field=BooleanField())
    if not user.is_authenticated:
        return Value(True, output_field=BooleanField())
    theirs = Q(assignments__reviewer=user)
    if application is not None:
        theirs |= Q(pk=OuterRef(application))
    return Exists(
        Application.objects.filter(
            candidate_id=OuterRef(candidate), posting__anonymised_review=True
        )
        .filter(theirs)
        .exclude(Exists(_submitted_by(user)))
    )


def identity_hidden(application: Application, user) -> bool:
    """Whether ``user`` sees ``application``'s candidate as a code: never for a recruiter;
    for anyone else, on an anonymised posting until their own scorecard for it is submitted
    (so always, where they have none: a calibration session's item), and wherever the same
    candidate is still hidden from them on another posting."""
    return IdentityScreen(user).hidden(application)


class IdentityScreen:
    """``identity_hidden`` for one viewer over many applications: the two sets it needs are
    read once, on first use."""

    def __init__(self, user):
        self.user = user
        self.sees_all = is_recruiter(user)
        self._hidden: set[int] | None = None
        self._revealed: set[int] | None = None

    @classmethod
    def of(cls, request) -> IdentityScreen:
        """The request's screen (made once per request)."""
        screen = getattr(request, "_identity_screen", None)
        if screen is None or screen.user is not request.user:
            screen = cls(request.user)
            request._identity_screen = screen
        return screen

    def hides_anyone(self) -> bool:
        """Whether some candidate is shown to this viewer as a code (searching by name would
        then tell who is behind one)."""
        if self.sees_all:
            return False
        if self._hidden is None:
            self._hidden = hidden_candidate_ids(self.user)
        return bool(self._hidden)

    def candidate_hidden(self, candidate_id: int) -> bool:
        if self.sees_all:
            return False
        if self._hidden is None:
            self._hidden = hidden_candidate_ids(self.user)
        return candidate_id in self._hidden

    def hidden(self, application: Application) -> bool:
        if self.sees_all:
            return False
        # Read with the row already (a selector's `candidate_hidden` annotation).
        if hasattr(application, "candidate_hidden"):
            return application.candidate_hidden
        if not self.user.is_authenticated:
            return True
        if self.candidate_hidden(application.candidate_id):
            return True
        if not application.posting.anonymised_review:
            return False
        if self._revealed is None:
            self._revealed = set(
                Scorecard.objects.filter(
                    assignment__reviewer=self.user, status=Scorecard.Status.SUBMITTED
                ).values_list("application_id", flat=True)
            )
        return application.pk not in self._revealed

    # What to show ------------------------------------------------------------------------

    def candidate_name(self, application: Application) -> str:
        if self.hidden(application):
            return candidate_code(application.candidate_id)
        return application.candidate.full_name

    def candidate(self, application: Application) -> ShownCandidate:
        return shown_candidate(application, hidden=self.hidden(application))

    def application_label(self, application: Application) -> str:
        """As ``str(application)``: "<candidate> for <posting>"."""
        return f"{self.candidate_name(application)} for {application.posting}"

    def document_name(self, document: Document) -> str:
        """The uploader's file name, or, hidden, what the document is ("Résumé (redacted text)")."""
        if self.hidden(document.application):
            return anonymous_document_name(document)
        return document.original_name


@dataclass(frozen=True)
class ShownCandidate:
    """A candidate as a page shows them: the name (or code) and the links (none when
    hidden)."""

    full_name: str
    links: list[str] = field(default_factory=list)
    hidden: bool = False


def shown_candidate(application: Application, *, hidden: bool) -> ShownCandidate:
    if hidden:
        return ShownCandidate(candidate_code(application.candidate_id), hidden=True)
    candidate = application.candidate
    return ShownCandidate(candidate.full_name, links=list(candidate.links or []))


def anonymous_document_name(document: Document) -> str:
    return f"{document.get_role_display()} (redacted text)"


# --- Redaction -----------------------------------------------------------------------------

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_URL = re.compile(r"(?:\b(?:https?|ftp)://|\bwww\.)[^\s<>\"')\]]+", re.IGNORECASE)
# A host with a path ("github.com/ada"), or a profile site's host alone.
_BARE_URL = re.compile(
    r"\b(?:[a-z0-9-]+\.)+(?:com|org|net|io|dev|me|co|uk|de|fr|nl|eu|info|app|ai|us|ca|au|"
    r"page|site|xyz|tech|blog)/[^\s<>\"')\]]*"
    r"|\b(?:linkedin|github|gitlab|bitbucket|twitter|x|behance|dribbble|medium|"
    r"stackoverflow|facebook|instagram)\.com\b",
    re.IGNORECASE,
)
_HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z0-9_]{2,30}\b")
# Digits with spaces, dots, dashes or brackets between them; kept when 7–15 digits.
_PHONE = re.compile(r"(?<![\w+])(?:\+|\(\+?)?\d[\d \t().\-/]{5,}\d(?!\w)")
# Years and month/year ranges ("2019 - 2021", "03/2019 - 10/2021") are dates, not phones.
_DATE = r"\(?(?:\d{1,2}[/.])?(?:19|20)\d\d\)?"
_YEAR_RANGE = re.compile(rf"^{_DATE}(?:\s*[-–/.]\s*{_DATE})*$")
_STREET_WORDS = (
    "street|st|road|rd|avenue|ave|lane|ln|drive|dr|boulevard|blvd|way|court|ct|place|pl|"
    "terrace|close|crescent|square|sq|parkway|pkwy|highway|hwy|row|mews|gardens|hill|walk|"
    "strasse|straße|straat|rue|via|calle"
)
# A number, up to four capitalised words, then a street word: "221B Baker Street".
_STREET = re.compile(
    r"\b\d{1,5}[A-Za-z]?,?[ \t]+(?:[A-Z][\w'.-]*[ \t]+){0,4}(?i:" + _STREET_WORDS + r")\b\.?"
)
_FLAT = re.compile(r"\b(?:apt|apartment|flat|suite|unit)\.?\s*#?\d+\w?\b", re.IGNORECASE)
_POSTCODES = (
    re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b"),  # UK: "SW1A 1AA"
    re.compile(r"\b[A-Z]\d[A-Z]\s?\d[A-Z]\d\b"),  # Canada: "K1A 0B1"
    re.compile(r"\b[A-Z]{2},?\s+\d{5}(?:-\d{4})?\b"),  # US state and ZIP: "CA 94103"
    re.compile(r"\b\d{5}-\d{4}\b"),  # ZIP+4
)


def _phone_spans(text: str):
    for match in _PHONE.finditer(text):
        value = match.group().strip()
        digits = re.sub(r"\D", "", value)
        if not 7 <= len(digits) <= 15 or _YEAR_RANGE.match(value):
            continue
        # A plain decimal or a version ("3.14159", "1.2.3.4") is not a phone number.
        if re.fullmatch(r"[\d.]+", value) and "." in value:
            continue
        yield match.start(), match.start() + len(match.group().rstrip())


def _own_record_patterns(candidate: Candidate) -> list[re.Pattern]:
    """Patterns for what the candidate's own record says: the name, its parts and initials
    (whole words, any case), the email, the phone (however it is spaced) and the links."""
    patterns = []
    name = " ".join((candidate.full_name or "").split())
    parts = [p for p in re.split(r"[\s]+", name) if p]
    words = {p.strip(".,") for p in parts} | {
        piece for p in parts for piece in re.split(r"[-']", p.strip(".,")) if len(piece) > 1
    }
    words = {w for w in words if len(w) > 1}
    if len(parts) > 1:
        first, last = parts[0].strip(".,"), parts[-1].strip(".,")
        initials = [
            rf"{re.escape(first[0])}\.?\s+{re.escape(last)}",  # "A. Lovelace"
            rf"{re.escape(first)}\s+{re.escape(last[0])}\.",  # "Ada L."
            rf"{re.escape(last)},\s*{re.escape(first[0])}\.?",  # "Lovelace, A."
        ]
        patterns.append(re.compile(rf"(?<!\w)(?:{'|'.join(initials)})(?!\w)", re.IGNORECASE))
    if name:
        patterns.append(re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE))
    # Longest first, so "Mary-Jane" goes whole before "Mary".
    for word in sorted(words, key=len, reverse=True):
        patterns.append(re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE))
    if candidate.email:
        patterns.append(re.compile(re.escape(candidate.email), re.IGNORECASE))
        local = candidate.email.split("@")[0]
        if len(local) >= 4:
            patterns.append(re.compile(rf"(?<!\w){re.escape(local)}(?!\w)", re.IGNORECASE))
    digits = re.sub(r"\D", "", candidate.phone or "")
    if len(digits) >= 7:
        # The last 7 digits, any spacing, with whatever comes before them on the same run.
        tail = r"[\s().\-/]*".join(re.escape(d) for d in digits[-7:])
        patterns.append(re.compile(rf"(?:\+?[\d \t().\-/]{{0,8}}){tail}(?!\d)"))
    for link in candidate.links or []:
        bare = re.sub(r"^[a-z]+://(?:www\.)?", "", str(link), flags=re.IGNORECASE).rstrip("/")
        if bare:
            patterns.append(re.compile(re.escape(bare), re.IGNORECASE))
    return patterns


def identifying_spans(text: str, candidate: Candidate) -> list[tuple[int, int]]:
    """Where ``text`` says who the candidate is: merged (start, end) spans, in order."""
    spans: list[tuple[int, int]] = []
    for pattern in (
        *_own_record_patterns(candidate),
        _EMAIL,
        _URL,
        _BARE_URL,
        _HANDLE,
        _STREET,
        _FLAT,
        *_POSTCODES,
    ):
        spans.extend(m.span() for m in pattern.finditer(text) if m.end() > m.start())
    spans.extend(_phone_spans(text))
    return merge_spans(spans)


def merge_spans(spans) -> list[tuple[int, int]]:
    """(start, end) spans in order, those that overlap or touch made one."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def redact(text: str, candidate: Candidate) -> str:
    """``text`` with the candidate's name (and its parts and initials), email, phone, links,
    and any email, URL, handle, phone number, street address or postcode blacked out: each
    character but whitespace becomes ``REDACTION_MARK``, so the text keeps its length and
    lines (offsets into it still point at the same words)."""
    if not text:
        return text
    out = list(text)
    for start, end in identifying_spans(text, candidate):
        for i in range(start, end):
            if not out[i].isspace():
                out[i] = REDACTION_MARK
    return "".join(out)


def redacted_text(document: Document) -> str:
    """The document's text, page after page, with the candidate's identity blacked out:
    what an anonymised review reads instead of the file."""
    candidate = document.application.candidate
    pages = document.pages.order_by("number").values_list("text", flat=True)
    return "\n\n".join(redact(text, candidate) for text in pages)


def redacted_text_response(document: Document) -> HttpResponse:
    """``redacted_text`` as a plain-text attachment named for the document's role (the
    admin's and the API's download of a document on an anonymised review)."""
    response = HttpResponse(redacted_text(document), content_type="text/plain; charset=utf-8")
    disposition = content_disposition_header(True, f"{anonymous_document_name(document)}.txt")
    response["Content-Disposition"] = disposition
    return response
