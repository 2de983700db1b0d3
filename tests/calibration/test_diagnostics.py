"""calibration/stats/diagnostics.py: fit mean-squares and bias computed by
hand on small documented datasets, separation against Wright & Masters'
published relation between separation, reliability and strata, and
simulated halo and central-tendency raters detected while plain raters are
not."""

import math

import numpy as np
import pytest

from calibration.stats import fit_rater_effects
from calibration.stats.diagnostics import (
    FLAG_SENTENCES,
    BiasCell,
    Separation,
    middle_levels,
    rater_criterion_bias,
    rater_diagnostics,
    separation,
    separation_sentence,
)


def simulate(seed, *, n_units=150, n_raters=15, per_unit=3, n_criteria=5, halo=None, central=None):
    """Ratings on a 1–5 scale: candidate level N(0, 0.8²), rater severity
    N(0, 0.2²), criteria −0.4..0.4, noise N(0, 0.7²), rounded and clipped.
    The ``halo`` rater adds one N(0, 0.8²) draw to all of a scorecard's
    criteria; the ``central`` rater shrinks every score to 30 % of its
    distance from the middle (3)."""
    rng = np.random.default_rng(seed)
    level = rng.normal(0, 0.8, n_units)
    severity = rng.normal(0, 0.2, n_raters)
    effect = np.linspace(-0.4, 0.4, n_criteria)
    unit = np.repeat(np.arange(n_units), per_unit)
    rater = np.concatenate([rng.choice(n_raters, per_unit, replace=False) for _ in level])
    shift = np.where(rater == halo, rng.normal(0, 0.8, rater.size), 0.0)
    unit, rater, shift = (np.repeat(x, n_criteria) for x in (unit, rater, shift))
    criterion = np.tile(np.arange(n_criteria), n_units * per_unit)
    x = 3 + level[unit] + severity[rater] + effect[criterion] + shift
    x = x + rng.normal(0, 0.7, x.size)
    x = np.where(rater == central, 3 + 0.3 * (x - 3), x)
    return unit, rater, criterion, np.clip(np.rint(x), 1, 5)


def linear_model(unit, rater, criterion, value):
    """The linear model's expectation and variance for each rating."""
    fit = fit_rater_effects(unit, rater, value, criterion)
    severity = np.array([row.severity for row in fit.raters])
    effect = np.array([row.effect for row in fit.criteria])
    expected = fit.units.adjusted_score[unit] + severity[rater] + effect[criterion]
    return expected, np.full(value.size, fit.residual_sd**2)


def by_rater(rows):
    return {row.rater: row for row in rows}


def test_infit_and_outfit_by_hand():
    """Rater "a", one unit, four criteria:

    value     3    4    2    5
    expected  3.0  3.0  3.0  3.0
    variance  1.0  0.5  2.0  0.5
    residual  0    1   −1    2
    z²        0    2    0.5  8      (residual² / variance)

    outfit = mean z² = 10.5 / 4 = 2.625;
    infit = Σ residual² / Σ variance = 6 / 4 = 1.5.
    Rater "b" is only there to be someone else."""
    unit = [0, 0, 0, 0, 0]
    rater = ["a", "a", "a", "a", "b"]
    criterion = [1, 2, 3, 4, 1]
    value = [3, 4, 2, 5, 3]
    expected = [3.0, 3.0, 3.0, 3.0, 3.0]
    variance = [1.0, 0.5, 2.0, 0.5, 1.0]
    a = by_rater(
        rater_diagnostics(
            unit, rater, criterion, value, expected, variance, scale_min=1, scale_max=5
        )
    )["a"]
    assert a.outfit == pytest.approx(2.625)
    assert a.infit == pytest.approx(1.5)
    assert (a.n_scorecards, a.n_ratings) == (1, 4)
    # Wilson–Hilferty with q = √(2/4): (2.625^⅓ − 1)·3/q + q/3.
    q = math.sqrt(0.5)
    assert a.outfit_z == pytest.approx((2.625 ** (1 / 3) - 1) * 3 / q + q / 3)
    # One scorecard: reported, never flagged.
    assert a.flags == ()


def test_ratings_with_zero_model_variance_are_left_out_of_the_fit():
    """An extreme category the model is certain of carries no information."""
    rows = rater_diagnostics(
        [0, 0, 0],
        ["a", "a", "b"],
        [1, 2, 1],
        [5, 4, 4],
        [5.0, 3.0, 4.0],
        [0.0, 1.0, 1.0],
        scale_min=1,
        scale_max=5,
    )
    a = by_rater(rows)["a"]
    assert a.outfit == pytest.approx(1.0)
    assert a.infit == pytest.approx(1.0)


def test_missing_values_are_dropped():
    rows = rater_diagnostics(
        [0, 0, 1],
        ["a", "a", "a"],
        [1, 2, 1],
        [3, np.nan, 4],
        [3.0, 3.0, 3.0],
        [1.0, 1.0, 1.0],
        scale_min=1,
        scale_max=5,
    )
    assert rows[0].n_ratings == 2
    assert rows[0].outfit == pytest.approx(0.5)


def test_middle_levels_of_odd_and_even_scales():
    assert middle_levels(1, 5) == (3.0,)
    assert middle_levels(1, 4) == (2.0, 3.0)
    assert middle_levels(0, 10) == (5.0,)
    assert middle_levels(1, 2) == ()


def test_central_tendency_and_range_by_hand():
    """Two units rated by "a" and "b" on one criterion of a 1–5 scale.
    "a": 3, 3 (all at the middle, no spread); "b": 1, 5.
    a's middle share 1 against b's 0: no ratio (the pool never uses the
    middle); b's share 0 against a's 1: ratio 0. SDs: a 0, b √8 → a's range
    ratio 0, b's has no pool spread to compare with."""
    rows = by_rater(
        rater_diagnostics(
            [0, 0, 1, 1],
            ["a", "b", "a", "b"],
            [1, 1, 1, 1],
            [3, 1, 3, 5],
            [3.0] * 4,
            [1.0] * 4,
            scale_min=1,
            scale_max=5,
        )
    )
    assert rows["a"].central_tendency is None
    assert rows["a"].middle_share == 1.0
    assert rows["b"].central_tendency == 0.0
    assert rows["a"].range_ratio == 0.0
    assert rows["b"].range_ratio is None


def test_a_simulated_halo_rater_is_detected_and_plain_raters_are_not():
    unit, rater, criterion, value = simulate(1, halo=0)
    expected, variance = linear_model(unit, rater, criterion, value)
    rows = rater_diagnostics(
        unit, rater, criterion, value, expected, variance, scale_min=1, scale_max=5
    )
    assert "halo" in rows[0].flags
    assert rows[0].halo > 2.0
    assert rows[0].halo_p < 0.001
    plain = rows[1:]
    assert all("halo" not in row.flags for row in plain)
    assert np.median([row.halo for row in plain]) == pytest.approx(1.0, abs=0.25)


def test_a_simulated_central_tendency_rater_is_detected_and_plain_raters_are_not():
    unit, rater, criterion, value = simulate(2, central=3)
    expected, variance = linear_model(unit, rater, criterion, value)
    rows = rater_diagnostics(
        unit, rater, criterion, value, expected, variance, scale_min=1, scale_max=5
    )
    central = rows[3]
    assert {"central_tendency", "restricted_range"} <= set(central.flags)
    assert central.central_tendency > 2.0
    assert central.range_ratio < 0.5
    for row in rows[:3] + rows[4:]:
        assert "central_tendency" not in row.flags
        assert "restricted_range" not in row.flags
        assert 0.7 < row.range_ratio < 1.3


def test_plain_raters_fit_near_one():
    unit, rater, criterion, value = simulate(3)
    expected, variance = linear_model(unit, rater, criterion, value)
    rows = rater_diagnostics(
        unit, rater, criterion, value, expected, variance, scale_min=1, scale_max=5
    )
    infits = [row.infit for row in rows]
    assert np.median(infits) == pytest.approx(1.0, abs=0.15)
    assert not any("misfit" in row.flags or "muted" in row.flags for row in rows)


def test_an_erratic_rater_misfits_and_a_copying_rater_is_muted():
    """Against known expectations (variance 1): "erratic" is off by ±2 on
    every rating (z² = 4), "copy" gives exactly the expectation (z² = 0),
    "plain" is off by ±1 (z² = 1)."""
    n = 30
    unit = np.repeat(np.arange(n), 3)
    rater = np.tile(["copy", "erratic", "plain"], n)
    expected = np.full(unit.size, 3.0)
    sign = np.where(np.arange(unit.size) % 2, 1.0, -1.0)
    offset = {"copy": 0.0, "erratic": 2.0, "plain": 1.0}
    value = expected + sign * np.array([offset[x] for x in rater])
    rows = by_rater(
        rater_diagnostics(
            unit,
            rater,
            np.zeros(unit.size),
            value,
            expected,
            np.ones(unit.size),
            scale_min=1,
            scale_max=5,
        )
    )
    assert rows["erratic"].outfit == pytest.approx(4.0)
    assert "misfit" in rows["erratic"].flags
    assert rows["copy"].infit == 0.0
    assert "muted" in rows["copy"].flags
    assert not {"misfit", "muted"} & set(rows["plain"].flags)


def test_few_scorecards_are_never_flagged():
    rows = rater_diagnostics(
        [0, 0, 1, 1],
        ["erratic", "b", "erratic", "b"],
        [0, 0, 0, 0],
        [5, 3, 1, 3],
        [3.0] * 4,
        [0.1] * 4,
        scale_min=1,
        scale_max=5,
    )
    erratic = by_rater(rows)["erratic"]
    assert erratic.outfit == pytest.approx(40.0)
    assert erratic.flags == ()


def test_every_flag_has_a_sentence():
    assert set(FLAG_SENTENCES) == {
        "misfit",
        "muted",
        "halo",
        "central_tendency",
        "restricted_range",
    }


def test_rater_criterion_bias_by_hand():
    """Rater "a" on criterion "x": residuals +1, +1, +1, +1 (variance 0.25
    each): bias 1, SE √(4 · 0.25) / 4 = 0.25, z 4: flagged. On "y":
    residuals +1, −1 (variance 1): bias 0, SE √2 / 2. "b" on "x": one
    residual +0.6 with variance 0.01: z 6 and 0.6 > 0.5 scale points,
    flagged; "b" on "y": +0.3 with variance 0.0001: z 30 but bias under
    0.5 scale points, not flagged."""
    rater = ["a"] * 6 + ["b", "b"]
    criterion = ["x"] * 4 + ["y"] * 2 + ["x", "y"]
    unit = [0, 1, 2, 3, 0, 1, 0, 0]
    value = [4, 4, 4, 4, 4, 2, 3.6, 3.3]
    expected = [3.0] * 8
    variance = [0.25] * 4 + [1.0, 1.0, 0.01, 0.0001]
    cells = rater_criterion_bias(unit, rater, criterion, value, expected, variance)
    assert [(c.rater, c.criterion, c.n) for c in cells] == [
        ("a", "x", 4),
        ("a", "y", 2),
        ("b", "x", 1),
        ("b", "y", 1),
    ]
    ax, ay, bx, by = cells
    assert ax == BiasCell("a", "x", 4, 1.0, 0.25, 4.0, flagged=True)
    assert ay.bias == 0.0
    assert ay.se == pytest.approx(math.sqrt(2) / 2)
    assert not ay.flagged
    assert bx.z == pytest.approx(6.0)
    assert bx.flagged
    assert by.z == pytest.approx(30.0)
    assert not by.flagged


def test_bias_without_model_variance_has_no_se():
    (cell,) = rater_criterion_bias([0], ["a"], ["x"], [4], [3.0], [0.0])
    assert (cell.bias, cell.se, cell.z, cell.flagged) == (1.0, None, None, False)


@pytest.mark.parametrize(
    ("g", "reliability", "strata"),
    # Wright & Masters (2002), RMT 16:3 p. 888 and Wright & Masters (1982)
    # ch. 5: G = 1 ↔ R = .50, 1.67 strata; G = 2 ↔ R = .80, 3 strata;
    # G = 3 ↔ R = .90, 4.33 strata.
    [(1.0, 0.5, 5 / 3), (2.0, 0.8, 3.0), (3.0, 0.9, 13 / 3)],
)
def test_separation_reliability_and_strata_agree_with_the_published_relation(
    g, reliability, strata
):
    """Two estimates ±1 (population SD 1) with equal SEs s: true variance
    1 − s², G = √(1 − s²) / s. s = 1 / √(1 + G²) gives the target G."""
    s = 1.0 / math.sqrt(1.0 + g**2)
    result = separation([-1.0, 1.0], [s, s])
    assert result.index == pytest.approx(g)
    assert result.reliability == pytest.approx(reliability)
    assert result.strata == pytest.approx(strata)


def test_separation_of_a_worked_set():
    """Estimates −1, 0, 0.5, 0.5 (mean 0, population variance
    (1 + 0 + 0.25 + 0.25) / 4 = 0.375), SEs 0.5, 0.5, 0.25, 0.25 (MSE
    (0.25 + 0.25 + 0.0625 + 0.0625) / 4 = 0.15625): true variance 0.21875,
    G = √(0.21875 / 0.15625) = √1.4, R = 0.21875 / 0.375 = 0.58333."""
    result = separation([-1.0, 0.0, 0.5, 0.5], [0.5, 0.5, 0.25, 0.25])
    assert result.index == pytest.approx(math.sqrt(1.4))
    assert result.reliability == pytest.approx(0.21875 / 0.375)
    assert result.strata == pytest.approx((4 * math.sqrt(1.4) + 1) / 3)
    sample = separation([-1.0, 0.0, 0.5, 0.5], [0.5, 0.5, 0.25, 0.25], sample=True)
    assert sample.reliability == pytest.approx((0.5 - 0.15625) / 0.5)


def test_separation_when_errors_explain_all_the_spread():
    assert separation([0.0, 0.1], [1.0, 1.0]) == Separation(0.0, 0.0, 1 / 3)


def test_separation_skips_missing_and_needs_two():
    assert separation([0.0, None, 1.0], [0.1, 0.2, None]).index is None
    assert separation([0.0, None, 1.0], [0.1, 0.2, None]).reason == (
        "separation needs at least two estimates with SEs"
    )


def rating_scale(theta, thresholds):
    """Andrich rating-scale category probabilities for locations ``theta``
    (one row per rating, categories 1..len(thresholds) + 1)."""
    steps = theta[:, None] - np.asarray(thresholds)[None, :]
    logits = np.concatenate([np.zeros((theta.size, 1)), np.cumsum(steps, axis=1)], axis=1)
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    return p / p.sum(axis=1, keepdims=True)


def test_fit_under_a_rasch_rating_scale_model():
    """Ratings drawn from a many-facet rating-scale model (candidate N(0, 1)
    logits, rater leniency N(0, 0.3²), criteria −0.5..0.5, thresholds −1.5,
    0, 1.5 on a 1–4 scale), scored against the model's own category
    expectation and variance: model-fitting raters have mean-squares near
    1; a rater who picks categories at random misfits; a rater who always
    gives the expected score rounded is muted."""
    rng = np.random.default_rng(11)
    n_units, n_raters, n_criteria = 300, 10, 4
    categories = np.arange(1, 5)
    unit = np.repeat(np.arange(n_units), 3 * n_criteria)
    rater = np.repeat(
        np.concatenate([rng.choice(n_raters, 3, replace=False) for _ in range(n_units)]),
        n_criteria,
    )
    criterion = np.tile(np.arange(n_criteria), n_units * 3)
    theta = (
        rng.normal(0, 1, n_units)[unit]
        + rng.normal(0, 0.3, n_raters)[rater]
        + np.linspace(-0.5, 0.5, n_criteria)[criterion]
    )
    p = rating_scale(theta, [-1.5, 0.0, 1.5])
    expected = p @ categories
    variance = p @ categories**2 - expected**2
    draw = (rng.random(theta.size)[:, None] > np.cumsum(p, axis=1)).sum(axis=1)
    value = categories[draw].astype(float)
    value = np.where(rater == 0, rng.integers(1, 5, value.size), value)  # random
    value = np.where(rater == 1, np.rint(expected), value)  # the expected score
    rows = rater_diagnostics(
        unit, rater, criterion, value, expected, variance, scale_min=1, scale_max=4
    )
    assert "misfit" in rows[0].flags
    assert rows[0].outfit > 1.5
    assert "muted" in rows[1].flags
    for row in rows[2:]:
        assert row.infit == pytest.approx(1.0, abs=0.2)
        assert row.outfit == pytest.approx(1.0, abs=0.25)
        assert not {"misfit", "muted"} & set(row.flags)


def test_separation_in_words():
    assert separation_sentence(separation([-1.0, 1.0], [0.2, 0.2])) == (
        "The reviewers reliably differ in severity (separation reliability 0.96, about 6 "
        "distinct levels): compare candidates on adjusted scores."
    )
    assert separation_sentence(separation([0.0, 0.1], [1.0, 1.0])) == (
        "The reviewers' severities differ no more than chance explains "
        "(separation reliability 0.00)."
    )
    assert separation_sentence(separation([0.0], [1.0])) == (
        "Too few reviewers with estimates to tell whether their severities differ."
    )


def flag_rates(seeds, **design):
    """Per flag, the share of raters with 5 or more scorecards given it, over
    simulated runs; and how many raters that was."""
    counts, total = dict.fromkeys(FLAG_SENTENCES, 0), 0
    for seed in seeds:
        unit, rater, criterion, value = simulate(seed, **design)
        expected, variance = linear_model(unit, rater, criterion, value)
        for row in rater_diagnostics(
            unit, rater, criterion, value, expected, variance, scale_min=1, scale_max=5
        ):
            if row.n_scorecards >= 5:
                total += 1
                for flag in row.flags:
                    counts[flag] += 1
    return {flag: n / total for flag, n in counts.items()}, total


def test_plain_raters_are_rarely_flagged():
    """60 runs of 15 plain raters on 60 candidates (about 12 scorecards
    each): every flag fires for under 3 % of them (`pytest -s` prints the
    rates quoted in the README)."""
    rates, n = flag_rates(range(100, 160), n_units=60)
    print(f"\nplain raters ({n}): " + ", ".join(f"{f} {r:.1%}" for f, r in rates.items()))
    assert n > 600
    assert all(rate < 0.03 for rate in rates.values())


def test_detection_at_about_twelve_scorecards():
    """40 runs: the central-tendency rater is caught almost every time (40
    seen); a halo rater (SD 0.8 against noise 0.7) in about half the runs
    (20 seen): halo needs more scorecards than that to show."""
    central = halo = 0
    for seed in range(200, 240):
        unit, rater, criterion, value = simulate(seed, n_units=60, halo=0, central=1)
        expected, variance = linear_model(unit, rater, criterion, value)
        rows = rater_diagnostics(
            unit, rater, criterion, value, expected, variance, scale_min=1, scale_max=5
        )
        halo += "halo" in rows[0].flags
        central += "central_tendency" in rows[1].flags
    print(f"\ndetected in 40 runs: halo {halo}, central tendency {central}")
    assert central >= 36
    assert halo >= 14


def test_no_ratings_and_no_model_variance_give_no_rows():
    assert rater_diagnostics([], [], [], [], [], [], scale_min=1, scale_max=5) == ()
    assert rater_criterion_bias([], [], [], [], [], []) == ()
    nan = [np.nan, np.nan]
    rows = rater_diagnostics(
        [0, 0], [0, 1], [0, 0], [1, 2], [1.5, 1.5], nan, scale_min=1, scale_max=5
    )
    assert rows == ()


def test_halo_needs_more_than_one_criterion():
    unit, rater, criterion, value = simulate(5, n_criteria=1)
    expected, variance = linear_model(unit, rater, criterion, value)
    rows = rater_diagnostics(
        unit, rater, criterion, value, expected, variance, scale_min=1, scale_max=5
    )
    assert all(row.halo is None and "halo" not in row.flags for row in rows)
    assert all(row.infit is not None for row in rows)


def test_inputs_must_be_long_form_of_one_length():
    with pytest.raises(ValueError, match="as long"):
        rater_diagnostics([0], [0, 1], [0], [1], [1.0], [1.0], scale_min=1, scale_max=5)
