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
from django.db import connections

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


from tests.sqlite_triggers import (  # noqa: E402  (fixtures, used by name)
    rubric_triggers_back_after_module,  # noqa: F401
    rubric_triggers_off_for_flush,  # noqa: F401
)
