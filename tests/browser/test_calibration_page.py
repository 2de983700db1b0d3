"""The calibration pages in a real browser at 1366 × 768: the recruiter starts a
run from the run list (without a broker it has finished by the time the page
says so), reads the summary, the tables and their help, opens the raw numbers;
the run list shows a progress bar only for a run at work. No page scrolls
sideways. Screenshots go to TEST_ARTIFACTS_DIR/browser/calibration-*."""

import re

from playwright.sync_api import expect

from calibration.models import CalibrationRun
from tests.browser.support import assert_fits, log_in
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    RecruiterFactory,
    ReviewerFactory,
    assign_and_submit,
    published_rubric,
)


def scored_rubric():
    """Twelve candidates scored by Ada Moreau and Ben Okafor alike and by Chloe
    Martin one level lower (severe); Sam Lee scored only three of them."""
    rubric = published_rubric()
    criteria = list(rubric.criteria.order_by("order", "id"))
    ada, ben, chloe, sam = (
        ReviewerFactory(username=username, first_name=first, last_name=last)
        for username, first, last in (
            ("ada", "Ada", "Moreau"),
            ("ben", "Ben", "Okafor"),
            ("chloe", "Chloe", "Martin"),
            ("sam", "Sam", "Lee"),
        )
    )
    for i in range(24):
        application = ApplicationFactory(
            rubric=rubric, candidate=CandidateFactory(full_name=f"Candidate {i + 1}")
        )
        base = [2 + i % 3] * 3
        noisy = [base[0] - (i % 4 == 0), *base[1:]]
        assign_and_submit(application, ada, criteria, base)
        assign_and_submit(application, ben, criteria, noisy)
        assign_and_submit(application, chloe, criteria, [v - 1 for v in base])
        if i < 3:
            assign_and_submit(application, sam, criteria, base)
    return rubric


def test_recruiter_starts_a_run_and_reads_it_in_words(page, screenshots):
    screenshots.prefix = "calibration-"
    recruiter = RecruiterFactory(first_name="Rita", last_name="Recruiter")
    rubric = scored_rubric()
    log_in(page, recruiter)

    # Index → Calibration runs → Start a run → Run calibration: three clicks.
    page.get_by_role("link", name="Calibration runs").first.click()
    page.get_by_role("link", name="Start a run").click()
    expect(page.get_by_role("cell", name=rubric.posting.title)).to_be_visible()
    assert_fits(page)
    screenshots(page, "start")
    page.get_by_role("button", name="Run calibration").click()

    run = CalibrationRun.objects.get()
    assert run.status == "succeeded"
    # Without a broker the run is over by the time the message is written.
    message = page.locator("ul.messagelist li")
    expect(message).to_contain_text(f"Calibration run #{run.pk} finished: 225 ratings of 24")
    expect(message.get_by_role("link", name=f"#{run.pk}")).to_be_visible()
    expect(page.locator("#run-status")).to_have_text("Succeeded")

    chloe = run.reviewers.get(reviewer__username="chloe")
    assert chloe.severity < -0.5
    summary = page.locator("#summary")
    expect(summary).to_contain_text(
        f"Chloe Martin scores {-chloe.severity_shrunk:.2f} points below the others on the "
        "same candidates"
    )
    expect(summary).to_contain_text("What to do: Schedule a calibration session with Chloe Martin")
    expect(summary).to_contain_text(
        "Too few scorecards to say anything about Sam Lee yet (3; we need 5)."
    )
    chloe_row = page.locator("#reviewers tbody tr.flagged", has_text="Chloe Martin")
    expect(chloe_row).to_contain_text("severe")
    expect(chloe_row.locator("span.flag")).to_have_attribute("title", re.compile("^Severe: scores"))
    expect(page.locator("#reviewers thead abbr", has_text="Leniency")).to_have_attribute(
        "title",
        "Severity from the rater-effects model (score = candidate + reviewer + criterion + "
        "noise, in scale points), shrunk by empirical Bayes, with its 95% interval",
    )
    expect(page.locator("#reviewers thead abbr", has_text="Halo")).to_have_attribute(
        "title", re.compile("flagged above 1.5")
    )
    expect(page.locator("#separation")).to_contain_text("Reviewer separation")
    expect(page.locator("#agreement")).to_contain_text("Agreement per criterion (median and range)")
    expect(page.locator("#groups-warning")).to_have_count(0)
    expect(page.locator("#raw-numbers pre")).to_be_hidden()
    assert_fits(page)
    screenshots(page, "run")

    page.locator("#raw-numbers summary").click()
    expect(page.locator("#raw-numbers pre")).to_contain_text('"krippendorff_alpha"')
    assert_fits(page)
    screenshots(page, "run-raw-numbers")


def test_run_list_shows_a_bar_only_while_a_run_works(page, screenshots):
    screenshots.prefix = "calibration-"
    recruiter = RecruiterFactory()
    rubric = published_rubric()
    CalibrationRun.objects.create(rubric=rubric, status="succeeded", n_ratings=120, n_reviewers=3)
    CalibrationRun.objects.create(
        rubric=rubric, status="running", progress=35, progress_message="Fitting 120 ratings"
    )
    log_in(page, recruiter)

    page.goto("/admin/calibration/calibrationrun/")

    cells = page.locator("td.field-progress_display")
    expect(cells).to_have_count(2)
    expect(cells.nth(0).locator("progress")).to_have_attribute("value", "35")
    expect(cells.nth(0)).to_contain_text("35%")
    expect(cells.nth(1)).to_have_text("—")
    screenshots(page, "run-list")
    assert_fits(page)
    # The admin scrolls a too-wide result table inside its box: not here.
    assert page.evaluate(
        "(() => { const r = document.querySelector('#changelist .results');"
        " return r.scrollWidth <= r.clientWidth; })()"
    )
    expect(page.locator("th.column-created")).to_be_in_viewport()


def test_two_groups_of_reviewers_are_named_on_the_run_page_and_the_ranking(page, screenshots):
    """Ada and Ben score twelve candidates, Chloe and Dan eight others: no
    candidate links them, so the run page and the ranking say which reviewers
    are in which group, that adjusted scores compare only within one, and
    how to link them; each adjusted score carries its group."""
    screenshots.prefix = "calibration-"
    recruiter = RecruiterFactory(first_name="Rita", last_name="Recruiter")
    rubric = published_rubric()
    criteria = list(rubric.criteria.order_by("order", "id"))
    ada, ben, chloe, dan = (
        ReviewerFactory(username=first.lower(), first_name=first, last_name=last)
        for first, last in (
            ("Ada", "Moreau"),
            ("Ben", "Okafor"),
            ("Chloe", "Martin"),
            ("Dan", "Wu"),
        )
    )
    for i in range(20):
        application = ApplicationFactory(
            rubric=rubric, candidate=CandidateFactory(full_name=f"Candidate {i + 1}")
        )
        level = 1 + i % 3
        pair = (ada, ben) if i < 12 else (chloe, dan)
        assign_and_submit(application, pair[0], criteria, [level, level, 1 + (i + 1) % 3])
        assign_and_submit(application, pair[1], criteria, [level, 1 + (i + 1) % 3, level])
    log_in(page, recruiter)
    page.goto("/admin/calibration/calibrationrun/start/")
    page.get_by_label("Model").select_option("linear")
    page.get_by_role("button", name="Run calibration").click()

    warning = page.locator("#groups-warning")
    expect(warning).to_contain_text("Not every reviewer can be compared.")
    expect(warning).to_contain_text(
        "group 1: Ada Moreau and Ben Okafor (12 candidates); group 2: Chloe Martin and Dan Wu "
        "(8 candidates)"
    )
    expect(warning).to_contain_text("assign a few candidates (three or more)")
    expect(page.locator("#reviewers .group", has_text="group 2")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    assert_fits(page)
    screenshots(page, "run-two-groups")

    page.get_by_role("link", name="Ranking with severity-adjusted scores").click()
    banner = page.locator("#calibration-groups")
    expect(banner).to_contain_text("adjusted scores compare only within a group")
    expect(page.locator("td.adjusted-score", has_text="g2")).to_have_count(8)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    assert_fits(page)
    screenshots(page, "ranking-two-groups")
