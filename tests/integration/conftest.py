"""Fixtures for the integration tests: a real Celery worker, started as a
subprocess against the test database that pytest-django created and the
Redis broker of REDIS_URL, consuming queues of its own (one per task kind).

They need PostgreSQL (the worker is another process: it must reach the same
database over the network, and the partial unique constraint that locks a
rubric's runs must be a real one) and a configured broker; without either
every test here is skipped with the reason."""

import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.integration.support import (
    Worker,
    database_url,
    integration_skip_reason,
    set_task_routes,
    task_routes,
)


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """One real worker for the session, on the test database. Depends on
    `django_db_setup`, so it stops before the test database is dropped."""
    reason = integration_skip_reason()
    if reason:
        pytest.skip(reason)
    token = uuid.uuid4().hex[:10]
    worker = Worker(
        queue_prefix=f"integration-{token}-",
        nodename=f"integration-{token}@pytest",
        cache_prefix=f"rubrics-integration-{token}",
        log_path=Path(settings.TEST_ARTIFACTS_DIR) / "integration" / f"worker-{token}.log",
    )
    worker.start(database_url(connection.settings_dict))
    try:
        yield worker
    finally:
        worker.stop()
        try:
            worker.clean_redis()
        finally:
            print(f"\nCelery worker log: {worker.log_path}")


@pytest.fixture
def to_worker(celery_worker_process, settings):
    """Send tasks through Redis to the worker (the test settings run them
    eagerly) and share its Redis cache. Restored after the test."""
    from config.celery import app

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": celery_worker_process.cache_prefix,
        }
    }
    saved = {
        name: app.conf[name]
        for name in (
            "task_always_eager",
            "task_eager_propagates",
            "task_default_queue",
            "task_routes",
        )
    }
    app.conf.task_always_eager = False
    app.conf.task_eager_propagates = False
    app.conf.task_default_queue = celery_worker_process.queue
    set_task_routes(app, task_routes(celery_worker_process.queue_prefix))
    try:
        yield celery_worker_process
    finally:
        for name, value in saved.items():
            app.conf[name] = value
        set_task_routes(app, saved["task_routes"])
