"""The PostgreSQL fetches (packed rows, and the binary COPY) against the plain
cursor they replaced: the same arrays, in the same order, with the same dtypes."""

import datetime as dt
import random

import numpy as np
import pytest
from django.db import connection

from calibration.data import CopyLayoutError, fetch_ratings, parse_binary_copy, unpack
from rubrics.models import Criterion
from screening.models import CriterionScore, Scorecard
from tests.factories import (
    ApplicationFactory,
    CriterionFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    RubricFactory,
    published_rubric,
    submit_scores,
)

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="binary COPY and packed rows are PostgreSQL's"
)
POSTGRES_READS = ["copy", "packed"]

FIELDS = (
    "application",
    "reviewer",
    "criterion",
    "value",
    "scorecard",
    "scorecard_ids",
    "scorecard_application",
    "scorecard_submitted",
)


def random_rubric(rng: random.Random):
    """A published rubric with 3–6 criteria (bonuses among them), scored by a
    random subset of 6 reviewers on 12 applications: bonus levels sometimes
    empty (no evidence; always on the first scorecard's last bonus),
    submission times spread over years with microseconds, a screening
    question answered on every scorecard (an answer, not a level: neither
    read counts it), and a draft scorecard with scores that must not count."""
    rubric = RubricFactory()
    n_criteria = rng.randint(3, 6)
    criteria = [
        CriterionFactory(
            rubric=rubric,
            kind=Criterion.Kind.MUST_HAVE if i < 2 else Criterion.Kind.BONUS,
            order=i,
        )
        for i in range(n_criteria)
    ]
    question = CriterionFactory(rubric=rubric, kind=Criterion.Kind.SCREENING, order=n_criteria)
    rubric.state = type(rubric).State.PUBLISHED
    type(rubric).objects.filter(pk=rubric.pk).update(state=rubric.state)
    reviewers = [ReviewerFactory() for _ in range(6)]
    epoch = dt.datetime(1995, 1, 1, tzinfo=dt.UTC)
    for _ in range(12):
        application = ApplicationFactory(rubric=rubric)
        for reviewer in rng.sample(reviewers, rng.randint(1, 4)):
            assignment = ReviewAssignmentFactory(application=application, reviewer=reviewer)
            values = {
                c: None
                if c.kind == Criterion.Kind.BONUS and rng.random() < 0.4
                else rng.randint(1, 4)
                for c in criteria
            }
            if not Scorecard.objects.filter(
                application__rubric=rubric, status=Scorecard.Status.SUBMITTED
            ).exists():
                values[criteria[-1]] = None
            card = submit_scores(assignment, values, recommendation=rng.randint(1, 4))
            # The screening question's answer: yes, no or not known, never a level.
            CriterionScore.objects.create(
                scorecard=card, criterion=question, answer=rng.choice([True, False, None])
            )
            when = epoch + dt.timedelta(seconds=rng.uniform(0, 40 * 365 * 86400))
            Scorecard.objects.filter(pk=card.pk).update(submitted_at=when)
        draft = ReviewAssignmentFactory(application=application, reviewer=ReviewerFactory())
        CriterionScore.objects.create(scorecard=draft.scorecard, criterion=criteria[0], value=4)
    return rubric


def _other_rubric_with_ratings():
    """Ratings of another rubric, which stay out."""
    other = published_rubric()
    submit_scores(
        ReviewAssignmentFactory(application=ApplicationFactory(rubric=other)),
        dict.fromkeys(other.criteria.all(), 2),
    )


def _assert_same_ratings(got, want):
    """The same ratings, in any order (a packed read by blocks or halves orders them
    its own way), and the same cards in id order."""
    got_order = np.lexsort((got.criterion, got.scorecard))
    want_order = np.lexsort((want.criterion, want.scorecard))
    for name in ("application", "reviewer", "criterion", "value", "scorecard"):
        a, b = getattr(got, name), getattr(want, name)
        assert a.dtype == b.dtype and a.dtype.isnative, name
        np.testing.assert_array_equal(a[got_order], b[want_order], err_msg=name)
    for name in ("scorecard_ids", "scorecard_application", "scorecard_submitted"):
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name), err_msg=name)


def _assert_same_arrays(got_ratings, want_ratings):
    for name in FIELDS:
        got, want = getattr(got_ratings, name), getattr(want_ratings, name)
        assert got.dtype == want.dtype, name
        assert got.dtype.isnative, name
        np.testing.assert_array_equal(got, want, err_msg=name)


@postgres_only
@pytest.mark.django_db
@pytest.mark.parametrize("read", POSTGRES_READS)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_postgresql_fetch_gives_the_cursor_fetchs_arrays(seed, read):
    rubric = random_rubric(random.Random(seed))
    _other_rubric_with_ratings()

    fetched = fetch_ratings(rubric_id=rubric.pk, read=read)
    by_cursor = fetch_ratings(rubric_id=rubric.pk, read="cursor")

    stored = CriterionScore.objects.filter(
        scorecard__application__rubric=rubric,
        scorecard__status=Scorecard.Status.SUBMITTED,
        value__isnull=False,
    ).count()
    assert len(fetched) == stored > 0
    assert CriterionScore.objects.filter(
        scorecard__application__rubric=rubric, value__isnull=True
    ).exists()  # the rubric has "no evidence" cells, and they are left out
    question = rubric.criteria.get(kind=Criterion.Kind.SCREENING)
    assert CriterionScore.objects.filter(criterion=question, answer__isnull=False).exists()
    assert question.pk not in set(fetched.criterion.tolist())
    _assert_same_arrays(fetched, by_cursor)


@postgres_only
@pytest.mark.django_db
@pytest.mark.parametrize("read", POSTGRES_READS)
def test_postgresql_fetch_of_a_rubric_without_ratings_is_empty(read):
    rubric = published_rubric()
    fetched = fetch_ratings(rubric_id=rubric.pk, read=read)
    by_cursor = fetch_ratings(rubric_id=rubric.pk, read="cursor")
    assert len(fetched) == 0
    for name in FIELDS:
        assert getattr(fetched, name).dtype == getattr(by_cursor, name).dtype, name
        assert getattr(fetched, name).size == 0


@postgres_only
@pytest.mark.django_db
def test_packed_rows_are_the_default_read_on_postgresql(monkeypatch):
    import calibration.data as data

    calls = []
    real = data.packed_columns
    monkeypatch.setattr(data, "packed_columns", lambda **kw: calls.append(kw) or real(**kw))
    rubric = published_rubric()
    fetch_ratings(rubric_id=rubric.pk)
    assert calls == [{"rubric_id": rubric.pk}]


@postgres_only
@pytest.mark.django_db
def test_packed_blocks_of_ids_join_up_in_order(monkeypatch):
    """Blocks of 2 scorecard ids (not 65,536): many packed values, read back as
    one array each, the cards still in id order."""
    import calibration.data as data

    monkeypatch.setattr(data, "PACKED_BLOCK_BITS", 1)
    rubric = random_rubric(random.Random(4))
    _assert_same_ratings(
        fetch_ratings(rubric_id=rubric.pk, read="packed"),
        fetch_ratings(rubric_id=rubric.pk, read="cursor"),
    )


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_outside_a_transaction_two_connections_read_the_halves_in_one_snapshot(monkeypatch):
    """A task's fetch (autocommit): the odd scorecards' ratings come from a second
    connection that reads the first one's exported snapshot, and together they are
    the serial read's arrays."""
    import calibration.data as data

    rubric = random_rubric(random.Random(5))
    _other_rubric_with_ratings()
    snapshots = []
    real = data._read_in_snapshot

    def spy(snapshot, statement, params):
        snapshots.append(snapshot)
        blocks = real(snapshot, statement, params)
        assert blocks  # the odd scorecards have ratings
        return blocks

    monkeypatch.setattr(data, "_read_in_snapshot", spy)
    assert not connection.in_atomic_block
    parallel = fetch_ratings(rubric_id=rubric.pk, read="packed")
    assert len(snapshots) == 1 and snapshots[0]
    serial = fetch_ratings(rubric_id=rubric.pk, read="cursor")
    _assert_same_ratings(parallel, serial)


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_without_a_second_connection_the_first_reads_both_halves(monkeypatch):
    import psycopg

    import calibration.data as data

    rubric = random_rubric(random.Random(6))

    def refused(*args):
        raise psycopg.OperationalError("too many clients already")

    monkeypatch.setattr(data, "_read_in_snapshot", refused)
    got = fetch_ratings(rubric_id=rubric.pk, read="packed")
    want = fetch_ratings(rubric_id=rubric.pk, read="cursor")
    assert sorted(got.scorecard.tolist()) == sorted(want.scorecard.tolist())
    assert len(got) == len(want) > 0


@pytest.mark.parametrize(
    "blocks",
    [
        [(2, np.array([(1, 5, 3)], dtype=">i8,>i8,>i2").tobytes())],  # a row left out: a NULL
        [(1, np.array([(1, 5, 3)], dtype=">i8,>i8,>i4").tobytes())],  # a wider field
    ],
)
def test_packed_rows_refuse_bytes_that_are_not_the_rows_counted(blocks):
    with pytest.raises(CopyLayoutError):
        unpack(blocks, ("int8", "int8", "int2"))


def test_packed_rows_unpack_into_native_arrays():
    rows = np.array([(7, -3, 4), (2**40, 9, 1)], dtype=">i8,>i8,>i2")
    ids, other, level = unpack(
        [(1, rows[:1].tobytes()), (0, None), (1, rows[1:].tobytes())], ("int8", "int8", "int2")
    )
    assert ids.tolist() == [7, 2**40] and other.tolist() == [-3, 9] and level.tolist() == [4, 1]
    assert ids.dtype == np.int64 and level.dtype == np.int16 and level.dtype.isnative


def _stream(rows, extension: bytes = b"") -> bytes:
    """A binary COPY stream of rows of (int8, float8) fields; None is NULL."""
    out = bytearray(b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big"))
    out += len(extension).to_bytes(4, "big") + extension
    for row in rows:
        out += len(row).to_bytes(2, "big")
        for dtype, value in zip((">i8", ">f8"), row, strict=False):
            if value is None:
                out += (-1).to_bytes(4, "big", signed=True)
            else:
                packed = np.array([value], dtype=dtype).tobytes()
                out += len(packed).to_bytes(4, "big") + packed
    return bytes(out + b"\xff\xff")


def test_binary_copy_parses_into_native_arrays():
    ids, values = parse_binary_copy(
        _stream([(7, 1.5), (-3, 4.0), (2**40, -0.25)], extension=b"xyz"), [">i8", ">f8"]
    )
    assert ids.dtype == np.int64 and ids.dtype.isnative
    assert values.dtype == np.float64 and values.dtype.isnative
    assert ids.tolist() == [7, -3, 2**40]
    assert values.tolist() == [1.5, 4.0, -0.25]


def test_binary_copy_of_no_rows_is_empty_arrays():
    ids, values = parse_binary_copy(_stream([]), [">i8", ">f8"])
    assert ids.size == values.size == 0


@pytest.mark.parametrize(
    "stream",
    [
        _stream([(1, 2.0), (2, None)]),  # a NULL
        _stream([(1, 2.0), (2,)]),  # a short row
        b"PGCOPY\n\xff\r\n\x00" + bytes(8),  # no trailer
        b"COPY" + bytes(20),  # not a binary COPY stream
    ],
)
def test_binary_copy_refuses_what_is_not_fixed_width_rows(stream):
    with pytest.raises(CopyLayoutError):
        parse_binary_copy(stream, [">i8", ">f8"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "read", ["cursor", *(pytest.param(r, marks=postgres_only) for r in POSTGRES_READS)]
)
def test_a_scorecard_submitted_between_the_two_reads_waits_for_the_next_run(monkeypatch, read):
    """The cards are read, then a reviewer submits, then the scores are read: the new
    card's scores have no card row. They are left out, and every other rating keeps its
    own application and reviewer (a card the first read did not see used to be read
    against a neighbour's row, or to end the run with an IndexError)."""
    import calibration.data as data

    rubric = published_rubric()
    criteria = list(rubric.criteria.filter(kind=Criterion.Kind.MUST_HAVE))
    cards = []
    for _ in range(3):
        assignment = ReviewAssignmentFactory(application=ApplicationFactory(rubric=rubric))
        cards.append(submit_scores(assignment, dict.fromkeys(criteria, 3)))
    late = cards[1]  # submitted "between the reads": a card in the middle of the ids
    real = data._querysets

    def racing(rubric_id):
        card_rows, score_rows = real(rubric_id)
        return card_rows.exclude(id=late.pk), score_rows

    monkeypatch.setattr(data, "_querysets", racing)
    ratings = fetch_ratings(rubric_id=rubric.pk, read=read)

    assert late.pk not in set(ratings.scorecard.tolist())
    assert len(ratings.value) == 2 * len(criteria)
    by_card = {c.pk: c for c in cards}
    for card_id, application, reviewer in zip(
        ratings.scorecard.tolist(),
        ratings.application.tolist(),
        ratings.reviewer.tolist(),
        strict=True,
    ):
        assert application == by_card[card_id].application_id
        assert reviewer == by_card[card_id].assignment.reviewer_id


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_snapshot_is_imported_under_server_side_binding_too(monkeypatch, caplog):
    """OPTIONS {"server_side_binding": True} binds parameters on the server, and SET
    takes none: the snapshot goes in as a literal, so the second connection reads."""
    from django.db import connections
    from django.db.backends.postgresql.base import ServerBindingCursor

    rubric = random_rubric(random.Random(7))
    wrapper = type(connections["default"])
    real = wrapper.get_connection_params
    monkeypatch.setattr(
        wrapper,
        "get_connection_params",
        lambda self: {**real(self), "cursor_factory": ServerBindingCursor},
    )
    got = fetch_ratings(rubric_id=rubric.pk, read="packed")
    assert "second reading connection failed" not in caplog.text
    assert len(got) == len(fetch_ratings(rubric_id=rubric.pk, read="cursor")) > 0
