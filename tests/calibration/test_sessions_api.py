"""/api/v1/calibration-sessions/: recruiters make and read sessions; a reviewer sees
only their own, scores blind, and reads their own distance from the key afterwards."""

import pytest

from calibration import sessions
from calibration.models import CalibrationSession
from tests.factories import (
    ApplicationFactory,
    ReviewerFactory,
    calibration_session,
    service_rubric,
    session_ratings,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/calibration-sessions/"
KEYS = ((3, 2, 1), (2, 4, 3))
LEVELS = ((4, 3, 1), (3, 4, 4))


def create_payload(rubric, reviewers, **overrides):
    criteria = sessions.session_criteria(rubric)
    application = ApplicationFactory(rubric=rubric)
    payload = {
        "posting": rubric.posting.pk,
        "title": "May calibration",
        "key_agreed_by": "Ana Ruiz, Ben Okafor",
        "reviewers": [r.pk for r in reviewers],
        "items": [
            {
                "application": application.pk,
                "key": [
                    {"criterion": c.pk, "level": lvl}
                    for c, lvl in zip(criteria, KEYS[0], strict=True)
                ],
            },
            {
                "title": "Practice: a career changer",
                "profile": "Ten years in retail, a certificate in electronics last year.",
                "key": [
                    {"criterion": c.pk, "level": lvl}
                    for c, lvl in zip(criteria, KEYS[1], strict=True)
                ],
            },
        ],
    }
    return {**payload, **overrides}


def test_a_recruiter_makes_an_open_session(recruiter_api, reviewer):
    rubric = service_rubric()
    response = recruiter_api.post(URL, create_payload(rubric, [reviewer]), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["n_items"], body["n_reviewers"], body["n_submitted"]) == (
        "open",
        2,
        1,
        0,
    )
    assert body["rubric"] == rubric.pk
    assert CalibrationSession.objects.get().key_agreed_by == "Ana Ruiz, Ben Okafor"


def test_bad_input_answers_400_with_each_field(recruiter_api, reviewer):
    rubric = service_rubric()
    payload = create_payload(rubric, [reviewer])
    payload["items"][0]["key"][1]["level"] = "abc"
    response = recruiter_api.post(URL, payload, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "items[0].key[1].level": ["A valid integer is required."],
        "code": "invalid",
    }

    payload = create_payload(rubric, [reviewer])
    payload["items"][1]["key"].pop()
    payload["items"][0]["key"][0]["level"] = 6
    response = recruiter_api.post(URL, payload, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "items[0].key": ["Choose key levels from 1 to 4 (Certification)."],
        "items[1].key": ["Give the key's level for Service software."],
        "code": "invalid",
    }

    response = recruiter_api.post(
        URL, {**create_payload(rubric, [reviewer]), "items": []}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "items": ["A session has 2 to 5 items; this one has 0."],
        "code": "invalid",
    }
    assert not CalibrationSession.objects.exists()


def test_reviewers_may_not_make_sessions(reviewer_api, reviewer):
    response = reviewer_api.post(URL, create_payload(service_rubric(), [reviewer]), format="json")
    assert response.status_code == 403


def test_a_reviewer_sees_only_their_sessions_and_no_key(reviewer_api, reviewer):
    mine = calibration_session(reviewers=[reviewer], keys=KEYS)
    other = calibration_session(reviewers=[ReviewerFactory()], keys=KEYS)
    calibration_session(reviewers=[reviewer], keys=KEYS, open_now=False)  # a draft

    listed = reviewer_api.get(URL).json()
    assert [s["id"] for s in listed["results"]] == [mine.pk]
    assert reviewer_api.get(f"{URL}{other.pk}/").status_code == 404
    assert reviewer_api.get(f"{URL}{other.pk}/results/").status_code == 404

    detail = reviewer_api.get(f"{URL}{mine.pk}/").json()
    assert [set(item) for item in detail["items"]] == [
        {"id", "application", "label", "profile", "key"}
    ] * 2
    assert [item["key"] for item in detail["items"]] == [None, None]
    assert detail["reviewers"] == []
    assert detail["submitted_at"] is None
    assert [c["title"] for c in detail["criteria"]] == [
        "Certification",
        "Experience",
        "Service software",
    ]


def test_the_recruiter_reads_the_key(recruiter_api, reviewer):
    session = calibration_session(reviewers=[reviewer], keys=KEYS)
    detail = recruiter_api.get(f"{URL}{session.pk}/").json()
    assert [[k["level"] for k in item["key"]] for item in detail["items"]] == [[3, 2, 1], [2, 4, 3]]
    assert [r["reviewer"] for r in detail["reviewers"]] == [reviewer.pk]


def test_a_reviewer_submits_then_sees_their_distance(reviewer_api, reviewer):
    other = ReviewerFactory()
    session = calibration_session(reviewers=[reviewer, other], keys=KEYS)
    sessions.session_submit(session=session, reviewer=other, ratings=session_ratings(session, KEYS))
    url = f"{URL}{session.pk}/"
    blind = reviewer_api.get(f"{url}results/")
    assert blind.status_code == 403
    assert "Submit your own levels first" in blind.json()["detail"]

    response = reviewer_api.post(
        f"{url}submit/", {"ratings": session_ratings(session, LEVELS)}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert [r["reviewer"] for r in body["reviewers"]] == [reviewer.pk]
    assert body["reviewers"][0]["overall"] == {
        "n": 6,
        "mad": pytest.approx(4 / 6),
        "bias": pytest.approx(4 / 6),
    }
    assert [(c["title"], c["mad"], c["bias"]) for c in body["reviewers"][0]["criteria"]] == [
        ("Certification", 1.0, 1.0),
        ("Experience", 0.5, 0.5),
        ("Service software", 0.5, 0.5),
    ]
    assert reviewer_api.get(f"{url}results/").json() == body
    again = reviewer_api.post(
        f"{url}submit/", {"ratings": session_ratings(session, LEVELS)}, format="json"
    )
    assert again.status_code == 409
    assert again.json()["code"] == "session_submitted"


def test_a_bad_submission_answers_400_by_rating(reviewer_api, reviewer):
    session = calibration_session(reviewers=[reviewer], keys=KEYS)
    ratings = session_ratings(session, LEVELS)
    ratings[2]["level"] = 9
    response = reviewer_api.post(f"{URL}{session.pk}/submit/", {"ratings": ratings}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "ratings[2].level": ["Choose a level from 1 to 4, not 9."],
        "code": "invalid",
    }
    ratings[2]["level"] = "high"
    response = reviewer_api.post(f"{URL}{session.pk}/submit/", {"ratings": ratings}, format="json")
    assert response.json() == {
        "ratings[2].level": ["A valid integer is required."],
        "code": "invalid",
    }


def test_the_recruiters_results(recruiter_api):
    lena, sam = ReviewerFactory(first_name="Lena"), ReviewerFactory(first_name="Sam")
    session = calibration_session(reviewers=[lena, sam], keys=KEYS)
    sessions.session_submit(
        session=session, reviewer=lena, ratings=session_ratings(session, LEVELS)
    )
    body = recruiter_api.get(f"{URL}{session.pk}/results/").json()
    assert len(body["reviewers"]) == 2
    assert body["pending"] == [sessions.person_name(sam)]
    top = body["misread"][0]
    assert (top["title"], top["key_level"], top["n_misread"], top["chosen"]) == (
        "Certification",
        2,
        1,
        [{"level": 3, "count": 1}],
    )


def _grow(n_sessions: int, n_reviewers: int) -> list:
    made = []
    rubric = service_rubric()
    for _ in range(n_sessions):
        reviewers = [ReviewerFactory() for _ in range(n_reviewers)]
        session = calibration_session(
            reviewers=reviewers, keys=[(2, 3, 4)] * 5 if n_reviewers > 2 else KEYS, rubric=rubric
        )
        for r in reviewers:
            sessions.session_submit(
                session=session,
                reviewer=r,
                ratings=session_ratings(session, [(2, 2, 2)] * session.items.count()),
            )
        made.append(session)
    return made


def test_the_list_and_results_cost_the_same_queries_whatever_the_size(
    recruiter_api, django_assert_max_num_queries
):
    small = _grow(1, 1)
    with django_assert_max_num_queries(6) as small_list:
        assert recruiter_api.get(URL).status_code == 200
    with django_assert_max_num_queries(10) as small_results:
        assert recruiter_api.get(f"{URL}{small[0].pk}/results/").status_code == 200
    with django_assert_max_num_queries(10) as small_detail:
        assert recruiter_api.get(f"{URL}{small[0].pk}/").status_code == 200
    large = _grow(6, 4)
    with django_assert_max_num_queries(len(small_list.captured_queries)):
        body = recruiter_api.get(URL).json()
    assert body["count"] == 7
    with django_assert_max_num_queries(len(small_results.captured_queries)):
        body = recruiter_api.get(f"{URL}{large[0].pk}/results/").json()
    assert len(body["reviewers"]) == 4
    with django_assert_max_num_queries(len(small_detail.captured_queries)):
        body = recruiter_api.get(f"{URL}{large[0].pk}/").json()
    assert len(body["items"]) == 5 and len(body["reviewers"]) == 4


def test_a_draft_made_through_the_api_opens_later(recruiter_api, reviewer):
    from rest_framework.test import APIClient

    reviewer_api = APIClient()
    reviewer_api.force_login(reviewer)
    rubric = service_rubric()
    payload = create_payload(rubric, [reviewer], open=False)
    made = recruiter_api.post(URL, payload, format="json").json()
    assert made["status"] == "draft"
    assert reviewer_api.post(f"{URL}{made['id']}/open/").status_code == 404  # not theirs yet
    opened = recruiter_api.post(f"{URL}{made['id']}/open/")
    assert opened.status_code == 200 and opened.json()["status"] == "open"
    again = recruiter_api.post(f"{URL}{made['id']}/open/")
    assert again.status_code == 409 and again.json()["code"] == "session_not_editable"
