"""Counts of a posting's stored rows (``ApplicationScore``) that the database keeps itself,
through triggers that add a row of +n or -n for every change (migrations 0016 and 0017):

- ``ApplicationScoreCount``, per stage and must-have result: the ranking's total, a sum
  over a handful of rows, where a COUNT reads an index entry per application (3.4 ms at
  100,000 applications against 0.3 ms at 10,000);
- ``ApplicationScoreHistogram``, per score: how many rows are scored above a score, for
  the ranks of a page in any order but the default one, a sum over the distinct scores
  above instead of a scan of the rows above.

Writers only ever add rows there, so they never wait for each other. A beat task every
ten minutes folds each posting's rows into one per key once they have grown by more than
``FOLD_AFTER``; a reading that finds more than ``FOLD_WHEN_READ`` extra rows (no beat
running) folds them itself. On PostgreSQL a fold takes an advisory lock: two never run
at once."""

from collections import Counter
from dataclasses import dataclass
from importlib import import_module

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.models import Count, Q, Sum

from screening.models import ApplicationScore, ApplicationScoreCount, ApplicationScoreHistogram

# Rows of one posting beyond one per key past which the beat task folds them, and past
# which a reading does (each row costs the sum a little: a thousand, about half a ms).
FOLD_AFTER = 64
FOLD_WHEN_READ = 1000
# The first key of the advisory locks taken while folding (the second: the posting id).
_LOCK_SPACE = 0x5C0C


@dataclass(frozen=True)
class Kept:
    """One kind of kept counts: its model, the columns it counts by, and which stored rows
    it counts."""

    model: type[models.Model]
    keys: tuple[str, ...]
    counted: Q

    @property
    def table(self) -> str:
        return self.model._meta.db_table


COUNTS = Kept(ApplicationScoreCount, ("stage", "must_haves"), Q())
HISTOGRAM = Kept(ApplicationScoreHistogram, ("score",), Q(score__isnull=False))
KEPT = (COUNTS, HISTOGRAM)


def _sums(kept: Kept, posting_id: int, where: Q | None = None) -> tuple[Counter, int]:
    """The kept counts of the posting (key tuple → number, zeros left out), and how many
    more rows than keys hold them."""
    counts: Counter = Counter()
    rows = keys = 0
    for *key, total, n in (
        kept.model.objects.filter(where or Q(), posting_id=posting_id)
        .values_list(*kept.keys)
        .annotate(total=Sum("delta"), n=Count("pk"))
        .order_by()
    ):
        rows += n
        keys += 1
        if total:
            counts[tuple(key)] = total
    return counts, rows - keys


def _read(kept: Kept, posting_id: int, where: Q | None = None) -> Counter:
    counts, extra = _sums(kept, posting_id, where)
    if extra > FOLD_WHEN_READ:
        fold(posting_id)
    return counts


def stored_counts(posting_id: int) -> Counter:
    """(stage, must-have result) → the number of stored rows of the posting: one query, and
    a fold now and then (module docstring)."""
    return _read(COUNTS, posting_id)


def count_rows(posting_id: int, *, stage: str | None = None, must_haves: str | None = None) -> int:
    """The number of stored rows of the posting (of one stage, one must-have result)."""
    return sum(
        n
        for (row_stage, row_must_haves), n in stored_counts(posting_id).items()
        if (not stage or row_stage == stage) and (not must_haves or row_must_haves == must_haves)
    )


def scored_above(posting_id: int, score: float | None) -> dict[float, int]:
    """Score → the number of the posting's scored rows at it, for the scores above
    ``score`` (every score when None): one query over the kept histogram."""
    where = Q() if score is None else Q(score__gt=score)
    return {key[0]: n for key, n in _read(HISTOGRAM, posting_id, where).items()}


def fold(posting_id: int) -> bool:
    """Replace the posting's kept rows by one per key holding their sum (none where it is 0),
    one statement a table: rows other transactions add meanwhile are not seen, so not
    removed, and count on top. False when another session is folding them right now."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [_LOCK_SPACE, posting_id])
            if not cursor.fetchone()[0]:
                return False
            for kept in KEPT:
                keys = ", ".join(kept.keys)
                cursor.execute(
                    f"WITH gone AS (DELETE FROM {kept.table} WHERE posting_id = %s "
                    f"RETURNING {keys}, delta) "
                    f"INSERT INTO {kept.table} (posting_id, {keys}, delta) "
                    f"SELECT %s, {keys}, sum(delta) FROM gone "
                    f"GROUP BY {keys} HAVING sum(delta) <> 0",
                    [posting_id, posting_id],
                )
            return True
        # SQLite: one writer at a time, the transaction holds the database.
        for kept in KEPT:
            counts, _extra = _sums(kept, posting_id)
            kept.model.objects.filter(posting_id=posting_id).delete()
            kept.model.objects.bulk_create(
                kept.model(posting_id=posting_id, delta=n, **dict(zip(kept.keys, key, strict=True)))
                for key, n in counts.items()
            )
        return True


def fold_all() -> int:
    """Fold the kept rows of every posting that has more than ``FOLD_AFTER`` rows beyond one
    per key (the beat task): one query a table, over the keys held by more than one row
    (none once folded), then a fold each. Returns the number of postings folded."""
    extra: Counter = Counter()
    for kept in KEPT:
        for posting_id, *_key, n in (
            kept.model.objects.values_list("posting_id", *kept.keys)
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .order_by()
        ):
            extra[posting_id] += n - 1
    crowded = sorted(p for p, n in extra.items() if n > FOLD_AFTER)
    return sum(1 for posting_id in crowded if fold(posting_id))


def counted(kept: Kept, posting_id: int) -> Counter:
    """What ``kept`` should hold for the posting, counted from the stored rows."""
    return Counter(
        {
            tuple(key): n
            for *key, n in ApplicationScore.objects.filter(kept.counted, posting_id=posting_id)
            .values_list(*kept.keys)
            .annotate(n=Count("pk"))
            .order_by()
        }
    )


def counted_rows(posting_id: int) -> Counter:
    """(stage, must-have result) → the number of stored rows, counted from the rows."""
    return counted(COUNTS, posting_id)


def differing_counts(posting_id: int | None = None) -> list[int]:
    """Ids of the postings whose kept counts (either kind) differ from a count of their
    stored rows."""
    postings: set[int] = set()
    for model in (ApplicationScore, *(kept.model for kept in KEPT)):
        ids = model.objects.values_list("posting_id", flat=True).distinct()
        if posting_id is not None:
            ids = ids.filter(posting_id=posting_id)
        postings.update(ids)
    return [
        p for p in sorted(postings) if any(_sums(kept, p)[0] != counted(kept, p) for kept in KEPT)
    ]


@transaction.atomic
def rebuild_counts(posting_id: int | None = None) -> None:
    """Count the stored rows again (of one posting): the kept rows of both kinds are replaced
    by the counts. On PostgreSQL writers of stored rows wait meanwhile (a SHARE lock on
    their table), so no change falls between the count and the replacement."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {ApplicationScore._meta.db_table} IN SHARE MODE")
            # And no fold or other rebuild meanwhile: their rows would survive the delete
            # below (committed after its snapshot) and count twice.
            tables = ", ".join(kept.table for kept in KEPT)
            cursor.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")
    stored = ApplicationScore.objects.all()
    for kept in KEPT:
        rows = kept.model.objects.all()
        source = stored.filter(kept.counted)
        if posting_id is not None:
            rows, source = rows.filter(posting_id=posting_id), source.filter(posting_id=posting_id)
        rows.delete()
        kept.model.objects.bulk_create(
            kept.model(posting_id=p, delta=n, **dict(zip(kept.keys, key, strict=True)))
            for p, *key, n in source.values_list("posting_id", *kept.keys)
            .annotate(n=Count("pk"))
            .order_by()
        )


TRIGGER_MIGRATIONS = (
    "screening.migrations.0016_application_score_counts",
    "screening.migrations.0017_application_score_histogram",
)


def sqlite_after_migrate(using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """After ``migrate`` and ``flush`` on SQLite (``post_migrate``): put the triggers back
    if a migration remade the stored rows' table (SQLite's schema editor alters a table
    by copying it, and the triggers go with the old one), then recount. A flush empties the
    tables in no fixed order, so the stored rows' delete triggers can refill count tables
    already emptied; the recount sets them right. PostgreSQL keeps triggers through ALTER
    TABLE and flushes with TRUNCATE, which fires none."""
    connection = connections[using]
    if connection.vendor != "sqlite" or using != DEFAULT_DB_ALIAS:
        return
    needed = {ApplicationScore._meta.db_table, *(kept.table for kept in KEPT)}
    if not needed <= set(connection.introspection.table_names()):
        return  # migrated back before the counts
    with connection.cursor() as cursor:
        for name in TRIGGER_MIGRATIONS:
            for statement in import_module(name).SQLITE:
                cursor.execute(
                    statement.replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS", 1)
                )
    rebuild_counts()
