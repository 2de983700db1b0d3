"""The ranking as CSV, built here once: the admin's export, the weekly digest
and the API's `?format=csv` all call `ranking_csv`, so the three files are
the same bytes. No DRF here: the API's renderer uses `csv_text` too. Also the
admin's exports of candidates, applications and review assignments, as CSV or XLSX."""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from django.http import HttpResponse
from django.utils import timezone

from rubrics.anchors import SCALE_MIN
from screening import scoring, selectors
from screening.models import Candidate, ReviewAssignment, Scorecard
from screening.selectors import RankingRow

RANKING_HEADER = [
    "rank",
    "application",
    "candidate",
    "candidate_name",
    "stage",
    "rubric_version",
    "score",
    "adjusted_score",
    "passes_must_haves",
    "failed_must_haves",
    "submitted",
    "pending",
    "strong_no",
    "no",
    "yes",
    "strong_yes",
]
_TALLY = {
    "strong_no": Scorecard.Recommendation.STRONG_NO,
    "no": Scorecard.Recommendation.NO,
    "yes": Scorecard.Recommendation.YES,
    "strong_yes": Scorecard.Recommendation.STRONG_YES,
}


def _number(value, kind):
    return None if value is None else kind(value)


def ranking_record(rank: int, row: RankingRow) -> dict:
    """One ranked row as flat values, named as the CSV's columns."""
    record = {
        "rank": rank,
        "application": row.application_id,
        "candidate": row.candidate_id,
        "candidate_name": row.candidate_name,
        "stage": row.stage,
        "rubric_version": row.rubric_version,
        "score": _number(row.score, float),
        "adjusted_score": _number(row.adjusted_score, float),
        "passes_must_haves": row.passes_must_haves,
        "failed_must_haves": [str(title) for title in row.failed_must_haves],
        "submitted": row.submitted,
        "pending": row.pending,
    }
    record.update({name: row.tally.get(value, 0) for name, value in _TALLY.items()})
    return record


def csv_text(header: Sequence[str], records: Iterable[dict]) -> str:
    """Flat dicts as CSV under `header` (written even with no rows)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(header), extrasaction="ignore")
    writer.writeheader()
    for record in records:
        writer.writerow({k: _cell(v) for k, v in record.items()})
    return buffer.getvalue()


def ranking_csv(rows: Iterable[RankingRow]) -> str:
    """The ranking, best first, as the text of a CSV file."""
    return csv_text(RANKING_HEADER, (ranking_record(i, row) for i, row in enumerate(rows, start=1)))


def ranking_csv_response(posting, rows: Iterable[RankingRow]) -> HttpResponse:
    """The ranking as a CSV download, named after the posting."""
    response = HttpResponse(
        ranking_csv(rows).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="ranking-posting-{posting.pk}.csv"'
    return response


def _cell(value):
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if value is None:
        return ""
    text = str(value)
    # Spreadsheet apps run cells that start like a formula.
    if text[:1] in ("=", "+", "-", "@") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# --- Candidates and review assignments as CSV or XLSX -------------------------------------
# The admin's "Export" actions. The same records give both files: the CSV through `csv_text`
# (formula-like cells neutralised by `_cell`), the workbook through openpyxl's write-only
# mode, where text is always written as a text cell, so "=..." is never a formula there.

CANDIDATE_HEADER = [
    "id",
    "full_name",
    "email",
    "phone",
    "links",
    "notes",
    "applications",
    "created_at",
]
ASSIGNMENT_HEADER = [
    "candidate",
    "posting",
    "reviewer",
    "due_date",
    "status",
    "submitted_at",
    "recommendation",
    "weighted_score",
]


def _local(moment):
    """A stored time as the wall-clock time of the site's zone, to the second."""
    if moment is None:
        return None
    return timezone.localtime(moment).replace(tzinfo=None, microsecond=0)


def candidate_records(candidates: Iterable[Candidate]) -> Iterator[dict]:
    """Candidates annotated with `application_count`
    (selectors.candidates_with_application_count)."""
    for c in candidates:
        yield {
            "id": c.pk,
            "full_name": c.full_name,
            "email": c.email,
            "phone": c.phone,
            "links": list(c.links or []),
            "notes": c.notes,
            "applications": c.application_count,
            "created_at": _local(c.created_at),
        }


def assignment_score(assignment: ReviewAssignment) -> float | None:
    """The reviewer's weighted score (0–100) of a submitted scorecard, from the assignment's
    prefetched scores and rubric criteria; None for a draft."""
    card = assignment.scorecard
    if not card.is_submitted:
        return None
    rubric = assignment.application.rubric
    values = {s.criterion_id: s.value for s in card.scores.all()}
    score = scoring.weighted_score(
        values,
        selectors.rules_for(rubric.criteria.all()),
        scoring.Scale(SCALE_MIN, rubric.scale_max),
    )
    return None if score is None else round(score, 1)


def assignment_records(assignments: Iterable[ReviewAssignment], viewer=None) -> Iterator[dict]:
    """Assignments with their application's candidate, posting and rubric, the reviewer and
    the scorecard selected, and `scorecard__scores` and `application__rubric__criteria`
    prefetched (the admin's export does both). Where ``viewer`` is still scoring an
    application themselves, the others' recommendation and score stay blank."""
    blind = (
        set(selectors.scoring_blind_applications(viewer).values_list("application_id", flat=True))
        if viewer is not None
        else set()
    )
    for a in assignments:
        card = a.scorecard
        if a.application_id in blind and a.reviewer_id != viewer.pk:
            yield {
                "candidate": a.application.candidate.full_name,
                "posting": a.application.posting.title,
                "reviewer": a.reviewer.get_full_name() or a.reviewer.get_username(),
                "due_date": a.due_date,
                "status": card.get_status_display(),
                "submitted_at": _local(card.submitted_at),
                "recommendation": "",
                "weighted_score": None,
            }
            continue
        yield {
            "candidate": a.application.candidate.full_name,
            "posting": a.application.posting.title,
            "reviewer": a.reviewer.get_full_name() or a.reviewer.get_username(),
            "due_date": a.due_date,
            "status": card.get_status_display(),
            "submitted_at": _local(card.submitted_at),
            "recommendation": card.get_recommendation_display() if card.recommendation else "",
            "weighted_score": assignment_score(a),
        }


# Applications: the ranking's columns for the selected applications, each with its place
# in its posting's ranking, and the posting named first.
APPLICATION_HEADER = ["posting", *RANKING_HEADER]


def application_records(applications: Iterable, viewer=None) -> Iterator[dict]:
    """The selected applications as ranking rows, posting by posting: each posting's
    ranking is computed once (a few aggregate queries), whatever the number selected."""
    by_posting: dict = {}
    for application in applications:
        by_posting.setdefault(application.posting, set()).add(application.pk)
    for posting, chosen in sorted(by_posting.items(), key=lambda item: item[0].title.lower()):
        for row in selectors.posting_ranking(posting=posting, viewer=viewer):
            if row.application_id in chosen:
                yield {"posting": posting.title, **ranking_record(row.rank, row)}


def xlsx_bytes(header: Sequence[str], records: Iterable[dict], *, sheet: str) -> bytes:
    """Flat dicts as a one-sheet workbook under `header` (openpyxl, write-only)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    worksheet.append(list(header))

    def cell(value):
        if isinstance(value, list):
            value = "; ".join(str(v) for v in value)
        if not isinstance(value, str):
            return value
        # Control characters (other than tab and newlines) cannot be stored in a workbook.
        text = WriteOnlyCell(worksheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        text.data_type = "s"  # never a formula, whatever it starts with
        return text

    for record in records:
        worksheet.append([cell(record.get(name)) for name in header])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_response(
    header: Sequence[str], records: Iterable[dict], *, name: str, kind: str
) -> HttpResponse:
    """A download of `records` as "csv" or "xlsx", named `name`-<today>.<kind>."""
    if kind == "xlsx":
        content, content_type = xlsx_bytes(header, records, sheet=name), XLSX_TYPE
    else:
        content = csv_text(header, records).encode("utf-8")
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    filename = f"{name}-{timezone.localdate().isoformat()}.{kind}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
