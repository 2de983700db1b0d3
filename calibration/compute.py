"""From a rubric's ratings (numpy arrays) to the results a run stores:
rubric-level agreement, per-reviewer severity, consensus agreement and drift,
per-criterion agreement and discrimination, flags, and severity-adjusted
application scores. Vectorised throughout; the statistics live in
`stats`."""

from dataclasses import dataclass, field, fields, replace

import numpy as np

from calibration import stats
from rubrics.anchors import SCALE_MIN
from rubrics.models import Criterion

SECONDS_PER_30_DAYS = 30 * 24 * 3600
DRIFT_WINDOWS = 4
MIN_DRIFT_SPAN_SECONDS = 14 * 24 * 3600

# Below these sample sizes a run still reports its estimates but flags nothing
# (README, "Small samples"): a reviewer needs this many submitted scorecards,
# a criterion this many applications scored on it by two or more reviewers.
MIN_SCORECARDS_TO_FLAG = 10
MIN_SHARED_APPLICATIONS_TO_FLAG = 20
# A reviewer drifts when their severity moves by more than this many scale
# points per 30 days, at more than twice its standard error. Severity is
# relative to the other reviewers, so when one of three drifts by d the other
# two seem to drift by about -d/2: 0.75 flags a reviewer moving a level in
# six weeks without flagging the two who stayed put.
DRIFT_THRESHOLD = 0.75


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
        return {f.name: getattr(self, f.name) for f in fields(self)}


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
        return {f.name: getattr(self, f.name) for f in fields(self)}


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

    # Dense codes 0..k-1 once, for every statistic below (their own
    # factorization of dense codes is a lookup, not a sort); results come
    # back keyed by code and are mapped to ids here.
    app_ids, a = stats.factorize(app)
    rev_ids, r = stats.factorize(rev)
    crit_ids, c = stats.factorize(crit)
    # What is rated is an (application, criterion) pair: statistics that only
    # compare ratings of the same item take these codes as their units.
    item_keys, item = stats.factorize(a * crit_ids.size + c)
    # Per criterion, how many applications two or more reviewers scored on it
    # (one scorecard per reviewer and application: two ratings, two reviewers).
    shared = np.bincount(
        item_keys[np.bincount(item, minlength=item_keys.size) >= 2] % crit_ids.size,
        minlength=crit_ids.size,
    )
    shared_by_criterion = dict(zip(crit_ids.tolist(), shared.tolist(), strict=True))
    scorecards_by_reviewer = dict(
        zip(rev_ids.tolist(), _distinct_per_code(r, a, rev_ids.size).tolist(), strict=True)
    )

    # The rubric-level block only: per criterion, alphas come with the
    # criterion summaries below.
    agreement = stats.agreement_report(a, r, val, c, by_criterion=False)
    kappas = stats.pairwise_cohen_kappa(
        item, r, val, min_shared=10, categories=list(range(SCALE_MIN, scale_max + 1))
    )
    agreement["pairwise_kappa"] = _kappa_summary(kappas)

    effects = _effects_by_id(
        stats.fit_rater_effects(a, r, val, c, unit_standard_errors=False),
        app_ids,
        rev_ids,
        crit_ids,
    )
    summaries = [
        replace(s, criterion=_id(crit_ids, s.criterion))
        for s in stats.criterion_summaries(a, r, val, c)
    ]
    flags = stats.calibration_flags(effects, summaries)
    consensus = {_id(rev_ids, row.rater): row for row in stats.consensus_agreement(item, r, val)}
    times = ratings.submitted_time()
    drift_by = {}
    # Drift needs time to happen: over a shorter span a slope means nothing.
    if times.size and times.max() - times.min() >= MIN_DRIFT_SPAN_SECONDS:
        drift = stats.severity_drift(a, r, val, times, c, n_windows=DRIFT_WINDOWS)
        drift_by = {_id(rev_ids, row.rater): row for row in drift.raters}

    rater_flags, criterion_flags = _flags_in_words(
        flags, effects, summaries, scorecards_by_reviewer, shared_by_criterion, drift_by
    )

    reviewers = _reviewers(rev_ids, r, a, val, scale_max, effects, consensus, drift_by, rater_flags)
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
        n_applications=int(app_ids.size),
        n_reviewers=len(reviewers),
    )


def _id(ids: np.ndarray, code):
    """The id of a dense code (as a Python int)."""
    return ids[code].item()


def _effects_by_id(effects, app_ids, rev_ids, crit_ids):
    """A rater-effects fit on dense codes, with reviewers, criteria and
    applications given by id again."""
    return replace(
        effects,
        raters=tuple(replace(row, rater=_id(rev_ids, row.rater)) for row in effects.raters),
        criteria=tuple(
            replace(row, criterion=_id(crit_ids, row.criterion)) for row in effects.criteria
        ),
        units=replace(effects.units, unit=app_ids[effects.units.unit.astype(np.int64)]),
    )


def _flags_in_words(flags, effects, summaries, scorecards, shared, drift_by):
    """Flags keyed by reviewer and criterion id, as (serious, reason) with the
    reason in a recruiter's words (stats' own messages name codes).

    Below the minimum sample sizes (``MIN_SCORECARDS_TO_FLAG`` scorecards for
    a reviewer, ``MIN_SHARED_APPLICATIONS_TO_FLAG`` applications scored by two
    or more reviewers for a criterion) nothing is flagged, whatever the
    estimate: the reason says how far the sample is from the minimum. The
    stored rows are what the page, the API and the digest all read."""
    raters = {row.rater: row for row in effects.raters}
    criteria = {s.criterion: s for s in summaries}
    by_rater: dict[int, tuple[bool, str]] = {
        reviewer_id: (False, too_few_scorecards(n))
        for reviewer_id, n in scorecards.items()
        if n < MIN_SCORECARDS_TO_FLAG
    }
    by_criterion: dict[int, tuple[bool, str]] = {
        criterion_id: (False, too_few_shared(n))
        for criterion_id, n in shared.items()
        if n < MIN_SHARED_APPLICATIONS_TO_FLAG
    }
    for flag in flags:
        code = int(flag.code)
        if flag.kind in ("lenient_rater", "severe_rater"):
            if code in by_rater:
                continue
            r = raters[flag.code]
            word, side = (
                ("Lenient", "above") if flag.kind == "lenient_rater" else ("Severe", "below")
            )
            by_rater[code] = (
                True,
                f"{word}: scores {abs(r.severity):.2f} points {side} the others on the "
                f"same candidates (SE {r.se:.2f}, {scorecards.get(code, 0)} scorecards)",
            )
        elif flag.kind == "low_agreement_criterion":
            if code in by_criterion:
                continue
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
    for reviewer_id, trend in drift_by.items():
        if reviewer_id in by_rater or trend.slope is None or trend.slope_se is None:
            continue
        per_30_days = trend.slope * SECONDS_PER_30_DAYS
        if abs(per_30_days) > DRIFT_THRESHOLD and abs(trend.slope) > 2 * trend.slope_se:
            by_rater[reviewer_id] = (
                True,
                f"Drifting: scores move {per_30_days:+.2f} points per 30 days "
                f"(SE {trend.slope_se * SECONDS_PER_30_DAYS:.2f})",
            )
    return by_rater, by_criterion


def too_few_scorecards(n: int) -> str:
    return f"Too few scorecards to judge ({n}; {MIN_SCORECARDS_TO_FLAG} needed)"


def too_few_shared(n: int) -> str:
    return (
        f"Too few applications scored by two or more reviewers to judge agreement "
        f"({n}; {MIN_SHARED_APPLICATIONS_TO_FLAG} needed)"
    )


def _kappa_summary(kappas) -> dict:
    quadratic = [k.quadratic for k in kappas if getattr(k, "quadratic", None) is not None]
    return {
        "pairs": len(kappas),
        "pairs_with_kappa": len(quadratic),
        "median_quadratic": _round(float(np.median(quadratic)), 6) if quadratic else None,
        "lowest_quadratic": _round(min(quadratic), 6) if quadratic else None,
    }


def _reviewers(ids, codes, app_codes, val, scale_max, effects, consensus, drift_by, flags):
    """One row per reviewer (``ids``; ``codes`` give each rating's reviewer
    as 0..len(ids)-1 and ``app_codes`` its application as dense codes)."""
    k = ids.size
    n_ratings = np.bincount(codes, minlength=k)
    sums = np.bincount(codes, weights=val, minlength=k)
    n_levels = scale_max - SCALE_MIN + 1
    levels = np.clip(np.rint(val).astype(np.int64), SCALE_MIN, scale_max) - SCALE_MIN
    distribution = np.bincount(codes * n_levels + levels, minlength=k * n_levels)
    distribution = distribution.reshape(k, n_levels)
    n_apps = _distinct_per_code(codes, app_codes, k)
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


def _distinct_per_code(codes, other, k):
    """For each code 0..k-1, how many distinct values of ``other`` (dense,
    non-negative codes) come with it."""
    if not codes.size:
        return np.zeros(k, dtype=np.int64)
    width = int(other.max()) + 1
    pairs = codes * width + other
    if k * width <= 8 * codes.size + (1 << 20):
        seen = np.zeros(k * width, dtype=bool)
        seen[pairs] = True
        return np.count_nonzero(seen.reshape(k, width), axis=1)
    pairs = np.sort(pairs)
    first = np.r_[True, pairs[1:] != pairs[:-1]]
    return np.bincount(pairs[first] // width, minlength=k)


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
    # Criteria, reviewers and applications of the ratings as dense codes:
    # each id is looked up once, not once per rating.
    crit_ids, crit_codes = stats.factorize(ratings.criterion)
    crit_column = np.array([column.get(pk, -1) for pk in crit_ids.tolist()], dtype=np.int64)
    crit = crit_column[crit_codes]
    reviewers, values, applications = ratings.reviewer, ratings.value, ratings.application
    if (crit_column < 0).any():
        on_rubric = crit >= 0
        crit, reviewers = crit[on_rubric], reviewers[on_rubric]
        values, applications = values[on_rubric], applications[on_rubric]
    rev_ids, rev_codes = stats.factorize(reviewers)
    rater_shift = np.array([severity.get(r, 0.0) for r in rev_ids.tolist()], dtype=np.float64)
    adjusted = np.clip(values - rater_shift[rev_codes], SCALE_MIN, scale_max)
    adjusted -= SCALE_MIN

    apps, app_codes = stats.factorize(ratings.scorecard_application)
    n_cards = np.bincount(app_codes, minlength=apps.size).astype(np.float64)
    rated_apps, rated_codes = stats.factorize(applications)
    row = np.searchsorted(apps, rated_apps)[rated_codes]
    n_columns = len(criteria)
    row *= n_columns
    row += crit
    totals = np.bincount(row, weights=adjusted, minlength=apps.size * n_columns)
    offsets = totals.reshape(apps.size, n_columns) / n_cards[:, None]
    scores = 100.0 * (offsets @ weights) / (scale_max - SCALE_MIN) / weights.sum()
    scores = np.clip(scores, 0.0, 100.0)
    return dict(zip(apps.tolist(), [round(s, 4) for s in scores.tolist()], strict=True))
