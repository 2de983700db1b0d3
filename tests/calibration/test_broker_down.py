"""A submission never depends on the cache or the broker (issue 13): with either
down it answers and is stored, no debounce key is left behind a run that was not
queued, and the next submission after they return queues a run again."""

from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.cache import cache
from kombu.exceptions import OperationalError

from calibration.services import debounce_key
from screening import services
from tests.factories import ApplicationFactory, ReviewAssignmentFactory, published_rubric

pytestmark = pytest.mark.django_db


@pytest.fixture
def drafts(settings):
    settings.CALIBRATION_ON_SUBMIT = True
    settings.CALIBRATION_DEBOUNCE_SECONDS = 45
    rubric = published_rubric()
    criteria = list(rubric.criteria.order_by("order", "id"))
    assignments = [
        ReviewAssignmentFactory(application=ApplicationFactory(rubric=rubric)) for _ in range(2)
    ]
    return SimpleNamespace(rubric=rubric, criteria=criteria, assignments=assignments)


def submit(assignment, criteria):
    return services.scorecard_save(
        scorecard=assignment.scorecard,
        reviewer=assignment.reviewer,
        scores=[{"criterion": c.pk, "value": 3} for c in criteria],
        recommendation=3,
        submit=True,
    )


def test_with_the_broker_down_the_submission_stands_and_leaves_no_key(
    drafts, django_capture_on_commit_callbacks, caplog
):
    down = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with (
        mock.patch("calibration.tasks.calibrate_rubric.apply_async", side_effect=down),
        django_capture_on_commit_callbacks(execute=True),
    ):
        card = submit(drafts.assignments[0], drafts.criteria)
    card.refresh_from_db()
    assert card.is_submitted
    assert cache.get(debounce_key(drafts.rubric.pk)) is None
    assert "not queued: task queue unavailable" in caplog.text

    with (
        mock.patch("calibration.tasks.calibrate_rubric.apply_async") as back,
        django_capture_on_commit_callbacks(execute=True),
    ):
        submit(drafts.assignments[1], drafts.criteria)
    assert back.call_count == 1  # queued again at once, not after a stale window


def test_with_the_cache_down_the_run_is_still_queued(
    drafts, django_capture_on_commit_callbacks, caplog
):
    with (
        mock.patch("calibration.scheduling.cache.add", side_effect=ConnectionError("cache down")),
        mock.patch("calibration.tasks.calibrate_rubric.apply_async") as apply_async,
        django_capture_on_commit_callbacks(execute=True),
    ):
        card = submit(drafts.assignments[0], drafts.criteria)
    assert card.is_submitted
    assert apply_async.call_count == 1
    assert "not debounced: cache unavailable" in caplog.text


def test_the_api_submit_answers_200_with_both_down(
    drafts, api_client, django_capture_on_commit_callbacks
):
    assignment = drafts.assignments[0]
    api_client.force_authenticate(assignment.reviewer)
    body = {
        "scores": [{"criterion": c.pk, "value": 3} for c in drafts.criteria],
        "recommendation": 3,
    }
    with (
        mock.patch("calibration.scheduling.cache.add", side_effect=ConnectionError("cache down")),
        mock.patch(
            "calibration.scheduling.cache.delete", side_effect=ConnectionError("cache down")
        ),
        mock.patch(
            "calibration.tasks.calibrate_rubric.apply_async",
            side_effect=OperationalError("broker down"),
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = api_client.post(
            f"/api/v1/scorecards/{assignment.scorecard.pk}/submit/", body, format="json"
        )
    assert response.status_code == 200
    assert response.json()["status"] == "submitted"


@pytest.fixture
def not_eager():
    from config.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = saved


def test_a_run_that_could_not_be_sent_is_marked_and_sent_again(
    drafts, recruiter, not_eager, django_capture_on_commit_callbacks
):
    from calibration import scheduling

    down = OperationalError("broker down")
    with (
        mock.patch("calibration.tasks.calibrate_rubric.apply_async", side_effect=down),
        django_capture_on_commit_callbacks(execute=True),
    ):
        run = scheduling.calibration_request(rubric=drafts.rubric, actor=recruiter)
    run.refresh_from_db()
    assert (run.status, run.task_id) == ("queued", "")
    assert run.progress_message == scheduling.NOT_SENT

    with mock.patch("calibration.tasks.calibrate_rubric.apply_async") as back:
        assert scheduling.resend_unsent_runs() == 1
        assert scheduling.resend_unsent_runs() == 0  # sent once, not again
    run.refresh_from_db()
    assert run.task_id and run.progress_message == ""
    back.assert_called_once_with(kwargs={"run_id": run.pk}, task_id=run.task_id, retry=False)


def test_the_api_answers_202_even_when_the_run_cannot_be_sent(
    drafts, recruiter_api, not_eager, django_capture_on_commit_callbacks
):
    with (
        mock.patch(
            "calibration.tasks.calibrate_rubric.apply_async",
            side_effect=OperationalError("broker down"),
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = recruiter_api.post(
            "/api/v1/calibration-runs/", {"rubric": drafts.rubric.pk}, format="json"
        )
    assert response.status_code == 202


def test_status_answers_503_with_a_code_when_the_result_store_is_down(
    drafts, recruiter_api, settings
):
    from calibration.models import CalibrationRun

    settings.BROKER_CONFIGURED = True
    run = CalibrationRun.objects.create(rubric=drafts.rubric, status="queued", task_id="t-1")
    with mock.patch("calibration.api.views.AsyncResult", side_effect=ConnectionError("redis down")):
        response = recruiter_api.get(f"/api/v1/calibration-runs/{run.pk}/status/")
    assert response.status_code == 503
    assert response.json()["code"] == "result_store_unavailable"


def test_the_sweep_is_scheduled_every_five_minutes():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="calibration.tasks.resend_unsent_calibration_runs")
    assert (task.interval.every, task.interval.period, task.enabled) == (5, "minutes", True)
