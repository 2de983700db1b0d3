"""The statistics' fast paths give the figures of the plain ones, to the
last bit: the scorecard covariance without the sandwich counts its scorecard
× criterion table densely (the sandwich still uses the sparse tables), and
drift's design effect codes its scorecards through two compact ranges."""

import numpy as np
import pytest

from calibration.stats import diagnostics, drift, kappa
from calibration.stats._codes import factorize
from calibration.stats.effects import _dense_counts, fit_additive, scorecard_covariance


def design(seed: int, *, n_units=60, n_raters=7, n_criteria=5, per_unit=3, missing=0.25, halo=0.0):
    """Ratings of each unit by ``per_unit`` raters on every criterion, some
    cells left unscored, as dense codes; ``halo``: the SD of a scorecard's
    shared lift."""
    rng = np.random.default_rng(seed)
    rows = []
    for unit in range(n_units):
        for rater in rng.choice(n_raters, size=per_unit, replace=False):
            for criterion in range(n_criteria):
                if criterion == 0 or rng.random() >= missing:
                    rows.append((unit, rater, criterion))
    u, r, c = (np.array(col, dtype=np.int64) for col in zip(*rows, strict=True))
    quality = rng.normal(2.5, 0.6, n_units)
    severity = rng.normal(0.0, 0.4, n_raters)
    lift = rng.normal(0.0, halo, (n_units, n_raters)) if halo else np.zeros((n_units, n_raters))
    noise = rng.normal(0.0, 0.5, u.size)
    y = np.clip(np.rint(quality[u] + severity[r] + lift[u, r] + noise), 1, 4)
    return u, r, c, y, n_units, n_raters, n_criteria


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("missing", [0.0, 0.25, 0.6])
def test_the_dense_count_route_gives_the_sparse_routes_figures(seed, missing):
    u, r, c, y, n_units, n_raters, n_criteria = design(seed, missing=missing)
    fit = fit_additive(u, r, c, y, n_units, n_raters, n_criteria, keep_inverse=True)
    cards = factorize(u * n_raters + r)

    fast = scorecard_covariance(
        u, r, c, fit, n_units, n_raters, n_criteria, cards=cards, with_cr1=False
    )
    sparse_route = scorecard_covariance(
        u, r, c, fit, n_units, n_raters, n_criteria, cards=cards, with_cr1=True
    )

    assert fast.cr1 is None and sparse_route.cr1 is not None
    assert np.array_equal(fast.scorecard, sparse_route.scorecard)
    assert (fast.residual_var, fast.halo_var) == (
        sparse_route.residual_var,
        sparse_route.halo_var,
    )


def test_dense_counts_count_each_pair():
    rows = np.array([0, 0, 1, 2, 2, 2])
    cols = np.array([1, 1, 0, 0, 1, 2])

    counts = _dense_counts(rows, cols, 3, 3, budget=100)

    assert counts.dtype == float
    assert counts.tolist() == [[0, 2, 0], [1, 0, 0], [1, 1, 1]]


def test_dense_counts_decline_a_table_too_large_or_too_empty():
    rows, cols = np.array([0, 5000]), np.array([0, 3])

    assert _dense_counts(rows, cols, 5001, 4, budget=100) is None  # over the budget
    assert _dense_counts(rows, cols, 5001, 4, budget=10**6) is None  # mostly empty
    assert _dense_counts(np.array([], dtype=np.int64), rows[:0], 0, 4, budget=100) is None


def design_effect_by_one_range(u, rw, c, value, fit, slots, n_w) -> float:
    """The design effect as it was computed before: the scorecards coded by
    factorising unit × rater-window in one range."""
    n_slots = slots.size
    fitted = fit.unit_level[u] + fit.effects[rw] + fit.effects[n_slots + c]
    residual = value - fitted
    total = float(residual @ residual)
    n_units = int(u.max()) + 1
    cards, s = factorize(u * n_slots + rw)
    per_card = np.bincount(s, minlength=cards.size).astype(float)
    card_mean = np.bincount(s, residual, minlength=cards.size) / per_card
    between = float((per_card * card_mean**2).sum())
    within = total - between
    df_between = cards.size - n_units - (n_slots - fit.group_sizes.size)
    df_within = value.size - cards.size - int(c.max())
    msb, msw = between / df_between, within / df_within
    m = value.size / cards.size
    return max(1.0, m * msb / (msb + (m - 1.0) * msw))


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("per_scorecard_time", [True, False])
def test_drift_design_effect_codes_scorecards_as_one_range_did(seed, per_scorecard_time):
    u, r, c, y, n_units, n_raters, n_criteria = design(seed, n_units=80, halo=0.6)
    rng = np.random.default_rng(seed + 100)
    # One time per scorecard (as submitted), or one per rating, so that a
    # scorecard's ratings can fall into different windows.
    card_time = rng.uniform(0, 1000, size=(n_units, n_raters))
    time = card_time[u, r] if per_scorecard_time else rng.uniform(0, 1000, size=u.size)
    n_w = 4
    edges = np.quantile(time, np.linspace(0.0, 1.0, n_w + 1))
    window = np.searchsorted(edges[1:-1], time, side="right")
    slots, rw = factorize(r * n_w + window)
    fit = fit_additive(u, rw, c, y, n_units, slots.size, n_criteria, unit_variance=False)

    fast = drift._design_effect(u, rw, c, y, fit, slots, n_w)

    assert fast == design_effect_by_one_range(u, rw, c, y, fit, slots, n_w)
    assert fast > 1.0


@pytest.mark.parametrize(
    "cats",
    [[1.0, 2.0, 3.0, 4.0], [-2.0, -1.0, 0.0], [7.0], [1.0, 2.0, 4.0], [0.5, 1.5, 2.5], [0.0, 0.5]],
)
def test_category_positions_are_the_binary_searchs(cats):
    cats = np.array(cats)
    values = np.random.default_rng(3).choice(cats, size=500)

    positions = kappa._category_positions(cats, values)

    assert positions.dtype == np.int64
    assert np.array_equal(positions, np.searchsorted(cats, values))


@pytest.mark.parametrize("seed", range(5))
def test_rater_diagnostics_sum_whole_levels_per_scorecard_as_per_rating(seed, monkeypatch):
    u, r, c, y, n_units, n_raters, n_criteria = design(seed, halo=0.5)
    fit = fit_additive(u, r, c, y, n_units, n_raters, n_criteria)
    expected = y - fit.residuals
    variance = np.full(y.size, fit.residual_var)

    def run():
        return diagnostics.rater_diagnostics(
            u, r, c, y, expected, variance, scale_min=1, scale_max=4, min_scorecards=1
        )

    assert diagnostics._exact_in_any_order(y)
    by_scorecard = run()
    monkeypatch.setattr(diagnostics, "_exact_in_any_order", lambda value: False)
    by_rating = run()

    assert by_scorecard == by_rating
    assert any(row.range_ratio is not None for row in by_scorecard)


def test_only_whole_levels_are_summed_in_any_order():
    assert diagnostics._exact_in_any_order(np.array([1.0, 4.0, 3.0]))
    assert not diagnostics._exact_in_any_order(np.array([1.0, 2.5]))
    assert not diagnostics._exact_in_any_order(np.array([3.0e8, 1.0]))  # squares too large
