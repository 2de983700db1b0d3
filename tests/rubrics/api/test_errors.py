"""The rubrics API's errors: an unknown id is a 404, and malformed input is always
a 400 with a code, never a 500."""

import pytest

from tests.factories import POSTING_TEXT
from tests.rubrics.api.support import POSTINGS, RUBRICS, world_url

pytestmark = pytest.mark.django_db


NOT_FOUND = {"detail": "Not found.", "code": "not_found"}


# --- Unknown ids --------------------------------------------------------------------


DETAIL_CALLS = [
    pytest.param("get", POSTINGS + "{id}/", id="posting-get"),
    pytest.param("put", POSTINGS + "{id}/", id="posting-put"),
    pytest.param("patch", POSTINGS + "{id}/", id="posting-patch"),
    pytest.param("delete", POSTINGS + "{id}/", id="posting-delete"),
    pytest.param("get", POSTINGS + "{id}/rubrics/", id="posting-rubrics"),
    pytest.param("post", POSTINGS + "{id}/rubrics/", id="rubric-generate"),
    pytest.param("get", RUBRICS + "{id}/", id="rubric-get"),
    pytest.param("put", RUBRICS + "{id}/", id="rubric-put"),
    pytest.param("patch", RUBRICS + "{id}/", id="rubric-patch"),
    pytest.param("delete", RUBRICS + "{id}/", id="rubric-delete"),
    pytest.param("post", RUBRICS + "{id}/publish/", id="rubric-publish"),
    pytest.param("post", RUBRICS + "{id}/clone/", id="rubric-clone"),
    pytest.param("post", RUBRICS + "{id}/retire/", id="rubric-retire"),
]


@pytest.mark.parametrize(("method", "url"), DETAIL_CALLS)
def test_an_unknown_id_is_not_found(recruiter_api, world, method, url):
    response = getattr(recruiter_api, method)(url.format(id=999999), {"scale_max": 5})

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


@pytest.mark.parametrize(("method", "url"), DETAIL_CALLS)
def test_a_malformed_id_is_not_found(recruiter_api, world, method, url):
    response = getattr(recruiter_api, method)(url.format(id="abc"), {"scale_max": 5})

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


# --- Malformed input: always a 400 with a code, never a 500 --------------------------


@pytest.mark.parametrize(
    ("method", "url", "body", "expected"),
    [
        pytest.param(
            "post",
            POSTINGS,
            "{not json",
            {
                "detail": "JSON parse error - Expecting property name enclosed in double quotes: "
                "line 1 column 2 (char 1)",
                "code": "parse_error",
            },
            id="posting-not-json",
        ),
        pytest.param(
            "post",
            POSTINGS,
            {"title": ["Radiographer"], "raw_text": {"text": POSTING_TEXT}},
            {"title": ["Not a valid string."], "raw_text": ["Not a valid string."]},
            id="posting-wrong-types",
        ),
        pytest.param(
            "post",
            POSTINGS + "{posting}/rubrics/",
            {"must_have_share": "abc"},
            {"must_have_share": ["A valid number is required."]},
            id="generate-share-not-a-number",
        ),
        pytest.param(
            "patch",
            RUBRICS + "{draft}/",
            "[1, 2",
            {
                "detail": "JSON parse error - Expecting ',' delimiter: line 1 column 6 (char 5)",
                "code": "parse_error",
            },
            id="rubric-not-json",
        ),
        pytest.param(
            "patch",
            RUBRICS + "{draft}/",
            [],
            {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]},
            id="rubric-body-a-list",
        ),
        pytest.param(
            "patch",
            RUBRICS + "{draft}/",
            {"criteria": "Certification"},
            {"criteria": ['Expected a list of items but got type "str".']},
            id="criteria-not-a-list",
        ),
        pytest.param(
            "patch",
            RUBRICS + "{draft}/",
            {"criteria": [1]},
            {"criteria[0]": ["Invalid data. Expected a dictionary, but got int."]},
            id="criterion-not-an-object",
        ),
        pytest.param(
            "patch",
            RUBRICS + "{draft}/",
            {"criteria": [{"title": "Driving", "weight": "abc", "knockout_level": 2}]},
            {"criteria[0].weight": ["A valid number is required."]},
            id="weight-not-a-number",
        ),
        pytest.param(
            "patch",
            RUBRICS + "{draft}/",
            {"criteria": [{"title": "Driving", "weight": "NaN", "knockout_level": 2}]},
            {"criteria[0].weight": ["A valid number is required."]},
            id="weight-nan",
        ),
        pytest.param(
            "patch",
            RUBRICS + "{draft}/",
            {"criteria": [{"title": "Driving", "weight": "10", "keywords": [""]}]},
            {"criteria[0].keywords[0]": ["This field may not be blank."]},
            id="keyword-blank",
        ),
        pytest.param(
            "patch",
            RUBRICS + "{draft}/",
            {"criteria": [{"id": "abc", "title": "Driving", "weight": "10"}]},
            {"criteria[0].id": ["A valid integer is required."]},
            id="criterion-id-not-a-number",
        ),
        pytest.param(
            "patch",
            RUBRICS + "{draft}/",
            {"criteria": [{"title": "Driving", "weight": "10", "knockout_level": -1}]},
            {"criteria[0].knockout_level": ["Ensure this value is greater than or equal to 0."]},
            id="knockout-level-negative",
        ),
        pytest.param(
            "patch",
            RUBRICS + "{draft}/",
            {"criteria": [{"title": "Driving", "weight": "10", "anchors": "Meets"}]},
            {"criteria[0].anchors": ['Expected a list of items but got type "str".']},
            id="anchors-not-a-list",
        ),
        pytest.param(
            "patch",
            RUBRICS + "{draft}/",
            {"criteria": None},
            {"criteria": ["This field may not be null."]},
            id="criteria-null",
        ),
        pytest.param(
            "patch",
            RUBRICS + "{draft}/",
            {"must_have_share": "NaN"},
            {"must_have_share": ["A valid number is required."]},
            id="share-nan",
        ),
    ],
)
def test_malformed_input_is_a_400_with_a_code(recruiter_api, world, method, url, body, expected):
    if isinstance(body, str):
        response = getattr(recruiter_api, method)(
            world_url(url, world), data=body, content_type="application/json"
        )
    else:
        response = getattr(recruiter_api, method)(world_url(url, world), body, format="json")

    assert response.status_code == 400
    assert response.json() == {"code": "invalid", **expected}
