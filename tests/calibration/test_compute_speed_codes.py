"""The compute's shortcuts give the figures of the plain routes, to the last
bit: codes marked dense are their own factorization, pairs of marked codes
are factorized once for every statistic, and adjusted scores are rounded
with numpy where that is Python's ``round``."""

import math
from dataclasses import asdict

import numpy as np
import pytest

from calibration import compute
from calibration.compute import compute_calibration, rounded
from calibration.data import Ratings
from calibration.stats import _codes, limits
from calibration.stats._codes import combine, dense_codes, factorize
from rubrics.models import Criterion


def ratings(seed, *, n_units=90, n_raters=9, n_criteria=4, per_unit=3, missing=0.2):
    """Each unit scored by ``per_unit`` raters, some bonus cells unscored,
    over about four months (so that drift is fitted); ids are not codes."""
    rng = np.random.default_rng(seed)
    rows = []
    for unit in range(n_units):
        for rater in rng.choice(n_raters, size=per_unit, replace=False):
            for criterion in range(n_criteria):
                if criterion < 2 or rng.random() >= missing:
                    rows.append((unit, rater, criterion))
    unit, rater, criterion = (np.array(col, dtype=np.int64) for col in zip(*rows, strict=True))
    quality = rng.normal(2.5, 0.7, n_units)
    severity = rng.normal(0.0, 0.5, n_raters)
    value = np.clip(np.rint(quality[unit] + severity[rater] + rng.normal(0, 0.6, unit.size)), 1, 4)
    card_keys, card = np.unique(unit * n_raters + rater, return_inverse=True)
    return Ratings(
        application=unit * 3 + 101,
        reviewer=rater * 7 + 5,
        criterion=criterion + 11,
        value=value,
        scorecard=card + 1,
        scorecard_ids=np.arange(1, card_keys.size + 1),
        scorecard_application=(card_keys // n_raters) * 3 + 101,
        scorecard_submitted=1.7e9 + rng.uniform(0, 120 * 86400.0, card_keys.size),
    )


def criteria(n=4):
    return [Criterion(pk=11 + i, weight=[40, 30, 20, 10][i % 4]) for i in range(n)]


def plain(monkeypatch):
    """The compute without the shortcuts: nothing marked dense, no values
    factorized ahead, every score rounded by ``round``."""
    monkeypatch.setattr(compute, "dense_codes", lambda codes, k: codes)
    monkeypatch.setattr(compute, "factorized_values", lambda values: values)
    monkeypatch.setattr(
        compute, "rounded", lambda values, places: [round(v, places) for v in values.tolist()]
    )


def same(x, y):
    """Equal to the last bit, NaN equal to NaN, types included."""
    assert type(x) is type(y)
    if isinstance(x, dict):
        assert list(x) == list(y)
        for key in x:
            same(x[key], y[key])
    elif isinstance(x, list | tuple):
        assert len(x) == len(y)
        for a, b in zip(x, y, strict=True):
            same(a, b)
    elif isinstance(x, float) and math.isnan(x):
        assert math.isnan(y)
    else:
        assert x == y


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("large_paths", [False, True])
def test_the_compute_with_shortcuts_gives_the_plain_computes_figures(
    seed, large_paths, monkeypatch
):
    if large_paths:  # the routes a million ratings take, on small data
        monkeypatch.setattr(limits, "SAME_ARITHMETIC_UP_TO", 50)
        monkeypatch.setattr(limits, "CHOLESKY_FROM", 8)
    data = ratings(seed)
    marks_before = set(_codes._DENSE), set(_codes._VALUES)
    fast = compute_calibration(ratings=data, criteria=criteria(), scale_max=4)
    # The marks (and what they keep) go with the compute.
    assert set(_codes._DENSE) <= marks_before[0] and set(_codes._VALUES) <= marks_before[1]
    with monkeypatch.context() as m:
        plain(m)
        slow = compute_calibration(ratings=data, criteria=criteria(), scale_max=4)

    assert fast.reviewers and fast.adjusted_scores and fast.groups
    assert any(row.drift is not None for row in fast.reviewers)
    same(asdict(fast), asdict(slow))


def test_a_marked_array_is_its_own_factorization_and_read_only():
    codes = np.array([2, 0, 1, 1, 2, 0], dtype=np.int64)
    marked = dense_codes(codes, 3)

    distinct, index = factorize(marked)

    assert index is marked
    assert distinct.dtype == np.int64 and distinct.tolist() == [0, 1, 2]
    assert [a.tolist() for a in factorize(codes.copy())] == [[0, 1, 2], index.tolist()]
    with pytest.raises(ValueError):
        marked[0] = 1


def test_only_int64_codes_are_marked():
    codes = np.array([1, 0, 1], dtype=np.int32)

    assert dense_codes(codes, 2) is codes
    distinct, index = factorize(codes)
    assert distinct.dtype == np.int32 and index.dtype == np.int64


def test_a_dead_arrays_mark_is_forgotten():
    marked = dense_codes(np.arange(5, dtype=np.int64), 5)
    key = id(marked)
    assert key in _codes._DENSE

    del marked

    assert key not in _codes._DENSE


@pytest.mark.parametrize("seed", range(5))
def test_combine_is_the_factorization_of_the_pairs(seed):
    rng = np.random.default_rng(seed)
    n_a, n_b = 40, 7
    a = rng.permutation(np.r_[np.arange(n_a), rng.integers(0, n_a, 300)])
    b = rng.permutation(np.r_[np.arange(n_b), rng.integers(0, n_b, a.size - n_b)])
    expected = factorize(a * n_b + b)

    unmarked = combine(a, n_b, b)
    ma, mb = dense_codes(a, n_a), dense_codes(b, n_b)
    first = combine(ma, n_b, mb)
    again = combine(ma, n_b, mb)

    for got in (unmarked, first):
        assert [x.tolist() for x in got] == [x.tolist() for x in expected]
        assert [x.dtype for x in got] == [x.dtype for x in expected]
    assert again[0] is first[0] and again[1] is first[1]  # computed once
    assert factorize(first[1])[1] is first[1]  # and marked in turn
    assert combine(ma, n_b + 1, mb)[1].tolist() == factorize(a * (n_b + 1) + b)[1].tolist()


def test_combine_of_a_sliced_marked_array_is_not_the_cached_one():
    a = dense_codes(np.array([0, 1, 2, 0, 1, 2], dtype=np.int64), 3)
    b = dense_codes(np.array([0, 0, 1, 1, 0, 1], dtype=np.int64), 2)
    combine(a, 2, b)

    keys, index = combine(a[:4], 2, b[:4])

    assert keys.tolist() == [0, 1, 2, 5] and index.tolist() == [0, 2, 3, 1]


def awkward_values():
    rng = np.random.default_rng(11)
    halves = (np.arange(-2000, 2000) + 0.5) / 10**4  # ties in decimal, not in binary
    return np.concatenate(
        [
            rng.uniform(0, 100, 20_000),
            rng.uniform(-1, 1, 5_000),
            halves,
            np.round(rng.uniform(0, 100, 2_000), 4),
            np.round(rng.uniform(0, 100, 2_000), 5),
            [0.0, -0.0, 0.125, 0.375, 2.5e-5, 1e9 + 0.00005, 1e12 / 3, 1e300, -1e-300],
        ]
    )


@pytest.mark.parametrize("places", [4, 6, 2])
def test_rounded_is_pythons_round(places):
    values = awkward_values()

    got = rounded(values, places)

    expected = [round(v, places) for v in values.tolist()]
    assert all(type(x) is float for x in got)
    assert [x.hex() for x in got] == [x.hex() for x in expected]


def test_rounded_passes_nan_and_infinities_through_round():
    got = rounded(np.array([np.nan, np.inf, -np.inf, 1.23456]), 4)

    assert math.isnan(got[0]) and got[1:] == [math.inf, -math.inf, 1.2346]


def test_factorized_values_are_their_own_factorization_once():
    values = np.array([3.0, 1.0, 4.0, 1.0, 2.0, 4.0])
    marked = _codes.factorized_values(values)

    first, again = factorize(marked), factorize(marked)

    assert [a.tolist() for a in first] == [a.tolist() for a in factorize(values.copy())]
    assert first[0] is again[0] and first[1] is again[1]
    with pytest.raises(ValueError):
        marked[0] = 2.0
    assert _codes.known_factorization(values) is None  # the view is marked, not the array
    assert _codes.factorized_values(values.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("fives", [[], [0, 3], [2]])
def test_pairable_ratings_of_factorized_values_are_the_plain_ones(fives):
    item = np.array([0, 0, 1, 2, 2, 3, 3, 3, 4], dtype=np.int64)
    value = np.array([1.0, 2.0, 4.0, 3.0, 3.0, 2.0, 4.0, 1.0, 2.0])
    # A level among the paired ratings, or only on an unpaired one (item 1's):
    # then the pairable values lack it and are factorized on their own.
    value[fives] = 5.0
    plain = _codes.pairable(item, value)

    marked = _codes.pairable(dense_codes(item, 5), _codes.factorized_values(value))

    for a, b in zip(plain[:3], marked[:3], strict=True):
        assert a.tolist() == b.tolist()
    assert [a.tolist() for a in plain[3]] == [a.tolist() for a in marked[3]]
    assert [a.dtype for a in plain[3]] == [a.dtype for a in marked[3]]
