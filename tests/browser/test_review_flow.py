"""The review flow in a real browser: a reviewer finds an overdue review in
"My reviews", scores it on the scorecard page (draft first, then submit), and
the recruiter reads the candidate's weighted score on the posting ranking.
Also: a reviewer does not see other reviewers' scores before submitting.

Playwright's sync API drives the system's Chromium (CHROMIUM_PATH, default
/usr/bin/chromium) against pytest-django's live server. Screenshots of each
main step go to TEST_ARTIFACTS_DIR/browser/."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect

from rubrics.anchors import SCALE_MIN
from rubrics.models import Criterion
from tests.browser.support import log_in
from tests.factories import (
    ApplicationFactory,
    RecruiterFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    submit_scores,
)


def log_out(page) -> None:
    page.locator("#logout-form button").click()
    expect(page.get_by_role("heading", name="Logged out")).to_be_visible()


def criteria_of(application) -> list[Criterion]:
    return list(application.rubric.criteria.order_by("order", "id"))


def choose(page, criterion: Criterion, level: int | None, note: str | None = None) -> None:
    value = "" if level is None else str(level)
    page.check(f'input[name="score_{criterion.pk}"][value="{value}"]')
    if note is not None:
        page.fill(f'textarea[name="note_{criterion.pk}"]', note)


def expected_score(levels: dict[Criterion, int | None], scale_max: int) -> str:
    """Σ w·(level − min)/(max − min) / Σ w × 100, one decimal, by hand."""
    span = Decimal(scale_max - SCALE_MIN)
    points = sum(
        c.weight * (Decimal(level - SCALE_MIN) / span)
        for c, level in levels.items()
        if level is not None
    )
    total = sum(c.weight for c in levels)
    return f"{Decimal(100) * points / total:.1f}"


def test_reviewer_scores_and_recruiter_sees_the_ranking(page, screenshots):
    recruiter = RecruiterFactory()
    reviewer = ReviewerFactory()
    application = ApplicationFactory()
    candidate = application.candidate
    due = timezone.localdate() - timedelta(days=3)
    ReviewAssignmentFactory(application=application, reviewer=reviewer, due_date=due)
    must_1, must_2, bonus = criteria_of(application)
    assert [must_1.kind, must_2.kind, bonus.kind] == ["must_have", "must_have", "bonus"]

    # My reviews: the overdue assignment, with a "Score" button.
    log_in(page, reviewer)
    page.goto("/admin/screening/myreview/")
    row = page.locator("#result_list tbody tr", has_text=candidate.full_name)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(f"{due.isoformat()} · overdue")
    expect(row.locator(".overdue")).to_be_visible()
    screenshots(page, "my-reviews")
    row.get_by_role("link", name="Score").click()

    # The scorecard: every criterion with its title and its anchors.
    expect(page.locator("#scorecard-status")).to_have_text("Draft")
    expect(page.locator("#content-main")).to_contain_text("overdue")
    for criterion in (must_1, must_2, bonus):
        block = page.locator(f"#criterion-{criterion.pk}")
        expect(block.locator("h3")).to_have_text(criterion.title)
        expect(block.locator("table.levels td.anchor")).to_have_text(["", *criterion.anchors])
        expect(block.locator(f'input[name="score_{criterion.pk}"]')).to_have_count(1 + 4)
    expect(page.get_by_role("heading", name="All reviewers")).to_have_count(0)
    screenshots(page, "scorecard-empty")

    # Save a draft with the must-haves and the recommendation.
    choose(page, must_1, 4, "Led the regional rollout of the new CT service plan.")
    choose(page, must_2, 3, "Three years on X-ray and CT repairs.")
    page.check('input[name="recommendation"][value="3"]')
    page.fill('textarea[name="summary"]', "Strong hands-on background.")
    screenshots(page, "scorecard-filled")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".messagelist")).to_contain_text("Draft saved.")
    expect(page.locator("#scorecard-status")).to_have_text("Draft")
    screenshots(page, "draft-saved")

    page.reload()
    expect(page.locator(f'input[name="score_{must_1.pk}"][value="4"]')).to_be_checked()
    expect(page.locator(f'input[name="score_{must_2.pk}"][value="3"]')).to_be_checked()
    expect(page.locator(f'input[name="score_{bonus.pk}"][value=""]')).to_be_checked()
    expect(page.locator(f'textarea[name="note_{must_1.pk}"]')).to_have_value(
        "Led the regional rollout of the new CT service plan."
    )
    expect(page.locator(f'textarea[name="note_{must_2.pk}"]')).to_have_value(
        "Three years on X-ray and CT repairs."
    )
    expect(page.locator('input[name="recommendation"][value="3"]')).to_be_checked()
    expect(page.locator('textarea[name="summary"]')).to_have_value("Strong hands-on background.")

    # Score the bonus too and submit.
    choose(page, bonus, 2, "Has used ServiceMax a little.")
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text(
        "Submitted. Other reviewers' scores are now visible."
    )
    expect(page.locator("#scorecard-status")).to_have_text("Submitted")
    expect(page.locator("#scorecard-form input[type=radio]")).to_have_count(0)
    expect(page.locator(f"#criterion-{must_1.pk} tr.chosen td.level")).to_have_text("✔ 4 · Exceeds")
    expect(page.locator(f"#criterion-{bonus.pk} tr.chosen td.level")).to_have_text(
        "✔ 2 · Partially meets"
    )
    expect(page.locator("#content-main")).not_to_contain_text("overdue")
    screenshots(page, "submitted")

    page.goto("/admin/screening/myreview/")
    row = page.locator("#result_list tbody tr", has_text=candidate.full_name)
    expect(row).to_contain_text("Submitted")
    expect(row).not_to_contain_text("overdue")
    expect(row.get_by_role("link", name="View scorecard")).to_be_visible()
    log_out(page)

    # The recruiter's ranking shows the weighted score computed by hand.
    levels = {must_1: 4, must_2: 3, bonus: 2}
    expected = expected_score(levels, application.rubric.scale_max)
    assert expected == "70.8"  # (37.5·3/3 + 37.5·2/3 + 25·1/3) / 100 × 100
    log_in(page, recruiter)
    page.goto(f"/admin/screening/application/ranking/?posting={application.posting_id}")
    row = page.locator("tr.ranking-row", has_text=candidate.full_name)
    expect(row).to_have_count(1)
    expect(row.locator("td.score")).to_have_text(expected)
    expect(row.locator("td").nth(0)).to_have_text("1")
    expect(row).to_contain_text("pass")
    screenshots(page, "ranking")


def test_reviewer_sees_other_scores_only_after_submitting(page, screenshots):
    screenshots.prefix = "blind-"
    application = ApplicationFactory()
    first, second = ReviewerFactory(), ReviewerFactory()
    for reviewer in (first, second):
        ReviewAssignmentFactory(application=application, reviewer=reviewer)
    must_1, must_2, bonus = criteria_of(application)
    others = {must_1: 2, must_2: 1, bonus: None}
    submit_scores(first.review_assignments.get(), others, recommendation=1)
    first_name = first.get_full_name()

    log_in(page, second)
    page.goto("/admin/screening/myreview/")
    page.locator("#result_list tbody tr", has_text=application.candidate.full_name).get_by_role(
        "link", name="Score"
    ).click()
    expect(page.locator("#scorecard-status")).to_have_text("Draft")
    expect(page.get_by_role("heading", name="All reviewers")).to_have_count(0)
    expect(page.locator("#consensus")).to_have_count(0)
    expect(page.locator("#content")).not_to_contain_text(first_name)
    screenshots(page, "draft-does-not-show-others")

    choose(page, must_1, 3)
    choose(page, must_2, 3)
    choose(page, bonus, 4)
    page.check('input[name="recommendation"][value="4"]')
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.locator("#scorecard-status")).to_have_text("Submitted")
    expect(page.get_by_role("heading", name="All reviewers")).to_be_visible()
    # text_content, not inner_text: the admin CSS upper-cases table headers.
    headers = [t.strip() for t in page.locator("#consensus thead th").all_text_contents()]
    assert first_name in headers, headers
    column = headers.index(first_name)
    for criterion, level in others.items():
        cells = page.locator("#consensus tbody tr", has_text=criterion.title).locator("td")
        expect(cells.nth(column)).to_have_text("—" if level is None else str(level))
    screenshots(page, "submitted-shows-others")
