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


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()
