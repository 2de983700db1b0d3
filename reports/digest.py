"""The weekly calibration digest of one posting: what it says, rendered as
HTML (charts inline as cid: images), plain text and a CSV of the ranking."""

import base64
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.template.loader import render_to_string
from django.utils import timezone

from calibration import charts
from calibration import selectors as calibration_selectors
from calibration.models import CalibrationRun
from reports import selectors as report_selectors
from rubrics.models import JobPosting
from screening import exports, selectors
from screening.models import Application

TOP_N = 10
PERIOD = timedelta(days=7)


def digest_period(now: datetime | None = None) -> tuple[datetime, datetime]:
    """The last full week before `now`, Monday 00:00 to Monday 00:00 in the
    configured time zone: the same period however often the task runs."""
    local = timezone.localtime(now or timezone.now())
    monday = (local - timedelta(days=local.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return monday - PERIOD, monday


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
        if (
            r.severity is not None
            and old.severity is not None
            and abs(r.severity - old.severity) >= 0.2
        ):
            direction = "more lenient" if r.severity > old.severity else "harsher"
            lines.append(
                f"{name} grew {direction}: severity {old.severity:+.2f} → {r.severity:+.2f}."
            )
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
    previous_run: CalibrationRun | None = None,
    site_url: str = "",
) -> Digest:
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
    scored = [r for r in ranking if r.score is not None]
    top_raw = scored[:TOP_N]
    top_adjusted = sorted(
        [r for r in scored if r.adjusted_score is not None],
        key=lambda r: -r.adjusted_score,
    )[:TOP_N]
    # The newest finished calibration: the digest reports reviewers as they
    # stand when it is written.
    run = calibration_selectors.latest_succeeded_run(posting)
    reviewers = (
        list(calibration_selectors.reviewer_results(run).order_by("-flagged", "severity"))
        if run
        else []
    )
    low_agreement = (
        [c for c in calibration_selectors.criterion_results(run) if c.flagged] if run else []
    )
    images = {}
    if run and reviewers:
        images["severity"] = base64.b64encode(charts.severity_chart(reviewers)).decode()
        images["distribution"] = base64.b64encode(
            charts.distribution_chart(reviewers, run.rubric.level_labels)
        ).decode()
    period_label = (
        f"{timezone.localtime(period_start):%d %b} – "
        f"{timezone.localtime(period_end - timedelta(seconds=1)):%d %b %Y}"
    )
    context = {
        "posting": posting,
        "period_label": period_label,
        "stages": stages,
        "n_applications": sum(stage_counts.values()),
        "submitted": submitted,
        "overdue": overdue,
        "top_raw": top_raw,
        "top_adjusted": top_adjusted,
        "run": run,
        "reviewers": reviewers,
        "low_agreement": low_agreement,
        "changes": _changes(run, previous_run),
        "images": images,
        "site_url": site_url.rstrip("/"),
    }
    subject = f"Weekly digest: {posting.title} ({period_label})"
    return Digest(
        posting=posting,
        period_start=period_start,
        period_end=period_end,
        subject=subject,
        html=render_to_string("reports/digest.html", context),
        text=render_to_string("reports/digest.txt", context),
        csv=exports.ranking_csv(ranking),
        images=images,
        calibration_run=run,
    )


def html_with_inline_images(html: str, images: dict[str, str]) -> str:
    """The HTML with cid: images turned into data: URIs, for a browser."""
    for cid, data in images.items():
        html = html.replace(f"cid:{cid}", f"data:image/png;base64,{data}")
    return html
