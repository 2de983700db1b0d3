"""The reports app's sections of a candidate's subject-access export
(screening.privacy.export), registered in ReportsConfig.ready: screening cannot import
reports.

- ``reports``: the stored reports of the postings they applied to that mention the
  candidate (by name or email), with the lines of their text and CSV that do: one query.
- ``demographics``: the candidate's self-identified answers, only for a user who may read
  them (reports.impact.selectors.can_view_demographics); for anyone else a note that they
  are held separately. One query, or none."""

import re

from django.contrib.auth import get_user_model
from django.db.models import Q

from reports.impact.selectors import can_view_demographics
from reports.models import CandidateDemographics, Report
from screening.models import Application
from screening.privacy.scrub import Scrubber

HELD_SEPARATELY = (
    "Self-identified demographics, where the candidate gave any, are held separately and "
    "only people with the dedicated permission may read them; they are not part of this "
    "export. Ask the data protection contact for them."
)


def _whole_words(needles: list[str]) -> re.Pattern:
    """Any of ``needles`` as a whole, in any case: "Ann Lee" is not found in "Joann Leeds"."""
    return re.compile("|".join(rf"(?<!\w){re.escape(n)}(?!\w)" for n in needles), re.IGNORECASE)


def _reviewer_names(posting_ids) -> Scrubber:
    """The people who review on these postings, as "a reviewer": third parties, whom the
    rest of the export names only by number."""
    names: set[str] = set()
    for first, last, username in (
        get_user_model()
        .objects.filter(review_assignments__application__posting_id__in=posting_ids)
        .values_list("first_name", "last_name", "username")
        .distinct()
    ):
        names |= {f"{first} {last}".strip(), username}
    return Scrubber(sorted(n for n in names if n), "a reviewer")


def reports_section(candidate, *, user) -> list[dict]:
    """Each stored report that mentions the candidate, with the lines that do (reviewers in
    them named "a reviewer")."""
    needles = [n for n in (candidate.full_name, candidate.email) if n]
    if not needles:
        return []
    mention = Q()
    for needle in needles:
        mention |= Q(text__icontains=needle) | Q(csv__icontains=needle)
    # The digests of postings they applied to (a namesake elsewhere is someone else).
    postings = list(
        Application.objects.filter(candidate=candidate).values_list("posting_id", flat=True)
    )
    reports = list(
        Report.objects.filter(mention, posting_id__in=postings)
        .only("pk", "kind", "subject", "period_start", "period_end", "text", "csv", "sent_at")
        .order_by("period_end", "pk")
    )
    if not reports:
        return []
    pattern = _whole_words(needles)
    reviewers = _reviewer_names(postings)

    def mentions(text: str) -> list[str]:
        return [reviewers.sub(line) for line in text.splitlines() if pattern.search(line)]

    found = [
        {
            "id": report.pk,
            "kind": report.kind,
            "subject": report.subject,
            "period_start": report.period_start.isoformat(),
            "period_end": report.period_end.isoformat(),
            "sent_at": report.sent_at.isoformat() if report.sent_at else None,
            "lines": mentions(report.text),
            "csv_rows": mentions(report.csv),
        }
        for report in reports
    ]
    return [r for r in found if r["lines"] or r["csv_rows"]]


def demographics_section(candidate, *, user) -> dict:
    """The candidate's self-identified answers, for a user who may read them."""
    if not can_view_demographics(user):
        return {"included": False, "note": HELD_SEPARATELY}
    record = CandidateDemographics.objects.filter(candidate=candidate).first()
    return {
        "included": True,
        "answers": record.answers if record else {},
        "updated_at": record.updated_at.isoformat() if record else None,
        "note": "Voluntary, self-identified answers; never shown to reviewers.",
    }
