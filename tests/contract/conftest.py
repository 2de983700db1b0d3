"""What the contract tests share: the seeded world, a live server they reach over HTTP
and throttle rates high enough that thousands of generated requests are not refused.

Every test here is marked `contract`; `make test` runs them with the rest (on
PostgreSQL in CI, where .ci/run sets DATABASE_URL)."""

from pathlib import Path

import pytest

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


# SQLite: the rubric immutability triggers are dropped around a transactional test's flush.
from tests.sqlite_triggers import (  # noqa: E402  (fixtures, used by name)
    rubric_triggers_back_after_module,  # noqa: F401
    rubric_triggers_off_for_flush,  # noqa: F401
)
