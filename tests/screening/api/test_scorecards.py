"""The scorecards endpoint of the screening API: a reviewer reads, saves and
submits their own scorecard; the errors it gives carry a field key and a code."""

import pytest

from tests.factories import (
    ApplicationFactory,
    ReviewAssignmentFactory,
    published_rubric,
    submit_scores,
)
from tests.screening.api.support import scorecard_url, stored_scores

pytestmark = pytest.mark.django_db


RECRUITERS_ONLY = {"detail": "Only recruiters may do this.", "code": "permission_denied"}
SUBMITTED = {
    "detail": "This scorecard has been submitted; a recruiter can reopen it.",
    "code": "scorecard_submitted",
}


# --- Scorecards -------------------------------------------------------------------


def test_patch_scorecard_saves_a_draft(reviewer_api, scorecard, criteria):
    response = reviewer_api.patch(
        scorecard_url(scorecard),
        {
            "scores": [
                {"criterion": criteria.certification.pk, "value": 3, "note": "HNC electronics."},
                {"criterion": criteria.software.pk, "value": None},
            ],
            "recommendation": 3,
            "summary": "Promising.",
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["recommendation"], body["recommendation_label"]) == (
        "draft",
        3,
        "Yes",
    )
    assert body["scores"] == [
        {
            "criterion": criteria.certification.pk,
            "value": 3,
            "answer": None,
            "note": "HNC electronics.",
        },
        {"criterion": criteria.software.pk, "value": None, "answer": None, "note": ""},
    ]
    assert stored_scores(scorecard) == [
        ("Certification", 3, "HNC electronics."),
        ("Service software", None, ""),
    ]
    scorecard.refresh_from_db()
    assert (scorecard.status, scorecard.summary, scorecard.submitted_at) == (
        "draft",
        "Promising.",
        None,
    )


def test_patch_scorecard_keeps_criteria_it_does_not_list(reviewer_api, scorecard, criteria):
    reviewer_api.patch(
        scorecard_url(scorecard), {"scores": [{"criterion": criteria.certification.pk, "value": 3}]}
    )

    reviewer_api.patch(
        scorecard_url(scorecard), {"scores": [{"criterion": criteria.experience.pk, "value": 2}]}
    )

    assert stored_scores(scorecard) == [("Certification", 3, ""), ("Experience", 2, "")]


def test_patch_scorecard_value_alone_keeps_the_saved_note(reviewer_api, scorecard, criteria):
    c = criteria.certification.pk
    reviewer_api.patch(
        scorecard_url(scorecard), {"scores": [{"criterion": c, "value": 2, "note": "HNC."}]}
    )

    reviewer_api.patch(scorecard_url(scorecard), {"scores": [{"criterion": c, "value": 3}]})

    assert stored_scores(scorecard) == [("Certification", 3, "HNC.")]


def complete(criteria, **changes) -> dict:
    payload = {
        "scores": [
            {"criterion": criteria.certification.pk, "value": 4},
            {"criterion": criteria.experience.pk, "value": 3},
        ],
        "recommendation": 4,
    }
    return {**payload, **changes}


def test_submit_scorecard_locks_it_as_submitted(reviewer_api, scorecard, criteria):
    response = reviewer_api.post(scorecard_url(scorecard, "submit"), complete(criteria))

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["recommendation_label"]) == (
        "submitted",
        "Strong yes",
    )
    scorecard.refresh_from_db()
    assert scorecard.is_submitted
    assert scorecard.submitted_at is not None
    assert stored_scores(scorecard) == [("Certification", 4, ""), ("Experience", 3, "")]


def test_submit_without_a_must_have_is_a_scores_error(reviewer_api, scorecard, criteria):
    payload = complete(criteria, scores=[{"criterion": criteria.certification.pk, "value": 4}])

    response = reviewer_api.post(scorecard_url(scorecard, "submit"), payload)

    assert response.status_code == 400
    assert response.json() == {
        "scores": ["Score every must-have before submitting: “Experience” still empty."],
        "code": "invalid",
    }


def test_refused_submit_stores_nothing_and_stays_a_draft(reviewer_api, scorecard, criteria):
    payload = complete(criteria, scores=[{"criterion": criteria.certification.pk, "value": 4}])

    reviewer_api.post(scorecard_url(scorecard, "submit"), payload)

    scorecard.refresh_from_db()
    assert (scorecard.status, scorecard.recommendation) == ("draft", None)
    assert stored_scores(scorecard) == []


def test_submit_with_a_must_have_scored_no_evidence_is_a_scores_error(
    reviewer_api, scorecard, criteria
):
    payload = complete(
        criteria,
        scores=[
            {"criterion": criteria.certification.pk, "value": None},
            {"criterion": criteria.experience.pk, "value": None},
        ],
    )

    response = reviewer_api.post(scorecard_url(scorecard, "submit"), payload)

    assert response.status_code == 400
    assert response.json() == {
        "scores": [
            "Score every must-have before submitting: “Certification”, “Experience” still empty."
        ],
        "code": "invalid",
    }


def test_submit_without_a_recommendation_is_a_recommendation_error(
    reviewer_api, scorecard, criteria
):
    payload = complete(criteria)
    del payload["recommendation"]

    response = reviewer_api.post(scorecard_url(scorecard, "submit"), payload)

    assert response.status_code == 400
    assert response.json() == {
        "recommendation": ["Choose an overall recommendation before submitting."],
        "code": "invalid",
    }


def test_submit_a_saved_draft_needs_no_payload(reviewer_api, scorecard, criteria):
    reviewer_api.patch(scorecard_url(scorecard), complete(criteria))

    response = reviewer_api.post(scorecard_url(scorecard, "submit"), {})

    assert response.status_code == 200
    assert response.json()["status"] == "submitted"


@pytest.mark.parametrize("where", ["another rubric", "nowhere"])
def test_score_for_an_unknown_criterion_is_an_indexed_error(reviewer_api, scorecard, where):
    unknown = published_rubric().criteria.first().pk if where == "another rubric" else 999999
    payload = {"scores": [{"criterion": unknown, "value": 3}]}

    response = reviewer_api.patch(scorecard_url(scorecard), payload)

    assert response.status_code == 400
    assert response.json() == {
        "scores[0].criterion": [f"Criterion {unknown} is not on this application's rubric (v1)."],
        "code": "invalid",
    }


@pytest.mark.parametrize("value", [7, 0])
def test_score_off_the_scale_is_an_indexed_error(reviewer_api, scorecard, criteria, value):
    payload = {
        "scores": [
            {"criterion": criteria.certification.pk, "value": 3},
            {"criterion": criteria.experience.pk, "value": value},
        ]
    }

    response = reviewer_api.patch(scorecard_url(scorecard), payload)

    assert response.status_code == 400
    assert response.json() == {
        "scores[1].value": [f"Choose a level from 1 to 4, not {value}."],
        "code": "invalid",
    }
    assert stored_scores(scorecard) == []


def test_value_7_on_submit_is_an_indexed_error(reviewer_api, scorecard, criteria):
    payload = complete(criteria)
    payload["scores"][0]["value"] = 7

    response = reviewer_api.post(scorecard_url(scorecard, "submit"), payload)

    assert response.status_code == 400
    assert response.json() == {
        "scores[0].value": ["Choose a level from 1 to 4, not 7."],
        "code": "invalid",
    }


def test_a_criterion_scored_twice_is_an_indexed_error(reviewer_api, scorecard, criteria):
    c = criteria.certification.pk
    payload = {"scores": [{"criterion": c, "value": 3}, {"criterion": c, "value": 2}]}

    response = reviewer_api.patch(scorecard_url(scorecard), payload)

    assert response.status_code == 400
    assert response.json() == {
        "scores[1].criterion": [f"Criterion {c} is scored twice."],
        "code": "invalid",
    }


def test_a_five_on_a_five_point_rubric_is_accepted(reviewer_api, reviewer):
    rubric = published_rubric(scale_max=5)
    card = ReviewAssignmentFactory(
        application=ApplicationFactory(rubric=rubric), reviewer=reviewer
    ).scorecard
    criterion = rubric.criteria.first()

    response = reviewer_api.patch(
        scorecard_url(card), {"scores": [{"criterion": criterion.pk, "value": 5}]}
    )

    assert response.status_code == 200
    assert response.json()["scores"] == [
        {"criterion": criterion.pk, "value": 5, "answer": None, "note": ""}
    ]


def test_submit_twice_is_a_conflict(reviewer_api, scorecard, criteria):
    reviewer_api.post(scorecard_url(scorecard, "submit"), complete(criteria))

    response = reviewer_api.post(scorecard_url(scorecard, "submit"), complete(criteria))

    assert response.status_code == 409
    assert response.json() == SUBMITTED


def test_patch_after_submit_is_a_conflict(reviewer_api, scorecard, criteria):
    reviewer_api.post(scorecard_url(scorecard, "submit"), complete(criteria))

    response = reviewer_api.patch(scorecard_url(scorecard), {"summary": "Second thoughts."})

    assert response.status_code == 409
    assert response.json() == SUBMITTED
    scorecard.refresh_from_db()
    assert scorecard.summary == ""


def test_reopen_by_a_recruiter_sends_the_scorecard_back_as_a_draft(
    api_client, recruiter, scorecard, criteria
):
    submit_scores(scorecard.assignment, {criteria.certification: 3, criteria.experience: 3})
    api_client.force_login(recruiter)

    response = api_client.post(scorecard_url(scorecard, "reopen"))

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["submitted_at"]) == ("draft", None)
    scorecard.refresh_from_db()
    assert (scorecard.status, scorecard.reopened_by) == ("draft", recruiter)
    assert scorecard.reopened_at is not None


def test_reopened_scorecard_can_be_edited_by_its_reviewer(
    api_client, recruiter, reviewer, scorecard, criteria
):
    submit_scores(scorecard.assignment, {criteria.certification: 3, criteria.experience: 3})
    api_client.force_login(recruiter)
    api_client.post(scorecard_url(scorecard, "reopen"))
    api_client.force_login(reviewer)

    response = api_client.patch(
        scorecard_url(scorecard), {"scores": [{"criterion": criteria.experience.pk, "value": 4}]}
    )

    assert response.status_code == 200
    assert stored_scores(scorecard) == [("Certification", 3, ""), ("Experience", 4, "")]


def test_reopen_by_the_reviewer_is_forbidden(reviewer_api, scorecard, criteria):
    submit_scores(scorecard.assignment, {criteria.certification: 3, criteria.experience: 3})

    response = reviewer_api.post(scorecard_url(scorecard, "reopen"))

    assert response.status_code == 403
    assert response.json() == RECRUITERS_ONLY
    scorecard.refresh_from_db()
    assert scorecard.is_submitted


def test_reopen_a_draft_is_a_conflict(recruiter_api, scorecard):
    response = recruiter_api.post(scorecard_url(scorecard, "reopen"))

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Only a submitted scorecard can be reopened.",
        "code": "scorecard_draft",
    }
