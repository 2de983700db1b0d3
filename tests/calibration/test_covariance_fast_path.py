"""The scorecard covariance without the sandwich counts its scorecard ×
criterion table densely: its figures must be those of the sparse tables the
sandwich still uses, to the last bit."""

import numpy as np
import pytest

from calibration.stats._codes import factorize
from calibration.stats.effects import _dense_counts, fit_additive, scorecard_covariance


def design(seed: int, *, n_units=60, n_raters=7, n_criteria=5, per_unit=3, missing=0.25):
    """Ratings of each unit by ``per_unit`` raters on every criterion, some
    cells left unscored, as dense codes."""
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
    y = np.clip(np.rint(quality[u] + severity[r] + rng.normal(0.0, 0.5, u.size)), 1, 4)
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
