"""The ranking as CSV, built here once: the admin's export, the weekly digest
and the API's `?format=csv` all call `ranking_csv`, so the three files are
the same bytes. No DRF here: the API's renderer uses `csv_text` too."""

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse

from screening.models import Scorecard
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
