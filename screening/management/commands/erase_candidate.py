"""Erase one candidate's personal data everywhere it is stored; their ratings stay under a
pseudonym (screening/privacy/erasure.py)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.errors import ServiceError
from core.roles import is_recruiter
from screening.models import Candidate
from screening.privacy.erasure import erase_candidate


class Command(BaseCommand):
    help = (
        "Erase a candidate's personal data (name, email, phone, links, notes, scorecard "
        "notes, documents, and their mentions in the audit trail, reports and archived "
        "mail); the ratings stay under a pseudonym. CANDIDATE is the id or the email."
    )

    def add_arguments(self, parser):
        parser.add_argument("candidate", help="The candidate's id or email.")
        parser.add_argument(
            "--reference", default="", help="The request it answers, e.g. a ticket number."
        )
        parser.add_argument("--actor", default=None, help="The recruiter's username.")

    def handle(self, *args, candidate: str, reference: str, actor: str | None, **options):
        user = None
        if actor:
            user = get_user_model().objects.filter(username=actor).first()
            if user is None or not is_recruiter(user):
                raise CommandError(f"{actor!r} is not a recruiter.")
        key = candidate.strip()
        found = (
            Candidate.objects.filter(pk=int(key)).first()
            if key.isdigit()
            else Candidate.objects.filter(email__iexact=key).first()
        )
        if found is None:
            raise CommandError(f"No candidate has the id or email {key!r}.")
        try:
            result = erase_candidate(found, actor=user, reference=reference)
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        counts = ", ".join(f"{name} {n}" for name, n in result.counts.items() if n)
        self.stdout.write(
            f"Erased candidate {found.pk}: now “{result.candidate.full_name}”"
            + (f" ({counts})." if counts else ".")
        )
