"""The screening REST API, each endpoint used by the role it is for:
candidates, applications, reviewer assignments, scorecards and the posting
ranking; the errors each gives (a field key and a machine-readable code,
never a 500) and the number of queries each list costs."""

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from rubrics.models import JobPosting, Rubric
from screening.models import Application, Candidate, CriterionScore, ReviewAssignment
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    JobPostingFactory,
    RecruiterFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    UserFactory,
    published_rubric,
    rubric_with_criteria,
    service_rubric,
    submit_scores,
)

pytestmark = pytest.mark.django_db
D = Decimal

CANDIDATES = "/api/v1/candidates/"
APPLICATIONS = "/api/v1/applications/"
ASSIGNMENTS = "/api/v1/assignments/"
SCORECARDS = "/api/v1/scorecards/"
RECRUITERS_ONLY = {"detail": "Only recruiters may do this.", "code": "permission_denied"}
SUBMITTED = {
    "detail": "This scorecard has been submitted; a recruiter can reopen it.",
    "code": "scorecard_submitted",
}
RANKING_COLUMNS = [
    "rank",
    "application",
    "candidate",
    "candidate_name",
    "stage",
    "rubric_version",
    "score",
    "adjusted_score",
    "passes_must_haves",
    "failed_must_haves",
    "submitted",
    "pending",
    "strong_no",
    "no",
    "yes",
    "strong_yes",
]


@pytest.fixture
def recruiter():
    return RecruiterFactory(username="rita")


@pytest.fixture
def reviewer():
    return ReviewerFactory(username="grace", first_name="Grace", last_name="Hopper")


@pytest.fixture
def rubric():
    return service_rubric(version=1)


@pytest.fixture
def criteria(rubric):
    names = ["certification", "experience", "software"]
    return SimpleNamespace(**dict(zip(names, rubric.criteria.order_by("order"), strict=True)))


@pytest.fixture
def assignment(rubric, reviewer):
    """Grace's draft scorecard for Ada Lovelace."""
    application = ApplicationFactory(
        candidate=CandidateFactory(full_name="Ada Lovelace", email="ada@example.net"),
        rubric=rubric,
    )
    return ReviewAssignmentFactory(application=application, reviewer=reviewer)


@pytest.fixture
def scorecard(assignment):
    return assignment.scorecard


def scorecard_url(card, action: str = "") -> str:
    return f"{SCORECARDS}{card.pk}/{action + '/' if action else ''}"


def stored_scores(card) -> list[tuple]:
    return list(
        CriterionScore.objects.filter(scorecard=card)
        .order_by("criterion__order")
        .values_list("criterion__title", "value", "note")
    )


# --- Candidates -----------------------------------------------------------------


def test_create_candidate_returns_it_with_its_personal_data(recruiter_api, recruiter):
    response = recruiter_api.post(
        CANDIDATES,
        {
            "full_name": " Katherine Johnson ",
            "email": "katherine@example.net",
            "phone": "+44 113 496 0000",
            "links": ["https://example.net/kj"],
            "notes": "Met at a careers fair.",
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert {k: v for k, v in body.items() if k not in {"id", "created_at"}} == {
        "full_name": "Katherine Johnson",
        "email": "katherine@example.net",
        "phone": "+44 113 496 0000",
        "links": ["https://example.net/kj"],
        "notes": "Met at a careers fair.",
    }
    assert Candidate.objects.get(pk=body["id"]).created_by == recruiter


@pytest.mark.parametrize("email", ["ada@example.net", "ADA@Example.NET"])
def test_create_candidate_with_a_taken_email_is_a_field_error(recruiter_api, email):
    CandidateFactory(email="ada@example.net")

    response = recruiter_api.post(CANDIDATES, {"full_name": "Ada King", "email": email})

    assert response.status_code == 400
    assert response.json() == {
        "email": ["A candidate with this email already exists."],
        "code": "invalid",
    }
    assert Candidate.objects.count() == 1


def test_create_candidate_with_an_invalid_email_is_a_field_error(recruiter_api):
    response = recruiter_api.post(CANDIDATES, {"full_name": "Ada King", "email": "ada@"})

    assert response.status_code == 400
    assert response.json() == {"email": ["Enter a valid email address."], "code": "invalid"}


def test_create_candidate_with_a_link_that_is_not_a_url_is_a_field_error(recruiter_api):
    response = recruiter_api.post(
        CANDIDATES, {"full_name": "Ada King", "email": "ada@example.net", "links": ["my site"]}
    )

    assert response.status_code == 400
    assert response.json() == {"links[0]": ["Enter a valid URL."], "code": "invalid"}


def test_update_candidate_changes_the_given_fields(recruiter_api):
    candidate = CandidateFactory(full_name="Ada Lovelace", phone="+44 20 7946 0000")

    response = recruiter_api.patch(f"{CANDIDATES}{candidate.pk}/", {"phone": "+44 113 496 0001"})

    assert response.status_code == 200
    assert (response.json()["full_name"], response.json()["phone"]) == (
        "Ada Lovelace",
        "+44 113 496 0001",
    )
    candidate.refresh_from_db()
    assert candidate.phone == "+44 113 496 0001"


def test_update_candidate_to_another_candidates_email_is_a_field_error(recruiter_api):
    CandidateFactory(email="charles@example.net")
    candidate = CandidateFactory(email="ada@example.net")

    response = recruiter_api.patch(f"{CANDIDATES}{candidate.pk}/", {"email": "Charles@Example.net"})

    assert response.status_code == 400
    assert response.json() == {
        "email": ["A candidate with this email already exists."],
        "code": "invalid",
    }
    candidate.refresh_from_db()
    assert candidate.email == "ada@example.net"


def test_update_candidate_keeping_its_own_email_in_another_case_is_accepted(recruiter_api):
    candidate = CandidateFactory(email="ada@example.net")

    response = recruiter_api.patch(f"{CANDIDATES}{candidate.pk}/", {"email": "Ada@example.net"})

    assert response.status_code == 200
    candidate.refresh_from_db()
    assert candidate.email == "Ada@example.net"


def test_delete_candidate_with_an_application_is_a_conflict(recruiter_api, assignment):
    candidate = assignment.application.candidate

    response = recruiter_api.delete(f"{CANDIDATES}{candidate.pk}/")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Other records depend on this one, so it cannot be deleted.",
        "code": "protected",
    }
    assert Candidate.objects.filter(pk=candidate.pk).exists()


def test_candidate_list_searches_names_for_a_recruiter(recruiter_api):
    CandidateFactory(full_name="Ada Lovelace")
    CandidateFactory(full_name="Charles Babbage")

    response = recruiter_api.get(CANDIDATES, {"search": "lovelace"})

    assert [c["full_name"] for c in response.json()["results"]] == ["Ada Lovelace"]


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


# --- Assignments ----------------------------------------------------------------


def assign_url(application) -> str:
    return f"{APPLICATIONS}{application.pk}/assignments/"


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


# --- Ranking ------------------------------------------------------------------------


@pytest.fixture
def ranking(rubric, criteria, recruiter_api):
    """Three applications of one posting, by hand:

    - Ada (screening): Grace 4/3/–, Strong yes; Katherine 3/2/2, Yes. Consensus
      3.5, 2.5, 1.5 → 37.5·2.5/3 + 37.5·1.5/3 + 25·0.5/3 = 54.17; passes.
    - Charles (interview): Grace 1/4/4, No. Consensus 1, 4, 4 → 0 + 37.5 + 25
      = 62.5; fails Certification (1 is below its knockout level 2).
    - Dorothy (screening): one draft scorecard → no score yet.
    """
    c = criteria

    def application(name, stage="screening"):
        return ApplicationFactory(
            candidate=CandidateFactory(full_name=name), rubric=rubric, stage=stage
        )

    grace, katherine = ReviewerFactory(), ReviewerFactory()
    ada = application("Ada Lovelace")
    charles = application("Charles Babbage", "interview")
    dorothy = application("Dorothy Vaughan")
    submit_scores(
        ReviewAssignmentFactory(application=ada, reviewer=grace),
        {c.certification: 4, c.experience: 3, c.software: None},
        recommendation=4,
    )
    submit_scores(
        ReviewAssignmentFactory(application=ada, reviewer=katherine),
        {c.certification: 3, c.experience: 2, c.software: 2},
        recommendation=3,
    )
    submit_scores(
        ReviewAssignmentFactory(application=charles, reviewer=grace),
        {c.certification: 1, c.experience: 4, c.software: 4},
        recommendation=2,
    )
    ReviewAssignmentFactory(application=dorothy, reviewer=katherine)
    return SimpleNamespace(
        url=f"/api/v1/postings/{rubric.posting_id}/ranking/",
        ada=ada,
        charles=charles,
        dorothy=dorothy,
    )


def ranked(response) -> list[tuple]:
    return [(r["rank"], r["candidate_name"], r["score"]) for r in response.json()]


def test_ranking_rows_hold_score_must_haves_and_tally(recruiter_api, ranking):
    response = recruiter_api.get(ranking.url)

    assert response.status_code == 200
    assert response.json() == [
        {
            "rank": 1,
            "application": ranking.charles.pk,
            "candidate": ranking.charles.candidate_id,
            "candidate_name": "Charles Babbage",
            "stage": "interview",
            "rubric_version": 1,
            "score": 62.5,
            "adjusted_score": None,  # no calibration run yet
            "passes_must_haves": False,
            "failed_must_haves": ["Certification"],
            "submitted": 1,
            "pending": 0,
            "strong_no": 0,
            "no": 1,
            "yes": 0,
            "strong_yes": 0,
        },
        {
            "rank": 2,
            "application": ranking.ada.pk,
            "candidate": ranking.ada.candidate_id,
            "candidate_name": "Ada Lovelace",
            "stage": "screening",
            "rubric_version": 1,
            "score": 54.17,
            "adjusted_score": None,
            "passes_must_haves": True,
            "failed_must_haves": [],
            "submitted": 2,
            "pending": 0,
            "strong_no": 0,
            "no": 0,
            "yes": 1,
            "strong_yes": 1,
        },
        {
            "rank": 3,
            "application": ranking.dorothy.pk,
            "candidate": ranking.dorothy.candidate_id,
            "candidate_name": "Dorothy Vaughan",
            "stage": "screening",
            "rubric_version": 1,
            "score": None,
            "adjusted_score": None,
            "passes_must_haves": None,
            "failed_must_haves": [],
            "submitted": 0,
            "pending": 1,
            "strong_no": 0,
            "no": 0,
            "yes": 0,
            "strong_yes": 0,
        },
    ]


def test_ranking_score_matches_the_application_summary(recruiter_api, ranking):
    summary = recruiter_api.get(f"{APPLICATIONS}{ranking.ada.pk}/summary/").json()

    assert summary["score"] == pytest.approx(54.1666667)
    assert [(c["title"], c["value"]) for c in summary["consensus"]] == [
        ("Certification", 3.5),
        ("Experience", 2.5),
        ("Service software", 1.5),
    ]


def test_ranking_filters_by_stage(recruiter_api, ranking):
    response = recruiter_api.get(ranking.url, {"stage": "screening"})

    assert ranked(response) == [(1, "Ada Lovelace", 54.17), (2, "Dorothy Vaughan", None)]


@pytest.mark.parametrize(
    ("must_haves", "expected"),
    [
        ("pass", [(1, "Ada Lovelace", 54.17)]),
        ("fail", [(1, "Charles Babbage", 62.5)]),
        ("unscored", [(1, "Dorothy Vaughan", None)]),
    ],
)
def test_ranking_filters_by_must_have_result(recruiter_api, ranking, must_haves, expected):
    response = recruiter_api.get(ranking.url, {"must_haves": must_haves})

    assert ranked(response) == expected


def test_ranking_orders_by_name(recruiter_api, ranking):
    response = recruiter_api.get(ranking.url, {"order": "name"})

    assert ranked(response) == [
        (1, "Ada Lovelace", 54.17),
        (2, "Charles Babbage", 62.5),
        (3, "Dorothy Vaughan", None),
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"stage": "archived"}, {"stage": ["“archived” is not a stage."], "code": "invalid"}),
        (
            {"must_haves": "maybe"},
            {"must_haves": ["Choose pass, fail or unscored."], "code": "invalid"},
        ),
    ],
)
def test_ranking_with_a_bad_filter_is_a_field_error(recruiter_api, ranking, params, expected):
    response = recruiter_api.get(ranking.url, params)

    assert response.status_code == 400
    assert response.json() == expected


def test_ranking_of_an_unknown_posting_is_not_found(recruiter_api):
    response = recruiter_api.get("/api/v1/postings/999999/ranking/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_ranking_csv_is_an_attachment(recruiter_api, ranking, rubric):
    response = recruiter_api.get(ranking.url, {"format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="ranking-posting-{rubric.posting_id}.csv"'
    )


def test_ranking_csv_has_a_header_and_one_row_per_application(recruiter_api, ranking):
    response = recruiter_api.get(ranking.url, {"format": "csv"})

    lines = response.content.decode().splitlines()
    assert lines == [
        ",".join(RANKING_COLUMNS),
        f"1,{ranking.charles.pk},{ranking.charles.candidate_id},Charles Babbage,interview,1,"
        "62.5,,False,Certification,1,0,0,1,0,0",
        f"2,{ranking.ada.pk},{ranking.ada.candidate_id},Ada Lovelace,screening,1,"
        "54.17,,True,,2,0,0,0,1,1",
        f"3,{ranking.dorothy.pk},{ranking.dorothy.candidate_id},Dorothy Vaughan,screening,1,"
        ",,,,0,1,0,0,0,0",
    ]


def test_ranking_csv_defuses_a_name_that_looks_like_a_formula(recruiter_api, rubric):
    ApplicationFactory(candidate=CandidateFactory(full_name="=HYPERLINK(1)"), rubric=rubric)

    response = recruiter_api.get(
        f"/api/v1/postings/{rubric.posting_id}/ranking/", {"format": "csv"}
    )

    assert response.content.decode().splitlines()[1].split(",")[3] == "'=HYPERLINK(1)"


def test_ranking_csv_of_a_posting_without_applications_still_has_the_header(recruiter_api, rubric):
    response = recruiter_api.get(
        f"/api/v1/postings/{rubric.posting_id}/ranking/", {"format": "csv"}
    )

    assert response.content.decode().splitlines() == [",".join(RANKING_COLUMNS)]


# --- Query counts ------------------------------------------------------------------
# Each list costs the same number of queries for 3 rows as for 30: the
# selectors prefetch, nothing is fetched per row.


def _scored_assignments(n: int, reviewer, rubric) -> None:
    c = list(rubric.criteria.order_by("order"))
    for i in range(n):
        a = ReviewAssignmentFactory(
            application=ApplicationFactory(rubric=rubric), reviewer=reviewer
        )
        if i % 2:
            submit_scores(a, {c[0]: 3, c[1]: 2, c[2]: None})
        ReviewAssignmentFactory(application=a.application)  # someone else's: not listed


@pytest.mark.parametrize("rows", [3, 30])
def test_candidate_list_query_count_does_not_grow_with_rows(
    reviewer_api, reviewer, rubric, django_assert_max_num_queries, rows
):
    _scored_assignments(rows, reviewer, rubric)

    # session, user, recruiter check, count, page
    with django_assert_max_num_queries(5):
        response = reviewer_api.get(CANDIDATES, {"page_size": 30})

    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_candidate_list_query_count_for_a_recruiter(
    recruiter_api, rubric, django_assert_max_num_queries, rows
):
    CandidateFactory.create_batch(rows)

    with django_assert_max_num_queries(5):
        response = recruiter_api.get(CANDIDATES, {"page_size": 30})

    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_application_list_query_count_does_not_grow_with_rows(
    recruiter_api, reviewer, rubric, django_assert_max_num_queries, rows
):
    _scored_assignments(rows, reviewer, rubric)

    with django_assert_max_num_queries(5):
        response = recruiter_api.get(APPLICATIONS, {"page_size": 30})

    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_assignment_list_query_count_does_not_grow_with_rows(
    reviewer_api, reviewer, rubric, django_assert_max_num_queries, rows
):
    _scored_assignments(rows, reviewer, rubric)

    with django_assert_max_num_queries(5):
        response = reviewer_api.get(ASSIGNMENTS, {"page_size": 30})

    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_scorecard_list_query_count_does_not_grow_with_rows(
    reviewer_api, reviewer, rubric, django_assert_max_num_queries, rows
):
    _scored_assignments(rows, reviewer, rubric)

    # session, user, recruiter check, count, page, scores
    with django_assert_max_num_queries(6):
        response = reviewer_api.get(SCORECARDS, {"page_size": 30})

    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_ranking_query_count_does_not_grow_with_rows(
    recruiter_api, reviewer, rubric, django_assert_max_num_queries, rows
):
    _scored_assignments(rows, reviewer, rubric)

    # session, user, recruiter check, posting, applications, criteria,
    # score totals, recommendation tallies, latest calibration runs
    with django_assert_max_num_queries(9):
        response = recruiter_api.get(f"/api/v1/postings/{rubric.posting_id}/ranking/")

    assert len(response.json()) == rows
