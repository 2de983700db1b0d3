"""/healthz's document-storage check: run for staff only, failing with the step that broke."""

import pytest
from django.core.files.storage import default_storage

pytestmark = pytest.mark.django_db

STORAGE_CHECK = "DocumentStorage()"


def health(client):
    return client.get("/healthz", HTTP_ACCEPT="application/json")


def test_staff_see_the_storage_check_pass_and_no_probe_is_left_behind(client, recruiter, media):
    client.force_login(recruiter)
    response = health(client)

    assert response.status_code == 200
    assert response.json()[STORAGE_CHECK] == "OK"
    assert [p for p in media.rglob("*") if p.is_file()] == []


def test_anonymous_callers_do_not_get_the_storage_check(client, media):
    response = health(client)

    assert response.status_code == 200
    assert STORAGE_CHECK not in response.json()
    assert not media.exists() or not any(media.rglob("*"))


def test_a_signed_in_non_staff_user_does_not_get_it_either(client, recruiter):
    recruiter.is_staff = False
    recruiter.save()
    client.force_login(recruiter)

    assert STORAGE_CHECK not in health(client).json()


def test_a_storage_that_refuses_files_fails_the_check_for_staff_with_why(
    client, recruiter, monkeypatch, media
):
    def refuse(*args, **kwargs):
        raise PermissionError("Permission denied")

    monkeypatch.setattr(default_storage, "save", refuse)
    client.force_login(recruiter)
    response = health(client)

    assert response.status_code == 500
    assert response.json()[STORAGE_CHECK].endswith(
        "Document storage could not save a probe file (PermissionError: Permission denied)."
    )


def test_a_storage_failure_tells_anonymous_callers_nothing(client, monkeypatch, media):
    def refuse(*args, **kwargs):
        raise PermissionError(f"Permission denied: '{media}/health-probes'")

    monkeypatch.setattr(default_storage, "save", refuse)
    response = health(client)
    text = client.get("/healthz", HTTP_ACCEPT="text/plain").content.decode()
    page = client.get("/healthz", HTTP_ACCEPT="text/html").content.decode()

    assert response.status_code == 200
    for output in (response.content.decode(), text, page):
        assert "storage" not in output.lower()
        assert str(media) not in output
        assert "health-probes" not in output


def test_a_storage_that_gives_back_other_bytes_fails_the_check(client, recruiter, monkeypatch):
    from django.core.files.base import ContentFile

    monkeypatch.setattr(default_storage, "open", lambda name, mode="rb": ContentFile(b"other"))
    client.force_login(recruiter)

    assert "other content" in health(client).json()[STORAGE_CHECK]
