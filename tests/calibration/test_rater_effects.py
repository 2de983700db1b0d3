"""Rater effects with honest uncertainty (calibration/stats/effects.py
``scorecard_covariance``, calibration/stats/raters.py): standard errors that
allow for halo, empirical-Bayes shrinkage, flags counted in scorecards,
connected groups and the JSON of the ``rater_effects`` command."""

import dataclasses

import numpy as np
import pytest

from calibration.stats import raters as raters_module
from calibration.stats.effects import fit_additive, scorecard_covariance
from calibration.stats.flags import rater_flags
from calibration.stats.raters import (
    CriterionRow,
    RaterEffectsReport,
    RaterRow,
    empirical_bayes,
    rater_effects,
    report_json,
)

# A tiny design: 4 candidates, 3 reviewers (two per candidate), 2 criteria.
TINY = [
    # unit, rater, criterion, value
    (0, 0, 0, 3), (0, 0, 1, 4), (0, 1, 0, 2), (0, 1, 1, 2),
    (1, 1, 0, 3), (1, 1, 1, 3), (1, 2, 0, 4), (1, 2, 1, 2),
    (2, 0, 0, 4), (2, 0, 1, 5), (2, 2, 0, 3), (2, 2, 1, 4),
    (3, 0, 0, 2), (3, 0, 1, 4), (3, 1, 0, 1), (3, 1, 1, 3),
]  # fmt: skip


def tiny():
    a = np.array(TINY)
    return a[:, 0], a[:, 1], a[:, 2], a[:, 3].astype(float)


def dummy_design(u, r, c):
    """The full design with reference coding: every unit, raters 1.. and
    criteria 1.. (rater 0 and criterion 0 are the references)."""
    columns = [(u == k).astype(float) for k in range(u.max() + 1)]
    columns += [(r == k).astype(float) for k in range(1, r.max() + 1)]
    columns += [(c == k).astype(float) for k in range(1, c.max() + 1)]
    return np.column_stack(columns)


def sum_to_zero_contrast(cov, i, j):
    """Var(θᵢ − θⱼ) from a covariance matrix."""
    return cov[i, i] + cov[j, j] - 2 * cov[i, j]


def test_cr1_sandwich_matches_the_textbook_formula_on_a_tiny_design():
    """CR1 (Cameron & Miller 2015, eq. 11 and §VI.C; what statsmodels'
    ``cov_type="cluster"`` computes): with X the full dummy design (N = 16
    ratings, K = 4 units + 2 raters + 1 criterion = 7 columns), clusters the
    G = 8 scorecards, β̂ = (XᵀX)⁻¹Xᵀy and e = y − Xβ̂,
    V = G/(G−1)·(N−1)/(N−K) · (XᵀX)⁻¹ (Σ_g X_gᵀ e_g e_gᵀ X_g) (XᵀX)⁻¹.
    The coefficient of rater k is the contrast θₖ − θ₀ of the sum-to-zero
    fit, so its variance must equal Var(θₖ − θ₀) from the absorbed fit."""
    u, r, c, y = tiny()
    fit = fit_additive(u, r, c, y, 4, 3, 2, keep_inverse=True)
    cov = scorecard_covariance(u, r, c, fit, 4, 3, 2)

    x = dummy_design(u, r, c)
    xtx_inv = np.linalg.inv(x.T @ x)
    beta = xtx_inv @ x.T @ y
    e = y - x @ beta
    card = u * 3 + r
    meat = np.zeros((x.shape[1], x.shape[1]))
    for g in np.unique(card):
        score = x[card == g].T @ e[card == g]
        meat += np.outer(score, score)
    n, k, g = 16, 7, 8
    reference = g / (g - 1) * (n - 1) / (n - k) * xtx_inv @ meat @ xtx_inv

    assert cov.n_scorecards == 8
    for rater in (1, 2):
        assert fit.effects[rater] - fit.effects[0] == pytest.approx(beta[3 + rater])
        assert sum_to_zero_contrast(cov.cr1, rater, 0) == pytest.approx(
            reference[3 + rater, 3 + rater], rel=1e-9
        )
    # The criterion effects (sum to zero): θ₁ − θ₀ against the criterion 1 column.
    assert sum_to_zero_contrast(cov.cr1, 4, 3) == pytest.approx(reference[6, 6], rel=1e-9)


def test_scorecard_covariance_is_the_sandwich_with_a_scorecard_random_effect():
    """V = (XᵀX)⁻¹ Xᵀ Ω X (XᵀX)⁻¹ with Ω = σ²I + σₕ²KKᵀ (K: scorecard
    indicators), computed densely for the contrasts, with the σ², σₕ² that
    ``scorecard_covariance`` estimated."""
    rng = np.random.default_rng(4)
    u, r, c, y = simulate_linear(rng, n_units=40, n_raters=6, halo=0.5)
    n_raters, n_criteria = 6, 4
    fit = fit_additive(u, r, c, y, 40, n_raters, n_criteria, keep_inverse=True)
    cov = scorecard_covariance(u, r, c, fit, 40, n_raters, n_criteria)
    x = dummy_design(u, r, c)
    xtx_inv = np.linalg.pinv(x.T @ x)
    card = np.unique(u * n_raters + r, return_inverse=True)[1]
    k = np.eye(card.max() + 1)[card]
    omega = cov.residual_var * np.eye(u.size) + cov.halo_var * k @ k.T
    reference = xtx_inv @ x.T @ omega @ x @ xtx_inv
    for rater in range(1, n_raters):
        column = 40 + rater - 1
        assert sum_to_zero_contrast(cov.scorecard, rater, 0) == pytest.approx(
            reference[column, column], rel=1e-8
        )


def simulate_linear(rng, *, n_units, n_raters, halo, n_criteria=4, per_unit=2, sd=0.6):
    rows = []
    severity = rng.normal(0, 0.3, n_raters)
    for unit in range(n_units):
        for rater in rng.choice(n_raters, per_unit, replace=False):
            h = rng.normal(0, halo)
            rows += [(unit, rater, k, severity[rater] + h) for k in range(n_criteria)]
    a = np.array(rows)
    u, r, c = a[:, 0].astype(int), a[:, 1].astype(int), a[:, 2].astype(int)
    y = rng.normal(3, 0.8, n_units)[u] + a[:, 3] + 0.1 * c + rng.normal(0, sd, u.size)
    simulate_linear.severity = severity - severity.mean()
    return u, r, c, y


def test_variance_components_are_unbiased_and_intervals_cover():
    """Halo SD 0.5, noise SD 0.6, two reviewers per candidate: the moment
    estimates average to σₕ² = 0.25 and σ² = 0.36, the 95 % intervals with the
    scorecard SE cover the true severities about 95 % of the time, and the
    classical OLS SE (independent ratings) covers far less."""
    rng = np.random.default_rng(12)
    halo_vars, residual_vars, covered, covered_ols = [], [], [], []
    for _ in range(60):
        u, r, c, y = simulate_linear(rng, n_units=120, n_raters=12, halo=0.5)
        truth = simulate_linear.severity
        fit = fit_additive(u, r, c, y, 120, 12, 4, keep_inverse=True)
        cov = scorecard_covariance(u, r, c, fit, 120, 12, 4)
        halo_vars.append(cov.halo_var)
        residual_vars.append(cov.residual_var)
        error = np.abs(fit.effects[:12] - truth)
        covered += list(error <= 1.96 * np.sqrt(np.diag(cov.scorecard)[:12]))
        ols = np.sqrt(fit.residual_var * np.diag(fit.pseudo_inverse)[:12])
        covered_ols += list(error <= 1.96 * ols)
    assert np.mean(halo_vars) == pytest.approx(0.25, abs=0.02)
    assert np.mean(residual_vars) == pytest.approx(0.36, abs=0.01)
    assert 0.93 <= np.mean(covered) <= 0.97
    assert np.mean(covered_ols) < 0.80


def test_eight_schools_reml_pools_everything():
    """Rubin (1981) / Gelman et al., *Bayesian Data Analysis* (3rd ed., §5.5):
    the eight schools' effects and SEs. The REML estimate of τ is 0, so every
    school's posterior mean is the pooled (precision-weighted) estimate, 7.7
    with SE 4.1 in BDA (7.686 and 4.072 to more digits)."""
    y = [28, 8, -3, 7, -1, 1, 18, 12]
    s = [15, 10, 16, 11, 9, 11, 10, 18]
    post = empirical_bayes(y, s, centre=None, tau_uncertainty=False)
    assert post.tau2 == 0.0
    assert post.mean == pytest.approx(np.full(8, 7.6856), abs=1e-4)
    assert post.sd == pytest.approx(np.full(8, 4.0719), abs=1e-4)
    # Allowing for τ being estimated widens each interval, most for schools far from 7.7.
    wide = empirical_bayes(y, s, centre=None)
    assert (wide.sd >= post.sd).all()
    assert wide.sd[0] > wide.sd[3]


def test_equal_standard_errors_give_the_closed_form():
    """Equal sᵢ = s and μ = 0: the ML estimate is τ̂² = mean(y²) − s² and each
    posterior mean is y·τ̂²/(τ̂² + s²): y = ±1, ±2, s = 0.5 give τ̂² = 2.25 and
    a shrinkage factor 0.9."""
    y = np.array([1.0, -1.0, 2.0, -2.0])
    post = empirical_bayes(y, np.full(4, 0.5), tau_uncertainty=False)
    assert post.tau2 == pytest.approx(2.25)
    assert post.mean == pytest.approx(0.9 * y)
    assert post.sd == pytest.approx(np.full(4, np.sqrt(0.25 * 0.9)))


def design_with_newcomer(rng, halo=0.5):
    """20 regular reviewers with no severity, one 1.0 lenient with 30
    scorecards, and a newcomer (1.0 lenient too) with one 16-criterion
    scorecard."""
    rows = []
    card = 0
    for unit in range(300):
        chosen = list(rng.choice(20, 2, replace=False))
        if unit < 30:
            chosen[0] = 20  # the lenient regular
        if unit == 299:
            chosen[0] = 21  # the newcomer
        for rater in chosen:
            h = rng.normal(0, halo)
            lenient = 1.0 if rater >= 20 else 0.0
            n_criteria = 16 if rater == 21 else 4
            rows += [(unit, rater, k, lenient + h) for k in range(n_criteria)]
            card += 1
    a = np.array(rows)
    u, r, c = a[:, 0].astype(int), a[:, 1].astype(int), a[:, 2].astype(int)
    quality = rng.normal(3, 0.8, 300)
    y = quality[u] + a[:, 3] + rng.normal(0, 0.6, u.size)
    return u, r, c, y


def test_flags_count_scorecards_and_shrink_newcomers():
    u, r, c, y = design_with_newcomer(np.random.default_rng(8))
    report = rater_effects(u, r, c, y, alphas=False)
    lenient, newcomer = report.rater(20), report.rater(21)
    assert lenient.n_scorecards == 30 and lenient.n_ratings == 120
    assert "lenient" in lenient.flags
    assert lenient.severity > 0.5
    # Sixteen ratings but one scorecard: not enough, and pulled toward 0.
    assert newcomer.n_scorecards == 1 and newcomer.n_ratings == 16
    assert newcomer.flags == ("too_few_scorecards",)
    assert newcomer.reason.startswith("1 scorecard on candidates")
    assert abs(newcomer.severity_shrunk) < abs(newcomer.severity)
    assert newcomer.sd_shrunk < newcomer.se
    # Its SE allows for halo: far wider than the classical one.
    assert newcomer.se > 1.5 * newcomer.se_model
    assert report.halo_sd == pytest.approx(0.5, abs=0.1)
    assert report.tau is not None and report.tau > 0
    regulars = [row for row in report.raters if row.rater < 20]
    assert sum("lenient" in row.flags or "severe" in row.flags for row in regulars) <= 1


def test_adjusted_scores_remove_the_shrunk_severities():
    u, r, c, y = design_with_newcomer(np.random.default_rng(9))
    report = rater_effects(u, r, c, y, alphas=False)
    shrunk = np.array([row.severity_shrunk for row in report.raters])
    effect = np.array([row.effect for row in report.criteria])
    expected = np.bincount(u, y - shrunk[r] - effect[c]) / np.bincount(u)
    assert report.adjusted_score == pytest.approx(expected)
    assert list(report.units) == list(range(300))
    # Not the raw ones: the newcomer's one candidate moves less than its raw severity.
    raw = np.array([row.severity for row in report.raters])
    with_raw = np.bincount(u, y - raw[r] - effect[c]) / np.bincount(u)
    assert report.adjusted_score[299] > with_raw[299]


def test_two_disconnected_groups_are_reported():
    u, r, c, y = design_with_newcomer(np.random.default_rng(10))
    report = rater_effects(
        np.r_[u, u + 1000], np.r_[r, r + 100], np.r_[c, c], np.r_[y, y + 1.0], alphas=False
    )
    assert len(report.groups) == 2
    assert report.groups[0].raters == tuple(range(22))
    assert report.groups[1].raters == tuple(range(100, 122))
    assert [g.n_units for g in report.groups] == [300, 300]
    assert list(report.unit_group) == [0] * 300 + [1] * 300
    (note,) = report.notes
    assert "2 groups" in note and "comparable only within a group" in note
    assert "scored by reviewers from each group" in note
    # The second group's +1 offset cannot be seen: its severities match the first's.
    first = [row.severity for row in report.raters[:22]]
    second = [row.severity for row in report.raters[22:]]
    assert second == pytest.approx(first, abs=1e-9)


def test_a_reviewer_alone_has_no_severity():
    u, r, c, y = tiny()
    report = rater_effects(np.r_[u, 9, 9], np.r_[r, 7, 7], np.r_[c, 0, 1], np.r_[y, 3, 4])
    alone = report.rater(7)
    assert alone.severity is None and alone.severity_shrunk is None
    assert alone.flags == ("too_few_scorecards",)
    assert "shares no candidate" in alone.reason
    assert len(report.groups) == 2


INTERFACE_RATER_FIELDS = [
    "rater", "group", "n_scorecards", "n_ratings", "severity", "se", "severity_shrunk",
    "sd_shrunk", "infit", "outfit", "halo", "central_tendency", "range_ratio", "flags", "reason",
]  # fmt: skip


def test_dataclasses_follow_the_shared_interface():
    names = [f.name for f in dataclasses.fields(RaterRow)]
    assert names[: len(INTERFACE_RATER_FIELDS)] == INTERFACE_RATER_FIELDS
    assert [f.name for f in dataclasses.fields(CriterionRow)] == [
        "criterion", "n_ratings", "effect", "se", "alpha_interval",
    ]  # fmt: skip
    names = [f.name for f in dataclasses.fields(RaterEffectsReport)]
    assert names[:11] == [
        "method", "groups", "raters", "criteria", "bias", "separation", "units",
        "adjusted_score", "unit_group", "notes", "tau",
    ]  # fmt: skip


def test_report_json_has_exactly_the_interface_keys():
    u, r, c, y = design_with_newcomer(np.random.default_rng(11))
    result = report_json(rater_effects(u, r, c, y))
    assert list(result) == ["method", "groups", "raters", "criteria", "separation", "notes"]
    assert list(result["raters"][0]) == [
        "rater", "group", "n_scorecards", "n_ratings", "severity", "se", "severity_shrunk",
        "sd_shrunk", "infit", "outfit", "halo", "central_tendency", "flags",
    ]  # fmt: skip
    assert list(result["criteria"][0]) == ["criterion", "effect", "se", "alpha_interval"]
    assert list(result["separation"]) == ["index", "reliability"]
    assert result["groups"] == [list(range(22))]
    assert result["separation"]["reliability"] > 0.5  # one reviewer truly differs
    alphas = [row["alpha_interval"] for row in result["criteria"]]
    assert all(-1 <= a <= 1 for a in alphas[:4])
    assert alphas[4:] == [None] * 12  # scored by the newcomer alone: no agreement to measure


def test_rater_flags_speak_in_scorecards():
    u, r, c, y = design_with_newcomer(np.random.default_rng(8))
    flags = {(f.kind, f.code): f.message for f in rater_flags(rater_effects(u, r, c, y))}
    assert "30 scorecards" in flags["lenient_rater", 20]
    assert "1 scorecard on" in flags["too_few_scorecards", 21]


def test_unknown_method_and_rasch():
    u, r, c, y = tiny()
    with pytest.raises(ValueError, match="unknown method"):
        rater_effects(u, r, c, y, method="probit")
    try:
        import calibration.stats.rasch  # noqa: F401
    except ImportError:
        with pytest.raises(NotImplementedError):
            rater_effects(u, r, c, y, method="rasch")
    else:
        report = rater_effects(u, r, c, y, method="rasch")
        assert report.method == "rasch"
        assert len(report.raters) == 3
    assert raters_module.MIN_SCORECARDS == 5


def test_rasch_adjusted_scores_remove_the_shrunk_severities():
    pytest.importorskip("calibration.stats.rasch")
    u, r, c, y = design_with_newcomer(np.random.default_rng(9))
    y = np.clip(np.rint(y), 1, 5)
    report = rater_effects(u, r, c, y, method="rasch", scale_min=1, scale_max=5, alphas=False)
    from calibration.stats.rasch import fit_rasch

    fit = fit_rasch(u, r, c, y)
    raw = np.array([row.severity for row in report.raters])
    shrunk = np.array([row.severity_shrunk for row in report.raters])
    newcomer = report.rater(21)
    assert abs(newcomer.severity_shrunk) < abs(newcomer.severity) - 0.1
    # By hand: expected scores with each rating's rater at the shrunk severity
    # against the raw one, on top of the expected score by a rater of severity 0.
    b, delta = fit.unit_measure[u], fit.criterion_effect[c]
    put_back = fit.expected_score(b, delta, raw[r]) - fit.expected_score(b, delta, shrunk[r])
    expected = fit.adjusted_scores() + np.bincount(u, put_back) / np.bincount(u)
    assert report.adjusted_score == pytest.approx(expected)
    # The newcomer's one candidate keeps most of what the raw severity took off:
    # its adjusted score sits above the raw-severity one, unlike the others'.
    moved = report.adjusted_score - fit.adjusted_scores()
    assert moved[299] > 0.05
    assert np.median(np.abs(moved[:299])) < moved[299]


def test_a_single_criterion_still_gets_standard_errors():
    """One rating per scorecard: the ordinary least-squares SE is the exact one,
    so reviewers with plenty of scorecards are judged, not 'too few'."""
    import numpy as np

    from calibration.stats.raters import rater_effects

    rng = np.random.default_rng(3)
    units = np.repeat(np.arange(80), 2)
    raters = np.concatenate([rng.choice(6, 2, replace=False) for _ in range(80)])
    values = np.clip(np.round(3 + rng.normal(0, 0.7, units.size) + (raters == 0) * 1.0), 1, 5)
    report = rater_effects(units, raters, np.zeros(units.size, dtype=int), values)
    assert all(row.se is not None and row.se > 0 for row in report.raters)
    assert all("too_few_scorecards" not in row.flags for row in report.raters)
