"""SITE_URL: the base of every link in digests and reminders. Production takes the
first allowed host over https unless told, and refuses to start with an address
that is not one; the digest and the reminder link there and nowhere else."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from reports.services import digest_prepare, reminder_send, report_send
from tests.factories import ApplicationFactory, ReviewAssignmentFactory
from tests.reports.support import now_wednesday

ROOT = Path(__file__).resolve().parents[2]
SITE = "https://rubrics.example.org"
SECRET = "k" * 20 + "-production-test-key-with-enough-entropy-1234567890"


def production_site_url(**overrides: str | None) -> subprocess.CompletedProcess:
    """Start Django with the production settings and print SITE_URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "SITE_URL"}
    env.update({"DJANGO_SECRET_KEY": SECRET, "DJANGO_ALLOWED_HOSTS": "rubrics.example.org"})
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "--no-imports",
            "--settings=config.settings.production",
            "-c",
            "from django.conf import settings; print(settings.SITE_URL)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_site_url_defaults_to_the_first_allowed_host_over_https():
    result = production_site_url(DJANGO_ALLOWED_HOSTS="rubrics.example.org,localhost")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "https://rubrics.example.org"


def test_production_takes_site_url_from_the_environment():
    result = production_site_url(SITE_URL="https://screening.example.org/")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "https://screening.example.org/"


def test_production_refuses_a_wildcard_host_without_site_url():
    result = production_site_url(DJANGO_ALLOWED_HOSTS=".example.org")

    assert result.returncode == 1
    assert (
        "SITE_URL must be the site's address, such as https://rubrics.example.org, not "
        "'https://.example.org'; set it when DJANGO_ALLOWED_HOSTS starts with a wildcard."
    ) in result.stderr


@pytest.mark.parametrize(
    "site_url", ["rubrics.example.org", "https://rubrics.example.org/admin/", "ftp://x.org"]
)
def test_production_refuses_a_site_url_that_is_not_an_address(site_url):
    result = production_site_url(SITE_URL=site_url)

    assert result.returncode == 1
    assert (
        "SITE_URL must be the site's address, such as https://rubrics.example.org, "
        f"not {site_url!r}"
    ) in result.stderr


def test_production_refuses_a_plain_http_site_url():
    result = production_site_url(SITE_URL="http://rubrics.example.org")

    assert result.returncode == 1
    assert (
        "SITE_URL must start with https:// in production (the site redirects http to https), "
        "not 'http://rubrics.example.org'."
    ) in result.stderr


def test_production_accepts_http_when_it_does_not_redirect_to_https():
    result = production_site_url(
        SITE_URL="http://rubrics.internal", DJANGO_SECURE_SSL_REDIRECT="false"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "http://rubrics.internal"


# --- The links ---------------------------------------------------------------------------


db = pytest.mark.django_db


@db
def test_a_sent_digest_links_to_site_url_only(world, settings):
    settings.SITE_URL = SITE

    report_send(report=digest_prepare(posting=world.posting, now=now_wednesday()))

    message = mail.outbox[0]
    html = message.alternatives[0][0]
    assert f'href="{SITE}/admin/screening/application/ranking/?posting={world.posting.pk}"' in html
    assert f"Ranking: {SITE}/admin/screening/application/ranking/" in message.body
    assert f"Calibration run: {SITE}/admin/calibration/calibrationrun/{world.run.pk}/change/" in (
        message.body
    )
    assert "127.0.0.1" not in html and "127.0.0.1" not in message.body


@db
def test_a_reminder_links_to_site_url_only(dan):
    today = timezone.localdate()
    assignment = ReviewAssignmentFactory(
        application=ApplicationFactory(), reviewer=dan, due_date=today - timedelta(days=2)
    )

    assert reminder_send(reviewer_id=dan.pk, today=today)

    message = mail.outbox[0]
    html = message.alternatives[0][0]
    assert f"{SITE}/admin/screening/myreview/{assignment.pk}/scorecard/" in message.body
    assert f'href="{SITE}/admin/screening/myreview/"' in html
    assert "127.0.0.1" not in html and "127.0.0.1" not in message.body
