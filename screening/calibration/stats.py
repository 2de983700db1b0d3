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
from scipy import linalg, sparse
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
# `_factorize` counts integer codes through a lookup table (instead of sorting
# them) when their range is at most this many times their number, plus this.
_LOOKUP_SLACK = 4
_LOOKUP_EXTRA = 1024
# Up to this many units × values² cells, alphas come from the krippendorff
# package itself (as ever: the same results to the last bit); past it, from one
# coincidence matrix per table (the same formula, in a different order of
# floating-point operations).
_PACKAGE_EXACT_CELLS = 250_000
# Coincidence matrices of up to this many values are counted on a dense
# units × values table (when it is small); beyond it, on a sparse one.
_DENSE_VALUES = 64
# Least-squares systems with this many parameters or more (and past
# _SAME_ARITHMETIC_UP_TO ratings) are solved through a Cholesky factorisation
# when their null space is the expected one.
_CHOLESKY_FROM = 256
# Up to this many ratings (or pairs of ratings), kappas and least-squares fits
# add up the same numbers in the same order as they always did, so that they
# give the same results to the last bit; past it, they take faster routes to
# the same quantities (which differ only in rounding).
_SAME_ARITHMETIC_UP_TO = 100_000
# Items with at most this many ratings have their pairs found offset by offset.
_PAIR_OFFSETS = 16

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
    arrays[value_at] = np.asarray(arrays[value_at], dtype=float)  # no copy if float already
    keep = np.isfinite(arrays[value_at])
    if not keep.all():
        arrays = [a[keep] for a in arrays]
    return arrays


def _factorize(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct codes in sorted order, index of each element into them).

    Integer codes (or integral floats) in a range not much wider than their
    number, such as database ids or codes already made dense, are counted
    through a lookup table in O(n) instead of being sorted. The index may be
    ``codes`` itself: callers treat both results as read-only."""
    codes = np.asarray(codes)
    kind = codes.dtype.kind
    if codes.size and kind in "iuf":
        lo, hi = codes.min(), codes.max()
        budget = _LOOKUP_SLACK * codes.size + _LOOKUP_EXTRA
        if kind == "f":
            span = float(hi) - float(lo)  # NaN or infinite: not compact
            compact = span <= budget and np.array_equal(codes, np.rint(codes))
        else:
            span = int(hi) - int(lo)
            compact = span <= budget
        if compact:
            if codes.dtype == np.int64 and lo == 0:
                offset = codes  # dense codes already: returned as they are
            elif kind == "i":
                offset = codes.astype(np.int64) - np.int64(lo)
            else:
                offset = (codes - lo).astype(np.int64)
            present = np.zeros(int(span) + 1, dtype=bool)
            present[offset] = True
            used = np.flatnonzero(present)
            # When every code of the range is used, the offsets are the index.
            index = offset if used.size == present.size else (np.cumsum(present) - 1)[offset]
            if kind == "f":
                distinct = used.astype(codes.dtype) + lo
            else:
                wide = np.uint64 if kind == "u" else np.int64
                distinct = (used.astype(wide) + lo).astype(codes.dtype)
            return distinct, index
    distinct, index = np.unique(codes, return_inverse=True)
    return distinct, index.reshape(-1).astype(np.int64)


def _items(unit: np.ndarray, criterion: np.ndarray | None) -> np.ndarray:
    """Dense codes of what is rated: the unit, or the (unit, criterion) pair."""
    _, u = _factorize(unit)
    if criterion is None:
        return u
    codes, c = _factorize(criterion)
    return _factorize(u * len(codes) + c)[1]


def _groups(codes: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(order, bounds): ``order[bounds[i]:bounds[i + 1]]`` are the positions
    of code i among the dense codes 0..k-1, in their original order."""
    if k <= np.iinfo(np.int16).max:
        codes = codes.astype(np.int16)  # a stable sort of 16-bit keys is a radix sort
    order = np.argsort(codes, kind="stable")
    bounds = np.zeros(k + 1, dtype=np.int64)
    np.cumsum(np.bincount(codes, minlength=k), out=bounds[1:])
    return order, bounds


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
    return _alpha_from_coincidences(o, domain, level)


def _alpha_from_coincidences(o: np.ndarray, domain: np.ndarray, level: Level) -> float:
    """α = 1 − D_o / D_e from the values × values coincidence matrix o_ck
    (Krippendorff 2011): n_c = Σ_k o_ck, e_ck = (n_c n_k − [c = k] n_c) / (n − 1)."""
    n_v = o.sum(axis=0)
    n = n_v.sum()
    e = (np.outer(n_v, n_v) - np.diag(n_v)) / (n - 1.0)
    d = _difference(domain, n_v, level)
    with np.errstate(divide="ignore", invalid="ignore"):
        return 1.0 - (o * d).sum() / (e * d).sum()


def _alphas(
    u: np.ndarray, v: np.ndarray, levels: Sequence[Level] = LEVELS
) -> dict[Level, Statistic[float]]:
    """``{level: _alpha(u, v, level)}`` for several levels at once: the
    pairable values and their coincidence matrix (Krippendorff 2011) are
    built once and every level is read off it. ``u`` are non-negative unit
    codes. Same results and reasons as ``_alpha``, level by level; small
    tables still go through the ``krippendorff`` package, to the last bit."""
    if v.size == 0:
        return {level: _undefined(NO_RATINGS) for level in levels}
    per_unit = np.bincount(u)
    pairable = per_unit[u] >= 2
    if not pairable.any():
        return {level: _undefined(NO_PAIRS) for level in levels}
    n_units = np.count_nonzero(per_unit >= 2)
    if n_units < 2:
        return {level: _undefined(ONE_UNIT) for level in levels}
    if not pairable.all():
        u, v = u[pairable], v[pairable]
    domain, vi = _factorize(v)
    if domain.size < 2:
        return {level: _undefined(IDENTICAL) for level in levels}
    results: dict[Level, Statistic[float]] = {}
    o = value_counts = None
    for level in levels:
        if level == "ratio" and domain[0] < 0:
            results[level] = _undefined("ratio alpha needs values of zero or more")
        elif domain.size > MAX_DISTINCT_VALUES and level != "interval":
            results[level] = _undefined(
                f"{domain.size} distinct values: {level} alpha needs values on a scale "
                f"(at most {MAX_DISTINCT_VALUES})"
            )
        elif domain.size > MAX_DISTINCT_VALUES:
            results[level] = _number(_interval_alpha_from_moments(_factorize(u)[1], v))
        elif n_units * domain.size**2 <= _PACKAGE_EXACT_CELLS:
            if value_counts is None:  # the units × values table, as `_alpha` gives it
                cells = _factorize(u)[1] * domain.size + vi
                value_counts = np.bincount(cells, minlength=n_units * domain.size)
                value_counts = value_counts.reshape(n_units, domain.size).astype(float)
            results[level] = _number(
                krippendorff.alpha(
                    value_counts=value_counts, value_domain=domain, level_of_measurement=level
                )
            )
        else:
            if o is None:
                o = _coincidences(u, vi, per_unit, domain.size)
            results[level] = _number(_alpha_from_coincidences(o, domain, level))
    return results


def _alphas_by_group(
    group: np.ndarray, u: np.ndarray, v: np.ndarray, n_groups: int, levels: Sequence[Level]
) -> list[dict[Level, Statistic[float]]]:
    """``[_alphas(u[group == g], v[group == g], levels) for g in range(n_groups)]``
    for dense codes ``group`` and ``u``: when the groups × units × values
    count table is small, every group's coincidence matrix comes from it at
    once, without splitting the ratings by group."""
    n_units = int(u.max()) + 1 if u.size else 0
    cell = group * n_units + u
    per_cell = np.bincount(cell, minlength=n_groups * n_units)
    pairable = per_cell[cell] >= 2
    domain, vi = _factorize(v[pairable]) if not pairable.all() else _factorize(v)
    q = domain.size
    cells = n_groups * n_units * q
    if q > _DENSE_VALUES or cells > max(_LOOKUP_SLACK * v.size, PACKAGE_CELL_BUDGET):
        order, bounds = _groups(group, n_groups)
        parts = [order[bounds[g] : bounds[g + 1]] for g in range(n_groups)]
        return [_alphas(u[at], v[at], levels) for at in parts]
    pairable_cell = cell[pairable] if not pairable.all() else cell
    counts = np.bincount(pairable_cell * q + vi, minlength=cells).astype(float)
    counts = counts.reshape(n_groups, n_units, q)
    per_cell = per_cell.reshape(n_groups, n_units)
    weight = np.zeros(per_cell.shape)
    np.divide(1.0, per_cell - 1.0, out=weight, where=per_cell >= 2)
    weighted = counts * weight[:, :, None]
    coincidences = weighted.transpose(0, 2, 1) @ counts  # Krippendorff's o_ck, per group
    coincidences[:, np.arange(q), np.arange(q)] -= weighted.sum(axis=1)
    present = counts.sum(axis=1) > 0  # the values among each group's pairable ratings
    pairable_units = (per_cell >= 2).sum(axis=1)
    n_ratings = np.bincount(group, minlength=n_groups)
    results = []
    for g in range(n_groups):
        keep = present[g]
        reason = None
        if n_ratings[g] == 0:
            reason = NO_RATINGS
        elif pairable_units[g] == 0:
            reason = NO_PAIRS
        elif pairable_units[g] < 2:
            reason = ONE_UNIT
        elif keep.sum() < 2:
            reason = IDENTICAL
        if reason is not None:
            results.append({level: _undefined(reason) for level in levels})
        elif pairable_units[g] * keep.sum() ** 2 <= _PACKAGE_EXACT_CELLS:
            # A small table: on its own, so that it goes through the package.
            at = group == g
            results.append(_alphas(u[at], v[at], levels))
        else:
            o = coincidences[g][np.ix_(keep, keep)]
            results.append(
                {
                    level: (
                        _undefined("ratio alpha needs values of zero or more")
                        if level == "ratio" and domain[keep][0] < 0
                        else _number(_alpha_from_coincidences(o, domain[keep], level))
                    )
                    for level in levels
                }
            )
    return results


def _coincidences(u: np.ndarray, vi: np.ndarray, per_unit: np.ndarray, q: int) -> np.ndarray:
    """Krippendorff (2011)'s coincidence matrix o_ck = Σ_u n_uc (n_uk − [c = k])
    / (m_u − 1) of pairable ratings (unit codes ``u``, value positions ``vi``
    among ``q``; ``per_unit`` = m_u, at least 2 for every unit present), from
    the units × values count table: dense when it is small, sparse otherwise."""
    weight = np.zeros(per_unit.size)
    pairable = per_unit >= 2
    weight[pairable] = 1.0 / (per_unit[pairable] - 1.0)
    if q <= _DENSE_VALUES and per_unit.size * q <= max(_LOOKUP_SLACK * u.size, PACKAGE_CELL_BUDGET):
        counts = np.bincount(u * q + vi, minlength=per_unit.size * q).astype(float)
        counts = counts.reshape(per_unit.size, q)
        weighted = counts * weight[:, None]
        return counts.T @ weighted - np.diag(weighted.sum(axis=0))
    counts = sparse.csr_matrix((np.ones(vi.size), (u, vi)), shape=(per_unit.size, q))
    weighted = sparse.diags(weight) @ counts
    return (counts.T @ weighted).toarray() - np.diag(np.asarray(weighted.sum(axis=0)).ravel())


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
    # Cheap checks first: more ratings than cells means a repeat; a sort finds one.
    if cells.size > n * k or _has_duplicates(cells):
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


def _count_table(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int) -> sparse.csr_matrix:
    """How often each (row, col) pair occurs, as a canonical CSR matrix
    (sorted indices, no duplicates), counted by sorting the pairs' keys."""
    key = rows * n_cols + cols
    if n_rows * n_cols <= 2 * key.size:
        counts = np.bincount(key, minlength=n_rows * n_cols)
        cells = np.flatnonzero(counts)
        data = counts[cells]
    else:
        # Sorted (as 32-bit keys when they fit, which sorts faster).
        key = np.sort(key.astype(np.uint32) if n_rows * n_cols <= 2**32 else key)
        first = np.ones(key.size, dtype=bool)
        np.not_equal(key[1:], key[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        cells = key[starts].astype(np.int64)
        data = np.diff(np.append(starts, key.size))
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(cells // n_cols, minlength=n_rows), out=indptr[1:])
    return sparse.csr_matrix((data.astype(float), cells % n_cols, indptr), shape=(n_rows, n_cols))


def _dense(x: Any) -> np.ndarray:
    return x.toarray() if sparse.issparse(x) else np.asarray(x)


def _has_duplicates(codes: np.ndarray) -> bool:
    ordered = np.sort(codes)
    return bool((ordered[1:] == ordered[:-1]).any())


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
    cells = u * categories.size + c
    if n_units * categories.size <= _LOOKUP_SLACK * cells.size + _LOOKUP_EXTRA:
        n_ij = np.bincount(cells)  # with zeros, which add nothing below
    else:
        _, n_ij = np.unique(cells, return_counts=True)
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
    order, first, second = _co_rating_positions(item, r)
    if first.size == 0:
        return []
    cats = _categories(value, categories)
    # Everything per rating is put in (item, rater) order once, so that the
    # pairs read it sequentially.
    r, value = r[order], value[order]
    pair_keys, pair_id = _factorize(r[first] * raters.size + r[second])
    n_shared = np.bincount(pair_id)
    kept = n_shared >= min_shared
    if not kept.any():
        return []
    n_pairs = int(kept.sum())
    if n_pairs < kept.size:
        new_id = np.cumsum(kept) - 1
        mask = kept[pair_id]
        first, second, pair_id = first[mask], second[mask], new_id[pair_id[mask]]
    no_categories = None
    if isinstance(cats, str):
        no_categories = cats
    elif cats.size < 2:
        no_categories = IDENTICAL
    if no_categories is not None:
        kappas = {name: [None] * n_pairs for name in KAPPA_WEIGHTS}
    else:
        position = np.searchsorted(cats, value)  # each rating's category, once
        kappas = _pair_kappas(pair_id, position[first], position[second], n_pairs, cats.size)
    kept_keys = pair_keys[kept]
    undefined = no_categories or SAME_SINGLE_VALUE
    return [
        RaterPairKappa(a, b, shared, unweighted, linear, quadratic, None if ok else undefined)
        for a, b, shared, unweighted, linear, quadratic, ok in zip(
            raters[kept_keys // raters.size].tolist(),
            raters[kept_keys % raters.size].tolist(),
            n_shared[kept].tolist(),
            kappas["unweighted"],
            kappas["linear"],
            kappas["quadratic"],
            [k is not None for k in kappas["unweighted"]],
            strict=True,
        )
    ]


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
    order, first, second = _co_rating_positions(item, r)
    return order[first], order[second]


def _co_rating_positions(
    item: np.ndarray, r: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pairs of ``_co_ratings`` as (order, first, second): ``order`` sorts
    the ratings by (item, rater) and the pairs are positions in that order
    (the pair's ratings are ``order[first]`` and ``order[second]``). Up to
    ``_SAME_ARITHMETIC_UP_TO`` ratings, the pairs come in the order they always
    did (stable sort; by first rating, then second), so that sums over them
    are the same to the last bit; past it, in the order found fastest."""
    n = item.size
    empty = np.zeros(0, dtype=np.int64)
    if n < 2:
        return np.arange(n), empty, empty
    k = int(r.max()) + 1
    fast = n > _SAME_ARITHMETIC_UP_TO
    if fast and (int(item.max()) + 1) * k < 2**62:
        # One key in (item, rater) order. The sort need not be stable: ratings
        # that tie are one rater's ratings of one item, never paired, and a
        # pair's two ratings come in rater order either way.
        key = item * k + r
        order = np.arange(n) if (key[1:] >= key[:-1]).all() else np.argsort(key)
    else:
        order = np.lexsort((r, item))
    sorted_items = item[order]
    same = sorted_items[1:] == sorted_items[:-1]
    starts = np.flatnonzero(np.r_[True, ~same])
    ends = np.r_[starts[1:], n]
    largest = int((ends - starts).max())
    if largest < 2:
        return order, empty, empty
    if fast and largest <= _PAIR_OFFSETS:
        # Few ratings per item: the pairs d places apart in sorted order, for
        # each d, are found by comparing the sorted items with themselves.
        firsts = [np.flatnonzero(same)]
        for d in range(2, largest):
            firsts.append(np.flatnonzero(sorted_items[:-d] == sorted_items[d:]))
        first = np.concatenate(firsts)
        second = first + np.repeat(np.arange(1, largest), [f.size for f in firsts])
    else:
        group_end = np.repeat(ends, ends - starts)
        position = np.arange(n)
        partners = group_end - position - 1  # later ratings of the same item
        first = np.repeat(position, partners)
        offsets = np.arange(first.size) - np.repeat(np.cumsum(partners) - partners, partners)
        second = first + 1 + offsets
    sorted_r = r[order]
    different = sorted_r[first] != sorted_r[second]
    if different.all():
        return order, first, second
    return order, first[different], second[different]


def _pair_kappas(
    pair_id: np.ndarray, ca: np.ndarray, cb: np.ndarray, n_pairs: int, q: int
) -> dict[str, list[float | None]]:
    """Cohen's kappas per pair from co-ratings given as category positions:
    κ = 1 − observed / expected weighted disagreement (Cohen 1968). The pairs'
    q × q tables of counts are tabulated once (for many pairs, when the tables
    are small) and every weighting is read off them."""
    n = np.bincount(pair_id, minlength=n_pairs).astype(float)
    joint = None
    if pair_id.size > _SAME_ARITHMETIC_UP_TO and n_pairs * q * q <= max(
        _LOOKUP_SLACK * pair_id.size, PACKAGE_CELL_BUDGET
    ):
        joint = np.bincount((pair_id * q + ca) * q + cb, minlength=n_pairs * q * q)
        joint = joint.reshape(n_pairs, q, q)
        fa = joint.sum(axis=2) / n[:, None]
        fb = joint.sum(axis=1) / n[:, None]
        joint = joint.reshape(n_pairs, q * q).astype(float)
    else:
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
        if joint is None:
            observed = np.bincount(pair_id, weights=w[ca, cb], minlength=n_pairs) / n
        else:
            observed = (joint @ w.reshape(-1)) / n
        expected = ((fa @ w) * fb).sum(axis=1)
        # Expected disagreement is 0 only when both raters use one same value.
        ok = expected > 1e-12
        kappa = np.where(ok, 1.0 - observed / np.where(ok, expected, 1.0), np.nan)
        result[name] = [k if math.isfinite(k) else None for k in kappa.tolist()]
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


def fit_rater_effects(
    unit: Any,
    rater: Any,
    value: Any,
    criterion: Any = None,
    *,
    unit_standard_errors: bool = True,
) -> RaterEffects:
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
    in different groups are not comparable (noted in ``notes``). With
    ``unit_standard_errors=False`` the units' ``adjusted_score_se`` is left
    None, which saves a units × parameters product.
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
    fit = _fit_additive(
        u,
        r,
        c,
        value,
        units.size,
        raters.size,
        criteria.size,
        unit_variance=unit_standard_errors,
    )
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
    *,
    unit_variance: bool = True,
) -> _AdditiveFit:
    """Least squares for y = unit + rater + criterion (see ``fit_rater_effects``).

    With A the unit indicators (N × U, absorbed) and Z = [raters | criteria]
    (N × P), the reduced normal equations are (ZᵀZ − ZᵀA D⁻¹ AᵀZ) θ =
    Zᵀy − ZᵀA ȳ_unit, where D = diag(ratings per unit). H = AᵀZ (U × P) is a
    sparse count table, so the P × P system costs O(ratings). Without
    ``unit_variance`` the variances of the unit levels are not computed.

    Up to ``_SAME_ARITHMETIC_UP_TO`` ratings H is one sparse matrix, as it
    always was (the same floating-point operations, the same results to the
    last bit). Past it, H = [S | T] is handled block by block: S (ratings of
    each unit by each rater) sparse, T (on each criterion) dense when small,
    and large systems go through ``_pinv_with_null_space``."""
    n = y.size
    n_params = n_raters + (n_criteria if c is not None else 0)
    same_arithmetic = n <= _SAME_ARITHMETIC_UP_TO
    per_unit = np.bincount(u, minlength=n_units).astype(float)
    unit_mean = np.bincount(u, y, minlength=n_units) / per_unit
    inverse_count = sparse.diags(1.0 / per_unit)
    ztz = np.zeros((n_params, n_params))
    diagonal = np.arange(n_params)
    ztz[diagonal[:n_raters], diagonal[:n_raters]] = np.bincount(r, minlength=n_raters)
    zty = [np.bincount(r, y, minlength=n_raters)]
    if c is not None:
        ztz[diagonal[n_raters:], diagonal[n_raters:]] = np.bincount(c, minlength=n_criteria)
        cross = np.bincount(r * n_criteria + c, minlength=n_raters * n_criteria)
        cross = cross.reshape(n_raters, n_criteria)
        ztz[:n_raters, n_raters:] = cross
        ztz[n_raters:, :n_raters] = cross.T
        zty.append(np.bincount(c, y, minlength=n_criteria))
    zty = np.concatenate(zty)
    h_mean = t_mean = None
    if same_arithmetic:
        columns = [r] if c is None else [r, n_raters + c]
        h = sparse.csr_matrix(
            (np.ones(n * len(columns)), (np.tile(u, len(columns)), np.concatenate(columns))),
            shape=(n_units, n_params),
        )
        h_mean = inverse_count @ h  # each unit's mean indicator row
        reduced = ztz - (h.T @ h_mean).toarray()
        rhs = zty - h.T @ unit_mean
        links = (r, u)
    else:
        s = _count_table(u, r, n_units, n_raters)
        s_mean = inverse_count @ s
        products = [[_dense(s.T @ s_mean)]]
        rhs = [s.T @ unit_mean]
        if c is not None:
            cells = n_units * n_criteria
            if cells <= max(_LOOKUP_SLACK * n, PACKAGE_CELL_BUDGET):
                t = np.bincount(u * n_criteria + c, minlength=cells).astype(float)
                t = t.reshape(n_units, n_criteria)
                t_mean = t * (1.0 / per_unit)[:, None]
            else:
                t = _count_table(u, c, n_units, n_criteria)
                t_mean = inverse_count @ t
            products[0].append(_dense(s.T @ t_mean))
            products.append([_dense(t.T @ s_mean), _dense(t.T @ t_mean)])
            rhs.append(t.T @ unit_mean)
        reduced = ztz - np.block(products)
        rhs = zty - np.concatenate(rhs)
        links = (s.indices, np.repeat(np.arange(n_units), np.diff(s.indptr)))
    reduced = (reduced + reduced.T) / 2.0
    # Groups of raters linked through shared units (bipartite components).
    graph = sparse.csr_matrix(
        (np.ones(links[0].size), (links[0], n_raters + links[1])),
        shape=(n_raters + n_units, n_raters + n_units),
    )
    _, labels = csgraph.connected_components(graph, directed=False)
    group_codes, rater_group = np.unique(labels[:n_raters], return_inverse=True)
    rater_group = rater_group.reshape(-1)
    solved = None
    if n_params >= _CHOLESKY_FROM and not same_arithmetic:
        # The model's null space: each group's raters all up by the same
        # amount (its units down by it), and all criteria up together.
        null = np.zeros((n_params, group_codes.size + (c is not None)))
        null[np.arange(n_raters), rater_group] = 1.0
        if c is not None:
            null[n_raters:, -1] = 1.0
        solved = _pinv_with_null_space(reduced, null, rhs, unit_variance)
    if solved is None:
        solved = _pinv_by_eigh(reduced, rhs, unit_variance)
    effects, effect_pinv_diag, pseudo_inverse, rank = solved
    if h_mean is None:
        h_mean = s_mean
        if t_mean is not None:
            unit_level = unit_mean - (s_mean @ effects[:n_raters] + t_mean @ effects[n_raters:])
            if unit_variance:
                h_mean = sparse.hstack([s_mean, sparse.csr_matrix(t_mean)], format="csr")
        else:
            unit_level = unit_mean - s_mean @ effects
    else:
        unit_level = unit_mean - h_mean @ effects
    fitted = unit_level[u] + effects[r]
    if c is not None:
        fitted += effects[n_raters + c]
    residuals = y - fitted
    df = int(n - n_units - rank)
    residual_var = float(residuals @ residuals) / df if df > 0 else None
    # Var(adjusted score) = σ² (1 / n_u + h_u (ZᵀMZ)⁺ h_uᵀ): the unit mean and
    # the within-unit estimates are uncorrelated because AᵀM = 0.
    unit_level_var = None
    effect_var = None
    if residual_var is not None:
        effect_var = residual_var * effect_pinv_diag
    if residual_var is not None and unit_variance:
        quadratic = np.empty(n_units)
        for start in range(0, n_units, _UNIT_CHUNK):
            rows = h_mean[start : start + _UNIT_CHUNK]
            quadratic[start : start + _UNIT_CHUNK] = np.asarray(
                rows.multiply(rows @ pseudo_inverse).sum(axis=1)
            ).ravel()
        unit_level_var = residual_var * (1.0 / per_unit + quadratic)
    return _AdditiveFit(
        effects=effects,
        effect_var=effect_var,
        unit_level=unit_level,
        unit_level_var=unit_level_var,
        residual_var=residual_var,
        df_residual=max(df, 0),
        rater_group=rater_group,
        group_sizes=np.bincount(rater_group, minlength=group_codes.size),
    )


def _pinv_by_eigh(
    a: np.ndarray, rhs: np.ndarray, full: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, int]:
    """(A⁺ rhs, diag A⁺, A⁺ if ``full``, rank) for a symmetric positive
    semi-definite A, by its eigendecomposition: eigenvalues up to
    max(λ_max, 1) · P · 1e-10 count as zero."""
    eigenvalues, eigenvectors = np.linalg.eigh(a)
    tolerance = max(eigenvalues.max(initial=0.0), 1.0) * a.shape[0] * 1e-10
    kept = eigenvalues > tolerance
    basis = eigenvectors[:, kept]
    pseudo_inverse = (basis / eigenvalues[kept]) @ basis.T
    diagonal = np.diag(pseudo_inverse).copy()
    return pseudo_inverse @ rhs, diagonal, pseudo_inverse if full else None, int(kept.sum())


def _pinv_with_null_space(
    a: np.ndarray, null: np.ndarray, rhs: np.ndarray, full: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, int] | None:
    """What ``_pinv_by_eigh`` gives, through a Cholesky factorisation, when
    the columns of ``null`` (disjoint 0/1 indicators) span A's null space;
    None when that cannot be certified, and the caller uses the
    eigendecomposition.

    With Q the normalised null vectors and σ ≥ λ_max(A) (Gershgorin's bound),
    B = A + σQQᵀ is positive definite and A⁺ = B⁻¹ − QQᵀ/σ. Certified: AQ = 0
    to rounding, and λ_min(B) ≥ 1 / trace(B⁻¹) exceeds the eigenvalue
    tolerance computed with σ in place of λ_max, so every other eigenvalue of
    A is one that the eigendecomposition would keep too."""
    p = a.shape[0]
    sigma = max(float(np.abs(a).sum(axis=1).max()), 1.0)
    tolerance = sigma * p * 1e-10
    q = null / np.sqrt(null.sum(axis=0))
    if np.abs(a @ q).max(initial=0.0) > 1e-9 * sigma:
        return None
    b = a + sigma * (q @ q.T)
    try:
        lower = linalg.cholesky(b, lower=True, check_finite=False)
    except linalg.LinAlgError:
        return None
    inverse_lower, info = linalg.lapack.dtrtri(lower, lower=1)
    if info != 0:
        return None
    b_inverse_diag = (inverse_lower * inverse_lower).sum(axis=0)
    if not 1.0 / b_inverse_diag.sum() > tolerance:
        return None
    q_diag = (q * q).sum(axis=1) / sigma
    effects = inverse_lower.T @ (inverse_lower @ rhs) - q @ (q.T @ rhs) / sigma
    pseudo_inverse = None
    if full:
        pseudo_inverse = inverse_lower.T @ inverse_lower - (q @ q.T) / sigma
    return effects, b_inverse_diag - q_diag, pseudo_inverse, p - q.shape[1]


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
        unit_variance=False,
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
    n_units, n_criteria = units.size, criteria.size
    total_n = np.bincount(u, minlength=n_units).astype(float)
    total_sum = np.bincount(u, value, minlength=n_units)
    # Every criterion at once: its ratings of each unit and their sum.
    cell = c * n_units + u
    own_n = np.bincount(cell, minlength=n_criteria * n_units).reshape(n_criteria, n_units)
    own_n = own_n.astype(float)
    own_sum = np.bincount(cell, value, minlength=n_criteria * n_units)
    own_sum = own_sum.reshape(n_criteria, n_units)
    alphas = _alphas_by_group(c, u, value, n_criteria, ("interval", "ordinal"))
    n_ratings = np.bincount(c, minlength=n_criteria)
    if value.size <= _SAME_ARITHMETIC_UP_TO:
        # numpy's mean and SD of each criterion's ratings, as they always were.
        order, bounds = _groups(c, n_criteria)
        by_criterion = value[order]
        parts = [by_criterion[bounds[i] : bounds[i + 1]] for i in range(n_criteria)]
        means = [float(part.mean()) for part in parts]
        sds = [float(part.std(ddof=1)) if part.size >= 2 else None for part in parts]
    else:
        # The same two passes for every criterion at once (rounded differently).
        mean = np.bincount(c, value, minlength=n_criteria) / n_ratings
        squares = np.bincount(c, (value - mean[c]) ** 2, minlength=n_criteria)
        means = mean.tolist()
        sds = [
            math.sqrt(ss / (count - 1)) if count >= 2 else None
            for ss, count in zip(squares.tolist(), n_ratings.tolist(), strict=True)
        ]
    rows = []
    for index in range(n_criteria):
        rows.append(
            CriterionSummary(
                criterion=_scalar(criteria[index]),
                n_ratings=int(n_ratings[index]),
                n_units=int((own_n[index] > 0).sum()),
                mean=means[index],
                sd=sds[index],
                alpha_interval=alphas[index]["interval"],
                alpha_ordinal=alphas[index]["ordinal"],
                discrimination=_item_rest(
                    own_n[index], own_sum[index], total_n, total_sum, n_criteria
                ),
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


def agreement_report(
    unit: Any, rater: Any, value: Any, criterion: Any = None, *, by_criterion: bool = True
) -> dict[str, Any]:
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
    criterion code as a string (left out with ``by_criterion=False``).
    """
    columns = _clean(unit, rater, value, *([] if criterion is None else [criterion]))
    unit, rater, value = columns[:3]
    units, u = _factorize(unit)
    n_units = int(units.size)
    if criterion is None:
        item = u
    else:
        criteria, c = _factorize(columns[3])
        item = _factorize(u * criteria.size + c)[1]
    report = _agreement_block(item, rater, value, n_units)
    if criterion is not None and by_criterion:
        order, bounds = _groups(c, criteria.size)
        blocks = {}
        for index in range(criteria.size):
            at = order[bounds[index] : bounds[index + 1]]
            sub_units = _factorize(unit[at])[1]
            blocks[str(_scalar(criteria[index]))] = _agreement_block(
                sub_units, rater[at], value[at], int(sub_units.max()) + 1
            )
        report["by_criterion"] = blocks
    return json_ready(report)


def _agreement_block(
    item: np.ndarray, rater: np.ndarray, value: np.ndarray, n_units: int
) -> dict[str, Any]:
    raters, r = _factorize(rater)
    notes: dict[str, str] = {}
    alphas = {}
    for level, result in _alphas(item, value, LEVELS).items():
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
