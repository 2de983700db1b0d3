"""The postings endpoint of the rubrics API and a posting's rubrics."""

import pytest

from rubrics.models import JobPosting
from tests.factories import POSTING_TEXT, JobPostingFactory, RubricFactory, rubric_with_criteria
from tests.rubrics.api.support import LABELS_4, LABELS_5, POSTINGS

pytestmark = pytest.mark.django_db


NO_REQUIREMENTS = (
    "No requirements found: looked for a section headed like 'Requirements', 'Qualifications', "
    "'The Must-Haves', 'What you'll need', 'Skills', 'Preferred qualifications' or "
    "'Nice to have' (as a heading line or an inline 'Requirements:' label), "
    "with bullet points or sentences under it."
)


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
        "anonymised_review",
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
        "anonymised_review": False,
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
