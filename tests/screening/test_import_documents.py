"""`manage.py import_documents`: a folder or ZIP of files named by candidates' emails,
checked whole before anything is stored; and the matching of files to rows by name that it
shares with the admin's candidate import (screening.imports)."""

import io
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from screening import imports
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


def test_files_named_by_email_with_a_suffix_attach_with_the_role_their_name_says(
    world, tmp_path, media
):
    ada, bo, _ = world
    archive = tmp_path / "files.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("batch/ada@example.net.pdf", pdf("Python"))
        z.writestr("batch/ADA@example.net-cover.txt", "Dear team,\n")
        z.writestr("batch/bo@example.net_2.txt", "Go\n")
        z.writestr("__MACOSX/batch/._bo@example.net_2.txt", "resource fork")

    call_command("import_documents", str(archive), posting=ada.posting.pk, actor="rita")

    assert sorted(Document.objects.values_list("application_id", "original_name", "role")) == (
        sorted(
            [
                (ada.pk, "ada@example.net.pdf", "resume"),
                (ada.pk, "ADA@example.net-cover.txt", "cover_letter"),
                (bo.pk, "bo@example.net_2.txt", "resume"),
            ]
        )
    )


def test_role_flag_overrides_what_the_names_say(world, tmp_path):
    ada, _, _ = world
    (tmp_path / "ada@example.net-cover.txt").write_text("Portfolio\n")

    call_command(
        "import_documents", str(tmp_path), posting=ada.posting.pk, actor="rita", role="other"
    )

    assert list(Document.objects.values_list("role", flat=True)) == ["other"]


def test_a_zip_over_the_entry_limit_is_refused_unread(world, tmp_path, settings, capsys):
    ada, _, _ = world
    settings.DOCUMENT_ZIP_MAX_FILES = 1
    archive = tmp_path / "files.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("ada@example.net.txt", "Python\n")
        z.writestr("bo@example.net.txt", "Go\n")

    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_documents", str(archive), posting=ada.posting.pk, actor="rita")

    assert "The ZIP holds 2 entries; the limit is 1." in capsys.readouterr().err
    assert not Document.objects.exists()


def test_a_file_that_is_neither_folder_nor_zip_is_refused(world, tmp_path):
    ada, _, _ = world
    (tmp_path / "notes.txt").write_text("hello\n")

    with pytest.raises(CommandError, match="neither a folder nor a ZIP"):
        call_command(
            "import_documents", str(tmp_path / "notes.txt"), posting=ada.posting.pk, actor="rita"
        )


# --- The matching both the command and the admin import use (screening.imports) ----------


def bundle(*names: str) -> imports.Bundle:
    return imports.Bundle(files=[imports.BundledFile(n, 5, lambda: b"text\n") for n in names])


def accept(_data):
    return None


def matched(plan) -> list[tuple[int, str, str]]:
    return [(d.line, d.file.name, d.role) for d in plan.documents]


def test_a_file_goes_to_the_longest_email_its_name_starts_with():
    claims = [imports.Claim(2, "ada@example.net"), imports.Claim(3, "ada@example.net.au")]

    plan = imports.match_documents(
        claims,
        bundle("ada@example.net.au.pdf", "ada@example.net (2).pdf", "ada@example.net.letter.txt"),
        check=accept,
        check_size=accept,
    )

    assert plan.problems == []
    assert matched(plan) == [
        (2, "ada@example.net (2).pdf", "resume"),
        (2, "ada@example.net.letter.txt", "cover_letter"),
        (3, "ada@example.net.au.pdf", "resume"),
    ]


def test_an_email_that_only_begins_a_name_does_not_claim_it():
    plan = imports.match_documents(
        [imports.Claim(2, "ada@example.net")],
        bundle("ada@example.network.pdf"),
        check=accept,
        check_size=accept,
    )

    assert plan.documents == []
    assert plan.problems == [
        (0, "“ada@example.network.pdf”: its name does not begin with any row's email.")
    ]


def test_two_files_of_one_name_in_different_folders_are_a_problem():
    plan = imports.match_documents(
        [imports.Claim(2, "ada@example.net")],
        bundle("ada@example.net.pdf", "ADA@example.net.pdf"),
        check=accept,
        check_size=accept,
    )

    assert plan.problems == [
        (0, "The ZIP holds more than one file named “ADA@example.net.pdf”; rename one.")
    ]


def test_a_newsletter_is_not_a_cover_letter():
    assert imports.document_role("-newsletter.pdf") == "resume"
    assert imports.document_role("_Cover-Letter.pdf") == "cover_letter"


def test_a_damaged_zip_member_is_a_problem_of_its_row_not_a_crash():
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("ada@example.net.txt", "Python " * 100)
    damaged = bytearray(data.getvalue())
    damaged[52:58] = b"\xff" * 6  # inside the deflated bytes (from 49, 16 long)
    read = imports.read_zip(bytes(damaged), max_files=10, max_unpacked_bytes=10**6)

    plan = imports.match_documents(
        [imports.Claim(2, "ada@example.net")], read, check=accept, check_size=accept
    )

    assert plan.documents == []
    assert [line for line, _message in plan.problems] == [2]
    assert plan.problems[0][1].startswith("“ada@example.net.txt”: The file")
