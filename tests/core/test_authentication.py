"""Sign-in lockout on the admin and the API, hashed expiring API tokens, and
their listing and revocation (issue 13)."""

import base64
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.throttling import SimpleRateThrottle

from tests.factories import RecruiterFactory, ReviewerFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-right-password-42"


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


@pytest.fixture
def person():
    user = RecruiterFactory()
    user.set_password(PASSWORD)
    user.save()
    return user


def admin_login(client, username, password):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password})


def token_login(api_client, username, password):
    return api_client.post("/api/v1/auth/token/", HTTP_AUTHORIZATION=basic(username, password))


def refused(response) -> bool:
    """A request with a revoked, expired or unknown token (403: the session
    authentication comes first and has no challenge to send)."""
    return response.status_code == 403 and response.json()["code"] == "authentication_failed"


# --- lockout --------------------------------------------------------------------


def test_nine_wrong_passwords_do_not_lock(client, person):
    for _ in range(9):
        assert admin_login(client, person.username, "wrong").status_code == 200
    assert admin_login(client, person.username, PASSWORD).status_code == 302


def test_ten_wrong_passwords_lock_the_admin_until_reset(client, person):
    for _ in range(10):
        admin_login(client, person.username, "wrong")
    response = admin_login(client, person.username, PASSWORD)
    assert response.status_code == 429
    assert b"Sign-in locked" in response.content
    assert "_auth_user_id" not in client.session

    call_command("axes_reset_username", person.username)
    assert admin_login(client, person.username, PASSWORD).status_code == 302


def test_the_lock_covers_the_api_token_login_too(client, api_client, person):
    for _ in range(10):
        admin_login(client, person.username, "wrong")
    response = token_login(api_client, person.username, PASSWORD)
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
    assert "locked for 30 minutes" in response.json()["detail"]
    assert not AuthToken.objects.exists()


def test_wrong_api_passwords_count_toward_the_lock(client, api_client, person):
    for _ in range(10):
        assert token_login(api_client, person.username, "wrong").status_code in (401, 429)
    assert token_login(api_client, person.username, PASSWORD).status_code == 429
    assert admin_login(client, person.username, PASSWORD).status_code == 429


def test_the_lock_ends_after_the_cool_off(client, person, settings):
    for _ in range(10):
        admin_login(client, person.username, "wrong")
    from axes.models import AccessAttempt

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=31))
    assert admin_login(client, person.username, PASSWORD).status_code == 302


def test_the_limit_is_configurable(client, person, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        admin_login(client, person.username, "wrong")
    assert admin_login(client, person.username, PASSWORD).status_code == 429


# --- tokens ---------------------------------------------------------------------


def test_a_token_is_shown_once_and_stored_as_a_digest(api_client, person):
    response = token_login(api_client, person.username, PASSWORD)
    assert response.status_code == 200
    token = response.json()["token"]
    stored = AuthToken.objects.get(user=person)
    assert token not in (stored.digest, stored.token_key)
    assert stored.digest != token and len(stored.digest) == 128
    assert stored.expiry > timezone.now() + timedelta(days=29)

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get("/api/v1/postings/").status_code == 200


def test_an_expired_token_is_refused(api_client, person):
    instance, token = AuthToken.objects.create(user=person, expiry=timedelta(days=1))
    AuthToken.objects.filter(pk=instance.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert refused(api_client.get("/api/v1/postings/"))


def test_a_user_lists_and_revokes_only_their_own_tokens(api_client, person):
    other = ReviewerFactory()
    _, theirs = AuthToken.objects.create(user=other, expiry=timedelta(days=1))
    mine, token = AuthToken.objects.create(user=person, expiry=timedelta(days=1))
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    listed = api_client.get("/api/v1/auth/tokens/").json()
    assert [row["token_key"] for row in listed] == [mine.token_key]
    assert listed[0]["key_start"] == token[:8]

    other_key = AuthToken.objects.get(user=other).token_key
    assert api_client.delete(f"/api/v1/auth/tokens/{other_key}/").status_code == 404
    assert AuthToken.objects.filter(user=other).exists()

    assert api_client.delete(f"/api/v1/auth/tokens/{mine.token_key}/").status_code == 204
    assert refused(api_client.get("/api/v1/postings/"))


def test_logout_revokes_the_token_in_use(api_client, person):
    _, token = AuthToken.objects.create(user=person, expiry=timedelta(days=1))
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.post("/api/v1/auth/logout/").status_code == 204
    assert refused(api_client.get("/api/v1/postings/"))


def test_the_commands_make_and_revoke_tokens(person, capsys, api_client):
    call_command("create_token", person.username, "--days", "7")
    token = capsys.readouterr().out.strip()
    assert len(token) == 64
    assert AuthToken.objects.get(user=person).expiry < timezone.now() + timedelta(days=8)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get("/api/v1/postings/").status_code == 200

    call_command("revoke_tokens", person.username)
    assert "Revoked 1 token of" in capsys.readouterr().out
    assert refused(api_client.get("/api/v1/postings/"))


def test_create_token_refuses_an_unknown_user():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No active user named 'nobody'"):
        call_command("create_token", "nobody")


def test_old_plain_text_tokens_keep_working_and_leave_the_old_table(api_client, person):
    """The migration from DRF's authtoken: each key becomes a knox digest."""
    import importlib

    from django.apps import apps

    move_tokens = importlib.import_module("core.migrations.0003_api_tokens_hashed").move_tokens
    old_key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, user_id integer)"
        )
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, %s)", [old_key, person.pk])
    move_tokens(apps, SimpleNamespace(connection=connection))
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM authtoken_token")
        assert cursor.fetchone() == (0,)
        cursor.execute("DROP TABLE authtoken_token")
    assert not AuthToken.objects.filter(digest=old_key).exists()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {old_key}")
    assert api_client.get("/api/v1/postings/").status_code == 200


# --- throttling -----------------------------------------------------------------


def test_anonymous_callers_are_throttled(api_client, monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/minute", "user": "9/minute"}
    )
    statuses = [api_client.get("/api/schema/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_a_flood_of_wrong_tokens_gets_429(api_client, settings):
    settings.API_BAD_CREDENTIALS_PER_MINUTE = 3
    api_client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 64)
    statuses = [api_client.get("/api/v1/postings/").status_code for _ in range(5)]
    assert statuses == [403, 403, 403, 429, 429]


def test_the_token_login_has_its_own_stricter_rate(api_client, person, monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {"anon": "100/minute", "user": "100/minute", "login": "2/minute"},
    )
    statuses = [token_login(api_client, person.username, PASSWORD).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


# --- a cache outage never fails a request ------------------------------------------


def test_with_the_cache_down_tokens_and_throttles_still_let_requests_through(api_client, person):
    from unittest import mock

    _, token = AuthToken.objects.create(user=person, expiry=timedelta(days=1))
    down = ConnectionError("Error 111 connecting to 127.0.0.1:6379")
    with (
        mock.patch("django.core.cache.backends.locmem.LocMemCache.get", side_effect=down),
        mock.patch("django.core.cache.backends.locmem.LocMemCache.add", side_effect=down),
        mock.patch("django.core.cache.backends.locmem.LocMemCache.set", side_effect=down),
    ):
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert api_client.get("/api/v1/postings/").status_code == 200
        api_client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 64)
        assert refused(api_client.get("/api/v1/postings/"))
        api_client.credentials()
        assert api_client.get("/api/schema/").status_code == 200  # anonymous, throttled


def test_signing_in_to_ones_own_account_does_not_reset_the_count_against_another(client):
    attacker, victim = RecruiterFactory(), RecruiterFactory()
    for user in (attacker, victim):
        user.set_password(PASSWORD)
        user.save()
    for _ in range(5):
        for _ in range(9):
            admin_login(client, victim.username, "wrong")
        assert admin_login(client, attacker.username, PASSWORD).status_code in (302, 429)
        client.logout()
    assert admin_login(client, victim.username, PASSWORD).status_code == 429
