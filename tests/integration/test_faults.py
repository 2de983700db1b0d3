"""Faults under real processes, each on a redis-server of the test's own (on a
free loopback port: never the shared one of REDIS_URL, which the other
integration tests' worker uses), on PostgreSQL:

- Redis killed (SIGKILL) under a running server (gunicorn, as deployed,
  with the worker settings on the test database): a reviewer's submission
  over HTTP still answers 200 within a second and is stored; /healthz,
  asked anonymously, answers 500 with "Unavailable" and nothing about the
  installation; once Redis is back (empty, on the same port) /healthz is OK
  again and the next submission queues a calibration, with no debounce key
  left behind by the one that could not be queued. Three ways: the broker
  alone killed while the cache, on another Redis, stays up (the debounce
  key lives on through the outage); one Redis as both cache and broker (the
  default, CACHE_URL unset) killed; the broker alone hung (SIGSTOP).
- A worker killed (SIGKILL) while a calibration is running, then a new
  worker: the message, never acknowledged (acks_late), is given back by
  Redis after the visibility timeout, and the new worker finishes that very
  run; one run, succeeded, with one set of results.

Each test commits its data (transaction=True) so the other processes see it.
Skipped, with the reason, unless the database is PostgreSQL, a broker is
configured and redis-server is installed (CI has all three)."""

import contextlib
import json
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import requests
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from knox.models import AuthToken

from calibration.models import (
    ApplicationCalibration,
    CalibrationRun,
    CriterionCalibration,
    ReviewerCalibration,
)
from calibration.scheduling import calibration_request
from core.models import AuditEvent
from rubrics.models import Criterion, Rubric
from screening.models import ReviewAssignment, Scorecard
from tests.factories import (
    ApplicationFactory,
    RecruiterFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    published_rubric,
    submit_scores,
)
from tests.integration.support import (
    ROOT,
    Worker,
    celery_env,
    database_url,
    set_task_routes,
    task_queues,
    task_routes,
)
from tests.integration.support import integration_skip_reason as _integration_skip_reason


def _skip_reason() -> str | None:
    reasons = [_integration_skip_reason()]
    if shutil.which("redis-server") is None:
        reasons.append("redis-server is not installed")
    return "; ".join(r for r in reasons if r) or None


pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(_skip_reason() is not None, reason=f"integration: {_skip_reason()}"),
    # serialized_rollback restores the rows the migrations made (the role groups).
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

START_TIMEOUT = 30
TIMEOUT = 30
SUBMIT_LIMIT = 1.0  # seconds: what a submission may take with Redis down
CALIBRATE_TASK = "calibration.tasks.calibrate_rubric"
ARTIFACTS = Path(settings.TEST_ARTIFACTS_DIR) / "integration"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, *, what: str, timeout: float = TIMEOUT, logs=()):
    """Poll `predicate` until it returns something truthy; fail with the
    tails of `logs` (objects with .log_path and .log()) after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            tails = "".join(f"\n{p.log_path}:\n{p.log()[-3000:]}" for p in logs)
            pytest.fail(f"Timed out after {timeout} s waiting for {what}.{tails}")
        time.sleep(0.1)


class _Process:
    log_path: Path
    process: subprocess.Popen | None = None

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def _spawn(self, command: list[str], **kwargs) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, **kwargs)

    def _check_alive(self, what: str) -> None:
        if self.process.poll() is not None:
            pytest.fail(
                f"{what} exited with {self.process.returncode}; its log "
                f"({self.log_path}):\n{self.log()[-3000:]}"
            )

    def kill(self) -> None:
        """SIGKILL (a stopped process dies too)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


class RedisServer(_Process):
    """A throwaway redis-server on a free loopback port, without persistence:
    killed, it loses everything, and restarted it comes back empty."""

    def __init__(self, name: str):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log_path = ARTIFACTS / f"{name}-redis-{self.port}.log"

    def start(self) -> None:
        self._spawn(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
            ]
        )
        wait_for(self._pings, what=f"redis-server on port {self.port}", logs=[self])

    def _pings(self) -> bool:
        self._check_alive("redis-server")
        try:
            return self.client().ping()
        except redis.ConnectionError:
            return False

    def hang(self) -> None:
        """SIGSTOP: connections are still accepted (by the kernel) and never
        answered, as behind a network partition."""
        self.process.send_signal(signal.SIGSTOP)

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=2, socket_connect_timeout=1)


@contextlib.contextmanager
def redis_server(name: str):
    server = RedisServer(name)
    server.start()
    try:
        yield server
    finally:
        server.kill()


class WebServer(_Process):
    """gunicorn serving the site with the worker settings (the test settings,
    Redis as cache), on the test database and the given Redis."""

    def __init__(self, *, broker_url: str, cache_url: str, cache_prefix: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.cache_prefix = cache_prefix
        self.log_path = ARTIFACTS / f"faults-gunicorn-{self.port}.log"
        self.env = {
            **celery_env(
                database_url=database_url(connection.settings_dict), cache_prefix=cache_prefix
            ),
            "REDIS_URL": broker_url,
            "CELERY_BROKER_URL": broker_url,
            "CELERY_RESULT_BACKEND": broker_url,
            "INTEGRATION_CACHE_URL": cache_url,
            "INTEGRATION_CALIBRATION_ON_SUBMIT": "1",
        }

    def start(self) -> None:
        self._spawn(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--access-logfile",
                "-",
            ],
            cwd=ROOT,
            env=self.env,
        )
        wait_for(self._answers, what="gunicorn to serve /healthz", logs=[self])

    def _answers(self) -> bool:
        self._check_alive("gunicorn")
        try:
            return self.health()[0] == 200
        except requests.ConnectionError:
            return False

    def health(self) -> tuple[int, dict]:
        """/healthz as an anonymous caller sees it."""
        response = requests.get(
            f"{self.base}/healthz", headers={"Accept": "application/json"}, timeout=10
        )
        return response.status_code, response.json()


# --- (a) Redis down under a running server ---------------------------------


@dataclass
class Scene:
    """A reviewer with three draft scorecards: `before` (Redis up) on one
    rubric, `during` (Redis down) and `after` (Redis back) on another."""

    reviewer: object
    token: str
    before: ReviewAssignment
    during: ReviewAssignment
    after: ReviewAssignment


def build_scene() -> Scene:
    reviewer = ReviewerFactory()
    first, second = published_rubric(), published_rubric()
    before = ReviewAssignmentFactory(
        application=ApplicationFactory(rubric=first), reviewer=reviewer
    )
    during, after = (
        ReviewAssignmentFactory(application=ApplicationFactory(rubric=second), reviewer=reviewer)
        for _ in range(2)
    )
    _, token = AuthToken.objects.create(user=reviewer)
    return Scene(reviewer, token, before, during, after)


def submit(server: WebServer, scene: Scene, assignment: ReviewAssignment):
    """POST …/submit/ as the reviewer; the response and its wall time."""
    criteria = assignment.application.rubric.criteria.exclude(kind=Criterion.Kind.SCREENING)
    body = {
        "scores": [{"criterion": c.pk, "value": 3} for c in criteria],
        "recommendation": Scorecard.Recommendation.YES,
    }
    started = time.monotonic()
    response = requests.post(
        f"{server.base}/api/v1/scorecards/{assignment.scorecard.pk}/submit/",
        json=body,
        headers={"Authorization": f"Token {scene.token}"},
        timeout=30,
    )
    return response, time.monotonic() - started


def queued_calibrations(broker: RedisServer, rubric: Rubric) -> int:
    """Calibrations of `rubric` waiting in the calibration queue (no worker consumes
    it here, so a sent task stays there)."""
    count = 0
    for raw in broker.client().lrange(settings.TASK_QUEUES["calibration"], 0, -1):
        headers = json.loads(raw)["headers"]
        if headers["task"] == CALIBRATE_TASK and f"'rubric_id': {rubric.pk}," in (
            headers.get("kwargsrepr") or ""
        ):
            count += 1
    return count


def debounce_keys(cache: RedisServer, server: WebServer, rubric: Rubric) -> list[bytes]:
    pattern = f"{server.cache_prefix}:*:calibration:pending:{rubric.pk}"
    return list(cache.client().scan_iter(match=pattern))


def assert_submitted(response, took: float, assignment: ReviewAssignment) -> None:
    assert response.status_code == 200, response.text[:2000]
    assert response.json()["status"] == Scorecard.Status.SUBMITTED
    assert took < SUBMIT_LIMIT, f"the submission took {took:.2f} s"
    assignment.scorecard.refresh_from_db()
    assert assignment.scorecard.status == Scorecard.Status.SUBMITTED
    assert assignment.scorecard.submitted_at is not None


@pytest.mark.parametrize(
    "down",
    [
        # One Redis as both cache and broker (the default: CACHE_URL unset), killed:
        # token checks and throttles let requests through while the cache is down.
        "cache_and_broker",
        # The broker alone killed; the cache, on another Redis, stays up.
        "broker_only",
        # The broker alone hung (SIGSTOP), then killed before it comes back: the
        # broker's 0.5 s socket timeout keeps the submission under the 1 s bar.
        "broker_hung",
    ],
)
def test_submissions_answer_while_redis_is_down_and_schedule_again_once_it_is_back(down):
    with contextlib.ExitStack() as stack:
        broker = stack.enter_context(redis_server("faults-broker"))
        # By default (CACHE_URL unset) one Redis is both; else the cache stays up.
        cache = broker if down == "cache_and_broker" else stack.enter_context(redis_server("cache"))
        server = WebServer(
            broker_url=broker.url,
            cache_url=cache.url,
            cache_prefix=f"rubrics-faults-{uuid.uuid4().hex[:10]}",
        )
        stack.callback(server.stop)
        scene = build_scene()
        server.start()
        first, second = scene.before.application.rubric, scene.during.application.rubric

        # Redis up: the submission queues its rubric's calibration (debounced).
        response, took = submit(server, scene, scene.before)
        assert_submitted(response, took, scene.before)
        assert queued_calibrations(broker, first) == 1
        assert len(debounce_keys(cache, server, first)) == 1
        assert server.health() == (200, {"Database": "OK", "Redis": "OK"})

        if down == "broker_hung":
            broker.hang()
        else:
            broker.kill()
        response, took = submit(server, scene, scene.during)
        print(f"\nA submission with Redis down ({down}) took {took:.3f} s.")
        assert_submitted(response, took, scene.during)
        status, health = server.health()
        assert status == 500
        assert health["Database"] == "OK"
        assert health["Redis"].startswith("Unavailable")
        assert str(broker.port) not in json.dumps(health)  # nothing about the installation
        if cache is not broker:
            # The submission found no run queued for its rubric, set the key, could
            # not send the run and took the key back: none is left to hold the
            # next submissions back for minutes. (The other rubric's is untouched.)
            assert debounce_keys(cache, server, second) == []
            assert len(debounce_keys(cache, server, first)) == 1
        assert f"Calibration of rubric {second.pk} not queued" in server.log()

        broker.kill()
        broker.start()  # empty, on the same port
        assert server.health() == (200, {"Database": "OK", "Redis": "OK"})
        response, took = submit(server, scene, scene.after)
        assert_submitted(response, took, scene.after)
        assert queued_calibrations(broker, second) == 1
        assert len(debounce_keys(cache, server, second)) == 1
        # Only /healthz answered 500 (as it should); no request to the API did.
        assert "Internal Server Error: /api/" not in server.log()


# --- (b) a worker killed mid-calibration -------------------------------------

VISIBILITY_TIMEOUT = 3  # seconds, for the test's workers only (see the README)
SEVERITY = (-0.6, 0.0, 0.6)
QUALITY = (1.4, 2.2, 2.9, 3.6)


@contextlib.contextmanager
def celery_app_on(broker_url: str, queue_prefix: str):
    """Send this process's tasks through `broker_url` to the queues named under
    `queue_prefix` (the test settings run them eagerly); restored after."""
    from config.celery import app

    def forget_connections():
        # Not closed: kombu keeps one pool per broker address for the whole
        # process, and the other tests' one must stay usable.
        pool, app._pool, app.amqp._producer_pool = app._pool, None, None
        return pool

    names = (
        "broker_url",
        "task_always_eager",
        "task_eager_propagates",
        "task_default_queue",
        "task_routes",
    )
    saved = {name: app.conf[name] for name in names}
    forget_connections()
    app.conf.broker_url = broker_url
    app.conf.task_always_eager = False
    app.conf.task_eager_propagates = False
    app.conf.task_default_queue = task_queues(queue_prefix)["celery"]
    set_task_routes(app, task_routes(queue_prefix))
    try:
        yield app
    finally:
        ours = forget_connections()
        for name, value in saved.items():
            app.conf[name] = value
        set_task_routes(app, saved["task_routes"])
        if ours is not None:
            ours.force_close_all()  # this test's broker only


def rubric_with_submissions() -> Rubric:
    """Four applications, each scored by the same three reviewers."""
    rubric = published_rubric()
    criteria = list(rubric.criteria.exclude(kind=Criterion.Kind.SCREENING))
    reviewers = [ReviewerFactory() for _ in SEVERITY]
    for quality in QUALITY:
        application = ApplicationFactory(rubric=rubric)
        for reviewer, severity in zip(reviewers, SEVERITY, strict=True):
            assignment = ReviewAssignmentFactory(application=application, reviewer=reviewer)
            submit_scores(
                assignment,
                {
                    c: min(4, max(1, round(quality + severity + 0.3 * (i - 1))))
                    for i, c in enumerate(criteria)
                },
            )
    return rubric


def test_a_worker_killed_mid_calibration_and_replaced_finishes_the_run_exactly_once():
    token = uuid.uuid4().hex[:10]
    prefix = f"faults-{token}-"
    queue = task_queues(prefix)["calibration"]  # where the run waits

    def worker(name: str) -> Worker:
        return Worker(
            queue_prefix=prefix,
            nodename=f"faults-{token}-{name}@pytest",
            cache_prefix=f"rubrics-faults-{token}",
            log_path=ARTIFACTS / f"faults-worker-{token}-{name}.log",
        )

    with contextlib.ExitStack() as stack:
        broker = stack.enter_context(redis_server("faults-worker"))
        stack.enter_context(celery_app_on(broker.url, prefix))
        env = {
            "REDIS_URL": broker.url,
            "CELERY_BROKER_URL": broker.url,
            "CELERY_RESULT_BACKEND": broker.url,
            "INTEGRATION_CACHE_URL": broker.url,
            "INTEGRATION_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        }
        db = database_url(connection.settings_dict)
        first, second = worker("first"), worker("second")
        stack.callback(second.stop)
        stack.callback(first.kill)
        rubric = rubric_with_submissions()
        # The first worker sleeps after each progress report: it is killed in the first.
        first.start(db, env={**env, "INTEGRATION_PROGRESS_SLEEP": "60"})

        with transaction.atomic():  # as the API view does; sent on commit
            run = calibration_request(rubric=rubric, actor=RecruiterFactory())
        wait_for(
            lambda: CalibrationRun.objects.filter(
                pk=run.pk, status=CalibrationRun.Status.RUNNING, progress__gte=5
            ).exists(),
            what="the run to be running in the first worker",
            logs=[first],
        )
        first.kill()
        run.refresh_from_db()
        assert run.status == CalibrationRun.Status.RUNNING  # the kill landed mid-run
        client = broker.client()
        assert client.hlen("unacked") == 1  # taken, never acknowledged: not lost
        assert client.llen(queue) == 0

        second.start(db, env=env)
        wait_for(
            lambda: CalibrationRun.objects.filter(
                pk=run.pk,
                status__in=[CalibrationRun.Status.SUCCEEDED, CalibrationRun.Status.FAILED],
            ).exists(),
            what="the second worker to finish the run",
            logs=[second],
        )
        # Acknowledged: nothing is left for Redis to give back, so no second run comes.
        wait_for(
            lambda: client.hlen("unacked") == 0 and client.llen(queue) == 0,
            what="the message to be acknowledged",
            timeout=5,
            logs=[second],
        )

    run.refresh_from_db()
    assert run.status == CalibrationRun.Status.SUCCEEDED, run.error
    assert list(CalibrationRun.objects.filter(rubric=rubric)) == [run]
    assert run.progress == 100
    assert run.n_reviewers == len(SEVERITY)
    assert run.n_applications == len(QUALITY)
    assert ReviewerCalibration.objects.filter(run=run).count() == len(SEVERITY)
    n_criteria = rubric.criteria.exclude(kind=Criterion.Kind.SCREENING).count()
    assert CriterionCalibration.objects.filter(run=run).count() == n_criteria
    assert ApplicationCalibration.objects.filter(run=run).count() == len(QUALITY)
    events = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(CalibrationRun), object_id=str(run.pk)
    )
    assert sorted(events.values_list("event", flat=True)) == [
        "calibration.requested",
        "calibration.succeeded",
    ]
    assert f"Task {CALIBRATE_TASK}[{run.task_id}] succeeded" in second.log()
