"""The reviewer-assignment endpoint of the screening API, used by the role it is
for; the errors it gives carry a field key and a machine-readable code."""

from datetime import timedelta

import pytest
from django.utils import timezone

from screening.models import ReviewAssignment
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    UserFactory,
    submit_scores,
)
from tests.screening.api.support import ASSIGNMENTS, assign_url

pytestmark = pytest.mark.django_db


# --- Assignments ----------------------------------------------------------------


def test_assign_reviewer_makes_the_assignment_and_a_draft_scorecard(
    recruiter_api, recruiter, rubric
):
    application = ApplicationFactory(
        candidate=CandidateFactory(full_name="Ada Lovelace"), rubric=rubric
    )
    reviewer = ReviewerFactory(username="alan", first_name="Alan", last_name="Turing")

    response = recruiter_api.post(
        assign_url(application), {"reviewer": reviewer.pk, "due_date": "2031-05-01"}
    )

    assert response.status_code == 201
    assignment = ReviewAssignment.objects.get()
    assert {k: v for k, v in response.json().items() if k != "created_at"} == {
        "id": assignment.pk,
        "application": application.pk,
        "candidate_name": "Ada Lovelace",
        "posting_title": rubric.posting.title,
        "reviewer": reviewer.pk,
        "reviewer_name": "Alan Turing",
        "due_date": "2031-05-01",
        "scorecard": assignment.scorecard.pk,
        "status": "draft",
        "overdue": False,
    }
    assert assignment.assigned_by == recruiter


def test_assign_the_same_reviewer_twice_is_a_field_error(recruiter_api, assignment):
    response = recruiter_api.post(
        assign_url(assignment.application), {"reviewer": assignment.reviewer.pk}
    )

    assert response.status_code == 400
    assert response.json() == {
        "reviewer": ["grace is already assigned to this application."],
        "code": "invalid",
    }
    assert ReviewAssignment.objects.count() == 1


@pytest.mark.parametrize("reviewer_id", [999999, 10**20], ids=["missing", "out-of-range"])
def test_assign_an_unknown_user_is_a_field_error(recruiter_api, assignment, reviewer_id):
    response = recruiter_api.post(assign_url(assignment.application), {"reviewer": reviewer_id})

    assert response.status_code == 400
    assert response.json() == {"reviewer": ["No such user."], "code": "invalid"}


def test_assign_a_user_outside_the_reviewer_group_is_a_field_error(recruiter_api, assignment):
    outsider = UserFactory(username="olive")

    response = recruiter_api.post(assign_url(assignment.application), {"reviewer": outsider.pk})

    assert response.status_code == 400
    assert response.json() == {
        "reviewer": ["olive is not in the Reviewer group."],
        "code": "invalid",
    }
    assert not ReviewAssignment.objects.filter(reviewer=outsider).exists()


def test_assign_an_inactive_reviewer_is_a_field_error(recruiter_api, assignment):
    retired = ReviewerFactory(username="ray", is_active=False)

    response = recruiter_api.post(assign_url(assignment.application), {"reviewer": retired.pk})

    assert response.status_code == 400
    assert response.json() == {"reviewer": ["ray is not in the Reviewer group."], "code": "invalid"}


def test_assign_with_a_malformed_due_date_is_a_field_error(recruiter_api, assignment):
    response = recruiter_api.post(
        assign_url(assignment.application),
        {"reviewer": ReviewerFactory().pk, "due_date": "next week"},
    )

    assert response.status_code == 400
    assert response.json() == {
        "due_date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],
        "code": "invalid",
    }


def test_assignment_list_puts_pending_first_by_due_date(reviewer_api, reviewer, rubric):
    today = timezone.localdate()

    def assign(name, due, submitted=False):
        a = ReviewAssignmentFactory(
            application=ApplicationFactory(
                candidate=CandidateFactory(full_name=name), rubric=rubric
            ),
            reviewer=reviewer,
            due_date=today + timedelta(days=due),
        )
        if submitted:
            submit_scores(a, {})

    assign("Submitted early", -10, submitted=True)
    assign("Due later", 5)
    assign("Due sooner", 1)

    response = reviewer_api.get(ASSIGNMENTS)

    assert [(a["candidate_name"], a["status"]) for a in response.json()["results"]] == [
        ("Due sooner", "draft"),
        ("Due later", "draft"),
        ("Submitted early", "submitted"),
    ]


def test_assignment_past_its_due_date_and_not_submitted_is_overdue(reviewer_api, reviewer, rubric):
    yesterday = timezone.localdate() - timedelta(days=1)
    late = ReviewAssignmentFactory(
        application=ApplicationFactory(rubric=rubric), reviewer=reviewer, due_date=yesterday
    )
    done = ReviewAssignmentFactory(
        application=ApplicationFactory(rubric=rubric), reviewer=reviewer, due_date=yesterday
    )
    submit_scores(done, {})

    response = reviewer_api.get(ASSIGNMENTS)

    assert {a["id"]: a["overdue"] for a in response.json()["results"]} == {
        late.pk: True,
        done.pk: False,
    }
