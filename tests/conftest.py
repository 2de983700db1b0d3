import pytest


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
