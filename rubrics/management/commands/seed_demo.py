from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from config import roles
from rubrics import services
from rubrics.models import JobPosting

DEMO_POSTING = Path(__file__).resolve().parents[2] / "demo" / "posting.txt"
DEMO_TITLE = "Search Relevance Engineering Intern"

# (username, first name, last name, role, password). Demo accounts only: the
# command refuses to run with DEBUG off unless told --allow-production.
DEMO_USERS = [
    ("recruiter", "Rita", "Okafor", roles.RECRUITER, "demo-recruiter-pass"),
    ("reviewer1", "Ana", "Lindqvist", roles.REVIEWER, "demo-reviewer1-pass"),
    ("reviewer2", "Ben", "Moreau", roles.REVIEWER, "demo-reviewer2-pass"),
    ("reviewer3", "Chloe", "Tanaka", roles.REVIEWER, "demo-reviewer3-pass"),
]


class Command(BaseCommand):
    help = "Create the demo accounts and the demo posting with a published rubric (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run even with DEBUG off (creates accounts with well-known passwords).",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "seed_demo creates accounts with well-known passwords; it runs only with "
                "DEBUG on (or with --allow-production)."
            )
        with transaction.atomic():
            users = self._users()
            posting, rubric = self._posting(users["recruiter"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo posting “{posting.title}” (id {posting.pk}) has published rubric "
                f"v{rubric.version} with {rubric.criteria.count()} criteria."
            )
        )
        self.stdout.write("Logins (username / password):")
        for username, first, _last, role, password in DEMO_USERS:
            self.stdout.write(f"  {username:<10} / {password:<22} {role} ({first})")

    def _users(self) -> dict:
        User = get_user_model()
        users = {}
        for username, first, last, role, password in DEMO_USERS:
            user, _ = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@example.org",
                },
            )
            user.is_staff = True
            user.is_active = True
            user.set_password(password)
            user.save()
            user.groups.add(Group.objects.get(name=role))
            users[username] = user
        return users

    def _posting(self, recruiter):
        posting = JobPosting.objects.filter(title=DEMO_TITLE).first()
        if posting is None:
            posting = services.posting_create(
                actor=recruiter,
                title=DEMO_TITLE,
                team="Discovery",
                location="Remote",
                raw_text=DEMO_POSTING.read_text(encoding="utf-8"),
                status=JobPosting.Status.OPEN,
            )
        rubric = posting.rubrics.published().first()
        if rubric is None:
            draft = posting.rubrics.filter(state="draft").order_by("-version").first()
            draft = draft or services.rubric_generate(posting=posting, actor=recruiter)
            rubric = services.rubric_publish(rubric=draft, actor=recruiter)
        return posting, rubric
