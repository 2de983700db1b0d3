"""Calibration through a real Celery worker and the real Redis broker, on
PostgreSQL: what the unit tests (eager tasks, one process) cannot show.

- Submissions schedule one debounced run per burst, which the worker runs
  after the window; the worker's run clears the debounce key in the shared
  cache, so the next submission schedules the next run.
- The API's path (`calibration_request`) answers with a task id at once; the
  worker runs that very run and the Redis result backend reports SUCCESS.
- Two runs of one rubric never overlap: the partial unique constraint
  `calibration_one_running_per_rubric` is the lock, and a worker that finds
  the rubric busy puts its task back (RETRY) instead of running.

Each test commits its data (transaction=True) so the worker process sees it.
Skipped, with the reason, unless the database is PostgreSQL and a broker is
configured (CI has both)."""

import time
from dataclasses import dataclass

import pytest
from celery.result import AsyncResult
from django.core.cache import cache
from django.db import IntegrityError, transaction

from calibration.models import (
    ApplicationCalibration,
    CalibrationRun,
    CriterionCalibration,
    ReviewerCalibration,
)
from calibration.scheduling import calibration_request
from calibration.services import debounce_key
from calibration.tasks import calibrate_rubric
from config.celery import app as celery_app
from rubrics.models import Criterion, Rubric
from screening.models import ReviewAssignment, Scorecard
from screening.services import scorecard_save
from tests.factories import (
    ApplicationFactory,
    RecruiterFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    published_rubric,
    submit_scores,
)
from tests.integration.support import integration_skip_reason

_skip_reason = integration_skip_reason()

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(_skip_reason is not None, reason=f"integration: {_skip_reason}"),
    # serialized_rollback restores the rows the migrations made (the role groups).
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DEBOUNCE_SECONDS = 2
TIMEOUT = 30
SEVERITY = (-0.6, 0.0, 0.6)  # of the three reviewers
QUALITY = (1.4, 2.2, 2.9, 3.6)  # of the four applications


@dataclass
class World:
    rubric: Rubric
    criteria: list[Criterion]
    reviewers: list
    assignments: list[ReviewAssignment]  # application-major, reviewer-minor

    def scores(self, assignment: ReviewAssignment) -> list[dict]:
        quality = QUALITY[self.application_index(assignment)]
        severity = SEVERITY[self.reviewers.index(assignment.reviewer)]
        return [
            {"criterion": c.pk, "value": min(4, max(1, round(quality + severity + 0.3 * (i - 1))))}
            for i, c in enumerate(self.criteria)
        ]

    def application_index(self, assignment: ReviewAssignment) -> int:
        return self.assignments.index(assignment) // len(self.reviewers)


def build_world() -> World:
    """A published rubric (three criteria, 1–4 scale), four applications,
    each assigned to the same three reviewers; every scorecard a draft."""
    rubric = published_rubric()
    criteria = list(rubric.criteria.order_by("order", "id"))
    reviewers = [ReviewerFactory() for _ in SEVERITY]
    assignments = []
    for _ in QUALITY:
        application = ApplicationFactory(rubric=rubric)
        assignments += [
            ReviewAssignmentFactory(application=application, reviewer=r) for r in reviewers
        ]
    return World(rubric, criteria, reviewers, assignments)


def submit_directly(world: World, assignments) -> None:
    """Submitted scorecards stored without the service: no calibration is
    scheduled for them."""
    for assignment in assignments:
        by_id = {c.pk: c for c in world.criteria}
        submit_scores(
            assignment, {by_id[s["criterion"]]: s["value"] for s in world.scores(assignment)}
        )


def submit_through_service(world: World, assignment: ReviewAssignment) -> Scorecard:
    return scorecard_save(
        scorecard=assignment.scorecard,
        reviewer=assignment.reviewer,
        scores=world.scores(assignment),
        recommendation=Scorecard.Recommendation.YES,
        submit=True,
    )


def wait_for(predicate, *, timeout: float = TIMEOUT, what: str, worker=None):
    """Poll `predicate` until it returns something truthy; fail with the
    worker's log after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            log = f"\nWorker log ({worker.log_path}):\n{worker.log()[-4000:]}" if worker else ""
            pytest.fail(f"Timed out after {timeout} s waiting for {what}.{log}")
        time.sleep(0.2)


def runs_of(rubric: Rubric) -> list[CalibrationRun]:
    return list(CalibrationRun.objects.filter(rubric=rubric).order_by("created_at", "id"))


def n_ratings(world: World) -> int:
    return Scorecard.objects.filter(
        application__rubric=world.rubric, status=Scorecard.Status.SUBMITTED
    ).count() * len(world.criteria)


def assert_results_stored(run: CalibrationRun, world: World) -> None:
    assert run.status == CalibrationRun.Status.SUCCEEDED, run.error
    assert run.progress == 100
    assert run.started_at is not None and run.finished_at is not None
    assert run.started_at <= run.finished_at
    assert run.n_ratings == n_ratings(world)
    assert ReviewerCalibration.objects.filter(run=run).count() == len(world.reviewers)
    assert CriterionCalibration.objects.filter(run=run).count() == len(world.criteria)
    assert ApplicationCalibration.objects.filter(run=run).count() == run.n_applications


# --- (a) submissions ---------------------------------------------------------


def test_a_burst_of_submissions_gives_one_run_in_the_worker(to_worker, settings):
    settings.CALIBRATION_ON_SUBMIT = True
    settings.CALIBRATION_DEBOUNCE_SECONDS = DEBOUNCE_SECONDS
    world = build_world()
    burst, later = world.assignments[-4:-1], world.assignments[-1]
    submit_directly(world, world.assignments[:-4])

    started = time.monotonic()
    for assignment in burst:
        submit_through_service(world, assignment)
    took = time.monotonic() - started
    assert took < DEBOUNCE_SECONDS, f"the burst took {took:.2f} s, longer than the window"

    run = wait_for(
        lambda: CalibrationRun.objects.filter(
            rubric=world.rubric, status=CalibrationRun.Status.SUCCEEDED
        ).first(),
        what="the debounced run to succeed",
        worker=to_worker,
    )
    # Past the window once more: still that one run.
    time.sleep(DEBOUNCE_SECONDS + 0.5)
    assert [r.pk for r in runs_of(world.rubric)] == [run.pk]
    assert run.trigger == CalibrationRun.Trigger.SUBMISSION
    assert run.task_id
    assert AsyncResult(run.task_id, app=celery_app).state == "SUCCESS"
    assert_results_stored(run, world)  # it saw every submission of the burst
    assert run.n_ratings == (len(world.assignments) - 1) * len(world.criteria)

    # The worker's run deleted the debounce key from the shared cache, so the
    # next submission schedules a new run, which includes it.
    assert cache.get(debounce_key(world.rubric.pk)) is None
    submit_through_service(world, later)
    second = wait_for(
        lambda: (
            CalibrationRun.objects.filter(
                rubric=world.rubric, status=CalibrationRun.Status.SUCCEEDED
            )
            .exclude(pk=run.pk)
            .first()
        ),
        what="the run of the next submission to succeed",
        worker=to_worker,
    )
    assert len(runs_of(world.rubric)) == 2
    assert second.trigger == CalibrationRun.Trigger.SUBMISSION
    assert second.n_ratings == len(world.assignments) * len(world.criteria)
    assert_results_stored(second, world)


def test_submissions_schedule_nothing_when_calibration_on_submit_is_off(to_worker, settings):
    settings.CALIBRATION_ON_SUBMIT = False
    settings.CALIBRATION_DEBOUNCE_SECONDS = 0
    world = build_world()
    submit_directly(world, world.assignments[:-1])
    submit_through_service(world, world.assignments[-1])
    time.sleep(1.5)
    assert runs_of(world.rubric) == []
    assert cache.get(debounce_key(world.rubric.pk)) is None


# --- (b) the API's path -------------------------------------------------------


def test_a_requested_run_succeeds_in_the_worker_under_its_task_id(to_worker):
    world = build_world()
    submit_directly(world, world.assignments)
    recruiter = RecruiterFactory()

    with transaction.atomic():  # as the API view does
        run = calibration_request(rubric=world.rubric, actor=recruiter)
        task_id = run.task_id
        assert task_id
    result = AsyncResult(task_id, app=celery_app)
    payload = result.get(timeout=TIMEOUT)

    assert payload == {"run_id": run.pk, "status": CalibrationRun.Status.SUCCEEDED}
    assert result.state == "SUCCESS"
    run.refresh_from_db()
    assert run.task_id == task_id
    assert run.requested_by == recruiter
    assert run.trigger == CalibrationRun.Trigger.MANUAL
    assert_results_stored(run, world)
    assert [r.pk for r in runs_of(world.rubric)] == [run.pk]  # the run it was given


def test_the_stored_severities_order_the_reviewers_as_built(to_worker):
    world = build_world()
    submit_directly(world, world.assignments)
    payload = calibrate_rubric.apply_async(kwargs={"rubric_id": world.rubric.pk}).get(
        timeout=TIMEOUT
    )
    severities = dict(
        ReviewerCalibration.objects.filter(run_id=payload["run_id"]).values_list(
            "reviewer_id", "severity"
        )
    )
    ordered = sorted(world.reviewers, key=lambda r: severities[r.pk])
    assert ordered == world.reviewers  # built from severe to lenient


# --- (c) one run per rubric at a time ----------------------------------------


def test_two_runs_sent_at_once_both_succeed_one_after_the_other(to_worker):
    world = build_world()
    submit_directly(world, world.assignments)
    first = calibrate_rubric.apply_async(kwargs={"rubric_id": world.rubric.pk})
    second = calibrate_rubric.apply_async(kwargs={"rubric_id": world.rubric.pk})

    payloads = [first.get(timeout=TIMEOUT), second.get(timeout=TIMEOUT)]

    assert [p["status"] for p in payloads] == [CalibrationRun.Status.SUCCEEDED] * 2
    runs = sorted(runs_of(world.rubric), key=lambda r: r.started_at)
    assert len(runs) == 2
    for run in runs:
        assert_results_stored(run, world)
    assert runs[0].finished_at <= runs[1].started_at, "the two runs overlapped"


def test_the_database_refuses_a_second_running_run_of_a_rubric():
    """What makes the test above meaningful: with a solo worker the two runs
    are serial anyway; with several workers this constraint is the lock."""
    world = build_world()
    CalibrationRun.objects.create(rubric=world.rubric, status=CalibrationRun.Status.RUNNING)

    with (
        pytest.raises(IntegrityError, match="calibration_one_running_per_rubric"),
        transaction.atomic(),
    ):
        CalibrationRun.objects.create(rubric=world.rubric, status=CalibrationRun.Status.RUNNING)
    # Another rubric may run meanwhile.
    other = published_rubric()
    CalibrationRun.objects.create(rubric=other, status=CalibrationRun.Status.RUNNING)


def test_a_worker_that_finds_the_rubric_busy_retries_instead_of_running(to_worker):
    world = build_world()
    submit_directly(world, world.assignments)
    held = CalibrationRun.objects.create(
        rubric=world.rubric, status=CalibrationRun.Status.RUNNING, task_id="held-by-the-test"
    )
    result = calibrate_rubric.apply_async(kwargs={"rubric_id": world.rubric.pk})
    try:
        wait_for(
            lambda: result.state == "RETRY",
            what="the busy task to be put back for a retry",
            worker=to_worker,
        )
        # The refused task stored nothing: no second run, not even a queued
        # one that nobody would ever finish.
        assert [r.pk for r in runs_of(world.rubric)] == [held.pk]
    finally:
        # Its retry comes 30 s later: do not let it run after this test.
        celery_app.control.revoke(result.id)
