"""Settings come from the environment; production refuses to start without
its secrets and passes Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _manage(*args, env_overrides: dict[str, str | None]):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    for key, value in env_overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage(
        "check",
        "--settings=config.settings.production",
        env_overrides={"DJANGO_SECRET_KEY": None, "DJANGO_ALLOWED_HOSTS": "example.org"},
    )
    assert result.returncode == 1
    assert "Set the DJANGO_SECRET_KEY environment variable" in result.stderr


def test_production_passes_the_deployment_checks():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        "--settings=config.settings.production",
        env_overrides={
            "DJANGO_SECRET_KEY": "k" * 20 + "-production-test-key-with-enough-entropy-1234567890",
            "DJANGO_ALLOWED_HOSTS": "rubrics.example.org",
        },
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_pytest_header_names_the_database_and_broker(request):
    from tests.conftest import pytest_report_header

    header = pytest_report_header(request.config)
    assert header.startswith("database: ")
    assert " · broker: " in header
