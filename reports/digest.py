"""The weekly calibration digest of one posting: what it says, rendered as
HTML (charts inline as cid: images), plain text and a CSV of the ranking."""

import base64
import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from calibration import charts, sessions
from calibration import selectors as calibration_selectors
from calibration.models import CalibrationRun
from reports import selectors as report_selectors
from rubrics.models import JobPosting
from screening import exports, selectors
from screening.models import Application

TOP_N = 10
PERIOD = timedelta(days=7)


def _local_midnight(day: date) -> datetime:
    """00:00 of `day` in the configured time zone (made aware for that day,
    so a week across a clock change is 7 days and an hour)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _day(moment: datetime, *, year: bool) -> str:
    """ "Mon 30 Nov" (with " 2026" when asked), from a local time."""
    text = f"{moment:%a} {moment.day} {moment:%b}"
    return f"{text} {moment.year}" if year else text


@dataclass(frozen=True)
class DigestPeriod:
    """What a digest counts: from `start` up to, not including, `end`.
    `so_far` when the period runs up to the moment the digest was made."""

    start: datetime
    end: datetime
    so_far: bool = False

    @property
    def first_day(self) -> datetime:
        return timezone.localtime(self.start)

    @property
    def last_day(self) -> datetime:
        # The end is exclusive: a week ending Monday 00:00 ends on Sunday.
        return timezone.localtime(self.end - timedelta(microseconds=1))

    @property
    def label(self) -> str:
        """ "16 Nov – 22 Nov 2026", as the subject names the period."""
        first, last = self.first_day, self.last_day
        text = f"{first.day} {first:%b} – {last.day} {last:%b %Y}"
        return f"{text}, so far" if self.so_far else text

    @property
    def wording(self) -> str:
        """ "from Mon 30 Nov to Tue 1 Dec (so far)": what a count in the digest
        covers, named rather than "this week"."""
        first, last = self.first_day, self.last_day
        years = first.year != last.year
        if first.date() == last.date():
            text = f"on {_day(first, year=False)}"
        else:
            text = f"from {_day(first, year=years)} to {_day(last, year=years)}"
        return f"{text} (so far)" if self.so_far else text


def last_week(now: datetime | None = None) -> DigestPeriod:
    """The last full week before `now`, Monday 00:00 to Monday 00:00 in the
    configured time zone: the same period however often the task runs."""
    local = timezone.localtime(now or timezone.now())
    monday = local.date() - timedelta(days=local.weekday())
    return DigestPeriod(_local_midnight(monday - PERIOD), _local_midnight(monday))


def digest_period(now: datetime | None = None) -> tuple[datetime, datetime]:
    """The weekly digest's period (last week) as (start, end)."""
    period = last_week(now)
    return period.start, period.end


def _up_to(now: datetime) -> datetime:
    """`now` rounded up to the next whole minute: a period "so far" asked for
    twice in the same minute is the same period (one stored report), and
    it still counts everything submitted up to now."""
    rounded = now.replace(second=0, microsecond=0)
    return rounded if rounded == now else rounded + timedelta(minutes=1)


def this_week_so_far(now: datetime | None = None) -> DigestPeriod:
    """Monday 00:00 of the current week (local time) up to now."""
    local = timezone.localtime(now or timezone.now())
    monday = local.date() - timedelta(days=local.weekday())
    return DigestPeriod(_local_midnight(monday), _up_to(local), so_far=True)


def day_range(first: date, last: date, now: datetime | None = None) -> DigestPeriod:
    """From 00:00 of `first` to the end of `last` (local time); a range that
    takes in today stops at now, "so far". The caller checks the dates
    (first <= last, last not in the future)."""
    local = timezone.localtime(now or timezone.now())
    end = _local_midnight(last + timedelta(days=1))
    if end > local:
        return DigestPeriod(_local_midnight(first), _up_to(local), so_far=True)
    return DigestPeriod(_local_midnight(first), end)


@dataclass
class Digest:
    posting: JobPosting
    period_start: datetime
    period_end: datetime
    subject: str
    html: str
    text: str
    csv: str
    images: dict[str, str] = field(default_factory=dict)  # cid → base64 PNG
    calibration_run: CalibrationRun | None = None


def _changes(run, previous_run) -> list[str]:
    """What moved since the run the previous digest used."""
    if run is None:
        return []
    if previous_run is None:
        return ["This is the first digest with calibration results."]
    if previous_run.pk == run.pk:
        return ["No new calibration run since the last digest."]
    before = {r.reviewer_id: r for r in calibration_selectors.reviewer_results(previous_run)}
    lines = []
    for r in calibration_selectors.reviewer_results(run):
        name = r.reviewer.get_full_name() or r.reviewer.username
        old = before.get(r.reviewer_id)
        if old is None:
            lines.append(f"{name} is new to this posting's calibration.")
            continue
        # The shrunk severity (what flags and adjusted scores use) when both runs have
        # it; runs from before it existed compare on the raw estimate.
        shrunk = r.severity_shrunk is not None and old.severity_shrunk is not None
        now, then = (
            (r.severity_shrunk, old.severity_shrunk) if shrunk else (r.severity, old.severity)
        )
        if now is not None and then is not None and abs(now - then) >= 0.2:
            direction = "more lenient" if now > then else "harsher"
            lines.append(f"{name} grew {direction}: severity {then:+.2f} → {now:+.2f}.")
        if r.flagged and not old.flagged:
            lines.append(f"{name} is newly flagged: {r.flag_reason}")
        elif old.flagged and not r.flagged:
            lines.append(f"{name} is no longer flagged.")
    return lines or ["Reviewer severities are steady since the last digest."]


def build_digest(
    *,
    posting: JobPosting,
    period_start: datetime,
    period_end: datetime,
    so_far: bool = False,
    weekly: bool = True,
    previous_run: CalibrationRun | None = None,
    site_url: str = "",
    readers=(),
) -> Digest:
    """The posting's digest: submissions counted from `period_start` up to
    `period_end` (worded as that period, "(so far)" when it runs up to the
    moment of writing); pipeline, overdue reviews, top candidates and
    reviewers as they stand now. `weekly` titles it as the scheduled weekly
    digest, else as one made on demand. Links start with `site_url`. An
    application one of its `readers` is still scoring is left out of the top
    candidates (blind scoring holds for a recruiter who is also a reviewer)."""
    period = DigestPeriod(period_start, period_end, so_far=so_far)
    stage_counts = report_selectors.stage_counts(posting)
    stages = [(label, stage_counts.get(value, 0)) for value, label in Application.Stage.choices]
    submitted = report_selectors.submitted_count(posting, period_start, period_end)
    today = timezone.localdate()  # overdue as the digest is written
    overdue = list(
        selectors.overdue_assignments(today)
        .filter(application__posting=posting)
        .order_by("due_date", "id")
    )
    ranking = selectors.posting_ranking(posting=posting)
    blind = selectors.applications_being_scored_by(readers, posting=posting)
    shown = [
        dataclasses.replace(
            r, score=None, failed_must_haves=[], tally={}, adjusted_score=None, blind=True
        )
        if r.application_id in blind
        else r
        for r in ranking
    ]
    scored = [r for r in shown if r.score is not None]
    top_raw = scored[:TOP_N]
    top_adjusted = sorted(
        [r for r in scored if r.adjusted_score is not None],
        key=lambda r: -r.adjusted_score,
    )[:TOP_N]
    # The newest finished calibration: the digest reports reviewers as they
    # stand when it is written.
    run = calibration_selectors.latest_succeeded_run(posting)
    reviewers = (
        # In the order of the shrunk severity: the one flags and adjusted
        # scores use, and the one the table shows (the raw one stays in the
        # run's raw statistics).
        list(
            calibration_selectors.reviewer_results(run).order_by(
                "-flagged", F("severity_shrunk").asc(nulls_last=True), "severity"
            )
        )
        if run
        else []
    )
    criteria = list(calibration_selectors.criterion_results(run)) if run else []
    low_agreement = [c for c in criteria if c.flagged]
    # Below the flag minimums a criterion is neither flagged nor cleared.
    unjudged = [c for c in criteria if not c.flagged and c.flag_reason.startswith("Too few")]
    images = {}
    if run and reviewers:
        images["severity"] = base64.b64encode(charts.severity_chart(reviewers)).decode()
        images["distribution"] = base64.b64encode(
            charts.distribution_chart(reviewers, run.rubric.level_labels)
        ).decode()
    site = site_url.rstrip("/")
    links = {}
    if site:
        links["ranking"] = (
            f"{site}{reverse('admin:screening_application_ranking')}?posting={posting.pk}"
        )
        if run:
            links["run"] = site + reverse("admin:calibration_calibrationrun_change", args=[run.pk])
    context = {
        "sessions": sessions.digest_sessions(posting, period_start, period_end),
        "posting": posting,
        "period_label": period.label,
        "period_wording": period.wording,
        "weekly": weekly,
        "stages": stages,
        "n_applications": sum(stage_counts.values()),
        "submitted": submitted,
        "overdue": overdue,
        "top_raw": top_raw,
        "top_adjusted": top_adjusted,
        # Adjusted scores compare only within a group of reviewers when the
        # latest calibration found several: the ranking says so, and so do we.
        "calibration_warnings": getattr(ranking, "calibration_warnings", []),
        "run": run,
        "reviewers": reviewers,
        "severity_unit": "logits" if run and run.method == "rasch" else "scale points",
        "low_agreement": low_agreement,
        "unjudged": unjudged,
        "changes": _changes(run, previous_run),
        "images": images,
        "links": links,
    }
    subject = f"{'Weekly digest' if weekly else 'Digest'}: {posting.title} ({period.label})"
    return Digest(
        posting=posting,
        period_start=period_start,
        period_end=period_end,
        subject=subject,
        html=render_to_string("reports/digest.html", context),
        text=render_to_string("reports/digest.txt", context),
        csv=exports.ranking_csv(shown),
        images=images,
        calibration_run=run,
    )


def html_with_inline_images(html: str, images: dict[str, str]) -> str:
    """The HTML with cid: images turned into data: URIs, for a browser."""
    for cid, data in images.items():
        html = html.replace(f"cid:{cid}", f"data:image/png;base64,{data}")
    return html
