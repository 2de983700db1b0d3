"""The debrief, the ranking and its bulk actions in a real browser at 1366 × 768: the
recruiter goes from the admin index to the top candidate's debrief (five reviewers, long
notes, nothing scrolls sideways), back to the ranking, sorts it, and rejects and moves
candidates from it; the assign-reviewers form reads like an admin form.

Screenshots of each page go to TEST_ARTIFACTS_DIR/browser/ (prefix "debrief-")."""

import pytest
from playwright.sync_api import expect

from screening import services
from screening.models import Application
from tests.browser.support import assert_fits, log_in
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    RecruiterFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    published_rubric,
)

LONG_NOTE = (
    "Described the migration of a fleet of forty field units to the new diagnostic "
    "firmware, including the rollback plan, the on-call rota and what went wrong in week "
    "two; supersonicallyunbreakablewordwithoutanyspacesatalltotestwrapping. "
)


def review(application, reviewer, levels, note, summary, recommendation=3):
    assignment = ReviewAssignmentFactory(application=application, reviewer=reviewer)
    criteria = list(application.rubric.criteria.order_by("order", "id"))
    services.scorecard_save(
        scorecard=assignment.scorecard,
        reviewer=reviewer,
        scores=[
            {"criterion": c.pk, "value": level, "note": note}
            for c, level in zip(criteria, levels, strict=True)
        ],
        recommendation=recommendation,
        summary=summary,
        submit=True,
        schedule_calibration=False,
    )


@pytest.fixture
def world():
    rubric = published_rubric()
    reviewers = [
        ReviewerFactory(first_name=first, last_name=last)
        for first, last in [
            ("Grace", "Hopper"),
            ("Katherine", "Johnson"),
            ("Mary", "Jackson"),
            ("Dorothy", "Vaughan-Montgomery-Smythe"),
            ("Annie", "Easley"),
        ]
    ]
    top = ApplicationFactory(rubric=rubric, candidate=CandidateFactory(full_name="Ada Lovelace"))
    for i, reviewer in enumerate(reviewers):
        review(
            top,
            reviewer,
            (4, 3 + i % 2, 2 + i % 3),
            LONG_NOTE * (1 + i % 2),
            f"Summary {i}: " + LONG_NOTE,
            recommendation=4 - i % 2,
        )
    ReviewAssignmentFactory(application=top, reviewer=ReviewerFactory(first_name="Pending"))
    others = []
    for name, levels in [("Bo Brown", (3, 3, 1)), ("Cy Cole", (1, 2, 1)), ("Di Dee", (2, 2, 2))]:
        application = ApplicationFactory(rubric=rubric, candidate=CandidateFactory(full_name=name))
        review(application, reviewers[0], levels, "Short note.", "Fine.")
        others.append(application)
    return {"rubric": rubric, "top": top, "others": others, "reviewers": reviewers}


def test_recruiter_reaches_the_top_debrief_in_two_clicks(page, screenshots, world):
    screenshots.prefix = "debrief-"
    log_in(page, RecruiterFactory())

    # Index → Ranking → the top candidate: two clicks.
    page.goto("/admin/")
    page.locator("#content-main").get_by_role("link", name="Ranking", exact=True).click()
    expect(page.locator("tr.ranking-row").first).to_contain_text("Ada Lovelace")
    assert_fits(page)
    screenshots(page, "ranking")
    page.locator("tr.ranking-row").first.get_by_role("link", name="Ada Lovelace").click()

    expect(page.locator("h1")).to_have_text("Debrief — Ada Lovelace")
    for reviewer in world["reviewers"]:
        expect(page.locator("#debrief-criteria thead")).to_contain_text(reviewer.get_full_name())
    expect(page.locator("#debrief-criteria tbody tr")).to_have_count(3)
    expect(page.locator("#debrief-criteria .note").first).to_contain_text("forty field units")
    expect(page.locator("#debrief-pending")).to_contain_text("Pending")
    expect(page.locator("#debrief-ranking")).to_contain_text("#1 of 4")
    assert_fits(page)
    screenshots(page, "top-debrief")

    # Next in the ranking, then back to the ranking.
    page.locator("#debrief-next").click()
    expect(page.locator("h1")).to_have_text("Debrief — Bo Brown")
    assert_fits(page)
    page.locator("#debrief-ranking").click()
    expect(page.locator("#ranking")).to_be_visible()


def test_ranking_sorts_with_arrows_and_keeps_the_rank(page, screenshots, world):
    screenshots.prefix = "debrief-"
    log_in(page, RecruiterFactory())
    page.goto(f"/admin/screening/application/ranking/?posting={world['rubric'].posting_id}")

    score = page.locator("#ranking thead th", has_text="Score")
    expect(score).to_have_attribute("aria-sort", "descending")
    arrow = score.locator("a").evaluate("a => getComputedStyle(a, '::after').content")
    assert arrow == '"▼"'
    score.locator("a").click()
    expect(page.locator("#ranking thead th", has_text="Score")).to_have_attribute(
        "aria-sort", "ascending"
    )
    first = page.locator("tr.ranking-row").first
    expect(first).to_contain_text("Cy Cole")
    expect(first.locator("td.rank")).to_have_text("4")
    assert_fits(page)
    screenshots(page, "ranking-ascending")


def test_bulk_actions_from_the_ranking(page, screenshots, world):
    screenshots.prefix = "debrief-"
    log_in(page, RecruiterFactory())
    bo, cy, di = world["others"]
    page.goto(f"/admin/screening/application/ranking/?posting={world['rubric'].posting_id}")

    # Reject two at once.
    for application in (cy, di):
        page.check(f'#ranking input[name="_selected_action"][value="{application.pk}"]')
    page.select_option('#ranking-actions select[name="action"]', "reject")
    page.locator("#ranking-actions").get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist")).to_contain_text("Moved 2 applications to Rejected")
    expect(page.locator("#ranking")).to_be_visible()
    assert set(
        Application.objects.filter(pk__in=[cy.pk, di.pk]).values_list("stage", flat=True)
    ) == {"rejected"}
    assert_fits(page)
    screenshots(page, "ranking-after-reject")

    # Move one to Interview through the stage form.
    page.check(f'#ranking input[name="_selected_action"][value="{bo.pk}"]')
    page.select_option('#ranking-actions select[name="action"]', "move_to_stage")
    page.locator("#ranking-actions").get_by_role("button", name="Go").click()
    expect(page.locator("h1")).to_have_text("Move to stage")
    assert_fits(page)
    screenshots(page, "stage-form")
    page.get_by_label("Interview").check()
    page.get_by_role("button", name="Move").click()
    expect(page.locator(".messagelist")).to_contain_text("Moved 1 application to Interview")
    assert Application.objects.get(pk=bo.pk).stage == "interview"

    # The assign-reviewers form: checkboxes, the admin's date widget, Cancel back.
    page.locator("#ranking-toggle").check()
    page.select_option('#ranking-actions select[name="action"]', "assign_reviewers")
    page.locator("#ranking-actions").get_by_role("button", name="Go").click()
    expect(page.locator("h1")).to_have_text("Assign reviewers")
    expect(page.locator("#action-applications li")).to_have_count(4)
    expect(page.locator(".datetimeshortcuts")).to_be_visible()
    assert_fits(page)
    screenshots(page, "assign-form")
    page.get_by_label(world["reviewers"][1].get_full_name(), exact=False).check()
    page.fill("#id_due_date", "2031-05-01")
    page.get_by_role("button", name="Assign reviewers").click()
    expect(page.locator(".messagelist")).to_contain_text(
        f"Assigned {world['reviewers'][1].get_full_name()} to "
    )
    expect(page.locator("#ranking")).to_be_visible()
    screenshots(page, "ranking-after-assign")


def test_reviewer_reads_the_debrief_only_after_submitting(page, screenshots, world):
    screenshots.prefix = "debrief-reviewer-"
    latecomer = ReviewerFactory(first_name="Late", last_name="Comer")
    application = world["top"]
    assignment = ReviewAssignmentFactory(application=application, reviewer=latecomer)
    url = f"/admin/screening/application/{application.pk}/debrief/"
    log_in(page, latecomer)

    # Blind scoring: before submitting, the debrief is refused.
    assert page.goto(url).status == 403

    criteria = list(application.rubric.criteria.order_by("order", "id"))
    services.scorecard_save(
        scorecard=assignment.scorecard,
        reviewer=latecomer,
        scores=[{"criterion": c.pk, "value": 3, "note": "Late but fair."} for c in criteria],
        recommendation=3,
        submit=True,
        schedule_calibration=False,
    )
    assert page.goto(url).status == 200
    expect(page.locator("#debrief-criteria thead")).to_contain_text("Late Comer")
    expect(page.locator("#debrief-criteria thead")).to_contain_text("Grace Hopper")
    expect(page.locator("#debrief-nav")).to_have_count(0)
    assert_fits(page)
    screenshots(page, "after-submitting")
