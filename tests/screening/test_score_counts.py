"""The kept row counts (screening.score_counts, the triggers of migration 0016): the
ranking's count is a sum of a few rows that the database keeps equal to a count of the
stored rows through inserts, stage and must-have moves, deletes, bulk writes and folds,
and a page of the ranking still costs the same number of queries."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from rubrics.models import Rubric
from screening import score_counts, scores, selectors, services
from screening.models import Application, ApplicationScore, ApplicationScoreCount
from screening.tasks import fold_score_counts
from tests.factories import (
    ApplicationFactory,
    RecruiterFactory,
    ReviewAssignmentFactory,
    rubric_with_criteria,
    submit_scores,
)

pytestmark = pytest.mark.django_db

POSTGRESQL = connection.vendor == "postgresql"


@pytest.fixture
def world():
    """Two postings: five applications on one (two scored, one failing a must-have), two
    on the other."""
    rubric = rubric_with_criteria(state=Rubric.State.PUBLISHED)
    other = rubric_with_criteria(state=Rubric.State.PUBLISHED)
    criteria = list(rubric.criteria.order_by("order", "id"))
    apps = [ApplicationFactory(rubric=rubric) for _ in range(5)]
    [ApplicationFactory(rubric=other) for _ in range(2)]
    submit_scores(ReviewAssignmentFactory(application=apps[0]), dict.fromkeys(criteria, 4))
    submit_scores(ReviewAssignmentFactory(application=apps[1]), dict.fromkeys(criteria, 1))
    return rubric.posting, other.posting, apps


def test_counts_follow_inserts_and_must_have_results(world):
    posting, other, _apps = world
    counts = score_counts.stored_counts(posting.pk)

    assert counts == score_counts.counted_rows(posting.pk)
    assert sum(counts.values()) == 5
    assert score_counts.count_rows(posting.pk, must_haves="pass") == 1
    assert score_counts.count_rows(posting.pk, must_haves="fail") == 1
    assert score_counts.count_rows(posting.pk, must_haves="unscored") == 3
    assert score_counts.count_rows(other.pk) == 2
    assert score_counts.differing_counts() == []


def test_counts_follow_stage_moves_and_deletes(world):
    posting, _other, apps = world
    recruiter = RecruiterFactory()
    services.application_set_stage(
        application=apps[2], actor=recruiter, stage=Application.Stage.INTERVIEW
    )
    services.application_set_stage(
        application=apps[3], actor=recruiter, stage=Application.Stage.INTERVIEW
    )
    services.application_set_stage(
        application=apps[3], actor=recruiter, stage=Application.Stage.REJECTED
    )
    assert score_counts.count_rows(posting.pk, stage=Application.Stage.INTERVIEW) == 1
    assert score_counts.count_rows(posting.pk, stage=Application.Stage.REJECTED) == 1

    ApplicationScore.objects.filter(pk=apps[4].pk).delete()

    assert score_counts.count_rows(posting.pk) == 4
    assert score_counts.differing_counts() == []


def test_the_rankings_count_is_its_rows_whatever_the_filters_and_the_viewer(world):
    posting, _other, apps = world
    recruiter = RecruiterFactory()
    services.application_set_stage(
        application=apps[0], actor=recruiter, stage=Application.Stage.INTERVIEW
    )
    # A reviewer still scoring the failing application: it shows to them unscored.
    blind = ReviewAssignmentFactory(application=apps[1])
    for viewer in (recruiter, blind.reviewer):
        for filters in (
            {},
            {"stage": Application.Stage.INTERVIEW},
            {"must_haves": "fail"},
            {"must_haves": "unscored"},
            {"stage": Application.Stage.INTERVIEW, "must_haves": "pass"},
        ):
            ranking = selectors.posting_ranking(posting=posting, viewer=viewer, **filters)
            assert len(ranking) == len(list(ranking)), (viewer, filters)
    as_reviewer = selectors.posting_ranking(
        posting=posting, viewer=blind.reviewer, must_haves="fail"
    )
    assert len(as_reviewer) == 0
    as_recruiter = selectors.posting_ranking(posting=posting, viewer=recruiter, must_haves="fail")
    assert len(as_recruiter) == 1


def test_many_moves_are_folded_into_one_row_per_stage_and_result(world):
    posting, _other, apps = world
    recruiter = RecruiterFactory()
    stages = [Application.Stage.INTERVIEW, Application.Stage.SCREENING]
    for i in range(6):
        services.application_set_stage(application=apps[2], actor=recruiter, stage=stages[i % 2])
    # Moves back and forth as PostgreSQL's triggers leave them (a row per change; SQLite's
    # triggers add to one row per stage and result).
    ApplicationScoreCount.objects.bulk_create(
        ApplicationScoreCount(
            posting_id=posting.pk, stage=stage, must_haves="unscored", delta=delta
        )
        for _ in range(score_counts.FOLD_AFTER // 2)
        for stage, delta in (("interview", 1), ("interview", -1), ("offer", 1), ("offer", -1))
    )
    kept = ApplicationScoreCount.objects.filter(posting_id=posting.pk)
    assert kept.count() > score_counts.FOLD_AFTER
    before = score_counts.counted_rows(posting.pk)

    assert score_counts.stored_counts(posting.pk) == before
    assert fold_score_counts() == {"folded": 1}  # the beat task

    assert kept.count() == len(before)
    assert not kept.filter(delta=0).exists()
    assert score_counts.stored_counts(posting.pk) == before
    assert fold_score_counts() == {"folded": 0}


def test_a_reading_folds_when_no_beat_has_for_long(world, monkeypatch):
    posting, _other, _apps = world
    monkeypatch.setattr(score_counts, "FOLD_WHEN_READ", 10)
    ApplicationScoreCount.objects.bulk_create(
        ApplicationScoreCount(posting_id=posting.pk, stage="offer", must_haves="pass", delta=d)
        for d in [1, -1] * 6
    )
    before = score_counts.counted_rows(posting.pk)

    assert score_counts.stored_counts(posting.pk) == before  # read, then folded

    assert ApplicationScoreCount.objects.filter(posting_id=posting.pk).count() == len(before)


def test_a_deleted_posting_leaves_counts_that_cancel_out(world):
    posting, other, _apps = world
    posting_id = posting.pk
    ApplicationScore.objects.filter(posting_id=posting_id).delete()
    Application.objects.filter(posting_id=posting_id).delete()

    assert score_counts.count_rows(posting_id) == 0
    assert score_counts.count_rows(other.pk) == 2
    score_counts.fold(posting_id)
    assert not ApplicationScoreCount.objects.filter(posting_id=posting_id).exists()


def test_a_bulk_rebuild_adds_a_row_per_stage_and_result_not_per_application(world):
    posting, _other, apps = world
    ApplicationScoreCount.objects.all().delete()
    ApplicationScore.objects.filter(posting=posting).delete()
    ApplicationScoreCount.objects.all().delete()

    scores.refresh_application_scores([a.pk for a in apps])

    kept = ApplicationScoreCount.objects.filter(posting_id=posting.pk)
    assert score_counts.stored_counts(posting.pk) == score_counts.counted_rows(posting.pk)
    if POSTGRESQL:  # one statement, one trigger call: a row per (stage, result)
        assert kept.count() == len(score_counts.counted_rows(posting.pk))


def test_check_finds_counts_that_drifted_and_the_rebuild_mends_them(world):
    posting, _other, _apps = world
    ApplicationScoreCount.objects.create(
        posting_id=posting.pk, stage="screening", must_haves="pass", delta=7
    )
    with pytest.raises(CommandError) as raised:
        call_command("rebuild_application_scores", "--check")
    assert str(raised.value) == (
        f"The kept row counts of posting(s) {posting.pk} differ from their stored rows. "
        "Run rebuild_application_scores to mend them."
    )

    call_command("rebuild_application_scores")

    assert score_counts.differing_counts() == []
    assert score_counts.count_rows(posting.pk) == 5


def test_a_ranking_count_is_one_query_whatever_the_posting_size(world, django_assert_num_queries):
    posting, _other, _apps = world
    recruiter = RecruiterFactory()
    for _ in range(20):
        ApplicationFactory(rubric=posting.rubrics.get())
    ranking = selectors.posting_ranking(posting=posting, viewer=recruiter)
    # The viewer's blind rows (none) and the sum of the kept counts.
    with django_assert_num_queries(2):
        assert ranking.count() == 25


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(not POSTGRESQL, reason="concurrent writers need PostgreSQL")
def test_concurrent_moves_and_folds_lose_no_count():
    """Stage moves on one posting in parallel transactions, and two folds racing them:
    every move counts once (writers only add rows; a fold removes only what it saw)."""
    from tests.screening.test_concurrency import run_together

    rubric = rubric_with_criteria(state=Rubric.State.PUBLISHED)
    apps = [ApplicationFactory(rubric=rubric) for _ in range(6)]
    recruiter = RecruiterFactory()
    posting_id = rubric.posting_id

    def move(app):
        return lambda: services.application_set_stage(
            application=Application.objects.get(pk=app.pk),
            actor=recruiter,
            stage=Application.Stage.INTERVIEW,
        )

    outcomes = run_together(
        *(move(a) for a in apps),
        lambda: score_counts.fold(posting_id),
        lambda: score_counts.fold(posting_id),
    )
    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    assert score_counts.count_rows(posting_id, stage=Application.Stage.INTERVIEW) == 6
    assert score_counts.differing_counts() == []


def test_the_histogram_follows_scores_and_gives_the_rows_above_a_score(world):
    posting, _other, apps = world
    recruiter = RecruiterFactory()
    hist = score_counts.HISTOGRAM
    stored = dict(
        ApplicationScore.objects.filter(posting=posting, has_score=True).values_list(
            "application_id", "score"
        )
    )
    assert sorted(stored.values()) == [0.0, 100.0]  # all 1s and all 4s
    assert score_counts.scored_above(posting.pk, None) == {0.0: 1, 100.0: 1}
    assert score_counts.scored_above(posting.pk, 0.0) == {100.0: 1}

    # Reopening the top scorecard takes its score out; a stage move leaves scores be.
    card = apps[0].assignments.get().scorecard
    services.scorecard_reopen(scorecard=card, actor=recruiter)
    services.application_set_stage(
        application=apps[1], actor=recruiter, stage=Application.Stage.INTERVIEW
    )

    assert score_counts.scored_above(posting.pk, None) == {0.0: 1}
    assert score_counts.differing_counts() == []
    assert score_counts.counted(hist, posting.pk) == {(0.0,): 1}


def _hold_then(first, second):
    """Run ``first`` in a transaction held open, start ``second`` beside it, let the first
    commit after a second; True when the second waited meanwhile."""
    import threading
    import time

    from django.db import transaction

    started, release, errors = threading.Event(), threading.Event(), []

    def hold():
        try:
            with transaction.atomic():
                first()
                started.set()
                release.wait(10)
        except Exception as exc:  # the outcome is what is under test
            errors.append(exc)
        finally:
            connection.close()

    def then():
        try:
            second()
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert started.wait(10)
    waiter = threading.Thread(target=then)
    waiter.start()
    time.sleep(1.0)
    waited = waiter.is_alive()
    release.set()
    holder.join(10)
    waiter.join(10)
    assert not errors, errors
    return waited


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(not POSTGRESQL, reason="concurrent writers need PostgreSQL")
@pytest.mark.parametrize("first", ["fold", "rebuild"])
def test_a_rebuild_beside_a_fold_or_another_rebuild_counts_once(first):
    rubric = rubric_with_criteria(state=Rubric.State.PUBLISHED)
    for _ in range(3):
        ApplicationFactory(rubric=rubric)
    posting_id = rubric.posting_id
    calls = {
        "fold": lambda: score_counts.fold(posting_id),
        "rebuild": lambda: score_counts.rebuild_counts(posting_id),
    }

    assert _hold_then(calls[first], calls["rebuild"])

    assert score_counts.count_rows(posting_id) == 3
    assert score_counts.differing_counts() == []


@pytest.mark.skipif(POSTGRESQL, reason="SQLite's flush and table rebuilds")
def test_after_a_flush_or_a_table_rebuild_sqlite_has_its_triggers_and_right_counts(world):
    posting, _other, _apps = world

    def triggers():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE 'screening_score_%'"
            )
            return {name for (name,) in cursor.fetchall()}

    assert len(triggers()) == 6
    # What a flush that empties the count tables before the stored rows leaves behind, and
    # a migration that rebuilds the stored rows' table (its triggers go with the old one).
    ApplicationScoreCount.objects.create(
        posting_id=posting.pk + 1000, stage="applied", must_haves="unscored", delta=-3
    )
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER screening_score_count_moved")
        cursor.execute("DROP TRIGGER screening_score_histogram_inserted")

    score_counts.sqlite_after_migrate()  # post_migrate: after migrate and after flush

    assert len(triggers()) == 6
    assert score_counts.differing_counts() == []
    assert score_counts.count_rows(posting.pk + 1000) == 0
    assert score_counts.count_rows(posting.pk) == 5
