"""The rubrics endpoint of the rubrics API: reading, changing a draft, and
publishing, retiring and cloning."""

from decimal import Decimal

import pytest

from rubrics.models import Criterion, Rubric
from tests.factories import CriterionFactory, RubricFactory, rubric_with_criteria
from tests.rubrics.api.support import LABELS_5, RUBRICS, db_snapshot

pytestmark = pytest.mark.django_db


D = Decimal
NOT_EDITABLE = {
    "detail": "This rubric is no longer a draft, so it cannot be changed. "
    "Clone it to a new draft version to edit it.",
    "code": "rubric_not_editable",
}


def _criterion_payload(criterion: Criterion, **changes) -> dict:
    payload = {
        "id": criterion.pk,
        "kind": criterion.kind,
        "title": criterion.title,
        "weight": str(criterion.weight),
        "knockout_level": criterion.knockout_level,
    }
    return {**payload, **changes}


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
    before = db_snapshot()

    response = recruiter_api.patch(
        f"{RUBRICS}{world.draft.pk}/", {"criteria": [_criterion_payload(first, knockout_level=9)]}
    )

    assert response.status_code == 400
    assert response.json() == {
        "criteria[0].knockout_level": ["Choose a level between 1 and 4."],
        "code": "invalid",
    }
    assert db_snapshot() == before


def test_patch_criterion_of_another_rubric_is_a_field_error(recruiter_api, world):
    foreign = world.published.criteria.first()
    before = db_snapshot()

    response = recruiter_api.patch(
        f"{RUBRICS}{world.draft.pk}/", {"criteria": [_criterion_payload(foreign)]}
    )

    assert response.status_code == 400
    assert response.json() == {
        "criteria[0].id": ["This criterion does not belong to the rubric."],
        "code": "invalid",
    }
    assert db_snapshot() == before


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
    rows_before = db_snapshot()
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
    assert db_snapshot() == rows_before
