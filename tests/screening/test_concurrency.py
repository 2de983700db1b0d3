"""Two requests racing on one row: the services' row locks and unique
constraints must let exactly one win. Needs real concurrent writers, so it
runs on PostgreSQL only (SQLite takes one database-wide write lock)."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from core.errors import Conflict
from core.models import AuditEvent
from screening import services
from screening.errors import ScorecardLocked
from screening.models import Application, CriterionScore, ReviewAssignment, Scorecard
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    RecruiterFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    published_rubric,
)

pytestmark = [
    # serialized_rollback restores the migrations' rows (the role groups)
    # after the flush that ends a transactional test.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks need PostgreSQL; SQLite serialises writers",
    ),
]


@pytest.fixture(autouse=True)
def no_calibration_on_submit(settings):
    """These tests are about row locks: keep the calibration run that a
    submission queues after commit out of the threads."""
    settings.CALIBRATION_ON_SUBMIT = False


def run_together(*calls):
    """Run each call in its own thread, released at the same moment by a
    barrier; return ("ok", result) or ("error", exception) per call."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def worker(index, call):
        try:
            connection.ensure_connection()  # connect before the start line
            barrier.wait(timeout=10)
            outcomes[index] = ("ok", call())
        except Exception as exc:  # the outcome is what is under test
            outcomes[index] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return outcomes


def test_two_simultaneous_submissions_store_exactly_one():
    reviewer = ReviewerFactory()
    assignment = ReviewAssignmentFactory(reviewer=reviewer)
    criteria = list(assignment.application.rubric.criteria.order_by("order"))
    card_id = assignment.scorecard.pk
    values = [(3, 4, None), (1, 2, 4)]

    def submit(levels):
        return lambda: services.scorecard_save(
            scorecard=Scorecard.objects.get(pk=card_id),
            reviewer=reviewer,
            scores=[{"criterion": c.pk, "value": v} for c, v in zip(criteria, levels, strict=True)],
            recommendation=Scorecard.Recommendation.YES,
            submit=True,
        )

    outcomes = run_together(submit(values[0]), submit(values[1]))

    assert sorted(kind for kind, _ in outcomes) == ["error", "ok"], outcomes
    winner = next(i for i, (kind, _) in enumerate(outcomes) if kind == "ok")
    (_, error) = outcomes[1 - winner]
    assert isinstance(error, ScorecardLocked)
    card = Scorecard.objects.get(pk=card_id)
    assert card.status == Scorecard.Status.SUBMITTED
    assert list(
        CriterionScore.objects.filter(scorecard=card)
        .order_by("criterion__order")
        .values_list("criterion", "value")
    ) == [(c.pk, v) for c, v in zip(criteria, values[winner], strict=True)]
    assert AuditEvent.objects.filter(event="scorecard.submitted").count() == 1


def test_two_simultaneous_assignments_of_one_reviewer_make_one():
    recruiter = RecruiterFactory()
    reviewer = ReviewerFactory()
    application = ApplicationFactory()

    def assign():
        return services.assignment_create(
            application=application, reviewer=reviewer, actor=recruiter
        )

    outcomes = run_together(assign, assign)

    assert sorted(kind for kind, _ in outcomes) == ["error", "ok"], outcomes
    (error,) = [result for kind, result in outcomes if kind == "error"]
    # Conflict when both passed the existence check and the unique constraint
    # caught the second insert; ValidationError when the second thread's check
    # ran after the first had committed.
    assert isinstance(error, Conflict | ValidationError)
    assert ReviewAssignment.objects.filter(application=application, reviewer=reviewer).count() == 1
    assert Scorecard.objects.filter(application=application).count() == 1


def test_reviewers_of_one_rubric_save_without_waiting_for_each_other():
    rubric = published_rubric()
    first = ReviewAssignmentFactory(application=ApplicationFactory(rubric=rubric))
    second = ReviewAssignmentFactory(application=ApplicationFactory(rubric=rubric))
    first_saved, second_done = threading.Event(), threading.Event()

    def save_first_and_hold_the_transaction():
        with transaction.atomic():
            services.scorecard_save(
                scorecard=first.scorecard, reviewer=first.reviewer, summary="First."
            )
            first_saved.set()
            second_done.wait(timeout=10)

    def save_second():
        first_saved.wait(timeout=10)
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '1s'")
                return services.scorecard_save(
                    scorecard=second.scorecard, reviewer=second.reviewer, summary="Second."
                )
        finally:
            second_done.set()

    outcomes = run_together(save_first_and_hold_the_transaction, save_second)

    assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes


def test_two_simultaneous_openings_of_one_application_refuse_the_second_cleanly():
    recruiter = RecruiterFactory()
    rubric = published_rubric()
    candidate = CandidateFactory()
    first_opened = threading.Event()

    def open_and_hold_the_transaction():
        with transaction.atomic():
            services.application_open(candidate=candidate, posting=rubric.posting, actor=recruiter)
            first_opened.set()
            # Long enough for the second thread to pass its duplicate check and
            # wait on the unique index behind this uncommitted row.
            time.sleep(1)

    def open_second():
        first_opened.wait(timeout=10)
        return services.application_open(
            candidate=candidate, posting=rubric.posting, actor=recruiter
        )

    outcomes = run_together(open_and_hold_the_transaction, open_second)

    assert outcomes[0][0] == "ok"
    assert isinstance(outcomes[1][1], Conflict | ValidationError), outcomes
    assert Application.objects.filter(candidate=candidate).count() == 1
