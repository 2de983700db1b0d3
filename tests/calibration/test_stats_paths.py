"""The large-data routes of the calibration statistics against the small-data
ones, on the same random data.

Past ``limits.SAME_ARITHMETIC_UP_TO`` ratings (100,000) the statistics switch
to faster routes to the same quantities: block-assembled least squares, the
Cholesky solve, the offset-by-offset pair search, kappas from joint tables,
coincidence matrices instead of the krippendorff package. Here the limits are
lowered so that those routes run on a few dozen ratings, and every figure must
agree with the small-data route to 1e-9."""

import dataclasses
import math
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calibration.stats import (
    LEVELS,
    consensus_agreement,
    criterion_summaries,
    effects,
    fit_rater_effects,
    fleiss_kappa,
    limits,
    pairwise_cohen_kappa,
    severity_drift,
)
from calibration.stats.alpha import alphas_at_levels
from calibration.stats.kappa import cohen_kappa
from tests.calibration import calibration_examples as ex

TOLERANCE = 1e-9

# Each lowers the limits so that the large-data routes run; the second also
# sends every count table down its sparse route and every factorisation
# through a sort.
LARGE_DATA = {
    "large": {
        "SAME_ARITHMETIC_UP_TO": 0,
        "CHOLESKY_FROM": 0,
        "PACKAGE_EXACT_CELLS": 0,
        "UNIT_CHUNK": 2,
    },
    "large, sparse": {
        "SAME_ARITHMETIC_UP_TO": 0,
        "CHOLESKY_FROM": 0,
        "PACKAGE_EXACT_CELLS": 0,
        "UNIT_CHUNK": 2,
        "PACKAGE_CELL_BUDGET": 0,
        "LOOKUP_SLACK": 0,
        "LOOKUP_EXTRA": 0,
        "DENSE_VALUES": 0,
        "PAIR_OFFSETS": 0,
    },
}


@contextmanager
def lowered(names):
    """The limits set to ``names`` for the block, then put back (hypothesis
    runs many examples per test, so pytest's monkeypatch cannot be used)."""
    saved = {name: getattr(limits, name) for name in names}
    try:
        for name, value in names.items():
            setattr(limits, name, value)
        yield
    finally:
        for name, value in saved.items():
            setattr(limits, name, value)


def assert_agree(small, large, path="result"):
    """Walk both results: the same structure, the same reasons and Nones, and
    every number equal to ``TOLERANCE`` (relative, or absolute near zero)."""
    if dataclasses.is_dataclass(small) and not isinstance(small, type):
        assert type(small) is type(large), path
        for f in dataclasses.fields(small):
            assert_agree(getattr(small, f.name), getattr(large, f.name), f"{path}.{f.name}")
    elif isinstance(small, dict):
        assert small.keys() == large.keys(), path
        for key in small:
            assert_agree(small[key], large[key], f"{path}[{key!r}]")
    elif isinstance(small, list | tuple):
        assert len(small) == len(large), path
        for index, (a, b) in enumerate(zip(small, large, strict=True)):
            assert_agree(a, b, f"{path}[{index}]")
    elif isinstance(small, np.ndarray):
        assert isinstance(large, np.ndarray) and small.shape == large.shape, path
        if small.dtype.kind == "f":
            np.testing.assert_allclose(large, small, rtol=TOLERANCE, atol=TOLERANCE, err_msg=path)
        else:
            np.testing.assert_array_equal(large, small, err_msg=path)
    elif isinstance(small, float) and not isinstance(large, bool):
        assert large is not None, path
        assert math.isclose(small, large, rel_tol=TOLERANCE, abs_tol=TOLERANCE), (
            f"{path}: {small!r} != {large!r}"
        )
    else:
        assert small == large, path


@st.composite
def ratings(draw):
    """Long-form ratings of a few units by a few raters on a few criteria,
    with repeats, gaps and missing values, on a 1–4 or a finer scale."""
    n = draw(st.integers(0, 60))
    n_units = draw(st.integers(1, 8))
    n_raters = draw(st.integers(1, 5))
    scale = draw(st.sampled_from([[1.0, 2.0, 3.0, 4.0], [1.0, 1.5, 2.0, 3.0, 5.0, 8.0, np.nan]]))
    unit = draw(st.lists(st.integers(0, n_units - 1), min_size=n, max_size=n))
    rater = draw(st.lists(st.integers(0, n_raters - 1), min_size=n, max_size=n))
    value = draw(st.lists(st.sampled_from(scale), min_size=n, max_size=n))
    criterion = draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=n, max_size=n))
    time = draw(st.lists(st.integers(0, 1000), min_size=n, max_size=n))
    return (
        np.array(unit, dtype=np.int64),
        np.array(rater, dtype=np.int64),
        np.array(value, dtype=float),
        np.array(criterion),
        np.array(time, dtype=float),
    )


def both_routes(config, compute):
    small = compute()
    with lowered(LARGE_DATA[config]):
        large = compute()
    assert_agree(small, large)


configs = st.sampled_from(sorted(LARGE_DATA))


@settings(max_examples=150, deadline=None)
@given(ratings(), configs)
def test_rater_effects_agree_on_both_routes(data, config):
    unit, rater, value, criterion, _ = data
    both_routes(config, lambda: fit_rater_effects(unit, rater, value, criterion))
    both_routes(config, lambda: fit_rater_effects(unit, rater, value))


@settings(max_examples=75, deadline=None)
@given(ratings(), configs)
def test_severity_drift_agrees_on_both_routes(data, config):
    unit, rater, value, criterion, time = data
    both_routes(config, lambda: severity_drift(unit, rater, value, time, criterion, n_windows=3))


@settings(max_examples=150, deadline=None)
@given(ratings(), configs)
def test_kappas_agree_on_both_routes(data, config):
    unit, rater, value, criterion, _ = data
    both_routes(config, lambda: pairwise_cohen_kappa(unit, rater, value, criterion, min_shared=1))
    both_routes(config, lambda: pairwise_cohen_kappa(unit, rater, value, min_shared=1))
    pair = rater <= 1
    both_routes(config, lambda: cohen_kappa(unit[pair], rater[pair], value[pair]))
    both_routes(config, lambda: fleiss_kappa(unit, rater, value))


@settings(max_examples=150, deadline=None)
@given(ratings(), configs)
def test_alphas_and_criterion_summaries_agree_on_both_routes(data, config):
    unit, rater, value, criterion, _ = data
    keep = np.isfinite(value)
    both_routes(config, lambda: criterion_summaries(unit, rater, value, criterion))
    both_routes(config, lambda: alphas_at_levels(unit[keep], value[keep], LEVELS))
    both_routes(config, lambda: consensus_agreement(unit, rater, value, criterion))


def test_drift_of_a_model_that_fits_exactly_agrees_on_both_routes():
    """Found by the property above: with residuals of zero, the windows' standard errors are
    rounding noise (1e-17 on one route, 0.0 on the other): both routes fit the trend with
    equal weights and give it no standard error."""
    unit = np.zeros(8, dtype=np.int64)
    rater = np.zeros(8, dtype=np.int64)
    value = np.array([1.0, 1, 1, 2, 2, 2, 2, 2])
    criterion = np.array(list("aaabbbbb"))
    time = np.array([0.0, 0, 0, 0, 0, 1, 1, 1])

    def drift():
        return severity_drift(unit, rater, value, time, criterion, n_windows=3).raters[0]

    small = drift()
    with lowered(LARGE_DATA["large"]):
        large = drift()
    assert small.slope == pytest.approx(0.0, abs=1e-9)
    assert large.slope == pytest.approx(0.0, abs=1e-9)
    assert (small.slope_se, large.slope_se) == (None, None)
    assert small.reason == large.reason
    assert small.reason == "the ratings fit the model exactly, so the trend has no standard error"


def test_the_large_routes_are_the_ones_that_ran():
    """The lowered limits do reach the large-data code: a design with more
    parameters than the Cholesky limit is solved through the Cholesky
    factorisation, and gives what the eigendecomposition gives."""
    rng = np.random.default_rng(7)
    n_units, n_raters = 60, 12
    unit = np.repeat(np.arange(n_units), 3)
    rater = rng.integers(0, n_raters, unit.size)
    value = rng.integers(1, 5, unit.size).astype(float)
    calls = []
    original = effects._pinv_with_null_space

    def spy(*args):
        result = original(*args)
        calls.append(result is not None)
        return result

    effects._pinv_with_null_space = spy
    try:
        both_routes("large", lambda: fit_rater_effects(unit, rater, value))
    finally:
        effects._pinv_with_null_space = original
    assert calls == [True]


def design(seed, *, n=400, n_units=40, n_raters=6, criteria="abc"):
    """Seeded ratings on a 1–4 scale: raters drawn at random for each rating,
    so some rate an item twice and some pairs share many items."""
    rng = np.random.default_rng(seed)
    unit = rng.integers(0, n_units, n)
    rater = rng.integers(0, n_raters, n)
    criterion = rng.choice(list(criteria), n)
    value = np.clip(np.round(2.5 + 0.3 * (rater - n_raters / 2) + rng.normal(0, 1, n)), 1, 4)
    time = rng.uniform(0, 1000, n)
    return unit, rater, value, criterion, time


@pytest.mark.parametrize("config", sorted(LARGE_DATA))
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_seeded_designs_agree_on_both_routes(seed, config):
    """The same checks as the property tests, on designs large enough that
    every large-data route runs whatever the random examples were."""
    unit, rater, value, criterion, time = design(seed)
    both_routes(config, lambda: fit_rater_effects(unit, rater, value, criterion))
    both_routes(config, lambda: fit_rater_effects(unit, rater, value))
    both_routes(config, lambda: severity_drift(unit, rater, value, time, criterion))
    both_routes(config, lambda: pairwise_cohen_kappa(unit, rater, value, criterion, min_shared=1))
    pair = rater <= 1
    both_routes(config, lambda: cohen_kappa(unit[pair], rater[pair], value[pair]))
    both_routes(config, lambda: criterion_summaries(unit, rater, value, criterion))
    both_routes(config, lambda: alphas_at_levels(unit, value, LEVELS))


def test_fleiss_kappa_agrees_when_counted_by_sorting():
    unit, rater, value = ex.wide_to_long(ex.FLEISS_1971_DIAGNOSES)
    both_routes("large, sparse", lambda: fleiss_kappa(unit, rater, value))


@pytest.mark.parametrize(
    "a, null",
    [
        ([[1.0, -1.0], [-1.0, 1.0]], [[1.0], [0.0]]),  # (1, 0) is not in the null space
        ([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 1.0]], [[1.0], [0.0], [0.0]]),
        ([[0.0, 0.0, 0.0], [0.0, 1e-13, 0.0], [0.0, 0.0, 1.0]], [[1.0], [0.0], [0.0]]),
    ],
    ids=["wrong null space", "singular beyond it", "nearly singular beyond it"],
)
def test_the_cholesky_route_declines_what_it_cannot_certify(a, null):
    """Then the caller solves through the eigendecomposition."""
    a = np.array(a)
    assert effects._pinv_with_null_space(a, np.array(null), np.zeros(a.shape[0]), True) is None


def test_the_kappa_summary_agrees_with_the_pairs():
    """What a run keeps (the count and the quadratic kappas) equals what the pair
    objects hold."""
    import numpy as np

    from calibration.stats.kappa import pairwise_cohen_kappa, pairwise_kappa_summary

    rng = np.random.default_rng(7)
    unit = np.repeat(np.arange(60), 3)
    rater = rng.integers(0, 6, unit.size)
    value = np.clip(np.round(rng.normal(3, 1, unit.size)), 1, 5)
    pairs = pairwise_cohen_kappa(unit, rater, value, min_shared=5, categories=[1, 2, 3, 4, 5])
    n, quadratic = pairwise_kappa_summary(
        unit, rater, value, min_shared=5, categories=[1, 2, 3, 4, 5]
    )
    assert n == len(pairs) > 5
    assert quadratic == [p.quadratic for p in pairs if p.quadratic is not None]
