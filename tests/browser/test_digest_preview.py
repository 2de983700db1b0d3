"""A posting's digest from the admin, in Chromium at 1366 × 768: the recruiter
opens "Preview or send a digest" from the report list, previews this week so
far (the frame counts today's submissions, its links point at SITE_URL), is
told what is wrong with a custom range that ends before it starts, and sends
the digest, landing on the stored report. No page scrolls sideways.
Screenshots go to TEST_ARTIFACTS_DIR/browser/."""

import re

from django.core import mail
from playwright.sync_api import expect

from reports.models import Report
from tests.browser.support import assert_fits, log_in
from tests.reports.support import SITE, digest_world


def test_recruiter_previews_this_week_so_far_and_sends_it_now(page, screenshots, settings):
    settings.SITE_URL = SITE
    world = digest_world()  # 20 scorecards submitted just now; Rita is its recruiter
    log_in(page, world.recruiter)

    page.goto("/admin/reports/report/")
    page.get_by_role("link", name="Preview or send a digest").click()
    expect(page.get_by_role("heading", name="Preview or send a digest")).to_be_visible()
    assert_fits(page)
    screenshots(page, "digest-form")

    page.select_option("#id_posting", label="Imaging Field Engineer")
    expect(page.get_by_role("radio", name=re.compile(r"^This week so far"))).to_be_checked()
    page.get_by_role("button", name="Preview").click()

    frame = page.frame_locator('iframe[title="Digest preview"]')
    expect(frame.get_by_text(re.compile(r"20 scorecards submitted .* \(so far\)"))).to_be_visible()
    ranking = frame.get_by_role("link", name="Open the ranking")
    expect(ranking).to_have_attribute(
        "href", f"{SITE}/admin/screening/application/ranking/?posting={world.posting.pk}"
    )
    expect(page.get_by_text("To rita@example.org.")).to_be_visible()
    assert_fits(page)
    screenshots(page, "digest-preview")

    expect(page.get_by_label("From:")).to_be_hidden()  # until a custom range is chosen
    page.get_by_role("radio", name="Custom range").check()
    page.fill("#id_date_from", "2026-11-20")
    page.fill("#id_date_to", "2026-11-18")
    page.get_by_role("button", name="Preview").click()
    expect(
        page.get_by_text("The last day (Wed 18 Nov 2026) is before the first (Fri 20 Nov 2026).")
    ).to_be_visible()
    expect(page.locator("iframe")).to_have_count(0)
    assert_fits(page)
    screenshots(page, "digest-range-error")

    page.get_by_role("radio", name=re.compile(r"^This week so far")).check()
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("button", name="Send now").click()

    expect(page.locator(".messagelist .success")).to_contain_text("sent to rita@example.org.")
    report = Report.objects.get()
    assert page.url.endswith(f"/admin/reports/report/{report.pk}/change/")
    assert [m.to for m in mail.outbox] == [["rita@example.org"]]
    stored = page.frame_locator('iframe[title="Report"]')
    expect(stored.get_by_text(re.compile(r"20 scorecards submitted .* \(so far\)"))).to_be_visible()
    assert_fits(page)
    screenshots(page, "digest-sent")
