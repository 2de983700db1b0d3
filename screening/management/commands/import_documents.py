"""Candidates' files in bulk: a folder or a ZIP of files named by the candidate's email."""

import zipfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core.admin import errors_of
from core.errors import ServiceError
from core.roles import is_recruiter
from rubrics.models import JobPosting
from screening import imports, services
from screening.models import Application, Document


class Command(BaseCommand):
    help = (
        "Attach candidates' files (PDF, DOCX or TXT) to their applications on a posting. "
        "PATH is a folder or a ZIP whose files are named by the candidate's email "
        "(ada@example.net.pdf, ada@example.net-cover.pdf, ada@example.net_2.docx). A file "
        "whose name says cover or letter is a cover letter, any other a résumé. Every file "
        "is checked first; any problem is reported and nothing is stored."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--posting", type=int, required=True, help="The posting's id.")
        parser.add_argument(
            "--actor", required=True, help="The recruiter's username, recorded as uploader."
        )
        parser.add_argument(
            "--role",
            default=None,
            choices=Document.Role.values,
            help="The role of every file (default: from its name, as above).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Check only.")

    def handle(self, *args, path: str, posting: int, actor: str, role: str | None, **options):
        posting_obj = JobPosting.objects.filter(pk=posting).first()
        if posting_obj is None:
            raise CommandError(f"No posting has id {posting}.")
        user = get_user_model().objects.filter(username=actor).first()
        if user is None or not is_recruiter(user):
            raise CommandError(f"{actor!r} is not a recruiter.")
        with _bundle(Path(path)) as bundle:
            if not bundle.files and not bundle.error:
                raise CommandError(f"No files in {path}.")
            if options["dry_run"]:
                self._dry_run(bundle, posting_obj, role)
                return
            try:
                _result, documents = services.candidate_import_with_documents(
                    actor=user, data=None, documents=bundle, posting=posting_obj, role=role
                )
            except (ServiceError, ValidationError) as exc:
                problems = errors_of(exc)
                for problem in problems:
                    self.stderr.write(problem)
                raise CommandError(
                    f"{len(problems)} problem(s) in {path}; nothing was stored."
                ) from None
        self.stdout.write(f"Attached {len(documents)} file(s) to applications on “{posting_obj}”.")

    def _dry_run(self, bundle, posting, role):
        """The same matching and checks as the import, with nothing stored."""
        emails = Application.objects.filter(posting=posting).values_list(
            "candidate__email", flat=True
        )
        plan = imports.match_documents(
            [imports.Claim(0, email) for email in emails],
            bundle,
            check=services.document_check,
            check_size=services.document_check_size,
            unclaimed=f"no application on “{posting}” has this email",
            role=role,
        )
        for _line, problem in plan.problems:
            self.stderr.write(problem)
        if plan.problems:
            raise CommandError(f"{len(plan.problems)} problem(s); nothing would be stored.")
        self.stdout.write(
            f"Dry run: {len(plan.documents)} file(s) would be attached. Nothing stored."
        )


class _bundle:
    """The files of a folder (hidden ones left out) or of a ZIP (checked against the
    import's ZIP limits), as an `imports.Bundle`; the ZIP stays open inside the block."""

    def __init__(self, path: Path):
        self.path, self.handle = path, None

    def __enter__(self) -> imports.Bundle:
        if self.path.is_dir():
            return imports.Bundle(
                files=[
                    imports.BundledFile(p.name, p.stat().st_size, p.read_bytes)
                    for p in sorted(self.path.iterdir())
                    if p.is_file() and not p.name.startswith(".")
                ]
            )
        try:
            self.handle = self.path.open("rb")
        except OSError as exc:
            raise CommandError(
                f"{self.path} is neither a folder nor a readable file ({exc})."
            ) from None
        if not zipfile.is_zipfile(self.handle):
            self.handle.close()
            raise CommandError(f"{self.path} is neither a folder nor a ZIP.")
        return imports.read_zip(
            self.handle,
            max_files=settings.DOCUMENT_ZIP_MAX_FILES,
            max_unpacked_bytes=settings.DOCUMENT_ZIP_MAX_UNPACKED_BYTES,
        )

    def __exit__(self, *exc):
        if self.handle is not None:
            self.handle.close()
        return False
