"""The postings and rubrics REST API: who may do what, what each endpoint
answers, the errors it gives (always with a machine-readable `code`, never a
500) and the number of queries each list costs."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.contenttypes.models import ContentType
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.models import AuditEvent
from rubrics.models import Criterion, JobPosting, Rubric
from tests.factories import (
    POSTING_TEXT,
    CriterionFactory,
    JobPostingFactory,
    RubricFactory,
    rubric_with_criteria,
)

pytestmark = pytest.mark.django_db
D = Decimal

POSTINGS = "/api/v1/postings/"
RUBRICS = "/api/v1/rubrics/"
NOT_AUTHENTICATED = {
    "detail": "Authentication credentials were not provided.",
    "code": "not_authenticated",
}
RECRUITERS_ONLY = {
    "detail": "Only recruiters may change postings and rubrics.",
    "code": "permission_denied",
}
NOT_FOUND = {"detail": "Not found.", "code": "not_found"}
NOT_EDITABLE = {
    "detail": "This rubric is no longer a draft, so it cannot be changed. "
    "Clone it to a new draft version to edit it.",
    "code": "rubric_not_editable",
}
NO_REQUIREMENTS = (
    "No requirements found: looked for a section headed like 'Requirements', 'Qualifications', "
    "'The Must-Haves', 'What you'll need', 'Skills', 'Preferred qualifications' or "
    "'Nice to have' (as a heading line or an inline 'Requirements:' label), "
    "with bullet points or sentences under it."
)
LABELS_4 = ["Does not meet", "Partially meets", "Meets", "Exceeds"]
LABELS_5 = [*LABELS_4, "Far exceeds"]


@pytest.fixture
def world():
    """A posting with a published v1 and a draft v2, and a posting with no rubric."""
    posting = JobPostingFactory(title="Field Service Technician")
    return SimpleNamespace(
        posting=posting,
        bare_posting=JobPostingFactory(title="Biomedical Engineer"),
        published=rubric_with_criteria(posting=posting, version=1, state=Rubric.State.PUBLISHED),
        draft=rubric_with_criteria(posting=posting, version=2),
    )


def _url(template: str, world) -> str:
    return template.format(
        posting=world.posting.pk,
        bare=world.bare_posting.pk,
        draft=world.draft.pk,
        published=world.published.pk,
    )


def _snapshot() -> tuple:
    """Every row a write could touch, to show that a refused write changed nothing."""
    return (
        list(JobPosting.objects.order_by("pk").values()),
        list(Rubric.objects.order_by("pk").values()),
        list(Criterion.objects.order_by("pk").values()),
    )


def _criterion_payload(criterion: Criterion, **changes) -> dict:
    payload = {
        "id": criterion.pk,
        "kind": criterion.kind,
        "title": criterion.title,
        "weight": str(criterion.weight),
        "knockout_level": criterion.knockout_level,
    }
    return {**payload, **changes}


READS = [
    pytest.param(POSTINGS, id="posting-list"),
    pytest.param(POSTINGS + "{posting}/", id="posting-detail"),
    pytest.param(POSTINGS + "{posting}/rubrics/", id="posting-rubrics"),
    pytest.param(RUBRICS, id="rubric-list"),
    pytest.param(RUBRICS + "{draft}/", id="rubric-detail"),
]
# (method, url, payload, status a recruiter gets)
WRITES = [
    pytest.param(
        "post",
        POSTINGS,
        {"title": "Radiographer", "raw_text": POSTING_TEXT},
        201,
        id="posting-create",
    ),
    pytest.param(
        "put",
        POSTINGS + "{bare}/",
        {"title": "Radiographer", "raw_text": POSTING_TEXT},
        200,
        id="posting-put",
    ),
    pytest.param("patch", POSTINGS + "{bare}/", {"title": "Radiographer"}, 200, id="posting-patch"),
    pytest.param("delete", POSTINGS + "{bare}/", None, 204, id="posting-delete"),
    pytest.param("post", POSTINGS + "{posting}/rubrics/", {}, 201, id="rubric-generate"),
    pytest.param("patch", RUBRICS + "{draft}/", {"scale_max": 5}, 200, id="rubric-patch"),
    pytest.param("put", RUBRICS + "{draft}/", {"scale_max": 5}, 200, id="rubric-put"),
    pytest.param("delete", RUBRICS + "{draft}/", None, 204, id="rubric-delete"),
    pytest.param("post", RUBRICS + "{draft}/publish/", None, 200, id="rubric-publish"),
    pytest.param("post", RUBRICS + "{draft}/clone/", None, 201, id="rubric-clone"),
    pytest.param("post", RUBRICS + "{published}/retire/", None, 200, id="rubric-retire"),
]


# --- Who may do what ----------------------------------------------------------


@pytest.mark.parametrize("url", READS)
def test_anonymous_reads_are_refused_as_unauthenticated(api_client, world, url):
    response = api_client.get(_url(url, world))

    # Session authentication comes first and sends no WWW-Authenticate
    # challenge, so DRF answers 403 rather than 401.
    assert response.status_code == 403
    assert response.json() == NOT_AUTHENTICATED


@pytest.mark.parametrize(("method", "url", "payload", "status"), WRITES)
def test_anonymous_writes_are_refused_as_unauthenticated(
    api_client, world, method, url, payload, status
):
    before = _snapshot()

    response = getattr(api_client, method)(_url(url, world), payload)

    assert response.status_code == 403
    assert response.json() == NOT_AUTHENTICATED
    assert _snapshot() == before


@pytest.mark.parametrize("url", READS)
def test_a_reviewer_can_read(reviewer_api, world, url):
    response = reviewer_api.get(_url(url, world))

    assert response.status_code == 200


@pytest.mark.parametrize(("method", "url", "payload", "status"), WRITES)
def test_a_reviewer_cannot_write(reviewer_api, world, method, url, payload, status):
    before = _snapshot()

    response = getattr(reviewer_api, method)(_url(url, world), payload)

    assert response.status_code == 403
    assert response.json() == RECRUITERS_ONLY
    assert _snapshot() == before


@pytest.mark.parametrize(("method", "url", "payload", "status"), WRITES)
def test_a_recruiter_can_write(recruiter_api, world, method, url, payload, status):
    response = getattr(recruiter_api, method)(_url(url, world), payload)

    assert response.status_code == status


def test_a_recruiter_token_authenticates_a_write(api_client, recruiter):
    token = Token.objects.create(user=recruiter)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = api_client.post(POSTINGS, {"title": "Radiographer", "raw_text": POSTING_TEXT})

    assert response.status_code == 201
    assert JobPosting.objects.get(pk=response.json()["id"]).created_by == recruiter


def test_a_reviewer_token_authenticates_a_read(api_client, reviewer):
    JobPostingFactory(title="Radiographer")
    token = Token.objects.create(user=reviewer)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = api_client.get(POSTINGS)

    assert response.status_code == 200
    assert [p["title"] for p in response.json()["results"]] == ["Radiographer"]


def test_an_unknown_token_is_refused(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")

    response = api_client.get(POSTINGS)

    assert response.status_code == 403
    assert response.json() == {"detail": "Invalid token.", "code": "authentication_failed"}


def test_a_token_write_needs_no_csrf_token(recruiter):
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=recruiter).key}")

    response = client.post(POSTINGS, {"title": "Radiographer", "raw_text": POSTING_TEXT})

    assert response.status_code == 201


def test_a_session_write_without_a_csrf_token_is_refused(recruiter):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(recruiter)

    response = client.post(POSTINGS, {"title": "Radiographer", "raw_text": POSTING_TEXT})

    assert response.status_code == 403
    assert response.json() == {
        "detail": "CSRF Failed: CSRF cookie not set.",
        "code": "permission_denied",
    }
    assert not JobPosting.objects.exists()


# --- Postings -------------------------------------------------------------------


def test_posting_list_is_newest_first_without_the_posting_text(reviewer_api):
    older = JobPostingFactory(title="Radiographer")
    newer = JobPostingFactory(title="Biomedical Engineer")
    RubricFactory(posting=newer)

    response = reviewer_api.get(POSTINGS)

    body = response.json()
    assert body["count"] == 2
    assert [(p["id"], p["title"], p["rubric_count"]) for p in body["results"]] == [
        (newer.pk, "Biomedical Engineer", 1),
        (older.pk, "Radiographer", 0),
    ]
    assert set(body["results"][0]) == {
        "id",
        "title",
        "team",
        "location",
        "source_url",
        "status",
        "rubric_count",
        "created_at",
        "updated_at",
    }


def test_posting_list_filters_by_status(reviewer_api):
    JobPostingFactory(title="Radiographer", status=JobPosting.Status.OPEN)
    JobPostingFactory(title="Biomedical Engineer", status=JobPosting.Status.CLOSED)

    response = reviewer_api.get(POSTINGS, {"status": "closed"})

    assert [p["title"] for p in response.json()["results"]] == ["Biomedical Engineer"]


def test_posting_list_searches_title_team_and_location(reviewer_api):
    JobPostingFactory(title="Radiographer", location="York")
    JobPostingFactory(title="Biomedical Engineer", location="Leeds")

    response = reviewer_api.get(POSTINGS, {"search": "york"})

    assert [p["title"] for p in response.json()["results"]] == ["Radiographer"]


def test_create_posting_returns_it_as_a_draft_owned_by_the_recruiter(recruiter_api, recruiter):
    response = recruiter_api.post(
        POSTINGS,
        {
            "title": "Radiographer",
            "team": "Imaging",
            "location": "York",
            "raw_text": POSTING_TEXT,
            "source_url": "https://example.org/jobs/7",
        },
    )

    assert response.status_code == 201
    body = response.json()
    posting = JobPosting.objects.get(pk=body["id"])
    assert {k: v for k, v in body.items() if k not in {"id", "created_at", "updated_at"}} == {
        "title": "Radiographer",
        "team": "Imaging",
        "location": "York",
        # Like the admin's form, the API trims the text's surrounding whitespace.
        "raw_text": POSTING_TEXT.strip(),
        "source_url": "https://example.org/jobs/7",
        "status": "draft",
        "rubric_count": 0,
    }
    assert posting.created_by == recruiter


def test_create_posting_without_a_title_is_a_field_error(recruiter_api):
    response = recruiter_api.post(POSTINGS, {"raw_text": POSTING_TEXT})

    assert response.status_code == 400
    assert response.json() == {"title": ["This field is required."], "code": "invalid"}
    assert not JobPosting.objects.exists()


def test_create_posting_over_200_kb_is_a_field_error(recruiter_api):
    response = recruiter_api.post(
        POSTINGS, {"title": "Radiographer", "raw_text": "x" * (200 * 1024 + 1)}
    )

    assert response.status_code == 400
    assert response.json() == {
        "raw_text": ["The posting is 201 KB; the limit is 200 KB."],
        "code": "invalid",
    }


def test_create_posting_of_exactly_200_kb_is_accepted(recruiter_api):
    response = recruiter_api.post(
        POSTINGS, {"title": "Radiographer", "raw_text": "x" * (200 * 1024)}
    )

    assert response.status_code == 201


def test_create_posting_with_an_unknown_status_is_a_field_error(recruiter_api):
    response = recruiter_api.post(
        POSTINGS, {"title": "Radiographer", "raw_text": POSTING_TEXT, "status": "archived"}
    )

    assert response.status_code == 400
    assert response.json() == {"status": ['"archived" is not a valid choice.'], "code": "invalid"}


def test_retrieve_posting_includes_the_text_and_rubric_count(reviewer_api, world):
    response = reviewer_api.get(f"{POSTINGS}{world.posting.pk}/")

    body = response.json()
    assert (body["title"], body["raw_text"], body["rubric_count"]) == (
        "Field Service Technician",
        POSTING_TEXT,
        2,
    )


def test_put_posting_replaces_its_fields(recruiter_api, world):
    response = recruiter_api.put(
        f"{POSTINGS}{world.posting.pk}/",
        {
            "title": "Senior Field Service Technician",
            "team": "Imaging",
            "location": "York",
            "raw_text": POSTING_TEXT,
            "source_url": "",
            "status": "closed",
        },
    )

    assert response.status_code == 200
    world.posting.refresh_from_db()
    assert (world.posting.title, world.posting.team, world.posting.status) == (
        "Senior Field Service Technician",
        "Imaging",
        "closed",
    )
    assert response.json()["rubric_count"] == 2


def test_put_posting_without_the_text_is_a_field_error(recruiter_api, world):
    response = recruiter_api.put(f"{POSTINGS}{world.posting.pk}/", {"title": "Radiographer"})

    assert response.status_code == 400
    assert response.json() == {"raw_text": ["This field is required."], "code": "invalid"}


def test_patch_posting_changes_only_the_given_field(recruiter_api, world):
    response = recruiter_api.patch(f"{POSTINGS}{world.posting.pk}/", {"location": "Hull"})

    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["location"], body["rubric_count"]) == (
        "Field Service Technician",
        "Hull",
        2,
    )


def test_patch_posting_text_over_200_kb_is_a_field_error(recruiter_api, world):
    response = recruiter_api.patch(
        f"{POSTINGS}{world.posting.pk}/", {"raw_text": "é" * (150 * 1024)}
    )

    assert response.status_code == 400
    assert response.json() == {
        "raw_text": ["The posting is 300 KB; the limit is 200 KB."],
        "code": "invalid",
    }
    world.posting.refresh_from_db()
    assert world.posting.raw_text == POSTING_TEXT


def test_delete_posting_without_rubrics_removes_it(recruiter_api, world):
    response = recruiter_api.delete(f"{POSTINGS}{world.bare_posting.pk}/")

    assert response.status_code == 204
    assert not JobPosting.objects.filter(pk=world.bare_posting.pk).exists()


def test_delete_posting_with_rubrics_is_a_conflict(recruiter_api, world):
    response = recruiter_api.delete(f"{POSTINGS}{world.posting.pk}/")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "This posting has rubrics; close it instead of deleting it.",
        "code": "protected",
    }
    assert JobPosting.objects.filter(pk=world.posting.pk).exists()


# --- A posting's rubrics ----------------------------------------------------------


def test_posting_rubrics_lists_only_that_postings_rubrics_newest_version_first(reviewer_api, world):
    rubric_with_criteria(posting=world.bare_posting, version=1)

    response = reviewer_api.get(f"{POSTINGS}{world.posting.pk}/rubrics/")

    body = response.json()
    assert body["count"] == 2
    assert [(r["id"], r["version"], r["state"]) for r in body["results"]] == [
        (world.draft.pk, 2, "draft"),
        (world.published.pk, 1, "published"),
    ]


def test_generate_makes_a_draft_from_the_posting(recruiter_api, world):
    response = recruiter_api.post(f"{POSTINGS}{world.bare_posting.pk}/rubrics/")

    assert response.status_code == 201
    body = response.json()
    assert {
        k: body[k]
        for k in (
            "posting",
            "posting_title",
            "version",
            "state",
            "scale_max",
            "level_labels",
            "must_have_share",
            "weight_total",
            "cloned_from",
        )
    } == {
        "posting": world.bare_posting.pk,
        "posting_title": "Biomedical Engineer",
        "version": 1,
        "state": "draft",
        "scale_max": 4,
        "level_labels": LABELS_4,
        "must_have_share": "75.00",
        "weight_total": "100.00",
        "cloned_from": None,
    }
    criteria = body["criteria"]
    assert [(c["kind"], c["title"], c["weight"], c["knockout_level"]) for c in criteria] == [
        ("must_have", "Certification", "40.00", 2),
        ("must_have", "Experience", "40.00", 2),
        ("bonus", "Experience with vendor service software", "20.00", None),
        ("screening", "Driving", "0.00", None),
    ]


def test_generated_criteria_carry_anchors_and_the_source_span(recruiter_api, world):
    response = recruiter_api.post(f"{POSTINGS}{world.bare_posting.pk}/rubrics/")

    experience = response.json()["criteria"][1]
    start, end = experience["source_span"]
    assert "Two years repairing electro-mechanical equipment" in POSTING_TEXT[start:end]
    assert len(experience["anchors"]) == 4


def test_generate_on_a_five_point_scale_with_a_custom_share(recruiter_api, world):
    response = recruiter_api.post(
        f"{POSTINGS}{world.bare_posting.pk}/rubrics/", {"scale_max": 5, "must_have_share": "60"}
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["scale_max"], body["level_labels"], body["must_have_share"]) == (
        5,
        LABELS_5,
        "60.00",
    )
    # The bonus is capped at half a must-have whatever the share leaves it.
    assert [c["weight"] for c in body["criteria"]] == ["40.00", "40.00", "20.00", "0.00"]


def test_generate_again_makes_the_next_version(recruiter_api, world):
    response = recruiter_api.post(f"{POSTINGS}{world.posting.pk}/rubrics/")

    assert response.json()["version"] == 3


def test_generate_on_a_seven_point_scale_is_a_field_error(recruiter_api, world):
    response = recruiter_api.post(f"{POSTINGS}{world.bare_posting.pk}/rubrics/", {"scale_max": 7})

    assert response.status_code == 400
    assert response.json() == {"scale_max": ['"7" is not a valid choice.'], "code": "invalid"}
    assert not world.bare_posting.rubrics.exists()


def test_generate_with_a_share_over_100_is_a_field_error(recruiter_api, world):
    response = recruiter_api.post(
        f"{POSTINGS}{world.bare_posting.pk}/rubrics/", {"must_have_share": 101}
    )

    assert response.status_code == 400
    assert response.json() == {
        "must_have_share": ["Ensure this value is less than or equal to 100."],
        "code": "invalid",
    }
    assert not world.bare_posting.rubrics.exists()


def test_generate_from_a_posting_without_requirements_is_a_raw_text_error(recruiter_api):
    posting = JobPostingFactory(raw_text="We are a friendly team.\n\nBenefits\n- Free lunch.\n")

    response = recruiter_api.post(f"{POSTINGS}{posting.pk}/rubrics/")

    assert response.status_code == 400
    assert response.json() == {"raw_text": [NO_REQUIREMENTS], "code": "invalid"}
    assert not posting.rubrics.exists()


# --- Rubrics: reading -------------------------------------------------------------


def test_rubric_list_is_ordered_by_posting_then_newest_version(reviewer_api, world):
    other = rubric_with_criteria(posting=world.bare_posting, version=1)

    response = reviewer_api.get(RUBRICS)

    assert [r["id"] for r in response.json()["results"]] == [
        world.draft.pk,
        world.published.pk,
        other.pk,
    ]


def test_rubric_list_filters_by_posting(reviewer_api, world):
    other = rubric_with_criteria(posting=world.bare_posting, version=1)

    response = reviewer_api.get(RUBRICS, {"posting": world.bare_posting.pk})

    assert [r["id"] for r in response.json()["results"]] == [other.pk]


def test_rubric_list_filters_by_state(reviewer_api, world):
    response = reviewer_api.get(RUBRICS, {"state": "published"})

    assert [r["id"] for r in response.json()["results"]] == [world.published.pk]


def test_rubric_list_with_an_unknown_state_is_a_field_error(reviewer_api, world):
    response = reviewer_api.get(RUBRICS, {"state": "archived"})

    assert response.status_code == 400
    assert response.json() == {
        "state": ["Select a valid choice. archived is not one of the available choices."],
        "code": "invalid",
    }


def test_retrieve_rubric_shows_its_criteria_in_order(reviewer_api):
    rubric = RubricFactory(version=1)
    second = CriterionFactory(rubric=rubric, title="Driving", order=2, weight=D("40.00"))
    first = CriterionFactory(
        rubric=rubric, title="Certification", order=1, weight=D("60.00"), keywords=["CT"]
    )

    response = reviewer_api.get(f"{RUBRICS}{rubric.pk}/")

    body = response.json()
    assert (body["version"], body["state"], body["weight_total"]) == (1, "draft", "100.00")
    assert [(c["id"], c["title"], c["order"], c["weight"]) for c in body["criteria"]] == [
        (first.pk, "Certification", 1, "60.00"),
        (second.pk, "Driving", 2, "40.00"),
    ]
    assert body["criteria"][0]["keywords"] == ["CT"]
    assert body["criteria"][0]["source_span"] is None


# --- Rubrics: changing a draft ------------------------------------------------------


def test_patch_scale_regenerates_anchors_for_five_levels(recruiter_api, world):
    response = recruiter_api.patch(f"{RUBRICS}{world.draft.pk}/", {"scale_max": 5})

    assert response.status_code == 200
    body = response.json()
    assert (body["scale_max"], body["level_labels"]) == (5, LABELS_5)
    assert [len(c["anchors"]) for c in body["criteria"]] == [5, 5, 5]


def test_patch_share_without_criteria_resets_the_weights(recruiter_api, world):
    response = recruiter_api.patch(f"{RUBRICS}{world.draft.pk}/", {"must_have_share": "60"})

    body = response.json()
    assert body["must_have_share"] == "60.00"
    assert [c["weight"] for c in body["criteria"]] == ["40.00", "40.00", "20.00"]


def test_patch_share_with_reweigh_false_keeps_the_weights(recruiter_api, world):
    response = recruiter_api.patch(
        f"{RUBRICS}{world.draft.pk}/", {"must_have_share": "60", "reweigh": False}
    )

    body = response.json()
    assert body["must_have_share"] == "60.00"
    assert [c["weight"] for c in body["criteria"]] == ["37.50", "37.50", "25.00"]


def test_patch_reweigh_resets_the_weights_to_the_default_split(recruiter_api):
    rubric = rubric_with_criteria(weights=((D("50.00"), D("30.00")), (D("20.00"),)))

    response = recruiter_api.patch(f"{RUBRICS}{rubric.pk}/", {"reweigh": True})

    assert [c["weight"] for c in response.json()["criteria"]] == ["40.00", "40.00", "20.00"]


def test_patch_criteria_updates_listed_adds_new_and_removes_unlisted(recruiter_api, world):
    kept, removed, _bonus = world.draft.criteria.order_by("order")

    response = recruiter_api.patch(
        f"{RUBRICS}{world.draft.pk}/",
        {
            "criteria": [
                _criterion_payload(kept, title="Certification", weight="60.00", knockout_level=3),
                {"kind": "bonus", "title": "Languages", "weight": "40.00", "keywords": ["Welsh"]},
            ]
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert [
        (c["id"] == kept.pk, c["kind"], c["title"], c["weight"], c["order"], c["knockout_level"])
        for c in body["criteria"]
    ] == [
        (True, "must_have", "Certification", "60.00", 1, 3),
        (False, "bonus", "Languages", "40.00", 2, None),
    ]
    assert body["weight_total"] == "100.00"
    assert not Criterion.objects.filter(pk=removed.pk).exists()


def test_patch_criteria_fills_in_default_anchors_for_a_new_criterion(recruiter_api, world):
    criteria = [_criterion_payload(c) for c in world.draft.criteria.order_by("order")]
    criteria.append({"kind": "bonus", "title": "Languages", "weight": "0.00"})

    response = recruiter_api.patch(f"{RUBRICS}{world.draft.pk}/", {"criteria": criteria})

    languages = response.json()["criteria"][-1]
    assert languages["anchors"][0] == "No evidence in the application for “Languages”."
    assert len(languages["anchors"]) == 4


def test_put_rubric_changes_a_draft_like_patch(recruiter_api, world):
    response = recruiter_api.put(f"{RUBRICS}{world.draft.pk}/", {"scale_max": 5})

    assert response.status_code == 200
    world.draft.refresh_from_db()
    assert world.draft.scale_max == 5


def test_patch_criterion_knockout_level_off_the_scale_is_a_field_error(recruiter_api, world):
    first = world.draft.criteria.order_by("order").first()
    before = _snapshot()

    response = recruiter_api.patch(
        f"{RUBRICS}{world.draft.pk}/", {"criteria": [_criterion_payload(first, knockout_level=9)]}
    )

    assert response.status_code == 400
    assert response.json() == {
        "criteria[0].knockout_level": ["Choose a level between 1 and 4."],
        "code": "invalid",
    }
    assert _snapshot() == before


def test_patch_criterion_of_another_rubric_is_a_field_error(recruiter_api, world):
    foreign = world.published.criteria.first()
    before = _snapshot()

    response = recruiter_api.patch(
        f"{RUBRICS}{world.draft.pk}/", {"criteria": [_criterion_payload(foreign)]}
    )

    assert response.status_code == 400
    assert response.json() == {
        "criteria[0].id": ["This criterion does not belong to the rubric."],
        "code": "invalid",
    }
    assert _snapshot() == before


def test_patch_with_a_seven_point_scale_is_a_field_error(recruiter_api, world):
    response = recruiter_api.patch(f"{RUBRICS}{world.draft.pk}/", {"scale_max": 7})

    assert response.status_code == 400
    assert response.json() == {"scale_max": ['"7" is not a valid choice.'], "code": "invalid"}


def test_patch_with_a_share_over_100_is_a_field_error(recruiter_api, world):
    response = recruiter_api.patch(f"{RUBRICS}{world.draft.pk}/", {"must_have_share": 101})

    assert response.status_code == 400
    assert response.json() == {
        "must_have_share": ["Ensure this value is less than or equal to 100."],
        "code": "invalid",
    }


def test_patch_published_rubric_is_a_conflict(recruiter_api, world):
    response = recruiter_api.patch(f"{RUBRICS}{world.published.pk}/", {"scale_max": 5})

    assert response.status_code == 409
    assert response.json() == NOT_EDITABLE


def test_put_published_rubric_is_a_conflict(recruiter_api, world):
    response = recruiter_api.put(f"{RUBRICS}{world.published.pk}/", {"scale_max": 5})

    assert response.status_code == 409
    assert response.json() == NOT_EDITABLE


def test_delete_draft_rubric_removes_it_and_its_criteria(recruiter_api, world):
    response = recruiter_api.delete(f"{RUBRICS}{world.draft.pk}/")

    assert response.status_code == 204
    assert not Rubric.objects.filter(pk=world.draft.pk).exists()
    assert not Criterion.objects.filter(rubric_id=world.draft.pk).exists()


def test_delete_published_rubric_is_a_conflict(recruiter_api, world):
    response = recruiter_api.delete(f"{RUBRICS}{world.published.pk}/")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Only a draft rubric can be deleted; retire a published one.",
        "code": "rubric_not_editable",
    }
    assert Rubric.objects.filter(pk=world.published.pk).exists()


# --- Rubrics: publish, retire, clone --------------------------------------------------


def test_publish_makes_a_draft_published(recruiter_api, world):
    response = recruiter_api.post(f"{RUBRICS}{world.draft.pk}/publish/")

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["state"]) == (world.draft.pk, "published")
    assert body["published_at"] is not None


def test_publish_retires_the_postings_previously_published_rubric(recruiter_api, world):
    recruiter_api.post(f"{RUBRICS}{world.draft.pk}/publish/")

    world.published.refresh_from_db()
    assert world.published.state == Rubric.State.RETIRED
    assert world.published.retired_at is not None


def test_publish_with_weights_not_adding_to_100_is_refused(recruiter_api):
    rubric = rubric_with_criteria(weights=((D("40.00"), D("30.00")), (D("20.00"),)))

    response = recruiter_api.post(f"{RUBRICS}{rubric.pk}/publish/")

    assert response.status_code == 400
    assert response.json() == {
        "detail": ["The weights add up to 90.00; they must add up to 100.00."],
        "code": "invalid",
    }
    rubric.refresh_from_db()
    assert rubric.state == Rubric.State.DRAFT


def test_publish_published_rubric_is_a_conflict(recruiter_api, world):
    response = recruiter_api.post(f"{RUBRICS}{world.published.pk}/publish/")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Only a draft can be published; this rubric is published.",
        "code": "rubric_not_draft",
    }


def test_retire_makes_a_published_rubric_retired(recruiter_api, world):
    response = recruiter_api.post(f"{RUBRICS}{world.published.pk}/retire/")

    assert response.status_code == 200
    body = response.json()
    assert (body["state"], body["retired_at"] is not None) == ("retired", True)


def test_retire_draft_is_a_conflict(recruiter_api, world):
    response = recruiter_api.post(f"{RUBRICS}{world.draft.pk}/retire/")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Only a published rubric can be retired; this one is draft.",
        "code": "rubric_not_published",
    }


def test_clone_copies_a_published_rubric_to_a_new_draft_version(recruiter_api, world):
    response = recruiter_api.post(f"{RUBRICS}{world.published.pk}/clone/")

    assert response.status_code == 201
    body = response.json()
    assert (body["version"], body["state"], body["cloned_from"]) == (3, "draft", world.published.pk)
    source = world.published.criteria.order_by("order")
    assert [(c["kind"], c["title"], c["weight"]) for c in body["criteria"]] == [
        (c.kind, c.title, str(c.weight)) for c in source
    ]


def test_a_published_rubric_is_unchanged_by_every_write_path(recruiter_api, world):
    url = f"{RUBRICS}{world.published.pk}/"
    before = recruiter_api.get(url).json()
    rows_before = _snapshot()
    first = world.published.criteria.order_by("order").first()
    change = {
        "scale_max": 5,
        "must_have_share": "50",
        "reweigh": True,
        "criteria": [_criterion_payload(first, title="Changed", weight="100.00")],
    }

    responses = [
        recruiter_api.patch(url, change),
        recruiter_api.put(url, change),
        recruiter_api.delete(url),
        recruiter_api.post(f"{url}publish/"),
    ]

    assert [(r.status_code, r.json()["code"]) for r in responses] == [
        (409, "rubric_not_editable"),
        (409, "rubric_not_editable"),
        (409, "rubric_not_editable"),
        (409, "rubric_not_draft"),
    ]
    assert recruiter_api.get(url).json() == before
    assert _snapshot() == rows_before


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
            _url(url, world), data=body, content_type="application/json"
        )
    else:
        response = getattr(recruiter_api, method)(_url(url, world), body, format="json")

    assert response.status_code == 400
    assert response.json() == {"code": "invalid", **expected}


# --- Query budgets: a list costs the same for 3 rows as for 30 -----------------------


@pytest.mark.parametrize("rows", [3, 30])
def test_posting_list_query_count_does_not_grow_with_rows(
    reviewer_api, django_assert_max_num_queries, rows
):
    for _ in range(rows):
        RubricFactory(posting=JobPostingFactory())

    # session, user, count, page
    with django_assert_max_num_queries(4):
        response = reviewer_api.get(POSTINGS, {"page_size": 30})

    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_rubric_list_query_count_does_not_grow_with_rows(
    reviewer_api, django_assert_max_num_queries, rows
):
    for _ in range(rows):
        rubric_with_criteria()

    # session, user, count, page, criteria
    with django_assert_max_num_queries(5):
        response = reviewer_api.get(RUBRICS, {"page_size": 30})

    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_posting_rubrics_query_count_does_not_grow_with_rows(
    reviewer_api, django_assert_max_num_queries, rows
):
    posting = JobPostingFactory()
    for version in range(1, rows + 1):
        rubric_with_criteria(posting=posting, version=version)

    # session, user, posting, count, page, criteria
    with django_assert_max_num_queries(6):
        response = reviewer_api.get(f"{POSTINGS}{posting.pk}/rubrics/", {"page_size": 30})

    assert len(response.json()["results"]) == rows


def test_a_write_over_the_api_leaves_an_audit_entry_naming_the_recruiter(
    recruiter_api, recruiter, world
):
    recruiter_api.post(f"{RUBRICS}{world.draft.pk}/publish/")

    entry = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Rubric), object_id=str(world.draft.pk)
    ).latest("created_at", "id")
    assert (entry.actor, entry.event, entry.summary) == (
        recruiter,
        "rubric.published",
        "Published.",
    )
