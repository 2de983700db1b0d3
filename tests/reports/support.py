"""What the report tests share: the fixed "now" and digest period they are written
against; the digest world, small enough that its figures can be worked out by hand;
stored reports for the query budgets; and a mail backend that fails part-way."""

import smtplib
from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

from calibration.services import calibration_run
from reports.models import Report, ReportDelivery
from rubrics.models import Criterion, Rubric
from screening.models import Application, Scorecard
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    CriterionFactory,
    JobPostingFactory,
    RecruiterFactory,
    ReviewerFactory,
    RubricFactory,
    assign_and_submit,
)


def local(*args) -> datetime:
    """A wall-clock time in the configured time zone."""
    return datetime(*args, tzinfo=ZoneInfo(settings.TIME_ZONE))


def now_wednesday() -> datetime:
    """Wednesday 25 November 2026, 10:00: its digest covers 16–22 November."""
    return local(2026, 11, 25, 10, 0)


def period_of_now() -> tuple[datetime, datetime]:
    return local(2026, 11, 16), local(2026, 11, 23)


# --- The digest world ------------------------------------------------------------


def levels(i: int) -> dict[str, list[int]]:
    """Application i's levels on the three criteria from each reviewer.

    Quality q = i % 3 gives level 1 + q on every criterion. Ada scores exactly
    that, Cleo one level higher, Ben like Ada except on application 0, where
    he gives the first criterion a 2 instead of a 1."""
    base = [1 + i % 3] * 3
    ben = list(base)
    if i == 0:
        ben[0] = 2
    return {"ada": base, "ben": ben, "cleo": [v + 1 for v in base]}


def digest_world(*, calibrate: bool = True) -> SimpleNamespace:
    """A published rubric "Imaging Field Engineer" (Certification 37.5 and
    Experience 37.5 must-haves, Service software 25 bonus, 1–4 scale), its
    recruiter Rita (rita@example.org), reviewers Ada, Ben and Cleo Tester,
    applications "Candidate 0".."Candidate 5" scored by all three, "Solo
    Cleo" scored [4, 4, 3] by Cleo only and "Solo Ada" [2, 2, 3] by Ada
    only; with one calibration run unless `calibrate` is false."""
    posting = JobPostingFactory(title="Imaging Field Engineer")
    rubric = RubricFactory(posting=posting)
    for kind, title, weight in (
        (Criterion.Kind.MUST_HAVE, "Certification", "37.50"),
        (Criterion.Kind.MUST_HAVE, "Experience", "37.50"),
        (Criterion.Kind.BONUS, "Service software", "25.00"),
    ):
        CriterionFactory(rubric=rubric, kind=kind, title=title, weight=Decimal(weight))
    Rubric.objects.filter(pk=rubric.pk).update(state=Rubric.State.PUBLISHED)
    rubric.refresh_from_db()
    criteria = list(rubric.criteria.order_by("order", "id"))
    recruiter = RecruiterFactory(username="rita", first_name="Rita", email="rita@example.org")
    posting.recruiters.add(recruiter)
    reviewers = {
        name: ReviewerFactory(
            username=name, first_name=name.title(), last_name="Tester", email=f"{name}@example.org"
        )
        for name in ("ada", "ben", "cleo")
    }
    applications = {}

    def apply(name: str) -> Application:
        applications[name] = ApplicationFactory(
            rubric=rubric, candidate=CandidateFactory(full_name=name)
        )
        return applications[name]

    for i in range(6):
        application = apply(f"Candidate {i}")
        for name, values in levels(i).items():
            assign_and_submit(application, reviewers[name], criteria, values)
    assign_and_submit(apply("Solo Cleo"), reviewers["cleo"], criteria, [4, 4, 3])
    assign_and_submit(apply("Solo Ada"), reviewers["ada"], criteria, [2, 2, 3])
    run = calibration_run(rubric_id=rubric.pk) if calibrate else None
    return SimpleNamespace(
        posting=posting,
        rubric=rubric,
        criteria=criteria,
        recruiter=recruiter,
        applications=applications,
        run=run,
        **reviewers,
    )


CSP = "sandbox; img-src data:; style-src 'unsafe-inline'"


def make_reports(n: int) -> list[Report]:
    """`n` stored reports, each of its own posting with one delivery: what
    the list has to fetch per row without a query per row."""
    start, end = period_of_now()
    reports = []
    for i in range(n):
        posting = JobPostingFactory(title=f"Posting {i}")
        report = Report.objects.create(
            posting=posting,
            period_start=start,
            period_end=end,
            subject=f"Weekly digest: Posting {i}",
            html="<p>digest</p>",
            text="digest",
            csv="rank\n",
            recipients=[f"r{i}@example.org"],
        )
        ReportDelivery.objects.create(
            report=report, recipient=f"r{i}@example.org", sent_at=report.created_at
        )
        reports.append(report)
    return reports


SITE = "https://rubrics.example.org"


def set_all_submitted_at(posting, when: datetime) -> None:
    Scorecard.objects.filter(application__posting=posting, submitted_at__isnull=False).update(
        submitted_at=when
    )


class FlakyBackend(LocmemBackend):
    """The locmem backend, except that the `fail_at`-th message sent since
    `reset()` raises SMTPServerDisconnected, the first time only (as when
    the SMTP server drops the connection once)."""

    fail_at: int | None = None
    attempts = 0

    @classmethod
    def reset(cls, fail_at: int | None) -> None:
        cls.fail_at = fail_at
        cls.attempts = 0

    def send_messages(self, messages):
        for message in messages:
            FlakyBackend.attempts += 1
            if FlakyBackend.attempts == FlakyBackend.fail_at:
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            super().send_messages([message])
        return len(messages)


def recipients_of_outbox() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)
