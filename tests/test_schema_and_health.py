"""The OpenAPI schema, the Swagger UI served offline, and /healthz."""

import json
import re

import pytest
from django.conf import settings
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

SCHEMA = "/api/schema/"
DOCS = "/api/docs/"
# Anyone who is not staff sees each check by its kind only ("Database", "Redis").
DATABASE_CHECK = "Database"


def test_schema_is_served_as_openapi_3(api_client):
    response = api_client.get(SCHEMA)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.oai.openapi; charset=utf-8"
    assert response.content.startswith(b"openapi: 3.0.3\n")


def test_schema_as_json_validates_against_the_openapi_spec(api_client):
    response = api_client.get(SCHEMA, HTTP_ACCEPT="application/json")

    validate_schema(response.json())


def test_schema_describes_every_rubrics_endpoint(api_client):
    paths = api_client.get(SCHEMA, HTTP_ACCEPT="application/json").json()["paths"]

    expected = {
        "/api/v1/postings/": ["get", "post"],
        "/api/v1/postings/{id}/": ["delete", "get", "patch", "put"],
        "/api/v1/postings/{id}/rubrics/": ["get", "post"],
        "/api/v1/rubrics/": ["get"],
        "/api/v1/rubrics/{id}/": ["delete", "get", "patch", "put"],
        "/api/v1/rubrics/{id}/clone/": ["post"],
        "/api/v1/rubrics/{id}/publish/": ["post"],
        "/api/v1/rubrics/{id}/retire/": ["post"],
    }
    assert {path: sorted(paths.get(path, [])) for path in expected} == expected


def test_schema_lists_a_postings_rubrics_as_a_page_and_generation_as_201(api_client):
    schema = api_client.get(SCHEMA, HTTP_ACCEPT="application/json").json()
    operations = schema["paths"]["/api/v1/postings/{id}/rubrics/"]

    list_schema = operations["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    generate_responses = operations["post"]["responses"]
    assert list_schema == {"$ref": "#/components/schemas/PaginatedRubricList"}
    assert [code for code in generate_responses if code.startswith("2")] == ["201"]


def test_schema_generation_emits_no_warnings_and_validates(tmp_path):
    GENERATOR_STATS.reset()

    # Raises CommandError on any warning or an invalid schema.
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml")
    )

    assert (tmp_path / "schema.yml").read_text().startswith("openapi: 3.0.3\n")


def test_swagger_ui_is_served_from_the_sidecar(api_client):
    response = api_client.get(DOCS)

    html = response.content.decode()
    assert response.status_code == 200
    assert sorted(re.findall(r'(?:src|href)="([^"]+)"', html)) == [
        "/static/drf_spectacular_sidecar/swagger-ui-dist/favicon-32x32.png",
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-standalone-preset.js",
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css",
    ]


def test_swagger_ui_names_no_external_host(api_client):
    html = api_client.get(DOCS).content.decode()

    assert re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}", html) == []


def test_swagger_ui_points_at_the_schema(api_client):
    html = api_client.get(DOCS).content.decode()

    assert '"/api/schema/"' in html


def test_healthz_reports_the_database_ok_as_json_without_a_login(api_client):
    response = api_client.get("/healthz", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()[DATABASE_CHECK] == "OK"


def test_healthz_checks_the_broker_only_when_one_is_configured(api_client):
    checks = api_client.get("/healthz", HTTP_ACCEPT="application/json").json()

    # Whether Redis answers depends on the machine; which checks run does not.
    redis_checks = [name for name in checks if name == "Redis"]
    assert len(redis_checks) == (1 if settings.BROKER_CONFIGURED else 0)
    assert set(checks) - set(redis_checks) == {DATABASE_CHECK}


def _health_of(checks, user):
    """/healthz with these checks, as ``user`` sees it (JSON)."""
    from asgiref.sync import async_to_sync
    from django.test import RequestFactory

    from core.health import HealthView

    request = RequestFactory().get("/healthz", HTTP_ACCEPT="application/json")

    async def auser():
        return user

    request.auser = auser
    response = async_to_sync(HealthView.as_view(checks=checks))(request)
    return response.status_code, json.loads(response.content)


def _down_redis():
    from redis.asyncio import Redis

    # Nothing listens on port 1: the check fails at once, naming the address.
    return (
        "health_check.contrib.redis.Redis",
        {"client_factory": lambda: Redis.from_url("redis://127.0.0.1:1/0")},
    )


@pytest.mark.django_db
def test_a_failing_check_tells_a_stranger_only_that_it_is_unavailable():
    from django.contrib.auth.models import AnonymousUser

    status, body = _health_of(["health_check.checks.Database", _down_redis()], AnonymousUser())
    assert status == 500
    assert body == {
        "Database": "OK",
        "Redis": "Unavailable: the check failed (details for staff only)",
    }


@pytest.mark.django_db
def test_staff_read_why_a_check_failed():
    from tests.factories import UserFactory

    staff = UserFactory(is_staff=True)
    status, body = _health_of([_down_redis()], staff)
    assert status == 500
    [(name, error)] = body.items()
    assert name.startswith("Redis(")
    assert "127.0.0.1" in error or "connect" in error.lower()


def test_every_operation_documents_its_error_answers():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert schema["components"]["schemas"]["Error"]["required"] == ["code"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"403", "429"} <= set(responses), (method, path)
            if "{" in path:
                assert "404" in responses, (method, path)
            if method in ("post", "put", "patch"):
                assert {"400", "409", "413"} <= set(responses), (method, path)


def test_nullable_fields_say_so_in_the_schema():
    from drf_spectacular.generators import SchemaGenerator

    schemas = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    assert schemas["Scorecard"]["properties"]["recommendation_label"]["nullable"] is True
    assert schemas["Rubric"]["properties"]["weight_total"]["nullable"] is True
