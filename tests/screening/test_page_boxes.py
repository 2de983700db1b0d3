"""Where a PDF page's words sit on its image: the normalised text's offsets mapped back to
PDFium's characters (ligatures, a line-end hyphen, Windows line ends, folded blank lines),
words grouped per line and per column, boxes that land on the ink of the page as drawn
(rotated and cropped pages too), a passage's rectangles, and the boxes kept by the task."""

import io
from pathlib import Path

import pypdfium2
import pytest
from PIL import Image

from screening import services
from screening.documents import boxes, extract
from screening.documents.extract import extract_text, render_pages
from screening.documents.samples import resume_pdf
from screening.models import Document
from tests.factories import ApplicationFactory

FONTS = [
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"),
]


@pytest.mark.parametrize(
    "raw",
    [
        "plain ascii text",
        "The \ufb01rst of\ufb03ce\r\nnext line\r\n",
        "data engi\ufffeneering in Python",
        "a hyphen PDFium guessed: engi\x02\r\nneering",
        "\r\n\r\n\r\nleading, then\r\n\r\n\r\n\r\nmany blank lines\r\n\r\n",
        "lone\rcarriage\r\r\nreturns",
        "Cafe\u0301 and Zu\u0308rich, \u2460 circled, \U0001d400 bold, \u00bd half",
        "\r\n\ufffe\r\n\r\nx",
        "",
    ],
)
def test_the_text_is_the_stored_text_and_every_character_maps_to_its_part(raw):
    text, starts = boxes.normalise_with_offsets(raw)
    assert text == extract._normalise(raw)
    assert len(starts) == len(raw) + 1
    assert starts[0] == 0 and starts[-1] == len(text)
    assert all(a <= b for a, b in zip(starts, starts[1:], strict=False))


def test_a_ligature_gives_its_letters_and_a_dropped_hyphen_nothing():
    raw = "of\ufb01ce engi\ufffeneer\r\nX"
    text, starts = boxes.normalise_with_offsets(raw)
    assert text == "office engineer\nX"
    parts = [text[starts[i] : starts[i + 1]] for i in range(len(raw))]
    assert parts[2] == "fi"  # the ligature
    assert parts[raw.index("\ufffe")] == ""
    assert parts[raw.index("\r")] == ""  # "\r\n" is one "\n", the "\n"'s
    assert parts[raw.index("\n")] == "\n"


def test_combining_marks_compose_with_their_letter():
    raw = "Cafe\u0301!"
    text, starts = boxes.normalise_with_offsets(raw)
    assert text == "Café!"
    assert text[starts[3] : starts[4]] == "é"
    assert starts[4] == starts[5] == 4  # the mark gives no text of its own


def unit(x, y):
    return x / 100, y / 100


def test_words_split_at_spaces_lines_and_columns():
    # Points, y up: "ab cd" on one line, "ef" on the next, "gh" far right on the first.
    raw = "ab cd\r\nef gh"
    text, starts = boxes.normalise_with_offsets(raw)
    char_boxes = [
        (0, 90, 5, 100),
        (5, 90, 10, 100),
        None,
        (14, 90, 19, 100),
        (19, 90, 24, 100),
        None,
        None,
        (0, 78, 5, 88),
        (5, 78, 10, 88),
        None,
        (60, 90, 65, 100),
        (65, 90, 70, 100),
    ]
    found = boxes.words(text, starts, char_boxes, lambda x, y: (x / 100, 1 - y / 100))
    assert [text[w[0] : w[1]] for w in found] == ["ab", "cd", "ef", "gh"]
    assert found[0][2:] == [0.0, 0.0, 0.1, 0.1]
    assert found[2][2:] == [0.0, 0.12, 0.1, 0.22]


def test_a_passage_is_covered_line_by_line_and_a_word_in_part():
    page_words = [
        [0, 4, 0.10, 0.10, 0.18, 0.12],  # "data"
        [5, 9, 0.20, 0.10, 0.28, 0.12],  # "engi" (and the hyphen)
        [9, 16, 0.10, 0.13, 0.24, 0.15],  # "neering"
        [17, 24, 0.26, 0.13, 0.40, 0.15],  # "Python,"
    ]
    assert boxes.passage_rects(page_words, 0, 16) == [
        (0.1, 0.1, 0.18, 0.02),
        (0.1, 0.13, 0.14, 0.02),
    ]
    # "Python" without its comma: six sevenths of the word's width.
    assert boxes.passage_rects(page_words, 17, 23) == [(0.26, 0.13, 0.12, 0.02)]
    assert boxes.passage_rects(page_words, 30, 40) == []
    assert boxes.passage_rects([], 0, 5) == []


def font() -> Path:
    for path in FONTS:
        if path.exists():
            return path
    pytest.skip("no TrueType font with ligatures installed (fonts-dejavu-core)")


def two_column_pdf(*, rotate: int = 0, crop: tuple | None = None) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("body", fname=str(font()))
    pdf.add_page()
    pdf.set_font("body", size=11)
    pdf.set_xy(15, 20)
    # U+FB01 is one glyph, the ligature "fi"; the line ends on a hyphen inside a word.
    pdf.multi_cell(80, 6, "The \ufb01rst of\ufb01ce work: data engi-\nneering in Python and Go.")
    pdf.set_xy(115, 20)
    pdf.multi_cell(80, 6, "Second column: PyTorch and\nKubernetes on call.")
    data = bytes(pdf.output())
    if not rotate and not crop:
        return data
    document = pypdfium2.PdfDocument(data)
    page = document[0]
    if rotate:
        page.set_rotation(rotate)
    if crop:
        page.set_cropbox(*crop)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def ink(image: Image.Image, rect) -> int:
    """Dark pixels of the page image inside a rectangle given as fractions of the page."""
    left, top, width, height = rect
    w, h = image.size
    right, bottom = min(w, int((left + width) * w) + 1), min(h, int((top + height) * h) + 1)
    region = image.crop((int(left * w), int(top * h), right, bottom)).convert("L")
    return sum(1 for value in region.get_flattened_data() if value < 128)


def word_rect(word):
    return (word[2], word[3], word[4] - word[2], word[5] - word[3])


def read(data: bytes):
    extracted = extract_text(data, "pdf")
    page_layout = extracted.layouts[0]
    text = extracted.pages[0]
    image = Image.open(io.BytesIO(render_pages(data, 2)[0]))
    return text, page_layout, image


def test_a_two_column_pdf_gives_each_word_its_place_on_the_page():
    text, page_layout, image = read(two_column_pdf())
    assert "The first office work: data engineering in Python" in text
    assert (page_layout["width"], page_layout["height"]) == (595.28, 841.89)
    by_text = {text[w[0] : w[1]]: w for w in page_layout["words"]}
    assert {"first", "office", "engi", "neering", "Python", "PyTorch", "Kubernetes"} <= set(by_text)
    # The left column's words on the left half, the right column's on the right half.
    assert by_text["Python"][4] < 0.5 < by_text["PyTorch"][2]
    assert by_text["Second"][3] == pytest.approx(by_text["first"][3], abs=0.002)
    for word in page_layout["words"]:
        assert ink(image, word_rect(word)) > 10, text[word[0] : word[1]]
    # "engineering", split by the hyphen: one rectangle on each line, both on ink.
    start = text.index("engineering")
    rects = boxes.passage_rects(page_layout["words"], start, start + len("engineering"))
    assert len(rects) == 2 and rects[1][1] > rects[0][1]
    assert all(ink(image, rect) > 10 for rect in rects)
    # Below the text the page is blank.
    assert ink(image, (0.0, 0.3, 1.0, 0.6)) == 0


@pytest.mark.parametrize(
    "rotate, crop", [(90, None), (180, None), (270, None), (0, (20, 400, 580, 830))]
)
def test_boxes_follow_a_rotated_or_cropped_page_as_drawn(rotate, crop):
    text, page_layout, image = read(two_column_pdf(rotate=rotate, crop=crop))
    assert page_layout["words"]
    for word in page_layout["words"]:
        assert ink(image, word_rect(word)) > 10, (rotate, crop, text[word[0] : word[1]])
    if rotate in (90, 270):
        assert page_layout["width"] > page_layout["height"]


def test_a_page_whose_text_cannot_be_mapped_keeps_its_text_without_boxes(monkeypatch):
    monkeypatch.setattr(boxes, "normalise_with_offsets", lambda raw: ("other", [0] * 6))
    extracted = extract_text(resume_pdf("Ada", [("Skills", ["Python"])]), "pdf")
    assert "Python" in extracted.pages[0]
    assert extracted.layouts == [None]


@pytest.mark.django_db
def test_the_task_keeps_each_pdf_page_s_boxes_and_none_for_text(
    recruiter, django_capture_on_commit_callbacks
):
    application = ApplicationFactory()
    sections = [("Skills", [f"Python and SQL, line {n}" for n in range(70)])]
    with django_capture_on_commit_callbacks(execute=True):
        pdf = services.document_upload(
            application=application,
            actor=recruiter,
            name="cv.pdf",
            data=resume_pdf("Ada", sections),
            role="resume",
        )
        txt = services.document_upload(
            application=application,
            actor=recruiter,
            name="letter.txt",
            data=b"Dear team, Python.",
            role="cover_letter",
        )
    pdf.refresh_from_db()
    assert pdf.status == Document.Status.READY and pdf.page_count == 2
    for page in pdf.pages.order_by("number"):
        words = page.boxes["words"]
        assert [page.text[w[0] : w[1]] for w in words[:3]] == ["Ada", "Skills", "Python"]
        assert all(0 <= value <= 1 for word in words for value in word[2:])
        break
    assert all(page.boxes for page in pdf.pages.all())
    assert [page.boxes for page in txt.pages.all()] == [None]


def scorecard_world(recruiter, capture):
    from rubrics.models import Criterion, Rubric
    from tests.factories import CriterionFactory, ReviewAssignmentFactory, RubricFactory

    rubric = RubricFactory()
    for order, (title, keywords) in enumerate(
        [("Programming", ["Python", "SQL"]), ("Databases", ["SQL", "Python"])], start=1
    ):
        CriterionFactory(
            rubric=rubric,
            kind=Criterion.Kind.MUST_HAVE,
            title=title,
            description=title,
            keywords=keywords,
            order=order,
        )
    Rubric.objects.filter(pk=rubric.pk).update(state=Rubric.State.PUBLISHED)
    assignment = ReviewAssignmentFactory(application=ApplicationFactory(rubric=rubric))
    with capture(execute=True):
        document = services.document_upload(
            application=assignment.application,
            actor=recruiter,
            name="cv.pdf",
            data=resume_pdf("Ada", [("Skills", ["Python and SQL every day."])]),
            role="resume",
        )
    return assignment, document, {c.title: c.pk for c in rubric.criteria.all()}


@pytest.mark.django_db
def test_the_scorecard_lays_each_passage_over_its_page_image(
    recruiter, reviewer, client, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from screening import selectors

    assignment, document, ids = scorecard_world(recruiter, django_capture_on_commit_callbacks)
    workspace = selectors.scorecard_documents(assignment.application)
    (item,) = workspace.documents
    assert item.shows_images
    (page,) = item.pages
    assert page.ratio == "595.28 / 841.89"
    links = {
        title: {(link.match, link.box) for link in workspace.passages[pk]}
        for title, pk in ids.items()
    }
    boxes_by_id = {h.id: h for h in page.highlights}
    # "Python and SQL" is a passage of both criteria: one highlight naming both.
    assert (
        links["Programming"] == links["Databases"] == {("Python and SQL", f"box-{document.pk}-1-1")}
    )
    (sql_box,) = {box for _, box in links["Databases"]}
    assert set(boxes_by_id[sql_box].criteria.split()) == {
        str(ids["Programming"]),
        str(ids["Databases"]),
    }
    for highlight in page.highlights:
        assert highlight.rects and all(0 <= float(v) <= 100 for r in highlight.rects for v in r)

    assignment.reviewer = reviewer
    assignment.save()
    client.force_login(assignment.reviewer)
    html = client.get(
        reverse("admin:screening_myreview_scorecard", args=[assignment.pk])
    ).content.decode()
    assert f'data-box="{sql_box}"' in html
    assert f'<span class="hl" data-box="{sql_box}"' in html
    assert f'id="{sql_box}"' in html
    assert 'class="doc-texts" data-view="text" hidden' in html


@pytest.mark.django_db
def test_a_page_without_boxes_is_shown_as_text_as_before(
    recruiter, django_capture_on_commit_callbacks
):
    from screening import selectors
    from screening.models import DocumentPage

    assignment, document, ids = scorecard_world(recruiter, django_capture_on_commit_callbacks)
    DocumentPage.objects.filter(document=document).update(boxes=None)

    workspace = selectors.scorecard_documents(assignment.application)

    (item,) = workspace.documents
    assert not item.shows_images
    assert item.pages[0].ratio == "" and item.pages[0].highlights == []
    assert all(link.box == "" for link in workspace.passages[ids["Programming"]])
    assert all(link.mark for link in workspace.passages[ids["Programming"]])


@pytest.mark.django_db
@pytest.mark.parametrize("boxes", [{"words": []}, {"width": 1, "height": 1}, [1, 2]])
def test_the_database_refuses_boxes_of_another_shape(boxes):
    from django.db import IntegrityError, transaction

    from screening.models import DocumentPage

    document = Document.objects.create(
        application=ApplicationFactory(), original_name="cv.pdf", kind="pdf", size=1
    )
    DocumentPage.objects.create(document=document, number=1, text="", boxes=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        DocumentPage.objects.create(document=document, number=2, text="", boxes=boxes)
    DocumentPage.objects.create(
        document=document, number=3, text="", boxes={"width": 1, "height": 1, "words": []}
    )
