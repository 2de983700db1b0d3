"""Malformed input to the screening API never gives a 500: a parse error, or a
field key with a machine-readable code."""

import pytest

from tests.screening.api.support import (
    APPLICATIONS,
    CANDIDATES,
    SCORECARDS,
    assign_url,
    scorecard_url,
    stored_scores,
)

pytestmark = pytest.mark.django_db


# --- Malformed input never gives a 500 -------------------------------------------


def test_non_json_body_is_a_parse_error(reviewer_api, scorecard):
    response = reviewer_api.generic(
        "PATCH", scorecard_url(scorecard), "{not json", content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "JSON parse error - Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1)",
        "code": "parse_error",
    }


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        pytest.param(
            {"scores": {"criterion": 1, "value": 3}},
            {"scores": ['Expected a list of items but got type "dict".']},
            id="scores-not-a-list",
        ),
        pytest.param(
            {"scores": "3"},
            {"scores": ['Expected a list of items but got type "str".']},
            id="scores-a-string",
        ),
        pytest.param(
            {"scores": [3]},
            {"scores[0]": ["Invalid data. Expected a dictionary, but got int."]},
            id="score-not-an-object",
        ),
        pytest.param(
            {"scores": [{"criterion": "{c}", "value": "abc"}]},
            {"scores[0].value": ["A valid integer is required."]},
            id="value-abc",
        ),
        pytest.param(
            {"scores": [{"criterion": "{c}", "value": 2.5}]},
            {"scores[0].value": ["A valid integer is required."]},
            id="value-a-fraction",
        ),
        pytest.param(
            {"scores": [{"value": 3}]},
            {"scores[0].criterion": ["This field is required."]},
            id="criterion-missing",
        ),
        pytest.param(
            {"scores": [{"criterion": None, "value": 3}]},
            {"scores[0].criterion": ["This field may not be null."]},
            id="criterion-null",
        ),
        pytest.param(
            {"recommendation": "maybe"},
            {"recommendation": ['"maybe" is not a valid choice.']},
            id="recommendation-unknown",
        ),
        pytest.param(
            {"recommendation": 5},
            {"recommendation": ['"5" is not a valid choice.']},
            id="recommendation-off-scale",
        ),
    ],
)
def test_malformed_scorecard_payload_is_a_field_error(
    reviewer_api, scorecard, criteria, payload, expected
):
    if payload.get("scores") and isinstance(payload["scores"], list):
        for entry in payload["scores"]:
            if isinstance(entry, dict) and entry.get("criterion") == "{c}":
                entry["criterion"] = criteria.certification.pk

    response = reviewer_api.patch(scorecard_url(scorecard), payload, format="json")

    assert response.status_code == 400
    assert response.json() == {**expected, "code": "invalid"}
    assert stored_scores(scorecard) == []


@pytest.mark.parametrize(
    ("url", "payload"),
    [
        pytest.param(CANDIDATES, {"full_name": ["Ada"], "email": 7}, id="candidate"),
        pytest.param(APPLICATIONS, {"candidate": "abc", "posting": {"id": 1}}, id="application"),
        pytest.param("assign", {"reviewer": "abc"}, id="assignment"),
        pytest.param("assign", {"reviewer": None}, id="assignment-null"),
        pytest.param("submit", {"scores": [{"criterion": 10**30, "value": 10**30}]}, id="huge"),
    ],
)
def test_malformed_payloads_are_400_not_500(api_client, recruiter, scorecard, url, payload):
    api_client.force_login(recruiter)
    if url == "assign":
        url = assign_url(scorecard.application)
    elif url == "submit":
        url = scorecard_url(scorecard, "submit")
        api_client.force_login(scorecard.assignment.reviewer)

    response = api_client.post(url, payload, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize("pk", ["abc", "99999999999999999999999"])
def test_malformed_ids_in_the_url_are_not_found(recruiter_api, pk):
    response = recruiter_api.get(f"{SCORECARDS}{pk}/")

    assert response.status_code == 404
