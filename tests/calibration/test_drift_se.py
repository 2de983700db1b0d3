"""Severity drift with honest uncertainty (calibration/stats/drift.py): the
window SEs carry the design effect of a scorecard's correlated criterion
scores, so steady raters with halo are not flagged as drifting; a drifting
rater is flagged when the change is both large and significant; the
per-period estimates are there for a chart."""

import numpy as np
import pytest

from calibration.stats import severity_drift
from calibration.stats.drift import DRIFT_CHANGE_ABOVE, DRIFT_Z_ABOVE, DriftPeriod


def simulate(seed, *, n_units=400, n_raters=12, halo=0.5, drifting=None, drift=1.0):
    """Candidates reviewed in order (time = candidate number), three of
    ``n_raters`` per candidate, five criteria. Score = 3 + candidate level
    N(0, 0.8²) + halo N(0, halo²) per scorecard + 0.1 · criterion + noise
    N(0, 0.7²); the ``drifting`` rater moves linearly by ``drift`` points from
    the first candidate to the last."""
    rng = np.random.default_rng(seed)
    level = rng.normal(0, 0.8, n_units)
    chosen = np.argsort(rng.random((n_units, n_raters)), axis=1)[:, :3]
    unit = np.repeat(np.arange(n_units), 3)
    rater = chosen.ravel()
    scorecard_shift = rng.normal(0, halo, unit.size) if halo else np.zeros(unit.size)
    unit, rater, scorecard_shift = (np.repeat(x, 5) for x in (unit, rater, scorecard_shift))
    criterion = np.tile(np.arange(5), n_units * 3)
    time = unit.astype(float)
    trend = np.where(rater == drifting, (time / n_units - 0.5) * drift, 0.0)
    value = 3 + level[unit] + scorecard_shift + trend + 0.1 * criterion
    value = value + rng.normal(0, 0.7, unit.size)
    return unit, rater, value, time, criterion


def test_the_design_effect_matches_the_simulated_halo():
    """ρ = 0.25 / (0.25 + 0.49) with m = 5 ratings per scorecard: Kish's
    deff = 1 + 4ρ = 2.35."""
    result = severity_drift(*simulate(1, n_units=1500), n_windows=4)
    print(f"\ndesign effect {result.design_effect:.2f}")
    assert result.design_effect == pytest.approx(1 + 4 * 0.25 / 0.74, abs=0.25)


def test_without_halo_the_design_effect_is_near_one():
    result = severity_drift(*simulate(2, halo=0.0, n_units=1500), n_windows=4)
    assert result.design_effect == pytest.approx(1.0, abs=0.1)


def test_steady_raters_with_halo_are_rarely_significant():
    """Forty runs of twelve steady raters with halo SD 0.5: |z| > 2 about 5 %
    of the time with the design effect (7 % seen), against over 20 % with the
    model's independent-score SEs (z · √deff)."""
    z, naive, flagged = [], [], 0
    for seed in range(40):
        result = severity_drift(*simulate(100 + seed), n_windows=4)
        for row in result.raters:
            z.append(row.z)
            naive.append(row.z * np.sqrt(result.design_effect))
            flagged += row.flagged
    z, naive = np.abs(z), np.abs(naive)
    print(f"\nsteady raters |z| > 2: {np.mean(z > 2):.1%}, model SEs {np.mean(naive > 2):.1%}")
    assert np.mean(z > 2) < 0.10
    assert np.mean(naive > 2) > 0.15
    assert flagged / z.size < 0.03


def test_a_drifting_rater_is_flagged_with_the_change_over_the_window():
    """One point from the first candidate to the last: the windows' mean
    times span three quarters of that, so the change is about 0.75."""
    detected = 0
    for seed in range(10):
        result = severity_drift(*simulate(200 + seed, drifting=0), n_windows=4)
        row = result.raters[0]
        detected += row.flagged
        assert row.change == pytest.approx(row.slope * 300, rel=0.02)
        assert row.change_se == pytest.approx(
            row.slope_se * (result.windows[-1].centre - result.windows[0].centre)
        )
        assert row.z == pytest.approx(row.slope / row.slope_se)
    assert detected >= 8


def test_a_significant_but_small_change_is_not_flagged():
    """A quarter point over the window with no noise to hide it: significant,
    under the 0.5-point size threshold."""
    result = severity_drift(
        *simulate(3, n_units=3000, halo=0.0, drifting=0, drift=0.3), n_windows=4
    )
    row = result.raters[0]
    assert abs(row.z) > DRIFT_Z_ABOVE
    assert abs(row.change) < DRIFT_CHANGE_ABOVE
    assert not row.flagged


def test_periods_give_each_window_for_a_chart():
    unit, rater, value, time, criterion = simulate(4, n_units=80)
    result = severity_drift(unit, rater, value, time, criterion, n_windows=4)
    row = result.raters[2]
    assert len(row.periods) == 4
    for period, window, severity, se in zip(
        row.periods, result.windows, row.severity, row.se, strict=True
    ):
        assert isinstance(period, DriftPeriod)
        assert (period.start, period.end, period.centre) == (
            window.start,
            window.end,
            window.centre,
        )
        assert (period.severity, period.se) == (severity, se)
    in_window = [
        int(((rater == 2) & (time >= w.start) & (time <= w.end)).sum()) for w in result.windows
    ]
    # Window bounds are shared by neighbours: a rating on a bound counts in one.
    assert sum(p.n_ratings for p in row.periods) == int((rater == 2).sum())
    assert all(p.n_ratings <= n for p, n in zip(row.periods, in_window, strict=True))


def test_one_window_has_no_change_and_no_flag():
    result = severity_drift([0, 0, 1, 1], [0, 1, 0, 1], [1.0, 2.0, 2.0, 4.0], [5, 5, 5, 5])
    row = result.raters[0]
    assert (row.change, row.change_se, row.z, row.flagged) == (None, None, None, False)
    assert result.design_effect == 1.0
