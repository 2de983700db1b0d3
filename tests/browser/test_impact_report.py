"""The adverse-impact report in Chromium at 1366 × 768: a fairness analyst opens it from the
admin index, chooses a posting, and reads the selection rates, the flagged criterion and the
notes on what a flag means; a small group is nowhere on the page. A recruiter is refused.
No page scrolls sideways. Screenshots go to TEST_ARTIFACTS_DIR/browser/."""

from playwright.sync_api import expect

from tests.browser.support import assert_fits, log_in
from tests.factories import AnalystFactory, RecruiterFactory, impact_posting


def test_analyst_reads_a_postings_adverse_impact_report(page, screenshots):
    posting, _, _ = impact_posting()
    analyst = AnalystFactory()
    log_in(page, analyst)

    page.goto("/admin/")
    page.get_by_role("link", name="Adverse-impact report").click()
    expect(page.get_by_role("heading", name="Adverse-impact report")).to_be_visible()
    assert_fits(page)
    screenshots(page, "impact-form")

    page.select_option("#id_posting", label=posting.title)
    page.get_by_role("button", name="Show report").click()
    report = page.locator("#impact-report")
    expect(report.get_by_role("heading", name="Gender")).to_be_visible()
    expect(report.get_by_text("not proof of discrimination")).to_be_visible()
    flagged = report.locator("section#category-1 table.score-differences tr.flagged")
    expect(flagged).to_have_count(2)
    expect(flagged.first).to_contain_text("Experience")
    expect(page.get_by_text("Non-binary")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    assert_fits(page)
    screenshots(page, "impact-report")


def test_recruiter_is_refused_the_report(page):
    impact_posting(per_group=5)
    log_in(page, RecruiterFactory())
    page.goto("/admin/")
    expect(page.get_by_role("link", name="Adverse-impact report")).to_have_count(0)
    response = page.goto("/admin/reports/candidatedemographics/report/")
    assert response.status == 403
