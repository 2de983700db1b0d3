"""The weekly calibration digest of one posting: what it says, rendered as
HTML (charts inline as cid: images), plain text and a CSV of the ranking."""

import base64
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone

from calibration import charts
from calibration.models import CalibrationRun
from rubrics.models import JobPosting
from screening import exports, selectors
from screening.models import Application, ReviewAssignment, Scorecard

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


def had_activity(posting: JobPosting, start: datetime, end: datetime) -> bool:
    """Applications opened, reviewers assigned or scorecards submitted."""
    return (
        Application.objects.filter(
            posting=posting, created_at__gte=start, created_at__lt=end
        ).exists()
        or ReviewAssignment.objects.filter(
            application__posting=posting, created_at__gte=start, created_at__lt=end
        ).exists()
        or Scorecard.objects.filter(
            application__posting=posting, submitted_at__gte=start, submitted_at__lt=end
        ).exists()
    )


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


def _latest_run(posting: JobPosting) -> CalibrationRun | None:
    """The newest finished calibration: the digest reports reviewers as they
    stand when it is written."""
    return (
        CalibrationRun.objects.filter(
            rubric__posting=posting, status=CalibrationRun.Status.SUCCEEDED
        )
        .select_related("rubric")
        .order_by("-finished_at", "-id")
        .first()
    )


def _changes(run, previous_run) -> list[str]:
    """What moved since the run the previous digest used."""
    if run is None:
        return []
    if previous_run is None:
        return ["This is the first digest with calibration results."]
    if previous_run.pk == run.pk:
        return ["No new calibration run since the last digest."]
    before = {r.reviewer_id: r for r in previous_run.reviewers.all()}
    lines = []
    for r in run.reviewers.select_related("reviewer"):
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
    stage_counts = dict(
        Application.objects.filter(posting=posting)
        .values_list("stage")
        .annotate(n=Count("id"))
        .order_by()
    )
    stages = [(label, stage_counts.get(value, 0)) for value, label in Application.Stage.choices]
    submitted = Scorecard.objects.filter(
        application__posting=posting,
        submitted_at__gte=period_start,
        submitted_at__lt=period_end,
    ).count()
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
    run = _latest_run(posting)
    reviewers = (
        list(run.reviewers.select_related("reviewer").order_by("-flagged", "severity"))
        if run
        else []
    )
    low_agreement = (
        [c for c in run.criteria.select_related("criterion") if c.flagged] if run else []
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
