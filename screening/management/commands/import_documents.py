"""Candidates' files in bulk: a folder or a ZIP of files named by the candidate's email."""

import zipfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core.errors import ServiceError
from core.roles import is_recruiter
from rubrics.models import JobPosting
from screening import services
from screening.models import Application, Document


class Command(BaseCommand):
    help = (
        "Attach candidates' files (PDF, DOCX or TXT) to their applications on a posting. "
        "PATH is a folder or a ZIP whose files are named by the candidate's email "
        "(ada@example.net.pdf). Every file is checked first; any problem is reported and "
        "nothing is stored."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--posting", type=int, required=True, help="The posting's id.")
        parser.add_argument(
            "--actor", required=True, help="The recruiter's username, recorded as uploader."
        )
        parser.add_argument(
            "--role", default=Document.Role.RESUME, choices=Document.Role.values, help="resume"
        )
        parser.add_argument("--dry-run", action="store_true", help="Check only.")

    def handle(self, *args, path: str, posting: int, actor: str, role: str, **options):
        posting_obj = JobPosting.objects.filter(pk=posting).first()
        if posting_obj is None:
            raise CommandError(f"No posting has id {posting}.")
        user = get_user_model().objects.filter(username=actor).first()
        if user is None or not is_recruiter(user):
            raise CommandError(f"{actor!r} is not a recruiter.")
        files = list(_files(Path(path)))
        if not files:
            raise CommandError(f"No files in {path}.")
        applications = {
            a.candidate.email.lower(): a
            for a in Application.objects.filter(posting=posting_obj).select_related("candidate")
        }
        plan, problems, seen = [], [], set()
        for name, read in files:
            email = Path(name).stem.lower()
            if email in seen:
                problems.append(f"{name}: a second file for {email}")
                continue
            seen.add(email)
            application = applications.get(email)
            if application is None:
                problems.append(f"{name}: no application on “{posting_obj}” for {email}")
                continue
            try:
                data = read()
                services.document_check(data)
            except (ServiceError, ValidationError) as exc:
                problems.append(f"{name}: {getattr(exc, 'message', exc)}")
                continue
            plan.append((application, name, data))
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(problems)} problem(s) in {path}; nothing was stored.")
        if options["dry_run"]:
            self.stdout.write(f"Dry run: {len(plan)} file(s) would be attached. Nothing stored.")
            return
        for application, name, data in plan:
            services.document_upload(
                application=application, actor=user, name=name, data=data, role=role
            )
        self.stdout.write(f"Attached {len(plan)} file(s) to applications on “{posting_obj}”.")


def _files(path: Path):
    """(name, read) for each file of a folder or ZIP, hidden files and folders left out.
    A ZIP member is sized before it is read, so a bomb is refused unread."""
    from django.conf import settings

    if path.is_dir():
        for file in sorted(p for p in path.iterdir() if p.is_file()):
            if not file.name.startswith("."):
                yield file.name, file.read_bytes
        return
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise CommandError(f"{path} is neither a folder nor a readable ZIP ({exc}).") from None
    for member in sorted(archive.infolist(), key=lambda m: m.filename):
        name = Path(member.filename).name
        if member.is_dir() or not name or name.startswith(".") or "__MACOSX" in member.filename:
            continue
        if member.file_size > settings.DOCUMENT_MAX_BYTES:
            raise CommandError(f"{member.filename} is over the size limit; nothing was stored.")
        yield name, (lambda m=member: archive.read(m))
