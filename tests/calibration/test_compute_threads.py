"""compute_calibration runs its linear algebra on one BLAS thread (its
matrices are small; benchmarks/README.md), and gives them back afterwards."""

import numpy as np
from threadpoolctl import threadpool_info

from calibration import stats
from calibration.compute import compute_calibration
from calibration.data import Ratings
from rubrics.models import Criterion


def blas_threads() -> set[int]:
    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


def ratings(n_units=30, n_raters=4, n_criteria=3, seed=5):
    rng = np.random.default_rng(seed)
    rows = [
        (unit, rater, criterion)
        for unit in range(n_units)
        for rater in rng.choice(n_raters, 2, replace=False)
        for criterion in range(n_criteria)
    ]
    unit, rater, criterion = (np.array(col, dtype=np.int64) for col in zip(*rows, strict=True))
    card_keys, card = np.unique(unit * n_raters + rater, return_inverse=True)
    return Ratings(
        application=unit + 1,
        reviewer=rater + 1,
        criterion=criterion + 1,
        value=rng.integers(1, 5, unit.size).astype(float),
        scorecard=card + 1,
        scorecard_ids=np.arange(1, card_keys.size + 1),
        scorecard_application=card_keys // n_raters + 1,
        scorecard_submitted=1.7e9 + np.arange(card_keys.size) * 86400.0,
    )


def test_compute_runs_on_one_blas_thread_and_restores_the_pools(monkeypatch):
    seen = []
    real = stats.severity_drift

    def spy(*args, **kwargs):
        seen.append(blas_threads())
        return real(*args, **kwargs)

    monkeypatch.setattr(stats, "severity_drift", spy)
    before = blas_threads()
    criteria = [Criterion(pk=i, weight=25) for i in (1, 2, 3)]
    result = compute_calibration(ratings=ratings(), criteria=criteria, scale_max=4)
    assert result.n_ratings == 180
    assert seen == [{1}]
    assert blas_threads() == before
