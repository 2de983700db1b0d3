"""The PostgreSQL fetch (binary COPY into numpy) against the plain cursor it
replaced: the same arrays, in the same order, with the same dtypes."""

import datetime as dt
import random

import numpy as np
import pytest
from django.db import connection

from calibration.data import CopyLayoutError, fetch_ratings, parse_binary_copy
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
    connection.vendor != "postgresql", reason="binary COPY is PostgreSQL's"
)

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


@postgres_only
@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_copy_fetch_gives_the_cursor_fetchs_arrays(seed):
    rubric = random_rubric(random.Random(seed))
    other = published_rubric()  # ratings of another rubric stay out
    submit_scores(
        ReviewAssignmentFactory(application=ApplicationFactory(rubric=other)),
        dict.fromkeys(other.criteria.all(), 2),
    )

    by_copy = fetch_ratings(rubric_id=rubric.pk, copy=True)
    by_cursor = fetch_ratings(rubric_id=rubric.pk, copy=False)

    stored = CriterionScore.objects.filter(
        scorecard__application__rubric=rubric,
        scorecard__status=Scorecard.Status.SUBMITTED,
        value__isnull=False,
    ).count()
    assert len(by_copy) == stored > 0
    assert CriterionScore.objects.filter(
        scorecard__application__rubric=rubric, value__isnull=True
    ).exists()  # the rubric has "no evidence" cells, and they are left out
    question = rubric.criteria.get(kind=Criterion.Kind.SCREENING)
    assert CriterionScore.objects.filter(criterion=question, answer__isnull=False).exists()
    assert question.pk not in set(by_copy.criterion.tolist())
    for name in FIELDS:
        got, want = getattr(by_copy, name), getattr(by_cursor, name)
        assert got.dtype == want.dtype, name
        assert got.dtype.isnative, name
        np.testing.assert_array_equal(got, want, err_msg=name)


@postgres_only
@pytest.mark.django_db
def test_copy_fetch_of_a_rubric_without_ratings_is_empty():
    rubric = published_rubric()
    by_copy = fetch_ratings(rubric_id=rubric.pk, copy=True)
    by_cursor = fetch_ratings(rubric_id=rubric.pk, copy=False)
    assert len(by_copy) == 0
    for name in FIELDS:
        assert getattr(by_copy, name).dtype == getattr(by_cursor, name).dtype, name
        assert getattr(by_copy, name).size == 0


@postgres_only
@pytest.mark.django_db
def test_copy_is_the_default_read_on_postgresql(monkeypatch):
    import calibration.data as data

    calls = []
    real = data.copy_columns
    monkeypatch.setattr(data, "copy_columns", lambda **kw: calls.append(kw) or real(**kw))
    rubric = published_rubric()
    fetch_ratings(rubric_id=rubric.pk)
    assert calls == [{"rubric_id": rubric.pk}]


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
@pytest.mark.parametrize("copy", [False, pytest.param(True, marks=postgres_only)])
def test_a_scorecard_submitted_between_the_two_reads_waits_for_the_next_run(monkeypatch, copy):
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
    ratings = fetch_ratings(rubric_id=rubric.pk, copy=copy)

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
