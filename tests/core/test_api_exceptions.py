"""The API's one exception handler (core/api/exceptions.py): every error body
has a `code`; field errors are flat, keyed by the path to the input, whichever
layer found them; only the integrity errors a service names are answered, any
other reaches Django's 500."""

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from rest_framework import exceptions

from core.api.exceptions import exception_handler, flat_errors
from rubrics import services as rubric_services
from tests.factories import (
    ApplicationFactory,
    JobPostingFactory,
    RecruiterFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    published_rubric,
)

SCORECARDS = "/api/v1/scorecards/"


@pytest.fixture
def scorecard(db):
    reviewer = ReviewerFactory()
    assignment = ReviewAssignmentFactory(application=ApplicationFactory(), reviewer=reviewer)
    return assignment.scorecard


@pytest.fixture
def reviewer_client(api_client, scorecard):
    api_client.force_login(scorecard.assignment.reviewer)
    return api_client


def patch_scores(client, card, scores):
    return client.patch(f"{SCORECARDS}{card.pk}/", {"scores": scores}, format="json")


# --- One shape, whichever layer found the error ------------------------------------


@pytest.mark.django_db
def test_a_serializer_and_a_service_key_a_bad_value_alike(reviewer_client, scorecard):
    """ "abc" is refused by the serializer, 7 by the service: same key, same shape."""
    first, second = scorecard.application.rubric.criteria.order_by("order")[:2]
    ok = {"criterion": first.pk, "value": 2}

    by_serializer = patch_scores(
        reviewer_client, scorecard, [ok, {"criterion": second.pk, "value": "abc"}]
    )
    by_service = patch_scores(
        reviewer_client, scorecard, [ok, {"criterion": second.pk, "value": 7}]
    )

    assert (by_serializer.status_code, by_serializer.json()) == (
        400,
        {"scores[1].value": ["A valid integer is required."], "code": "invalid"},
    )
    assert (by_service.status_code, by_service.json()) == (
        400,
        {"scores[1].value": ["Choose a level from 1 to 4, not 7."], "code": "invalid"},
    )


@pytest.mark.django_db
def test_a_serializer_and_a_service_key_a_bad_criterion_alike(reviewer_client, scorecard):
    """A missing criterion is the serializer's; one from another rubric is the service's."""
    elsewhere = published_rubric().criteria.first().pk

    by_serializer = patch_scores(reviewer_client, scorecard, [{"value": 3}])
    by_service = patch_scores(reviewer_client, scorecard, [{"criterion": elsewhere, "value": 3}])

    assert (by_serializer.status_code, by_serializer.json()) == (
        400,
        {"scores[0].criterion": ["This field is required."], "code": "invalid"},
    )
    version = scorecard.application.rubric.version
    assert (by_service.status_code, by_service.json()) == (
        400,
        {
            "scores[0].criterion": [
                f"Criterion {elsewhere} is not on this application's rubric (v{version})."
            ],
            "code": "invalid",
        },
    )


@pytest.mark.parametrize(
    "raised",
    [
        pytest.param(
            exceptions.ValidationError({"scores": {0: {"value": ["Too high."]}}}),
            id="serializer-dict",
        ),
        pytest.param(
            exceptions.ValidationError({"scores": [{"value": ["Too high."]}]}),
            id="serializer-list",
        ),
        pytest.param(
            exceptions.ValidationError({"scores": [{"non_field_errors": ["Too high."]}]}),
            id="serializer-item",
        ),
        pytest.param(
            DjangoValidationError({"scores[0].value": "Too high."}),
            id="service",
        ),
    ],
)
def test_every_nested_error_comes_out_flat(raised):
    response = exception_handler(raised, {})

    key = "scores[0]" if "non_field_errors" in str(raised) else "scores[0].value"
    assert (response.status_code, response.data) == (400, {key: ["Too high."], "code": "invalid"})


def test_errors_of_deeper_items_are_keyed_by_their_whole_path():
    detail = {
        "criteria": [{}, {"anchors": {2: ["Empty."]}, "weight": ["Too high."]}],
        "non_field_errors": ["Weights must sum to 100."],
    }

    assert flat_errors(detail) == {
        "criteria[1].anchors[2]": ["Empty."],
        "criteria[1].weight": ["Too high."],
        "non_field_errors": ["Weights must sum to 100."],
    }


def test_a_validation_error_with_no_field_is_a_detail():
    response = exception_handler(exceptions.ValidationError("Nothing to do."), {})

    assert response.data == {"detail": ["Nothing to do."], "code": "invalid"}


def test_a_django_validation_error_of_the_whole_object_is_a_detail():
    response = exception_handler(DjangoValidationError("Weights must sum to 100."), {})

    assert response.data == {"detail": ["Weights must sum to 100."], "code": "invalid"}


# --- Integrity errors: named ones are answered, others are bugs -------------------


def test_the_handler_does_not_answer_an_integrity_error():
    assert exception_handler(IntegrityError("UNIQUE constraint failed: x.y"), {}) is None


@pytest.mark.django_db
def test_an_unnamed_integrity_error_surfaces_as_a_500(api_client, monkeypatch):
    recruiter = RecruiterFactory()
    posting = JobPostingFactory(created_by=recruiter)

    def clash(**kwargs):
        raise IntegrityError("NOT NULL constraint failed: rubrics_jobposting.title")

    monkeypatch.setattr(rubric_services, "posting_update", clash)
    api_client.force_login(recruiter)
    api_client.raise_request_exception = False

    response = api_client.patch(
        f"/api/v1/postings/{posting.pk}/", {"title": "Lineworker"}, format="json"
    )

    assert response.status_code == 500
    assert isinstance(response.exc_info[1], IntegrityError)


# --- bodies the parser cannot take (issue 13) --------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "url_of"),
    [
        ("post", lambda rubric, card: "/api/v1/postings/"),
        ("patch", lambda rubric, card: f"/api/v1/rubrics/{rubric.pk}/"),
        ("patch", lambda rubric, card: f"/api/v1/scorecards/{card.pk}/"),
    ],
)
def test_deeply_nested_json_is_a_400(method, url_of, recruiter_api):
    from tests import factories

    application = factories.ApplicationFactory()
    card = factories.ReviewAssignmentFactory(application=application).scorecard
    body = "[" * 1000 + "]" * 1000  # 2 KB that used to raise RecursionError
    response = getattr(recruiter_api, method)(
        url_of(application.rubric, card), data=body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert "more than 32 deep" in response.json()["detail"]


@pytest.mark.django_db
def test_nesting_under_the_limit_reaches_the_serializer(recruiter_api):
    body = '{"title": ' + "[" * 20 + "]" * 20 + "}"
    response = recruiter_api.post("/api/v1/postings/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "title" in response.json()


@pytest.mark.django_db
def test_a_body_over_the_limit_is_json_not_html(recruiter_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = '{"title": "' + "x" * 5000 + '"}'
    response = recruiter_api.post("/api/v1/postings/", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "The request body is larger than the 1,000 bytes this API accepts.",
        "code": "request_too_large",
    }
