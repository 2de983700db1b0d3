"""The scorecard workspace of an anonymised posting in a real browser at 1366×768: the reviewer
reads the candidate's code, the résumé as text with the name, address, phone, email and links
blacked out beside the criteria, follows a passage, and after submitting sees the name.
Screenshots go to TEST_ARTIFACTS_DIR/browser/anonymised-*.png."""

from django.db import transaction
from playwright.sync_api import expect

from screening import services
from screening.anonymity import candidate_code
from screening.documents.samples import resume_pdf
from screening.models import Document
from tests.browser.support import assert_fits, log_in
from tests.browser.test_scorecard_workspace import RESUME, workspace_world
from tests.factories import RecruiterFactory


def anonymised_world():
    """The workspace's world (Ada Lovelace's PDF résumé and cover letter) on a posting with
    anonymised review, the résumé's header giving her address, phone, email and links."""
    reviewer, assignment, skills = workspace_world()
    application = assignment.application
    posting = application.posting
    posting.anonymised_review = True
    posting.save()
    candidate = application.candidate
    candidate.email, candidate.phone = "ada@example.com", "+44 131 496 0123"
    candidate.links = ["https://ada-lovelace.example.org"]
    candidate.save()
    with transaction.atomic():
        document = services.document_upload(
            application=application,
            actor=RecruiterFactory(),
            name="Ada Lovelace CV (full).pdf",
            data=resume_pdf(
                "Ada Lovelace",
                RESUME,
                subtitle="12 Harbour Road, Edinburgh EH6 6LX · +44 131 496 0123 · "
                "ada@example.com · github.com/adalovelace",
            ),
            role="other",
        )
    document.refresh_from_db()
    assert document.status == Document.Status.READY
    return reviewer, assignment, skills


def test_an_anonymised_scorecard_shows_the_redacted_text_beside_the_criteria(page, screenshots):
    screenshots.prefix = "anonymised-"
    reviewer, assignment, skills = anonymised_world()
    code = candidate_code(assignment.application.candidate_id)

    log_in(page, reviewer)
    page.goto("/admin/screening/myreview/")
    expect(page.locator("#result_list")).to_contain_text(code)
    expect(page.locator("#result_list")).not_to_contain_text("Lovelace")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    screenshots(page, "my-reviews")

    page.goto(f"/admin/screening/myreview/{assignment.pk}/scorecard/")
    expect(page.locator("#candidate")).to_contain_text(code)
    expect(page.locator("#anonymised-note")).to_contain_text("Anonymised review")
    tabs = page.locator(".doc-tabs [role=tab]")
    expect(tabs.first).to_have_text("Résumé (redacted text)")
    # The PDF shows as its text, never its pages as drawn.
    expect(page.locator("#documents img")).to_have_count(0)
    expect(page.locator("#documents")).to_contain_text("Data engineer, Northwind Logistics")
    body = page.locator("body").inner_text()
    for secret in ("Ada", "Lovelace", "Harbour Road", "EH6 6LX", "496 0123", "ada@example.com"):
        assert secret not in body, secret
    assert "github.com" not in body
    evidence = page.locator(f"#evidence-{skills.pk}")
    for language in ("Python", "Go", "SQL"):
        expect(evidence.locator("a.passage b", has_text=language).first).to_be_visible()
    assert_fits(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    screenshots(page, "workspace")

    # A passage leads to its mark in the redacted text.
    evidence.locator("a.passage").first.click()
    current = page.locator("mark.current")
    expect(current).to_have_count(1)
    expect(current).to_be_in_viewport()
    screenshots(page, "passage")

    # The other document too is text under its role, the name blacked out.
    tabs.nth(2).click()
    expect(tabs.nth(2)).to_have_text("Other (redacted text)")
    expect(page.locator("#documents")).to_contain_text("Edinburgh")
    screenshots(page, "other-document")

    # Scored and submitted: the name is there.
    criteria = assignment.application.rubric.criteria.order_by("order", "id")
    for criterion in criteria:
        if criterion.is_screening:
            page.locator(f'input[name="answer_{criterion.pk}"][value="yes"]').check()
        else:
            page.locator(f'input[name="score_{criterion.pk}"][value="3"]').check()
    page.locator('input[name="recommendation"][value="3"]').check()
    page.locator('input[name="_submit"]').click()
    expect(page.locator("#candidate")).to_contain_text("Ada Lovelace")
    expect(page.locator(".messagelist")).to_contain_text("The candidate's identity")
    expect(page.locator("#anonymised-note")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    screenshots(page, "submitted")
