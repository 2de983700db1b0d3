"""The daily overdue-review reminders: sent once a day per assignment."""

import smtplib
from datetime import date, timedelta

import pytest
from django.core import mail

from reports.models import Reminder
from reports.services import reminder_send
from reports.tasks import send_overdue_reminders
from rubrics.models import JobPosting
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    submit_scores,
)
from tests.reports.support import SITE

pytestmark = pytest.mark.django_db


# --- Reminders ----------------------------------------------------------------------------


TODAY = date(2026, 11, 25)


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
