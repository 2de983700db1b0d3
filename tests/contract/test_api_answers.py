"""What schemathesis found, pinned by direct tests: each answer is JSON in the one error
shape and the schema documents it."""

import pytest
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator

from tests.factories import JobPostingFactory

pytestmark = pytest.mark.django_db

ERROR = {"$ref": "#/components/schemas/Error"}


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


@override_settings(DEBUG=False)
def test_an_api_url_no_route_takes_answers_json_404(recruiter_api):
    response = recruiter_api.get("/api/v1/rubrics/0.5/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


@override_settings(DEBUG=False)
def test_a_page_outside_the_api_still_gets_django_html_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_an_error_asked_for_as_csv_answers_json(recruiter_api):
    posting = JobPostingFactory()

    response = recruiter_api.get(f"/api/v1/postings/{posting.pk}/ranking/?format=csv&stage=nope")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"stage": ["“nope” is not a stage."], "code": "invalid"}


def test_a_page_past_the_end_is_a_documented_404(recruiter_api, schema):
    response = recruiter_api.get("/api/v1/postings/?page=9")

    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    answer = schema["paths"]["/api/v1/postings/"]["get"]["responses"]["404"]
    assert answer["content"]["application/json"]["schema"] == ERROR


def test_the_token_login_and_logout_document_their_401(api_client, schema):
    assert api_client.post("/api/v1/auth/token/").status_code == 401
    assert api_client.post("/api/v1/auth/logout/").status_code == 401
    documented = {
        path: "401" in schema["paths"][path]["post"]["responses"]
        for path in ("/api/v1/auth/token/", "/api/v1/auth/logout/", "/api/v1/postings/")
    }
    assert documented == {
        "/api/v1/auth/token/": True,
        "/api/v1/auth/logout/": True,
        "/api/v1/postings/": False,  # session authentication first: 403, no challenge
    }


def test_an_application_reviewers_are_documented_as_the_plain_list_they_are(schema):
    operation = schema["paths"]["/api/v1/applications/{id}/assignments/"]
    listed = operation["get"]["responses"]["200"]["content"]["application/json"]["schema"]

    assert listed == {"type": "array", "items": {"$ref": "#/components/schemas/Assignment"}}
    assert "201" in operation["post"]["responses"]


def test_a_candidate_as_read_requires_only_what_a_reviewer_gets(schema):
    component = schema["components"]["schemas"]["CandidateAsRead"]

    assert sorted(component["required"]) == ["full_name", "id"]
    assert {"email", "phone", "notes", "created_at"} <= set(component["properties"])
