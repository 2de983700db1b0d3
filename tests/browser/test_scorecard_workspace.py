"""The scorecard page as a workspace in a real browser at 1366×768: the reviewer reads the
candidate's résumé (a PDF) beside the criteria, follows a criterion's passage to its
highlight in the document, chooses a level with the keyboard, sees the draft saved by
itself and finds it kept after a reload. Neither the page nor the document scrolls sideways.
Screenshots go to TEST_ARTIFACTS_DIR/browser/workspace-*.png."""

from django.db import transaction
from playwright.sync_api import expect

from rubrics.models import Criterion, Rubric
from screening import services
from screening.documents.samples import resume_pdf
from screening.models import CriterionScore, Document, DocumentPage
from tests.browser.support import assert_fits, log_in
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    CriterionFactory,
    RecruiterFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    RubricFactory,
)

RESUME = [
    (
        "Experience",
        [
            "2019-2024  Data engineer, Northwind Logistics, Edinburgh. Built the nightly "
            "warehouse loads in Python and SQL; moved the routing service to Go.",
            "2016-2019  Analyst, Blue Harbour Insurance. Reporting in SQL and Excel.",
        ],
    ),
    ("Education", ["MSc Computer Science, University of Glasgow, 2016."]),
    ("Skills", ["Languages: Python, Go, SQL, a little Rust.", "Tools: Airflow, dbt, Docker."]),
    ("Other", ["Holds a work permit for the UK; happy to travel twice a month."]),
]


def workspace_world():
    rubric = RubricFactory(scale_max=5)
    for order, (kind, title, description, keywords) in enumerate(
        [
            (Criterion.Kind.SCREENING, "Work permit", "Can work in the UK.", ["work permit"]),
            (
                Criterion.Kind.MUST_HAVE,
                "Skills",
                "Writes production code in the team's languages.",
                ["Python", "Go", "SQL"],
            ),
            (
                Criterion.Kind.MUST_HAVE,
                "Experience",
                "Has run data pipelines in production.",
                ["data engineer", "pipelines"],
            ),
            (Criterion.Kind.BONUS, "Cloud", "Has run services on Kubernetes.", ["Kubernetes"]),
        ],
        start=1,
    ):
        CriterionFactory(
            rubric=rubric,
            kind=kind,
            title=title,
            description=description,
            keywords=keywords,
            order=order,
            weight=0 if kind == Criterion.Kind.SCREENING else (40 if order < 4 else 20),
        )
    Rubric.objects.filter(pk=rubric.pk).update(state=Rubric.State.PUBLISHED)
    rubric.refresh_from_db()
    reviewer = ReviewerFactory(first_name="Grace", last_name="Hopper")
    assignment = ReviewAssignmentFactory(
        application=ApplicationFactory(
            candidate=CandidateFactory(full_name="Ada Lovelace"), rubric=rubric
        ),
        reviewer=reviewer,
    )
    with transaction.atomic():
        # The text is read once this commits (Celery runs eagerly in tests).
        document = services.document_upload(
            application=assignment.application,
            actor=RecruiterFactory(),
            name="Ada Lovelace CV.pdf",
            data=resume_pdf("Ada Lovelace", RESUME, subtitle="ada@example.com · Edinburgh"),
            role="resume",
        )
        services.document_upload(
            application=assignment.application,
            actor=RecruiterFactory(),
            name="Cover letter.txt",
            data=b"Dear team,\n\nAt Northwind I also ran our services on Kubernetes, "
            b"from the first cluster to the on-call rota.\n\nAda\n",
            role="cover_letter",
        )
    document.refresh_from_db()
    assert document.status == Document.Status.READY
    return reviewer, assignment, rubric.criteria.get(title="Skills")


def test_a_reviewer_scores_beside_the_resume(page, screenshots):
    screenshots.prefix = "workspace-"
    reviewer, assignment, skills = workspace_world()

    log_in(page, reviewer)
    page.goto(f"/admin/screening/myreview/{assignment.pk}/scorecard/")
    # The résumé's tab comes first, before the cover letter.
    expect(page.locator(".doc-tabs [role=tab]").first).to_have_text("Résumé · Ada Lovelace CV.pdf")
    expect(page.locator("#documents")).to_contain_text("Data engineer, Northwind Logistics")
    evidence = page.locator(f"#evidence-{skills.pk}")
    expect(evidence).to_contain_text("passages")
    for language in ("Python", "Go", "SQL"):
        expect(evidence.locator("a.passage b", has_text=language).first).to_be_visible()
    expect(page.locator("#evidence-note")).to_contain_text("you decide the level")
    assert_fits(page)
    assert page.evaluate(
        "(() => { const p = document.getElementById('documents');"
        " return p.scrollWidth <= p.clientWidth; })()"
    )
    screenshots(page, "opened")

    # j, j: from the screening question to Skills; 4 chooses its level.
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(page.locator(f"#criterion-{skills.pk}")).to_have_class("criterion focused")
    page.keyboard.press("4")
    expect(page.locator(f'input[name="score_{skills.pk}"][value="4"]')).to_be_checked()
    expect(page.locator("#autosave-status")).to_contain_text("Saved at", timeout=10_000)
    assert CriterionScore.objects.get(criterion=skills).value == 4
    screenshots(page, "keyboard-and-autosave")

    # The résumé is a PDF: its pages show as drawn, Skills' passages marked on them.
    sheet = page.locator(".sheet").first
    expect(sheet.locator("img")).to_be_visible()
    selected = page.locator(".hl.selected")
    expect(selected.first).to_be_visible()
    assert all(
        f" {skills.pk} " in f" {c} "
        for c in selected.evaluate_all("marks => marks.map(m => m.dataset.criteria)")
    )
    # Other criteria's passages (Experience's, the work permit's) are there, out of sight.
    others = page.locator(".hl:not(.selected)")
    assert others.count() > 0
    expect(others.first).to_be_hidden()

    # A passage of the last page section: the page scrolls to its highlight on the image.
    link = evidence.locator("a.passage").last
    link.click()
    box = page.locator(f"#{link.get_attribute('data-box')}")
    expect(box).to_have_class("hl selected current")
    expect(box).to_be_in_viewport()
    mark_box, image_box = box.bounding_box(), sheet.locator("img").bounding_box()
    assert (
        image_box["x"]
        <= mark_box["x"]
        < mark_box["x"] + mark_box["width"]
        <= (image_box["x"] + image_box["width"])
    )
    assert image_box["y"] <= mark_box["y"] <= image_box["y"] + image_box["height"]
    assert mark_box["height"] < 30  # a line of text, not a block
    assert_fits(page)
    screenshots(page, "passage-on-page")
    # The highlight at its place, close up: it must sit on the word.
    page.screenshot(
        path=screenshots.folder / "workspace-passage-close-up.png",
        clip={
            "x": image_box["x"],
            "y": max(mark_box["y"] - 60, image_box["y"]),
            "width": image_box["width"],
            "height": 140,
        },
    )

    # The same passage in the document's text view: the text scrolls to its mark.
    page.locator("#documents .doc-view button", has_text="Text").first.click()
    expect(page.locator(".doc-texts").first).to_be_visible()
    link.click()
    current = page.locator("mark.current")
    expect(current).to_have_count(1)
    expect(current).to_be_in_viewport()
    screenshots(page, "passage-in-text")
    page.locator("#documents .doc-view button", has_text="Pages").first.click()

    # The Cloud criterion's passage is in the cover letter: its tab opens on the highlight.
    cloud = assignment.application.rubric.criteria.get(title="Cloud")
    page.locator(f"#evidence-{cloud.pk} a.passage").first.click()
    expect(page.get_by_role("tab", name="Cover letter · Cover letter.txt")).to_have_attribute(
        "aria-selected", "true"
    )
    expect(page.locator("mark.current")).to_have_text("Kubernetes")
    expect(page.locator("mark.current")).to_be_in_viewport()
    screenshots(page, "cover-letter")

    # Typing in a note never chooses a level.
    note = page.locator(f'textarea[name="note_{skills.pk}"]')
    note.fill("")
    note.press_sequentially("Python 2")
    expect(page.locator(f'input[name="score_{skills.pk}"][value="4"]')).to_be_checked()
    expect(page.locator("#autosave-status")).to_contain_text("Saved at", timeout=10_000)

    page.reload()
    expect(page.locator(f'input[name="score_{skills.pk}"][value="4"]')).to_be_checked()
    expect(page.locator(f'textarea[name="note_{skills.pk}"]')).to_have_value("Python 2")
    expect(page.locator("#scorecard-status")).to_have_text("Draft")
    assert_fits(page)


def test_the_page_waits_for_a_document_being_read(page, screenshots):
    screenshots.prefix = "workspace-pending-"
    reviewer, assignment, skills = workspace_world()
    document = assignment.application.documents.get(role="resume")
    Document.objects.filter(pk=document.pk).update(status=Document.Status.PENDING)

    log_in(page, reviewer)
    page.goto(f"/admin/screening/myreview/{assignment.pk}/scorecard/")
    expect(page.locator("#documents")).to_contain_text("Reading the document…")
    expect(page.locator(f"#evidence-{skills.pk}")).to_contain_text(
        "No passage yet: a document is still being read."
    )
    assert_fits(page)
    screenshots(page, "reading")

    # The reading ends: the page notices by itself and shows the text and the passages.
    Document.objects.filter(pk=document.pk).update(status=Document.Status.READY)
    expect(page.locator("#documents")).to_contain_text(
        "Data engineer, Northwind Logistics", timeout=10_000
    )
    expect(page.locator(f"#evidence-{skills.pk} a.passage").first).to_be_visible()
    assert_fits(page)
    screenshots(page, "read")


def test_a_pdf_read_before_boxes_were_kept_shows_its_text_as_before(page, screenshots):
    screenshots.prefix = "workspace-no-boxes-"
    reviewer, assignment, skills = workspace_world()
    DocumentPage.objects.filter(document__application=assignment.application).update(boxes=None)

    log_in(page, reviewer)
    page.goto(f"/admin/screening/myreview/{assignment.pk}/scorecard/")
    expect(page.locator(".sheet")).to_have_count(0)
    expect(page.locator(".doc-view")).to_have_count(0)
    page.locator(f"#evidence-{skills.pk} a.passage").last.click()
    expect(page.locator("mark.current")).to_be_in_viewport()
    expect(page.locator("details.page-image").first).to_contain_text("as drawn")
    assert_fits(page)
    screenshots(page, "text")
