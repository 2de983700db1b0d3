"""Reviewers who share no candidate form separate groups (issue 12, item 3):
their severities, and so the adjusted scores, compare only within a group.
A run stores the groups, and the calibration page, the API, the digest and
the ranking say which reviewers are in which group, how many candidates
each, and how to link them; with one group none of them says anything."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from calibration.services import calibration_run
from reports.digest import build_digest
from tests.factories import ApplicationFactory, ReviewerFactory, assign_and_submit, published_rubric

pytestmark = pytest.mark.django_db

LINK = "assign a few candidates (three or more) to reviewers of both groups"


def reviewer(name: str):
    return ReviewerFactory(username=name.lower(), first_name=name, last_name="Tester")


def two_groups(*, bridge: bool = False):
    """Ada and Ben score 12 applications, Chloe and Dan 8 others, every one
    of them a level higher (a lenient pair no model can tell from better
    candidates). With ``bridge``, Ada also scores three of Chloe and Dan's
    applications, which links the groups into one."""
    rubric = published_rubric()
    criteria = list(rubric.criteria.order_by("order", "id"))
    ada, ben, chloe, dan = (reviewer(n) for n in ("Ada", "Ben", "Chloe", "Dan"))
    first, second = [], []
    for i in range(12):
        application = ApplicationFactory(rubric=rubric)
        level = 1 + i % 3
        assign_and_submit(application, ada, criteria, [level, level, 1 + (i + 1) % 3])
        assign_and_submit(application, ben, criteria, [level, 1 + (i + 1) % 3, level])
        first.append(application)
    for i in range(8):
        application = ApplicationFactory(rubric=rubric)
        level = 2 + i % 3
        assign_and_submit(application, chloe, criteria, [level, level, 2 + (i + 1) % 3])
        assign_and_submit(application, dan, criteria, [level, 2 + (i + 1) % 3, level])
        if bridge and i < 3:
            assign_and_submit(application, ada, criteria, [level - 1] * 3)
        second.append(application)
    run = calibration_run(rubric_id=rubric.pk)
    return rubric, run, (ada, ben, chloe, dan), first, second


def test_a_run_stores_each_group_with_its_reviewers_and_applications():
    _rubric, run, (ada, ben, chloe, dan), first, second = two_groups()

    assert run.groups == [
        {"number": 1, "reviewers": sorted([ada.pk, ben.pk]), "applications": 12},
        {"number": 2, "reviewers": sorted([chloe.pk, dan.pk]), "applications": 8},
    ]
    assert dict(run.reviewers.values_list("reviewer_id", "group")) == {
        ada.pk: 1,
        ben.pk: 1,
        chloe.pk: 2,
        dan.pk: 2,
    }
    groups = dict(run.applications.values_list("application_id", "group"))
    assert {groups[a.pk] for a in first} == {1}
    assert {groups[a.pk] for a in second} == {2}


def test_the_calibration_page_says_which_reviewers_are_in_which_group(recruiter_client):
    _rubric, run, *_ = two_groups()

    response = recruiter_client.get(
        reverse("admin:calibration_calibrationrun_change", args=[run.pk])
    )

    assertContains(response, '<div id="groups-warning"')
    assertContains(
        response,
        "The reviewers fall into 2 groups that share no candidate: group 1: Ada Tester and "
        "Ben Tester (12 candidates); group 2: Chloe Tester and Dan Tester (8 candidates).",
    )
    assertContains(response, "adjusted scores compare only within a group")
    assertContains(response, LINK)
    assertContains(response, '<span class="group">group 2</span>', count=2)


def test_the_api_gives_the_groups_and_the_warnings(recruiter_api):
    _rubric, run, (ada, ben, chloe, dan), *_ = two_groups()

    body = recruiter_api.get(f"/api/v1/calibration-runs/{run.pk}/").json()

    assert [g["reviewers"] for g in body["groups"]] == [
        sorted([ada.pk, ben.pk]),
        sorted([chloe.pk, dan.pk]),
    ]
    assert [g["applications"] for g in body["groups"]] == [12, 8]
    assert len(body["warnings"]) == 3
    assert "group 2: Chloe Tester and Dan Tester (8 candidates)" in body["warnings"][0]
    assert LINK in body["warnings"][2]
    assert {r["reviewer_name"]: r["group"] for r in body["reviewers"]} == {
        "Ada Tester": 1,
        "Ben Tester": 1,
        "Chloe Tester": 2,
        "Dan Tester": 2,
    }


def test_the_digest_says_so_beside_the_adjusted_scores():
    rubric, *_ = two_groups()
    now = timezone.now()

    digest = build_digest(
        posting=rubric.posting, period_start=now - timedelta(days=7), period_end=now
    )

    assert "  ! The reviewers fall into 2 groups that share no candidate" in digest.text
    assert LINK in digest.text
    assert 'id="calibration-groups"' in digest.html


def test_the_ranking_page_and_api_say_so_and_give_each_row_its_group(
    recruiter_client, recruiter_api
):
    rubric, _run, _reviewers, first, second = two_groups()

    page = recruiter_client.get(
        reverse("admin:screening_application_ranking"), {"posting": rubric.posting_id}
    )
    response = recruiter_api.get(f"/api/v1/postings/{rubric.posting_id}/ranking/")

    assertContains(page, '<div id="calibration-groups"')
    assertContains(page, "group 1: Ada Tester and Ben Tester (12 candidates)")
    assertContains(page, LINK)
    assert "adjusted scores compare only within a group" in response["Calibration-Warning"]
    assert LINK in response["Calibration-Warning"]
    rows = {r["application"]: r["adjusted_group"] for r in response.json()}
    assert {rows[a.pk] for a in first} == {1}
    assert {rows[a.pk] for a in second} == {2}


def test_linked_groups_make_one_group_and_no_warning_anywhere(recruiter_client, recruiter_api):
    rubric, run, *_ = two_groups(bridge=True)
    now = timezone.now()

    detail = recruiter_api.get(f"/api/v1/calibration-runs/{run.pk}/").json()
    ranking = recruiter_api.get(f"/api/v1/postings/{rubric.posting_id}/ranking/")
    page = recruiter_client.get(reverse("admin:calibration_calibrationrun_change", args=[run.pk]))
    ranking_page = recruiter_client.get(
        reverse("admin:screening_application_ranking"), {"posting": rubric.posting_id}
    )
    digest = build_digest(
        posting=rubric.posting, period_start=now - timedelta(days=7), period_end=now
    )

    assert [g["applications"] for g in detail["groups"]] == [20]
    assert detail["warnings"] == []
    assert set(run.applications.values_list("group", flat=True)) == {None}
    assert "Calibration-Warning" not in ranking
    assert {r["adjusted_group"] for r in ranking.json()} == {None}
    assertNotContains(page, 'id="groups-warning"')
    assertNotContains(ranking_page, 'id="calibration-groups"')
    assert "share no candidate" not in digest.text
    # The bridge puts Chloe and Dan's leniency where the model can see it.
    chloe = run.reviewers.get(reviewer__username="chloe")
    assert chloe.severity == pytest.approx(0.5, abs=0.01)


def test_a_rasch_run_finds_the_same_groups():
    rubric, run, *_ = two_groups()
    from calibration.scheduling import calibration_request

    queued = calibration_request(rubric=rubric, method="rasch")
    rasch = calibration_run(run_id=queued.pk)

    assert rasch.method == "rasch"
    assert [g["reviewers"] for g in rasch.groups] == [g["reviewers"] for g in run.groups]
