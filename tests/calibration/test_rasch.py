"""calibration/stats/rasch.py: the many-facet Rasch rating-scale model.

Checked against (1) a published analytic result for JMLE and its bias
correction (two dichotomous items: JMLE is exactly twice the conditional ML
estimate, Andersen 1973, which is where Wright's (L − 1)/L factor comes
from), (2) an independent maximisation of the same joint likelihood with
scipy, (3) parameter recovery on data simulated from the model itself, and
(4) the awkward designs: disconnected rater groups, extreme units, unused
categories, non-convergence, degenerate input and a 100,000-rating design.
"""

import time

import numpy as np
import pytest
from scipy import optimize
from scipy.stats import spearmanr

from calibration.stats.rasch import EXTREME_ADJUSTMENT, RaschFit, fit_rasch

THRESHOLDS = np.array([-1.5, -0.5, 0.5, 1.5])


def category_probabilities(eta, thresholds):
    k = np.arange(len(thresholds) + 1)
    cum = np.concatenate([[0.0], np.cumsum(thresholds)])
    logits = eta[:, None] * k - cum
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    return p / p.sum(axis=1, keepdims=True)


def simulate(
    *,
    n_units=200,
    n_raters=20,
    per_unit=3,
    n_criteria=5,
    thresholds=THRESHOLDS,
    seed=0,
    rater_sd=0.6,
    severity=None,
    lowest=1,
):
    """Ratings from the model: each unit scored on every criterion by
    ``per_unit`` raters drawn at random. Returns the long-form columns and
    the true parameters (rater and criterion effects summing to zero)."""
    rng = np.random.default_rng(seed)
    measure = rng.normal(0.0, 1.0, n_units)
    lean = rng.normal(0.0, rater_sd, n_raters) if severity is None else np.asarray(severity, float)
    lean = lean - lean.mean()
    effect = rng.normal(0.0, 0.5, n_criteria)
    effect -= effect.mean()
    raters = np.concatenate([rng.choice(n_raters, per_unit, replace=False) for _ in range(n_units)])
    unit = np.repeat(np.repeat(np.arange(n_units), per_unit), n_criteria)
    rater = np.repeat(raters, n_criteria)
    criterion = np.tile(np.arange(n_criteria), n_units * per_unit)
    eta = measure[unit] + lean[rater] + effect[criterion]
    cdf = np.cumsum(category_probabilities(eta, np.asarray(thresholds)), axis=1)
    value = (rng.random(eta.size)[:, None] > cdf).sum(axis=1) + lowest
    return (unit, rater, criterion, value.astype(float)), (measure, lean, effect)


# --- (1) published analytic result -------------------------------------------


def test_two_items_jmle_is_twice_the_conditional_estimate_and_the_correction_halves_it():
    """Andersen, E. B. (1973). *Conditional Inference and Models for
    Measuring*. Copenhagen: Mentalhygiejnisk Forlag; Wright, B. D. & Douglas, G. A. (1977). *Applied
    Psychological Measurement* 1, 281–295: with two dichotomous items only
    the units scoring 1 inform the items, the conditional ML estimate of
    δ₂ − δ₁ is log(n₁/n₂) (n_i: units getting item i right) and JMLE gives
    exactly twice that. Wright's (L − 1)/L with L = 2 halves it back."""
    n1, n2, extreme = 30, 10, 7
    unit = np.repeat(np.arange(n1 + n2 + 2 * extreme), 2)
    item = np.tile([0, 1], n1 + n2 + 2 * extreme)
    value = np.concatenate(
        [[1, 0]] * n1 + [[0, 1]] * n2 + [[1, 1]] * extreme + [[0, 0]] * extreme
    ).astype(float)
    rater = np.zeros(unit.size, dtype=int)

    raw = fit_rasch(unit, rater, item, value, bias_correction=False, tol=1e-10)
    corrected = fit_rasch(unit, rater, item, value, tol=1e-10)

    cml = np.log(n1 / n2)  # item 1 easier than item 2 by this much
    assert raw.criterion_effect[0] - raw.criterion_effect[1] == pytest.approx(2 * cml, abs=1e-8)
    assert corrected.bias_factor == 0.5
    assert corrected.criterion_effect[0] - corrected.criterion_effect[1] == pytest.approx(
        cml, abs=1e-8
    )
    # The 2·extreme units with all-right or all-wrong answers are extreme.
    assert raw.unit_extreme.sum() == 2 * extreme


# --- (2) the fit is the joint maximum likelihood -------------------------------


def joint_negative_log_likelihood(params, u, r, c, x, n_u, n_r, n_c, m):
    b = params[:n_u]
    lam = np.append(params[n_u : n_u + n_r - 1], -params[n_u : n_u + n_r - 1].sum())
    start = n_u + n_r - 1
    eps = np.append(params[start : start + n_c - 1], -params[start : start + n_c - 1].sum())
    start += n_c - 1
    tau = np.append(params[start : start + m - 1], -params[start : start + m - 1].sum())
    p = category_probabilities(b[u] + lam[r] + eps[c], tau)
    return -np.log(p[np.arange(x.size), x]).sum()


def test_jmle_reaches_the_joint_likelihood_maximum_found_by_a_general_optimiser():
    (unit, rater, criterion, value), _ = simulate(
        n_units=25, n_raters=4, per_unit=2, n_criteria=3, seed=1
    )
    fit = fit_rasch(unit, rater, criterion, value, bias_correction=False, tol=1e-10)
    assert fit.converged and not fit.unit_extreme.any()
    x = np.searchsorted(fit.categories, value)
    n_u, n_r, n_c, m = 25, 4, 3, fit.categories.size - 1
    result = optimize.minimize(
        joint_negative_log_likelihood,
        np.zeros(n_u + n_r - 1 + n_c - 1 + m - 1),
        args=(unit, rater, criterion, x, n_u, n_r, n_c, m),
        method="BFGS",
        options={"gtol": 1e-9, "maxiter": 10_000},
    )
    params = result.x
    assert fit.unit_measure == pytest.approx(params[:n_u], abs=2e-4)
    assert fit.rater_severity[:-1] == pytest.approx(params[n_u : n_u + n_r - 1], abs=2e-4)
    start = n_u + n_r - 1
    assert fit.criterion_effect[:-1] == pytest.approx(params[start : start + n_c - 1], abs=2e-4)
    assert fit.thresholds[:-1] == pytest.approx(params[start + n_c - 1 :], abs=2e-4)


def test_score_equations_hold_at_the_solution():
    """At the JMLE every element's observed score equals its expected score."""
    (unit, rater, criterion, value), _ = simulate(seed=4)
    fit = fit_rasch(unit, rater, criterion, value, bias_correction=False, tol=1e-9)
    residual = value - fit.expected
    for codes in (unit, rater, criterion):
        assert np.abs(np.bincount(codes, residual)).max() < 1e-5


# --- (3) parameter recovery ---------------------------------------------------


def test_severities_are_recovered_with_calibrated_standard_errors():
    """3,000 ratings a replicate (200 candidates × 3 of 20 raters × 5
    criteria): severities within 0.15 logits RMSE, and their 95 % intervals
    cover the truth 90–99 % of the time over 20 replicates (400 intervals)."""
    covered, errors, slopes, criterion_errors = [], [], [], []
    for seed in range(20):
        (unit, rater, criterion, value), (_, lean, effect) = simulate(seed=seed)
        fit = fit_rasch(unit, rater, criterion, value)
        assert fit.converged
        errors.append(fit.rater_severity - lean)
        covered.append(np.abs(fit.rater_severity - lean) < 1.96 * fit.rater_se)
        slopes.append(np.polyfit(lean, fit.rater_severity, 1)[0])
        criterion_errors.append(fit.criterion_effect - effect)
    assert np.sqrt(np.mean(np.square(criterion_errors))) < 0.1
    rmse = np.sqrt(np.mean(np.square(errors)))
    coverage = np.mean(covered)
    print(f"severity RMSE {rmse:.3f} logits, 95 % coverage {coverage:.3f}")
    assert rmse < 0.15
    assert 0.90 <= coverage <= 0.99
    # Wright's correction removes JMLE's spread: no inflation left on average.
    assert np.mean(slopes) == pytest.approx(1.0, abs=0.04)


def test_without_the_bias_correction_severities_come_out_spread_by_about_l_over_l_minus_1():
    slopes = []
    for seed in range(10):
        (unit, rater, criterion, value), (_, lean, _) = simulate(seed=seed)
        fit = fit_rasch(unit, rater, criterion, value, bias_correction=False)
        slopes.append(np.polyfit(lean, fit.rater_severity, 1)[0])
    assert np.mean(slopes) > 1.04  # 15 ratings per unit: 15/14 = 1.07


def test_thresholds_and_unit_measures_are_recovered():
    (unit, rater, criterion, value), (measure, _, _) = simulate(n_units=400, seed=11)
    fit = fit_rasch(unit, rater, criterion, value)
    assert fit.thresholds == pytest.approx(THRESHOLDS, abs=0.2)
    assert fit.thresholds.sum() == pytest.approx(0.0, abs=1e-9)
    assert np.corrcoef(fit.unit_measure, measure)[0, 1] > 0.9
    assert fit.threshold_se.shape == (4,) and (fit.threshold_se > 0).all()


def test_positive_severity_means_lenient():
    severity = np.zeros(10)
    severity[0] = 1.0  # rater 0 gives higher categories
    (unit, rater, criterion, value), (_, lean, _) = simulate(
        severity=severity, n_raters=10, seed=5, n_units=300
    )
    fit = fit_rasch(unit, rater, criterion, value)
    assert fit.rater_severity[0] == pytest.approx(lean[0], abs=0.2)
    assert fit.rater_severity[0] == fit.rater_severity.max()
    assert value[rater == 0].mean() > value[rater != 0].mean()


def test_a_severity_in_logits_stays_put_when_the_pool_moves_to_the_top_of_the_scale():
    """The linear model's severity shrinks as ratings pile up at the top
    (issue 12: 0.78 → 0.36 points); the ordinal model's does not."""
    severity = np.zeros(20)
    severity[0] = 0.8
    for shift, pool_mean in ((0.0, (2.7, 3.3)), (2.0, (4.1, 4.6))):
        errors = []
        for seed in range(8):
            (unit, rater, criterion, value), (_, lean, _) = simulate(
                severity=severity, seed=seed, n_units=300, thresholds=THRESHOLDS - shift
            )
            assert pool_mean[0] < value.mean() < pool_mean[1]
            errors.append(fit_rasch(unit, rater, criterion, value).rater_severity[0] - lean[0])
        assert abs(np.mean(errors)) < 0.06


def test_partial_credit_variant_estimates_thresholds_per_criterion():
    """Criteria 0–1 with thresholds (−1, 1), criteria 2–3 with (−2.5, 2.5);
    every unit scored on all four by three raters (12 ratings a unit)."""
    rng = np.random.default_rng(8)
    truth = [np.array([-1.0, 1.0])] * 2 + [np.array([-2.5, 2.5])] * 2
    n_units = 800
    measure = rng.normal(0, 1, n_units)
    rows = []
    for criterion, thresholds in enumerate(truth):
        for rater in range(3):
            p = category_probabilities(measure, thresholds)
            value = (rng.random(n_units)[:, None] > np.cumsum(p, axis=1)).sum(axis=1)
            rows.append(
                np.column_stack(
                    [
                        np.arange(n_units),
                        np.full(n_units, rater),
                        np.full(n_units, criterion),
                        value,
                    ]
                )
            )
    unit, rater, criterion, value = np.concatenate(rows).T
    fit = fit_rasch(unit, rater, criterion, value, thresholds="criterion")
    assert fit.converged and fit.thresholds.shape == (4, 2)
    assert fit.thresholds[:2] == pytest.approx(np.array(truth[:2]), abs=0.25)
    assert fit.thresholds[2:] == pytest.approx(np.array(truth[2:]), abs=0.4)
    assert fit.adjusted_scores().shape == (n_units,)
    shared = fit_rasch(unit, rater, criterion, value)
    assert shared.thresholds.shape == (2,)
    # One set in between the two.
    assert -2.5 < shared.thresholds[0] < -1.0


def test_rater_fit_is_about_one_for_model_data_and_high_for_a_rater_who_rates_at_random():
    (unit, rater, criterion, value), _ = simulate(seed=6, n_units=300)
    noisy = rater == 0
    value = value.copy()
    value[noisy] = np.random.default_rng(1).integers(1, 6, noisy.sum())
    fit = fit_rasch(unit, rater, criterion, value)
    assert fit.rater_infit[0] > 1.4 and fit.rater_outfit[0] > 1.4
    # JMLE mean-squares of fitting raters sit a little under 1 with 15
    # ratings a unit.
    assert 0.8 < np.median(fit.rater_infit[1:]) < 1.05


# --- (4) designs the product meets ---------------------------------------------


def test_disconnected_rater_groups_are_reported_and_anchored_each_at_zero():
    """Raters 0–4 score units 0–99, raters 5–9 units 100–199: the groups'
    offset is not estimable. Each group's mean severity is 0, and the
    lenient group's leniency goes into its units' measures instead."""
    severity = np.r_[np.full(5, 1.0), np.zeros(5)]
    (unit, rater, criterion, value), _ = simulate(
        severity=severity, n_raters=5, n_units=100, seed=2
    )
    (unit2, rater2, criterion2, value2), _ = simulate(n_raters=5, n_units=100, seed=9)
    unit = np.r_[unit, unit2 + 100]
    rater = np.r_[rater, rater2 + 5]
    fit = fit_rasch(
        unit, rater, np.r_[criterion, criterion2], np.r_[value, value2], categories=range(1, 6)
    )
    assert fit.rater_group.tolist() == [0] * 5 + [1] * 5
    assert fit.unit_group.tolist() == [0] * 100 + [1] * 100
    assert fit.n_groups == 2
    for group in (0, 1):
        assert fit.rater_severity[fit.rater_group == group].sum() == pytest.approx(0.0, abs=1e-9)
    assert any("2 groups" in note for note in fit.notes)
    assert fit.converged


def test_a_rater_alone_in_a_group_has_no_standard_error():
    (unit, rater, criterion, value), _ = simulate(n_raters=5, n_units=60, seed=21)
    lone = np.arange(5)
    unit = np.r_[unit, np.repeat(1000, 5)]
    rater = np.r_[rater, np.full(5, 99)]
    fit = fit_rasch(unit, rater, np.r_[criterion, lone], np.r_[value, [1, 2, 3, 4, 5]])
    assert fit.n_groups == 2
    assert fit.rater_severity[-1] == 0.0
    assert np.isnan(fit.rater_se[-1]) and np.isfinite(fit.rater_se[:-1]).all()


def test_extreme_units_are_measured_at_a_score_03_inside_the_extreme():
    (unit, rater, criterion, value), _ = simulate(seed=7)
    value = value.copy()
    value[unit == 0] = 5.0  # every rating in the top category
    value[unit == 1] = 1.0  # every rating in the bottom one
    fit = fit_rasch(unit, rater, criterion, value)
    assert fit.unit_extreme[:2].all() and not fit.unit_extreme[2:].any()
    assert fit.unit_measure[0] > fit.unit_measure[2:].max()
    assert fit.unit_measure[1] < fit.unit_measure[2:].min()
    assert np.isfinite(fit.unit_se[:2]).all()
    # Their expected raw score is 0.3 points inside the extreme.
    assert fit.expected[unit == 0].sum() == pytest.approx(
        value[unit == 0].sum() - EXTREME_ADJUSTMENT, abs=1e-6
    )
    assert fit.expected[unit == 1].sum() == pytest.approx(
        value[unit == 1].sum() + EXTREME_ADJUSTMENT, abs=1e-6
    )
    assert any("left out of estimation" in note for note in fit.notes)
    adjusted = fit.adjusted_scores()
    assert 4.5 < adjusted[0] < 5.0 and 1.0 < adjusted[1] < 1.5


def test_an_unused_category_is_collapsed_with_a_note():
    (unit, rater, criterion, value), _ = simulate(seed=12)
    value = np.where(value == 3, 4, value)  # nobody uses 3 on a 1–5 scale
    fit = fit_rasch(unit, rater, criterion, value, categories=[1, 2, 3, 4, 5])
    assert fit.categories.tolist() == [1, 2, 4, 5]
    assert fit.thresholds.shape == (3,)
    assert fit.converged
    assert any("Categories never used (3)" in note for note in fit.notes)
    assert ((fit.expected >= 1) & (fit.expected <= 5)).all()


def test_a_value_outside_the_scale_is_a_clear_error():
    with pytest.raises(ValueError, match="outside the scale's categories: 7"):
        fit_rasch([1, 2], [1, 1], [1, 1], [1, 7], categories=[1, 2, 3])


def test_missing_values_are_dropped_and_the_kept_mask_says_which():
    (unit, rater, criterion, value), _ = simulate(seed=13, n_units=50)
    value = value.copy()
    value[[3, 10]] = np.nan
    fit = fit_rasch(unit, rater, criterion, value)
    assert fit.kept.sum() == value.size - 2 and not fit.kept[3] and not fit.kept[10]
    assert fit.expected.shape == fit.variance.shape == (value.size - 2,)


def test_non_convergence_is_reported_not_hidden():
    (unit, rater, criterion, value), _ = simulate(seed=14)
    fit = fit_rasch(unit, rater, criterion, value, max_iter=2)
    assert not fit.converged and fit.iterations == 2
    assert any("did not converge in 2 iterations" in note for note in fit.notes)


def test_data_with_one_category_give_nan_measures_and_a_note():
    fit = fit_rasch([1, 2, 3], [1, 2, 1], [1, 1, 1], [3.0, 3.0, 3.0])
    assert isinstance(fit, RaschFit) and not fit.converged
    assert np.isnan(fit.rater_severity).all()
    assert fit.notes[-1] == "Fewer than two categories used: the model cannot be fitted."


def test_expected_score_and_adjusted_scores_remove_the_rater():
    (unit, rater, criterion, value), _ = simulate(seed=15)
    fit = fit_rasch(unit, rater, criterion, value)
    grid = fit.expected_score(np.linspace(-6, 6, 25), 0.0)
    assert (np.diff(grid) > 0).all() and 1 < grid[0] < grid[-1] < 5
    # A lenient rater's expected score is higher than the average rater's.
    assert fit.expected_score(0.0, 0.0, 1.0) > fit.expected_score(0.0, 0.0, 0.0)
    adjusted = fit.adjusted_scores()
    by_hand = np.mean(
        [fit.expected_score(fit.unit_measure, e) for e in fit.criterion_effect], axis=0
    )
    assert adjusted == pytest.approx(by_hand)
    assert spearmanr(adjusted, fit.unit_measure).statistic == pytest.approx(1.0)


def test_a_hundred_thousand_ratings_converge_in_a_few_seconds():
    (unit, rater, criterion, value), (_, lean, _) = simulate(
        n_units=2500, n_raters=50, per_unit=2, n_criteria=20, seed=1
    )
    assert value.size == 100_000
    start = time.perf_counter()
    fit = fit_rasch(unit, rater, criterion, value)
    seconds = time.perf_counter() - start
    print(f"100,000 ratings: {seconds:.2f} s, {fit.iterations} iterations")
    assert fit.converged
    assert np.sqrt(np.mean((fit.rater_severity - lean) ** 2)) < 0.06
