"""Fixtures for the browser tests: Playwright's sync API driving the system's
Chromium (never a downloaded browser) against pytest-django's live server.

Playwright's sync API keeps an asyncio event loop running in the test's
thread, which makes Django refuse ORM calls from it; the tests build their
world with the ORM while the browser is open, so DJANGO_ALLOW_ASYNC_UNSAFE is
set for their duration (the live server answers from its own thread).

Every test here is marked `browser` and, without the system's Chromium,
skipped with the reason. A test that drives the live server gets its data
committed (the live server answers from another thread), with
serialized_rollback restoring the groups the migrations made, unless it
asks for a database of its own."""

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections

from tests.browser.support import (
    CHROMIUM_ARGS,
    CHROMIUM_PATH,
    VIEWPORT,
    Screenshots,
    chromium_available,
)

HERE = Path(__file__).parent


@pytest.hookimpl(tryfirst=True)  # before the markers select tests and pytest-django orders them
def pytest_collection_modifyitems(items):
    no_chromium = not chromium_available()
    for item in items:
        if not item.path.is_relative_to(HERE):
            continue
        item.add_marker(pytest.mark.browser)
        if no_chromium:
            item.add_marker(
                pytest.mark.skip(
                    reason=f"Chromium not found at {CHROMIUM_PATH}; CI installs Debian's chromium"
                )
            )
        if "live_server" in item.fixturenames and not item.get_closest_marker("django_db"):
            item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))


@pytest.fixture
def allow_async_unsafe(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def chromium(allow_async_unsafe):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            # While Playwright's loop runs, Django keeps its connections in a
            # context variable rather than the thread-local (asgiref's Local),
            # so the test's ORM calls opened connections of their own. Close
            # them while the loop still runs, or they stay open (on PostgreSQL
            # one blocks dropping the test database).
            connections.close_all()
            browser.close()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, viewport=VIEWPORT)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def screenshots():
    return Screenshots(Path(settings.TEST_ARTIFACTS_DIR) / "browser")


# --- SQLite: the rubric immutability triggers versus the test flush ----------
# A transactional test ends with a flush. On SQLite that is one DELETE per
# table, and the triggers of rubrics/migrations/0003 abort any DELETE of a
# published rubric or of its criteria, so the flush fails. (PostgreSQL flushes
# with TRUNCATE, which fires no row triggers.) Around the flush the triggers
# are dropped, and they are created again for the next test.


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
def _rubric_triggers_back_after_module(django_db_blocker):
    yield
    with django_db_blocker.unblock():
        _create_sqlite_triggers()


@pytest.fixture(autouse=True)
def _rubric_triggers_off_for_flush(request, _rubric_triggers_back_after_module):
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
