import os

import pytest
from hypothesis import settings as hypothesis_settings

# CI explores the property tests from a fixed seed, so a red run is reproducible and a green
# one is not luck; locally each run explores afresh (and keeps what it finds in .hypothesis/).
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


def pytest_report_header(config):
    """Name the database vendor and broker so every log shows the stack used."""
    from django.conf import settings
    from django.db import connection

    broker = settings.CELERY_BROKER_URL if settings.BROKER_CONFIGURED else "eager (no broker)"
    return f"database: {connection.vendor} · broker: {broker}"


@pytest.fixture(scope="session", autouse=True)
def empty_test_media():
    """Start every run with no uploaded files left from the last one (settings/test.py
    points MEDIA_ROOT at var/test-media, away from the demo's files)."""
    import shutil

    from django.conf import settings

    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Every test uploads into a folder of its own; a test that counts stored files asks
    for `media` by name to know where to look."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def fresh_cache():
    """The in-process cache holds API throttle counts: each test starts with none, so a
    test's anonymous requests never count against the next test's."""
    from django.core.cache import cache

    cache.clear()


# --- Who is acting ------------------------------------------------------------------
# One recruiter, one reviewer and one superuser per test, and their logged-in clients: the
# Django test client for admin pages (`*_client`) and DRF's for the API (`*_api`). A module
# that needs a particular person (a username its assertions name) overrides `recruiter` or
# `reviewer`, and the clients below log that person in.


@pytest.fixture
def recruiter():
    from tests.factories import RecruiterFactory

    return RecruiterFactory()


@pytest.fixture
def reviewer():
    from tests.factories import ReviewerFactory

    return ReviewerFactory()


@pytest.fixture
def superuser():
    from tests.factories import UserFactory

    return UserFactory(username="root", is_superuser=True)


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def recruiter_client(client, recruiter):
    client.force_login(recruiter)
    return client


@pytest.fixture
def reviewer_client(client, reviewer):
    client.force_login(reviewer)
    return client


@pytest.fixture
def recruiter_api(api_client, recruiter):
    api_client.force_login(recruiter)
    return api_client


@pytest.fixture
def reviewer_api(api_client, reviewer):
    api_client.force_login(reviewer)
    return api_client
