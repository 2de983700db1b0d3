"""Ratings of one rubric, straight from the database into numpy arrays: no
model object per rating. This fetch is the floor of a calibration run, and
the benchmark measures the run against it.

On PostgreSQL the rows come through ``COPY (SELECT …) TO STDOUT (FORMAT
binary)``: the stream is gathered into one buffer and read as a structured
numpy array over the binary tuples, so no Python object is made per row.
Elsewhere (SQLite) a plain cursor's rows go through one 2-D float array. Both
run the same SQL (the ORM's), so they return the same arrays in the same
order."""

from dataclasses import dataclass

import numpy as np
from django.db import connection

from screening.models import CriterionScore, Scorecard

# PostgreSQL's binary COPY: a header (signature, flags, extension length and
# extension), then per row a 16-bit field count and, per field, a 32-bit
# length (-1: NULL) followed by the value; a 16-bit -1 ends the stream. All
# integers big-endian. Timestamps are microseconds since 2000-01-01 UTC.
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
_POSTGRES_EPOCH_US = 946_684_800_000_000
# The type each column is cast to in the COPY, and its wire dtype.
_WIRE = {
    "int8": ">i8",
    "float8": ">f8",
    "timestamptz": ">i8",
}


class CopyLayoutError(ValueError):
    """A binary COPY stream that is not the fixed-width rows it should be."""


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
        return self.scorecard_submitted[positions(self.scorecard_ids, self.scorecard)]


def positions(ids: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``np.searchsorted(ids, values)`` for sorted ``ids``. Ids close together
    (a rubric's scorecards): the same search done once per id of the range
    rather than once per value, then looked up."""
    if ids.size and values.size:
        lo, hi = int(ids[0]), int(ids[-1])
        if hi - lo <= 4 * values.size and lo <= values.min() and values.max() <= hi:
            table = np.searchsorted(ids, np.arange(lo, hi + 1))
            return table[values - lo]
    return np.searchsorted(ids, values)


def _querysets(rubric_id: int):
    """The two queries of a fetch: the rubric's submitted scorecards by id,
    and their non-empty scores (in the database's order)."""
    cards = (
        Scorecard.objects.filter(
            application__rubric_id=rubric_id, status=Scorecard.Status.SUBMITTED
        )
        .order_by("id")
        .values_list("id", "application_id", "assignment__reviewer_id", "submitted_at")
    )
    scores = (
        CriterionScore.objects.filter(
            scorecard__application__rubric_id=rubric_id,
            scorecard__status=Scorecard.Status.SUBMITTED,
            value__isnull=False,
        )
        .order_by()
        .values_list("scorecard_id", "criterion_id", "value")
    )
    return cards, scores


CARD_TYPES = ("int8", "int8", "int8", "timestamptz")
SCORE_TYPES = ("int8", "int8", "float8")


def copy_columns(*, rubric_id: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """PostgreSQL only: the fetch's two queries read with binary COPY into
    numpy arrays, one per column, as they come off the wire (timestamps as
    microseconds since 2000-01-01). The bare minimum the database can deliver
    of these rows, and what ``fetch_ratings`` builds its arrays from."""
    cards, scores = _querysets(rubric_id)
    return _copy(cards, CARD_TYPES), _copy(scores, SCORE_TYPES)


def _copy(queryset, types: tuple[str, ...]) -> list[np.ndarray]:
    sql, params = queryset.query.sql_with_params()
    names = [f"c{i}" for i in range(len(types))]
    select = ", ".join(f"q.{name}::{t}" for name, t in zip(names, types, strict=True))
    statement = (
        f"COPY (SELECT {select} FROM ({sql}) AS q({', '.join(names)})) TO STDOUT (FORMAT binary)"
    )
    buffer = bytearray()
    with connection.cursor() as cursor, cursor.cursor.copy(statement, params) as copy:
        for chunk in copy:
            buffer += chunk
    return parse_binary_copy(buffer, [_WIRE[t] for t in types])


def parse_binary_copy(buffer, wire_dtypes: list[str]) -> list[np.ndarray]:
    """One array per column from a binary COPY stream whose rows all have
    ``len(wire_dtypes)`` non-NULL fixed-width fields (the dtypes as on the
    wire, big-endian). Raises CopyLayoutError for anything else (a NULL, a
    width that differs), so that a wrong layout never reads as numbers."""
    view = memoryview(buffer)
    head = len(_COPY_SIGNATURE) + 8
    if len(view) < head + 2 or bytes(view[: len(_COPY_SIGNATURE)]) != _COPY_SIGNATURE:
        raise CopyLayoutError("Not a binary COPY stream.")
    extension = int.from_bytes(view[head - 4 : head], "big")
    start = head + extension
    if bytes(view[-2:]) != b"\xff\xff":
        raise CopyLayoutError("The COPY stream has no trailer.")
    fields = [("count", ">i2")]
    for i, dtype in enumerate(wire_dtypes):
        fields += [(f"len{i}", ">i4"), (f"col{i}", dtype)]
    row = np.dtype(fields)
    body = len(view) - 2 - start
    if body % row.itemsize:
        raise CopyLayoutError("The COPY rows are not of the expected fixed width.")
    rows = np.frombuffer(view[start : len(view) - 2], dtype=row)
    if (rows["count"] != len(wire_dtypes)).any():
        raise CopyLayoutError("A COPY row has an unexpected number of fields.")
    for i, dtype in enumerate(wire_dtypes):
        if (rows[f"len{i}"] != np.dtype(dtype).itemsize).any():
            raise CopyLayoutError(f"Column {i} holds a NULL or a value of another width.")
    return [
        rows[f"col{i}"].astype(np.dtype(dtype).newbyteorder("="))
        for i, dtype in enumerate(wire_dtypes)
    ]


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


def fetch_ratings(*, rubric_id: int, copy: bool | None = None) -> Ratings:
    """Every submitted, non-empty score on the rubric's applications.

    ``copy`` picks the read: binary COPY (PostgreSQL's default) or a plain
    cursor (everywhere else, and what the COPY path is tested against)."""
    if copy is None:
        copy = connection.vendor == "postgresql"
    if copy:
        try:
            cards, scores = copy_columns(rubric_id=rubric_id)
        except CopyLayoutError:
            # Not expected (every column is NOT NULL or filtered so): read the
            # rows the slow way rather than fail the run.
            copy = False
    if copy:
        (card_ids, card_apps, card_reviewers, card_us), (score_cards, criteria, values) = (
            cards,
            scores,
        )
        # Microseconds since 2000 to POSIX seconds: exact integers divided once,
        # the same float as datetime.timestamp() gives.
        card_times = (card_us + _POSTGRES_EPOCH_US) / 1e6
    else:
        cards, scores = _querysets(rubric_id)
        card_ids, card_apps, card_reviewers, card_objects = _fetch(
            cards, [np.int64, np.int64, np.int64, object]
        )
        card_times = np.array([_seconds(t) for t in card_objects], dtype=np.float64)
        score_cards, criteria, values = _fetch(scores, [np.int64, np.int64, np.float64])
    # The two reads are two statements, two snapshots: a scorecard submitted between them
    # has scores but no card row. Those scores wait for the next run (its card was not
    # seen), rather than being read against another card's row.
    where = positions(card_ids, score_cards)
    if len(card_ids):
        seen = card_ids[np.minimum(where, len(card_ids) - 1)] == score_cards
    else:
        seen = np.zeros(len(score_cards), dtype=bool)
    if not seen.all():
        where, score_cards, criteria, values = (
            where[seen],
            score_cards[seen],
            criteria[seen],
            values[seen],
        )
    return Ratings(
        application=card_apps[where] if len(card_ids) else np.empty(0, np.int64),
        reviewer=card_reviewers[where] if len(card_ids) else np.empty(0, np.int64),
        criterion=criteria,
        value=values,
        scorecard=score_cards,
        scorecard_ids=card_ids,
        scorecard_application=card_apps,
        scorecard_submitted=card_times.astype(np.float64, copy=False),
    )


def _seconds(value) -> float:
    if hasattr(value, "timestamp"):
        return value.timestamp()
    # SQLite through a raw cursor gives ISO strings.
    from django.utils.dateparse import parse_datetime

    return parse_datetime(str(value)).timestamp()
