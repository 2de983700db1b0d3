"""What the contract tests share: the seeded world, a live server they reach over HTTP
and throttle rates high enough that thousands of generated requests are not refused.

Every test here is marked `contract`; `make test` runs them with the rest (on
PostgreSQL in CI, where .ci/run sets DATABASE_URL)."""

from pathlib import Path

import pytest
from django.db import connection

from tests.contract.world import seed_world

HERE = Path(__file__).parent


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "contract: the API against its schema and its authorization table"
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.contract)


@pytest.fixture
def world(db):
    return seed_world()


@pytest.fixture
def generous_throttles(monkeypatch):
    """DRF binds the rates to SimpleRateThrottle when it is imported, so settings
    overrides do not reach it: the class attribute is what to raise."""
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {"anon": "100000/minute", "user": "100000/minute", "login": "100000/minute"},
    )


# --- SQLite: the rubric immutability triggers versus the test flush --------------------
# As in tests/browser/conftest.py: a transactional test ends with a flush, one DELETE per
# table on SQLite, which the triggers of rubrics/migrations/0003 abort for a published
# rubric. Around the flush they are dropped, and created again for the next test.
# (PostgreSQL flushes with TRUNCATE, which fires no row triggers.)


def _sqlite_triggers():
    from importlib import import_module

    return import_module("rubrics.migrations.0003_immutability_triggers")


def _create_sqlite_triggers() -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        if "rubrics_rubric_locked_delete" in {name for (name,) in cursor.fetchall()}:
            return
        for statement in _sqlite_triggers().SQLITE_UP:
            cursor.execute(statement)


def _drop_sqlite_triggers() -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for statement in _sqlite_triggers().SQLITE_DOWN:
            cursor.execute(statement)


@pytest.fixture(scope="module")
def _rubric_triggers_back_after_module(django_db_blocker):
    yield
    with django_db_blocker.unblock():
        _create_sqlite_triggers()


@pytest.fixture(autouse=True)
def _rubric_triggers_off_for_flush(request, _rubric_triggers_back_after_module):
    """Set up after the database fixture, so its teardown comes before the flush."""
    if "transactional_db" not in request.fixturenames and "live_server" not in (
        request.fixturenames
    ):
        yield
        return
    _create_sqlite_triggers()
    yield
    _drop_sqlite_triggers()
