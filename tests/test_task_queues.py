"""Celery queues per task kind: where each task goes, and that every place that
starts a general worker consumes every queue (a queue no worker reads would
keep its tasks forever)."""

from pathlib import Path

import pytest
import yaml
from django.conf import settings

import calibration.tasks
import reports.tasks
import screening.tasks
from config.celery import app

TASK_MODULES = (calibration.tasks, reports.tasks, screening.tasks)  # registers their tasks

ROOT = Path(__file__).resolve().parent.parent


def queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


@pytest.mark.parametrize(
    ("task", "kind"),
    [
        ("calibration.tasks.calibrate_rubric", "calibration"),
        ("reports.tasks.send_digest", "mail"),
        ("reports.tasks.send_reminder", "mail"),
        # The beat's fan-out tasks are quick: they must not wait behind a long run.
        ("calibration.tasks.calibrate_active_rubrics", "celery"),
        ("calibration.tasks.resend_unsent_calibration_runs", "celery"),
        ("reports.tasks.send_weekly_digests", "celery"),
        ("reports.tasks.send_overdue_reminders", "celery"),
        ("screening.tasks.extract_document", "celery"),
    ],
)
def test_each_task_goes_to_the_queue_of_its_kind(task, kind):
    assert task in app.tasks
    assert queue_of(task) == settings.TASK_QUEUES[kind]


def test_a_worker_started_without_a_queue_list_consumes_every_queue():
    declared = set(app.amqp.queues.consume_from)
    assert declared == set(settings.WORKER_QUEUES) == set(settings.TASK_QUEUES.values())
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed <= declared


def _queues_of(command: list[str]) -> set[str] | None:
    """The queues a `celery worker` command consumes (None: every declared one)."""
    for flag, value in zip(command, command[1:], strict=False):
        if flag in ("-Q", "--queues"):
            return set(value.split(","))
    for arg in command:
        if arg.startswith("--queues="):
            return set(arg.split("=", 1)[1].split(","))
    return None


def test_compose_runs_a_general_worker_on_every_queue_and_a_calibration_one_in_profile_scale():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    workers = {
        name: service
        for name, service in services.items()
        if "worker" in (service.get("command") or [])
    }
    general = [name for name, s in workers.items() if "profiles" not in s]
    assert general == ["worker"]
    assert _queues_of(workers["worker"]["command"]) in (None, set(settings.WORKER_QUEUES))
    dedicated = workers["worker-calibration"]
    assert dedicated["profiles"] == ["scale"]
    assert _queues_of(dedicated["command"]) == {settings.TASK_QUEUES["calibration"]}
    assert "--concurrency=1" in dedicated["command"]
