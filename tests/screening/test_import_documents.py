"""`manage.py import_documents`: a folder or ZIP of files named by candidates' emails,
checked whole before anything is stored."""

import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from screening.documents.samples import resume_pdf
from screening.models import Document
from tests.factories import ApplicationFactory, CandidateFactory, RecruiterFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    ada = ApplicationFactory(candidate=CandidateFactory(email="Ada@example.net"))
    bo = ApplicationFactory(
        candidate=CandidateFactory(email="bo@example.net"), posting=ada.posting, rubric=ada.rubric
    )
    return ada, bo, RecruiterFactory(username="rita")


def pdf(text: str) -> bytes:
    return resume_pdf("Résumé", [("Skills", [text])])


def test_a_folder_attaches_each_file_to_its_candidates_application(
    world, tmp_path, media, django_capture_on_commit_callbacks
):
    ada, bo, _ = world
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ada@example.net.pdf").write_bytes(pdf("Python and SQL"))
    (folder / "bo@example.net.txt").write_text("Go and Rust\n")

    with django_capture_on_commit_callbacks(execute=True):  # the text is read after commit
        call_command("import_documents", str(folder), posting=ada.posting.pk, actor="rita")

    assert sorted(Document.objects.values_list("application_id", "kind", "status")) == sorted(
        [(ada.pk, "pdf", "ready"), (bo.pk, "txt", "ready")]
    )
    assert len([p for p in media.rglob("*") if p.is_file()]) >= 2


def test_any_problem_stores_nothing_and_names_every_bad_file(world, tmp_path, media, capsys):
    ada, _, _ = world
    archive = tmp_path / "files.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("ada@example.net.pdf", pdf("Python"))
        z.writestr("carl@example.net.pdf", pdf("Go"))  # no application
        z.writestr("bo@example.net.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 64)  # not a PDF

    with pytest.raises(CommandError, match="2 problem"):
        call_command("import_documents", str(archive), posting=ada.posting.pk, actor="rita")

    errors = capsys.readouterr().err
    assert "“carl@example.net.pdf”: no application on “" in errors
    assert "“bo@example.net.pdf”: " in errors
    assert not Document.objects.exists()
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_only_a_recruiter_may_attach_files(world, tmp_path):
    ada, _, _ = world
    with pytest.raises(CommandError, match="not a recruiter"):
        call_command("import_documents", str(tmp_path), posting=ada.posting.pk, actor="nobody")


def test_dry_run_checks_and_stores_nothing(world, tmp_path, capsys):
    ada, _, _ = world
    (tmp_path / "ada@example.net.pdf").write_bytes(pdf("Python"))

    call_command(
        "import_documents", str(tmp_path), posting=ada.posting.pk, actor="rita", dry_run=True
    )

    assert "1 file(s) would be attached" in capsys.readouterr().out
    assert not Document.objects.exists()
