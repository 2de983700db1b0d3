"""Ratings of one rubric, straight from the database into numpy arrays: no
model object per rating. This fetch is the floor of a calibration run, and
the benchmark measures the run against it.

On PostgreSQL the rows come packed (``packed_columns``): the server writes
each row as its fields' binary send forms back to back and concatenates a
block of rows into one ``bytea``, so a million ratings arrive as a few values
that numpy reads as a structured array, not as a million messages. When the
task is outside a transaction, two connections read the two halves of the
ratings at once in one exported snapshot, as ``pg_dump --jobs`` does. The
binary COPY of the same rows (``copy_columns``) is the benchmark's floor and
the fallback. Elsewhere (SQLite) a plain cursor's rows go through one 2-D
float array. All run the same SQL (the ORM's), so they return the same arrays
in the same order."""

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from django.db import DatabaseError, connection, transaction

from screening.models import CriterionScore, Scorecard

logger = logging.getLogger(__name__)

# PostgreSQL's binary COPY: a header (signature, flags, extension length and
# extension), then per row a 16-bit field count and, per field, a 32-bit
# length (-1: NULL) followed by the value; a 16-bit -1 ends the stream. All
# integers big-endian. Timestamps are microseconds since 2000-01-01 UTC.
COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
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
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(statement, params) as copy,
    ):
        for chunk in copy:
            buffer += chunk
    return parse_binary_copy(buffer, [_WIRE[t] for t in types])


def parse_binary_copy(buffer, wire_dtypes: list[str]) -> list[np.ndarray]:
    """One array per column from a binary COPY stream whose rows all have
    ``len(wire_dtypes)`` non-NULL fixed-width fields (the dtypes as on the
    wire, big-endian). Raises CopyLayoutError for anything else (a NULL, a
    width that differs), so that a wrong layout never reads as numbers."""
    view = memoryview(buffer)
    head = len(COPY_SIGNATURE) + 8
    if len(view) < head + 2 or bytes(view[: len(COPY_SIGNATURE)]) != COPY_SIGNATURE:
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


# The packed read. Each column's send function and its wire dtype; a level is
# a smallint in the table and travels as one.
_SEND = {
    "int2": ("int2send", ">i2"),
    "int8": ("int8send", ">i8"),
    "timestamptz": ("timestamptz_send", ">i8"),
}
CARD_PACKING = ("int8", "int8", "int8", "timestamptz")
SCORE_PACKING = ("int8", "int8", "int2")
# One packed value per block of 2**16 scorecard ids: each stays far under
# PostgreSQL's 1 GB limit on a bytea, however large the rubric.
PACKED_BLOCK_BITS = 16
# Read the ratings' two halves on two connections when the caller is outside a
# transaction (a task; a transaction's own rows are invisible to a second one).
PARALLEL_READ = True


def _packed_statement(queryset, types: tuple[str, ...], *, ordered: bool, half: int | None):
    """The queryset's rows packed: per block of first-column ids, the row count
    and the rows' send forms concatenated (by the first column when
    ``ordered``); ``half`` 0 or 1 keeps the rows whose first column has that
    parity."""
    sql, params = queryset.query.sql_with_params()
    names = [f"c{i}" for i in range(len(types))]
    row = " || ".join(f"{_SEND[t][0]}(q.{n}::{t})" for n, t in zip(names, types, strict=True))
    order = " ORDER BY q.c0" if ordered else ""
    where = ""
    if half is not None:
        # "Not the other parity" rather than "this parity": PostgreSQL guesses that
        # an expression equals a value for one row in 200, and would plan a nested
        # loop for so few; an inequality keeps the whole read's hash joins.
        where = " WHERE q.c0 %% 2 <> %s"
        params = (*params, 1 - half)
    block = f"q.c0 >> {PACKED_BLOCK_BITS}"
    statement = (
        f"SELECT count(*), string_agg({row}, ''{order}) "
        f"FROM ({sql}) AS q({', '.join(names)}){where} GROUP BY {block} ORDER BY {block}"
    )
    return statement, params


def _psycopg():
    import psycopg  # the PostgreSQL driver: imported only where it is used

    return psycopg


def _read_packed(raw_connection, statement, params) -> list[tuple[int, bytes]]:
    # A plain (server-binding) cursor: binary results, which Django's client-side
    # cursors do not give. Its errors become Django's (a lost connection is an
    # OperationalError, which puts the run back in the queue).
    with connection.wrap_database_errors, _psycopg().Cursor(raw_connection) as cursor:
        cursor.execute(statement, params, binary=True)
        return cursor.fetchall()


def unpack(blocks: list[tuple[int, bytes]], types: tuple[str, ...]) -> list[np.ndarray]:
    """One native array per column from packed blocks of (row count, rows).
    Raises CopyLayoutError when the bytes are not the rows counted (a NULL field
    drops its row from the concatenation), so that a wrong layout never reads as
    numbers."""
    row = np.dtype([(f"c{i}", _SEND[t][1]) for i, t in enumerate(types)])
    data = b"".join(bytes(value) for _, value in blocks if value is not None)
    if len(data) != sum(count for count, _ in blocks) * row.itemsize:
        raise CopyLayoutError("A packed row held a NULL or a value of another width.")
    table = np.frombuffer(data, dtype=row)
    return [
        table[f"c{i}"].astype(np.dtype(_SEND[t][1]).newbyteorder("=")) for i, t in enumerate(types)
    ]


def _read_in_snapshot(snapshot: str, statement, params) -> list[tuple[int, bytes]]:
    """On a connection of its own, in the exported snapshot."""
    psycopg = _psycopg()
    with psycopg.connect(**connection.get_connection_params()) as other:
        with other.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            # A literal: SET takes no bound parameter (server-side binding would send one).
            cursor.execute(
                psycopg.sql.SQL("SET TRANSACTION SNAPSHOT {}").format(psycopg.sql.Literal(snapshot))
            )
        return _read_packed(other, statement, params)


def packed_columns(
    *, rubric_id: int, parallel: bool | None = None
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """PostgreSQL only: the fetch's two queries, packed (timestamps as
    microseconds since 2000-01-01, levels as int16). ``parallel`` (default:
    PARALLEL_READ outside a transaction) reads the ratings' odd scorecards on a
    second connection in the first one's exported snapshot, beside the cards
    and the even ones; the two server processes work at once. Outside a
    transaction the serial read is two statements, two snapshots, as the COPY
    is."""
    cards, scores = _querysets(rubric_id)
    if parallel is None:
        parallel = PARALLEL_READ and not connection.in_atomic_block
    connection.ensure_connection()
    card_sql = _packed_statement(cards, CARD_PACKING, ordered=True, half=None)
    if not parallel:
        card_blocks = _read_packed(connection.connection, *card_sql)
        score_blocks = _read_packed(
            connection.connection,
            *_packed_statement(scores, SCORE_PACKING, ordered=False, half=None),
        )
        return unpack(card_blocks, CARD_PACKING), unpack(score_blocks, SCORE_PACKING)
    halves = [_packed_statement(scores, SCORE_PACKING, ordered=False, half=h) for h in (0, 1)]
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="calibration-read") as pool:
            theirs = pool.submit(_read_in_snapshot, snapshot, *halves[1])
            card_blocks = _read_packed(connection.connection, *card_sql)
            score_blocks = _read_packed(connection.connection, *halves[0])
            try:
                score_blocks += theirs.result()
            except (_psycopg().Error, DatabaseError):
                # No second connection (the server's limit, say): this one reads it.
                logger.warning("The second reading connection failed", exc_info=True)
                score_blocks += _read_packed(connection.connection, *halves[1])
    return unpack(card_blocks, CARD_PACKING), unpack(score_blocks, SCORE_PACKING)


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


READS = ("packed", "copy", "cursor")


def fetch_ratings(*, rubric_id: int, read: str | None = None) -> Ratings:
    """Every submitted, non-empty score on the rubric's applications.

    ``read`` picks how: "packed" (PostgreSQL's default), "copy" (binary COPY,
    PostgreSQL) or "cursor" (everywhere else, and what the others are tested
    against)."""
    if read is None:
        read = "packed" if connection.vendor == "postgresql" else "cursor"
    if read not in READS:
        raise ValueError(f"read must be one of {READS}")
    columns = None
    if read != "cursor":
        try:
            columns = (packed_columns if read == "packed" else copy_columns)(rubric_id=rubric_id)
        except CopyLayoutError:
            # Not expected (every column is NOT NULL or filtered so): read the
            # rows the slow way rather than fail the run.
            logger.warning("Calibration fetch: %s read refused its rows", read, exc_info=True)
    if columns is not None:
        (card_ids, card_apps, card_reviewers, card_us), (score_cards, criteria, values) = columns
        values = values.astype(np.float64)
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
    # Two reads in two snapshots (the serial reads outside a transaction): a scorecard
    # submitted between them has scores but no card row. Those scores wait for the
    # next run (its card was not seen), rather than being read against another card's
    # row.
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
