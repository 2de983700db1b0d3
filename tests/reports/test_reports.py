"""The weekly calibration digest and the daily overdue-review reminders:
the digest's period and content (reports/digest.py), storing and
sending it once per period and recipient, retrying after an SMTP failure
part-way (reports/services.py and the Celery tasks), reminders
once a day, the beat schedules the migrations create, and the
`send_report` command.

The digest world is small and designed so its figures can be worked out by
hand: six applications scored by Ada, Ben and Cleo on a 1–4 scale, Cleo one
level above Ada everywhere (lenient, flagged), Ben like Ada but for one
score; plus one application each that only Cleo or only Ada scored, whose
severity-adjusted scores therefore move away from their raw ones."""

import base64
import csv
import io
import smtplib
import subprocess
import sys
from datetime import date, datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from celery.exceptions import Retry
from django.conf import settings
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import CommandError, call_command
from django.db import IntegrityError
from django.utils import timezone
from django.utils.module_loading import import_string
from django_celery_beat.models import PeriodicTask

from calibration import charts
from calibration.models import CriterionCalibration
from calibration.services import calibration_run
from reports.digest import build_digest, digest_period
from reports.models import Reminder, Report, ReportDelivery
from reports.selectors import had_activity, postings_with_activity
from reports.services import (
    digest_prepare,
    digest_recipients,
    reminder_send,
    report_send,
)
from reports.tasks import (
    send_digest,
    send_overdue_reminders,
    send_reminder,
    send_weekly_digests,
)
from rubrics.models import JobPosting
from screening.models import Application, ReviewAssignment, Scorecard
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    JobPostingFactory,
    RecruiterFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    UserFactory,
    submit_scores,
)
from tests.reports.support import digest_world, local, now_wednesday, period_of_now, submit

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
SITE = "https://rubrics.example.org"


@pytest.fixture
def world():
    return digest_world()


@pytest.fixture
def uncalibrated_world():
    return digest_world(calibrate=False)


def section(text: str, title: str) -> list[str]:
    """The lines of one section of the plain-text digest, up to the next
    blank line."""
    return text.split(f"\n{title}\n", 1)[1].split("\n\n", 1)[0].splitlines()


def set_all_submitted_at(posting, when: datetime) -> None:
    Scorecard.objects.filter(application__posting=posting, submitted_at__isnull=False).update(
        submitted_at=when
    )


# --- A mail backend that fails part-way ---------------------------------------------


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


@pytest.fixture
def flaky_mail(settings):
    """The second message sent in the test fails once."""
    settings.EMAIL_BACKEND = "tests.reports.test_reports.FlakyBackend"
    # Django must load this very class, or the counter would not be shared.
    assert import_string(settings.EMAIL_BACKEND) is FlakyBackend
    FlakyBackend.reset(fail_at=2)
    yield FlakyBackend
    FlakyBackend.reset(fail_at=None)


def recipients_of_outbox() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


# --- digest_period ----------------------------------------------------------------


def test_digest_period_is_the_last_full_week_monday_to_monday():
    assert digest_period(now_wednesday()) == period_of_now()


def test_digest_period_on_monday_at_0759_is_the_week_that_just_ended():
    assert digest_period(local(2026, 11, 30, 7, 59)) == (local(2026, 11, 23), local(2026, 11, 30))


def test_digest_period_late_on_sunday_is_still_the_week_before():
    assert digest_period(local(2026, 11, 29, 23, 59, 59)) == period_of_now()


def test_digest_period_starts_and_ends_at_local_midnight_across_a_clock_change(settings):
    """Europe/London leaves summer time on Sunday 25 October 2026: the week
    runs from Monday 00:00 BST to Monday 00:00 GMT, 7 days and 1 hour."""
    settings.TIME_ZONE = "Europe/London"

    start, end = digest_period(datetime(2026, 10, 28, 10, tzinfo=ZoneInfo("Europe/London")))

    utc = ZoneInfo("UTC")
    assert (start.astimezone(utc), end.astimezone(utc)) == (
        datetime(2026, 10, 18, 23, tzinfo=utc),
        datetime(2026, 10, 26, 0, tzinfo=utc),
    )


# --- had_activity / postings_with_activity ---------------------------------------------


@pytest.fixture
def quiet_application():
    """An application, its assignment and a submitted scorecard, all dated
    two weeks before the period."""
    application = ApplicationFactory()
    assignment = ReviewAssignmentFactory(application=application)
    submit_scores(assignment, dict.fromkeys(application.rubric.criteria.all(), 3))
    long_ago = period_of_now()[0] - timedelta(days=14)
    Application.objects.filter(pk=application.pk).update(created_at=long_ago)
    ReviewAssignment.objects.filter(pk=assignment.pk).update(created_at=long_ago)
    Scorecard.objects.filter(assignment=assignment).update(submitted_at=long_ago)
    return SimpleNamespace(application=application, assignment=assignment)


def test_no_activity_when_everything_happened_before_the_period(quiet_application):
    assert had_activity(quiet_application.application.posting, *period_of_now()) is False


def test_application_opened_in_the_period_counts_as_activity(quiet_application):
    Application.objects.filter(pk=quiet_application.application.pk).update(
        created_at=period_of_now()[0]
    )

    assert had_activity(quiet_application.application.posting, *period_of_now()) is True


def test_application_opened_at_the_period_end_is_next_weeks_activity(quiet_application):
    Application.objects.filter(pk=quiet_application.application.pk).update(
        created_at=period_of_now()[1]
    )

    assert had_activity(quiet_application.application.posting, *period_of_now()) is False


def test_reviewer_assigned_in_the_period_counts_as_activity(quiet_application):
    ReviewAssignment.objects.filter(pk=quiet_application.assignment.pk).update(
        created_at=period_of_now()[1] - timedelta(microseconds=1)
    )

    assert had_activity(quiet_application.application.posting, *period_of_now()) is True


def test_scorecard_submitted_in_the_period_counts_as_activity(quiet_application):
    Scorecard.objects.filter(assignment=quiet_application.assignment).update(
        submitted_at=period_of_now()[0] + timedelta(days=3)
    )

    assert had_activity(quiet_application.application.posting, *period_of_now()) is True


def test_scorecard_submitted_after_the_period_is_not_activity(quiet_application):
    Scorecard.objects.filter(assignment=quiet_application.assignment).update(
        submitted_at=period_of_now()[1] + timedelta(hours=1)
    )

    assert had_activity(quiet_application.application.posting, *period_of_now()) is False


def test_postings_with_activity_are_the_open_and_closed_ones_with_activity_not_drafts():
    start, end = period_of_now()
    postings = {}
    for status in (JobPosting.Status.OPEN, JobPosting.Status.CLOSED, JobPosting.Status.DRAFT):
        application = ApplicationFactory()
        JobPosting.objects.filter(pk=application.posting_id).update(status=status)
        Application.objects.filter(pk=application.pk).update(created_at=start + timedelta(days=1))
        postings[status] = application.posting_id
    quiet = ApplicationFactory()
    Application.objects.filter(pk=quiet.pk).update(created_at=start - timedelta(days=1))

    assert sorted(p.pk for p in postings_with_activity(start, end)) == sorted(
        [postings[JobPosting.Status.OPEN], postings[JobPosting.Status.CLOSED]]
    )


# --- The digest's content -----------------------------------------------------------


def test_digest_subject_names_the_posting_and_the_period(world):
    report = digest_prepare(posting=world.posting, now=now_wednesday())

    assert report.subject == "Weekly digest: Imaging Field Engineer (16 Nov – 22 Nov 2026)"
    assert (report.period_start, report.period_end) == period_of_now()


def test_digest_counts_candidates_by_stage(world):
    Application.objects.filter(pk=world.applications["Candidate 0"].pk).update(stage="rejected")
    Application.objects.filter(pk=world.applications["Candidate 5"].pk).update(stage="interview")
    ApplicationFactory(rubric=world.rubric, stage=Application.Stage.APPLIED)

    report = digest_prepare(posting=world.posting, now=now_wednesday())

    assert section(report.text, "PIPELINE") == [
        "  Applied: 1",
        "  Screening: 6",
        "  Interview: 1",
        "  Offer: 0",
        "  Hired: 0",
        "  Rejected: 1",
        "  Withdrawn: 0",
    ]


def test_digest_counts_scorecards_submitted_in_the_period_only(world):
    start, end = period_of_now()
    set_all_submitted_at(world.posting, start - timedelta(seconds=1))
    cards = list(Scorecard.objects.filter(application__posting=world.posting).order_by("id"))
    Scorecard.objects.filter(pk__in=[c.pk for c in cards[:3]]).update(submitted_at=start)
    Scorecard.objects.filter(pk=cards[3].pk).update(submitted_at=end - timedelta(microseconds=1))
    Scorecard.objects.filter(pk=cards[4].pk).update(submitted_at=end)  # next week's

    report = digest_prepare(posting=world.posting, now=now_wednesday())

    assert "4 scorecards submitted this week; 0 overdue." in report.text.splitlines()
    assert "<p>4 scorecards submitted this week · <strong>0</strong> overdue.</p>" in report.html


def test_digest_lists_the_overdue_reviews_as_the_digest_is_written(world):
    today = timezone.localdate()
    dan = ReviewerFactory(username="dan", first_name="Dan", last_name="Tester")
    eve = ReviewerFactory(username="eve", first_name="Eve", last_name="Tester")

    def assignment(candidate: str, reviewer, due: date | None, posting_rubric=world.rubric):
        application = ApplicationFactory(
            rubric=posting_rubric, candidate=CandidateFactory(full_name=candidate)
        )
        return ReviewAssignmentFactory(application=application, reviewer=reviewer, due_date=due)

    assignment("Late Lou", dan, today - timedelta(days=3))
    assignment("Waiting Wes", eve, today - timedelta(days=1))
    done = assignment("Done Dee", dan, today - timedelta(days=3))
    submit_scores(done, dict.fromkeys(world.criteria, 3))
    assignment("Today Tia", dan, today)
    assignment("Someday Sam", dan, None)
    other_posting = ApplicationFactory().rubric
    assignment("Elsewhere Eli", dan, today - timedelta(days=3), posting_rubric=other_posting)

    report = digest_prepare(posting=world.posting, now=now_wednesday())

    lines = report.text.splitlines()
    at = lines.index("0 scorecards submitted this week; 2 overdue.")
    assert lines[at + 1 : at + 3] == [
        f"  - Dan Tester: Late Lou (due {today - timedelta(days=3):%Y-%m-%d})",
        f"  - Eve Tester: Waiting Wes (due {today - timedelta(days=1):%Y-%m-%d})",
    ]


def test_digest_top_candidates_by_raw_score(world):
    report = digest_prepare(posting=world.posting, now=now_wednesday())

    # By hand: Candidate 2 and 5 have levels 3, 3, 4 on every criterion:
    # (10/3 − 1) / 3 = 77.8. Solo Cleo: 0.75 × 100 + 0.25 × 66.7 = 91.7.
    assert section(report.text, "TOP CANDIDATES BY SCORE") == [
        "  1. Solo Cleo — 91.7",
        "  2. Candidate 2 — 77.8",
        "  3. Candidate 5 — 77.8",
        "  4. Candidate 1 — 44.4",
        "  5. Candidate 4 — 44.4",
        "  6. Solo Ada — 41.7",
        "  7. Candidate 0 — 15.3 (fails must-haves)",
        "  8. Candidate 3 — 11.1 (fails must-haves)",
    ]


def test_digest_top_candidates_adjusted_for_reviewer_severity(world):
    report = digest_prepare(posting=world.posting, now=now_wednesday())

    # Applications all three scored keep their score (the severities sum to
    # zero); Cleo's lenience comes off Solo Cleo, Ada's harshness off Solo Ada.
    assert section(report.text, "TOP CANDIDATES, SEVERITY-ADJUSTED") == [
        "  1. Candidate 2 — 77.8",
        "  2. Candidate 5 — 77.8",
        "  3. Solo Cleo — 70.1",
        "  4. Solo Ada — 53.4",
        "  5. Candidate 1 — 44.4",
        "  6. Candidate 4 — 44.4",
        "  7. Candidate 0 — 15.3",
        "  8. Candidate 3 — 11.1",
    ]


def test_digest_top_candidates_stop_at_ten(world):
    for i in range(4):
        application = ApplicationFactory(
            rubric=world.rubric, candidate=CandidateFactory(full_name=f"Extra {i}")
        )
        submit(application, world.ada, world.criteria, [1, 1, 1])
    calibration_run(rubric_id=world.rubric.pk)

    report = digest_prepare(posting=world.posting, now=now_wednesday())

    assert len(section(report.text, "TOP CANDIDATES BY SCORE")) == 10
    assert len(section(report.text, "TOP CANDIDATES, SEVERITY-ADJUSTED")) == 10


def test_digest_before_any_calibration_run_has_no_adjusted_ranking(uncalibrated_world):
    report = digest_prepare(posting=uncalibrated_world.posting, now=now_wednesday())

    assert section(report.text, "TOP CANDIDATES, SEVERITY-ADJUSTED") == [
        "  No calibration run yet."
    ]
    assert section(report.text, "REVIEWERS (severity in scale points: + lenient, − harsh)") == [
        "  No calibration run yet."
    ]
    assert "<p>No calibration run yet for this posting.</p>" in report.html


def test_digest_reviewer_table_shows_severity_and_flags_flagged_first(world):
    cleo = world.run.reviewers.get(reviewer=world.cleo)
    assert cleo.flagged is True

    report = digest_prepare(posting=world.posting, now=now_wednesday())

    assert section(report.text, "REVIEWERS (severity in scale points: + lenient, − harsh)") == [
        f"  Cleo Tester: 21 ratings, severity 0.65 ± 0.04  FLAGGED: {cleo.flag_reason}",
        "  Ada Tester: 21 ratings, severity -0.35 ± 0.04",
        "  Ben Tester: 18 ratings, severity -0.30 ± 0.04",
    ]


def test_digest_reviewer_table_in_html_marks_the_flagged_row(world):
    cleo = world.run.reviewers.get(reviewer=world.cleo)

    report = digest_prepare(posting=world.posting, now=now_wednesday())

    assert (
        '<tr style="background:#fdecea;">\n'
        '      <td style="padding:4px;">Cleo Tester</td>\n'
        '      <td style="text-align:right; padding:4px;">21</td>\n'
        '      <td style="text-align:right; padding:4px;">0.65 ± 0.04</td>\n'
        '      <td style="padding:4px; color:#ba2121; font-weight:bold;">'
        f"{cleo.flag_reason}</td>"
    ) in report.html


def test_digest_lists_the_criteria_with_low_agreement_only(world):
    experience = world.criteria[1]
    CriterionCalibration.objects.filter(run=world.run, criterion=experience).update(
        flagged=False, flag_reason=""
    )
    flagged = {
        c.criterion.title: c.flag_reason
        for c in world.run.criteria.select_related("criterion").filter(flagged=True)
    }
    assert sorted(flagged) == ["Certification", "Service software"]

    report = digest_prepare(posting=world.posting, now=now_wednesday())

    assert section(report.text, "CRITERIA WITH LOW AGREEMENT") == [
        f"  - Certification: {flagged['Certification']}",
        f"  - Service software: {flagged['Service software']}",
    ]


def test_digest_says_so_when_every_criterion_agrees(world):
    CriterionCalibration.objects.filter(run=world.run).update(flagged=False, flag_reason="")

    report = digest_prepare(posting=world.posting, now=now_wednesday())

    assert section(report.text, "CRITERIA WITH LOW AGREEMENT") == ["  None."]
    assert "<p>None: every criterion reaches alpha 0.667.</p>" in report.html


def test_first_digest_with_calibration_results_says_so(world):
    report = digest_prepare(posting=world.posting, now=now_wednesday())

    assert section(report.text, "SINCE THE LAST DIGEST") == [
        "  - This is the first digest with calibration results."
    ]


def test_next_digest_without_a_new_run_says_so(world):
    digest_prepare(posting=world.posting, now=now_wednesday())

    report = digest_prepare(posting=world.posting, now=now_wednesday() + timedelta(days=7))

    assert section(report.text, "SINCE THE LAST DIGEST") == [
        "  - No new calibration run since the last digest."
    ]


def test_next_digest_names_reviewers_whose_severity_moved_by_at_least_0_2(world):
    """Six more applications: Ada scores one level above the quality, Ben
    and Cleo at it. Ada goes from −0.35 to +0.16 (more lenient), Cleo from
    +0.65 to +0.16 (harsher, and no longer flagged), Ben moves by 0.01."""
    digest_prepare(posting=world.posting, now=now_wednesday())
    for i in range(6):
        application = ApplicationFactory(
            rubric=world.rubric, candidate=CandidateFactory(full_name=f"Later {i}")
        )
        base = [1 + i % 3] * 3
        submit(application, world.ada, world.criteria, [v + 1 for v in base])
        submit(application, world.ben, world.criteria, base)
        submit(application, world.cleo, world.criteria, base)
    calibration_run(rubric_id=world.rubric.pk)

    report = digest_prepare(posting=world.posting, now=now_wednesday() + timedelta(days=7))

    # Ada and Cleo end on the same severity, so the order of their lines is
    # the database's.
    assert sorted(section(report.text, "SINCE THE LAST DIGEST")) == [
        "  - Ada Tester grew more lenient: severity -0.35 → +0.16.",
        "  - Cleo Tester grew harsher: severity +0.65 → +0.16.",
        "  - Cleo Tester is no longer flagged.",
    ]


def test_digest_csv_has_the_ranking_header_and_one_row_per_application(world):
    ApplicationFactory(rubric=world.rubric, candidate=CandidateFactory(full_name="Unscored Una"))

    report = digest_prepare(posting=world.posting, now=now_wednesday())

    rows = list(csv.reader(io.StringIO(report.csv)))
    assert rows[0] == [
        "rank",
        "application",
        "candidate",
        "candidate_name",
        "stage",
        "rubric_version",
        "score",
        "adjusted_score",
        "passes_must_haves",
        "failed_must_haves",
        "submitted",
        "pending",
        "strong_no",
        "no",
        "yes",
        "strong_yes",
    ]
    assert sorted(row[3] for row in rows[1:]) == sorted([*world.applications, "Unscored Una"])
    solo_cleo = next(row for row in rows[1:] if row[3] == "Solo Cleo")
    assert solo_cleo[6:10] == ["91.67", "70.06", "True", ""]
    assert rows[-1][3:8] == ["Unscored Una", "screening", str(world.rubric.version), "", ""]


def test_digest_images_are_the_two_pngs_once_a_run_exists(world):
    report = digest_prepare(posting=world.posting, now=now_wednesday())

    assert sorted(report.images) == ["distribution", "severity"]
    for name, data in report.images.items():
        assert base64.b64decode(data).startswith(b"\x89PNG\r\n\x1a\n"), name
    assert 'src="cid:severity"' in report.html
    assert 'src="cid:distribution"' in report.html


def test_distribution_chart_legend_does_not_cover_the_axis_label(world, monkeypatch):
    boxes = {}
    render = charts._render

    def measure(fig, fmt):
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        ax = fig.axes[0]
        legend = ax.get_legend()
        boxes[ax.get_title()] = (
            ax.xaxis.label.get_window_extent(renderer),
            legend.get_window_extent(renderer) if legend else None,
        )
        return render(fig, fmt)

    monkeypatch.setattr(charts, "_render", measure)

    digest_prepare(posting=world.posting, now=now_wednesday())

    label, legend = boxes["Score distribution per reviewer"]
    assert not label.overlaps(legend)


def test_digest_has_no_images_before_any_run(uncalibrated_world):
    report = digest_prepare(posting=uncalibrated_world.posting, now=now_wednesday())

    assert report.images == {}
    assert "cid:" not in report.html


def test_digest_links_to_the_ranking_and_the_run_on_the_site(world, settings):
    settings.SITE_URL = SITE + "/"

    report = digest_prepare(posting=world.posting, now=now_wednesday())

    assert (
        f'<a href="{SITE}/admin/screening/application/ranking/?posting={world.posting.pk}">'
        "Open the ranking</a>"
    ) in report.html
    assert (
        f'<a href="{SITE}/admin/calibration/calibrationrun/{world.run.pk}/change/">'
        "Open the calibration run</a>"
    ) in report.html
    assert (
        f"Ranking: {SITE}/admin/screening/application/ranking/?posting={world.posting.pk}"
        in report.text.splitlines()
    )


# --- Stored once, sent once ----------------------------------------------------------


def test_digest_prepare_twice_for_one_period_stores_one_report(world):
    first = digest_prepare(posting=world.posting, now=now_wednesday())

    second = digest_prepare(posting=world.posting, now=now_wednesday() + timedelta(days=2))

    assert second.pk == first.pk
    assert Report.objects.count() == 1


def test_digest_prepare_for_the_next_period_stores_a_second_report(world):
    first = digest_prepare(posting=world.posting, now=now_wednesday())

    second = digest_prepare(posting=world.posting, now=now_wednesday() + timedelta(days=7))

    assert second.pk != first.pk
    assert second.period_start == first.period_end


def test_send_digest_twice_for_one_period_emails_each_recipient_once(world):
    world.posting.recruiters.add(RecruiterFactory(username="sam", email="sam@example.org"))
    period_end = period_of_now()[1].isoformat()

    first = send_digest.delay(posting_id=world.posting.pk, period_end=period_end).get()
    second = send_digest.delay(posting_id=world.posting.pk, period_end=period_end).get()

    report = Report.objects.get()
    assert (report.period_start, report.period_end) == period_of_now()
    assert (first, second) == (
        {"report_id": report.pk, "sent": 2},
        {"report_id": report.pk, "sent": 0},
    )
    assert recipients_of_outbox() == ["rita@example.org", "sam@example.org"]


def test_send_digest_again_leaves_sent_at_at_the_last_delivery(world):
    period_end = period_of_now()[1].isoformat()
    send_digest.delay(posting_id=world.posting.pk, period_end=period_end)
    sent_at = Report.objects.get().sent_at

    send_digest.delay(posting_id=world.posting.pk, period_end=period_end)

    assert Report.objects.get().sent_at == sent_at


def test_send_weekly_digests_sends_each_posting_with_activity_last_week_once(world):
    start, _end = digest_period()
    Application.objects.filter(posting=world.posting).update(created_at=start + timedelta(hours=1))
    ReviewAssignment.objects.filter(application__posting=world.posting).update(
        created_at=start - timedelta(days=30)
    )
    set_all_submitted_at(world.posting, start - timedelta(days=30))
    quiet = ApplicationFactory()
    quiet.posting.recruiters.add(RecruiterFactory(username="quinn", email="quinn@example.org"))
    Application.objects.filter(pk=quiet.pk).update(created_at=start - timedelta(days=30))

    assert send_weekly_digests.delay().get() == 1
    assert send_weekly_digests.delay().get() == 1

    report = Report.objects.get()
    assert (report.posting, report.period_start) == (world.posting, start)
    assert recipients_of_outbox() == ["rita@example.org"]


# --- The email ------------------------------------------------------------------------


@pytest.fixture
def sent_digest(world):
    report = digest_prepare(posting=world.posting, now=now_wednesday())
    report_send(report=report)
    assert len(mail.outbox) == 1
    return SimpleNamespace(report=report, message=mail.outbox[0], world=world)


def mime_parts(message):
    return list(message_from_bytes(message.message().as_bytes()).walk())


def test_digest_email_subject_sender_and_recipient(sent_digest):
    message = sent_digest.message

    assert message.subject == "Weekly digest: Imaging Field Engineer (16 Nov – 22 Nov 2026)"
    assert message.to == ["rita@example.org"]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL


def test_digest_email_body_is_the_plain_text_digest(sent_digest):
    message = sent_digest.message

    assert message.content_subtype == "plain"
    assert message.body == sent_digest.report.text
    assert message.body.startswith(
        "Imaging Field Engineer — weekly calibration digest, 16 Nov – 22 Nov 2026\n"
    )


def test_digest_email_has_the_html_alternative(sent_digest):
    assert [(content, mimetype) for content, mimetype in sent_digest.message.alternatives] == [
        (sent_digest.report.html, "text/html")
    ]


def test_digest_email_carries_the_charts_inline_by_content_id(sent_digest):
    images = {
        part["Content-ID"]: part
        for part in mime_parts(sent_digest.message)
        if part.get_content_type() == "image/png"
    }

    assert sorted(images) == ["<distribution>", "<severity>"]
    for cid, part in images.items():
        name = cid.strip("<>")
        assert part.get_payload(decode=True) == base64.b64decode(sent_digest.report.images[name])
        assert part.get_content_disposition() == "inline"
    html = sent_digest.message.alternatives[0][0]
    assert 'src="cid:severity"' in html
    assert 'src="cid:distribution"' in html


def test_digest_email_nests_html_and_images_in_related_inside_mixed(sent_digest):
    top = message_from_bytes(sent_digest.message.message().as_bytes())
    related, attachment = top.get_payload()
    alternative, *images = related.get_payload()

    assert top.get_content_type() == "multipart/mixed"
    assert related.get_content_type() == "multipart/related"
    assert [p.get_content_type() for p in alternative.get_payload()] == [
        "text/plain",
        "text/html",
    ]
    assert [(p.get_content_type(), p["Content-ID"]) for p in images] == [
        ("image/png", "<severity>"),
        ("image/png", "<distribution>"),
    ]
    assert attachment.get_content_type() == "text/csv"


def test_digest_email_attaches_the_ranking_csv(sent_digest):
    report, posting = sent_digest.report, sent_digest.world.posting
    attachments = [
        part for part in mime_parts(sent_digest.message) if part.get_filename("").endswith(".csv")
    ]

    assert [(p.get_filename(), p.get_content_type()) for p in attachments] == [
        (f"ranking-{posting.pk}-2026-11-23.csv", "text/csv")
    ]
    # The csv module ends rows with CRLF; the MIME text part carries plain
    # line ends (SMTP sends CRLF on the wire either way).
    assert attachments[0].get_payload(decode=True).decode("utf-8") == report.csv.replace(
        "\r\n", "\n"
    )


def test_digest_email_html_links_point_at_the_site(world, settings):
    settings.SITE_URL = SITE
    report_send(report=digest_prepare(posting=world.posting, now=now_wednesday()))

    html = mail.outbox[0].alternatives[0][0]
    assert f'href="{SITE}/admin/screening/application/ranking/?posting={world.posting.pk}"' in html


# --- An SMTP failure part-way -----------------------------------------------------------


@pytest.fixture
def three_recipients(world):
    for name in ("a", "b", "c"):
        world.posting.recruiters.add(RecruiterFactory(username=name, email=f"{name}@example.org"))
    world.posting.recruiters.remove(world.recruiter)
    report = digest_prepare(posting=world.posting, now=now_wednesday())
    assert report.recipients == ["a@example.org", "b@example.org", "c@example.org"]
    return report


def test_smtp_failure_part_way_raises_and_records_only_who_was_served(three_recipients, flaky_mail):
    with pytest.raises(smtplib.SMTPServerDisconnected):
        report_send(report=three_recipients)

    assert list(three_recipients.deliveries.values_list("recipient", flat=True)) == [
        "a@example.org"
    ]
    assert recipients_of_outbox() == ["a@example.org"]
    three_recipients.refresh_from_db()
    assert three_recipients.sent_at is None


def test_a_refused_claim_that_is_not_a_copy_already_sent_is_raised(three_recipients, monkeypatch):
    """Only report_delivery_once means "sent before": any other refusal of the
    claim is a bug, not a copy to skip."""

    def refused(**kwargs):
        raise IntegrityError("NOT NULL constraint failed: screening_reportdelivery.recipient")

    monkeypatch.setattr(ReportDelivery.objects, "create", refused)

    with pytest.raises(IntegrityError, match="NOT NULL"):
        report_send(report=three_recipients)
    assert mail.outbox == []


def test_send_again_after_an_smtp_failure_serves_only_the_rest(three_recipients, flaky_mail):
    with pytest.raises(smtplib.SMTPServerDisconnected):
        report_send(report=three_recipients)

    assert report_send(report=three_recipients) == 2

    assert [m.to for m in mail.outbox] == [
        ["a@example.org"],
        ["b@example.org"],
        ["c@example.org"],
    ]
    assert sorted(ReportDelivery.objects.values_list("recipient", flat=True)) == [
        "a@example.org",
        "b@example.org",
        "c@example.org",
    ]
    three_recipients.refresh_from_db()
    assert three_recipients.sent_at is not None


def test_send_digest_task_retries_after_an_smtp_failure_and_serves_each_once(
    three_recipients, flaky_mail
):
    period_end = period_of_now()[1].isoformat()
    # Eagerly, the task's automatic retry surfaces as Retry; run it again as
    # the worker would.
    with pytest.raises(Retry) as retry:
        send_digest.delay(posting_id=three_recipients.posting_id, period_end=period_end)
    assert isinstance(retry.value.exc, smtplib.SMTPServerDisconnected)

    result = send_digest.delay(posting_id=three_recipients.posting_id, period_end=period_end)

    assert result.get() == {"report_id": three_recipients.pk, "sent": 2}
    assert recipients_of_outbox() == ["a@example.org", "b@example.org", "c@example.org"]
    assert Report.objects.get().sent_at is not None


def test_send_digest_retries_smtp_errors_with_backoff():
    assert smtplib.SMTPException in send_digest.autoretry_for
    assert issubclass(smtplib.SMTPServerDisconnected, send_digest.autoretry_for)
    assert send_digest.retry_backoff
    assert send_digest.retry_jitter is True
    assert send_digest.max_retries == 6


def test_send_reminder_retries_smtp_errors_with_backoff():
    assert smtplib.SMTPException in send_reminder.autoretry_for
    assert send_reminder.retry_backoff
    assert send_reminder.max_retries == 6


# --- Recipients -----------------------------------------------------------------------------


def test_recipients_are_the_postings_recruiters_with_an_email():
    posting = JobPostingFactory(created_by=RecruiterFactory(email="creator@example.org"))
    posting.recruiters.add(
        RecruiterFactory(email="zoe@example.org"),
        RecruiterFactory(email="amir@example.org"),
        RecruiterFactory(email=""),
        RecruiterFactory(email="gone@example.org", is_active=False),
    )

    assert digest_recipients(posting) == ["amir@example.org", "zoe@example.org"]


def test_recipients_without_recruiters_are_whoever_created_the_posting():
    RecruiterFactory(email="other@example.org")
    posting = JobPostingFactory(created_by=RecruiterFactory(email="creator@example.org"))

    assert digest_recipients(posting) == ["creator@example.org"]


def test_recipients_without_recruiters_or_creator_are_every_recruiter():
    RecruiterFactory(email="rita@example.org")
    RecruiterFactory(email="amir@example.org")
    RecruiterFactory(email="")
    RecruiterFactory(email="gone@example.org", is_active=False)
    ReviewerFactory(email="reviewer@example.org")
    UserFactory(email="nobody@example.org")
    posting = JobPostingFactory(created_by=None)

    assert digest_recipients(posting) == ["amir@example.org", "rita@example.org"]


def test_recipients_skip_a_creator_without_an_email():
    RecruiterFactory(email="rita@example.org")
    posting = JobPostingFactory(created_by=RecruiterFactory(email=""))

    assert digest_recipients(posting) == ["rita@example.org"]


def test_recipients_skip_a_deactivated_creator():
    RecruiterFactory(email="rita@example.org")
    posting = JobPostingFactory(created_by=RecruiterFactory(email="left@example.org"))
    type(posting.created_by).objects.filter(pk=posting.created_by_id).update(is_active=False)
    posting.refresh_from_db()

    assert digest_recipients(posting) == ["rita@example.org"]


# --- Reminders ----------------------------------------------------------------------------

TODAY = date(2026, 11, 25)


@pytest.fixture
def dan(settings):
    settings.SITE_URL = SITE
    return ReviewerFactory(username="dan", first_name="Dan", email="dan@example.org")


def assign(reviewer, candidate: str, due: date | None, posting_title: str = "Imaging Engineer"):
    application = ApplicationFactory(candidate=CandidateFactory(full_name=candidate))
    JobPosting.objects.filter(pk=application.posting_id).update(title=posting_title)
    return ReviewAssignmentFactory(application=application, reviewer=reviewer, due_date=due)


def scorecard_url(assignment) -> str:
    return f"{SITE}/admin/screening/myreview/{assignment.pk}/scorecard/"


def test_reminder_lists_every_overdue_review_with_a_link(dan):
    lou = assign(dan, "Late Lou", TODAY - timedelta(days=3))
    wes = assign(dan, "Waiting Wes", TODAY - timedelta(days=1), posting_title="Field Engineer")

    assert reminder_send(reviewer_id=dan.pk, today=TODAY) is True

    [message] = mail.outbox
    assert (message.subject, message.to) == ("2 overdue reviews", ["dan@example.org"])
    assert message.body == (
        "Hello Dan,\n\n"
        "These reviews are overdue:\n\n"
        "- Late Lou for Imaging Engineer: due 2026-11-22 (3 days late)\n"
        f"  {scorecard_url(lou)}\n\n"
        "- Waiting Wes for Field Engineer: due 2026-11-24 (1 day late)\n"
        f"  {scorecard_url(wes)}\n\n"
        f"All your reviews: {SITE}/admin/screening/myreview/\n\n"
    )


def test_reminder_html_links_each_scorecard(dan):
    lou = assign(dan, "Late Lou", TODAY - timedelta(days=3))
    wes = assign(dan, "Waiting Wes", TODAY - timedelta(days=1))

    reminder_send(reviewer_id=dan.pk, today=TODAY)

    [(html, mimetype)] = mail.outbox[0].alternatives
    assert mimetype == "text/html"
    assert f'<a href="{scorecard_url(lou)}">Late Lou</a>' in html
    assert f'<a href="{scorecard_url(wes)}">Waiting Wes</a>' in html


def test_reminder_leaves_out_submitted_and_not_yet_due_reviews(dan):
    lou = assign(dan, "Late Lou", TODAY - timedelta(days=3))
    done = assign(dan, "Done Dee", TODAY - timedelta(days=3))
    submit_scores(done, dict.fromkeys(done.application.rubric.criteria.all(), 3))
    assign(dan, "Today Tia", TODAY)
    assign(dan, "Later Lee", TODAY + timedelta(days=2))
    assign(dan, "Someday Sam", None)
    assign(ReviewerFactory(), "Not Dans", TODAY - timedelta(days=3))

    reminder_send(reviewer_id=dan.pk, today=TODAY)

    [message] = mail.outbox
    assert message.subject == "1 overdue review"
    assert [line for line in message.body.splitlines() if "/scorecard/" in line] == [
        f"  {scorecard_url(lou)}"
    ]
    assert Reminder.objects.get().assignments == [lou.pk]


def test_reminder_twice_on_one_day_sends_one_email(dan):
    assign(dan, "Late Lou", TODAY - timedelta(days=3))

    assert reminder_send(reviewer_id=dan.pk, today=TODAY) is True
    assert reminder_send(reviewer_id=dan.pk, today=TODAY) is False

    assert len(mail.outbox) == 1
    assert Reminder.objects.count() == 1


def test_reminder_the_next_day_sends_another(dan):
    assign(dan, "Late Lou", TODAY - timedelta(days=3))
    reminder_send(reviewer_id=dan.pk, today=TODAY)

    assert reminder_send(reviewer_id=dan.pk, today=TODAY + timedelta(days=1)) is True

    assert [m.subject for m in mail.outbox] == ["1 overdue review", "1 overdue review"]
    assert "(4 days late)" in mail.outbox[1].body
    assert sorted(Reminder.objects.values_list("day", flat=True)) == [
        TODAY,
        TODAY + timedelta(days=1),
    ]


def test_reminder_with_nothing_overdue_sends_nothing(dan):
    assign(dan, "Today Tia", TODAY)

    assert reminder_send(reviewer_id=dan.pk, today=TODAY) is False

    assert mail.outbox == []


def test_reminder_smtp_failure_marks_nothing_sent_and_the_retry_sends_once(dan, flaky_mail):
    flaky_mail.reset(fail_at=1)
    lou = assign(dan, "Late Lou", TODAY - timedelta(days=3))

    with pytest.raises(smtplib.SMTPServerDisconnected):
        reminder_send(reviewer_id=dan.pk, today=TODAY)
    assert Reminder.objects.filter(sent_at__isnull=False).count() == 0

    assert reminder_send(reviewer_id=dan.pk, today=TODAY) is True
    assert reminder_send(reviewer_id=dan.pk, today=TODAY) is False

    assert [m.to for m in mail.outbox] == [["dan@example.org"]]
    reminder = Reminder.objects.get()
    assert (reminder.assignments, reminder.sent_at is not None) == ([lou.pk], True)


def test_send_overdue_reminders_emails_each_reviewer_with_overdue_work_once(dan):
    eve = ReviewerFactory(username="eve", first_name="Eve", email="eve@example.org")
    fay = ReviewerFactory(username="fay", first_name="Fay", email="fay@example.org")
    assign(dan, "Late Lou", TODAY - timedelta(days=3))
    assign(dan, "Waiting Wes", TODAY - timedelta(days=1))
    assign(eve, "Slow Sue", TODAY - timedelta(days=7))
    assign(fay, "Today Tia", TODAY)

    assert send_overdue_reminders.delay(day=TODAY.isoformat()).get() == 2

    assert sorted((m.to[0], m.subject) for m in mail.outbox) == [
        ("dan@example.org", "2 overdue reviews"),
        ("eve@example.org", "1 overdue review"),
    ]


def test_send_overdue_reminders_twice_a_day_emails_once(dan):
    assign(dan, "Late Lou", TODAY - timedelta(days=3))

    send_overdue_reminders.delay(day=TODAY.isoformat())
    send_overdue_reminders.delay(day=TODAY.isoformat())

    assert len(mail.outbox) == 1


def test_reviewer_without_email_gets_no_reminder_and_a_warning(dan, caplog):
    nemo = ReviewerFactory(username="nemo", email="")
    assign(nemo, "Late Lou", TODAY - timedelta(days=3))
    assign(dan, "Waiting Wes", TODAY - timedelta(days=1))

    assert send_overdue_reminders.delay(day=TODAY.isoformat()).get() == 2

    assert [m.to for m in mail.outbox] == [["dan@example.org"]]
    assert [
        (r.levelname, r.name, r.getMessage())
        for r in caplog.records
        if r.name == "reports.services"
    ] == [
        (
            "WARNING",
            "reports.services",
            f"Reviewer {nemo.pk} has no email address; no reminder sent.",
        )
    ]


# --- The beat schedules the migrations create ------------------------------------------------


@pytest.mark.parametrize(
    ("name", "task", "minute", "hour", "day_of_week"),
    [
        ("Weekly calibration digest", "reports.tasks.send_weekly_digests", "0", "8", "1"),
        ("Daily overdue-review reminders", "reports.tasks.send_overdue_reminders", "0", "9", "*"),
        (
            "Nightly calibration of every active rubric",
            "calibration.tasks.calibrate_active_rubrics",
            "30",
            "2",
            "*",
        ),
    ],
)
def test_schedule_exists_after_migrations(name, task, minute, hour, day_of_week):
    periodic = PeriodicTask.objects.select_related("crontab").get(name=name)

    crontab = periodic.crontab
    assert (periodic.task, periodic.enabled) == (task, True)
    assert (
        crontab.minute,
        crontab.hour,
        crontab.day_of_week,
        crontab.day_of_month,
        crontab.month_of_year,
    ) == (minute, hour, day_of_week, "*", "*")
    assert str(crontab.timezone) == settings.TIME_ZONE


# --- The send_report command --------------------------------------------------------------


def send_report(*args) -> str:
    out = io.StringIO()
    call_command("send_report", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def posting_with_recruiter():
    application = ApplicationFactory()
    posting = application.posting
    posting.recruiters.add(RecruiterFactory(username="rita", email="rita@example.org"))
    return posting


def test_send_report_stores_and_sends_the_digest(posting_with_recruiter):
    output = send_report("--posting", str(posting_with_recruiter.pk))

    report = Report.objects.get()
    assert output == f"Report {report.pk} “{report.subject}”: sent to 1 recipient(s).\n"
    assert (report.period_start, report.period_end) == digest_period()
    assert recipients_of_outbox() == ["rita@example.org"]
    assert report.sent_at is not None


def test_send_report_twice_says_they_already_had_it(posting_with_recruiter):
    send_report("--posting", str(posting_with_recruiter.pk))

    output = send_report("--posting", str(posting_with_recruiter.pk))

    report = Report.objects.get()
    assert output == (
        f"Report {report.pk} “{report.subject}”: sent to 0 recipient(s); 1 already had it.\n"
    )
    assert len(mail.outbox) == 1


def test_send_report_to_sends_only_there(posting_with_recruiter):
    output = send_report("--posting", str(posting_with_recruiter.pk), "--to", "someone@example.org")

    report = Report.objects.get()
    assert output == f"Report {report.pk} “{report.subject}”: sent to 1 recipient(s).\n"
    assert recipients_of_outbox() == ["someone@example.org"]
    # The posting's recruiters still get it from the weekly task.
    assert (report.recipients, report.sent_at) == (["rita@example.org"], None)


def test_send_report_to_the_same_address_twice_sends_once(posting_with_recruiter):
    send_report(
        "--posting",
        str(posting_with_recruiter.pk),
        "--to",
        "someone@example.org",
        "--to",
        "someone@example.org",
    )

    assert recipients_of_outbox() == ["someone@example.org"]


def test_send_report_dry_run_stores_and_sends_nothing(posting_with_recruiter):
    output = send_report("--posting", str(posting_with_recruiter.pk), "--dry-run")

    assert Report.objects.count() == 0
    assert mail.outbox == []
    start, end = digest_period()
    digest = build_digest(posting=posting_with_recruiter, period_start=start, period_end=end)
    lines = output.splitlines()
    assert lines[0] == f"Dry run: would send “{digest.subject}” to rita@example.org."
    assert lines[1] == digest.text.splitlines()[0]
    assert "PIPELINE" in lines
    assert "TOP CANDIDATES BY SCORE" in lines


def test_send_report_dry_run_with_to_names_that_address(posting_with_recruiter):
    output = send_report(
        "--posting", str(posting_with_recruiter.pk), "--dry-run", "--to", "someone@example.org"
    )

    assert output.splitlines()[0].endswith("” to someone@example.org.")
    assert (Report.objects.count(), mail.outbox) == (0, [])


def test_send_report_dry_run_shows_the_text_that_is_then_sent(posting_with_recruiter):
    output = send_report("--posting", str(posting_with_recruiter.pk), "--dry-run")

    send_report("--posting", str(posting_with_recruiter.pk))

    assert mail.outbox[0].body in output


def test_send_report_unknown_posting_is_an_error():
    with pytest.raises(CommandError, match=r"^No posting has id 999999\.$"):
        send_report("--posting", "999999")


def test_send_report_bad_to_address_is_an_error(posting_with_recruiter):
    with pytest.raises(CommandError, match=r"^“not-an-address” is not an email address\.$"):
        send_report("--posting", str(posting_with_recruiter.pk), "--to", "not-an-address")
    assert (Report.objects.count(), mail.outbox) == (0, [])


def test_send_report_with_nobody_to_send_to_is_an_error():
    posting = ApplicationFactory().posting

    with pytest.raises(CommandError) as error:
        send_report("--posting", str(posting.pk))

    report = Report.objects.get()
    assert str(error.value) == (
        f"Nobody to send report {report.pk} to: give --to EMAIL or add a recruiter "
        "with an email address to the posting."
    )


def test_send_report_exits_with_status_one_for_an_unknown_posting(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "VAR_DIR": str(tmp_path / "var"),
    }
    manage = [sys.executable, "manage.py"]
    migrate = subprocess.run(
        [*manage, "migrate", "-v", "0"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert migrate.returncode == 0, migrate.stderr

    result = subprocess.run(
        [*manage, "send_report", "--posting", "999999"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == "CommandError: No posting has id 999999.\n"
