"""Blind scoring holds for a recruiter who is also assigned as a reviewer: on
an application they are still scoring they see their own card and nobody
else's scores, recommendations or consensus, in the admin and the API (issue 13)."""

import pytest

from screening import selectors
from tests.factories import (
    ApplicationFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    assign_and_submit,
    submit_scores,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(recruiter):
    application = ApplicationFactory()
    criteria = list(application.rubric.criteria.exclude(kind="screening"))
    other = assign_and_submit(application, ReviewerFactory(), criteria, [4] * len(criteria), 4)
    mine = ReviewAssignmentFactory(application=application, reviewer=recruiter)
    seen = ApplicationFactory(posting=application.posting, rubric=application.rubric)
    assign_and_submit(seen, ReviewerFactory(), criteria, [2] * len(criteria), 1)
    return {
        "application": application,
        "other": other,
        "mine": mine,
        "seen": seen,
        "criteria": criteria,
    }


def test_the_recruiter_may_not_see_all_scores_while_scoring(world, recruiter):
    assert not selectors.may_see_all_scores(recruiter, world["application"])
    assert selectors.may_see_all_scores(recruiter, world["seen"])


def test_the_scorecards_api_hides_the_others_card(world, recruiter_api):
    ids = {
        row["id"]
        for row in recruiter_api.get("/api/v1/scorecards/?page_size=100").json()["results"]
    }
    assert world["mine"].scorecard.pk in ids
    assert world["other"].pk not in ids
    assert recruiter_api.get(f"/api/v1/scorecards/{world['other'].pk}/").status_code == 404


def test_the_ranking_api_shows_the_application_as_blind(world, recruiter_api):
    rows = recruiter_api.get(f"/api/v1/postings/{world['application'].posting_id}/ranking/").json()
    by_app = {row["application"]: row for row in rows}
    blind = by_app[world["application"].pk]
    assert blind["blind"] is True
    assert blind["score"] is None and blind["strong_yes"] == 0 and blind["adjusted_score"] is None
    assert by_app[world["seen"].pk]["blind"] is False
    assert by_app[world["seen"].pk]["score"] is not None


def test_the_admin_ranking_and_application_page_hide_the_scores(world, recruiter_client):
    posting = world["application"].posting
    page = recruiter_client.get(f"/admin/screening/application/ranking/?posting={posting.pk}")
    assert page.status_code == 200
    assert b'class="blind"' in page.content
    summary = selectors.application_summary(
        application=world["application"], viewer=world["mine"].reviewer
    )
    assert [c.pk for c in summary.scorecards] == [world["mine"].scorecard.pk]
    debrief = recruiter_client.get(
        f"/admin/screening/application/{world['application'].pk}/debrief/"
    )
    assert debrief.status_code == 403


def test_after_submitting_the_recruiter_sees_everything_again(world, recruiter_api, recruiter):
    submit_scores(world["mine"], dict.fromkeys(world["criteria"], 3))
    assert selectors.may_see_all_scores(recruiter, world["application"])
    ids = {
        row["id"]
        for row in recruiter_api.get("/api/v1/scorecards/?page_size=100").json()["results"]
    }
    assert world["other"].pk in ids
    rows = recruiter_api.get(f"/api/v1/postings/{world['application'].posting_id}/ranking/").json()
    assert all(not row["blind"] for row in rows)


def test_the_application_page_lists_only_their_own_card_while_scoring(world, recruiter_client):
    page = recruiter_client.get(f"/admin/screening/application/{world['application'].pk}/change/")
    assert page.status_code == 200
    other = world["other"].assignment.reviewer
    assert other.username not in page.content.decode()
    assert "Strong yes" not in page.content.decode()


def test_the_digest_leaves_out_what_its_reader_is_still_scoring(world, recruiter_client, recruiter):
    from reports import services as report_services
    from reports.digest import this_week_so_far

    posting = world["application"].posting
    digest = report_services.digest_preview(
        posting=posting, period=this_week_so_far(), viewer=recruiter
    )
    name = world["application"].candidate.full_name
    assert name not in digest.html
    assert world["seen"].candidate.full_name in digest.html
    csv_row = next(line for line in digest.csv.splitlines() if name in line)
    assert ",,," in csv_row  # score, adjusted score and tallies left blank
    page = recruiter_client.get(f"/admin/reports/report/digest/?posting={posting.pk}")
    assert page.status_code == 200
    assert name not in page.content.decode()
