"""The rubric page and the posting page at 1366×768, in a real browser: a draft's
criteria are cards that fit the screen (the short fields on one line, the texts below,
the posting text each came from rendered, not as raw Markdown); the published rubric
reads as the same cards with keywords as chips and anchors as a numbered list; the
posting page says its status, warns while it is a draft, and links to what hangs off it.

Playwright's sync API drives the system's Chromium (CHROMIUM_PATH, default
/usr/bin/chromium) against pytest-django's live server. Screenshots go to
TEST_ARTIFACTS_DIR/browser/rubric-page-*.png."""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from rubrics import services
from rubrics.models import JobPosting
from tests.browser.support import VIEWPORT, Screenshots, assert_fits, log_in
from tests.factories import (
    ApplicationFactory,
    JobPostingFactory,
    RecruiterFactory,
    published_rubric,
)

# Our own posting, written in Markdown as postings pasted from a careers site often are.
FORKLIFT = (
    "- **Forklift**: A valid counterbalance *and* reach truck licence, held for at least two "
    "years without an incident on record, plus the willingness to renew it when it lapses. "
    "You will also sign off the forklift checks of the shift every morning before the first "
    "load goes out, and keep the log."
)
POSTING = f"""# Warehouse Team Lead

We run a **24-hour** distribution centre for garden supplies.

## Requirements
{FORKLIFT}
- **Leadership**: You have led a team of at least five people on a warehouse floor.
- **Systems**: Daily use of a warehouse management system such as SAP EWM or Manhattan.

## Nice to have
- **Languages**: Spoken Portuguese or Polish.
"""


@pytest.fixture
def screenshots():
    """Full-page shots rubric-page-NN-<step>.png; `.viewport(page, step)` takes only what
    the window shows."""
    shots = Screenshots(Path(settings.TEST_ARTIFACTS_DIR) / "browser", prefix="rubric-page-")
    shots.viewport = lambda page, step: page.screenshot(
        path=str(shots.folder / f"{shots.prefix}{step}.png")
    )
    return shots


def test_draft_rubric_page_fits_a_laptop_and_renders_the_posting(page, screenshots):
    recruiter = RecruiterFactory()
    posting = JobPostingFactory(title="Warehouse Team Lead", raw_text=POSTING)
    rubric = services.rubric_generate(posting=posting, actor=recruiter)
    forklift = rubric.criteria.get(title__icontains="Forklift")
    log_in(page, recruiter)

    page.goto(f"/admin/rubrics/rubric/{rubric.pk}/change/")
    assert_fits(page)
    screenshots(page, "draft-top")

    # The posting beside the criteria reads as rendered: no Markdown markers show, the
    # heading and the bold labels are styled; selecting still gives raw-text offsets.
    panel = page.locator("#posting-text")
    shown = panel.inner_text()
    assert "**" not in shown and "## " not in shown and "# Warehouse" not in shown
    assert "Requirements" in shown
    expect(panel.locator(".md-h2").first).to_have_css("font-weight", "700")
    page.evaluate(
        """() => {
            const node = [...document.querySelectorAll("#posting-text .md-strong")]
                .find((el) => el.textContent === "Leadership").firstChild;
            window.getSelection().setBaseAndExtent(node, 0, node, node.data.length);
        }"""
    )
    bar = page.locator("#add-from-posting")
    expect(bar).to_be_visible()
    start = POSTING.index("**Leadership**") + 2
    expect(bar.locator('input[name="start"]')).to_have_value(str(start))
    expect(bar.locator('input[name="end"]')).to_have_value(str(start + len("Leadership")))
    page.evaluate("window.getSelection().removeAllRanges()")

    page.locator("#criteria-group").scroll_into_view_if_needed()
    screenshots(page, "draft")

    # One card per criterion; its short fields side by side on one line.
    cards = page.locator("#criteria-group .inline-related:not(.empty-form)")
    expect(cards).to_have_count(rubric.criteria.count())
    first = cards.first
    tops = {
        round(first.locator(f'[name$="-{name}"]').bounding_box()["y"])
        for name in ("title", "kind", "type", "weight", "knockout_level")
    }
    assert len(tops) == 1, tops
    for field in ("description", "keywords", "anchors"):
        box = first.locator(f'[name$="-{field}"]').bounding_box()
        assert box["x"] + box["width"] <= VIEWPORT["width"]

    # The source is rendered: bold text, no asterisks; a long one is folded at a sentence.
    card = cards.nth(list(rubric.criteria.order_by("order", "id")).index(forklift))
    source = card.locator(".field-from_posting details.posting-source")
    expect(source.locator("summary")).to_contain_text("without an incident on record, plus")
    expect(source.locator("summary")).not_to_contain_text("**")
    source.locator("summary").click()
    expect(source.locator(":scope > p strong")).to_have_text("Forklift")
    expect(source).to_contain_text("and keep the log.")
    others = page.locator("#criteria-group .field-from_posting div.posting-source strong")
    expect(others.first).to_be_visible()
    assert "**" not in page.locator("#criteria-group").inner_text()

    # A knockout level off the scale is refused on the card, saying why; nothing is saved.
    first.locator('[name$="-knockout_level"]').fill("9")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".errornote")).to_be_visible()
    expect(page.locator("#criteria-group .errorlist").first).to_have_text(
        "Choose a level between 1 and 4."
    )
    assert_fits(page)
    page.locator("#criteria-group .errorlist").first.scroll_into_view_if_needed()
    screenshots.viewport(page, "draft-error")
    assert rubric.criteria.filter(knockout_level=9).count() == 0


def test_published_rubric_reads_as_cards_with_chips_and_numbered_anchors(page, screenshots):
    recruiter = RecruiterFactory()
    posting = JobPostingFactory(title="Warehouse Team Lead", raw_text=POSTING)
    rubric = services.rubric_generate(posting=posting, actor=recruiter)
    rubric = services.rubric_publish(rubric=rubric, actor=recruiter)
    systems = rubric.criteria.get(title__icontains="Systems")
    assert systems.keywords, "the drafting found no keywords to show as chips"
    log_in(page, recruiter)

    page.goto(f"/admin/rubrics/rubric/{rubric.pk}/change/")
    assert_fits(page)
    editable = "input:not([type=hidden]), textarea, select"
    expect(page.locator("#criteria-group").locator(editable)).to_have_count(0)
    text = page.locator("#criteria-group").inner_text()
    assert "['" not in text and '["' not in text
    assert "**" not in text
    cards = page.locator("#criteria-group .inline-related")
    card = cards.filter(has_text="Systems")
    expect(card.locator(".chip")).to_have_text(systems.keywords)
    anchors = card.locator("ol.anchor-list li")
    expect(anchors).to_have_count(4)
    expect(anchors.first.locator(".level")).to_have_text("1 Does not meet")
    expect(anchors.last).to_contain_text(systems.anchors[-1])
    page.locator("#criteria-group").scroll_into_view_if_needed()
    screenshots(page, "published")


def test_posting_page_says_its_status_links_what_hangs_off_it_and_generates(page, screenshots):
    """From the posting to a published rubric in two clicks: Generate, then Publish."""
    recruiter = RecruiterFactory()
    rubric = published_rubric(posting=JobPostingFactory(title="Warehouse Team Lead"))
    posting = rubric.posting
    for _ in range(3):
        ApplicationFactory(rubric=rubric, posting=posting)
    posting.raw_text = POSTING
    posting.status = JobPosting.Status.DRAFT
    posting.save()
    log_in(page, recruiter)

    page.goto(f"/admin/rubrics/jobposting/{posting.pk}/change/")
    assert_fits(page)
    summary = page.locator("#posting-summary")
    expect(summary.locator(".status-badge")).to_have_text("Draft")
    expect(summary).to_contain_text("This posting is a draft: it refuses applications.")
    links = summary.locator(".posting-links a")
    expect(links).to_have_text(
        ["3 applications", "Ranking", "0 calibration runs", "0 reports", "Preview or send a digest"]
    )
    screenshots(page, "posting")

    # The text as candidates read it, rendered from its Markdown, folded until asked for.
    page.get_by_text("Posting text as rendered").click()
    rendered = page.locator(".posting-rendered")
    expect(rendered.locator("h2").first).to_have_text("Requirements")
    expect(rendered.locator("li strong").first).to_have_text("Forklift")
    assert_fits(page)
    rendered.scroll_into_view_if_needed()
    screenshots(page, "posting-rendered")

    # One click from the posting to its applications, filtered to it.
    links.first.click()
    expect(page.locator("#result_list tbody tr")).to_have_count(3)
    assert_fits(page)
    page.go_back()

    # Generate: one click to the new draft, the message linking it.
    page.get_by_role("button", name="Generate rubric").click()
    draft = posting.rubrics.get(state="draft")
    expect(page).to_have_url(
        f"{page.url.split('/admin/')[0]}/admin/rubrics/rubric/{draft.pk}/change/"
    )
    message = page.locator(".messagelist a")
    expect(message).to_have_text(f"draft v{draft.version}")
    assert_fits(page)
    screenshots(page, "generated")

    # Publish: one more click, on the same page; the old version is retired.
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".messagelist")).to_contain_text(f"Published v{draft.version}")
    draft.refresh_from_db()
    rubric.refresh_from_db()
    assert (draft.state, rubric.state) == ("published", "retired")
    expect(page.get_by_role("button", name="Clone to a new draft")).to_be_visible()
    expect(page.locator("#criteria-group .chip").first).to_be_visible()
    assert_fits(page)
