"""From a rubric's ratings (numpy arrays) to the results a run stores:
rubric-level agreement (the per-criterion alphas' median and range first),
the rater-effects report of ``stats.raters`` (raw and shrunk severity per
reviewer, rater diagnostics, connected groups, separation), consensus
agreement and drift with its SE, per-criterion agreement and
discrimination, flags in words, and severity-adjusted application scores
(with the SHRUNK severities, comparable only within a group). Vectorised
throughout; the statistics live in `stats`."""

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, fields, replace

import numpy as np
from threadpoolctl import threadpool_limits

from calibration import explain, stats
from calibration.stats._codes import (
    code_counts,
    code_sums,
    combine,
    dense_codes,
    factorized_values,
    known_factorization,
)
from calibration.stats.kappa import pairwise_kappa_summary
from calibration.stats.raters import rater_effects
from rubrics.anchors import SCALE_MIN
from rubrics.models import Criterion

SECONDS_PER_30_DAYS = 30 * 24 * 3600
DRIFT_WINDOWS = 4
MIN_DRIFT_SPAN_SECONDS = 14 * 24 * 3600

# Whether the rater-effects fit and the pairwise kappas run in a second thread
# beside the other statistics (below). Off: on an idle 2-core machine it cuts
# the compute by about a third, but when the other core is busy (another
# worker, the database, a test suite) the two threads queue for the GIL and
# the compute takes up to twice as long (benchmarks/README.md, `--threads`).
SECOND_THREAD = False

# Below these sample sizes a run still reports its estimates but flags nothing
# (README, "Small samples"): a reviewer needs this many submitted scorecards,
# a criterion this many applications scored on it by two or more reviewers.
MIN_SCORECARDS_TO_FLAG = 5
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
    group: int | None = None
    n_scorecards: int = 0
    severity_shrunk: float | None = None
    severity_sd_shrunk: float | None = None
    infit: float | None = None
    outfit: float | None = None
    halo: float | None = None
    central_tendency: float | None = None
    range_ratio: float | None = None
    drift_se: float | None = None
    diagnostic_flags: list[str] = field(default_factory=list)

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
    method: str = "linear"
    # [{"number", "reviewers": [ids], "applications": n}], largest group first.
    groups: list[dict] = field(default_factory=list)
    application_group: dict[int, int] = field(default_factory=dict)
    separation_index: float | None = None
    separation_reliability: float | None = None
    alpha_median: float | None = None
    alpha_min: float | None = None
    alpha_max: float | None = None


def _round(x: float | None, places: int = 4) -> float | None:
    if x is None or not np.isfinite(x):
        return None
    return round(float(x), places)


def compute_calibration(
    *,
    ratings,
    criteria: list[Criterion],
    scale_max: int,
    method: str = "linear",
    on_adjusted: Callable[[dict, dict], None] | None = None,
) -> CalibrationResult:
    """The run's results from its ratings (module docstring).

    ``on_adjusted(adjusted_scores, application_group)`` is called as soon as the
    rater effects give the adjusted scores, before the other statistics, so that
    the caller can store them meanwhile (they are the result's, the same
    objects).

    The linear algebra runs on one BLAS thread: its matrices are small (a row
    and column per reviewer and window, per criterion), and a multi-threaded
    BLAS on a busy machine spends up to a hundred times longer waiting for its
    threads than computing (a Cholesky factorisation of a 216 × 216 matrix:
    0.15 s against 0.0003 s on one thread, measured with other jobs running;
    benchmarks/README.md). The arithmetic is the same."""
    with threadpool_limits(limits=1, user_api="blas"):
        return _compute_calibration(
            ratings=ratings,
            criteria=criteria,
            scale_max=scale_max,
            method=method,
            on_adjusted=on_adjusted,
        )


def _compute_calibration(
    *, ratings, criteria: list[Criterion], scale_max: int, method: str, on_adjusted
) -> CalibrationResult:
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
            method=method,
        )

    # Dense codes 0..k-1 once, for every statistic below, marked as such:
    # their own factorization of these codes is the codes themselves, at
    # once, and pairs of them (the items, the scorecards) are factorized once
    # for all of them (``_codes.combine``). Results come back keyed by code
    # and are mapped to ids here.
    app_ids, a = stats.factorize(app)
    rev_ids, r = stats.factorize(rev)
    crit_ids, c = stats.factorize(crit)
    # The values' levels once too (``_codes.factorized_values``).
    val = factorized_values(val)
    a = dense_codes(a, app_ids.size)
    r = dense_codes(r, rev_ids.size)
    c = dense_codes(c, crit_ids.size)
    # What is rated is an (application, criterion) pair: statistics that only
    # compare ratings of the same item take these codes as their units.
    item_keys, item = combine(a, crit_ids.size, c)
    codes = ((crit_ids, c), (rev_ids, r), (app_ids, a))
    # Per criterion, how many applications two or more reviewers scored on it
    # (one scorecard per reviewer and application: two ratings, two reviewers).
    shared = np.bincount(
        item_keys[code_counts(item, minlength=item_keys.size) >= 2] % crit_ids.size,
        minlength=crit_ids.size,
    )
    shared_by_criterion = dict(zip(crit_ids.tolist(), shared.tolist(), strict=True))

    # The rater-effects fit (the largest statistic) and then the pairwise
    # kappas, and beside them the other statistics, none of which depends on
    # another: with SECOND_THREAD the first two run in a second thread (numpy
    # and scipy release the GIL in most of their loops over the ratings, so on
    # two free cores the halves, about 0.2 s each at a million ratings,
    # overlap). Each statistic is the same function on the same arrays either
    # way: the same figures.
    executor = (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="calibration")
        if SECOND_THREAD
        else _InThisThread()
    )
    with executor as pool:
        fitting = pool.submit(
            rater_effects,
            a,
            r,
            c,
            val,
            method=method,
            scale_min=SCALE_MIN,
            scale_max=scale_max,
            min_scorecards=MIN_SCORECARDS_TO_FLAG,
            # The per-criterion alphas come from criterion_summaries below: not twice.
            alphas=False,
            comparison_ses=False,  # the CR1 sandwich is the benchmark's comparison only
            bias=False,  # rater × criterion cells: the rater_effects command's, not stored
        )
        adjusted = None
        if on_adjusted is not None and not SECOND_THREAD:
            # The fit has run, in this thread: its adjusted scores go to the caller
            # now, before the statistics below.
            adjusted = _adjusted(fitting.result(), ratings, criteria, scale_max, codes)
            on_adjusted(adjusted.scores, adjusted.application_group)
        kappas = pool.submit(
            pairwise_kappa_summary,
            item,
            r,
            val,
            min_shared=10,
            categories=list(range(SCALE_MIN, scale_max + 1)),
        )
        # The rubric-level block only: per criterion, alphas come with the
        # criterion summaries below. Its pooled alpha stays in the raw numbers.
        # The per-criterion alphas once: for the rubric-level median and range
        # here, and for the criterion rows below.
        code_summaries = stats.criterion_summaries(a, r, val, c)
        agreement = stats.agreement_report(
            a, r, val, c, by_criterion=False, summaries=code_summaries
        )
        consensus = {
            _id(rev_ids, row.rater): row for row in stats.consensus_agreement(item, r, val)
        }
        times = ratings.submitted_time()
        drift_by = {}
        # Drift needs time to happen: over a shorter span a slope means nothing.
        if times.size and times.max() - times.min() >= MIN_DRIFT_SPAN_SECONDS:
            drift = stats.severity_drift(a, r, val, times, c, n_windows=DRIFT_WINDOWS)
            drift_by = {_id(rev_ids, row.rater): row for row in drift.raters}
        report = fitting.result()
        agreement["pairwise_kappa"] = _kappa_summary(*kappas.result())
    summaries = [replace(s, criterion=_id(crit_ids, s.criterion)) for s in code_summaries]

    if adjusted is None:
        adjusted = _adjusted(report, ratings, criteria, scale_max, codes)
        if on_adjusted is not None:
            on_adjusted(adjusted.scores, adjusted.application_group)
    groups, number_of, application_group = (
        adjusted.groups,
        adjusted.number_of,
        adjusted.application_group,
    )
    rows = {_id(rev_ids, row.rater): row for row in report.raters}
    unit = "logits" if report.method == "rasch" else "points"
    rater_flags = _reviewer_flags(rows, drift_by, unit)
    criterion_flags = _criterion_flags(summaries, shared_by_criterion)

    reviewers = _reviewers(
        rev_ids, r, a, val, scale_max, rows, number_of, consensus, drift_by, rater_flags
    )
    criterion_rows = _criteria(criteria, summaries, criterion_flags)
    alphas = [row.alpha_interval for row in criterion_rows if row.alpha_interval is not None]
    return CalibrationResult(
        agreement=agreement,
        reviewers=reviewers,
        criteria=criterion_rows,
        adjusted_scores=adjusted.scores,
        n_ratings=n,
        n_applications=int(app_ids.size),
        n_reviewers=len(reviewers),
        method=report.method,
        groups=groups,
        application_group=application_group,
        separation_index=_round(report.separation.index),
        separation_reliability=_round(report.separation.reliability),
        alpha_median=_round(float(np.median(alphas))) if alphas else None,
        alpha_min=_round(min(alphas)) if alphas else None,
        alpha_max=_round(max(alphas)) if alphas else None,
    )


@dataclass(frozen=True)
class _Adjusted:
    scores: dict[int, float]
    groups: list[dict]
    number_of: dict
    application_group: dict[int, int]


def _adjusted(report, ratings, criteria, scale_max, codes) -> _Adjusted:
    """The adjusted scores and the reviewers' groups, from the rater-effects fit.
    ``codes``: the ids and dense codes of the ratings' criteria, reviewers and
    applications, as ``adjusted_scores`` takes them."""
    app_ids, rev_ids = codes[2][0], codes[1][0]
    groups, number_of = _groups(report, rev_ids)
    unit_group = np.asarray(report.unit_group)
    units = np.asarray(report.units).astype(np.int64)
    application_group = (
        dict(
            zip(
                app_ids[units].tolist(),
                [number_of[g] for g in unit_group.tolist()],
                strict=True,
            )
        )
        if len(groups) > 1
        else {}
    )
    if report.method == "rasch":
        scores = rasch_adjusted_scores(
            ratings=ratings,
            criteria=criteria,
            scale_max=scale_max,
            units=app_ids[units],
            adjusted=np.asarray(report.adjusted_score, dtype=np.float64),
        )
    else:
        severity = {_id(rev_ids, row.rater): row.severity_shrunk or 0.0 for row in report.raters}
        scores = adjusted_scores(
            ratings=ratings,
            criteria=criteria,
            scale_max=scale_max,
            severity=severity,
            codes=codes,
        )
    return _Adjusted(scores, groups, number_of, application_group)


class _InThisThread:
    """The executor of ``_compute_calibration`` without SECOND_THREAD: each
    call runs at once, in the calling thread."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def submit(self, fn, *args, **kwargs) -> Future:
        future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:
            future.set_exception(exc)
        return future


def _id(ids: np.ndarray, code):
    """The id of a dense code (as a Python int)."""
    return ids[code].item()


def _groups(report, rev_ids) -> tuple[list[dict], dict]:
    """The report's connected groups as stored: numbered 1, 2, … from the one
    with most applications, reviewers by id; and the map from the report's
    group numbers to these."""
    ordered = sorted(report.groups, key=lambda g: (-int(g.n_units), g.number))
    number_of = {g.number: i for i, g in enumerate(ordered, start=1)}
    groups = [
        {
            "number": number_of[g.number],
            "reviewers": sorted(_id(rev_ids, code) for code in g.raters),
            "applications": int(g.n_units),
        }
        for g in ordered
    ]
    return groups, number_of


def _reviewer_flags(rows, drift_by, unit: str) -> dict[int, tuple[bool, str, list[str]]]:
    """Per reviewer id: (serious, reason in a recruiter's words, flag codes).

    The codes are the report's (``stats.raters``: "lenient", "severe",
    "too_few_scorecards" and the diagnostics' "misfit", "muted", "halo",
    "central_tendency", "restricted_range"), plus "drift" decided here. Below
    ``MIN_SCORECARDS_TO_FLAG`` scorecards nothing is serious, whatever the
    estimate: the reason says how far the sample is from the minimum. The
    stored rows are what the page, the API and the digest all read."""
    out = {}
    for reviewer_id, row in rows.items():
        codes = list(row.flags)
        trend = drift_by.get(reviewer_id)
        if (
            "too_few_scorecards" not in codes
            and trend is not None
            and trend.slope is not None
            and trend.slope_se is not None
        ):
            per_30_days = trend.slope * SECONDS_PER_30_DAYS
            if abs(per_30_days) > DRIFT_THRESHOLD and abs(trend.slope) > 2 * trend.slope_se:
                codes.append("drift")
        if "too_few_scorecards" in codes:
            out[reviewer_id] = (False, too_few_scorecards(row.n_scorecards), codes)
            continue
        reasons = []
        # What moves the adjusted scores first, then how the reviewer scores.
        for code in sorted(codes, key=lambda c: c not in ("lenient", "severe", "drift")):
            if code in ("lenient", "severe"):
                word, side = ("Lenient", "above") if code == "lenient" else ("Severe", "below")
                size, margin = abs(row.severity_shrunk), 1.96 * row.sd_shrunk
                reasons.append(
                    f"{word}: scores {size:.2f} {unit} {side} the others on the same "
                    f"candidates (95% interval {max(size - margin, 0.0):.2f} to "
                    f"{size + margin:.2f}; {row.n_scorecards} scorecards)"
                )
            elif code == "drift":
                reasons.append(
                    f"Drifting: scores move {trend.slope * SECONDS_PER_30_DAYS:+.2f} points "
                    f"per 30 days (SE {trend.slope_se * SECONDS_PER_30_DAYS:.2f})"
                )
            elif code in explain.DIAGNOSTICS:
                reasons.append(explain.diagnostic_reason(code, row))
        if reasons:
            out[reviewer_id] = (True, "; ".join(reasons)[:500], codes)
        elif row.severity is None and row.reason:
            out[reviewer_id] = (False, f"No estimate: {row.reason}"[:500], codes)
        else:
            out[reviewer_id] = (False, "", codes)
    return out


def _criterion_flags(summaries, shared) -> dict[int, tuple[bool, str]]:
    """Per criterion id: (serious, reason). Below
    ``MIN_SHARED_APPLICATIONS_TO_FLAG`` applications scored on it by two or
    more reviewers nothing is flagged; an alpha below 0.667 is."""
    out = {}
    for s in summaries:
        n = shared.get(s.criterion, 0)
        alpha = s.alpha_interval.value
        if n < MIN_SHARED_APPLICATIONS_TO_FLAG:
            out[s.criterion] = (False, too_few_shared(n))
        elif alpha is None:
            out[s.criterion] = (False, "Too few ratings to say")
        elif alpha < explain.ALPHA_TENTATIVE:
            out[s.criterion] = (True, f"Low agreement: alpha {alpha:.2f} is below 0.667")
    return out


def too_few_scorecards(n: int) -> str:
    return f"Too few scorecards to judge ({n}; {MIN_SCORECARDS_TO_FLAG} needed)"


def too_few_shared(n: int) -> str:
    return (
        f"Too few applications scored by two or more reviewers to judge agreement "
        f"({n}; {MIN_SHARED_APPLICATIONS_TO_FLAG} needed)"
    )


def _kappa_summary(n_pairs: int, quadratic: list[float]) -> dict:
    return {
        "pairs": n_pairs,
        "pairs_with_kappa": len(quadratic),
        "median_quadratic": _round(float(np.median(quadratic)), 6) if quadratic else None,
        "lowest_quadratic": _round(min(quadratic), 6) if quadratic else None,
    }


def _reviewers(ids, codes, app_codes, val, scale_max, rows, number_of, consensus, drift_by, flags):
    """One row per reviewer (``ids``; ``codes`` give each rating's reviewer
    as 0..len(ids)-1 and ``app_codes`` its application as dense codes)."""
    k = ids.size
    n_ratings = code_counts(codes, minlength=k)
    sums = code_sums(codes, val, minlength=k)
    n_levels = scale_max - SCALE_MIN + 1
    known = known_factorization(val)
    if known is None:
        levels = np.clip(np.rint(val).astype(np.int64), SCALE_MIN, scale_max) - SCALE_MIN
    else:  # each distinct value's level, looked up
        level_of = np.clip(np.rint(known[0]).astype(np.int64), SCALE_MIN, scale_max) - SCALE_MIN
        levels = level_of[known[1]]
    distribution = np.bincount(codes * n_levels + levels, minlength=k * n_levels)
    distribution = distribution.reshape(k, n_levels)
    # Distinct applications per reviewer: their scorecards (the pairs are
    # the rater-effects fit's, factorized once).
    n_apps = np.bincount(combine(app_codes, k, codes)[0] % k, minlength=k)
    out = []
    for i, reviewer_id in enumerate(ids.tolist()):
        row = rows.get(reviewer_id)
        agreement = consensus.get(reviewer_id)
        trend = drift_by.get(reviewer_id)
        flagged, reason, flag_codes = flags.get(reviewer_id, (False, "", []))
        has_trend = trend is not None and trend.slope is not None
        out.append(
            ReviewerResult(
                reviewer_id=reviewer_id,
                n_ratings=int(n_ratings[i]),
                n_applications=int(n_apps[i]),
                mean=_round(sums[i] / n_ratings[i]),
                severity=_round(row.severity) if row else None,
                severity_se=_round(row.se) if row else None,
                agreement_with_consensus=_round(agreement.correlation) if agreement else None,
                drift=_round(trend.slope * SECONDS_PER_30_DAYS) if has_trend else None,
                distribution=distribution[i].tolist(),
                flagged=flagged,
                flag_reason=reason,
                group=number_of.get(row.group) if row else None,
                n_scorecards=int(row.n_scorecards) if row else int(n_apps[i]),
                severity_shrunk=_round(row.severity_shrunk) if row else None,
                severity_sd_shrunk=_round(row.sd_shrunk) if row else None,
                infit=_round(row.infit) if row else None,
                outfit=_round(row.outfit) if row else None,
                halo=_round(row.halo) if row else None,
                central_tendency=_round(row.central_tendency) if row else None,
                range_ratio=_round(row.range_ratio) if row else None,
                drift_se=_round(trend.slope_se * SECONDS_PER_30_DAYS)
                if has_trend and trend.slope_se is not None
                else None,
                diagnostic_flags=list(flag_codes),
            )
        )
    return out


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


def adjusted_scores(
    *, ratings, criteria, scale_max: int, severity: dict, codes: tuple | None = None
) -> dict[int, float]:
    """Each application's weighted consensus score (0–100, DESIGN's scoring
    rules) after subtracting each reviewer's severity from their ratings; an
    unscored criterion still counts as the scale minimum. ``codes``, when the
    caller has them: ``stats.factorize`` of the ratings' criterion, reviewer
    and application, in that order (not computed again)."""
    if not len(ratings.value) or not criteria:
        return {}
    weights = np.array([float(c.weight) for c in criteria])
    column = {c.pk: i for i, c in enumerate(criteria)}
    # Criteria, reviewers and applications of the ratings as dense codes:
    # each id is looked up once, not once per rating.
    crit_ids, crit_codes = codes[0] if codes else stats.factorize(ratings.criterion)
    crit_column = np.array([column.get(pk, -1) for pk in crit_ids.tolist()], dtype=np.int64)
    crit = crit_column[crit_codes]
    reviewers, values, applications = ratings.reviewer, ratings.value, ratings.application
    if (crit_column < 0).any():
        on_rubric = crit >= 0
        crit, reviewers = crit[on_rubric], reviewers[on_rubric]
        values, applications = values[on_rubric], applications[on_rubric]
        codes = None  # of every rating, not of these
    rev_ids, rev_codes = codes[1] if codes else stats.factorize(reviewers)
    rater_shift = np.array([severity.get(r, 0.0) for r in rev_ids.tolist()], dtype=np.float64)
    adjusted = np.clip(values - rater_shift[rev_codes], SCALE_MIN, scale_max)
    adjusted -= SCALE_MIN

    apps, app_codes = stats.factorize(ratings.scorecard_application)
    n_cards = np.bincount(app_codes, minlength=apps.size).astype(np.float64)
    rated_apps, rated_codes = codes[2] if codes else stats.factorize(applications)
    row = np.searchsorted(apps, rated_apps)[rated_codes]
    n_columns = len(criteria)
    row *= n_columns
    row += crit
    totals = np.bincount(row, weights=adjusted, minlength=apps.size * n_columns)
    offsets = totals.reshape(apps.size, n_columns) / n_cards[:, None]
    scores = 100.0 * (offsets @ weights) / (scale_max - SCALE_MIN) / weights.sum()
    scores = np.clip(scores, 0.0, 100.0)
    return dict(zip(apps.tolist(), rounded(scores, 4), strict=True))


# Below this size a float times 10**places is within 2**-23 of the exact
# product (its rounding error is half an ulp).
_ROUNDS_EXACTLY_BELOW = 2.0**30


def rounded(values: np.ndarray, places: int) -> list[float]:
    """``[round(v, places) for v in values.tolist()]`` to the last bit, at
    numpy's speed. Python rounds the exact value to ``places`` decimals (half
    to even) and returns the double nearest that decimal; ``rint(v * 10**places)
    / 10**places`` is the same whenever the product, computed with its
    rounding error, is not within 1e-6 of a half (the same whole number of
    10**-places then), since the division of two exact integers is correctly
    rounded. The few values near a half (or large, or not finite) go through
    ``round`` itself."""
    values = np.asarray(values, dtype=np.float64)
    scale = 10.0**places
    scaled = values * scale
    with np.errstate(invalid="ignore"):
        sure = np.abs(scaled) < _ROUNDS_EXACTLY_BELOW
        sure &= np.abs(scaled - np.floor(scaled) - 0.5) > 1e-6
    out = (np.rint(scaled) / scale).tolist()
    for i in np.flatnonzero(~sure).tolist():
        out[i] = round(float(values[i]), places)
    return out


def rasch_adjusted_scores(
    *, ratings, criteria, scale_max: int, units: np.ndarray, adjusted: np.ndarray
) -> dict[int, float]:
    """Adjusted scores under the Rasch model: the report gives each unit's
    expected level (mean over criteria, on the rubric's scale) with the shrunk
    severities removed; the difference from the unit's raw mean level is the
    shift its reviewers' severity made, applied to the weighted consensus
    score (0–100) so the column reads like the Score beside it."""
    raw = adjusted_scores(ratings=ratings, criteria=criteria, scale_max=scale_max, severity={})
    if not raw:
        return {}
    unit_ids, codes = stats.factorize(ratings.application)
    raw_mean = np.bincount(codes, ratings.value, minlength=unit_ids.size) / np.bincount(
        codes, minlength=unit_ids.size
    )
    at = np.searchsorted(unit_ids, units)
    shift = np.where(np.isfinite(adjusted), adjusted - raw_mean[at], 0.0)
    points = 100.0 / (scale_max - SCALE_MIN)
    by_unit = dict(zip(units.tolist(), (shift * points).tolist(), strict=True))
    return {
        app_id: round(float(np.clip(score + by_unit.get(app_id, 0.0), 0.0, 100.0)), 4)
        for app_id, score in raw.items()
    }
