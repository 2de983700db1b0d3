"""Fleiss' kappa and Cohen's kappa (one pair, or every pair of raters)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from calibration.stats import limits
from calibration.stats._codes import (
    clean,
    factorize,
    item_codes,
    known_factorization,
    note_repeats,
)
from calibration.stats.statistic import (
    IDENTICAL,
    KAPPA_WEIGHTS,
    NO_RATINGS,
    SAME_SINGLE_VALUE,
    Statistic,
    number,
    undefined,
)


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
    unit, _rater, value = clean(unit, rater, value)
    return fleiss_from_codes(factorize(unit)[1], value)


def fleiss_from_codes(u: np.ndarray, v: np.ndarray) -> Statistic[float]:
    if v.size == 0:
        return undefined(NO_RATINGS)
    per_unit = np.bincount(u)
    m, n_units = int(per_unit[0]), per_unit.size
    if per_unit.min() != per_unit.max():
        return undefined(
            f"units have between {per_unit.min()} and {per_unit.max()} ratings; "
            f"Fleiss' kappa needs the same number for every unit"
        )
    if m < 2:
        return undefined("every unit has one rating; Fleiss' kappa needs at least two per unit")
    if n_units < 2:
        return undefined("Fleiss' kappa needs at least two units; these ratings are of one")
    categories, c = factorize(v)
    if categories.size < 2:
        return undefined(IDENTICAL)
    cells = u * categories.size + c
    if n_units * categories.size <= limits.LOOKUP_SLACK * cells.size + limits.LOOKUP_EXTRA:
        n_ij = np.bincount(cells)  # with zeros, which add nothing below
    else:
        _, n_ij = np.unique(cells, return_counts=True)
    p_bar = ((n_ij.astype(float) ** 2).sum() - n_units * m) / (n_units * m * (m - 1))
    p_j = np.bincount(c) / (n_units * m)
    p_e = (p_j**2).sum()
    return number((p_bar - p_e) / (1.0 - p_e))


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
    unit, rater, value, *rest = clean(
        unit, rater, value, *([] if criterion is None else [criterion])
    )
    raters, r = factorize(rater)
    if raters.size != 2:
        return undefined(
            f"Cohen's kappa compares exactly two raters; these ratings come from {raters.size}"
        )
    item = item_codes(unit, rest[0] if rest else None)
    first, second = _co_ratings(item, r)
    if first.size == 0:
        return undefined("the two raters have no unit in common")
    if np.unique(item[first]).size < 2:
        return undefined("the two raters share only one unit; kappa needs at least two")
    compared = np.concatenate([value[first], value[second]])
    cats = _categories(compared, categories)
    if isinstance(cats, str):
        return undefined(cats)
    if cats.size < 2:
        return undefined(IDENTICAL)
    ca, cb = np.searchsorted(cats, value[first]), np.searchsorted(cats, value[second])
    kappas = _pair_kappas(np.zeros(first.size, dtype=np.int64), ca, cb, 1, cats.size)
    if any(k[0] is None for k in kappas.values()):
        return undefined(SAME_SINGLE_VALUE)
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
    pairs = _pair_table(unit, rater, value, criterion, min_shared, categories)
    if pairs is None:
        return []
    raters, kept_keys, shared, kappas, reason = pairs
    return [
        RaterPairKappa(a, b, n, unweighted, linear, quadratic, None if ok else reason)
        for a, b, n, unweighted, linear, quadratic, ok in zip(
            raters[kept_keys // raters.size].tolist(),
            raters[kept_keys % raters.size].tolist(),
            shared.tolist(),
            kappas["unweighted"],
            kappas["linear"],
            kappas["quadratic"],
            [k is not None for k in kappas["unweighted"]],
            strict=True,
        )
    ]


def pairwise_kappa_summary(
    unit: Any,
    rater: Any,
    value: Any,
    criterion: Any = None,
    *,
    min_shared: int = 10,
    categories: Sequence[float] | None = None,
) -> tuple[int, list[float]]:
    """What a calibration run keeps of ``pairwise_cohen_kappa``: the number of
    pairs and their quadratic-weighted kappas (the defined ones), without an
    object per pair (200 raters make 19,900 pairs)."""
    pairs = _pair_table(unit, rater, value, criterion, min_shared, categories)
    if pairs is None:
        return 0, []
    _raters, kept_keys, _shared, kappas, _reason = pairs
    return int(kept_keys.size), [k for k in kappas["quadratic"] if k is not None]


def _pair_table(unit, rater, value, criterion, min_shared, categories):
    """The kappas of every pair of raters sharing at least ``min_shared`` items:
    (raters, the pairs' keys, their shared counts, kappas per weighting, the
    reason for undefined ones), or None when no pair qualifies."""
    unit, rater, value, *rest = clean(
        unit, rater, value, *([] if criterion is None else [criterion])
    )
    raters, r = factorize(rater)
    item = item_codes(unit, rest[0] if rest else None)
    order, first, second, _, first_rater, second_rater = _co_rating_pairs(item, r)
    if first.size == 0:
        return None
    cats = _categories(value, categories)
    # Everything per rating is put in (item, rater) order once, so that the
    # pairs read it sequentially (the raters of the pairs come from their search).
    value = value[order]
    keys = first_rater * raters.size + second_rater
    if raters.size**2 <= limits.LOOKUP_SLACK * keys.size + limits.LOOKUP_EXTRA:
        # What factorize gives, with the pairs' counts from the same table.
        counts = np.bincount(keys)
        pair_keys = np.flatnonzero(counts)
        n_shared = counts[pair_keys]
        pair_id = (np.cumsum(counts > 0) - 1)[keys]
    else:
        pair_keys, pair_id = factorize(keys)
        n_shared = np.bincount(pair_id)
    kept = n_shared >= min_shared
    if not kept.any():
        return None
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
        position = _category_positions(cats, value)  # each rating's category, once
        kappas = _pair_kappas(pair_id, position[first], position[second], n_pairs, cats.size)
    kept_keys = pair_keys[kept]
    return raters, kept_keys, n_shared[kept], kappas, no_categories or SAME_SINGLE_VALUE


def _category_positions(cats: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``np.searchsorted(cats, values)`` for values that are all among the
    sorted ``cats``; for the levels of a scale (consecutive whole numbers) a
    subtraction instead of a binary search per rating."""
    lo = cats[0]
    if np.array_equal(cats, lo + np.arange(cats.size)):
        return (values - lo).astype(np.int64)
    return np.searchsorted(cats, values)


def _categories(values: np.ndarray, categories: Sequence[float] | None) -> np.ndarray | str:
    if categories is None:
        cats = np.unique(values)
    else:
        cats = np.unique(np.asarray(categories, dtype=float))
        known = known_factorization(values)
        # (Every distinct value among the categories: every value is.)
        if known is not None and np.isin(known[0], cats).all():
            outside = None
        else:
            outside = ~np.isin(values, cats)
        if outside is not None and outside.any():
            raise ValueError(f"value {values[outside][0]!r} is not one of the categories")
    if cats.size > limits.MAX_DISTINCT_VALUES:
        return f"{cats.size} distinct values: kappa needs categories of a rating scale"
    return cats


def _co_ratings(item: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i, j) of ratings of the same item by two different raters,
    with rater[i] < rater[j]: every pair within each item, built at once."""
    order, first, second = co_rating_positions(item, r)
    return order[first], order[second]


def co_rating_positions(
    item: np.ndarray, r: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pairs of ``_co_ratings`` as (order, first, second): ``order`` sorts
    the ratings by (item, rater) and the pairs are positions in that order
    (the pair's ratings are ``order[first]`` and ``order[second]``). Up to
    ``limits.SAME_ARITHMETIC_UP_TO`` ratings, the pairs come in the order they always
    did (stable sort; by first rating, then second), so that sums over them
    are the same to the last bit; past it, in the order found fastest."""
    return _co_rating_pairs(item, r)[:3]


def _co_rating_pairs(item: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, ...]:
    """``co_rating_positions`` and, what it finds on the way, the raters in
    (item, rater) order and the raters of each pair's first and second
    rating (not gathered again by the caller)."""
    n = item.size
    empty = np.zeros(0, dtype=np.int64)
    if n < 2:
        return np.arange(n), empty, empty, r, empty, empty
    k = int(r.max()) + 1
    fast = n > limits.SAME_ARITHMETIC_UP_TO
    if fast and (int(item.max()) + 1) * k < 2**62:
        # One key in (item, rater) order. The sort need not be stable: ratings
        # that tie are one rater's ratings of one item, never paired, and a
        # pair's two ratings come in rater order either way. The stable sort
        # (timsort) is the faster one here: ratings come a scorecard at a
        # time, so the keys arrive in short ascending runs.
        key = item * k + r
        order = np.arange(n) if (key[1:] >= key[:-1]).all() else np.argsort(key, kind="stable")
    else:
        order = np.lexsort((r, item))
    sorted_items = item[order]
    same = sorted_items[1:] == sorted_items[:-1]
    starts = np.flatnonzero(np.r_[True, ~same])
    ends = np.r_[starts[1:], n]
    largest = int((ends - starts).max())
    if largest < 2:
        note_repeats(item, r, False)  # one rating per item
        return order, empty, empty, r[order], empty, empty
    if fast and largest <= limits.PAIR_OFFSETS:
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
    first_rater, second_rater = sorted_r[first], sorted_r[second]
    different = first_rater != second_rater
    # Every pair of ratings of an item is here: two by one rater, a repeat.
    note_repeats(item, r, not different.all())
    if different.all():
        return order, first, second, sorted_r, first_rater, second_rater
    return (
        order,
        first[different],
        second[different],
        sorted_r,
        first_rater[different],
        second_rater[different],
    )


def _pair_kappas(
    pair_id: np.ndarray, ca: np.ndarray, cb: np.ndarray, n_pairs: int, q: int
) -> dict[str, list[float | None]]:
    """Cohen's kappas per pair from co-ratings given as category positions:
    κ = 1 − observed / expected weighted disagreement (Cohen 1968). The pairs'
    q × q tables of counts are tabulated once (for many pairs, when the tables
    are small) and every weighting is read off them."""
    n = np.bincount(pair_id, minlength=n_pairs).astype(float)
    joint = None
    if pair_id.size > limits.SAME_ARITHMETIC_UP_TO and n_pairs * q * q <= max(
        limits.LOOKUP_SLACK * pair_id.size, limits.PACKAGE_CELL_BUDGET
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
        values = kappa.tolist()
        for i in np.flatnonzero(~np.isfinite(kappa)).tolist():
            values[i] = None
        result[name] = values
    return result
