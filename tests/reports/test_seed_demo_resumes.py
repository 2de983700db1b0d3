"""seed_demo's résumés: every demo candidate has one, PDF or Word, read and ready, whose text
speaks to some criteria of the demo rubric and not to others; running the command again
adds none."""

from io import StringIO

import pytest
from django.core.management import call_command

from reports.demo.resumes import MIDDLING, STRONG, WEAK, demo_resume, kind_for, tier_for
from rubrics.models import JobPosting
from screening import selectors
from screening.models import Application, Document, DocumentPage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path / "var"
    settings.DEBUG = True
    return settings.MEDIA_ROOT


@pytest.fixture
def seeded(django_capture_on_commit_callbacks):
    # Each upload's extraction runs when its transaction commits (eagerly, no broker).
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=StringIO())
    return JobPosting.objects.get()


def stored_files(media) -> list:
    """The uploaded files (page images live in a folder of their own)."""
    return [p for p in (media / "documents").iterdir() if p.is_file()]


def evidence_count(application, title: str) -> int:
    rows = {row.title: row for row in selectors.application_evidence(application)}
    return rows[title].match_count


def resume_text(application) -> str:
    return " ".join(
        DocumentPage.objects.filter(document__application=application).values_list(
            "text", flat=True
        )
    )


def test_every_demo_candidate_has_a_resume_read_and_ready(seeded, media):
    applications = Application.objects.filter(posting=seeded)
    resumes = Document.objects.filter(application__posting=seeded, role="resume")

    assert resumes.count() == applications.count() == 40
    assert set(resumes.values_list("status", flat=True)) == {"ready"}
    assert not resumes.filter(needs_ocr=True).exists()
    kinds = list(resumes.values_list("kind", flat=True))
    assert kinds.count("docx") == 8 and kinds.count("pdf") == 32
    assert resumes.filter(kind="pdf", page_count__gte=2).exists()
    for application in applications:
        assert application.candidate.full_name in resume_text(application)
    # The files are in storage, with a picture of each PDF page.
    assert len(stored_files(media)) == 40
    pdf_pages = DocumentPage.objects.filter(document__kind="pdf")
    assert not pdf_pages.filter(image="").exists()
    assert len(list((media / "documents" / "pages").glob("*.png"))) == pdf_pages.count()


def test_a_strong_resume_has_programming_evidence_and_a_weak_one_none(seeded):
    by_text = {}
    for application in Application.objects.filter(posting=seeded).select_related("candidate"):
        text = resume_text(application)
        tier = STRONG if "Elasticsearch" in text else WEAK if "Art History" in text else MIDDLING
        by_text.setdefault(tier, []).append(application)

    assert by_text[STRONG] and by_text[WEAK] and by_text[MIDDLING]
    strong, weak = by_text[STRONG][0], by_text[WEAK][0]
    assert evidence_count(strong, "Programming") > 0
    assert evidence_count(strong, "Information Retrieval") > 0
    assert evidence_count(weak, "Programming") == 0
    assert evidence_count(weak, "Information Retrieval") == 0
    skills = next(
        row for row in selectors.application_evidence(strong) if row.title == "Programming"
    )
    terms = {term for d in skills.documents for p in d.passages for term in p["terms"]}
    assert {"Python", "Go", "SQL"} <= terms


def test_running_it_again_adds_no_resume_and_keeps_the_files(
    seeded, media, django_capture_on_commit_callbacks
):
    before = set(Document.objects.values_list("pk", "sha256"))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=StringIO())

    assert set(Document.objects.values_list("pk", "sha256")) == before
    assert len(stored_files(media)) == 40


def test_the_resumes_are_the_same_on_every_run():
    first = demo_resume(6, "Hana Holm", "hana.holm.6@example.com", 3.5)
    again = demo_resume(6, "Hana Holm", "hana.holm.6@example.com", 3.5)

    assert (first.name, first.kind, first.tier) == ("hana-holm-resume.pdf", "pdf", STRONG)
    assert first.data[:4] == b"%PDF"
    # fpdf2 stamps the creation date; the text and layout are what must not vary.
    assert len(first.data) == len(again.data)
    assert demo_resume(2, "Chen Costa", "c@example.com", 1.5).data[:2] == b"PK"


@pytest.mark.parametrize(
    ("quality", "tier"), [(1.2, WEAK), (1.99, WEAK), (2.0, MIDDLING), (2.9, STRONG), (3.9, STRONG)]
)
def test_the_tier_follows_the_hidden_quality(quality, tier):
    assert tier_for(quality) == tier


def test_one_resume_in_five_is_a_word_document():
    assert [kind_for(i) for i in range(5)] == ["pdf", "pdf", "docx", "pdf", "pdf"]
