"""Demo data: accounts, the demo posting with a published rubric, about 40
candidates (each with a résumé, PDF or Word, whose text is read on upload) and
three reviewers of visibly different leniency with their scorecards, so the
ranking shows something straight away; most candidates' voluntary demographics, with a
built-in difference on one criterion for the adverse-impact report
(reports/demo/demographics.py), which the demo's fairness analyst can open. Idempotent."""

import random
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from calibration.models import CalibrationRun
from calibration.services import calibration_run
from core import roles
from reports.demo import demographics
from reports.demo.resumes import demo_resume
from reports.digest import html_with_inline_images
from reports.impact.services import demographics_record
from reports.models import CandidateDemographics
from reports.services import digest_prepare, report_send
from rubrics import services as rubric_services
from rubrics.models import Criterion, JobPosting
from screening import scoring, services
from screening.models import Application, Candidate, Document, Scorecard
from screening.selectors import rules_for

DEMO_POSTING = Path(__file__).resolve().parents[2] / "demo" / "posting.txt"
DEMO_TITLE = "Search Relevance Engineering Intern"

# (username, first name, last name, role, password, leniency in scale points).
# Demo accounts only: the command refuses to run with DEBUG off unless told
# --allow-production.
DEMO_USERS = [
    ("recruiter", "Rita", "Okafor", roles.RECRUITER, "demo-recruiter-pass", 0.0),
    ("reviewer1", "Ana", "Lindqvist", roles.REVIEWER, "demo-reviewer1-pass", 0.7),
    ("reviewer2", "Ben", "Moreau", roles.REVIEWER, "demo-reviewer2-pass", 0.0),
    ("reviewer3", "Chloe", "Tanaka", roles.REVIEWER, "demo-reviewer3-pass", -0.8),
]
# Reads and records self-identified demographics; not a reviewer, not a recruiter.
DEMO_ANALYST = ("analyst", "Farid", "Haddad", "Fairness analyst", "demo-analyst-pass")
FIRST_NAMES = [
    "Amara",
    "Bruno",
    "Chen",
    "Dalia",
    "Emeka",
    "Farah",
    "Goran",
    "Hana",
    "Ivo",
    "Jonas",
    "Keiko",
    "Luca",
    "Mira",
    "Nikhil",
    "Olga",
    "Pablo",
    "Qiu",
    "Rosa",
    "Samir",
    "Tove",
]
LAST_NAMES = ["Achebe", "Berg", "Costa", "Dubois", "Eze", "Fischer", "Gupta", "Holm"]
N_CANDIDATES = 40
PENDING_PER_REVIEWER = 3


class Command(BaseCommand):
    help = "Create the demo accounts, posting, rubric, candidates and scorecards (idempotent)."

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
        # The demo computes its calibration once, below, rather than per
        # submission: its scorecards are saved with schedule_calibration=False.
        with transaction.atomic():
            users = self._users()
            posting, rubric = self._posting(users["recruiter"])
            created, roster = self._screening(posting, users)
            answered = self._demographics(roster, users["analyst"])
        # Each upload commits on its own, so (in eager mode) its text is read at once.
        uploaded = self._resumes(roster, users["recruiter"])
        if (
            created
            or not CalibrationRun.objects.filter(
                rubric=rubric, status=CalibrationRun.Status.SUCCEEDED
            ).exists()
        ):
            calibration_run(rubric_id=rubric.pk, trigger=CalibrationRun.Trigger.MANUAL)
        report = digest_prepare(posting=posting)
        report_send(report=report)
        sample = Path(settings.VAR_DIR) / "demo-digest.html"
        sample.parent.mkdir(parents=True, exist_ok=True)
        sample.write_text(html_with_inline_images(report.html, report.images), encoding="utf-8")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo posting “{posting.title}” (id {posting.pk}) has published rubric "
                f"v{rubric.version} with {rubric.criteria.count()} criteria; "
                f"{Application.objects.filter(posting=posting).count()} applications "
                f"({created} new); {uploaded} résumé(s) uploaded."
            )
        )
        self.stdout.write(
            f"Weekly digest “{report.subject}” sent to {', '.join(report.recipients)} "
            f"(emails under {settings.EMAIL_FILE_PATH}); a copy to open in a browser: {sample}"
        )
        self.stdout.write(
            f"Self-identified demographics recorded for {answered} more candidate(s); the "
            "adverse-impact report (log in as analyst): "
            f"{reverse('admin:reports_adverse_impact')}?posting={posting.pk}"
        )
        self.stdout.write("Logins (username / password):")
        for username, first, _last, role, password, *_lean in [*DEMO_USERS, DEMO_ANALYST]:
            self.stdout.write(f"  {username:<10} / {password:<22} {role} ({first})")

    def _users(self) -> dict:
        User = get_user_model()
        users = {}
        for username, first, last, role, password, *_lean in [*DEMO_USERS, DEMO_ANALYST]:
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
            posting = rubric_services.posting_create(
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
            draft = draft or rubric_services.rubric_generate(posting=posting, actor=recruiter)
            rubric = rubric_services.rubric_publish(rubric=draft, actor=recruiter)
        return posting, rubric

    def _screening(self, posting, users) -> int:
        """Candidates with a hidden true level per criterion; each reviewer
        scores it shifted by their leniency plus noise. Fixed seed: the same
        demo every time."""
        rng = random.Random(20261125)
        recruiter = users["recruiter"]
        reviewers = [(users[u], lean) for u, *_rest, lean in DEMO_USERS[1:]]
        today = timezone.localdate()
        created = 0
        roster = []
        for i in range(N_CANDIDATES):
            first, last = FIRST_NAMES[i % len(FIRST_NAMES)], LAST_NAMES[i % len(LAST_NAMES)]
            email = f"{first}.{last}.{i}@example.com".lower()
            quality = rng.uniform(1.2, 3.9)
            candidate = Candidate.objects.filter(email=email).first()
            if candidate is None:
                candidate = services.candidate_create(
                    actor=recruiter,
                    full_name=f"{first} {last}",
                    email=email,
                    links=[f"https://portfolio.example.com/{first.lower()}-{last.lower()}"],
                )
            application = Application.objects.filter(candidate=candidate, posting=posting).first()
            if application is not None:
                roster.append((i, application, quality))
                continue
            created += 1
            application = services.application_open(
                candidate=candidate, posting=posting, actor=recruiter
            )
            roster.append((i, application, quality))
            rubric = application.rubric
            criteria = list(rubric.criteria.order_by("order"))
            rules = rules_for(criteria)
            for r_index, (reviewer, leniency) in enumerate(reviewers):
                # The last few candidates wait for each reviewer in turn.
                pending = i >= N_CANDIDATES - PENDING_PER_REVIEWER * len(reviewers) and (
                    (i - N_CANDIDATES) % len(reviewers) == r_index
                )
                due = today + timedelta(days=(-2 if i % 2 else 5)) if pending else today
                assignment = services.assignment_create(
                    application=application,
                    reviewer=reviewer,
                    actor=recruiter,
                    due_date=due,
                )
                if pending:
                    continue
                values = {}
                for c in criteria:
                    if c.is_screening:
                        continue  # a yes/no gate, answered below
                    raw = (
                        quality
                        + leniency
                        + rng.gauss(0, 0.45)
                        + demographics.score_shift(i, c.title)
                    )
                    if c.kind == Criterion.Kind.BONUS and rng.random() < 0.35:
                        values[c.pk] = None
                    else:
                        values[c.pk] = min(max(round(raw), 1), rubric.scale_max)
                score = scoring.weighted_score(values, rules, scoring.Scale(1, rubric.scale_max))
                recommendation = 1 + min(3, int(score // 25))
                services.scorecard_save(
                    scorecard=Scorecard.objects.get(assignment=assignment),
                    reviewer=reviewer,
                    scores=[
                        {
                            "criterion": cid,
                            "value": v,
                            "note": "Seen in the portfolio." if v and v >= 3 else "",
                        }
                        for cid, v in values.items()
                    ]
                    + [
                        # A few candidates cannot work in either country: the gate fails them.
                        {"criterion": c.pk, "answer": i % 17 != 3}
                        for c in criteria
                        if c.is_screening
                    ],
                    recommendation=recommendation,
                    summary=f"Demo scorecard by {reviewer.first_name}.",
                    submit=True,
                    schedule_calibration=False,
                )
            # Spread the demo over the last three weeks, so the weekly digest
            # has a week of activity and drift has time to show.
            days_ago = 1 + (i * 7) % 21
            when = timezone.now() - timedelta(days=days_ago, hours=i % 8)
            Application.objects.filter(pk=application.pk).update(created_at=when)
            Scorecard.objects.filter(application=application, submitted_at__isnull=False).update(
                submitted_at=when + timedelta(hours=6)
            )
            if i % 9 == 0:
                services.application_set_stage(
                    application=application, actor=recruiter, stage=Application.Stage.INTERVIEW
                )
        return created, roster

    def _demographics(self, roster, analyst) -> int:
        """The self-identified answers of each demo candidate who gave some and has none
        recorded yet, recorded through the service (audited, values never logged)."""
        recorded = set(
            CandidateDemographics.objects.filter(
                candidate__in=[application.candidate_id for _i, application, _q in roster]
            ).values_list("candidate_id", flat=True)
        )
        added = 0
        for i, application, _quality in roster:
            answers = demographics.demo_answers(i)
            if answers is None or application.candidate_id in recorded:
                continue
            demographics_record(candidate=application.candidate, answers=answers, actor=analyst)
            added += 1
        return added

    def _resumes(self, roster, recruiter) -> int:
        """A résumé for every demo application that has none, uploaded as the recruiter
        would (checked, stored, its text read by the extraction task)."""
        with_resume = set(
            Document.objects.filter(
                application__in=[application for _i, application, _q in roster],
                role=Document.Role.RESUME,
            ).values_list("application_id", flat=True)
        )
        uploaded = 0
        for i, application, quality in roster:
            if application.pk in with_resume:
                continue
            candidate = application.candidate
            resume = demo_resume(i, candidate.full_name, candidate.email, quality)
            services.document_upload(
                application=application,
                actor=recruiter,
                name=resume.name,
                data=resume.data,
                role=Document.Role.RESUME,
            )
            uploaded += 1
        return uploaded
