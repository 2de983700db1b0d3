"""The rubric immutability triggers versus the flush that ends a transactional test.

On SQLite a transactional test (``transactional_db``, ``live_server``) ends with a flush,
one DELETE per table, and the triggers of rubrics/migrations/0003 abort any DELETE of a
published rubric or of its criteria, so the flush fails. (PostgreSQL flushes with
TRUNCATE, which fires no row triggers.) Around the flush the triggers are dropped, and
they are created again for the next test. A conftest that needs it imports the two
fixtures below."""

import pytest
from django.db import connection


def _sqlite_triggers():
    from importlib import import_module

    return import_module("rubrics.migrations.0003_immutability_triggers")


def _sqlite_trigger_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {name for (name,) in cursor.fetchall()}


def _create_sqlite_triggers() -> None:
    if connection.vendor != "sqlite" or "rubrics_rubric_locked_delete" in _sqlite_trigger_names():
        return
    with connection.cursor() as cursor:
        for statement in _sqlite_triggers().SQLITE_UP:
            cursor.execute(statement)


def _drop_sqlite_triggers() -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for statement in _sqlite_triggers().SQLITE_DOWN:
            cursor.execute(statement)


@pytest.fixture(scope="module")
def rubric_triggers_back_after_module(django_db_blocker):
    yield
    with django_db_blocker.unblock():
        _create_sqlite_triggers()


@pytest.fixture(autouse=True)
def rubric_triggers_off_for_flush(request, rubric_triggers_back_after_module):
    """Runs after the database fixture is set up, so its teardown comes
    before the flush."""
    if "transactional_db" not in request.fixturenames and "live_server" not in (
        request.fixturenames
    ):
        yield
        return
    _create_sqlite_triggers()
    yield
    _drop_sqlite_triggers()
