"""Ratings of one rubric, straight from the database into numpy arrays: no
model object per rating. This fetch is the floor of a calibration run, and
the benchmark measures the run against it."""

from dataclasses import dataclass

import numpy as np
from django.db import connection

from screening.models import CriterionScore, Scorecard


@dataclass(frozen=True)
class Ratings:
    """Long-form ratings, one row per submitted criterion score."""

    application: np.ndarray  # int64 application ids
    reviewer: np.ndarray  # int64 user ids
    criterion: np.ndarray  # int64 criterion ids
    value: np.ndarray  # float64 levels
    scorecard: np.ndarray  # int64 scorecard ids
    # One row per submitted scorecard (its id, application and time).
    scorecard_ids: np.ndarray
    scorecard_application: np.ndarray
    scorecard_submitted: np.ndarray  # float64 POSIX seconds

    def __len__(self) -> int:
        return len(self.value)

    def submitted_time(self) -> np.ndarray:
        """Each rating's submission time (POSIX seconds)."""
        ids, cards = self.scorecard_ids, self.scorecard
        if ids.size and cards.size:
            lo, hi = int(ids[0]), int(ids[-1])  # sorted
            if hi - lo <= 4 * cards.size and lo <= cards.min() and cards.max() <= hi:
                # Ids close together: the same search, done once per id of the
                # range rather than once per rating, then looked up.
                table = np.searchsorted(ids, np.arange(lo, hi + 1))
                return self.scorecard_submitted[table[cards - lo]]
        return self.scorecard_submitted[np.searchsorted(ids, cards)]


def _fetch(queryset, dtypes: list) -> list[np.ndarray]:
    """Run the queryset's SQL on a plain cursor and return one array per
    column. All-numeric results go through one 2-D float array, which is much
    faster than splitting Python tuples column by column."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return [np.empty(0, dtype=t) for t in dtypes]
    if object not in dtypes:
        table = np.array(rows, dtype=np.float64)
        return [table[:, i].astype(t) for i, t in enumerate(dtypes)]
    columns = list(zip(*rows, strict=True))
    return [np.asarray(col, dtype=t) for col, t in zip(columns, dtypes, strict=True)]


def fetch_ratings(*, rubric_id: int) -> Ratings:
    """Every submitted, non-empty score on the rubric's applications."""
    cards = Scorecard.objects.filter(
        application__rubric_id=rubric_id, status=Scorecard.Status.SUBMITTED
    ).order_by("id")
    card_ids, card_apps, card_reviewers, card_times = _fetch(
        cards.values_list("id", "application_id", "assignment__reviewer_id", "submitted_at"),
        [np.int64, np.int64, np.int64, object],
    )
    scores = CriterionScore.objects.filter(
        scorecard__application__rubric_id=rubric_id,
        scorecard__status=Scorecard.Status.SUBMITTED,
        value__isnull=False,
    ).order_by()
    score_cards, criteria, values = _fetch(
        scores.values_list("scorecard_id", "criterion_id", "value"),
        [np.int64, np.int64, np.float64],
    )
    where = np.searchsorted(card_ids, score_cards)
    return Ratings(
        application=card_apps[where] if len(card_ids) else np.empty(0, np.int64),
        reviewer=card_reviewers[where] if len(card_ids) else np.empty(0, np.int64),
        criterion=criteria,
        value=values,
        scorecard=score_cards,
        scorecard_ids=card_ids,
        scorecard_application=card_apps,
        scorecard_submitted=np.array([_seconds(t) for t in card_times], dtype=np.float64),
    )


def _seconds(value) -> float:
    if hasattr(value, "timestamp"):
        return value.timestamp()
    # SQLite through a raw cursor gives ISO strings.
    from django.utils.dateparse import parse_datetime

    return parse_datetime(str(value)).timestamp()
