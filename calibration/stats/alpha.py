"""Krippendorff's alpha at the nominal, ordinal, interval and ratio levels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import krippendorff
import numpy as np
from scipy import sparse

from calibration.stats import limits
from calibration.stats._codes import (
    cell_counts,
    clean,
    code_counts,
    combine,
    factorize,
    group_positions,
    marked,
)
from calibration.stats._codes import pairable as pairable_ratings
from calibration.stats.statistic import (
    IDENTICAL,
    LEVELS,
    NO_PAIRS,
    NO_RATINGS,
    ONE_UNIT,
    Level,
    Statistic,
    number,
    undefined,
)


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
    unit, _rater, value = clean(unit, rater, value)
    return _alpha(factorize(unit)[1], value, level)


def _alpha(u: np.ndarray, v: np.ndarray, level: Level) -> Statistic[float]:
    if v.size == 0:
        return undefined(NO_RATINGS)
    pairable = code_counts(u)[u] >= 2
    if not pairable.any():
        return undefined(NO_PAIRS)
    units, ui = factorize(u[pairable])
    if units.size < 2:
        return undefined(ONE_UNIT)
    domain, vi = factorize(v[pairable])
    if domain.size < 2:
        return undefined(IDENTICAL)
    if level == "ratio" and domain[0] < 0:
        return undefined("ratio alpha needs values of zero or more")
    if domain.size > limits.MAX_DISTINCT_VALUES and level != "interval":
        return undefined(
            f"{domain.size} distinct values: {level} alpha needs values on a scale "
            f"(at most {limits.MAX_DISTINCT_VALUES})"
        )
    if level == "interval" and domain.size > limits.MAX_DISTINCT_VALUES:
        return number(_interval_alpha_from_moments(ui, v[pairable]))
    counts = sparse.csr_matrix(
        (np.ones(vi.size), (ui, vi)), shape=(units.size, domain.size)
    )  # duplicates summed: number of each value in each unit
    if units.size * domain.size**2 <= limits.PACKAGE_CELL_BUDGET:
        alpha = krippendorff.alpha(
            value_counts=counts.toarray(), value_domain=domain, level_of_measurement=level
        )
    else:
        alpha = _alpha_from_value_counts(counts, domain, level)
    return number(alpha)


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


def alphas_at_levels(
    u: np.ndarray, v: np.ndarray, levels: Sequence[Level] = LEVELS
) -> dict[Level, Statistic[float]]:
    """``{level: _alpha(u, v, level)}`` for several levels at once: the
    pairable values and their coincidence matrix (Krippendorff 2011) are
    built once and every level is read off it. ``u`` are non-negative unit
    codes. Same results and reasons as ``_alpha``, level by level; small
    tables still go through the ``krippendorff`` package, to the last bit."""
    if v.size == 0:
        return {level: undefined(NO_RATINGS) for level in levels}
    per_unit = code_counts(u)
    # Marked unit codes (the compute's items): their pairable ratings are
    # found once for every statistic (``_codes.pairable``).
    shared = pairable_ratings(u, v) if marked(u) else None
    pairable = per_unit[u] >= 2 if shared is None else shared[0]
    if not pairable.any():
        return {level: undefined(NO_PAIRS) for level in levels}
    n_units = np.count_nonzero(per_unit >= 2)
    if n_units < 2:
        return {level: undefined(ONE_UNIT) for level in levels}
    if shared is not None:
        _, u, v, (domain, vi) = shared
    else:
        if not pairable.all():
            u, v = u[pairable], v[pairable]
        domain, vi = factorize(v)
    if domain.size < 2:
        return {level: undefined(IDENTICAL) for level in levels}
    results: dict[Level, Statistic[float]] = {}
    o = value_counts = None
    for level in levels:
        if level == "ratio" and domain[0] < 0:
            results[level] = undefined("ratio alpha needs values of zero or more")
        elif domain.size > limits.MAX_DISTINCT_VALUES and level != "interval":
            results[level] = undefined(
                f"{domain.size} distinct values: {level} alpha needs values on a scale "
                f"(at most {limits.MAX_DISTINCT_VALUES})"
            )
        elif domain.size > limits.MAX_DISTINCT_VALUES:
            results[level] = number(_interval_alpha_from_moments(factorize(u)[1], v))
        elif n_units * domain.size**2 <= limits.PACKAGE_EXACT_CELLS:
            if value_counts is None:  # the units × values table, as `_alpha` gives it
                cells = factorize(u)[1] * domain.size + vi
                value_counts = np.bincount(cells, minlength=n_units * domain.size)
                value_counts = value_counts.reshape(n_units, domain.size).astype(float)
            results[level] = number(
                krippendorff.alpha(
                    value_counts=value_counts, value_domain=domain, level_of_measurement=level
                )
            )
        else:
            if o is None:
                o = _coincidences(u, vi, per_unit, domain.size)
            results[level] = number(_alpha_from_coincidences(o, domain, level))
    return results


def alphas_by_group(
    group: np.ndarray, u: np.ndarray, v: np.ndarray, n_groups: int, levels: Sequence[Level]
) -> list[dict[Level, Statistic[float]]]:
    """``[alphas_at_levels(u[group == g], v[group == g], levels) for g in
    range(n_groups)]`` for dense codes ``group`` (every group rated at least
    once) and ``u``: when the groups × units × values count table is small,
    every group's coincidence matrix comes from it at once, without splitting
    the ratings by group."""
    n_units = int(u.max()) + 1 if u.size else 0
    cell = group * n_units + u
    if marked(u) and marked(group):
        # (unit, group) pairs the caller has (the compute's items): ratings per
        # cell and the pairable ratings read off them, the same numbers.
        per_cell = cell_counts(u, n_groups, group, n_units * n_groups)
        per_cell = np.ascontiguousarray(per_cell.reshape(n_units, n_groups).T).ravel()
        pairable, _, _, (domain, vi) = pairable_ratings(combine(u, n_groups, group)[1], v)
    else:
        per_cell = np.bincount(cell, minlength=n_groups * n_units)
        pairable = per_cell[cell] >= 2
        domain, vi = factorize(v[pairable]) if not pairable.all() else factorize(v)
    q = domain.size
    cells = n_groups * n_units * q
    if q > limits.DENSE_VALUES or cells > max(
        limits.LOOKUP_SLACK * v.size, limits.PACKAGE_CELL_BUDGET
    ):
        order, bounds = group_positions(group, n_groups)
        parts = [order[bounds[g] : bounds[g + 1]] for g in range(n_groups)]
        return [alphas_at_levels(u[at], v[at], levels) for at in parts]
    pairable_cell = cell[pairable] if not pairable.all() else cell
    counts = np.bincount(pairable_cell * q + vi, minlength=cells).astype(float)
    counts = counts.reshape(n_groups, n_units, q)
    per_cell = per_cell.reshape(n_groups, n_units)
    weight = np.zeros(per_cell.shape)
    np.divide(1.0, per_cell - 1.0, out=weight, where=per_cell >= 2)
    weighted = counts * weight[:, :, None]
    coincidences = weighted.transpose(0, 2, 1) @ counts  # Krippendorff's o_ck, per group
    coincidences[:, np.arange(q), np.arange(q)] -= weighted.sum(axis=1)
    # The values among each group's pairable ratings: counts are whole numbers,
    # so their sums over units are exact in any order (one product, not a
    # reduction over the middle axis).
    present = (np.ones(n_units) @ counts) > 0
    pairable_units = (per_cell >= 2).sum(axis=1)
    results = []
    for g in range(n_groups):
        keep = present[g]
        reason = None
        if pairable_units[g] == 0:
            reason = NO_PAIRS
        elif pairable_units[g] < 2:
            reason = ONE_UNIT
        elif keep.sum() < 2:
            reason = IDENTICAL
        if reason is not None:
            results.append({level: undefined(reason) for level in levels})
        elif pairable_units[g] * keep.sum() ** 2 <= limits.PACKAGE_EXACT_CELLS:
            # A small table: on its own, so that it goes through the package.
            at = group == g
            results.append(alphas_at_levels(u[at], v[at], levels))
        else:
            o = coincidences[g][np.ix_(keep, keep)]
            results.append(
                {
                    level: (
                        undefined("ratio alpha needs values of zero or more")
                        if level == "ratio" and domain[keep][0] < 0
                        else number(_alpha_from_coincidences(o, domain[keep], level))
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
    if q <= limits.DENSE_VALUES and per_unit.size * q <= max(
        limits.LOOKUP_SLACK * u.size, limits.PACKAGE_CELL_BUDGET
    ):
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
