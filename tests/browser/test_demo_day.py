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
