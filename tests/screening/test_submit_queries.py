"""The submit endpoint's cost, as a reviewer with an API token sends it: a complete
scorecard with the submit itself. Its statements are counted (a constant number,
whatever the rubric or the application's other scorecards) and what it stores is the
same as a recomputation from scratch."""

import pytest
from django.contrib.contenttypes.models import ContentType
from knox.models import AuthToken
from rest_framework.test import APIClient

from core.models import AuditEvent
from screening.models import ApplicationScore, Scorecard
from screening.scores import compute_application_scores, stored_row
from tests.factories import (
    ReviewAssignmentFactory,
    ReviewerFactory,
    published_rubric,
    submit_scores,
)

pytestmark = pytest.mark.django_db

# The token with its user (one query: the holder's tokens, for knox's clean-up of expired
# ones), the scorecard locked with its assignment, application and rubric, the rubric's
# criteria, the saved scores, the scores upserted, the scorecard, the audit event, and the
# stored score: its row locked with the application, the ratings, the row written; the
# adjusted score is read on an application's first submission only. Django's savepoint
# pair (the test runs in a transaction) is counted too; the content type is cached, as in a
# running server. (Before: 21 in all, the stored score refreshed in seven of them.)
QUERIES = 12


def _body(criteria, levels, note="Evidence."):
    return {
        "scores": [
            {"criterion": c.pk, "value": v, "note": f"{note} {i}"}
            for i, (c, v) in enumerate(zip(criteria, levels, strict=True))
        ],
        "recommendation": 3,
        "summary": "Scored every criterion.",
    }


def _token_client(user) -> APIClient:
    _, token = AuthToken.objects.create(user=user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


@pytest.fixture
def world(reviewer):
    rubric = published_rubric()
    criteria = list(rubric.criteria.order_by("order"))
    mine = ReviewAssignmentFactory(reviewer=reviewer, application__rubric=rubric)
    return mine, criteria


@pytest.mark.parametrize("others", [1, 4])
def test_a_submit_costs_a_constant_number_of_statements(
    world, reviewer, django_assert_max_num_queries, others
):
    mine, criteria = world
    for _ in range(others):
        other = ReviewAssignmentFactory(application=mine.application)
        submit_scores(other, {criteria[0]: 2, criteria[1]: 3, criteria[2]: None})
    api = _token_client(reviewer)
    ContentType.objects.get_for_model(Scorecard)  # cached by any earlier request

    with django_assert_max_num_queries(QUERIES):
        response = api.post(
            f"/api/v1/scorecards/{mine.scorecard.pk}/submit/",
            _body(criteria, [3, 4, 2]),
            format="json",
        )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "submitted"
    stored = ApplicationScore.objects.get(pk=mine.application_id)
    assert stored.submitted == others + 1
    assert (
        stored_row(stored) == compute_application_scores([mine.application_id])[mine.application_id]
    )


def test_the_answer_is_the_card_as_a_fresh_read_gives_it(world, reviewer):
    mine, criteria = world
    api = _token_client(reviewer)
    api.patch(
        f"/api/v1/scorecards/{mine.scorecard.pk}/",
        {"scores": [{"criterion": criteria[0].pk, "value": 1, "note": "Kept note."}]},
        format="json",
    )
    # The first criterion's note is not sent again: the saved one stays.
    body = _body(criteria, [3, 4, None])
    del body["scores"][0]["note"]

    answer = api.post(f"/api/v1/scorecards/{mine.scorecard.pk}/submit/", body, format="json")

    assert answer.status_code == 200, answer.content
    fresh = api.get(f"/api/v1/scorecards/{mine.scorecard.pk}/").json()
    assert answer.json() == fresh
    assert [s["note"] for s in fresh["scores"]] == ["Kept note.", "Evidence. 1", "Evidence. 2"]
    assert [s["value"] for s in fresh["scores"]] == [3, 4, None]


def test_one_refresh_and_one_event_per_submit(world, reviewer, monkeypatch):
    from screening import scores

    mine, criteria = world
    refreshed = []
    original = scores._refresh_one
    monkeypatch.setattr(
        scores,
        "_refresh_one",
        lambda pk, *args: refreshed.append(pk) or original(pk, *args),
    )
    api = _token_client(reviewer)

    response = api.post(
        f"/api/v1/scorecards/{mine.scorecard.pk}/submit/",
        _body(criteria, [3, 4, 2]),
        format="json",
    )

    assert response.status_code == 200
    assert refreshed == [mine.application_id]
    assert AuditEvent.objects.filter(event="scorecard.submitted").count() == 1


def test_a_failed_submit_refreshes_nothing_and_keeps_the_draft(world, reviewer):
    mine, criteria = world
    api = _token_client(reviewer)
    before = stored_row(ApplicationScore.objects.get(pk=mine.application_id))

    # The second must-have is left empty: refused, nothing written.
    response = api.post(
        f"/api/v1/scorecards/{mine.scorecard.pk}/submit/",
        _body(criteria, [3, None, 2]),
        format="json",
    )

    assert response.status_code == 400
    mine.scorecard.refresh_from_db()
    assert mine.scorecard.status == Scorecard.Status.DRAFT
    assert not mine.scorecard.scores.exists()
    assert stored_row(ApplicationScore.objects.get(pk=mine.application_id)) == before


def test_someone_elses_card_answers_404_with_a_wrong_body_too(world, criteria=None):
    mine, criteria = world
    api = _token_client(ReviewerFactory())

    for body in (_body(criteria, [3, 4, 2]), {"recommendation": "maybe"}):
        response = api.post(f"/api/v1/scorecards/{mine.scorecard.pk}/submit/", body, format="json")
        assert response.status_code == 404
    assert api.post("/api/v1/scorecards/nope/submit/", {}, format="json").status_code == 404
    mine.scorecard.refresh_from_db()
    assert mine.scorecard.status == Scorecard.Status.DRAFT


# --- The adjusted score a submission keeps ----------------------------------------------


@pytest.fixture
def calibrated():
    """A published rubric scored by three reviewers on twelve applications, calibrated."""
    from calibration.services import calibration_run
    from tests.factories import ApplicationFactory, assign_and_submit

    rubric = published_rubric()
    criteria = list(rubric.criteria.order_by("order", "id"))
    reviewers = ReviewerFactory.create_batch(3)
    applications = []
    for i in range(12):
        application = ApplicationFactory(rubric=rubric)
        for shift, reviewer in enumerate(reviewers):
            level = min(4, 1 + (i + shift) % 3 + (shift == 2))
            assign_and_submit(application, reviewer, criteria, [level, level, level])
        applications.append(application)
    run = calibration_run(rubric_id=rubric.pk)
    return criteria, applications, run


def _matches_a_recomputation(application_id) -> ApplicationScore:
    stored = ApplicationScore.objects.get(pk=application_id)
    assert stored_row(stored) == compute_application_scores([application_id])[application_id]
    return stored


def test_a_submission_to_a_calibrated_application_keeps_its_adjusted_score(calibrated):
    criteria, applications, run = calibrated
    target = applications[4]
    before = _matches_a_recomputation(target.pk)
    assert before.has_adjusted and before.adjusted_run_id == run.pk
    late = ReviewAssignmentFactory(application=target)

    response = _token_client(late.reviewer).post(
        f"/api/v1/scorecards/{late.scorecard.pk}/submit/",
        _body(criteria, [4, 4, 4]),
        format="json",
    )

    assert response.status_code == 200, response.content
    after = _matches_a_recomputation(target.pk)
    assert (after.submitted, after.adjusted_score) == (4, before.adjusted_score)


def test_a_first_submission_again_reads_the_adjusted_score(calibrated, recruiter):
    """Reopened down to no submission, the row holds no adjusted score; the submission that
    scores it again reads the run's."""
    from screening import services

    criteria, applications, run = calibrated
    target = applications[7]
    cards = list(Scorecard.objects.filter(application=target).select_related("assignment"))
    for card in cards:
        services.scorecard_reopen(scorecard=card, actor=recruiter)
    assert not ApplicationScore.objects.get(pk=target.pk).has_adjusted
    card = cards[0]

    response = _token_client(card.assignment.reviewer).post(
        f"/api/v1/scorecards/{card.pk}/submit/", _body(criteria, [2, 3, 1]), format="json"
    )

    assert response.status_code == 200, response.content
    after = _matches_a_recomputation(target.pk)
    assert after.has_adjusted and after.adjusted_run_id == run.pk
