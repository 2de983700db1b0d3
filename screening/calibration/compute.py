"""From a rubric's ratings (numpy arrays) to the results a run stores:
rubric-level agreement, per-reviewer severity, consensus agreement and drift,
per-criterion agreement and discrimination, flags, and severity-adjusted
application scores. Vectorised throughout; the statistics live in
`stats.py`."""

from dataclasses import asdict, dataclass, field

import numpy as np

from rubrics.anchors import SCALE_MIN
from rubrics.models import Criterion
from screening.calibration import stats

SECONDS_PER_30_DAYS = 30 * 24 * 3600
DRIFT_WINDOWS = 4
MIN_DRIFT_SPAN_SECONDS = 14 * 24 * 3600


@dataclass
class ReviewerResult:
    reviewer_id: int
    n_ratings: int
    n_applications: int
    mean: float
    severity: float | None
    severity_se: float | None
    agreement_with_consensus: float | None
    drift: float | None
    distribution: list[int]
    flagged: bool = False
    flag_reason: str = ""

    def as_fields(self) -> dict:
        return asdict(self)


@dataclass
class CriterionResult:
    criterion_id: int
    n_ratings: int
    mean: float | None
    spread: float | None
    alpha_ordinal: float | None
    alpha_interval: float | None
    discrimination: float | None
    notes: dict = field(default_factory=dict)
    flagged: bool = False
    flag_reason: str = ""

    def as_fields(self) -> dict:
        return asdict(self)


@dataclass
class CalibrationResult:
    agreement: dict
    reviewers: list[ReviewerResult]
    criteria: list[CriterionResult]
    adjusted_scores: dict[int, float]
    n_ratings: int
    n_applications: int
    n_reviewers: int


def _round(x: float | None, places: int = 4) -> float | None:
    if x is None or not np.isfinite(x):
        return None
    return round(float(x), places)


def compute_calibration(*, ratings, criteria: list[Criterion], scale_max: int) -> CalibrationResult:
    app, rev, crit, val = ratings.application, ratings.reviewer, ratings.criterion, ratings.value
    n = len(val)
    if n == 0:
        return CalibrationResult(
            agreement={"notes": {"all": "No submitted ratings yet."}},
            reviewers=[],
            criteria=[
                CriterionResult(c.pk, 0, None, None, None, None, None, {"all": "No ratings yet."})
                for c in criteria
            ],
            adjusted_scores={},
            n_ratings=0,
            n_applications=0,
            n_reviewers=0,
        )

    agreement = stats.agreement_report(app, rev, val, crit)
    agreement.pop("by_criterion", None)  # stored per criterion below
    kappas = stats.pairwise_cohen_kappa(
        app, rev, val, crit, min_shared=10, categories=list(range(SCALE_MIN, scale_max + 1))
    )
    agreement["pairwise_kappa"] = _kappa_summary(kappas)

    effects = stats.fit_rater_effects(app, rev, val, crit)
    summaries = stats.criterion_summaries(app, rev, val, crit)
    flags = stats.calibration_flags(effects, summaries)
    consensus = {row.rater: row for row in stats.consensus_agreement(app, rev, val, crit)}
    times = ratings.submitted_time()
    drift_by = {}
    # Drift needs time to happen: over a shorter span a slope means nothing.
    if times.size and times.max() - times.min() >= MIN_DRIFT_SPAN_SECONDS:
        drift = stats.severity_drift(app, rev, val, times, crit, n_windows=DRIFT_WINDOWS)
        drift_by = {row.rater: row for row in drift.raters}

    rater_flags, criterion_flags = _flags_in_words(flags, effects, summaries)

    reviewers = _reviewers(rev, app, val, scale_max, effects, consensus, drift_by, rater_flags)
    criterion_rows = _criteria(criteria, summaries, criterion_flags)
    severity = {row.rater: row.severity or 0.0 for row in effects.raters}
    adjusted = adjusted_scores(
        ratings=ratings, criteria=criteria, scale_max=scale_max, severity=severity
    )
    return CalibrationResult(
        agreement=agreement,
        reviewers=reviewers,
        criteria=criterion_rows,
        adjusted_scores=adjusted,
        n_ratings=n,
        n_applications=int(np.unique(app).size),
        n_reviewers=len(reviewers),
    )


def _flags_in_words(flags, effects, summaries):
    """Flags keyed by reviewer and criterion id, as (serious, reason) with the
    reason in a recruiter's words (stats' own messages name codes)."""
    raters = {row.rater: row for row in effects.raters}
    criteria = {s.criterion: s for s in summaries}
    by_rater: dict[int, tuple[bool, str]] = {}
    by_criterion: dict[int, tuple[bool, str]] = {}
    for flag in flags:
        code = int(flag.code)
        if flag.kind in ("lenient_rater", "severe_rater"):
            r = raters[flag.code]
            word, side = (
                ("Lenient", "above") if flag.kind == "lenient_rater" else ("Severe", "below")
            )
            by_rater[code] = (
                True,
                f"{word}: scores {abs(r.severity):.2f} points {side} the "
                f"consensus (SE {r.se:.2f}, {r.n_ratings} ratings)",
            )
        elif flag.kind == "low_agreement_criterion":
            s = criteria[flag.code]
            alpha = s.alpha_interval.value
            by_criterion[code] = (
                True,
                f"Low agreement: alpha {alpha:.2f} is below 0.667"
                if alpha is not None
                else "Low agreement",
            )
        else:
            target = by_rater if flag.subject == "rater" else by_criterion
            target.setdefault(code, (False, "Too few ratings to say"))
    return by_rater, by_criterion


def _kappa_summary(kappas) -> dict:
    quadratic = [k.quadratic for k in kappas if getattr(k, "quadratic", None) is not None]
    return {
        "pairs": len(kappas),
        "pairs_with_kappa": len(quadratic),
        "median_quadratic": _round(float(np.median(quadratic)), 6) if quadratic else None,
        "lowest_quadratic": _round(min(quadratic), 6) if quadratic else None,
    }


def _reviewers(rev, app, val, scale_max, effects, consensus, drift_by, flags):
    ids, codes = np.unique(rev, return_inverse=True)
    n_ratings = np.bincount(codes)
    sums = np.bincount(codes, weights=val)
    levels = np.clip(np.rint(val).astype(np.int64), SCALE_MIN, scale_max) - SCALE_MIN
    distribution = np.zeros((ids.size, scale_max - SCALE_MIN + 1), dtype=np.int64)
    np.add.at(distribution, (codes, levels), 1)
    pairs = np.unique(np.stack([codes, app]), axis=1)
    n_apps = np.bincount(pairs[0], minlength=ids.size)
    by_rater = {row.rater: row for row in effects.raters}
    rows = []
    for i, reviewer_id in enumerate(ids.tolist()):
        effect = by_rater.get(reviewer_id)
        agreement = consensus.get(reviewer_id)
        trend = drift_by.get(reviewer_id)
        flagged, reason = flags.get(reviewer_id, (False, ""))
        rows.append(
            ReviewerResult(
                reviewer_id=reviewer_id,
                n_ratings=int(n_ratings[i]),
                n_applications=int(n_apps[i]),
                mean=_round(sums[i] / n_ratings[i]),
                severity=_round(effect.severity) if effect else None,
                severity_se=_round(effect.se) if effect else None,
                agreement_with_consensus=_round(agreement.correlation) if agreement else None,
                drift=_round(trend.slope * SECONDS_PER_30_DAYS)
                if trend and trend.slope is not None
                else None,
                distribution=distribution[i].tolist(),
                flagged=flagged,
                flag_reason=reason,
            )
        )
    return rows


def _criteria(criteria, summaries, flags):
    by_id = {s.criterion: s for s in summaries}
    rows = []
    for c in criteria:
        s = by_id.get(c.pk)
        if s is None:
            rows.append(
                CriterionResult(
                    c.pk,
                    0,
                    None,
                    None,
                    None,
                    None,
                    None,
                    {"all": "No ratings for this criterion yet."},
                )
            )
            continue
        notes = {
            name: stat.reason
            for name, stat in (
                ("alpha_ordinal", s.alpha_ordinal),
                ("alpha_interval", s.alpha_interval),
                ("discrimination", s.discrimination),
            )
            if stat.value is None and stat.reason
        }
        flagged, reason = flags.get(c.pk, (False, ""))
        rows.append(
            CriterionResult(
                criterion_id=c.pk,
                n_ratings=s.n_ratings,
                mean=_round(s.mean),
                spread=_round(s.sd),
                alpha_ordinal=_round(s.alpha_ordinal.value),
                alpha_interval=_round(s.alpha_interval.value),
                discrimination=_round(s.discrimination.value),
                notes=notes,
                flagged=flagged,
                flag_reason=reason,
            )
        )
    return rows


def adjusted_scores(*, ratings, criteria, scale_max: int, severity: dict) -> dict[int, float]:
    """Each application's weighted consensus score (0–100, DESIGN's scoring
    rules) after subtracting each reviewer's severity from their ratings; an
    unscored criterion still counts as the scale minimum."""
    if not len(ratings.value) or not criteria:
        return {}
    weights = np.array([float(c.weight) for c in criteria])
    column = {c.pk: i for i, c in enumerate(criteria)}
    on_rubric = np.isin(ratings.criterion, list(column))
    crit = np.array([column[c] for c in ratings.criterion[on_rubric].tolist()], dtype=np.int64)
    reviewers = ratings.reviewer[on_rubric]
    rater_ids = np.array(list(severity), dtype=np.int64)
    rater_sev = np.array(list(severity.values()), dtype=np.float64)
    order = np.argsort(rater_ids)
    where = np.searchsorted(rater_ids[order], reviewers)
    known = (where < rater_ids.size) & (
        rater_ids[order][np.minimum(where, rater_ids.size - 1)] == reviewers
    )
    shift = np.where(known, rater_sev[order][np.minimum(where, rater_ids.size - 1)], 0.0)
    adjusted = np.clip(ratings.value[on_rubric] - shift, SCALE_MIN, scale_max) - SCALE_MIN

    apps, app_codes = np.unique(ratings.scorecard_application, return_inverse=True)
    n_cards = np.bincount(app_codes, minlength=apps.size).astype(np.float64)
    row = np.searchsorted(apps, ratings.application[on_rubric])
    totals = np.zeros((apps.size, len(criteria)))
    np.add.at(totals, (row, crit), adjusted)
    offsets = totals / n_cards[:, None]
    scores = 100.0 * (offsets @ weights) / (scale_max - SCALE_MIN) / weights.sum()
    scores = np.clip(scores, 0.0, 100.0)
    return {int(a): round(float(s), 4) for a, s in zip(apps.tolist(), scores, strict=True)}
