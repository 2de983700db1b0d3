"""Who may reach which screening endpoint and admin page, and what they see.

Four roles: an anonymous visitor, the reviewer assigned to the application,
another reviewer (not assigned: other people's work answers 404, never a 403
that would reveal it exists, and lists come back empty) and a recruiter.
Reviewers never see a candidate's email or phone, and do not see other
reviewers' scores for an application until they have submitted their own."""

from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains
from rest_framework.test import APIClient

from rubrics.models import Criterion, Rubric
from screening.models import Application, Candidate, CriterionScore, ReviewAssignment, Scorecard
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    CriterionFactory,
    RecruiterFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    RubricFactory,
    submit_scores,
)

pytestmark = pytest.mark.django_db
D = Decimal

API = "/api/v1"
EMAIL = "ada.lovelace@example.net"
PHONE = "+44 20 7946 0101"
NOT_AUTHENTICATED = {
    "detail": "Authentication credentials were not provided.",
    "code": "not_authenticated",
}
RECRUITERS_ONLY = {"detail": "Only recruiters may do this.", "code": "permission_denied"}
NOT_FOUND = {"detail": "Not found.", "code": "not_found"}
ROLES = ["anonymous", "assigned", "other", "recruiter"]


# --- The world --------------------------------------------------------------


def service_rubric() -> Rubric:
    """A published 1–4 rubric: two must-haves (37.5 each, knockout below 2)
    and one bonus (25)."""
    rubric = RubricFactory()
    for order, (kind, title, weight) in enumerate(
        [
            (Criterion.Kind.MUST_HAVE, "Certification", D("37.50")),
            (Criterion.Kind.MUST_HAVE, "Experience", D("37.50")),
            (Criterion.Kind.BONUS, "Service software", D("25.00")),
        ],
        start=1,
    ):
        CriterionFactory(rubric=rubric, kind=kind, title=title, weight=weight, order=order)
    Rubric.objects.filter(pk=rubric.pk).update(state=Rubric.State.PUBLISHED)
    rubric.refresh_from_db()
    return rubric


@pytest.fixture
def world():
    """Ada's application, assigned to Grace (draft scorecard); Charles's, whose
    scorecard Grace has submitted; Alan, a reviewer assigned to nothing; Mary,
    a candidate with no application yet."""
    rubric = service_rubric()
    certification, experience, software = rubric.criteria.order_by("order")
    assigned = ReviewerFactory(username="grace", first_name="Grace", last_name="Hopper")
    ada = CandidateFactory(full_name="Ada Lovelace", email=EMAIL, phone=PHONE)
    application = ApplicationFactory(candidate=ada, rubric=rubric)
    assignment = ReviewAssignmentFactory(application=application, reviewer=assigned)
    done = ReviewAssignmentFactory(
        application=ApplicationFactory(
            candidate=CandidateFactory(full_name="Charles Babbage"), rubric=rubric
        ),
        reviewer=assigned,
    )
    submit_scores(done, {certification: 3, experience: 3, software: None})
    return SimpleNamespace(
        rubric=rubric,
        posting=rubric.posting,
        criteria=(certification, experience, software),
        assigned=assigned,
        other=ReviewerFactory(username="alan", first_name="Alan", last_name="Turing"),
        recruiter=RecruiterFactory(username="rita"),
        candidate=ada,
        spare=CandidateFactory(full_name="Mary Jackson"),
        application=application,
        assignment=assignment,
        scorecard=assignment.scorecard,
        done=done,
        submitted=done.scorecard,
    )


def client_for(role: str, world, client_class=APIClient):
    client = client_class()
    if role != "anonymous":
        client.force_login(getattr(world, role))
    return client


def admin_client_for(role: str, world) -> Client:
    # Django's client: it posts forms, where DRF's posts JSON by default.
    return client_for(role, world, client_class=Client)


def fill(template: str, world) -> str:
    return template.format(
        candidate=world.candidate.pk,
        spare=world.spare.pk,
        application=world.application.pk,
        assignment=world.assignment.pk,
        scorecard=world.scorecard.pk,
        submitted=world.submitted.pk,
        posting=world.posting.pk,
    )


def snapshot() -> tuple:
    """Every screening row, to show that a refused write changed nothing."""
    return tuple(
        list(model.objects.order_by("pk").values())
        for model in (Candidate, Application, ReviewAssignment, Scorecard, CriterionScore)
    )


def complete_scores(world) -> dict:
    certification, experience, software = world.criteria
    return {
        "scores": [
            {"criterion": certification.pk, "value": 3},
            {"criterion": experience.pk, "value": 4},
            {"criterion": software.pk, "value": None},
        ],
        "recommendation": 3,
    }


# --- API: the matrix ----------------------------------------------------------

# (method, url, payload, {role: status}); payloads are built from the world.
ANON, MINE, OTHER, REC = ROLES
API_CASES = [
    pytest.param(
        "get",
        "/candidates/",
        None,
        {ANON: 403, MINE: 200, OTHER: 200, REC: 200},
        id="candidate-list",
    ),
    pytest.param(
        "post",
        "/candidates/",
        lambda w: {"full_name": "Katherine Johnson", "email": "kj@example.net"},
        {ANON: 403, MINE: 403, OTHER: 403, REC: 201},
        id="candidate-create",
    ),
    pytest.param(
        "get",
        "/candidates/{candidate}/",
        None,
        {ANON: 403, MINE: 200, OTHER: 404, REC: 200},
        id="candidate-detail",
    ),
    pytest.param(
        "patch",
        "/candidates/{candidate}/",
        lambda w: {"phone": "+44 113 496 0000"},
        {ANON: 403, MINE: 403, OTHER: 403, REC: 200},
        id="candidate-patch",
    ),
    pytest.param(
        "put",
        "/candidates/{candidate}/",
        lambda w: {"full_name": "Ada King", "email": EMAIL},
        {ANON: 403, MINE: 403, OTHER: 403, REC: 200},
        id="candidate-put",
    ),
    pytest.param(
        "delete",
        "/candidates/{spare}/",
        None,
        # Candidates are erased (POST …/erase/), never deleted.
        {ANON: 403, MINE: 403, OTHER: 403, REC: 409},
        id="candidate-delete",
    ),
    pytest.param(
        "get",
        "/applications/",
        None,
        {ANON: 403, MINE: 200, OTHER: 200, REC: 200},
        id="application-list",
    ),
    pytest.param(
        "post",
        "/applications/",
        lambda w: {"candidate": w.spare.pk, "posting": w.posting.pk},
        {ANON: 403, MINE: 403, OTHER: 403, REC: 201},
        id="application-open",
    ),
    pytest.param(
        "get",
        "/applications/{application}/",
        None,
        {ANON: 403, MINE: 200, OTHER: 404, REC: 200},
        id="application-detail",
    ),
    pytest.param(
        "patch",
        "/applications/{application}/",
        lambda w: {"stage": "interview"},
        {ANON: 403, MINE: 403, OTHER: 403, REC: 200},
        id="application-stage",
    ),
    pytest.param(
        "get",
        "/applications/{application}/summary/",
        None,
        {ANON: 403, MINE: 200, OTHER: 404, REC: 200},
        id="application-summary",
    ),
    pytest.param(
        "get",
        "/applications/{application}/assignments/",
        None,
        {ANON: 403, MINE: 200, OTHER: 404, REC: 200},
        id="application-assignments",
    ),
    pytest.param(
        "post",
        "/applications/{application}/assignments/",
        lambda w: {"reviewer": w.other.pk},
        {ANON: 403, MINE: 403, OTHER: 403, REC: 201},
        id="application-assign",
    ),
    pytest.param(
        "get",
        "/assignments/",
        None,
        {ANON: 403, MINE: 200, OTHER: 200, REC: 200},
        id="assignment-list",
    ),
    pytest.param(
        "get",
        "/assignments/{assignment}/",
        None,
        {ANON: 403, MINE: 200, OTHER: 404, REC: 200},
        id="assignment-detail",
    ),
    pytest.param(
        "get",
        "/scorecards/",
        None,
        {ANON: 403, MINE: 200, OTHER: 200, REC: 200},
        id="scorecard-list",
    ),
    pytest.param(
        "get",
        "/scorecards/{scorecard}/",
        None,
        {ANON: 403, MINE: 200, OTHER: 404, REC: 200},
        id="scorecard-detail",
    ),
    pytest.param(
        "patch",
        "/scorecards/{scorecard}/",
        lambda w: {"summary": "Clear evidence of field repairs."},
        # A recruiter reads every scorecard but writes none: not theirs, 404.
        {ANON: 403, MINE: 200, OTHER: 404, REC: 404},
        id="scorecard-save",
    ),
    pytest.param(
        "post",
        "/scorecards/{scorecard}/submit/",
        complete_scores,
        {ANON: 403, MINE: 200, OTHER: 404, REC: 404},
        id="scorecard-submit",
    ),
    pytest.param(
        "post",
        "/scorecards/{submitted}/reopen/",
        None,
        {ANON: 403, MINE: 403, OTHER: 403, REC: 200},
        id="scorecard-reopen",
    ),
    pytest.param(
        "get",
        "/postings/{posting}/ranking/",
        None,
        {ANON: 403, MINE: 403, OTHER: 403, REC: 200},
        id="ranking",
    ),
    pytest.param(
        "get",
        "/postings/{posting}/ranking/?format=csv",
        None,
        {ANON: 403, MINE: 403, OTHER: 403, REC: 200},
        id="ranking-csv",
    ),
]
WRITE_METHODS = {"post", "put", "patch", "delete"}


def call(client, method: str, url: str, payload):
    if payload is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, payload, format="json")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url", "payload", "expected"), API_CASES)
def test_api_answers_each_role(world, role, method, url, payload, expected):
    before = snapshot()

    response = call(
        client_for(role, world),
        method,
        API + fill(url, world),
        payload(world) if payload else None,
    )

    assert response.status_code == expected[role]
    if response.status_code >= 400 and method in WRITE_METHODS:
        assert snapshot() == before


@pytest.mark.parametrize(("method", "url", "payload", "expected"), API_CASES)
def test_api_refuses_anonymous_visitors_as_unauthenticated(world, method, url, payload, expected):
    # Session authentication comes first and sends no WWW-Authenticate
    # challenge, so DRF answers 403 (not 401), with the not_authenticated code.
    response = call(
        client_for("anonymous", world),
        method,
        API + fill(url.replace("?format=csv", ""), world),
        payload(world) if payload else None,
    )

    assert response.status_code == 403
    assert response.json() == NOT_AUTHENTICATED


@pytest.mark.parametrize("role", ["assigned", "other"])
@pytest.mark.parametrize(
    ("method", "url", "payload", "expected"),
    [
        case
        for case in API_CASES
        if case.id
        in {
            "candidate-create",
            "candidate-patch",
            "candidate-put",
            "candidate-delete",
            "application-open",
            "application-stage",
            "application-assign",
            "scorecard-reopen",
            "ranking",
        }
    ],
)
def test_api_refuses_reviewers_recruiter_work(world, role, method, url, payload, expected):
    response = call(
        client_for(role, world),
        method,
        API + fill(url, world),
        payload(world) if payload else None,
    )

    assert response.status_code == 403
    assert response.json() == RECRUITERS_ONLY


@pytest.mark.parametrize(
    ("method", "url", "payload", "expected"),
    [case for case in API_CASES if case.values[3]["other"] == 404],
)
def test_api_answers_not_found_to_a_reviewer_not_assigned(world, method, url, payload, expected):
    response = call(
        client_for("other", world),
        method,
        API + fill(url, world),
        payload(world) if payload else None,
    )

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


@pytest.mark.parametrize(
    "url",
    [
        "/candidates/999999/",
        "/applications/999999/",
        "/applications/999999/summary/",
        "/applications/999999/assignments/",
        "/assignments/999999/",
        "/scorecards/999999/",
    ],
)
def test_api_not_found_for_a_missing_object_is_the_same_as_for_someone_elses(world, url):
    response = client_for("other", world).get(API + url)

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_reviewer_reopen_is_refused_alike_for_a_missing_scorecard(world):
    # The refusal comes before any lookup, so it says nothing of existence.
    response = client_for("other", world).post(f"{API}/scorecards/999999/reopen/")

    assert response.status_code == 403
    assert response.json() == RECRUITERS_ONLY


@pytest.mark.parametrize("url", ["/candidates/", "/applications/", "/assignments/", "/scorecards/"])
def test_api_lists_are_empty_for_a_reviewer_not_assigned(world, url):
    response = client_for("other", world).get(API + url)

    assert response.json() == {"count": 0, "next": None, "previous": None, "results": []}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("/candidates/", ["Ada Lovelace", "Charles Babbage"], id="candidates"),
        pytest.param("/applications/", ["Charles Babbage", "Ada Lovelace"], id="applications"),
        pytest.param("/assignments/", ["Ada Lovelace", "Charles Babbage"], id="assignments"),
    ],
)
def test_api_lists_hold_only_the_assigned_reviewers_work(world, url, expected):
    ApplicationFactory(candidate=CandidateFactory(full_name="Dorothy Vaughan"), rubric=world.rubric)

    response = client_for("assigned", world).get(API + url)

    names = [r.get("full_name") or r.get("candidate_name") for r in response.json()["results"]]
    assert names == expected


def test_api_scorecard_list_holds_only_the_assigned_reviewers_scorecards(world):
    ReviewAssignmentFactory(application=world.application, reviewer=ReviewerFactory())

    response = client_for("assigned", world).get(f"{API}/scorecards/")

    assert sorted(r["id"] for r in response.json()["results"]) == sorted(
        [world.scorecard.pk, world.submitted.pk]
    )


def test_api_assignments_of_an_application_show_a_reviewer_only_their_own(world):
    ReviewAssignmentFactory(application=world.application, reviewer=ReviewerFactory())

    response = client_for("assigned", world).get(
        f"{API}/applications/{world.application.pk}/assignments/"
    )

    assert [r["id"] for r in response.json()] == [world.assignment.pk]


def test_api_assignments_of_an_application_show_a_recruiter_every_reviewer(world):
    other = ReviewAssignmentFactory(application=world.application, reviewer=ReviewerFactory())

    response = client_for("recruiter", world).get(
        f"{API}/applications/{world.application.pk}/assignments/"
    )

    assert sorted(r["id"] for r in response.json()) == sorted([world.assignment.pk, other.pk])


# --- API: personal data -------------------------------------------------------


def _keys(data) -> set[str]:
    if isinstance(data, dict):
        return set(data) | {k for v in data.values() for k in _keys(v)}
    if isinstance(data, list):
        return {k for v in data for k in _keys(v)}
    return set()


REVIEWER_READS = [
    "/candidates/",
    "/candidates/{candidate}/",
    "/applications/",
    "/applications/{application}/",
    "/applications/{application}/summary/",
    "/applications/{application}/assignments/",
    "/assignments/",
    "/assignments/{assignment}/",
    "/scorecards/",
    "/scorecards/{scorecard}/",
]


@pytest.mark.parametrize("url", REVIEWER_READS)
def test_api_never_shows_a_reviewer_the_candidates_email_or_phone(world, url):
    response = client_for("assigned", world).get(API + fill(url, world))

    assert response.status_code == 200
    assert not _keys(response.json()) & {"email", "phone", "notes"}
    assert EMAIL not in response.content.decode()
    assert PHONE not in response.content.decode()


def test_api_candidate_for_a_reviewer_is_the_name_and_links(world):
    response = client_for("assigned", world).get(f"{API}/candidates/{world.candidate.pk}/")

    assert response.json() == {
        "id": world.candidate.pk,
        "full_name": "Ada Lovelace",
        "links": ["https://portfolio.example.net/me"],
    }


@pytest.mark.parametrize(
    ("method", "url", "payload"),
    [
        ("patch", "/scorecards/{scorecard}/", lambda w: {"summary": "Solid."}),
        ("post", "/scorecards/{scorecard}/submit/", complete_scores),
    ],
)
def test_api_scorecard_writes_never_show_a_reviewer_the_email(world, method, url, payload):
    response = call(client_for("assigned", world), method, API + fill(url, world), payload(world))

    assert response.status_code == 200
    assert not _keys(response.json()) & {"email", "phone"}
    assert EMAIL not in response.content.decode()


def test_browsable_api_never_shows_a_reviewer_the_email(world):
    response = client_for("assigned", world).get(
        f"{API}/candidates/{world.candidate.pk}/?format=api"
    )

    assert response.status_code == 200
    assertNotContains(response, EMAIL)
    assertNotContains(response, PHONE)


def test_api_search_by_email_finds_nothing_for_a_reviewer(world):
    response = client_for("assigned", world).get(f"{API}/candidates/", {"search": EMAIL})

    assert response.json()["results"] == []


def test_api_search_by_email_works_for_a_recruiter(world):
    response = client_for("recruiter", world).get(f"{API}/candidates/", {"search": EMAIL})

    assert [r["email"] for r in response.json()["results"]] == [EMAIL]


# --- API: no anchoring ------------------------------------------------------------


@pytest.fixture
def panel(world):
    """Ada's application with a second reviewer, Katherine, who has submitted:
    Certification 2, Experience 4, Service software 3, Strong yes."""
    certification, experience, software = world.criteria
    katherine = ReviewerFactory(username="katherine", first_name="Katherine", last_name="Johnson")
    theirs = ReviewAssignmentFactory(application=world.application, reviewer=katherine)
    card = submit_scores(theirs, {certification: 2, experience: 4, software: 3}, recommendation=4)
    Scorecard.objects.filter(pk=card.pk).update(summary="Knows ServiceMax inside out.")
    return SimpleNamespace(katherine=katherine, card=card)


def summary_of(world, role="assigned") -> dict:
    response = client_for(role, world).get(f"{API}/applications/{world.application.pk}/summary/")
    assert response.status_code == 200
    return response.json()


def test_before_submitting_a_reviewer_sees_only_their_own_scorecard(world, panel):
    body = summary_of(world)

    assert [card["reviewer"] for card in body["scorecards"]] == [world.assigned.pk]


def test_before_submitting_a_reviewer_sees_no_consensus_score_or_tally(world, panel):
    body = summary_of(world)

    assert {k: v for k, v in body.items() if k != "scorecards"} == {
        "application": world.application.pk,
        "can_see_all": False,
        # How many have submitted, not what they said.
        "submitted_count": 1,
        "pending_count": 1,
        "score": None,
        "passes_must_haves": None,
        "failed_must_haves": [],
        "consensus": [],
        "tally": {},
    }


def test_before_submitting_a_reviewer_sees_nothing_of_the_other_reviewer(world, panel):
    response = client_for("assigned", world).get(
        f"{API}/applications/{world.application.pk}/summary/"
    )

    assertNotContains(response, "Katherine")
    assertNotContains(response, "Knows ServiceMax inside out.")


def test_after_submitting_a_reviewer_sees_every_submitted_scorecard(world, panel):
    client = client_for("assigned", world)
    assert (
        client.post(
            f"{API}/scorecards/{world.scorecard.pk}/submit/", complete_scores(world), format="json"
        ).status_code
        == 200
    )

    body = summary_of(world)

    certification, experience, software = world.criteria
    assert body["can_see_all"] is True
    assert {card["reviewer_name"]: card["scores"] for card in body["scorecards"]} == {
        "Grace Hopper": [
            {"criterion": certification.pk, "value": 3, "answer": None, "note": ""},
            {"criterion": experience.pk, "value": 4, "answer": None, "note": ""},
            {"criterion": software.pk, "value": None, "answer": None, "note": ""},
        ],
        "Katherine Johnson": [
            {"criterion": certification.pk, "value": 2, "answer": None, "note": ""},
            {"criterion": experience.pk, "value": 4, "answer": None, "note": ""},
            {"criterion": software.pk, "value": 3, "answer": None, "note": ""},
        ],
    }


def test_after_submitting_a_reviewer_sees_the_consensus_score_and_tally(world, panel):
    client_for("assigned", world).post(
        f"{API}/scorecards/{world.scorecard.pk}/submit/", complete_scores(world), format="json"
    )

    body = summary_of(world)

    # Consensus: Certification (3+2)/2 = 2.5, Experience 4, Service software
    # (1+3)/2 = 2 (no evidence counts as 1). Score: 37.5·1.5/3 + 37.5·3/3 +
    # 25·1/3 = 18.75 + 37.5 + 8.333… = 64.583…
    assert [(c["title"], c["value"]) for c in body["consensus"]] == [
        ("Certification", 2.5),
        ("Experience", 4.0),
        ("Service software", 2.0),
    ]
    assert body["score"] == pytest.approx(64.5833333)
    assert body["passes_must_haves"] is True
    assert body["tally"] == {"Strong no": 0, "No": 0, "Yes": 1, "Strong yes": 1}
    assert (body["submitted_count"], body["pending_count"]) == (2, 0)


def test_after_submitting_a_reviewer_does_not_see_another_reviewers_draft(world, panel):
    certification, _, _ = world.criteria
    drafting = ReviewAssignmentFactory(
        application=world.application, reviewer=ReviewerFactory(first_name="Dorothy")
    )
    CriterionScore.objects.create(scorecard=drafting.scorecard, criterion=certification, value=1)
    client_for("assigned", world).post(
        f"{API}/scorecards/{world.scorecard.pk}/submit/", complete_scores(world), format="json"
    )

    body = summary_of(world)

    assert drafting.scorecard.pk not in [card["id"] for card in body["scorecards"]]


def test_a_recruiter_sees_the_consensus_without_submitting_anything(world, panel):
    body = summary_of(world, role="recruiter")

    assert body["can_see_all"] is True
    # Katherine alone: 37.5·1/3 + 37.5·3/3 + 25·2/3 = 12.5 + 37.5 + 16.666… = 66.666…
    assert body["score"] == pytest.approx(66.6666667)


def test_reopening_a_reviewers_scorecard_hides_the_others_again(world, panel):
    client_for("assigned", world).post(
        f"{API}/scorecards/{world.scorecard.pk}/submit/", complete_scores(world), format="json"
    )
    client_for("recruiter", world).post(f"{API}/scorecards/{world.scorecard.pk}/reopen/")

    body = summary_of(world)

    assert (body["can_see_all"], body["consensus"], body["tally"]) == (False, [], {})


# --- Admin: the matrix ----------------------------------------------------------

ADMIN = "/admin/screening"
# (method, url, {role: status}); anonymous visitors are always sent to log in.
ADMIN_CASES = [
    pytest.param(
        "get", "/candidate/", {MINE: 403, OTHER: 403, REC: 200}, id="candidate-changelist"
    ),
    pytest.param(
        "get",
        "/candidate/{candidate}/change/",
        {MINE: 403, OTHER: 403, REC: 200},
        id="candidate-change",
    ),
    pytest.param("get", "/candidate/add/", {MINE: 403, OTHER: 403, REC: 200}, id="candidate-add"),
    pytest.param(
        "get", "/candidate/import/", {MINE: 403, OTHER: 403, REC: 200}, id="candidate-import"
    ),
    pytest.param(
        "get", "/application/", {MINE: 403, OTHER: 403, REC: 200}, id="application-changelist"
    ),
    pytest.param(
        "get",
        "/application/{application}/change/",
        {MINE: 403, OTHER: 403, REC: 200},
        id="application-change",
    ),
    pytest.param(
        "get", "/application/add/", {MINE: 403, OTHER: 403, REC: 200}, id="application-add"
    ),
    pytest.param("get", "/application/ranking/", {MINE: 403, OTHER: 403, REC: 200}, id="ranking"),
    pytest.param(
        "post", "/application/", {MINE: 403, OTHER: 403, REC: 200}, id="application-assign-action"
    ),
    pytest.param(
        "get",
        "/reviewassignment/",
        {MINE: 403, OTHER: 403, REC: 200},
        id="reviewassignment-changelist",
    ),
    pytest.param(
        "get",
        "/reviewassignment/{assignment}/change/",
        {MINE: 403, OTHER: 403, REC: 200},
        id="reviewassignment-change",
    ),
    pytest.param("get", "/myreview/", {MINE: 200, OTHER: 200, REC: 200}, id="myreview-changelist"),
    pytest.param(
        "get",
        "/myreview/{assignment}/scorecard/",
        # Only the assigned reviewer has this scorecard; to anyone else it
        # does not exist.
        {MINE: 200, OTHER: 404, REC: 404},
        id="myreview-scorecard",
    ),
]


def admin_request(client, method: str, url: str, world):
    if method == "post":  # the "Assign reviewers…" action's first step
        return client.post(
            url, {"action": "assign_reviewers", "_selected_action": [world.application.pk]}
        )
    return client.get(url)


@pytest.mark.parametrize(("method", "url", "expected"), ADMIN_CASES)
def test_admin_sends_anonymous_visitors_to_the_login_page(client, world, method, url, expected):
    path = ADMIN + fill(url, world)

    response = admin_request(client, method, path, world)

    assert response.status_code == 302
    assert response.url == f"{reverse('admin:login')}?next={quote(path)}"


@pytest.mark.parametrize("role", ["assigned", "other", "recruiter"])
@pytest.mark.parametrize(("method", "url", "expected"), ADMIN_CASES)
def test_admin_answers_each_role(world, role, method, url, expected):
    before = snapshot()
    client = admin_client_for(role, world)

    response = admin_request(client, method, ADMIN + fill(url, world), world)

    assert response.status_code == expected[role]
    assert snapshot() == before


def test_admin_assign_action_post_by_a_reviewer_makes_no_assignment(world):
    client = admin_client_for("assigned", world)

    response = client.post(
        f"{ADMIN}/application/",
        {
            "action": "assign_reviewers",
            "_selected_action": [world.application.pk],
            "_assign": "Assign",
            "reviewers": [world.other.pk],
        },
    )

    assert response.status_code == 403
    assert not ReviewAssignment.objects.filter(reviewer=world.other).exists()


@pytest.mark.parametrize("role", ["other", "recruiter"])
def test_admin_my_review_page_of_someone_elses_assignment_answers_as_missing(world, role):
    client = admin_client_for(role, world)

    response = client.get(f"{ADMIN}/myreview/{world.assignment.pk}/change/")

    # The same redirect as for an id that never existed.
    missing = client.get(f"{ADMIN}/myreview/999999/change/")
    assert (response.status_code, response.url) == (302, reverse("admin:index"))
    assert (missing.status_code, missing.url) == (302, reverse("admin:index"))


def test_admin_my_reviews_lists_only_the_reviewers_own_assignments(world):
    ReviewAssignmentFactory(application=world.application, reviewer=ReviewerFactory())

    response = admin_client_for("assigned", world).get(f"{ADMIN}/myreview/")

    assert sorted(a.pk for a in response.context["cl"].result_list) == sorted(
        [world.assignment.pk, world.done.pk]
    )


@pytest.mark.parametrize("role", ["other", "recruiter"])
def test_admin_my_reviews_is_empty_for_someone_assigned_nothing(world, role):
    response = admin_client_for(role, world).get(f"{ADMIN}/myreview/")

    assert list(response.context["cl"].result_list) == []


# --- Admin: personal data ---------------------------------------------------------


@pytest.mark.parametrize("submitted", [False, True], ids=["draft", "submitted"])
@pytest.mark.parametrize(
    "url",
    [
        pytest.param("/admin/", id="index"),
        pytest.param(ADMIN + "/myreview/", id="myreview-changelist"),
        pytest.param(ADMIN + "/myreview/{assignment}/change/", id="myreview-change"),
        pytest.param(ADMIN + "/myreview/{assignment}/scorecard/", id="scorecard"),
    ],
)
def test_admin_pages_a_reviewer_opens_never_show_the_email_or_phone(world, panel, url, submitted):
    if submitted:
        # The scorecard page then shows every reviewer's scores as well.
        submit_scores(world.assignment, dict(zip(world.criteria, [3, 3, 3], strict=True)))

    response = admin_client_for("assigned", world).get(fill(url, world))

    assert response.status_code == 200
    assertNotContains(response, EMAIL)
    assertNotContains(response, PHONE)


# --- Admin: no anchoring --------------------------------------------------------


def scorecard_page(world):
    return admin_client_for("assigned", world).get(
        f"{ADMIN}/myreview/{world.assignment.pk}/scorecard/"
    )


def test_admin_scorecard_page_before_submitting_hides_the_other_reviewer(world, panel):
    response = scorecard_page(world)

    assert response.context["summary"] is None
    assertNotContains(response, "Katherine Johnson")
    assertNotContains(response, "Knows ServiceMax inside out.")
    assertNotContains(response, 'id="consensus"')


def test_admin_scorecard_page_after_submitting_shows_the_other_reviewer(world, panel):
    submit_scores(world.assignment, dict(zip(world.criteria, [3, 4, None], strict=True)))

    response = scorecard_page(world)

    assertContains(response, "<th>Katherine Johnson</th>", html=False)
    assertContains(response, "Knows ServiceMax inside out.")
    assertContains(response, '<strong id="weighted-score">64.6</strong>', html=False)


def test_admin_scorecard_page_after_submitting_shows_each_reviewers_values(world, panel):
    submit_scores(world.assignment, dict(zip(world.criteria, [3, 4, None], strict=True)))

    rows = scorecard_page(world).context["summary"].rows()

    assert [(r["criterion"].title, r["consensus"], r["values"]) for r in rows] == [
        ("Certification", 2.5, [3, 2]),
        ("Experience", 4.0, [4, 4]),
        ("Service software", 2.0, [None, 3]),
    ]
