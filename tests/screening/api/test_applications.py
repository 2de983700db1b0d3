"""The applications endpoint of the screening API (`/api/v1/applications/`), used
by the role it is for; the errors it gives carry a field key and a machine-readable code."""

import pytest

from rubrics.models import JobPosting, Rubric
from screening.models import Application
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    JobPostingFactory,
    ReviewAssignmentFactory,
    rubric_with_criteria,
    submit_scores,
)
from tests.screening.api.support import APPLICATIONS

pytestmark = pytest.mark.django_db


# --- Applications -----------------------------------------------------------------


def test_open_application_pins_the_published_rubric(recruiter_api, recruiter):
    posting = JobPostingFactory()
    published = rubric_with_criteria(posting=posting, version=1, state=Rubric.State.PUBLISHED)
    rubric_with_criteria(posting=posting, version=2)  # a draft: not pinned
    candidate = CandidateFactory(full_name="Ada Lovelace")

    response = recruiter_api.post(APPLICATIONS, {"candidate": candidate.pk, "posting": posting.pk})

    assert response.status_code == 201
    body = response.json()
    assert {k: v for k, v in body.items() if k not in {"id", "created_at"}} == {
        "candidate": candidate.pk,
        "candidate_name": "Ada Lovelace",
        "posting": posting.pk,
        "posting_title": posting.title,
        "rubric": published.pk,
        "rubric_version": 1,
        "stage": "screening",
        "submitted_count": 0,
        "pending_count": 0,
    }
    assert Application.objects.get(pk=body["id"]).created_by == recruiter


def test_open_application_at_a_given_stage(recruiter_api, rubric):
    response = recruiter_api.post(
        APPLICATIONS,
        {"candidate": CandidateFactory().pk, "posting": rubric.posting.pk, "stage": "applied"},
    )

    assert response.status_code == 201
    assert Application.objects.get().stage == "applied"


def test_open_application_for_a_posting_without_a_published_rubric_is_a_field_error(
    recruiter_api,
):
    posting = rubric_with_criteria().posting  # a draft only

    response = recruiter_api.post(
        APPLICATIONS, {"candidate": CandidateFactory().pk, "posting": posting.pk}
    )

    assert response.status_code == 400
    assert response.json() == {
        "posting": [
            "This posting has no published rubric yet; publish one before adding candidates."
        ],
        "code": "invalid",
    }
    assert not Application.objects.exists()


def test_open_application_for_a_closed_posting_is_a_field_error(recruiter_api, rubric):
    JobPosting.objects.filter(pk=rubric.posting_id).update(status=JobPosting.Status.CLOSED)

    response = recruiter_api.post(
        APPLICATIONS, {"candidate": CandidateFactory().pk, "posting": rubric.posting.pk}
    )

    assert response.status_code == 400
    assert response.json() == {"posting": ["This posting is closed."], "code": "invalid"}


def test_open_a_second_application_for_the_same_posting_is_a_field_error(recruiter_api, assignment):
    application = assignment.application

    response = recruiter_api.post(
        APPLICATIONS, {"candidate": application.candidate_id, "posting": application.posting_id}
    )

    assert response.status_code == 400
    assert response.json() == {
        "candidate": ["This candidate already has an application for this posting."],
        "code": "invalid",
    }


def test_patch_application_moves_it_to_another_stage(recruiter_api, assignment):
    application = assignment.application

    response = recruiter_api.patch(f"{APPLICATIONS}{application.pk}/", {"stage": "interview"})

    assert response.status_code == 200
    assert (response.json()["stage"], response.json()["pending_count"]) == ("interview", 1)
    application.refresh_from_db()
    assert application.stage == "interview"


def test_patch_application_to_an_unknown_stage_is_a_field_error(recruiter_api, assignment):
    response = recruiter_api.patch(
        f"{APPLICATIONS}{assignment.application.pk}/", {"stage": "archived"}
    )

    assert response.status_code == 400
    assert response.json() == {"stage": ['"archived" is not a valid choice.'], "code": "invalid"}


def test_put_application_is_not_allowed(recruiter_api, assignment):
    response = recruiter_api.put(
        f"{APPLICATIONS}{assignment.application.pk}/", {"stage": "interview"}
    )

    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "PUT" not allowed.', "code": "method_not_allowed"}


def test_application_list_filters_by_stage(recruiter_api, rubric):
    ApplicationFactory(candidate=CandidateFactory(full_name="Ada Lovelace"), rubric=rubric)
    ApplicationFactory(
        candidate=CandidateFactory(full_name="Charles Babbage"), rubric=rubric, stage="offer"
    )

    response = recruiter_api.get(APPLICATIONS, {"stage": "offer"})

    assert [a["candidate_name"] for a in response.json()["results"]] == ["Charles Babbage"]


def test_application_counts_submitted_and_pending_scorecards(recruiter_api, assignment):
    other = ReviewAssignmentFactory(application=assignment.application)
    submit_scores(other, {})

    response = recruiter_api.get(f"{APPLICATIONS}{assignment.application.pk}/")

    assert (response.json()["submitted_count"], response.json()["pending_count"]) == (1, 1)


def test_application_counts_seen_by_a_reviewer_count_each_scorecard_once(reviewer_api, assignment):
    for _ in range(2):
        submit_scores(ReviewAssignmentFactory(application=assignment.application), {})

    response = reviewer_api.get(APPLICATIONS)

    [row] = response.json()["results"]
    assert (row["submitted_count"], row["pending_count"]) == (2, 1)
