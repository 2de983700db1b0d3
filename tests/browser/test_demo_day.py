"""The demo as a recruiter meets it: from the admin index to the debrief of
the top-ranked candidate in two clicks, with every reviewer's evidence notes
on the page."""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import expect

from rubrics.models import JobPosting
from screening import selectors
from screening.models import CriterionScore, Scorecard
from tests.browser.support import Screenshots, assert_fits, demo_password, log_in


def test_demo_recruiter_reaches_the_top_debrief_with_every_note_in_two_clicks(page, live_server):
    call_command("seed_demo", allow_production=True, verbosity=0)
    posting = JobPosting.objects.get()
    top = selectors.posting_ranking(posting=posting, order="-score")[0]
    cards = Scorecard.objects.filter(
        application_id=top.application_id, status=Scorecard.Status.SUBMITTED
    ).select_related("assignment__reviewer")
    notes = list(
        CriterionScore.objects.filter(scorecard__in=cards)
        .exclude(note="")
        .values_list("note", flat=True)
    )
    assert len(cards) >= 2 and notes
    shots = Screenshots(Path(settings.TEST_ARTIFACTS_DIR) / "browser", "demo-day-")

    log_in(page, "recruiter", demo_password("recruiter"))
    clicks = 0
    page.locator("#content-main").get_by_role("link", name="Ranking", exact=True).click()
    clicks += 1
    page.locator("tr.ranking-row").first.get_by_role("link", name=top.candidate_name).click()
    clicks += 1

    expect(page.locator("h1")).to_have_text(f"Debrief — {top.candidate_name}")
    assert clicks <= 3
    for card in cards:
        reviewer = card.assignment.reviewer
        expect(page.locator("#debrief-criteria thead")).to_contain_text(
            reviewer.get_full_name() or reviewer.username
        )
    text = page.locator("#debrief-criteria").inner_text()
    missing = [note for note in notes if " ".join(note.split()) not in " ".join(text.split())]
    assert missing == []
    assert_fits(page)
    shots(page, "top-debrief")


def test_demo_reviewer_sees_the_resume_with_the_programming_passages(page, live_server):
    from django.contrib.auth import get_user_model

    from screening.models import ReviewAssignment

    call_command("seed_demo", allow_production=True, verbosity=0)
    reviewer = get_user_model().objects.get(username="reviewer1")
    # A review still to do whose résumé names the languages the Programming criterion asks for.
    for assignment in (
        ReviewAssignment.objects.filter(reviewer=reviewer)
        .exclude(scorecard__status=Scorecard.Status.SUBMITTED)
        .select_related("application__candidate")
        .order_by("pk")
    ):
        rows = selectors.application_evidence(assignment.application)
        evidence = {row.title: row for row in rows}
        if "Programming" in evidence and evidence["Programming"].match_count:
            break
    else:
        raise AssertionError("no pending demo review has Programming evidence")
    programming = evidence["Programming"]
    terms = {
        term.lower()
        for found in programming.documents
        for passage in found.passages
        for term in passage["terms"]
    }
    shots = Screenshots(Path(settings.TEST_ARTIFACTS_DIR) / "browser", "demo-day-")

    log_in(page, "reviewer1", demo_password("reviewer1"))
    page.goto(f"/admin/screening/myreview/{assignment.pk}/scorecard/")

    expect(page.locator(".doc-tabs").first).to_contain_text("Résumé")
    passages = page.locator(f"#evidence-{programming.criterion_id} a.passage")
    expect(passages.first).to_be_visible()
    shown = " ".join(passages.all_inner_texts()).lower()
    assert terms & {"python", "go", "java", "sql"}
    assert any(term in shown for term in terms)
    passages.first.click()
    # On the page's image when the PDF's words have boxes, else in the text.
    mark = passages.first.get_attribute("data-box") or passages.first.get_attribute("data-mark")
    expect(page.locator(f"#{mark}")).to_be_in_viewport()
    assert_fits(page)
    shots(page, "reviewer-resume-evidence")
