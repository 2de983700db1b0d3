"""Reviewer calibration statistics (DESIGN.md, "Calibration"): pure numpy/scipy.

Every function takes ratings in long form as parallel 1-D arrays, one element
per rating: ``unit`` (what was rated: an application), ``rater`` (who rated
it), ``value`` (the score) and, where it matters, ``criterion``. Codes may be
ints or any other sortable values. A missing cell is simply an absent row; a
NaN or infinite ``value`` is treated the same way (dropped).

A statistic that the data cannot support is never an exception and never NaN:
it comes back as ``Statistic(value=None, reason="...")``. ``agreement_report``
builds the JSON object of ``manage.py agreement`` from these.

Everything is vectorised over ratings (no per-rating Python loop): the
rater-effects fit on a million ratings takes under a second.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

import krippendorff
import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[Level, ...] = ("nominal", "ordinal", "interval", "ratio")
ICC_FORMS = ("ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k")
KAPPA_WEIGHTS = ("unweighted", "linear", "quadratic")

NO_RATINGS = "there are no ratings"
IDENTICAL = "all ratings are identical: no variation to agree on"
NO_PAIRS = "no unit was rated by two or more raters, so no ratings can be compared"
ONE_UNIT = "only one unit was rated by two or more raters; agreement needs at least two units"
NOT_FINITE = "the computation did not give a finite number"
SAME_SINGLE_VALUE = (
    "both raters gave every shared unit the same single value: chance agreement is total, "
    "so kappa is undefined"
)

# Krippendorff's package builds units x values x values arrays; past this many
# cells the same formula is evaluated here through a sparse coincidence matrix.
PACKAGE_CELL_BUDGET = 4_000_000
# Coincidence and kappa weight matrices are values x values: more distinct
# values than this are not categories of a rating scale.
MAX_DISTINCT_VALUES = 2_000
# Rows of the units x parameters product handled at once when computing the
# standard errors of adjusted scores (bounds memory at ~40 MB per chunk).
_UNIT_CHUNK = 20_000

T = TypeVar("T")


@dataclass(frozen=True)
class Statistic(Generic[T]):
    """A statistic's value, or None with the reason it is undefined."""

    value: T | None
    reason: str | None = None

    @property
    def defined(self) -> bool:
        return self.value is not None


def _undefined(reason: str) -> Statistic[Any]:
    return Statistic(None, reason)


def _number(x: float) -> Statistic[float]:
    x = float(x)
    return Statistic(x) if math.isfinite(x) else _undefined(NOT_FINITE)


# --- Input handling -----------------------------------------------------------


def _clean(*columns: Any, value_at: int = 2) -> list[np.ndarray]:
    """The columns as 1-D arrays of one length, without rows whose value is
    missing (NaN) or infinite."""
    arrays = [np.asarray(c) for c in columns]
    for a in arrays:
        if a.ndim != 1:
            raise ValueError("ratings must be 1-D arrays in long form")
    if len({a.shape[0] for a in arrays}) > 1:
        raise ValueError("unit, rater, value (and criterion, time) must have the same length")
    arrays[value_at] = arrays[value_at].astype(float)
    keep = np.isfinite(arrays[value_at])
    if not keep.all():
        arrays = [a[keep] for a in arrays]
    return arrays


def _factorize(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct codes in sorted order, index of each element into them)."""
    distinct, index = np.unique(codes, return_inverse=True)
    return distinct, index.reshape(-1).astype(np.int64)


def _items(unit: np.ndarray, criterion: np.ndarray | None) -> np.ndarray:
    """Dense codes of what is rated: the unit, or the (unit, criterion) pair."""
    _, u = _factorize(unit)
    if criterion is None:
        return u
    codes, c = _factorize(criterion)
    return _factorize(u * len(codes) + c)[1]


def _scalar(x: Any) -> Any:
    return x.item() if isinstance(x, np.generic) else x


# --- Krippendorff's alpha -----------------------------------------------------


def krippendorff_alpha(
    unit: Any, rater: Any, value: Any, level: Level = "interval"
) -> Statistic[float]:
    """Krippendorff's alpha, α = 1 − D_o / D_e, for any number of raters and
    missing ratings, at the nominal, ordinal, interval or ratio level.

    Source: Krippendorff, K. (2011). *Computing Krippendorff's
    Alpha-Reliability*. Annenberg School for Communication, University of
    Pennsylvania (https://repository.upenn.edu/asc_papers/43): the coincidence
    matrix o_ck = Σ_u Σ_{i≠j} [v_ui = c][v_uj = k] / (m_u − 1) over units with
    m_u ≥ 2 values, n_c = Σ_k o_ck, and α = 1 − (n − 1) Σ o_ck δ²_ck /
    Σ n_c n_k δ²_ck with the level's difference function δ².

    Computed by the ``krippendorff`` package from the units × values count
    table (built here with sparse counting, so it never materialises the
    raters × units matrix); for very large tables the same formula runs here
    on a sparse coincidence matrix. Only units with two or more ratings count
    (single ratings are not pairable). Which rater gave a value does not enter
    alpha; ``rater`` is taken for a uniform signature and checked for length.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    unit, _rater, value = _clean(unit, rater, value)
    return _alpha(_factorize(unit)[1], value, level)


def _alpha(u: np.ndarray, v: np.ndarray, level: Level) -> Statistic[float]:
    if v.size == 0:
        return _undefined(NO_RATINGS)
    pairable = np.bincount(u)[u] >= 2
    if not pairable.any():
        return _undefined(NO_PAIRS)
    units, ui = _factorize(u[pairable])
    if units.size < 2:
        return _undefined(ONE_UNIT)
    domain, vi = _factorize(v[pairable])
    if domain.size < 2:
        return _undefined(IDENTICAL)
    if level == "ratio" and domain[0] < 0:
        return _undefined("ratio alpha needs values of zero or more")
    if domain.size > MAX_DISTINCT_VALUES and level != "interval":
        return _undefined(
            f"{domain.size} distinct values: {level} alpha needs values on a scale "
            f"(at most {MAX_DISTINCT_VALUES})"
        )
    if level == "interval" and domain.size > MAX_DISTINCT_VALUES:
        return _number(_interval_alpha_from_moments(ui, v[pairable]))
    counts = sparse.csr_matrix(
        (np.ones(vi.size), (ui, vi)), shape=(units.size, domain.size)
    )  # duplicates summed: number of each value in each unit
    if units.size * domain.size**2 <= PACKAGE_CELL_BUDGET:
        alpha = krippendorff.alpha(
            value_counts=counts.toarray(), value_domain=domain, level_of_measurement=level
        )
    else:
        alpha = _alpha_from_value_counts(counts, domain, level)
    return _number(alpha)


def _alpha_from_value_counts(counts: sparse.csr_matrix, domain: np.ndarray, level: Level) -> float:
    """Krippendorff (2011)'s α from a sparse units × values count table, in
    O(ratings + values²) memory."""
    per_unit = np.asarray(counts.sum(axis=1)).ravel()
    weighted = sparse.diags(1.0 / (per_unit - 1.0)) @ counts
    o = (counts.T @ weighted).toarray() - np.diag(np.asarray(weighted.sum(axis=0)).ravel())
    n_v = o.sum(axis=0)
    n = n_v.sum()
    e = (np.outer(n_v, n_v) - np.diag(n_v)) / (n - 1.0)
    d = _difference(domain, n_v, level)
    return 1.0 - (o * d).sum() / (e * d).sum()


def _interval_alpha_from_moments(ui: np.ndarray, v: np.ndarray) -> float:
    """Interval α without a values × values matrix: Σ_{i≠j} (v_i − v_j)² over a
    unit is 2·m_u·SS_u, and over all pairable values 2·n·SS, so
    α = 1 − (n − 1) Σ_u (m_u SS_u / (m_u − 1)) / (n SS) (Krippendorff 2011)."""
    m = np.bincount(ui).astype(float)
    means = np.bincount(ui, v) / m
    ss_unit = np.bincount(ui, (v - means[ui]) ** 2)
    n = v.size
    ss = ((v - v.mean()) ** 2).sum()
    return 1.0 - (n - 1.0) * (m * ss_unit / (m - 1.0)).sum() / (n * ss)


def _difference(domain: np.ndarray, n_v: np.ndarray, level: Level) -> np.ndarray:
    """Krippendorff (2011)'s squared difference δ²_ck for each pair of values."""
    c, k = domain[:, None], domain[None, :]
    if level == "nominal":
        return (c != k).astype(float)
    if level == "interval":
        return (c - k) ** 2
    if level == "ratio":
        total = c + k
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(total == 0, 0.0, ((c - k) / np.where(total == 0, 1, total)) ** 2)
    # ordinal: (Σ_{g=c..k} n_g − (n_c + n_k)/2)², on ranks of the values
    index = np.arange(domain.size)
    lo, hi = np.minimum(index[:, None], index[None, :]), np.maximum(index[:, None], index[None, :])
    cumulative = np.concatenate([[0.0], np.cumsum(n_v)])
    between = cumulative[hi + 1] - cumulative[lo]
    return (between - (n_v[lo] + n_v[hi]) / 2.0) ** 2


# --- Intraclass correlations --------------------------------------------------


def icc(unit: Any, rater: Any, value: Any) -> Statistic[dict[str, float]]:
    """The six intraclass correlations of Shrout & Fleiss (1979) from a
    complete targets (units) × judges (raters) table.

    Source: Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations:
    uses in assessing rater reliability. *Psychological Bulletin*, 86(2),
    420–428, Table 3. With n targets, k judges and the two-way ANOVA mean
    squares BMS (between targets), WMS (within targets), JMS (between judges)
    and EMS (residual):

    - ICC1  = ICC(1,1) = (BMS − WMS) / (BMS + (k − 1) WMS)
    - ICC2  = ICC(2,1) = (BMS − EMS) / (BMS + (k − 1) EMS + k (JMS − EMS) / n)
    - ICC3  = ICC(3,1) = (BMS − EMS) / (BMS + (k − 1) EMS)
    - ICC1k = ICC(1,k) = (BMS − WMS) / BMS
    - ICC2k = ICC(2,k) = (BMS − EMS) / (BMS + (JMS − EMS) / n)
    - ICC3k = ICC(3,k) = (BMS − EMS) / BMS

    Undefined (None with the reason) unless every rater rated every unit
    exactly once.
    """
    unit, rater, value = _clean(unit, rater, value)
    return _icc(_factorize(unit)[1], _factorize(rater)[1], value)


def _icc(u: np.ndarray, r: np.ndarray, v: np.ndarray) -> Statistic[dict[str, float]]:
    if v.size == 0:
        return _undefined(NO_RATINGS)
    n, k = int(u.max()) + 1, int(r.max()) + 1
    if k < 2:
        return _undefined("an ICC needs at least two raters; these ratings come from one")
    if n < 2:
        return _undefined("an ICC needs at least two units; these ratings are of one")
    cells = u * k + r
    if np.unique(cells).size != cells.size:
        return _undefined(
            "a rater rated the same unit more than once, so the ratings do not form "
            "a units × raters table"
        )
    if cells.size != n * k:
        return _undefined(
            f"the ratings do not form a complete units × raters table: "
            f"{cells.size} of {n * k} cells are filled"
        )
    table = np.empty((n, k))
    table[u, r] = v
    grand = table.mean()
    ss_total = ((table - grand) ** 2).sum()
    if ss_total == 0:
        return _undefined(IDENTICAL)
    ss_units = k * ((table.mean(axis=1) - grand) ** 2).sum()
    ss_raters = n * ((table.mean(axis=0) - grand) ** 2).sum()
    bms = ss_units / (n - 1)
    wms = (ss_total - ss_units) / (n * (k - 1))
    jms = ss_raters / (k - 1)
    ems = max(ss_total - ss_units - ss_raters, 0.0) / ((n - 1) * (k - 1))
    if bms <= 0:
        return _undefined(
            "every unit has the same mean rating: no variation between units to measure "
            "reliability against"
        )
    forms = {
        "ICC1": ((bms - wms), (bms + (k - 1) * wms)),
        "ICC2": ((bms - ems), (bms + (k - 1) * ems + k * (jms - ems) / n)),
        "ICC3": ((bms - ems), (bms + (k - 1) * ems)),
        "ICC1k": ((bms - wms), bms),
        "ICC2k": ((bms - ems), (bms + (jms - ems) / n)),
        "ICC3k": ((bms - ems), bms),
    }
    values = {}
    for name, (numerator, denominator) in forms.items():
        if denominator <= 0:
            return _undefined(
                f"{name} is undefined: its denominator is {denominator:.6g} "
                f"(error variance swamps the differences between units)"
            )
        values[name] = float(numerator / denominator)
    return Statistic(values)


# --- Fleiss' kappa ------------------------------------------------------------


def fleiss_kappa(unit: Any, rater: Any, value: Any) -> Statistic[float]:
    """Fleiss' kappa for m ratings per unit into nominal categories (the
    distinct values).

    Source: Fleiss, J. L. (1971). Measuring nominal scale agreement among many
    raters. *Psychological Bulletin*, 76(5), 378–382, equations 1–7: with N
    units, n_ij the number of ratings of unit i in category j,
    P_i = (Σ_j n_ij² − m) / (m (m − 1)), P̄ = mean P_i, p_j = Σ_i n_ij / (N m),
    P̄_e = Σ_j p_j², κ = (P̄ − P̄_e) / (1 − P̄_e).

    Defined only when every unit has the same number m ≥ 2 of ratings; the
    raters may differ from unit to unit (``rater`` is not used).
    """
    unit, _rater, value = _clean(unit, rater, value)
    return _fleiss(_factorize(unit)[1], value)


def _fleiss(u: np.ndarray, v: np.ndarray) -> Statistic[float]:
    if v.size == 0:
        return _undefined(NO_RATINGS)
    per_unit = np.bincount(u)
    m, n_units = int(per_unit[0]), per_unit.size
    if per_unit.min() != per_unit.max():
        return _undefined(
            f"units have between {per_unit.min()} and {per_unit.max()} ratings; "
            f"Fleiss' kappa needs the same number for every unit"
        )
    if m < 2:
        return _undefined("every unit has one rating; Fleiss' kappa needs at least two per unit")
    if n_units < 2:
        return _undefined("Fleiss' kappa needs at least two units; these ratings are of one")
    categories, c = _factorize(v)
    if categories.size < 2:
        return _undefined(IDENTICAL)
    _, n_ij = np.unique(u * categories.size + c, return_counts=True)
    p_bar = ((n_ij.astype(float) ** 2).sum() - n_units * m) / (n_units * m * (m - 1))
    p_j = np.bincount(c) / (n_units * m)
    p_e = (p_j**2).sum()
    return _number((p_bar - p_e) / (1.0 - p_e))


# --- Cohen's kappa ------------------------------------------------------------


@dataclass(frozen=True)
class RaterPairKappa:
    """Cohen's kappas between two raters over the items both rated."""

    rater_a: Any
    rater_b: Any
    n_shared: int
    unweighted: float | None
    linear: float | None
    quadratic: float | None
    reason: str | None = None


def cohen_kappa(
    unit: Any,
    rater: Any,
    value: Any,
    criterion: Any = None,
    *,
    categories: Sequence[float] | None = None,
) -> Statistic[dict[str, float]]:
    """Cohen's kappa between exactly two raters over the units (or, with
    ``criterion``, the unit × criterion items) that both rated: unweighted,
    and weighted with linear and quadratic disagreement weights.

    Sources: Cohen, J. (1960). A coefficient of agreement for nominal scales.
    *Educational and Psychological Measurement*, 20, 37–46; Cohen, J. (1968).
    Weighted kappa. *Psychological Bulletin*, 70(4), 213–220:
    κ_w = 1 − Σ w_ij p_ij / Σ w_ij p_i· p_·j with disagreement weights
    w_ij = |i − j| / (q − 1) (linear; Cicchetti & Allison, 1971) or
    ((i − j) / (q − 1))² (quadratic; Fleiss & Cohen, 1973), i and j being
    positions among the q ``categories``. By default the categories are the
    distinct values in the compared ratings, as in R's ``irr::kappa2``; pass
    the scale's points (e.g. ``[1, 2, 3, 4]``) to weigh by scale distance when
    some points are unused.
    """
    unit, rater, value, *rest = _clean(
        unit, rater, value, *([] if criterion is None else [criterion])
    )
    raters, r = _factorize(rater)
    if raters.size != 2:
        return _undefined(
            f"Cohen's kappa compares exactly two raters; these ratings come from {raters.size}"
        )
    item = _items(unit, rest[0] if rest else None)
    first, second = _co_ratings(item, r)
    if first.size == 0:
        return _undefined("the two raters have no unit in common")
    if np.unique(item[first]).size < 2:
        return _undefined("the two raters share only one unit; kappa needs at least two")
    compared = np.concatenate([value[first], value[second]])
    cats = _categories(compared, categories)
    if isinstance(cats, str):
        return _undefined(cats)
    if cats.size < 2:
        return _undefined(IDENTICAL)
    ca, cb = np.searchsorted(cats, value[first]), np.searchsorted(cats, value[second])
    kappas = _pair_kappas(np.zeros(first.size, dtype=np.int64), ca, cb, 1, cats.size)
    if any(k[0] is None for k in kappas.values()):
        return _undefined(SAME_SINGLE_VALUE)
    return Statistic({name: float(k[0]) for name, k in kappas.items()})


def pairwise_cohen_kappa(
    unit: Any,
    rater: Any,
    value: Any,
    criterion: Any = None,
    *,
    min_shared: int = 10,
    categories: Sequence[float] | None = None,
) -> list[RaterPairKappa]:
    """Cohen's kappas (unweighted, linear, quadratic; see ``cohen_kappa``) for
    every pair of raters sharing at least ``min_shared`` units (or unit ×
    criterion items when ``criterion`` is given), sorted by rater pair.

    Weights use positions among ``categories``, by default the distinct values
    in all the ratings, so every pair is weighed on the same scale. Vectorised:
    all co-ratings are paired at once and tabulated with ``np.bincount``, so
    200 raters (19,900 pairs) cost one pass over the co-ratings. A rater's two
    ratings of one item are never paired with each other.
    """
    unit, rater, value, *rest = _clean(
        unit, rater, value, *([] if criterion is None else [criterion])
    )
    raters, r = _factorize(rater)
    item = _items(unit, rest[0] if rest else None)
    first, second = _co_ratings(item, r)
    if first.size == 0:
        return []
    cats = _categories(value, categories)
    pair_keys, pair_id = _factorize(r[first] * raters.size + r[second])
    n_shared = np.bincount(pair_id)
    kept = n_shared >= min_shared
    if not kept.any():
        return []
    new_id = np.cumsum(kept) - 1
    mask = kept[pair_id]
    n_pairs = int(kept.sum())
    no_categories = None
    if isinstance(cats, str):
        no_categories = cats
    elif cats.size < 2:
        no_categories = IDENTICAL
    if no_categories is not None:
        kappas = {name: [None] * n_pairs for name in KAPPA_WEIGHTS}
    else:
        kappas = _pair_kappas(
            new_id[pair_id[mask]],
            np.searchsorted(cats, value[first[mask]]),
            np.searchsorted(cats, value[second[mask]]),
            n_pairs,
            cats.size,
        )
    rows = []
    for index, key in enumerate(pair_keys[kept]):
        undefined = kappas["unweighted"][index] is None
        rows.append(
            RaterPairKappa(
                rater_a=_scalar(raters[key // raters.size]),
                rater_b=_scalar(raters[key % raters.size]),
                n_shared=int(n_shared[kept][index]),
                unweighted=kappas["unweighted"][index],
                linear=kappas["linear"][index],
                quadratic=kappas["quadratic"][index],
                reason=((no_categories or SAME_SINGLE_VALUE) if undefined else None),
            )
        )
    return rows


def _categories(values: np.ndarray, categories: Sequence[float] | None) -> np.ndarray | str:
    if categories is None:
        cats = np.unique(values)
    else:
        cats = np.unique(np.asarray(categories, dtype=float))
        outside = ~np.isin(values, cats)
        if outside.any():
            raise ValueError(f"value {values[outside][0]!r} is not one of the categories")
    if cats.size > MAX_DISTINCT_VALUES:
        return f"{cats.size} distinct values: kappa needs categories of a rating scale"
    return cats


def _co_ratings(item: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i, j) of ratings of the same item by two different raters,
    with rater[i] < rater[j]: every pair within each item, built at once."""
    order = np.lexsort((r, item))
    sorted_items = item[order]
    n = sorted_items.size
    if n < 2:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    starts = np.flatnonzero(np.r_[True, sorted_items[1:] != sorted_items[:-1]])
    ends = np.r_[starts[1:], n]
    group_end = np.repeat(ends, ends - starts)
    position = np.arange(n)
    partners = group_end - position - 1  # later ratings of the same item
    first = np.repeat(position, partners)
    offsets = np.arange(first.size) - np.repeat(np.cumsum(partners) - partners, partners)
    second = first + 1 + offsets
    i, j = order[first], order[second]
    different = r[i] != r[j]
    return i[different], j[different]


def _pair_kappas(
    pair_id: np.ndarray, ca: np.ndarray, cb: np.ndarray, n_pairs: int, q: int
) -> dict[str, list[float | None]]:
    """Cohen's kappas per pair from co-ratings given as category positions:
    κ = 1 − observed / expected weighted disagreement (Cohen 1968)."""
    n = np.bincount(pair_id, minlength=n_pairs).astype(float)
    fa = np.bincount(pair_id * q + ca, minlength=n_pairs * q).reshape(n_pairs, q) / n[:, None]
    fb = np.bincount(pair_id * q + cb, minlength=n_pairs * q).reshape(n_pairs, q) / n[:, None]
    distance = np.abs(np.arange(q)[:, None] - np.arange(q)[None, :]) / max(q - 1, 1)
    weights = {
        "unweighted": (distance > 0).astype(float),
        "linear": distance,
        "quadratic": distance**2,
    }
    result = {}
    for name, w in weights.items():
        observed = np.bincount(pair_id, weights=w[ca, cb], minlength=n_pairs) / n
        expected = ((fa @ w) * fb).sum(axis=1)
        # Expected disagreement is 0 only when both raters use one same value.
        ok = expected > 1e-12
        kappa = np.where(ok, 1.0 - observed / np.where(ok, expected, 1.0), np.nan)
        result[name] = [float(k) if math.isfinite(k) else None for k in kappa]
    return result


# --- Rater effects ------------------------------------------------------------


@dataclass(frozen=True)
class RaterSeverity:
    """One rater's estimated severity/leniency.

    ``severity`` is in scale points and **positive means lenient**: the rater
    scores that much higher than the model's consensus predicts for the same
    candidates and criteria; negative means severe. It is relative to the mean
    rater of the rater's ``group`` (raters linked through shared units).
    """

    rater: Any
    n_ratings: int
    mean_score: float
    severity: float | None
    se: float | None
    group: int
    reason: str | None = None


@dataclass(frozen=True)
class CriterionEffect:
    """A criterion's effect in scale points (positive: scored higher than the
    mean criterion), relative to the mean criterion."""

    criterion: Any
    n_ratings: int
    mean_score: float
    effect: float | None
    se: float | None


@dataclass(frozen=True)
class UnitScores:
    """Per unit, in ``unit`` order: raw mean rating, the candidate effect (sum
    to zero over units) and the adjusted score = overall mean + candidate
    effect, i.e. what the mean rater would give on the mean criterion."""

    unit: np.ndarray
    n_ratings: np.ndarray
    raw_mean: np.ndarray
    candidate_effect: np.ndarray
    adjusted_score: np.ndarray
    adjusted_score_se: np.ndarray | None


@dataclass(frozen=True)
class RaterEffects:
    """The fitted additive model value = μ + candidate + rater + criterion + noise."""

    mean: float | None
    residual_sd: float | None
    df_residual: int
    n_ratings: int
    n_groups: int
    raters: tuple[RaterSeverity, ...]
    criteria: tuple[CriterionEffect, ...]
    units: UnitScores
    notes: dict[str, str] = field(default_factory=dict)

    def severity_of(self, rater: Any) -> RaterSeverity:
        for row in self.raters:
            if row.rater == rater:
                return row
        raise KeyError(rater)


@dataclass(frozen=True)
class _AdditiveFit:
    """Internals of one least-squares fit (see ``_fit_additive``)."""

    effects: np.ndarray  # raters then criteria
    effect_var: np.ndarray | None  # their variances
    unit_level: np.ndarray  # μ + candidate effect, per unit
    unit_level_var: np.ndarray | None
    residual_var: float | None
    df_residual: int
    rater_group: np.ndarray
    group_sizes: np.ndarray


def fit_rater_effects(unit: Any, rater: Any, value: Any, criterion: Any = None) -> RaterEffects:
    """Fit value = μ + candidate(unit) + rater + criterion + noise by least
    squares and return each rater's severity (positive = lenient) with its
    standard error, each criterion's effect, and each unit's adjusted score.

    Method: the additive two-way (here three-way) fixed-effects model without
    interaction for unbalanced data (Searle, S. R. (1987). *Linear Models for
    Unbalanced Data*. Wiley, ch. 4–5). The candidate effects (with μ) are
    absorbed by the within-unit projection M = I − A(AᵀA)⁻¹Aᵀ
    (Frisch–Waugh–Lovell; Lovell, M. C. (1963). *JASA* 58, 993–1010), leaving
    the small (raters + criteria)² Schur-complement system
    ZᵀMZ θ = ZᵀMy, built from sparse counts in O(ratings) and solved by an
    eigendecomposition. Its pseudo-inverse gives the minimum-norm solution,
    which is exactly the sum-to-zero constraints: rater effects sum to zero
    within each group of raters linked through shared units, criterion effects
    sum to zero. Standard errors are σ̂·√diag((ZᵀMZ)⁺), with σ̂² = RSS /
    (N − units − rank), the covariance of these estimable contrasts.

    A rater who shares no unit with another rater cannot be told apart from
    the candidates they saw: their severity is None with that reason. Raters
    in different groups are not comparable (noted in ``notes``).
    """
    unit, rater, value, *rest = _clean(
        unit, rater, value, *([] if criterion is None else [criterion])
    )
    units, u = _factorize(unit)
    raters, r = _factorize(rater)
    if rest:
        criteria, c = _factorize(rest[0])
    else:
        criteria, c = np.zeros(0), None
    notes: dict[str, str] = {}
    if value.size == 0:
        empty = np.zeros(0)
        return RaterEffects(
            mean=None,
            residual_sd=None,
            df_residual=0,
            n_ratings=0,
            n_groups=0,
            raters=(),
            criteria=(),
            units=UnitScores(empty, empty.astype(int), empty, empty, empty, None),
            notes={"model": NO_RATINGS},
        )
    fit = _fit_additive(u, r, c, value, units.size, raters.size, criteria.size)
    n_per_rater = np.bincount(r, minlength=raters.size)
    mean_per_rater = np.bincount(r, value, minlength=raters.size) / n_per_rater
    rater_rows = []
    for index in range(raters.size):
        group = int(fit.rater_group[index])
        alone = fit.group_sizes[group] < 2
        se = None
        if not alone and fit.effect_var is not None:
            se = float(math.sqrt(max(fit.effect_var[index], 0.0)))
        rater_rows.append(
            RaterSeverity(
                rater=_scalar(raters[index]),
                n_ratings=int(n_per_rater[index]),
                mean_score=float(mean_per_rater[index]),
                severity=None if alone else float(fit.effects[index]),
                se=se,
                group=group,
                reason=(
                    "shares no unit with another rater, so severity cannot be told apart "
                    "from the quality of the units rated"
                    if alone
                    else None
                ),
            )
        )
    criterion_rows = []
    if c is not None:
        n_per_criterion = np.bincount(c, minlength=criteria.size)
        mean_per_criterion = np.bincount(c, value, minlength=criteria.size) / n_per_criterion
        for index in range(criteria.size):
            at = raters.size + index
            criterion_rows.append(
                CriterionEffect(
                    criterion=_scalar(criteria[index]),
                    n_ratings=int(n_per_criterion[index]),
                    mean_score=float(mean_per_criterion[index]),
                    effect=float(fit.effects[at]) if criteria.size > 1 else 0.0,
                    se=(
                        float(math.sqrt(max(fit.effect_var[at], 0.0)))
                        if fit.effect_var is not None and criteria.size > 1
                        else None
                    ),
                )
            )
    n_per_unit = np.bincount(u, minlength=units.size)
    mu = float(fit.unit_level.mean())
    unit_scores = UnitScores(
        unit=units,
        n_ratings=n_per_unit,
        raw_mean=np.bincount(u, value, minlength=units.size) / n_per_unit,
        candidate_effect=fit.unit_level - mu,
        adjusted_score=fit.unit_level,
        adjusted_score_se=(
            None if fit.unit_level_var is None else np.sqrt(np.maximum(fit.unit_level_var, 0.0))
        ),
    )
    n_groups = int(fit.group_sizes.size)
    if n_groups > 1:
        notes["groups"] = (
            f"raters form {n_groups} groups that share no units; severities are relative "
            f"to each group's mean rater and not comparable across groups"
        )
    if fit.residual_var is None:
        notes["residual_sd"] = (
            "no residual degrees of freedom (too few ratings per unit), so no standard errors"
        )
    return RaterEffects(
        mean=mu,
        residual_sd=None if fit.residual_var is None else float(math.sqrt(fit.residual_var)),
        df_residual=fit.df_residual,
        n_ratings=int(value.size),
        n_groups=n_groups,
        raters=tuple(rater_rows),
        criteria=tuple(criterion_rows),
        units=unit_scores,
        notes=notes,
    )


def _fit_additive(
    u: np.ndarray,
    r: np.ndarray,
    c: np.ndarray | None,
    y: np.ndarray,
    n_units: int,
    n_raters: int,
    n_criteria: int,
) -> _AdditiveFit:
    """Least squares for y = unit + rater + criterion (see ``fit_rater_effects``).

    With A the unit indicators (N × U, absorbed) and Z = [raters | criteria]
    (N × P), the reduced normal equations are (ZᵀZ − ZᵀA D⁻¹ AᵀZ) θ =
    Zᵀy − ZᵀA ȳ_unit, where D = diag(ratings per unit). H = AᵀZ (U × P) is a
    sparse count table, so the P × P system costs O(ratings)."""
    n = y.size
    n_params = n_raters + (n_criteria if c is not None else 0)
    per_unit = np.bincount(u, minlength=n_units).astype(float)
    unit_mean = np.bincount(u, y, minlength=n_units) / per_unit
    columns = [r] if c is None else [r, n_raters + c]
    h = sparse.csr_matrix(
        (np.ones(n * len(columns)), (np.tile(u, len(columns)), np.concatenate(columns))),
        shape=(n_units, n_params),
    )
    h_mean = sparse.diags(1.0 / per_unit) @ h  # each unit's mean indicator row
    ztz = np.zeros((n_params, n_params))
    ztz[:n_raters, :n_raters] = np.diag(np.bincount(r, minlength=n_raters))
    zty = [np.bincount(r, y, minlength=n_raters)]
    if c is not None:
        ztz[n_raters:, n_raters:] = np.diag(np.bincount(c, minlength=n_criteria))
        cross = np.bincount(r * n_criteria + c, minlength=n_raters * n_criteria)
        cross = cross.reshape(n_raters, n_criteria)
        ztz[:n_raters, n_raters:] = cross
        ztz[n_raters:, :n_raters] = cross.T
        zty.append(np.bincount(c, y, minlength=n_criteria))
    reduced = ztz - (h.T @ h_mean).toarray()
    reduced = (reduced + reduced.T) / 2.0
    rhs = np.concatenate(zty) - h.T @ unit_mean
    eigenvalues, eigenvectors = np.linalg.eigh(reduced)
    tolerance = max(eigenvalues.max(initial=0.0), 1.0) * n_params * 1e-10
    kept = eigenvalues > tolerance
    basis = eigenvectors[:, kept]
    pseudo_inverse = (basis / eigenvalues[kept]) @ basis.T
    effects = pseudo_inverse @ rhs
    unit_level = unit_mean - h_mean @ effects
    fitted = unit_level[u] + effects[r]
    if c is not None:
        fitted += effects[n_raters + c]
    residuals = y - fitted
    df = int(n - n_units - kept.sum())
    residual_var = float(residuals @ residuals) / df if df > 0 else None
    # Var(adjusted score) = σ² (1 / n_u + h_u (ZᵀMZ)⁺ h_uᵀ): the unit mean and
    # the within-unit estimates are uncorrelated because AᵀM = 0.
    unit_level_var = None
    effect_var = None
    if residual_var is not None:
        effect_var = residual_var * np.diag(pseudo_inverse)
        quadratic = np.empty(n_units)
        for start in range(0, n_units, _UNIT_CHUNK):
            rows = h_mean[start : start + _UNIT_CHUNK]
            quadratic[start : start + _UNIT_CHUNK] = np.asarray(
                rows.multiply(rows @ pseudo_inverse).sum(axis=1)
            ).ravel()
        unit_level_var = residual_var * (1.0 / per_unit + quadratic)
    # Groups of raters linked through shared units (bipartite components).
    graph = sparse.csr_matrix(
        (np.ones(n), (r, n_raters + u)), shape=(n_raters + n_units, n_raters + n_units)
    )
    _, labels = csgraph.connected_components(graph, directed=False)
    group_codes, rater_group = np.unique(labels[:n_raters], return_inverse=True)
    return _AdditiveFit(
        effects=effects,
        effect_var=effect_var,
        unit_level=unit_level,
        unit_level_var=unit_level_var,
        residual_var=residual_var,
        df_residual=max(df, 0),
        rater_group=rater_group.reshape(-1),
        group_sizes=np.bincount(rater_group.reshape(-1), minlength=group_codes.size),
    )


# --- Drift of severity over time ---------------------------------------------


@dataclass(frozen=True)
class TimeWindow:
    start: float
    end: float
    centre: float  # mean time of the window's ratings
    n_ratings: int


@dataclass(frozen=True)
class RaterDrift:
    """A rater's severity (positive = lenient) in each time window, and the
    weighted least-squares slope of severity on time (scale points per unit of
    ``time``; positive: growing more lenient)."""

    rater: Any
    severity: tuple[float | None, ...]
    se: tuple[float | None, ...]
    slope: float | None
    slope_se: float | None
    reason: str | None = None


@dataclass(frozen=True)
class SeverityDrift:
    windows: tuple[TimeWindow, ...]
    raters: tuple[RaterDrift, ...]
    notes: dict[str, str] = field(default_factory=dict)


def severity_drift(
    unit: Any,
    rater: Any,
    value: Any,
    time: Any,
    criterion: Any = None,
    *,
    n_windows: int = 4,
) -> SeverityDrift:
    """Each rater's severity per time window and its trend.

    The ratings are cut into ``n_windows`` windows of equal numbers of ratings
    (quantiles of ``time``, any numeric clock). One joint fit of the model in
    ``fit_rater_effects`` with a (rater, window) effect in place of the rater
    effect gives every window's severity on a common footing (candidates and
    criteria are shared across windows). Where no unit links two windows, each
    window's severities are relative to that window's mean rater, i.e. drift
    relative to peers. The slope is the weighted least-squares fit of severity
    on the windows' mean times with weights 1/SE² (its SE treats the window
    estimates as independent, which is approximate).
    """
    if n_windows < 1:
        raise ValueError("n_windows must be at least 1")
    columns = _clean(unit, rater, value, time, *([] if criterion is None else [criterion]))
    unit, rater, value, time = columns[:4]
    time = time.astype(float)
    raters, r = _factorize(rater)
    if value.size == 0:
        return SeverityDrift((), (), {"model": NO_RATINGS})
    edges = np.unique(np.quantile(time, np.linspace(0.0, 1.0, n_windows + 1)))
    window = np.searchsorted(edges[1:-1], time, side="right") if edges.size > 2 else None
    if window is None:
        window = np.zeros(time.size, dtype=np.int64)
        edges = np.array([time.min(), time.max()])
    n_w = edges.size - 1
    per_window = np.bincount(window, minlength=n_w)
    centres = np.bincount(window, time, minlength=n_w) / np.maximum(per_window, 1)
    windows = tuple(
        TimeWindow(float(edges[w]), float(edges[w + 1]), float(centres[w]), int(per_window[w]))
        for w in range(n_w)
    )
    rater_window = r * n_w + window
    slots, rw = _factorize(rater_window)
    _, u = _factorize(unit)
    c = _factorize(columns[4])[1] if criterion is not None else None
    fit = _fit_additive(
        u,
        rw,
        c,
        value,
        int(u.max()) + 1,
        slots.size,
        0 if c is None else int(c.max()) + 1,
    )
    severity = np.full((raters.size, n_w), np.nan)
    se = np.full((raters.size, n_w), np.nan)
    estimable = fit.group_sizes[fit.rater_group] >= 2
    rows, cols = slots // n_w, slots % n_w
    severity[rows[estimable], cols[estimable]] = fit.effects[: slots.size][estimable]
    if fit.effect_var is not None:
        se[rows[estimable], cols[estimable]] = np.sqrt(
            np.maximum(fit.effect_var[: slots.size][estimable], 0.0)
        )
    slope, slope_se = _weighted_slopes(centres, severity, se)
    notes = {}
    if n_w < 2:
        notes["windows"] = "all ratings fall in one time window, so there is no trend to fit"
    if fit.residual_var is None:
        notes["residual_sd"] = "no residual degrees of freedom, so no standard errors or slopes"
    drift_rows = []
    for index in range(raters.size):
        defined = np.isfinite(slope[index])
        reason = None
        if not defined:
            reason = "severity is estimated in fewer than two time windows, so no trend"
        drift_rows.append(
            RaterDrift(
                rater=_scalar(raters[index]),
                severity=tuple(_finite_or_none(x) for x in severity[index]),
                se=tuple(_finite_or_none(x) for x in se[index]),
                slope=_finite_or_none(slope[index]),
                slope_se=_finite_or_none(slope_se[index]),
                reason=reason,
            )
        )
    return SeverityDrift(windows, tuple(drift_rows), notes)


def _weighted_slopes(x: np.ndarray, y: np.ndarray, se: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise weighted least-squares slope of y on x, weights 1/se²."""
    usable = np.isfinite(y) & np.isfinite(se) & (se > 0)
    w = np.where(usable, 1.0 / np.where(usable, se, 1.0) ** 2, 0.0)
    x = np.broadcast_to(x, y.shape)
    total = w.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_bar = (w * x).sum(axis=1) / total
        y_bar = (w * np.where(usable, y, 0.0)).sum(axis=1) / total
        dx = x - x_bar[:, None]
        sxx = (w * dx**2).sum(axis=1)
        sxy = (w * dx * (np.where(usable, y, 0.0) - y_bar[:, None])).sum(axis=1)
        enough = (usable.sum(axis=1) >= 2) & (sxx > 0)
        slope = np.where(enough, sxy / np.where(enough, sxx, 1.0), np.nan)
        slope_se = np.where(enough, 1.0 / np.sqrt(np.where(enough, sxx, 1.0)), np.nan)
    return slope, slope_se


def _finite_or_none(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


# --- Agreement with the consensus ----------------------------------------------


@dataclass(frozen=True)
class RaterConsensus:
    """How a rater's scores compare with the mean of the other raters of the
    same items (leave-one-out consensus)."""

    rater: Any
    n_compared: int
    mean_difference: float | None  # rater − others; positive = lenient
    mean_absolute_difference: float | None
    correlation: float | None
    reason: str | None = None


def consensus_agreement(
    unit: Any, rater: Any, value: Any, criterion: Any = None
) -> list[RaterConsensus]:
    """Per rater, agreement with the consensus of the *other* raters of each
    item (unit, or unit × criterion): mean and mean absolute difference, and
    the Pearson correlation between the rater's scores and the others' means.
    Leaving the rater out avoids the part-whole inflation of correlating a
    score with a mean that contains it (the corrected item-total logic of
    Nunnally, J. C., & Bernstein, I. H. (1994). *Psychometric Theory*, 3rd ed.).
    """
    unit, rater, value, *rest = _clean(
        unit, rater, value, *([] if criterion is None else [criterion])
    )
    raters, r = _factorize(rater)
    item = _items(unit, rest[0] if rest else None)
    if value.size == 0:
        return []
    per_item = np.bincount(item).astype(float)
    sums = np.bincount(item, value)
    others = per_item[item] - 1
    compared = others > 0
    rr, x = r[compared], value[compared]
    y = (sums[item][compared] - x) / others[compared]
    k = raters.size
    n = np.bincount(rr, minlength=k).astype(float)

    def total(weights: np.ndarray) -> np.ndarray:
        return np.bincount(rr, weights, minlength=k)

    sx, sy = total(x), total(y)
    sxx, syy, sxy = total(x * x), total(y * y), total(x * y)
    diff, absdiff = total(x - y), total(np.abs(x - y))
    rows = []
    for index in range(k):
        count = int(n[index])
        if count == 0:
            rows.append(
                RaterConsensus(
                    _scalar(raters[index]),
                    0,
                    None,
                    None,
                    None,
                    "no unit of this rater was rated by anyone else",
                )
            )
            continue
        cov = sxy[index] - sx[index] * sy[index] / count
        var_x = sxx[index] - sx[index] ** 2 / count
        var_y = syy[index] - sy[index] ** 2 / count
        scale = max(abs(sxx[index]), abs(syy[index]), 1.0) * 1e-12
        correlation = None
        reason = None
        if count < 3:
            reason = "fewer than three compared ratings: no correlation"
        elif var_x <= scale or var_y <= scale:
            reason = "no spread in the rater's or the consensus scores: no correlation"
        else:
            correlation = float(np.clip(cov / math.sqrt(var_x * var_y), -1.0, 1.0))
        rows.append(
            RaterConsensus(
                rater=_scalar(raters[index]),
                n_compared=count,
                mean_difference=float(diff[index] / count),
                mean_absolute_difference=float(absdiff[index] / count),
                correlation=correlation,
                reason=reason,
            )
        )
    return rows


# --- Per criterion ------------------------------------------------------------


@dataclass(frozen=True)
class CriterionSummary:
    """Spread, agreement and discrimination of one criterion.

    ``discrimination`` is the corrected item-total (item-rest) correlation:
    across units, the Pearson correlation between the unit's mean rating on
    this criterion and its mean rating on all *other* criteria. A criterion
    that separates candidates the way the rest of the rubric does scores
    high; one with no spread, or that ranks candidates unlike everything else,
    scores near zero.
    """

    criterion: Any
    n_ratings: int
    n_units: int
    mean: float
    sd: float | None
    alpha_interval: Statistic[float]
    alpha_ordinal: Statistic[float]
    discrimination: Statistic[float]


def criterion_summaries(
    unit: Any, rater: Any, value: Any, criterion: Any
) -> list[CriterionSummary]:
    """For each criterion: number of ratings and units, mean, spread (sample
    SD of its ratings), Krippendorff's alpha (interval and ordinal; see
    ``krippendorff_alpha``) and discrimination (item-rest correlation; see
    ``CriterionSummary``; Nunnally & Bernstein, 1994, *Psychometric Theory*)."""
    unit, rater, value, criterion = _clean(unit, rater, value, criterion)
    criteria, c = _factorize(criterion)
    units, u = _factorize(unit)
    n_units = units.size
    total_n = np.bincount(u, minlength=n_units).astype(float)
    total_sum = np.bincount(u, value, minlength=n_units)
    order = np.argsort(c, kind="stable")
    bounds = np.searchsorted(c[order], np.arange(criteria.size + 1))
    rows = []
    for index in range(criteria.size):
        at = order[bounds[index] : bounds[index + 1]]
        cu, cv = u[at], value[at]
        own_n = np.bincount(cu, minlength=n_units).astype(float)
        own_sum = np.bincount(cu, cv, minlength=n_units)
        rows.append(
            CriterionSummary(
                criterion=_scalar(criteria[index]),
                n_ratings=int(at.size),
                n_units=int((own_n > 0).sum()),
                mean=float(cv.mean()),
                sd=float(cv.std(ddof=1)) if cv.size >= 2 else None,
                alpha_interval=_alpha(cu, cv, "interval"),
                alpha_ordinal=_alpha(cu, cv, "ordinal"),
                discrimination=_item_rest(own_n, own_sum, total_n, total_sum, criteria.size),
            )
        )
    return rows


def _item_rest(
    own_n: np.ndarray,
    own_sum: np.ndarray,
    total_n: np.ndarray,
    total_sum: np.ndarray,
    n_criteria: int,
) -> Statistic[float]:
    if n_criteria < 2:
        return _undefined("only one criterion: no other criteria to correlate with")
    rest_n = total_n - own_n
    both = (own_n > 0) & (rest_n > 0)
    if both.sum() < 3:
        return _undefined(
            "fewer than three units were rated on this and another criterion: no correlation"
        )
    item = own_sum[both] / own_n[both]
    rest = (total_sum[both] - own_sum[both]) / rest_n[both]
    if np.ptp(item) == 0:
        return _undefined("every unit has the same mean on this criterion: no spread")
    if np.ptp(rest) == 0:
        return _undefined("every unit has the same mean on the other criteria: no spread")
    return _number(np.corrcoef(item, rest)[0, 1])


# --- Flags --------------------------------------------------------------------


@dataclass(frozen=True)
class Flag:
    """Something a recruiter should look at, in words."""

    kind: Literal["lenient_rater", "severe_rater", "low_agreement_criterion", "too_few_ratings"]
    subject: Literal["rater", "criterion"]
    code: Any
    message: str


def calibration_flags(
    effects: RaterEffects,
    criteria: Sequence[CriterionSummary] = (),
    *,
    severity_threshold: float = 0.5,
    min_z: float = 2.0,
    min_ratings: int = 10,
    min_alpha: float = 0.667,
    alpha_level: Literal["interval", "ordinal"] = "interval",
) -> list[Flag]:
    """Flags for raters whose severity is large (|severity| > threshold, in
    scale points) *and* well estimated (|severity| / SE > ``min_z``, n ≥
    ``min_ratings``); for criteria whose alpha is below ``min_alpha`` (0.667:
    Krippendorff's lowest limit for tentative conclusions, Krippendorff, K.
    (2004). *Content Analysis*, 2nd ed., p. 241); and "too few ratings to say"
    for raters or criteria with fewer than ``min_ratings`` ratings, or whose
    estimate is undefined."""
    flags = []
    for row in effects.raters:
        if row.n_ratings < min_ratings:
            flags.append(
                Flag(
                    "too_few_ratings",
                    "rater",
                    row.rater,
                    f"rater {row.rater} has {row.n_ratings} ratings; at least {min_ratings} "
                    f"are needed to judge severity",
                )
            )
        elif row.severity is None:
            flags.append(
                Flag("too_few_ratings", "rater", row.rater, f"rater {row.rater} {row.reason}")
            )
        elif row.se is None:
            flags.append(
                Flag(
                    "too_few_ratings",
                    "rater",
                    row.rater,
                    f"rater {row.rater}: severity has no standard error (too few ratings "
                    f"per unit), so it cannot be judged",
                )
            )
        elif abs(row.severity) > severity_threshold and abs(row.severity) > min_z * row.se:
            lenient = row.severity > 0
            flags.append(
                Flag(
                    "lenient_rater" if lenient else "severe_rater",
                    "rater",
                    row.rater,
                    f"rater {row.rater} scores {abs(row.severity):.2f} points "
                    f"{'above' if lenient else 'below'} the consensus "
                    f"(SE {row.se:.2f}, {row.n_ratings} ratings)",
                )
            )
    for summary in criteria:
        alpha = summary.alpha_interval if alpha_level == "interval" else summary.alpha_ordinal
        if summary.n_ratings < min_ratings:
            flags.append(
                Flag(
                    "too_few_ratings",
                    "criterion",
                    summary.criterion,
                    f"criterion {summary.criterion} has {summary.n_ratings} ratings; at least "
                    f"{min_ratings} are needed to judge agreement",
                )
            )
        elif alpha.value is None:
            flags.append(
                Flag(
                    "too_few_ratings",
                    "criterion",
                    summary.criterion,
                    f"criterion {summary.criterion}: {alpha_level} alpha is undefined: "
                    f"{alpha.reason}",
                )
            )
        elif alpha.value < min_alpha:
            flags.append(
                Flag(
                    "low_agreement_criterion",
                    "criterion",
                    summary.criterion,
                    f"criterion {summary.criterion}: {alpha_level} alpha {alpha.value:.3f} is "
                    f"below {min_alpha:.3f}",
                )
            )
    return flags


# --- The `agreement` command's JSON ---------------------------------------------


def agreement_report(unit: Any, rater: Any, value: Any, criterion: Any = None) -> dict[str, Any]:
    """The JSON-ready object printed by ``manage.py agreement`` (DESIGN.md,
    "Interfaces"): ``krippendorff_alpha`` {nominal, ordinal, interval, ratio},
    ``icc`` {ICC1, ICC2, ICC3, ICC1k, ICC2k, ICC3k}, ``fleiss_kappa``,
    ``cohen_kappa`` {unweighted, linear, quadratic}, ``n_units``, ``n_raters``,
    ``n_ratings`` and ``notes`` {statistic: reason} for every null (alpha
    levels as ``krippendorff_alpha.<level>``). Floats are rounded to 6 places;
    there is never NaN or infinity.

    With ``criterion``, the top-level statistics treat each (unit, criterion)
    pair as one rated item (``n_units`` still counts units), and
    ``by_criterion`` holds the same object for each criterion, keyed by the
    criterion code as a string.
    """
    columns = _clean(unit, rater, value, *([] if criterion is None else [criterion]))
    unit, rater, value = columns[:3]
    n_units = int(np.unique(unit).size)
    item = _items(unit, columns[3] if criterion is not None else None)
    report = _agreement_block(item, rater, value, n_units)
    if criterion is not None:
        criteria, c = _factorize(columns[3])
        order = np.argsort(c, kind="stable")
        bounds = np.searchsorted(c[order], np.arange(criteria.size + 1))
        by_criterion = {}
        for index in range(criteria.size):
            at = order[bounds[index] : bounds[index + 1]]
            sub_units = _factorize(unit[at])[1]
            by_criterion[str(_scalar(criteria[index]))] = _agreement_block(
                sub_units, rater[at], value[at], int(sub_units.max()) + 1
            )
        report["by_criterion"] = by_criterion
    return json_ready(report)


def _agreement_block(
    item: np.ndarray, rater: np.ndarray, value: np.ndarray, n_units: int
) -> dict[str, Any]:
    raters, r = _factorize(rater)
    notes: dict[str, str] = {}
    alphas = {}
    for level in LEVELS:
        result = _alpha(item, value, level)
        alphas[level] = result.value
        if result.value is None:
            notes[f"krippendorff_alpha.{level}"] = result.reason
    statistics = {
        "icc": _icc(item, r, value) if value.size else _undefined(NO_RATINGS),
        "fleiss_kappa": _fleiss(item, value),
        "cohen_kappa": (
            cohen_kappa(item, r, value)
            if raters.size == 2
            else _undefined(
                f"Cohen's kappa compares exactly two raters; these ratings come from {raters.size}"
            )
        ),
    }
    report: dict[str, Any] = {"krippendorff_alpha": alphas}
    for name, result in statistics.items():
        report[name] = result.value
        if result.value is None:
            notes[name] = result.reason
    report.update(
        n_units=n_units, n_raters=int(raters.size), n_ratings=int(value.size), notes=notes
    )
    return report


def json_ready(data: Any, places: int = 6) -> Any:
    """``data`` with numpy scalars turned into Python ones, floats rounded to
    ``places``, tuples into lists and keys into strings; raises ValueError on
    NaN or infinity so that none can reach JSON output."""
    if isinstance(data, Mapping):
        return {str(key): json_ready(item, places) for key, item in data.items()}
    if isinstance(data, list | tuple):
        return [json_ready(item, places) for item in data]
    if isinstance(data, np.generic):
        data = data.item()
    if isinstance(data, bool) or data is None or isinstance(data, int | str):
        return data
    if isinstance(data, float):
        if not math.isfinite(data):
            raise ValueError(f"{data!r} cannot be written as JSON")
        return round(data, places) + 0.0  # + 0.0 turns -0.0 into 0.0
    raise TypeError(f"{type(data).__name__} is not JSON data")
