"""The weekly digest as a person sees it: the stored HTML, with its charts
turned into data: URIs, opened in the system's Chromium (headless, launched
as tests/browser/support.py says); the charts must have loaded and be shown
at a readable size next to the reviewer table and the top candidates. A
full-page screenshot goes to TEST_ARTIFACTS_DIR/reports/digest.png.

Also the admin's report page, whose preview frame should show the digest."""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect, sync_playwright

from reports.digest import html_with_inline_images
from reports.services import digest_prepare, report_send
from tests.browser.support import CHROMIUM_ARGS, CHROMIUM_PATH, VIEWPORT, log_in
from tests.factories import UserFactory
from tests.reports.support import digest_world, now_wednesday

CHART_STATE = """img => ({
    complete: img.complete,
    naturalWidth: img.naturalWidth,
    naturalHeight: img.naturalHeight,
    width: img.getBoundingClientRect().width,
    height: img.getBoundingClientRect().height,
})"""


@pytest.fixture
def digest_html(db, monkeypatch) -> str:
    """The digest world's stored digest, as a browser opens it. Built before
    Playwright starts, so no ORM call runs under its event loop. Its 7
    scorecards per reviewer are below the minimum for a flag (README, "Small
    samples"); this page shows flags, so the minimums come down to its size."""
    monkeypatch.setattr("calibration.compute.MIN_SCORECARDS_TO_FLAG", 5)
    monkeypatch.setattr("calibration.compute.MIN_SHARED_APPLICATIONS_TO_FLAG", 5)
    world = digest_world()
    report = digest_prepare(posting=world.posting, now=now_wednesday())
    assert sorted(report.images) == ["distribution", "severity"]
    return html_with_inline_images(report.html, report.images)


@pytest.fixture
def digest_page(digest_html):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.set_default_timeout(15_000)
            page.set_content(digest_html, wait_until="load")
            path = Path(settings.TEST_ARTIFACTS_DIR) / "reports" / "digest.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(path), full_page=True)
            yield page
        finally:
            browser.close()


def test_digest_screenshot_is_saved(digest_page):
    path = Path(settings.TEST_ARTIFACTS_DIR) / "reports" / "digest.png"

    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_digest_charts_are_loaded_and_shown_at_a_readable_size(digest_page):
    charts = digest_page.locator("img.chart")
    expect(charts).to_have_count(2)

    for chart_id in ("chart-severity", "chart-distribution"):
        chart = digest_page.locator(f"img#{chart_id}")
        expect(chart).to_be_visible()
        state = chart.evaluate(CHART_STATE)
        assert state["complete"] is True, chart_id
        assert state["naturalWidth"] > 0 and state["naturalHeight"] > 0, (chart_id, state)
        assert state["width"] > 300, (chart_id, state)
        assert state["height"] > 100, (chart_id, state)


def test_digest_charts_fit_the_page_without_scrolling_sideways(digest_page):
    widths = digest_page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )

    assert widths[0] <= widths[1]


def test_digest_reviewer_table_is_visible(digest_page):
    table = digest_page.locator("table#severity")

    expect(table).to_be_visible()
    expect(table.locator("tr").nth(1)).to_contain_text("Cleo Tester")
    expect(table.locator("tr")).to_have_count(4)


def test_digest_top_candidates_are_visible(digest_page):
    expect(digest_page.get_by_role("heading", name="Top candidates")).to_be_visible()
    expect(digest_page.locator("#top-raw li").first).to_have_text("Solo Cleo — 91.7")
    expect(digest_page.locator("#top-adjusted li").first).to_have_text("Candidate 2 — 77.8")


# --- The admin's preview -----------------------------------------------------------------


def digest_world_report():
    world = digest_world()
    report = digest_prepare(posting=world.posting, now=now_wednesday())
    report_send(report=report)
    return report


def test_admin_report_page_shows_the_digest_in_its_preview(page):
    report = digest_world_report()
    log_in(page, UserFactory(username="root", is_superuser=True))

    page.goto(f"/admin/reports/report/{report.pk}/change/")

    preview = page.frame_locator('iframe[title="Report"]')
    try:
        expect(preview.locator("h1")).to_have_text("Imaging Field Engineer", timeout=5_000)
    finally:
        path = Path(settings.TEST_ARTIFACTS_DIR) / "reports" / "admin-preview.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)


def test_admin_report_preview_spans_the_page(page):
    report = digest_world_report()
    log_in(page, UserFactory(username="root", is_superuser=True))

    page.goto(f"/admin/reports/report/{report.pk}/change/")

    preview = page.locator('iframe[title="Report"]')
    expect(preview).to_be_visible()
    assert preview.bounding_box()["width"] > 600
