"""Rater diagnostics from a fitted model's residuals: fit mean-squares, halo,
central tendency, restriction of range, rater × criterion bias, and the rater
separation index.

Every function takes ratings in long form (parallel 1-D arrays, one element
per rating) together with the model's ``expected`` rating and its model
``variance`` for each rating: for the linear model, its fitted values and the
residual variance broadcast to every rating; for the Rasch rating-scale model,
the category model's expectation and variance on the rating scale. So all
residuals, and the bias, are in scale points whichever model was fitted.

Sources:

- Wright, B. D., & Masters, G. N. (1982). *Rating Scale Analysis*. MESA
  Press, ch. 5 (fit mean-squares, separation and reliability).
- Linacre, J. M. (2002). What do infit and outfit, mean-square and
  standardized mean? *Rasch Measurement Transactions*, 16(2), 878 (the
  0.5–1.5 range "productive for measurement").
- Wright, B. D., & Masters, G. N. (2002). Number of person or item strata.
  *Rasch Measurement Transactions*, 16(3), 888 (strata = (4G + 1) / 3).
- Myford, C. M., & Wolfe, E. W. (2003, 2004). Detecting and measuring rater
  effects using many-facet Rasch measurement, parts I and II. *Journal of
  Applied Measurement*, 4(4), 386–422 and 5(2), 189–227 (halo, central
  tendency, restriction of range, rater × criterion bias).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as distributions

from calibration.stats._codes import (
    code_counts,
    combine,
    factorize,
    known_factorization,
    scalar,
)

# Linacre (2002): mean-squares above 1.5 are noisier than the model (the
# rater's scores are erratic: unpredictable from the candidate and the
# criterion); below 0.5 they are more predictable than any real rater is.
MISFIT_ABOVE = 1.5
MUTED_BELOW = 0.5
# ... and only when the mean-square is also significantly off 1: its
# Wilson–Hilferty standardised value (ZSTD) beyond ±2 (Linacre 2002).
FIT_Z_ABOVE = 2.0
# Halo: the rater's share of residual variance that is candidate-wide is
# this many times the other raters' share (1.0 = like the others).
HALO_ABOVE = 1.5
# ... and that excess is significant: the one-sided F test of the rater's
# between/within-scorecard mean squares against the others' has p below this.
HALO_P_BELOW = 0.01
# Central tendency: the rater puts this many times the pool's share of
# their ratings on the middle level(s) of the scale, and at least half.
CENTRAL_TENDENCY_ABOVE = 1.5
CENTRAL_TENDENCY_MIN_SHARE = 0.5
# Restriction of range: the SD of the rater's ratings is under this share of
# the other raters' SD on the same candidates.
RESTRICTED_RANGE_BELOW = 0.6
# A rater × criterion cell is flagged when its bias is both significant and
# large in scale points.
BIAS_Z_ABOVE = 2.0
BIAS_ABOVE = 0.5
# Below this many scorecards a rater's diagnostics are reported but not
# flagged: one or two scorecards cannot tell a habit from a candidate.
MIN_SCORECARDS_TO_FLAG = 5
# A model variance at or under this is treated as zero (an extreme category
# under the Rasch model): the rating carries no information for the fit.
_VARIANCE_FLOOR = 1e-12

FLAG_SENTENCES = {
    "misfit": (
        "Their scores are harder to predict than the others': the same kind of candidate "
        "gets quite different scores from them."
    ),
    "muted": (
        "Their scores are more predictable than real judgement usually is: they may be "
        "scoring by a fixed pattern."
    ),
    "halo": (
        "They tend to rate a candidate up or down on every criterion at once, more than "
        "the other reviewers do."
    ),
    "central_tendency": (
        "They use the middle of the scale much more often than the other reviewers do "
        "for the same candidates."
    ),
    "restricted_range": (
        "Their scores spread much less than the other reviewers' for the same candidates, "
        "so they separate strong from weak candidates less."
    ),
}


# A flagged rater × criterion cell, in words ({criterion}: the criterion's name).
BIAS_SENTENCE = (
    "On {criterion} they score {direction} than their scoring on the other criteria "
    "predicts, by more than half a point and by more than chance explains."
)


@dataclass(frozen=True)
class RaterDiagnostics:
    """One rater's diagnostics; None where the data cannot support one.

    - ``infit`` = Σ (x − E)² / Σ W and ``outfit`` = mean of (x − E)² / W over
      the rater's ratings (Wright & Masters 1982): 1 when the rater is as
      predictable as the model expects, above 1 erratic, below 1 too
      predictable. Ratings with zero model variance are left out.
      ``infit_z``/``outfit_z`` are their Wilson–Hilferty standardised values
      t = (MS^⅓ − 1)(3/q) + q/3 with q = √(2/n), the chi-square
      approximation (exact for the linear model's normal residuals; Rasch
      software uses the categories' kurtosis instead).
    - ``halo``: h_r / h_others, where h = Σ_s n_s ē_s² / Σ e² is the share of
      the squared residuals that lies in scorecard means (ē_s the mean
      residual of scorecard s, n_s its ratings) over the rater's ratings, and
      h_others the same share pooled over every other rater. 1 = as
      candidate-wide as the others, 2 = twice as much. ``halo_p`` is the
      one-sided p of F = (B_r / W_r) / (B_o / W_o) · (df_W,r / df_B,r) ·
      (df_B,o / df_W,o) on (df_B,r, df_W,r) degrees of freedom, B and W the
      between- and within-scorecard sums of squared residuals, df_B the
      scorecards and df_W the ratings less the scorecards (approximate:
      fitted residuals have slightly fewer degrees of freedom). A rater who
      compresses every score toward the middle also shows as halo (their
      residuals follow the candidate's level): read it with
      ``central_tendency``. With exactly two raters per candidate the two
      raters' scorecard means are mirror images, so halo is only told
      apart when partners rotate. None with one rating per scorecard (a
      single criterion), where there is nothing per criterion to compare.
    - ``central_tendency``: the rater's share of ratings on the middle
      level(s) of the scale (the centre level of an odd number of levels, the
      two central ones of an even number) over the other raters' share on the
      same candidates (all other raters when no one else rated them).
    - ``range_ratio``: the SD of the rater's ratings over the SD of the other
      raters' ratings of the same candidates (all other raters when no one
      else rated them).
    """

    rater: Any
    n_scorecards: int
    n_ratings: int
    infit: float | None
    outfit: float | None
    halo: float | None
    central_tendency: float | None
    range_ratio: float | None
    flags: tuple[str, ...]
    middle_share: float | None = None
    infit_z: float | None = None
    outfit_z: float | None = None
    halo_p: float | None = None


@dataclass(frozen=True)
class BiasCell:
    """A rater's bias on one criterion: the mean residual (x − E) of their
    ratings on it, in scale points (positive = more lenient on this criterion
    than the model predicts from their overall severity), with SE √(Σ W) / n
    from the model variance and z = bias / SE. ``flagged`` when |z| >
    ``BIAS_Z_ABOVE`` and |bias| > ``BIAS_ABOVE``."""

    rater: Any
    criterion: Any
    n: int
    bias: float | None
    se: float | None
    z: float | None
    flagged: bool = False


@dataclass(frozen=True)
class Separation:
    """Wright & Masters (1982): with SD² the observed variance of the
    estimates and MSE the mean of their squared SEs, the true variance is
    SD² − MSE, the separation index G = √(SD² − MSE) / √MSE, the
    reliability G² / (1 + G²) = (SD² − MSE) / SD², and the number of
    statistically distinct strata (4G + 1) / 3 (Wright & Masters 2002).

    For raters, unlike candidates, low is good: a rater separation
    reliability near 0 means the reviewers' severities differ no more than
    their measurement error explains; near 1 (G ≥ 2: at least three
    distinguishable levels of severity) means they reliably differ and
    adjusted scores matter (Linacre, Facets manual, "Reliability")."""

    index: float | None
    reliability: float | None
    strata: float | None
    reason: str | None = None


def _columns(*columns: Any) -> list[np.ndarray]:
    arrays = [np.asarray(c) for c in columns]
    if any(a.ndim != 1 for a in arrays):
        raise ValueError("ratings must be 1-D arrays in long form")
    if len({a.shape[0] for a in arrays}) > 1:
        raise ValueError("unit, rater, criterion, value, expected and variance must be as long")
    numeric = [np.asarray(a, dtype=float) for a in arrays[3:]]
    keep = np.isfinite(numeric[0] + numeric[1] + numeric[2])  # NaN or ±inf anywhere
    if keep.all():
        return arrays[:3] + numeric
    return [a[keep] for a in arrays[:3] + numeric]


def _exact_in_any_order(value: np.ndarray) -> bool:
    """Whether sums of the values, their squares and counts are exact in any
    order of addition: whole numbers (a rating scale's levels) whose every
    partial sum of squares stays below 2⁵²."""
    known = known_factorization(value)
    if known is not None and value.size:  # the same, on the distinct values
        levels = known[0]
        peak = max(abs(float(levels[0])), abs(float(levels[-1])))
        return peak**2 * value.size < 2.0**52 and np.array_equal(levels, np.rint(levels))
    peak = float(np.abs(value).max()) if value.size else 0.0
    return peak**2 * value.size < 2.0**52 and np.array_equal(value, np.rint(value))


def _levels_per_card(
    value: np.ndarray, s: np.ndarray, n_cards: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """(how many ratings of each scorecard are at each level, the levels) for
    whole-number values of a short scale (at most 64 consecutive levels);
    None for anything else."""
    if not value.size:
        return None
    known = known_factorization(value)
    if known is None:
        lo, hi = float(value.min()), float(value.max())
    else:
        lo, hi = float(known[0][0]), float(known[0][-1])
    n_levels = int(hi - lo) + 1
    if n_levels > 64 or n_cards * n_levels > 4 * value.size + 1024:
        return None
    if known is not None and known[0].size == n_levels:
        # Every level of the range occurs: a value's level is its index.
        at = s * n_levels
        at += known[1]
    else:
        at = (value - lo).astype(np.int64)
        at += s * n_levels
    table = np.bincount(at, minlength=n_cards * n_levels).reshape(n_cards, n_levels)
    return table.astype(float), lo + np.arange(n_levels, dtype=float)


def middle_levels(scale_min: float, scale_max: float) -> tuple[float, ...]:
    """The middle level(s) of an integer scale: one for an odd number of
    levels (3 of 1–5), two for an even number (2 and 3 of 1–4)."""
    lo, hi = math.ceil(scale_min), math.floor(scale_max)
    n = hi - lo + 1
    if n < 3:
        return ()
    if n % 2:
        return (float(lo + n // 2),)
    return (float(lo + n // 2 - 1), float(lo + n // 2))


def rater_diagnostics(
    unit: Any,
    rater: Any,
    criterion: Any,
    value: Any,
    expected: Any,
    variance: Any,
    *,
    scale_min: float,
    scale_max: float,
    min_scorecards: int = MIN_SCORECARDS_TO_FLAG,
    cards: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[RaterDiagnostics, ...]:
    """Per rater (in sorted rater order): fit mean-squares, halo, central
    tendency and range ratio with their flags (see ``RaterDiagnostics`` and
    the thresholds above). A scorecard is one (unit, rater) pair. Raters with
    fewer than ``min_scorecards`` scorecards get no flags. Rows with a
    missing value, expectation or variance are dropped. ``criterion`` is
    taken for a uniform signature and checked for length: the comparisons
    with the pool are on the same candidates, all criteria together.
    Vectorised over ratings (a million take about a quarter of a second).
    ``cards``, when the caller has them for dense codes ``unit`` and
    ``rater``: ``factorize(unit * n_raters + rater)``, used when no row is
    dropped (the same codes, not computed twice)."""
    n_given = np.asarray(value).shape[0]
    unit, rater, _criterion, value, expected, variance = _columns(
        unit, rater, criterion, value, expected, variance
    )
    raters, r = factorize(rater)
    n_r = raters.size
    if n_r == 0:
        return ()
    units, u = factorize(unit)
    dense_codes = (raters[0], raters[-1], units[0], units[-1]) == (0, n_r - 1, 0, units.size - 1)
    if cards is not None and value.size == n_given and dense_codes:
        cards, s = cards
    else:
        cards, s = combine(u, n_r, r)
    card_rater = cards % n_r
    card_unit = cards // n_r
    n_cards = cards.size
    n_ratings = code_counts(r, minlength=n_r)
    n_scorecards = np.bincount(card_rater, minlength=n_r)

    # Fit mean-squares (Wright & Masters 1982).
    residual = value - expected
    informative = variance > _VARIANCE_FLOOR
    every_rating = bool(informative.all())  # the linear model's constant variance
    if every_rating:
        # The same numbers as below, without the masks (a count of ones is
        # exact in any order).
        squared, w = residual**2, variance
        count = code_counts(r, minlength=n_r).astype(float)
        z2 = squared / w
    else:
        squared = np.where(informative, residual**2, 0.0)
        w = np.where(informative, variance, 0.0)
        count = np.bincount(r, informative.astype(float), minlength=n_r)
        z2 = np.divide(squared, w, out=np.zeros_like(squared), where=informative)
    squared_sum = np.bincount(r, squared, minlength=n_r)
    with np.errstate(divide="ignore", invalid="ignore"):
        outfit = np.bincount(r, z2, minlength=n_r) / count
        infit = squared_sum / np.bincount(r, w, minlength=n_r)
        q = np.sqrt(2.0 / count)
        infit_z = (np.cbrt(infit) - 1.0) * (3.0 / q) + q / 3.0
        outfit_z = (np.cbrt(outfit) - 1.0) * (3.0 / q) + q / 3.0

    # Halo: the candidate-wide share of each rater's squared residuals.
    card_n = code_counts(s, minlength=n_cards).astype(float)
    card_mean = np.bincount(s, residual, minlength=n_cards) / card_n
    between = np.bincount(card_rater, card_n * card_mean**2, minlength=n_r)
    total = squared_sum if every_rating else np.bincount(r, residual**2, minlength=n_r)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = between / total
        others_share = (between.sum() - between) / (total.sum() - total)
        halo = share / others_share
        df_between = n_scorecards.astype(float)
        df_within = (n_ratings - n_scorecards).astype(float)
        within = total - between
        f_ratio = (
            (between / df_between)
            / (within / df_within)
            / (
                ((between.sum() - between) / (df_between.sum() - df_between))
                / ((within.sum() - within) / (df_within.sum() - df_within))
            )
        )
        halo_p = distributions.f.sf(f_ratio, df_between, df_within)

    # Central tendency and range against the other raters on the same units.
    n_u = units.size
    # Sums per unit and per rater formed from the sums per scorecard (one pass
    # over the ratings per quantity, not three) when that gives the same numbers;
    # and then the sums per scorecard from its count of each level of a short
    # scale (one pass for every quantity).
    whole = _exact_in_any_order(value)
    levels = _levels_per_card(value, s, n_cards) if whole else None
    if levels is None:
        middle = np.isin(value, middle_levels(scale_min, scale_max)).astype(float)
        quantities = (("n", np.ones_like(value)), ("x", value), ("xx", value**2), ("m", middle))
    else:
        table, level = levels
        in_middle = np.isin(level, middle_levels(scale_min, scale_max)).astype(float)
        quantities = (("n", None), ("x", level), ("xx", level**2), ("m", in_middle))
    sums = {}
    for name, x in quantities:
        if name == "n":
            per_card = card_n
        elif levels is None:
            per_card = np.bincount(s, x, minlength=n_cards)
        else:
            per_card = table @ x  # whole numbers far below 2**53: exact
        if whole:
            per_unit = np.bincount(card_unit, per_card, minlength=n_u)
            own = np.bincount(card_rater, per_card, minlength=n_r)
        else:
            per_unit = np.bincount(u, x, minlength=n_u)
            own = np.bincount(r, x, minlength=n_r)
        # Everyone else's ratings of the units of each of the rater's scorecards.
        others_same = np.bincount(card_rater, per_unit[card_unit] - per_card, minlength=n_r)
        # (A sum of whole numbers is exact in any order, per rating or per scorecard.)
        others_all = (x.sum() if levels is None else per_card.sum()) - own
        sums[name] = (own, others_same, others_all)
    own_n, same_n, all_n = sums["n"]
    use_same = same_n > 0
    pick = {k: (v[0], np.where(use_same, v[1], v[2])) for k, v in sums.items()}
    pool_n = pick["n"][1]
    with np.errstate(divide="ignore", invalid="ignore"):
        own_share = pick["m"][0] / own_n
        pool_share = pick["m"][1] / pool_n
        central = own_share / pool_share
        own_var = (pick["xx"][0] - pick["x"][0] ** 2 / own_n) / (own_n - 1)
        pool_var = (pick["xx"][1] - pick["x"][1] ** 2 / pool_n) / (pool_n - 1)
        range_ratio = np.sqrt(np.maximum(own_var, 0.0)) / np.sqrt(np.maximum(pool_var, 0.0))
    has_middle = bool(middle_levels(scale_min, scale_max))

    rows = []
    for i in range(n_r):
        row_infit = _finite(infit[i])
        row_outfit = _finite(outfit[i])
        # One rating per scorecard (a single criterion): no per-criterion part.
        row_halo = (
            _finite(halo[i])
            if df_within[i] > 0 and df_within.sum() > df_within[i] and others_share[i] > 0
            else None
        )
        row_central = _finite(central[i]) if has_middle and pool_share[i] > 0 else None
        row_range = (
            _finite(range_ratio[i])
            if own_n[i] >= 2 and pool_n[i] >= 2 and pool_var[i] > 0
            else None
        )
        flags: list[str] = []
        if n_scorecards[i] >= min_scorecards:
            fits = [
                (ms, z)
                for ms, z in ((row_infit, infit_z[i]), (row_outfit, outfit_z[i]))
                if ms is not None
            ]
            if any(ms > MISFIT_ABOVE and z > FIT_Z_ABOVE for ms, z in fits):
                flags.append("misfit")
            elif len(fits) == 2 and all(ms < MUTED_BELOW and z < -FIT_Z_ABOVE for ms, z in fits):
                flags.append("muted")
            if row_halo is not None and row_halo > HALO_ABOVE and halo_p[i] < HALO_P_BELOW:
                flags.append("halo")
            if (
                row_central is not None
                and row_central > CENTRAL_TENDENCY_ABOVE
                and own_share[i] >= CENTRAL_TENDENCY_MIN_SHARE
            ):
                flags.append("central_tendency")
            if row_range is not None and row_range < RESTRICTED_RANGE_BELOW:
                flags.append("restricted_range")
        rows.append(
            RaterDiagnostics(
                rater=scalar(raters[i]),
                n_scorecards=int(n_scorecards[i]),
                n_ratings=int(n_ratings[i]),
                infit=row_infit,
                outfit=row_outfit,
                halo=row_halo,
                central_tendency=row_central,
                range_ratio=row_range,
                flags=tuple(flags),
                middle_share=_finite(own_share[i]) if has_middle else None,
                infit_z=_finite(infit_z[i]) if row_infit is not None else None,
                outfit_z=_finite(outfit_z[i]) if row_outfit is not None else None,
                halo_p=_finite(halo_p[i]) if row_halo is not None else None,
            )
        )
    return tuple(rows)


def rater_criterion_bias(
    unit: Any, rater: Any, criterion: Any, value: Any, expected: Any, variance: Any
) -> tuple[BiasCell, ...]:
    """Per (rater, criterion) cell that has ratings, in sorted order: the
    mean residual, its SE from the model variance and z (see ``BiasCell``;
    Myford & Wolfe 2004's rater × criterion interaction, here in scale
    points). ``unit`` is taken for a uniform signature and checked for
    length."""
    _unit, rater, criterion, value, expected, variance = _columns(
        unit, rater, criterion, value, expected, variance
    )
    raters, r = factorize(rater)
    criteria, c = factorize(criterion)
    if raters.size == 0:
        return ()
    n_c = criteria.size
    cells, k = factorize(r * n_c + c)
    n = np.bincount(k, minlength=cells.size)
    residual_sum = np.bincount(k, value - expected, minlength=cells.size)
    variance_sum = np.bincount(k, np.maximum(variance, 0.0), minlength=cells.size)
    bias = residual_sum / n
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(variance_sum) / n
        z = bias / se
    rows = []
    for i, cell in enumerate(cells.tolist()):
        row_se = _finite(se[i]) if se[i] > 0 else None
        row_z = _finite(z[i]) if row_se is not None else None
        rows.append(
            BiasCell(
                rater=scalar(raters[cell // n_c]),
                criterion=scalar(criteria[cell % n_c]),
                n=int(n[i]),
                bias=_finite(bias[i]),
                se=row_se,
                z=row_z,
                flagged=bool(
                    row_z is not None and abs(row_z) > BIAS_Z_ABOVE and abs(bias[i]) > BIAS_ABOVE
                ),
            )
        )
    return tuple(rows)


def separation(estimates: Any, ses: Any, *, sample: bool = False) -> Separation:
    """The separation index, reliability and strata of a set of estimates
    (e.g. rater severities) with their SEs (see ``Separation``). Pairs with
    a missing estimate or SE are left out. The observed variance divides by
    n (the population SD, as Winsteps and Facets' "Populn" line) or, with
    ``sample=True``, by n − 1. When the SEs explain all the observed
    variance, separation and reliability are 0 (no distinguishable spread)."""
    estimates = np.asarray(
        [np.nan if x is None else x for x in np.asarray(estimates, dtype=object).ravel()],
        dtype=float,
    )
    ses = np.asarray(
        [np.nan if x is None else x for x in np.asarray(ses, dtype=object).ravel()], dtype=float
    )
    if estimates.shape != ses.shape:
        raise ValueError("estimates and ses must be as long")
    keep = np.isfinite(estimates) & np.isfinite(ses)
    estimates, ses = estimates[keep], ses[keep]
    if estimates.size < 2:
        return Separation(None, None, None, "separation needs at least two estimates with SEs")
    mse = float(np.mean(ses**2))
    if mse <= 0:
        return Separation(None, None, None, "the estimates have no error variance")
    observed = float(np.var(estimates, ddof=1 if sample else 0))
    true_var = max(observed - mse, 0.0)
    index = math.sqrt(true_var / mse)
    reliability = true_var / observed if observed > 0 else 0.0
    return Separation(index, reliability, (4.0 * index + 1.0) / 3.0)


def separation_sentence(result: Separation) -> str:
    """What the rater separation says, in a recruiter's words."""
    if result.index is None:
        return "Too few reviewers with estimates to tell whether their severities differ."
    if result.reliability < 0.5:
        return (
            "The reviewers' severities differ no more than chance explains "
            f"(separation reliability {result.reliability:.2f})."
        )
    return (
        f"The reviewers reliably differ in severity (separation reliability "
        f"{result.reliability:.2f}, about {max(1, math.floor(result.strata))} distinct levels): "
        "compare candidates on adjusted scores."
    )


def _finite(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None
