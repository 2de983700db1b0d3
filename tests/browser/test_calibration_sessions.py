"""Calibration sessions in a real browser at 1366 px: a recruiter makes a session (a real
application and one written for training, with the answer key), opens it; a reviewer
scores it blind and reads their distance from the key; the recruiter reads the results.
Screenshots of each page go to TEST_ARTIFACTS_DIR/browser/."""

from playwright.sync_api import expect

from calibration import sessions
from calibration.models import CalibrationSession
from tests.browser.support import VIEWPORT, assert_fits, log_in
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    RecruiterFactory,
    ReviewerFactory,
    service_rubric,
    session_ratings,
)

KEYS = ((3, 2, 1), (2, 4, 3))
LEVELS = ((4, 3, 1), (3, 4, 4))


def log_out(page) -> None:
    page.locator("#logout-form button").click()
    expect(page.get_by_role("heading", name="Logged out")).to_be_visible()


def fits(page) -> None:
    assert_fits(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT["width"]


def test_a_session_from_making_to_results(page, screenshots):
    recruiter = RecruiterFactory(first_name="Rita", last_name="Cole")
    lena = ReviewerFactory(first_name="Lena", last_name="Hart")
    sam = ReviewerFactory(first_name="Sam", last_name="Ito")
    rubric = service_rubric()
    application = ApplicationFactory(
        rubric=rubric, candidate=CandidateFactory(full_name="Dana Whitfield")
    )
    criteria = sessions.session_criteria(rubric)

    # The recruiter makes the session: posting, title, who agreed the key, reviewers.
    log_in(page, recruiter)
    page.goto("/admin/calibration/calibrationsession/add/")
    page.select_option("#id_posting", str(rubric.posting.pk))
    page.fill("#id_title", "Spring calibration")
    page.fill("#id_key_agreed_by", "Ana Ruiz and Ben Okafor")
    page.get_by_label("Lena Hart").check()
    page.get_by_label("Sam Ito").check()
    fits(page)
    screenshots(page, "session-add")
    page.get_by_role("button", name="Save", exact=True).click()

    # Then the items and their key, and it opens for scoring.
    expect(page.locator("#session-state")).to_contain_text("A draft")
    page.select_option("#id_items-0-application", str(application.pk))
    page.fill("#id_items-1-title", "Practice: a career changer")
    page.fill(
        "#id_items-1-profile",
        "Ten years running a retail electronics repair counter; a certificate in "
        "electronics last year; no service software yet.",
    )
    for n, levels in enumerate(KEYS):
        for c, level in zip(criteria, levels, strict=True):
            page.select_option(f"#id_items-{n}-key_{c.pk}", str(level))
    fits(page)
    screenshots(page, "session-items-and-key")
    page.get_by_role("button", name="Save and open for scoring").click()
    expect(page.locator(".messagelist")).to_contain_text("is open")
    expect(page.locator("#session-key")).to_contain_text("3 · Meets")
    fits(page)
    screenshots(page, "session-open")
    session = CalibrationSession.objects.get()
    assert session.status == "open"
    # Sam has scored already; Lena is next.
    sessions.session_submit(session=session, reviewer=sam, ratings=session_ratings(session, KEYS))
    log_out(page)

    # Lena scores blind: the levels with their anchors, no key.
    log_in(page, lena)
    page.goto("/admin/")
    page.get_by_role("link", name="My calibration sessions").click()
    row = page.locator("#result_list tbody tr", has_text="Spring calibration")
    expect(row).to_contain_text("To score")
    fits(page)
    screenshots(page, "my-calibration-sessions")
    row.get_by_role("link", name="Score").click()
    expect(page.locator("#blind-note")).to_be_visible()
    expect(page.locator("#content-main")).not_to_contain_text("Ana Ruiz")
    items = list(session.items.order_by("order", "id"))
    for item, levels in zip(items, LEVELS, strict=True):
        for c, level in zip(criteria, levels, strict=True):
            page.check(f'input[name="level_{item.pk}_{c.pk}"][value="{level}"]')
    fits(page)
    screenshots(page, "session-scoring")
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("#submitted")).to_contain_text("Ana Ruiz and Ben Okafor")
    expect(page.locator("#overall-mad")).to_have_text("0.67")
    expect(page.locator("#overall-bias")).to_have_text("+0.67")
    fits(page)
    screenshots(page, "session-my-distance")
    log_out(page)

    # The recruiter reads the results.
    log_in(page, recruiter)
    page.goto(f"/admin/calibration/calibrationsession/{session.pk}/change/")
    page.get_by_role("link", name="Results").click()
    table = page.locator("#distances")
    expect(table.locator("tbody tr", has_text="Lena Hart")).to_contain_text("0.67 · +0.67")
    expect(table.locator("tbody tr", has_text="Sam Ito")).to_contain_text("0.00 · 0.00")
    expect(page.locator("#pending")).to_contain_text("Every reviewer has submitted")
    expect(page.locator("#misread")).to_contain_text("Certification")
    fits(page)
    screenshots(page, "session-results")
