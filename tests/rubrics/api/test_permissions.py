"""Who may do what in the rubrics API: each endpoint used by a recruiter, a
reviewer and an anonymous caller."""

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from rubrics.models import JobPosting
from tests.factories import POSTING_TEXT, JobPostingFactory
from tests.rubrics.api.support import POSTINGS, RUBRICS, db_snapshot, world_url

pytestmark = pytest.mark.django_db


NOT_AUTHENTICATED = {
    "detail": "Authentication credentials were not provided.",
    "code": "not_authenticated",
}


RECRUITERS_ONLY = {
    "detail": "Only recruiters may change postings and rubrics.",
    "code": "permission_denied",
}


READS = [
    pytest.param(POSTINGS, id="posting-list"),
    pytest.param(POSTINGS + "{posting}/", id="posting-detail"),
    pytest.param(POSTINGS + "{posting}/rubrics/", id="posting-rubrics"),
    pytest.param(RUBRICS, id="rubric-list"),
    pytest.param(RUBRICS + "{draft}/", id="rubric-detail"),
]


# (method, url, payload, status a recruiter gets)
WRITES = [
    pytest.param(
        "post",
        POSTINGS,
        {"title": "Radiographer", "raw_text": POSTING_TEXT},
        201,
        id="posting-create",
    ),
    pytest.param(
        "put",
        POSTINGS + "{bare}/",
        {"title": "Radiographer", "raw_text": POSTING_TEXT},
        200,
        id="posting-put",
    ),
    pytest.param("patch", POSTINGS + "{bare}/", {"title": "Radiographer"}, 200, id="posting-patch"),
    pytest.param("delete", POSTINGS + "{bare}/", None, 204, id="posting-delete"),
    pytest.param("post", POSTINGS + "{posting}/rubrics/", {}, 201, id="rubric-generate"),
    pytest.param("patch", RUBRICS + "{draft}/", {"scale_max": 5}, 200, id="rubric-patch"),
    pytest.param("put", RUBRICS + "{draft}/", {"scale_max": 5}, 200, id="rubric-put"),
    pytest.param("delete", RUBRICS + "{draft}/", None, 204, id="rubric-delete"),
    pytest.param("post", RUBRICS + "{draft}/publish/", None, 200, id="rubric-publish"),
    pytest.param("post", RUBRICS + "{draft}/clone/", None, 201, id="rubric-clone"),
    pytest.param("post", RUBRICS + "{published}/retire/", None, 200, id="rubric-retire"),
]


# --- Who may do what ----------------------------------------------------------


@pytest.mark.parametrize("url", READS)
def test_anonymous_reads_are_refused_as_unauthenticated(api_client, world, url):
    response = api_client.get(world_url(url, world))

    # Session authentication comes first and sends no WWW-Authenticate
    # challenge, so DRF answers 403 rather than 401.
    assert response.status_code == 403
    assert response.json() == NOT_AUTHENTICATED


@pytest.mark.parametrize(("method", "url", "payload", "status"), WRITES)
def test_anonymous_writes_are_refused_as_unauthenticated(
    api_client, world, method, url, payload, status
):
    before = db_snapshot()

    response = getattr(api_client, method)(world_url(url, world), payload)

    assert response.status_code == 403
    assert response.json() == NOT_AUTHENTICATED
    assert db_snapshot() == before


@pytest.mark.parametrize("url", READS)
def test_a_reviewer_can_read(reviewer_api, world, url):
    response = reviewer_api.get(world_url(url, world))

    assert response.status_code == 200


@pytest.mark.parametrize(("method", "url", "payload", "status"), WRITES)
def test_a_reviewer_cannot_write(reviewer_api, world, method, url, payload, status):
    before = db_snapshot()

    response = getattr(reviewer_api, method)(world_url(url, world), payload)

    assert response.status_code == 403
    assert response.json() == RECRUITERS_ONLY
    assert db_snapshot() == before


@pytest.mark.parametrize(("method", "url", "payload", "status"), WRITES)
def test_a_recruiter_can_write(recruiter_api, world, method, url, payload, status):
    response = getattr(recruiter_api, method)(world_url(url, world), payload)

    assert response.status_code == status


def test_a_recruiter_token_authenticates_a_write(api_client, recruiter):
    _, token = AuthToken.objects.create(user=recruiter)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = api_client.post(POSTINGS, {"title": "Radiographer", "raw_text": POSTING_TEXT})

    assert response.status_code == 201
    assert JobPosting.objects.get(pk=response.json()["id"]).created_by == recruiter


def test_a_reviewer_token_authenticates_a_read(api_client, reviewer):
    JobPostingFactory(title="Radiographer")
    _, token = AuthToken.objects.create(user=reviewer)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = api_client.get(POSTINGS)

    assert response.status_code == 200
    assert [p["title"] for p in response.json()["results"]] == ["Radiographer"]


def test_an_unknown_token_is_refused(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")

    response = api_client.get(POSTINGS)

    assert response.status_code == 403
    assert response.json() == {"detail": "Invalid token.", "code": "authentication_failed"}


def test_a_token_write_needs_no_csrf_token(recruiter):
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=recruiter)[1]}")

    response = client.post(POSTINGS, {"title": "Radiographer", "raw_text": POSTING_TEXT})

    assert response.status_code == 201


def test_a_session_write_without_a_csrf_token_is_refused(recruiter):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(recruiter)

    response = client.post(POSTINGS, {"title": "Radiographer", "raw_text": POSTING_TEXT})

    assert response.status_code == 403
    assert response.json() == {
        "detail": "CSRF Failed: CSRF cookie not set.",
        "code": "permission_denied",
    }
    assert not JobPosting.objects.exists()
