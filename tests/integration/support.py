"""The Celery worker subprocess of the integration tests, and whether they
can run here."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent.parent
WORKER_START_TIMEOUT = 30
WORKER_STOP_TIMEOUT = 15


def integration_skip_reason() -> str | None:
    """Why the integration tests cannot run here, or None when they can."""
    reasons = []
    if connection.vendor != "postgresql":
        reasons.append(
            f"the database is {connection.vendor}, not PostgreSQL (set DATABASE_URL=postgres://…)"
        )
    if not settings.BROKER_CONFIGURED:
        reasons.append("no Celery broker is configured (set REDIS_URL=redis://…)")
    return "; ".join(reasons) or None


def database_url(settings_dict: dict) -> str:
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "localhost"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{quote(settings_dict['NAME'], safe='')}"


def task_queues(prefix: str) -> dict[str, str]:
    """Each task kind's queue (settings.TASK_QUEUES) under `prefix`: the queues of
    one test's worker, apart from any other session's sharing the Redis."""
    return {kind: f"{prefix}{kind}" for kind in settings.TASK_QUEUES}


def task_routes(prefix: str) -> dict:
    """settings.CELERY_TASK_ROUTES with every queue under `prefix` (as a process
    started with TASK_QUEUE_PREFIX=prefix routes them)."""
    own = settings.TASK_QUEUE_PREFIX
    return {
        task: {**route, "queue": prefix + route["queue"].removeprefix(own)}
        for task, route in settings.CELERY_TASK_ROUTES.items()
    }


def set_task_routes(app, routes) -> None:
    """Route this process's tasks by `routes` from now on (Celery builds its
    router once: a new `task_routes` alone is not read again)."""
    app.conf.task_routes = routes
    app.amqp.flush_routes()
    app.amqp.router = app.amqp.Router()


def celery_env(*, database_url: str, cache_prefix: str) -> dict[str, str]:
    """The environment of a Celery process the integration tests start (the
    worker, and the beat of test_beat.py): the worker settings on the test
    database, the test session's broker, result backend and cache prefix."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.integration.worker_settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "INTEGRATION_CACHE_PREFIX": cache_prefix,
        "PYTHONUNBUFFERED": "1",
    }
    if settings.CELERY_RESULT_BACKEND:
        env["CELERY_RESULT_BACKEND"] = settings.CELERY_RESULT_BACKEND
    return env


class Worker:
    """A running `celery worker` subprocess and what its tests need to know. It
    consumes every queue (default, calibration, mail), named under
    `queue_prefix` so that it shares them with no other session; `queue` is
    its default one."""

    def __init__(self, *, queue_prefix: str, nodename: str, cache_prefix: str, log_path: Path):
        self.queue_prefix = queue_prefix
        self.queues = task_queues(queue_prefix)
        self.queue = self.queues["celery"]
        self.nodename = nodename
        self.cache_prefix = cache_prefix
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def start(self, database_url: str, *, env: dict[str, str] | None = None) -> None:
        """Start it and wait until it answers a ping; `env` adds to or
        overrides its environment (test_faults.py points it at a Redis of
        its own)."""
        env = {
            **celery_env(database_url=database_url, cache_prefix=self.cache_prefix),
            # Its queues, and the routes of the tasks it sends (`send_weekly_digests` →
            # `send_digest`, `calibrate_active_rubrics` → `calibrate_rubric`), under the
            # prefix, as the test process's are: by default they would go to queues that
            # no worker of this session consumes.
            "TASK_QUEUE_PREFIX": self.queue_prefix,
            **(env or {}),
        }
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-l",
            "INFO",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "-Q",
            ",".join(self.queues.values()),
            "-n",
            self.nodename,
        ]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        from config.celery import app

        deadline = time.monotonic() + WORKER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(
                    f"The Celery worker exited with {self.process.returncode} before it was "
                    f"ready; its log ({self.log_path}):\n{self.log()}"
                )
            if f"{self.nodename} ready." in self.log() and app.control.ping(
                destination=[self.nodename], timeout=0.5
            ):
                return
            time.sleep(0.2)
        self.stop()
        pytest.fail(
            f"The Celery worker was not ready within {WORKER_START_TIMEOUT} s; its log "
            f"({self.log_path}):\n{self.log()}"
        )

    def stop(self) -> None:
        """Warm shutdown (SIGTERM), then SIGKILL if it does not end in time."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=WORKER_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=WORKER_STOP_TIMEOUT)

    def kill(self) -> None:
        """SIGKILL, as the OOM killer or a lost machine would: no warm
        shutdown, no message given back. (The pool is solo: the task runs in
        this very process, which has no children.)"""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.kill()
        self.process.wait(timeout=WORKER_STOP_TIMEOUT)

    def clean_redis(self) -> None:
        """Remove what the session left in Redis: the worker's queues, with any
        message a test left in it (a warm shutdown puts unacknowledged ones
        back), its bindings, and the session's cache keys. (Task results
        expire on their own.)"""
        from config.celery import app

        with app.connection_for_write() as conn:
            client = conn.default_channel.client
            keys = [
                *client.scan_iter(match=f"{self.queue_prefix}*"),
                *(
                    key
                    for queue in self.queues.values()
                    for key in client.scan_iter(match=f"_kombu.binding*.{queue}")
                ),
                *client.scan_iter(match=f"{self.cache_prefix}:*"),
            ]
            if keys:
                client.delete(*keys)
