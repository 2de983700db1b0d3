"""The reports app's sections of a candidate's subject-access export
(screening.privacy.export), registered in ReportsConfig.ready: screening cannot import
reports.

- ``reports``: the stored reports of the postings they applied to that mention the
  candidate (by name or email), with the lines of their text and CSV that do: one query.
- ``demographics``: the candidate's self-identified answers, only for a user who may read
  them (reports.impact.selectors.can_view_demographics); for anyone else a note that they
  are held separately. One query, or none."""

from django.db.models import Q

from reports.impact.selectors import can_view_demographics
from reports.models import CandidateDemographics, Report
from screening.models import Application

HELD_SEPARATELY = (
    "Self-identified demographics, where the candidate gave any, are held separately and "
    "only people with the dedicated permission may read them; they are not part of this "
    "export. Ask the data protection contact for them."
)


def _mentions(text: str, needles: list[str]) -> list[str]:
    return [line for line in text.splitlines() if any(n in line.casefold() for n in needles)]


def reports_section(candidate, *, user) -> list[dict]:
    """Each stored report that mentions the candidate, with the lines that do."""
    needles = [n.casefold() for n in (candidate.full_name, candidate.email) if n]
    if not needles:
        return []
    mention = Q()
    for needle in needles:
        mention |= Q(text__icontains=needle) | Q(csv__icontains=needle)
    # The digests of postings they applied to (a namesake elsewhere is someone else).
    postings = Application.objects.filter(candidate=candidate).values("posting_id")
    reports = Report.objects.filter(mention, posting_id__in=postings).only(
        "pk", "kind", "subject", "period_start", "period_end", "text", "csv", "sent_at"
    )
    return [
        {
            "id": report.pk,
            "kind": report.kind,
            "subject": report.subject,
            "period_start": report.period_start.isoformat(),
            "period_end": report.period_end.isoformat(),
            "sent_at": report.sent_at.isoformat() if report.sent_at else None,
            "lines": _mentions(report.text, needles),
            "csv_rows": _mentions(report.csv, needles),
        }
        for report in reports.order_by("period_end", "pk")
    ]


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
