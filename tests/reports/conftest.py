"""What the report tests share: the digest world, a stored digest report, the reviewer
Dan, and a mail backend that fails part-way."""

import pytest
from django.utils.module_loading import import_string

from reports.services import digest_prepare, report_send
from tests.factories import ReviewerFactory
from tests.reports.support import SITE, FlakyBackend, digest_world, now_wednesday


@pytest.fixture(autouse=True)
def flags_on_small_samples(monkeypatch):
    """The digest world has 7 scorecards per reviewer and 6 applications per
    criterion, below the minimums under which a run flags nothing (README,
    "Small samples"); these tests are about how the digest shows flags, so
    they lower the minimums to the world's size."""
    monkeypatch.setattr("calibration.compute.MIN_SCORECARDS_TO_FLAG", 5)
    monkeypatch.setattr("calibration.compute.MIN_SHARED_APPLICATIONS_TO_FLAG", 5)


@pytest.fixture
def report():
    """The digest world's report for 16–22 November 2026, sent to Rita."""
    world = digest_world()
    report = digest_prepare(posting=world.posting, now=now_wednesday())
    report_send(report=report)
    report.refresh_from_db()
    return report


@pytest.fixture
def world():
    return digest_world()


@pytest.fixture
def flaky_mail(settings):
    """The second message sent in the test fails once."""
    settings.EMAIL_BACKEND = "tests.reports.support.FlakyBackend"
    # Django must load this very class, or the counter would not be shared.
    assert import_string(settings.EMAIL_BACKEND) is FlakyBackend
    FlakyBackend.reset(fail_at=2)
    yield FlakyBackend
    FlakyBackend.reset(fail_at=None)


@pytest.fixture
def dan(settings):
    settings.SITE_URL = SITE
    return ReviewerFactory(username="dan", first_name="Dan", email="dan@example.org")
