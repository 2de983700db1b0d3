"""Weekly digests and overdue reminders: stored once, sent once.

A digest is one Report per posting and period (a unique constraint); each
recipient's copy is recorded as a ReportDelivery when it has gone, so a
retry after an SMTP failure part-way sends only to those not served yet. A
reminder is one Reminder row per reviewer and day, marked sent once it has
gone; the row lock makes two concurrent runs send it once.
"""

import base64
import logging
from datetime import date, datetime
from email.mime.image import MIMEImage

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import SafeMIMEMultipart
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core import audit, roles
from core.errors import ServiceError
from reports import selectors
from reports.digest import Digest, DigestPeriod, build_digest, last_week
from reports.impact import digest as impact_digest
from reports.impact.selectors import can_view_demographics
from reports.models import Reminder, Report, ReportDelivery
from rubrics.models import JobPosting
from screening.anonymity import IdentityScreen
from screening.selectors import overdue_assignments

logger = logging.getLogger(__name__)


def digest_recipients(posting: JobPosting) -> list[str]:
    """The posting's recruiters; else whoever created it; else every
    recruiter."""
    users = list(posting.recruiters.filter(is_active=True).exclude(email=""))
    creator = posting.created_by
    if not users and creator and creator.is_active and creator.email:
        users = [creator]
    if not users:
        users = list(
            get_user_model()
            .objects.filter(is_active=True, groups__name=roles.RECRUITER)
            .exclude(email="")
            .distinct()
        )
    return sorted({u.email for u in users})


def _digest(*, posting: JobPosting, period: DigestPeriod, weekly: bool, viewer=None) -> Digest:
    """Build the posting's digest for `period`; "since the last digest" compares
    with the calibration run of the weekly digest before the period. Its readers
    (the recipients, and `viewer` for a preview) see no scores of applications
    they are still scoring themselves."""
    previous = selectors.previous_digest(
        posting=posting, kind=Report.Kind.WEEKLY_DIGEST, before=period.start
    )
    return build_digest(
        posting=posting,
        period_start=period.start,
        period_end=period.end,
        so_far=period.so_far,
        weekly=weekly,
        previous_run=previous.calibration_run if previous else None,
        site_url=settings.SITE_URL,
        readers=[viewer, *_recipient_users(posting)],
    )


def _recipient_users(posting: JobPosting) -> list:
    emails = digest_recipients(posting)
    return list(get_user_model().objects.filter(email__in=emails)) if emails else []


def _report(digest: Digest, *, kind: str) -> Report:
    return Report(
        kind=kind,
        posting=digest.posting,
        period_start=digest.period_start,
        period_end=digest.period_end,
        subject=digest.subject,
        html=digest.html,
        text=digest.text,
        csv=digest.csv,
        images=digest.images,
        recipients=digest_recipients(digest.posting),
        calibration_run=digest.calibration_run,
    )


def _stored(report: Report, *, actor=None) -> Report:
    """Save the report with its audit event in one transaction; if the same
    report (kind, posting, period) is stored already, that one instead."""
    same = Report.objects.filter(
        kind=report.kind, posting=report.posting, period_start=report.period_start
    )
    if report.kind == Report.Kind.DIGEST_ON_DEMAND:
        same = same.filter(period_end=report.period_end)
    try:
        with transaction.atomic():
            report.save()
            audit.record(
                actor=actor,
                event="report.prepared",
                obj=report,
                summary=(
                    f"Digest for {report.period_start:%Y-%m-%d} – {report.period_end:%Y-%m-%d}."
                ),
                changes={"recipients": [None, len(report.recipients)]},
            )
            return report
    except IntegrityError:
        # report_once_per_period (or its on-demand twin): stored first by
        # another worker, or by a double click.
        stored = same.first()
        if stored is None:
            raise
        return stored


def digest_prepare(
    *, posting: JobPosting, now: datetime | None = None, store: bool = True
) -> Report:
    """The posting's digest for the last full week, created once: a second
    call for the same period returns the stored report unchanged. With
    `store=False` (a dry run) the report is built the same way but not
    saved."""
    period = last_week(now)
    existing = Report.objects.filter(
        kind=Report.Kind.WEEKLY_DIGEST, posting=posting, period_start=period.start
    ).first()
    if existing is not None:
        return existing
    report = _report(
        _digest(posting=posting, period=period, weekly=True), kind=Report.Kind.WEEKLY_DIGEST
    )
    if not store:
        return report
    return _stored(report)


def digest_preview(*, posting: JobPosting, period: DigestPeriod, viewer=None) -> Digest:
    """The posting's digest for any period, as it would be sent from the
    admin; nothing is stored or sent."""
    return _digest(posting=posting, period=period, weekly=False, viewer=viewer)


def digest_store(*, posting: JobPosting, period: DigestPeriod, actor) -> Report:
    """Store the posting's digest for `period` as one sent from the admin,
    with its audit event, in one transaction; send it with report_send, as
    the weekly task does. The same period asked for again (a double click)
    gives the stored report, so report_send serves only those not served
    yet. Refused when the digest would go to nobody."""
    if not digest_recipients(posting):
        raise ServiceError(
            f"Nobody to send the digest of “{posting.title}” to: add a recruiter with an "
            "email address to the posting.",
            code="no_recipients",
        )
    digest = digest_preview(posting=posting, period=period, viewer=actor)
    return _stored(_report(digest, kind=Report.Kind.DIGEST_ON_DEMAND), actor=actor)


class DigestEmail(EmailMultiAlternatives):
    """multipart/mixed [ related [ alternative [text, html], images ], csv ]:
    the layout mail clients expect for inline images plus an attachment."""

    def __init__(self, *args, images: dict[str, bytes], **kwargs):
        super().__init__(*args, **kwargs)
        self.images = images

    def _create_alternatives(self, msg):
        alternative = super()._create_alternatives(msg)
        if not self.images:
            return alternative
        related = SafeMIMEMultipart(
            _subtype="related", encoding=self.encoding or settings.DEFAULT_CHARSET
        )
        related.attach(alternative)
        for cid, data in self.images.items():
            image = MIMEImage(data, _subtype="png")
            image.add_header("Content-ID", f"<{cid}>")
            image.add_header("Content-Disposition", "inline", filename=f"{cid}.png")
            related.attach(image)
        return related


def _message(
    report: Report, recipient: str, section: impact_digest.DigestSection | None = None
) -> EmailMultiAlternatives:
    html, text = report.html, report.text
    if section is not None:
        html, text = impact_digest.with_section(html, text, section)
    message = DigestEmail(
        subject=report.subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient],
        images={cid: base64.b64decode(data) for cid, data in report.images.items()},
    )
    message.attach_alternative(html, "text/html")
    day = timezone.localtime(report.period_end).date().isoformat()
    message.attach(f"ranking-{report.posting_id}-{day}.csv", report.csv, "text/csv")
    return message


def _demographics_readers(emails: list[str]) -> set[str]:
    """The addresses whose every active account may read self-identified demographics (an
    address shared with anyone who may not gets the ordinary copy)."""
    users = get_user_model().objects.filter(email__in=emails, is_active=True)
    allowed: dict[str, bool] = {}
    for user in users.prefetch_related("groups"):
        allowed[user.email] = allowed.get(user.email, True) and can_view_demographics(user)
    return {email for email, ok in allowed.items() if ok}


def _impact_section(report: Report) -> impact_digest.DigestSection:
    """The adverse-impact section for the report's permitted recipients; should the
    analysis fail, a line saying so (the digest itself still goes)."""
    try:
        return impact_digest.digest_section(report.posting, site_url=settings.SITE_URL)
    except Exception:
        logger.exception("Adverse-impact section of report %s failed.", report.pk)
        return impact_digest.unavailable_section(report.posting, site_url=settings.SITE_URL)


def report_send(*, report: Report, to: list[str] | None = None, actor=None) -> int:
    """Send the report to each recipient not yet served; returns how many
    were sent now. An SMTP error stops here and is raised (the task retries);
    those already served are recorded and skipped next time.

    A recipient who may read self-identified demographics gets the digest's
    adverse-impact section in their copy, rendered now; the stored report never
    holds it."""
    recipients = list(dict.fromkeys(to if to is not None else report.recipients))
    readers = _demographics_readers(recipients) if recipients else set()
    section = None
    sent = 0
    for recipient in recipients:
        # Claim the copy first: the unique constraint lets one worker send
        # it; a failed send gives the claim back for the retry.
        try:
            with transaction.atomic():
                claim = ReportDelivery.objects.create(report=report, recipient=recipient)
        except IntegrityError:
            # report_delivery_once: sent before, or being sent by another worker.
            if ReportDelivery.objects.filter(report=report, recipient=recipient).exists():
                continue
            raise
        with_impact = recipient in readers
        try:
            if with_impact and section is None:
                section = _impact_section(report)
            _message(report, recipient, section if with_impact else None).send(fail_silently=False)
        except Exception:
            claim.delete()
            raise
        ReportDelivery.objects.filter(pk=claim.pk).update(sent_at=timezone.now())
        changes = {"recipient": [None, recipient]}
        if with_impact:
            changes["adverse_impact_section"] = [None, True]
        audit.record(
            actor=actor,
            event="report.sent",
            obj=report,
            summary=f"Sent to {recipient}"
            + (" with the adverse-impact section." if with_impact else "."),
            changes=changes,
        )
        sent += 1
    if sent and to is None:
        Report.objects.filter(pk=report.pk).update(sent_at=timezone.now())
    return sent


# --- Reminders ---------------------------------------------------------------


@transaction.atomic
def reminder_send(*, reviewer_id: int, today: date | None = None) -> bool:
    """Email a reviewer the list of their overdue reviews, once a day.
    Returns whether an email went out now."""
    today = today or timezone.localdate()
    Reminder.objects.get_or_create(reviewer_id=reviewer_id, day=today)
    reminder = Reminder.objects.select_for_update().get(reviewer_id=reviewer_id, day=today)
    if reminder.sent_at is not None:
        return False
    items = list(overdue_assignments(today).filter(reviewer_id=reviewer_id))
    if not items:
        return False
    reviewer = items[0].reviewer
    if not reviewer.email:
        logger.warning("Reviewer %s has no email address; no reminder sent.", reviewer.pk)
        return False
    site = settings.SITE_URL.rstrip("/")
    # The reviewer's own view of each candidate: a code while review is anonymised.
    screen = IdentityScreen(reviewer)
    context = {
        "reviewer": reviewer,
        "items": [
            {
                "assignment": a,
                "candidate": screen.candidate_name(a.application),
                "url": site + reverse("admin:screening_myreview_scorecard", args=[a.pk]),
                "days_late": (today - a.due_date).days,
            }
            for a in items
        ],
        "my_reviews_url": site + reverse("admin:screening_myreview_changelist"),
    }
    message = EmailMultiAlternatives(
        subject=f"{len(items)} overdue review{'s' if len(items) != 1 else ''}",
        body=render_to_string("reports/reminder.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[reviewer.email],
    )
    message.attach_alternative(render_to_string("reports/reminder.html", context), "text/html")
    # Sent inside the transaction: if the send fails, the row stays unsent
    # and the retry sends; if it succeeds, the commit marks it sent.
    message.send(fail_silently=False)
    reminder.assignments = [a.pk for a in items]
    reminder.sent_at = timezone.now()
    reminder.save(update_fields=["assignments", "sent_at"])
    audit.record(
        actor=None,
        event="reminder.sent",
        obj=reminder,
        summary=f"{len(items)} overdue review{'s' if len(items) != 1 else ''}.",
        changes={"assignments": [None, reminder.assignments]},
    )
    return True
