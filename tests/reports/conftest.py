"""A stored digest report the report API and admin tests share."""

import pytest

from reports.services import digest_prepare, report_send
from tests.reports.support import digest_world, now_wednesday


@pytest.fixture
def report():
    """The digest world's report for 16–22 November 2026, sent to Rita."""
    world = digest_world()
    report = digest_prepare(posting=world.posting, now=now_wednesday())
    report_send(report=report)
    report.refresh_from_db()
    return report
