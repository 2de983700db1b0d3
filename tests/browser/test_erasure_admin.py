"""Data protection in the admin, in a real browser at 1366 px: the erase action's
confirmation page, the legal-hold reason page, the candidate's change page with its hold
and erasure fieldsets, the "Due for erasure" page and the retention runs."""

from django.utils import timezone
from playwright.sync_api import expect

from rubrics.models import JobPosting
from screening.models import Candidate
from screening.privacy.retention import add_months, legal_hold_place
from tests.browser.support import assert_fits, log_in
from tests.factories import ApplicationFactory, CandidateFactory, RecruiterFactory, published_rubric


def _select_and_run(page, names: list[str], action_label: str) -> None:
    page.goto("/admin/screening/candidate/")
    for name in names:
        page.locator("#result_list tr", has_text=name).locator("input.action-select").check()
    page.select_option('select[name="action"]', label=action_label)
    page.get_by_title("Run the selected action").click()


def test_erase_hold_and_retention_pages(page, screenshots):
    recruiter = RecruiterFactory()
    rubric = published_rubric()
    JobPosting.objects.filter(pk=rubric.posting_id).update(
        status=JobPosting.Status.CLOSED, closed_at=add_months(timezone.now(), -30)
    )
    due = ApplicationFactory(
        rubric=rubric, posting=rubric.posting, candidate=CandidateFactory(full_name="Ines Marlowe")
    ).candidate
    held = ApplicationFactory(
        rubric=rubric,
        posting=rubric.posting,
        candidate=CandidateFactory(full_name="Oskar Lindqvist"),
    ).candidate
    legal_hold_place(
        candidate=held,
        actor=recruiter,
        reason="Employment tribunal claim ET/2026/0418: keep every record until it is decided.",
    )
    target = ApplicationFactory(
        candidate=CandidateFactory(full_name="Wendeline Abernathy-Kowalczyk")
    ).candidate

    screenshots.prefix = "erasure-"
    log_in(page, recruiter)

    # The erase action asks first, saying what goes and what stays.
    _select_and_run(
        page, ["Wendeline Abernathy-Kowalczyk", "Oskar Lindqvist"], "Erase personal data…"
    )
    expect(page.get_by_role("heading", name="Confirm the erasure")).to_be_visible()
    expect(page.locator("#action-candidates")).to_contain_text(
        "Under legal hold: Employment tribunal"
    )
    assert_fits(page)
    screenshots(page, "erase-confirmation")
    page.fill("#id_reference", "DSAR ticket 2026-117")
    page.get_by_role("button", name="Erase 1 candidate").click()
    expect(page.locator(".messagelist")).to_contain_text("Erased the personal data of 1 candidate")
    assert_fits(page)
    screenshots(page, "erased-message")
    target.refresh_from_db()
    assert target.is_erased

    # The erased candidate's page: read-only, the pseudonym shown.
    page.goto(f"/admin/screening/candidate/{target.pk}/change/")
    expect(page.locator(".field-pseudonym")).to_contain_text(target.pseudonym)
    assert page.locator('input[name="full_name"]').count() == 0
    assert_fits(page)
    screenshots(page, "erased-candidate")

    # The legal hold asks for a reason.
    _select_and_run(page, ["Ines Marlowe"], "Place on legal hold…")
    expect(page.locator("#id_reason")).to_be_visible()
    assert_fits(page)
    screenshots(page, "hold-reason")
    page.get_by_role("link", name="Cancel").click()

    # The held candidate's page shows the hold.
    page.goto(f"/admin/screening/candidate/{held.pk}/change/")
    expect(page.locator(".field-legal_hold_reason")).to_contain_text("ET/2026/0418")
    assert_fits(page)
    screenshots(page, "held-candidate")

    # Due for erasure: who would go, who is held and why; then run it.
    page.goto("/admin/screening/candidate/")
    page.get_by_role("link", name="Due for erasure").click()
    expect(page.locator("#due-erase")).to_contain_text("(1)")
    expect(page.locator("#content-main")).to_contain_text("Ines Marlowe")
    expect(page.locator("#content-main")).to_contain_text("ET/2026/0418")
    assert_fits(page)
    screenshots(page, "due-for-erasure")
    page.get_by_role("button", name="Run now: erase 1 candidate").click()
    expect(page.locator(".messagelist")).to_contain_text("erased 1 candidate")
    assert_fits(page)
    screenshots(page, "retention-runs")
    assert Candidate.objects.get(pk=due.pk).is_erased
    assert not Candidate.objects.get(pk=held.pk).is_erased
