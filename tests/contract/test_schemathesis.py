"""Schemathesis over /api/schema/ against a real server (pytest-django's live server;
PostgreSQL in CI): every operation, as a recruiter and as a reviewer, with generated
valid and invalid input, must answer without a server error, with a documented status
code, a documented content type and a body that matches the schema.

Bounded and reproducible: a fixed seed, a few examples per operation, no deadline.
Path ids point at the seeded world two times in three, so the examples reach real
objects and not only 404s; a DELETE gets an object of its own to delete, and the
token endpoints a token of their own to revoke, so the world and the caller's token
survive for the operations after them."""

import copy
import json
import zlib

import pytest
import requests
import schemathesis
from knox.models import AuthToken
from schemathesis.pytest.lazy import get_all_tests
from schemathesis.specs.openapi.checks import response_schema_conformance

from rubrics.models import JobPosting
from screening.models import Document
from tests.factories import CandidateFactory, JobPostingFactory, rubric_with_criteria

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

MAX_EXAMPLES = 12

# (role, METHOD, path) whose response-schema check is lifted for a known, reported schema
# defect; none today.
SCHEMA_DEFECTS: set = set()

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)

_RAW_SCHEMA: dict = {}


def _config(*, base_url: str) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": 13,
            "base-url": base_url,
            "generation": {
                "mode": "all",
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
                # The caller's token is ours to set: generated ones would trip the
                # bad-credentials limit and test nothing about the endpoints.
                "with-security-parameters": False,
            },
            "phases": {
                "stateful": {"enabled": False},
                # Boundary and invalid values for every parameter and body field, but not
                # every HTTP method the operation lacks (Django answers those 405 itself)
                # nor repeated query parameters: fewer requests, the same inputs.
                "coverage": {
                    "unexpected-methods": [],
                    "generate-duplicate-query-parameters": False,
                },
            },
            "checks": {
                "enabled": False,
                **{name: {"enabled": True} for name in CHECKS},
            },
        }
    )


def _raw_schema(url: str, token: str) -> dict:
    """The schema as the server serves it, fetched once per session."""
    if not _RAW_SCHEMA:
        response = requests.get(
            f"{url}/api/schema/?format=json",
            headers={"Authorization": f"Token {token}"},
            timeout=60,
        )
        response.raise_for_status()
        _RAW_SCHEMA.update(response.json())
    return copy.deepcopy(_RAW_SCHEMA)


@pytest.fixture(params=["recruiter", "reviewer_a"])
def role(request):
    return request.param


class Caller:
    """The caller's token, made anew when an operation revoked it (DELETE /auth/tokens/
    revokes every token of the user)."""

    def __init__(self, user):
        self.user = user
        self.renew()

    def renew(self):
        self.instance, self.token = AuthToken.objects.create(user=self.user)

    def renew_if_revoked(self):
        if not AuthToken.objects.filter(pk=self.instance.pk).exists():
            self.renew()


@pytest.fixture
def caller(world, role):
    return Caller(world.users[role])


@pytest.fixture
def api_schema(live_server, world, caller, generous_throttles):
    return schemathesis.openapi.from_dict(
        _raw_schema(live_server.url, caller.token), config=_config(base_url=live_server.url)
    )


# Which of the world's objects an {id} under each collection may point at.
TARGETS = {
    "applications": ("application_shared", "application_a_only", "application_b_only"),
    "assignments": ("assignment_a_shared", "assignment_b_shared", "assignment_a_only"),
    "calibration-runs": ("calibration_run",),
    "calibration-sessions": ("calibration_session",),
    "candidates": ("candidate_shared", "candidate_a_only", "candidate_b_only"),
    "documents": ("document",),
    "postings": ("posting",),
    "reports": ("report",),
    "rubrics": ("draft_rubric", "rubric"),
    "scorecards": ("scorecard_a_draft", "scorecard_b_done", "scorecard_a_done"),
}


def _victim(collection: str, world) -> int:
    """A fresh object for a DELETE to remove, so the world stays whole."""
    if collection == "candidates":
        return CandidateFactory().pk
    if collection == "postings":
        return JobPostingFactory().pk
    if collection == "rubrics":
        return rubric_with_criteria(posting=JobPosting.objects.get(pk=world.ids["posting"])).pk
    if collection == "documents":
        from screening import services
        from screening.models import Application

        return services.document_upload(
            application=Application.objects.get(pk=world.ids["application_shared"]),
            actor=world.users["recruiter"],
            name="note.txt",
            data=b"A short note.\n",
            role=Document.Role.OTHER,
        ).pk
    raise AssertionError(f"No victim for {collection}")


def _fingerprint(case) -> int:
    blob = json.dumps([case.path_parameters, case.query, case.body], sort_keys=True, default=repr)
    return zlib.crc32(blob.encode())


def _aim(case, world, role) -> dict:
    """Point the case at the world (two times in three) and choose its token."""
    user = world.users[role]
    headers = {}
    collection = case.path.removeprefix("/api/v1/").split("/", 1)[0]
    if collection == "auth":
        # Revoking tokens must not revoke the one the other operations use.
        instance, token = AuthToken.objects.create(user=user)
        if "token_key" in (case.path_parameters or {}) and _fingerprint(case) % 3:
            case.path_parameters["token_key"] = instance.token_key
        headers["Authorization"] = f"Token {token}"
        return headers
    params = case.path_parameters or {}
    if "id" in params and case.path.endswith("/erase/"):
        # Always a fresh candidate: an erasure of one of the world's would spoil it.
        params["id"] = _victim(collection, world)
    elif "id" in params and _fingerprint(case) % 3:
        if case.operation.method.upper() == "DELETE":
            params["id"] = _victim(collection, world)
        else:
            names = TARGETS[collection]
            params["id"] = world.ids[names[_fingerprint(case) % len(names)]]
    return headers


def test_every_operation_answers_within_its_schema(api_schema, world, role, caller):
    requests_sent = []

    def call(case):
        requests_sent.append(case.operation.label)
        headers = {"Authorization": f"Token {caller.token}", **_aim(case, world, role)}
        try:
            known = (role, case.operation.method.upper(), case.operation.path) in SCHEMA_DEFECTS
            case.call_and_validate(
                headers=headers,
                excluded_checks=[response_schema_conformance] if known else None,
            )
        finally:
            caller.renew_if_revoked()

    # Schemathesis's own pytest integration (`from_fixture`) does not run under pytest 9
    # (it sets Function._nodeid); its test builder does, with every phase the config sets.
    failures, operations = [], 0
    for result in get_all_tests(schema=api_schema, test_func=call, settings=None, given_kwargs={}):
        operation, test = result.ok()
        operations += 1
        try:
            test()
        except (Exception, BaseExceptionGroup) as exc:  # every operation's failure is reported
            failures.append(f"{operation.label}: {exc}")
    print(f"{role}: {len(requests_sent)} requests over {operations} operations")
    assert operations > 40
    assert not failures, "\n\n".join(failures)
