"""Every API endpoint (found by walking the URL resolver, so a new one is covered without
being listed) × recruiter / reviewer A / reviewer B / a signed-in user in no group /
anonymous: the status each gets, and that no body holds what its caller may not read
(another reviewer's notes and summaries, drafts, a candidate's email or phone, a
candidate not assigned to them). Each request runs in a savepoint rolled back after it,
so a write never changes what the next request sees."""

import json

import pytest
from django.db import transaction

from tests.contract.routes import api_endpoints
from tests.contract.world import ROLES

pytestmark = pytest.mark.django_db

# Whose object an {pk} under each collection points at: reviewer A's, except the document,
# which is on B's application; A may read it only if A is assigned there (A is not).
TARGETS = {
    "applications": ("application_a_only", "reviewer_a"),
    "assignments": ("assignment_a_shared", "reviewer_a"),
    "scorecards": ("scorecard_a_draft", "reviewer_a"),
    "candidates": ("candidate_a_only", "reviewer_a"),
    "documents": ("document", "reviewer_b"),
    "postings": ("posting", None),
    "rubrics": ("draft_rubric", None),
    "reports": ("report", None),
    "calibration-runs": ("calibration_run", None),
    "calibration-sessions": ("calibration_session", "reviewer_a"),
}
# Signed-in users who are not recruiters may still do these writes on what is theirs.
OWN_WRITES = {
    ("PATCH", "/api/v1/scorecards/{pk}/"),
    ("POST", "/api/v1/scorecards/{pk}/submit/"),
    ("POST", "/api/v1/calibration-sessions/{pk}/submit/"),
}
# Recruiters only, even to read.
RECRUITER_READS = {
    "/api/v1/candidates/{pk}/export/",
    "/api/v1/postings/{pk}/ranking/",
    "/api/v1/reports/",
    "/api/v1/reports/{pk}/",
    "/api/v1/reports/{pk}/csv/",
    "/api/v1/reports/{pk}/html/",
    "/api/v1/calibration-runs/",
    "/api/v1/calibration-runs/{pk}/",
    "/api/v1/calibration-runs/{pk}/status/",
    "/api/v1/calibration-sessions/{pk}/results/",
}
# Fairness analysts only (the view_demographics permission): nobody in the matrix.
ANALYST_READS = {"/api/v1/postings/{pk}/adverse-impact/"}
# The world's document is plain text: it has no page images, whoever asks.
NO_SUCH_PAGE = "/api/v1/documents/{pk}/pages/{number}/image/"
DENIED = {403, 404}


def expected(endpoint, role: str) -> set[int]:
    """The statuses `role` may get: a set, since a refused write may be refused for
    permission (403) or because the object is not one the caller may see (404)."""
    route, method = endpoint.route, endpoint.method
    if route.startswith("/api/v1/auth/"):
        if role == "anonymous":
            return {401} if route.endswith(("/token/", "/logout/")) else {403}
        if route.endswith("/token/"):
            return {401}  # a token is not a password
        return {200, 204, 404}  # the caller's own tokens; "{token_key}" names none of them
    if role == "anonymous" or route in ANALYST_READS:
        return {403}
    target = TARGETS.get(endpoint.collection)
    owner = target[1] if target else None
    on_object = "{pk}" in route
    if (method, route) in OWN_WRITES:  # written by the reviewer it belongs to alone
        if role == owner:
            return {200, 400, 409}
        if role == "recruiter":
            # Not their scorecard: 404. Not their session to rate: the service says so (400).
            return {400} if endpoint.collection == "calibration-sessions" else {404}
        return DENIED
    if route == NO_SUCH_PAGE and role in ("recruiter", owner):
        return {404}
    if role == "recruiter":
        return {200, 201, 202, 204, 400, 409, 415}
    if method != "GET":
        return DENIED
    if route in RECRUITER_READS:
        return DENIED
    if on_object and owner is not None and role != owner:
        return {404}
    if on_object and owner is None and role == "outsider":
        return {200, 404}
    return {200}


def _url(endpoint, world) -> str:
    target = TARGETS.get(endpoint.collection)
    pk = world.ids[target[0]] if target else 1
    return endpoint.url({"pk": pk, "token_key": "notakey", "number": 1})


@pytest.fixture
def tokens(world):
    return {role: world.token(role) for role in ROLES}


def _request(client, endpoint, url, token):
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"} if token else {}
    body = {"summary": "Changed by the matrix."} if endpoint.method in ("PATCH", "POST") else {}
    with transaction.atomic():
        response = client.generic(
            endpoint.method, url, data=json.dumps(body), content_type="application/json", **headers
        )
        transaction.set_rollback(True)
    return response


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def test_the_walk_finds_every_kind_of_endpoint():
    found = {(e.method, e.route) for e in api_endpoints()}
    assert ("PATCH", "/api/v1/scorecards/{pk}/") in found
    assert ("GET", "/api/v1/postings/{pk}/ranking/") in found
    assert ("DELETE", "/api/v1/auth/tokens/{token_key}/") in found
    assert len(found) > 60


def test_every_endpoint_answers_each_caller_as_the_table_says(world, tokens, client):
    wrong = []
    for endpoint in api_endpoints():
        url = _url(endpoint, world)
        for role in ROLES:
            status = _request(client, endpoint, url, tokens[role]).status_code
            if status not in expected(endpoint, role):
                wrong.append(
                    f"{endpoint.method} {url} as {role}: {status}, "
                    f"expected {sorted(expected(endpoint, role))}"
                )
    assert not wrong, "\n".join(wrong)


def test_no_body_holds_what_its_caller_may_not_read(world, tokens, client):
    leaks, seen = [], {marker: set() for marker in world.markers}
    for endpoint in api_endpoints():
        url = _url(endpoint, world)
        for role in ROLES:
            body = _body(_request(client, endpoint, url, tokens[role])).lower()
            for marker, readers in world.markers.items():
                if marker.lower() not in body:
                    continue
                seen[marker].add(role)
                # Recruiters read everything (blind scoring for a recruiter who also
                # reviews is tested with the scorecards).
                if role != "recruiter" and role not in readers:
                    leaks.append(f"{endpoint.method} {url} as {role} shows {marker}")
    assert not leaks, "\n".join(leaks)
    # The search can find what it looks for: every marker is in some body its readers get.
    unseen = {m for m, readers in world.markers.items() if not seen[m] & (readers | {"recruiter"})}
    assert not unseen


def test_a_user_in_no_group_lists_nothing_of_the_screening(world, tokens, client):
    headers = {"HTTP_AUTHORIZATION": f"Token {tokens['outsider']}"}
    counts = {}
    for collection in ("applications", "assignments", "scorecards", "candidates", "documents"):
        response = client.get(f"/api/v1/{collection}/", **headers)
        counts[collection] = response.json()["count"] if response.status_code == 200 else None
    # Documents have no list of their own (404): they are read through an application.
    assert counts == {
        "applications": 0,
        "assignments": 0,
        "scorecards": 0,
        "candidates": 0,
        "documents": None,
    }


def test_reviewer_b_cannot_touch_reviewer_a_scorecard(world, tokens, client):
    card = world.ids["scorecard_a_draft"]
    headers = {"HTTP_AUTHORIZATION": f"Token {tokens['reviewer_b']}"}
    patch = client.patch(
        f"/api/v1/scorecards/{card}/",
        data={"summary": "MK-B-OVERWROTE"},
        content_type="application/json",
        **headers,
    )
    submit = client.post(f"/api/v1/scorecards/{card}/submit/", **headers)
    assert (patch.status_code, submit.status_code) == (404, 404)
    from screening.models import Scorecard

    stored = Scorecard.objects.get(pk=card)
    assert (stored.summary, stored.status) == ("MK-A-DRAFT-SUMMARY", "draft")


def test_only_recruiters_create_postings(world, tokens, client):
    from rubrics.models import JobPosting

    before = JobPosting.objects.count()
    body = {"title": "Matrix posting", "raw_text": "Requirements\n- Python: three years."}
    statuses = {}
    for role in ("reviewer_a", "reviewer_b", "outsider", "anonymous"):
        headers = {"HTTP_AUTHORIZATION": f"Token {tokens[role]}"} if tokens[role] else {}
        statuses[role] = client.post(
            "/api/v1/postings/", data=body, content_type="application/json", **headers
        ).status_code
    assert statuses == {"reviewer_a": 403, "reviewer_b": 403, "outsider": 403, "anonymous": 403}
    assert JobPosting.objects.count() == before
