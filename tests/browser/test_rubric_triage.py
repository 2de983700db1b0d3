"""Rubric triage in a real browser at 1366×768: a recruiter generates a draft from a
posting, sees each criterion's source highlighted in the posting beside it, makes a
must-have a bonus with one click, and adds a criterion by selecting a sentence of the
posting. The selection's offsets are checked against the posting's raw text, CRLF line
breaks and a character outside the BMP included.

Playwright's sync API drives the system's Chromium (CHROMIUM_PATH, default
/usr/bin/chromium) against pytest-django's live server. Screenshots go to
TEST_ARTIFACTS_DIR/browser/triage-*.png."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from rubrics.models import Criterion, Rubric
from tests.browser.support import VIEWPORT, Screenshots, log_in
from tests.factories import CriterionFactory, JobPostingFactory, RecruiterFactory, RubricFactory

D = Decimal

# Our own posting, in the shape the parser reads: a requirement list with a bonus, and a
# sentence of prose that reads like a requirement but sits in no list.
POSTING = """Bakery Shift Lead 🥐

About us
We bake bread for twelve cafés across the city and deliver before seven.

What you will do
- Run the night shift of four bakers.
- Plan the dough schedule with the head baker.

Requirements
- Baking: Two years in a commercial bakery, including laminated doughs.
- Food safety: A Level 2 food hygiene certificate.
- Leadership: You have led a small team on a production floor.
- Nice to have: Experience with sourdough starters and long fermentation.

You will need to start at 4 a.m. on weekends and lift 25 kg sacks of flour.

Benefits
- Free bread, obviously.
"""
SHOT_NAMES = {
    "test_recruiter_triages_a_draft_beside_its_posting": "draft",
    "test_recruiter_generates_a_draft_and_adds_a_must_have": "generate",
    "test_published_rubric_shows_the_highlights_without_triage": "published",
}
SENTENCE = "You will need to start at 4 a.m. on weekends and lift 25 kg sacks of flour."


@pytest.fixture
def screenshots(request):
    """Full-page shots named triage-<test>-NN-<step>.png; `.viewport(page, step)` takes
    only what the window shows (for the hover and the selection bar)."""
    name = SHOT_NAMES[request.node.originalname]
    shots = Screenshots(Path(settings.TEST_ARTIFACTS_DIR) / "browser", prefix=f"triage-{name}-")
    shots.viewport = lambda page, step: page.screenshot(
        path=str(shots.folder / f"{shots.prefix}{step}.png")
    )
    return shots


def span_of(text: str, phrase: str) -> tuple[int, int]:
    start = text.index(phrase)
    return start, start + len(phrase)


def select_text(page, first: str, last: str | None = None, backwards: bool = False) -> None:
    """Select from the start of `first` to the end of `last` (default: `first`) in the
    posting panel with a DOM Range, as a mouse drag would; `backwards` puts the focus
    before the anchor, as a drag from right to left does."""
    page.evaluate(
        """([first, last, backwards]) => {
            const panel = document.getElementById("posting-text");
            const walker = document.createTreeWalker(panel, NodeFilter.SHOW_TEXT);
            const nodes = [];
            while (walker.nextNode()) nodes.push(walker.currentNode);
            const find = (phrase) => {
                const node = nodes.find((n) => n.data.includes(phrase));
                if (!node) throw new Error("Not in one segment: " + phrase);
                return [node, node.data.indexOf(phrase)];
            };
            const [startNode, startAt] = find(first);
            const [endNode, endAt] = find(last);
            const end = endAt + last.length;
            const selection = window.getSelection();
            if (backwards) selection.setBaseAndExtent(endNode, end, startNode, startAt);
            else selection.setBaseAndExtent(startNode, startAt, endNode, end);
        }""",
        [first, last or first, backwards],
    )


def assert_no_page_wide_scroll(page) -> None:
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"


def bakery_draft() -> Rubric:
    """A draft as generation leaves it, built by hand: sources and a note on the prose."""
    rubric = RubricFactory(posting=JobPostingFactory(title="Bakery Shift Lead", raw_text=POSTING))
    rows = [
        (
            "must_have",
            "Baking",
            "Baking: Two years in a commercial bakery, including laminated doughs.",
        ),
        ("must_have", "Food safety", "Food safety: A Level 2 food hygiene certificate."),
        ("must_have", "Leadership", "Leadership: You have led a small team on a production floor."),
        ("bonus", "Sourdough", "Experience with sourdough starters and long fermentation."),
    ]
    for order, (kind, title, phrase) in enumerate(rows, start=1):
        start, end = span_of(POSTING, phrase)
        CriterionFactory(
            rubric=rubric,
            kind=kind,
            title=title,
            description=phrase,
            weight=D("25.00"),
            order=order,
            keywords=["laminated doughs"] if title == "Baking" else [],
            source_start=start,
            source_end=end,
        )
    rubric.generation_notes = [
        {
            "code": "uncovered_requirement",
            "message": "This sentence reads like a requirement, but no criterion covers it.",
            "span": list(span_of(POSTING, SENTENCE)),
        }
    ]
    rubric.save(update_fields=["generation_notes"])
    return rubric


def card(page, criterion: Criterion):
    return page.locator(f"#criterion-card-{criterion.pk}")


def test_recruiter_triages_a_draft_beside_its_posting(page, screenshots):
    recruiter = RecruiterFactory()
    rubric = bakery_draft()
    leadership = rubric.criteria.get(title="Leadership")
    log_in(page, recruiter)
    page.goto(f"/admin/rubrics/rubric/{rubric.pk}/change/")

    # The posting beside the criteria: two columns, the sources highlighted, the
    # uncovered sentence underlined and listed among the warnings.
    panel = page.locator("#posting-text")
    expect(panel.locator("mark[data-criterion]")).to_have_count(4)
    expect(panel.locator(".uncovered")).to_have_text(SENTENCE)
    expect(page.locator("#rubric-warnings")).to_contain_text(
        "This sentence reads like a requirement, but no criterion covers it."
    )
    posting_box = page.locator(".triage-posting").bounding_box()
    criteria_box = page.locator(".triage-criteria").bounding_box()
    assert posting_box["x"] + posting_box["width"] <= criteria_box["x"]
    assert_no_page_wide_scroll(page)
    screenshots(page, "draft")

    # "show in posting" scrolls the panel to the sentence and flashes it.
    page.locator("#rubric-warnings").get_by_role("link", name="show in posting").click()
    expect(panel.locator(".uncovered")).to_have_class("uncovered flash")
    expect(panel.locator(".uncovered")).to_be_in_viewport()

    # Hovering a criterion lights its source in the posting.
    card(page, leadership).hover()
    expect(panel.locator(f'mark[data-criterion="{leadership.pk}"]')).to_have_class(
        "source kind-must_have active"
    )
    screenshots.viewport(page, "hover")

    # One click makes it a bonus: the card moves to the bonuses, the weights are reset.
    card(page, leadership).get_by_role("button", name="Bonus").click()
    expect(page.locator(".messagelist")).to_contain_text(
        "“Leadership” is now a bonus; weights reset."
    )
    bonuses = page.locator(".triage-criteria ol").nth(1)
    expect(bonuses.locator(".card-title")).to_have_text(["Leadership", "Sourdough"])
    expect(panel.locator(f'mark[data-criterion="{leadership.pk}"]')).to_have_class(
        "source kind-bonus"
    )
    expect(card(page, leadership).locator(".card-meta")).to_contain_text("12.50%")
    screenshots(page, "after-bonus")

    # Selecting the uncovered sentence offers to add it; its offsets index the raw text.
    panel.locator(".uncovered").scroll_into_view_if_needed()
    select_text(page, SENTENCE)
    bar = page.locator("#add-from-posting")
    expect(bar).to_be_visible()
    expect(bar.locator(".selection-preview")).to_have_text(f"“{SENTENCE}”")
    start, end = span_of(POSTING, SENTENCE)
    expect(bar.locator('input[name="start"]')).to_have_value(str(start))
    expect(bar.locator('input[name="end"]')).to_have_value(str(end))
    bar_box, sentence_box = bar.bounding_box(), panel.locator(".uncovered").bounding_box()
    assert bar_box["y"] + bar_box["height"] <= VIEWPORT["height"]
    assert bar_box["x"] >= posting_box["x"] - 1
    assert bar_box["x"] + bar_box["width"] <= posting_box["x"] + posting_box["width"] + 1
    below = bar_box["y"] - (sentence_box["y"] + sentence_box["height"])
    above = sentence_box["y"] - (bar_box["y"] + bar_box["height"])
    assert 0 <= below <= 12 or 0 <= above <= 12, (below, above)
    screenshots.viewport(page, "selection")
    bar.get_by_role("button", name="Add as screening question").click()

    expect(page.locator(".messagelist")).to_contain_text("as a screening question; weights reset.")
    added = rubric.criteria.get(source_start=start)
    assert (added.kind, added.source_end, added.weight) == ("screening", end, D("0.00"))
    expect(card(page, added)).to_be_visible()
    expect(panel.locator(".uncovered")).to_have_count(0)
    expect(page.locator("#rubric-warnings")).to_have_count(0)
    screenshots(page, "after-add")

    # The inline editing is still below, and fits the page's width.
    expect(page.locator('input[name="criteria-0-title"]')).to_have_value("Baking")
    page.locator("#criteria-group").scroll_into_view_if_needed()
    assert_no_page_wide_scroll(page)
    # The criteria are cards (a stacked inline): nothing in them is wider than the group.
    widths = page.evaluate(
        "(() => { const box = document.querySelector('#criteria-group');"
        " return [box.scrollWidth, box.clientWidth]; })()"
    )
    assert widths[0] <= widths[1], f"the criteria cards are cut off: {widths}"
    screenshots.viewport(page, "inline")


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_selection_offsets_index_the_raw_posting_text(page, newline):
    raw_text = POSTING.replace("\n", newline)
    rubric = RubricFactory(posting=JobPostingFactory(raw_text=raw_text))
    start, end = span_of(raw_text, "Food safety: A Level 2 food hygiene certificate.")
    CriterionFactory(rubric=rubric, title="Food safety", source_start=start, source_end=end)
    log_in(page, RecruiterFactory())
    page.goto(f"/admin/rubrics/rubric/{rubric.pk}/change/")
    bar = page.locator("#add-from-posting")

    def selected() -> tuple[int, int]:
        expect(bar).to_be_visible()
        return (
            int(bar.locator('input[name="start"]').input_value()),
            int(bar.locator('input[name="end"]').input_value()),
        )

    # After the emoji (two UTF-16 units, one Python character) and the line breaks.
    select_text(page, "twelve cafés")
    assert selected() == span_of(raw_text, "twelve cafés")
    # From plain text into a highlight, and made backwards.
    select_text(page, "Two years", "A Level 2", backwards=True)
    assert selected() == (raw_text.index("Two years"), span_of(raw_text, "A Level 2")[1])
    # The whole panel.
    page.evaluate(
        "window.getSelection().selectAllChildren(document.getElementById('posting-text'))"
    )
    assert selected() == (0, len(raw_text))
    # A collapsed selection hides the offer.
    page.evaluate("window.getSelection().collapseToStart()")
    expect(bar).to_be_hidden()


def test_recruiter_generates_a_draft_and_adds_a_must_have(page, screenshots):
    recruiter = RecruiterFactory()
    posting = JobPostingFactory(title="Bakery Shift Lead", raw_text=POSTING)
    log_in(page, recruiter)

    page.goto(f"/admin/rubrics/jobposting/{posting.pk}/change/")
    assert_no_page_wide_scroll(page)
    screenshots(page, "posting")
    page.get_by_role("button", name="Generate rubric").click()

    rubric = Rubric.objects.get(posting=posting)
    expect(page).to_have_url(
        f"{page.url.split('/admin/')[0]}/admin/rubrics/rubric/{rubric.pk}/change/"
    )
    expect(page.locator(".messagelist")).to_contain_text(f"Generated draft v{rubric.version}.")
    panel = page.locator("#posting-text")
    expect(panel.locator("mark[data-criterion]").first).to_be_visible()
    screenshots(page, "generated")

    must_have = rubric.criteria.filter(kind="must_have").order_by("order").first()
    card(page, must_have).get_by_role("button", name="Bonus").click()
    expect(page.locator(".messagelist")).to_contain_text(f"“{must_have.title}” is now a bonus")
    expect(page.locator(".triage-criteria ol").nth(1)).to_contain_text(must_have.title)

    select_text(page, SENTENCE)
    page.locator("#add-from-posting").get_by_role("button", name="Add as must-have").click()
    expect(page.locator(".messagelist")).to_contain_text("as a must-have; weights reset.")
    start, end = span_of(POSTING, SENTENCE)
    added = rubric.criteria.get(source_start=start, source_end=end)
    assert added.kind == "must_have"
    expect(card(page, added)).to_be_visible()
    total = sum(rubric.criteria.values_list("weight", flat=True), D(0))
    assert total == D("100.00")
    screenshots(page, "generated-after-triage")


def test_published_rubric_shows_the_highlights_without_triage(page, screenshots):
    rubric = bakery_draft()
    Rubric.objects.filter(pk=rubric.pk).update(state=Rubric.State.PUBLISHED)
    log_in(page, RecruiterFactory())

    page.goto(f"/admin/rubrics/rubric/{rubric.pk}/change/")

    expect(page.locator("#posting-text mark[data-criterion]")).to_have_count(4)
    expect(page.locator(".card-actions")).to_have_count(0)
    expect(page.locator("#add-from-posting")).to_have_count(0)
    select_text(page, SENTENCE)
    expect(page.get_by_role("button", name="Add as must-have")).to_have_count(0)
    assert_no_page_wide_scroll(page)
    screenshots(page, "published")
