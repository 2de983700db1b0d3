"""The additive rater-effects model fitted by sparse least squares: rater
severity, criterion effects and adjusted unit scores."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import linalg, sparse
from scipy.sparse import csgraph

from calibration.stats import limits
from calibration.stats._codes import (
    cell_counts,
    clean,
    code_counts,
    code_sums,
    combine,
    count_table,
    dense,
    factorize,
    scalar,
)
from calibration.stats.statistic import (
    NO_RATINGS,
)


@dataclass(frozen=True)
class RaterSeverity:
    """One rater's estimated severity/leniency.

    ``severity`` is in scale points and **positive means lenient**: the rater
    scores that much higher than the model's consensus predicts for the same
    candidates and criteria; negative means severe. It is relative to the mean
    rater of the rater's ``group`` (raters linked through shared units).
    """

    rater: Any
    n_ratings: int
    mean_score: float
    severity: float | None
    se: float | None
    group: int
    reason: str | None = None


@dataclass(frozen=True)
class CriterionEffect:
    """A criterion's effect in scale points (positive: scored higher than the
    mean criterion), relative to the mean criterion."""

    criterion: Any
    n_ratings: int
    mean_score: float
    effect: float | None
    se: float | None


@dataclass(frozen=True)
class UnitScores:
    """Per unit, in ``unit`` order: raw mean rating, the candidate effect (sum
    to zero over units) and the adjusted score = overall mean + candidate
    effect, i.e. what the mean rater would give on the mean criterion."""

    unit: np.ndarray
    n_ratings: np.ndarray
    raw_mean: np.ndarray
    candidate_effect: np.ndarray
    adjusted_score: np.ndarray
    adjusted_score_se: np.ndarray | None


@dataclass(frozen=True)
class RaterEffects:
    """The fitted additive model value = μ + candidate + rater + criterion + noise."""

    mean: float | None
    residual_sd: float | None
    df_residual: int
    n_ratings: int
    n_groups: int
    raters: tuple[RaterSeverity, ...]
    criteria: tuple[CriterionEffect, ...]
    units: UnitScores
    notes: dict[str, str] = field(default_factory=dict)

    def severity_of(self, rater: Any) -> RaterSeverity:
        for row in self.raters:
            if row.rater == rater:
                return row
        raise KeyError(rater)


@dataclass(frozen=True)
class AdditiveFit:
    """Internals of one least-squares fit (see ``fit_additive``)."""

    effects: np.ndarray  # raters then criteria
    effect_var: np.ndarray | None  # their variances
    unit_level: np.ndarray  # μ + candidate effect, per unit
    unit_level_var: np.ndarray | None
    residual_var: float | None
    df_residual: int
    rater_group: np.ndarray
    group_sizes: np.ndarray
    residuals: np.ndarray | None = None  # per rating, y − fitted
    rank: int = 0  # of the reduced system ZᵀMZ
    pseudo_inverse: np.ndarray | None = None  # (ZᵀMZ)⁺, when asked for


def fit_rater_effects(
    unit: Any,
    rater: Any,
    value: Any,
    criterion: Any = None,
    *,
    unit_standard_errors: bool = True,
) -> RaterEffects:
    """Fit value = μ + candidate(unit) + rater + criterion + noise by least
    squares and return each rater's severity (positive = lenient) with its
    standard error, each criterion's effect, and each unit's adjusted score.

    Method: the additive two-way (here three-way) fixed-effects model without
    interaction for unbalanced data (Searle, S. R. (1987). *Linear Models for
    Unbalanced Data*. Wiley, ch. 4–5). The candidate effects (with μ) are
    absorbed by the within-unit projection M = I − A(AᵀA)⁻¹Aᵀ
    (Frisch–Waugh–Lovell; Lovell, M. C. (1963). *JASA* 58, 993–1010), leaving
    the small (raters + criteria)² Schur-complement system
    ZᵀMZ θ = ZᵀMy, built from sparse counts in O(ratings) and solved by an
    eigendecomposition. Its pseudo-inverse gives the minimum-norm solution,
    which is exactly the sum-to-zero constraints: rater effects sum to zero
    within each group of raters linked through shared units, criterion effects
    sum to zero. Standard errors are σ̂·√diag((ZᵀMZ)⁺), with σ̂² = RSS /
    (N − units − rank), the covariance of these estimable contrasts.

    A rater who shares no unit with another rater cannot be told apart from
    the candidates they saw: their severity is None with that reason. Raters
    in different groups are not comparable (noted in ``notes``). With
    ``unit_standard_errors=False`` the units' ``adjusted_score_se`` is left
    None, which saves a units × parameters product.
    """
    unit, rater, value, *rest = clean(
        unit, rater, value, *([] if criterion is None else [criterion])
    )
    units, u = factorize(unit)
    raters, r = factorize(rater)
    if rest:
        criteria, c = factorize(rest[0])
    else:
        criteria, c = np.zeros(0), None
    notes: dict[str, str] = {}
    if value.size == 0:
        empty = np.zeros(0)
        return RaterEffects(
            mean=None,
            residual_sd=None,
            df_residual=0,
            n_ratings=0,
            n_groups=0,
            raters=(),
            criteria=(),
            units=UnitScores(empty, empty.astype(int), empty, empty, empty, None),
            notes={"model": NO_RATINGS},
        )
    fit = fit_additive(
        u,
        r,
        c,
        value,
        units.size,
        raters.size,
        criteria.size,
        unit_variance=unit_standard_errors,
    )
    n_per_rater = np.bincount(r, minlength=raters.size)
    mean_per_rater = np.bincount(r, value, minlength=raters.size) / n_per_rater
    rater_rows = []
    for index in range(raters.size):
        group = int(fit.rater_group[index])
        alone = fit.group_sizes[group] < 2
        se = None
        if not alone and fit.effect_var is not None:
            se = float(math.sqrt(max(fit.effect_var[index], 0.0)))
        rater_rows.append(
            RaterSeverity(
                rater=scalar(raters[index]),
                n_ratings=int(n_per_rater[index]),
                mean_score=float(mean_per_rater[index]),
                severity=None if alone else float(fit.effects[index]),
                se=se,
                group=group,
                reason=(
                    "shares no unit with another rater, so severity cannot be told apart "
                    "from the quality of the units rated"
                    if alone
                    else None
                ),
            )
        )
    criterion_rows = []
    if c is not None:
        n_per_criterion = np.bincount(c, minlength=criteria.size)
        mean_per_criterion = np.bincount(c, value, minlength=criteria.size) / n_per_criterion
        for index in range(criteria.size):
            at = raters.size + index
            criterion_rows.append(
                CriterionEffect(
                    criterion=scalar(criteria[index]),
                    n_ratings=int(n_per_criterion[index]),
                    mean_score=float(mean_per_criterion[index]),
                    effect=float(fit.effects[at]) if criteria.size > 1 else 0.0,
                    se=(
                        float(math.sqrt(max(fit.effect_var[at], 0.0)))
                        if fit.effect_var is not None and criteria.size > 1
                        else None
                    ),
                )
            )
    n_per_unit = np.bincount(u, minlength=units.size)
    mu = float(fit.unit_level.mean())
    unit_scores = UnitScores(
        unit=units,
        n_ratings=n_per_unit,
        raw_mean=np.bincount(u, value, minlength=units.size) / n_per_unit,
        candidate_effect=fit.unit_level - mu,
        adjusted_score=fit.unit_level,
        adjusted_score_se=(
            None if fit.unit_level_var is None else np.sqrt(np.maximum(fit.unit_level_var, 0.0))
        ),
    )
    n_groups = int(fit.group_sizes.size)
    if n_groups > 1:
        notes["groups"] = (
            f"raters form {n_groups} groups that share no units; severities are relative "
            f"to each group's mean rater and not comparable across groups"
        )
    if fit.residual_var is None:
        notes["residual_sd"] = (
            "no residual degrees of freedom (too few ratings per unit), so no standard errors"
        )
    return RaterEffects(
        mean=mu,
        residual_sd=None if fit.residual_var is None else float(math.sqrt(fit.residual_var)),
        df_residual=fit.df_residual,
        n_ratings=int(value.size),
        n_groups=n_groups,
        raters=tuple(rater_rows),
        criteria=tuple(criterion_rows),
        units=unit_scores,
        notes=notes,
    )


def fit_additive(
    u: np.ndarray,
    r: np.ndarray,
    c: np.ndarray | None,
    y: np.ndarray,
    n_units: int,
    n_raters: int,
    n_criteria: int,
    *,
    unit_variance: bool = True,
    keep_inverse: bool = False,
    rater_counts: sparse.csr_matrix | None = None,
) -> AdditiveFit:
    """Least squares for y = unit + rater + criterion (see ``fit_rater_effects``).

    With A the unit indicators (N × U, absorbed) and Z = [raters | criteria]
    (N × P), the reduced normal equations are (ZᵀZ − ZᵀA D⁻¹ AᵀZ) θ =
    Zᵀy − ZᵀA ȳ_unit, where D = diag(ratings per unit). H = AᵀZ (U × P) is a
    sparse count table, so the P × P system costs O(ratings). Without
    ``unit_variance`` the variances of the unit levels are not computed; with
    ``keep_inverse`` the pseudo-inverse of ZᵀMZ is returned (for
    ``scorecard_covariance``), which changes none of the estimates.

    Up to ``limits.SAME_ARITHMETIC_UP_TO`` ratings H is one sparse matrix, as it
    always was (the same floating-point operations, the same results to the
    last bit). Past it, H = [S | T] is handled block by block: S (ratings of
    each unit by each rater) sparse, T (on each criterion) dense when small,
    and large systems go through ``_pinv_with_null_space``. ``rater_counts``,
    when the caller has it: S itself, ``count_table(u, r, n_units, n_raters)``."""
    n = y.size
    n_params = n_raters + (n_criteria if c is not None else 0)
    same_arithmetic = n <= limits.SAME_ARITHMETIC_UP_TO
    per_unit = code_counts(u, minlength=n_units).astype(float)
    unit_mean = code_sums(u, y, minlength=n_units) / per_unit
    inverse_count = sparse.diags(1.0 / per_unit)
    ztz = np.zeros((n_params, n_params))
    diagonal = np.arange(n_params)
    ztz[diagonal[:n_raters], diagonal[:n_raters]] = code_counts(r, minlength=n_raters)
    zty = [code_sums(r, y, minlength=n_raters)]
    if c is not None:
        ztz[diagonal[n_raters:], diagonal[n_raters:]] = code_counts(c, minlength=n_criteria)
        cross = np.bincount(r * n_criteria + c, minlength=n_raters * n_criteria)
        cross = cross.reshape(n_raters, n_criteria)
        ztz[:n_raters, n_raters:] = cross
        ztz[n_raters:, :n_raters] = cross.T
        zty.append(code_sums(c, y, minlength=n_criteria))
    zty = np.concatenate(zty)
    h_mean = t_mean = None
    if same_arithmetic:
        columns = [r] if c is None else [r, n_raters + c]
        h = sparse.csr_matrix(
            (np.ones(n * len(columns)), (np.tile(u, len(columns)), np.concatenate(columns))),
            shape=(n_units, n_params),
        )
        h_mean = inverse_count @ h  # each unit's mean indicator row
        reduced = ztz - (h.T @ h_mean).toarray()
        rhs = zty - h.T @ unit_mean
        links = (r, u)
    else:
        s = count_table(u, r, n_units, n_raters) if rater_counts is None else rater_counts
        s_mean = inverse_count @ s
        products = [[dense(s.T @ s_mean)]]
        rhs = [s.T @ unit_mean]
        if c is not None:
            cells = n_units * n_criteria
            if cells <= max(limits.LOOKUP_SLACK * n, limits.PACKAGE_CELL_BUDGET):
                t = cell_counts(u, n_criteria, c, cells).astype(float)
                t = t.reshape(n_units, n_criteria)
                t_mean = t * (1.0 / per_unit)[:, None]
            else:
                t = count_table(u, c, n_units, n_criteria)
                t_mean = inverse_count @ t
            products[0].append(dense(s.T @ t_mean))
            products.append([dense(t.T @ s_mean), dense(t.T @ t_mean)])
            rhs.append(t.T @ unit_mean)
        reduced = ztz - np.block(products)
        rhs = zty - np.concatenate(rhs)
        links = (s.indices, np.repeat(np.arange(n_units), np.diff(s.indptr)))
    reduced = (reduced + reduced.T) / 2.0
    # Groups of raters linked through shared units (bipartite components).
    graph = sparse.csr_matrix(
        (np.ones(links[0].size), (links[0], n_raters + links[1])),
        shape=(n_raters + n_units, n_raters + n_units),
    )
    _, labels = csgraph.connected_components(graph, directed=False)
    group_codes, rater_group = np.unique(labels[:n_raters], return_inverse=True)
    rater_group = rater_group.reshape(-1)
    solved = None
    if n_params >= limits.CHOLESKY_FROM and not same_arithmetic:
        # The model's null space: each group's raters all up by the same
        # amount (its units down by it), and all criteria up together.
        null = np.zeros((n_params, group_codes.size + (c is not None)))
        null[np.arange(n_raters), rater_group] = 1.0
        if c is not None:
            null[n_raters:, -1] = 1.0
        solved = _pinv_with_null_space(reduced, null, rhs, unit_variance or keep_inverse)
    if solved is None:
        solved = _pinv_by_eigh(reduced, rhs, unit_variance or keep_inverse)
    effects, effect_pinv_diag, pseudo_inverse, rank = solved
    if h_mean is None:
        h_mean = s_mean
        if t_mean is not None:
            unit_level = unit_mean - (s_mean @ effects[:n_raters] + t_mean @ effects[n_raters:])
            if unit_variance:
                h_mean = sparse.hstack([s_mean, sparse.csr_matrix(t_mean)], format="csr")
        else:
            unit_level = unit_mean - s_mean @ effects
    else:
        unit_level = unit_mean - h_mean @ effects
    fitted = unit_level[u] + effects[r]
    if c is not None:
        fitted += effects[n_raters:][c]
    residuals = y - fitted
    df = int(n - n_units - rank)
    residual_var = float(residuals @ residuals) / df if df > 0 else None
    # Var(adjusted score) = σ² (1 / n_u + h_u (ZᵀMZ)⁺ h_uᵀ): the unit mean and
    # the within-unit estimates are uncorrelated because AᵀM = 0.
    unit_level_var = None
    effect_var = None
    if residual_var is not None:
        effect_var = residual_var * effect_pinv_diag
    if residual_var is not None and unit_variance:
        quadratic = np.empty(n_units)
        for start in range(0, n_units, limits.UNIT_CHUNK):
            rows = h_mean[start : start + limits.UNIT_CHUNK]
            quadratic[start : start + limits.UNIT_CHUNK] = np.asarray(
                rows.multiply(rows @ pseudo_inverse).sum(axis=1)
            ).ravel()
        unit_level_var = residual_var * (1.0 / per_unit + quadratic)
    return AdditiveFit(
        effects=effects,
        effect_var=effect_var,
        unit_level=unit_level,
        unit_level_var=unit_level_var,
        residual_var=residual_var,
        df_residual=max(df, 0),
        rater_group=rater_group,
        group_sizes=np.bincount(rater_group, minlength=group_codes.size),
        residuals=residuals,
        rank=rank,
        pseudo_inverse=pseudo_inverse if keep_inverse else None,
    )


def _pinv_by_eigh(
    a: np.ndarray, rhs: np.ndarray, full: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, int]:
    """(A⁺ rhs, diag A⁺, A⁺ if ``full``, rank) for a symmetric positive
    semi-definite A, by its eigendecomposition: eigenvalues up to
    max(λ_max, 1) · P · 1e-10 count as zero."""
    eigenvalues, eigenvectors = np.linalg.eigh(a)
    tolerance = max(eigenvalues.max(initial=0.0), 1.0) * a.shape[0] * 1e-10
    kept = eigenvalues > tolerance
    basis = eigenvectors[:, kept]
    pseudo_inverse = (basis / eigenvalues[kept]) @ basis.T
    diagonal = np.diag(pseudo_inverse).copy()
    return pseudo_inverse @ rhs, diagonal, pseudo_inverse if full else None, int(kept.sum())


def _pinv_with_null_space(
    a: np.ndarray, null: np.ndarray, rhs: np.ndarray, full: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, int] | None:
    """What ``_pinv_by_eigh`` gives, through a Cholesky factorisation, when
    the columns of ``null`` (disjoint 0/1 indicators) span A's null space;
    None when that cannot be certified, and the caller uses the
    eigendecomposition.

    With Q the normalised null vectors and σ ≥ λ_max(A) (Gershgorin's bound),
    B = A + σQQᵀ is positive definite and A⁺ = B⁻¹ − QQᵀ/σ. Certified: AQ = 0
    to rounding, and λ_min(B) ≥ 1 / trace(B⁻¹) exceeds the eigenvalue
    tolerance computed with σ in place of λ_max, so every other eigenvalue of
    A is one that the eigendecomposition would keep too."""
    p = a.shape[0]
    sigma = max(float(np.abs(a).sum(axis=1).max()), 1.0)
    tolerance = sigma * p * 1e-10
    q = null / np.sqrt(null.sum(axis=0))
    if np.abs(a @ q).max(initial=0.0) > 1e-9 * sigma:
        return None
    b = a + sigma * (q @ q.T)
    try:
        lower = linalg.cholesky(b, lower=True, check_finite=False)
    except linalg.LinAlgError:
        return None
    # A Cholesky factor has a positive diagonal, so its inverse always exists.
    inverse_lower, _ = linalg.lapack.dtrtri(lower, lower=1)
    b_inverse_diag = (inverse_lower * inverse_lower).sum(axis=0)
    if not 1.0 / b_inverse_diag.sum() > tolerance:
        return None
    q_diag = (q * q).sum(axis=1) / sigma
    effects = inverse_lower.T @ (inverse_lower @ rhs) - q @ (q.T @ rhs) / sigma
    pseudo_inverse = None
    if full:
        pseudo_inverse = inverse_lower.T @ inverse_lower - (q @ q.T) / sigma
    return effects, b_inverse_diag - q_diag, pseudo_inverse, p - q.shape[1]


# --- Standard errors that allow for halo (ratings on one scorecard correlated) ---


@dataclass(frozen=True)
class ScorecardCovariance:
    """Covariances of the rater and criterion effects (in ``AdditiveFit.effects``
    order) that do not assume a scorecard's ratings are independent.

    ``scorecard``: the OLS estimates' covariance under a scorecard random
    effect, Ω = σ²I + σₕ²KKᵀ (K: scorecard indicators; σₕ² the halo variance):
    V = σ²(ZᵀMZ)⁺ + σₕ²(ZᵀMZ)⁺SᵀS(ZᵀMZ)⁺ with S = KᵀMZ, σ² and σₕ² estimated
    by moments (Henderson's method III idea: the expected within-scorecard and
    total residual sums of squares, computed exactly, set equal to the
    observed ones; Searle, Casella & McCulloch (1992). *Variance Components*,
    Wiley, §5.5). ``cr1``: the cluster-robust sandwich by scorecard,
    (ZᵀMZ)⁺ (Σ_g s_g s_gᵀ) (ZᵀMZ)⁺ with s_g = Σ_{i∈g} (MZ)ᵢ eᵢ and the CR1
    small-sample factor G/(G−1)·(N−1)/(N−K) (Liang, K.-Y. & Zeger, S. L.
    (1986). *Biometrika* 73, 13–22; Cameron, A. C. & Miller, D. L. (2015).
    *J. Human Resources* 50, 317–372, §VI); it is biased down when a few
    scorecards share a candidate, and a rater with one scorecard gets
    almost no variance (their scorecard's residual is fitted away).
    """

    scorecard: np.ndarray | None
    cr1: np.ndarray | None
    residual_var: float | None  # σ², within scorecards
    halo_var: float | None  # σₕ², between scorecards of one candidate
    n_scorecards: int


def scorecard_covariance(
    u: np.ndarray,
    r: np.ndarray,
    c: np.ndarray | None,
    fit: AdditiveFit,
    n_units: int,
    n_raters: int,
    n_criteria: int,
    *,
    cards: tuple[np.ndarray, np.ndarray] | None = None,
    with_cr1: bool = True,
) -> ScorecardCovariance:
    """See ``ScorecardCovariance``; ``fit`` from ``fit_additive(...,
    keep_inverse=True)`` on the same (dense-coded) ratings; ``cards``, when
    the caller has them, ``factorize(u * n_raters + r)``. O(ratings) to build
    unit- and scorecard-level sums, then P × P products (P = raters +
    criteria)."""
    n = u.size
    n_params = n_raters + (n_criteria if c is not None else 0)
    b_plus = fit.pseudo_inverse
    e = fit.residuals
    codes, g = cards if cards is not None else combine(u, n_raters, r)
    n_cards = codes.size
    if b_plus is None or e is None or n_cards < 2:
        return ScorecardCovariance(None, None, None, None, n_cards)
    card_unit, card_rater = codes // n_raters, codes % n_raters
    per_card = code_counts(g, minlength=n_cards).astype(float)
    per_unit = code_counts(u, minlength=n_units).astype(float)
    card_residual = np.bincount(g, e, minlength=n_cards)

    # Each unit's mean regressor row h̄ᵤ (what the within-unit projection
    # removes). Scorecard g's row of KᵀMZ is s_g = z_g − m_g·h̄ᵤ with z_g its
    # regressor sums (m_g in its rater's column, its criterion counts), and its
    # score is Σ_{i∈g} (MZ)ᵢeᵢ = z_gᵉ − E_g·h̄ᵤ (residual sums in place of
    # counts): both sums of outer products are formed per unit, not per
    # scorecard (``_centred_outer``).
    blocks = [count_table(u, r, n_units, n_raters)]
    counts = sums = None
    if c is not None:
        blocks.append(count_table(u, c, n_units, n_criteria))
        # Without the sandwich (which needs the residual sums per cell), a table
        # nearly full, as ratings per scorecard and criterion are, is counted
        # straight into a dense array: ``_gram`` multiplies it densely anyway.
        if not with_cr1:
            counts = _dense_counts(g, c, n_cards, n_criteria, budget=2 * n + 1024)
        if counts is None:
            counts, sums = _sum_table(g, c, n_cards, n_criteria, e)
    h_mean = sparse.diags(1.0 / per_unit) @ sparse.hstack(blocks, format="csr")
    design = (g, u, r, c, card_unit, card_rater, h_mean, n_units, n_raters, n_criteria)
    sts = _centred_outer(per_card, None, counts, *design)  # x = 1 for every rating
    df = n - n_units - fit.rank
    k = n_units + fit.rank
    cr1 = None
    if df > 0 and with_cr1:  # the sandwich, kept for comparison (not used by the flags)
        meat = _centred_outer(card_residual, e, sums, *design)
        factor = n_cards / (n_cards - 1) * (n - 1) / (n - k)
        cr1 = factor * (b_plus @ meat @ b_plus)
    # Moments: within-scorecard SS eᵀWe and total SS eᵀe against their
    # expectations σ²·tr(WM) + σₕ²·‖WMK‖² and σ²·tr(M) + σₕ²·tr(KᵀMK), where
    # W = I − K(KᵀK)⁻¹Kᵀ removes scorecard means. ZᵀWZ has only a criterion
    # block (a scorecard's rater and unit are constant within it):
    # diag(ratings per criterion) − Σ_g t_g t_gᵀ / m_g, t_g its criterion counts.
    zwz = np.zeros((n_params, n_params))
    if c is not None:
        if isinstance(counts, np.ndarray):
            weighted = (counts * (1.0 / per_card)[:, None]).T @ counts
        else:
            weighted = dense(counts.T @ sparse.diags(1.0 / per_card) @ counts)
        zwz[n_raters:, n_raters:] = np.diag(code_counts(c, minlength=n_criteria)) - weighted
    b_sts = b_plus @ sts
    within_ss = float(e @ e - card_residual @ (card_residual / per_card))
    total_ss = float(e @ e)
    a11 = n - n_cards - float(np.sum(b_plus * zwz))
    a12 = float(np.sum((b_plus @ zwz @ b_plus) * sts))
    a21 = float(df)
    a22 = n - float(per_card @ (per_card / per_unit[card_unit])) - float(np.trace(b_sts))
    scorecard = residual_var = halo_var = None
    if a11 > 0.5 and a22 > 0.5:
        residual_var, halo_var = np.linalg.solve([[a11, a12], [a21, a22]], [within_ss, total_ss])
        if halo_var < 0:
            halo_var, residual_var = 0.0, within_ss / a11
        residual_var, halo_var = max(float(residual_var), 0.0), float(halo_var)
        scorecard = residual_var * b_plus + halo_var * (b_sts @ b_plus)
    elif a11 <= 0.5 and df > 0:
        # One rating per scorecard (a single criterion): nothing varies within a
        # scorecard, so halo and noise cannot be told apart, and need not be: the
        # errors are independent with variance σ² + σₕ², and the ordinary SE is exact.
        residual_var, halo_var = total_ss / df, 0.0
        scorecard = residual_var * b_plus
    return ScorecardCovariance(scorecard, cr1, residual_var, halo_var, n_cards)


def _dense_counts(
    rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int, *, budget: int
) -> np.ndarray | None:
    """How often each (row, col) pair occurs, as a dense float array, when the
    table has at most ``budget`` cells and is as full as ``_gram`` requires to
    multiply it densely (so that its Gram is what the sparse table's gives, to
    the last bit); None otherwise."""
    cells = n_rows * n_cols
    if not rows.size or cells > budget:
        return None
    counts = np.bincount(rows * n_cols + cols, minlength=cells)
    if cells > 2 * np.count_nonzero(counts) + 1024 or float(counts.max()) ** 2 * n_rows >= 2.0**52:
        return None
    return counts.reshape(n_rows, n_cols).astype(float)


def _sum_table(
    rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int, weights: np.ndarray
) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """(counts, sums of ``weights``) per (row, col) pair, as two CSR matrices
    with the same structure (sorted keys, no duplicates)."""
    keys, index = factorize(rows.astype(np.int64) * n_cols + cols)
    counts = np.bincount(index, minlength=keys.size).astype(float)
    sums = np.bincount(index, weights, minlength=keys.size)
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys // n_cols, minlength=n_rows), out=indptr[1:])
    columns = keys % n_cols
    shape = (n_rows, n_cols)
    return (
        sparse.csr_matrix((counts, columns, indptr), shape=shape),
        sparse.csr_matrix((sums, columns, indptr), shape=shape),
    )


def _centred_outer(
    a: np.ndarray,
    x: np.ndarray | None,
    table: sparse.csr_matrix | None,
    g: np.ndarray,
    u: np.ndarray,
    r: np.ndarray,
    c: np.ndarray | None,
    card_unit: np.ndarray,
    card_rater: np.ndarray,
    h_mean: sparse.csr_matrix,
    n_units: int,
    n_raters: int,
    n_criteria: int,
) -> np.ndarray:
    """Σ_g (v_g − a_g h̄ᵤ₍g₎)(v_g − a_g h̄ᵤ₍g₎)ᵀ over scorecards g, where v_g has
    a_g in the scorecard's rater column and, per criterion, the sum of ``x``
    over its ratings on it (``table``: scorecards × criteria). Expanded as
    Σ v vᵀ − QᵀH − HᵀQ + Hᵀdiag(Σ_{g∈u} a_g²)H with Q's row u = Σ_{g∈u} a_g v_g,
    so that only the unit-level H (= ``h_mean``) and Q are multiplied.
    ``x`` None: 1 for every rating."""
    n_params = n_raters + (n_criteria if c is not None else 0)
    by_card = None
    if x is None:
        # With x = 1 and whole-number a, each criterion sum of a scorecard is
        # a_g times its ratings on the criterion (a dense table): every sum
        # below is then of whole numbers far below 2**53, exact in any order,
        # and is formed from the scorecards rather than the ratings.
        if (
            c is not None
            and isinstance(table, np.ndarray)
            and np.array_equal(a, np.rint(a))
            and float(np.abs(a).max(initial=0.0)) ** 2 * u.size < 2.0**52
        ):
            by_card = table * a[:, None]
        else:
            x = np.ones(u.size)
    outer = np.zeros((n_params, n_params))
    a2 = a * a
    outer[np.arange(n_raters), np.arange(n_raters)] = np.bincount(
        card_rater, a2, minlength=n_raters
    )
    # Scorecards are sorted by (unit, rater) code: one entry per scorecard.
    indptr = np.zeros(n_units + 1, dtype=np.int64)
    np.cumsum(np.bincount(card_unit, minlength=n_units), out=indptr[1:])
    q = [sparse.csr_matrix((a2, card_rater, indptr), shape=(n_units, n_raters))]
    if c is not None:
        if by_card is None:
            ax = a[g] * x
            cross = np.bincount(r * n_criteria + c, ax, minlength=n_raters * n_criteria)
            cross = cross.reshape(n_raters, n_criteria)
        else:
            n_cards = card_rater.size
            cards = np.arange(n_cards)
            of_rater = sparse.csr_matrix(
                (np.ones(n_cards), (card_rater, cards)), shape=(n_raters, n_cards)
            )
            cross = of_rater @ by_card
        outer[:n_raters, n_raters:] = cross
        outer[n_raters:, :n_raters] = cross.T
        outer[n_raters:, n_raters:] = _gram(table)
        cells = n_units * n_criteria
        if by_card is not None:
            # Scorecards come in unit order: each unit's rows summed.
            of_unit = sparse.csr_matrix((np.ones(n_cards), cards, indptr), shape=(n_units, n_cards))
            q.append(sparse.csr_matrix(of_unit @ by_card))
        elif cells <= max(limits.LOOKUP_SLACK * u.size, limits.PACKAGE_CELL_BUDGET):
            # The same sums, in the same order, counted into a dense table; the
            # sparse one made from it has no entry for a cell that sums to 0,
            # which adds nothing to the product either way.
            sums = np.bincount(u * n_criteria + c, ax, minlength=cells)
            q.append(sparse.csr_matrix(sums.reshape(n_units, n_criteria)))
        else:
            q.append(_sum_table(u, c, n_units, n_criteria, ax)[1])
    q = sparse.hstack(q, format="csr")
    qh = dense(q.T @ h_mean)
    per_unit_a2 = np.bincount(card_unit, a2, minlength=n_units)
    hah = dense(h_mean.T @ (sparse.diags(per_unit_a2) @ h_mean))
    return outer - qh - qh.T + hah


def _gram(table: sparse.csr_matrix | np.ndarray) -> np.ndarray:
    """tableᵀ·table (dense). A table of whole numbers, such as the ratings per
    scorecard and criterion, that is nearly full goes through one dense
    product: every product and partial sum is then an integer far below 2⁵³,
    so the result is exact in any order of addition, the sparse product's
    result to the last bit, at a fraction of its time. Anything else: the
    sparse product, as before. A dense table (``_dense_counts``) is
    multiplied as it is."""
    if isinstance(table, np.ndarray):
        return table.T @ table
    n_rows, n_cols = table.shape
    data = table.data
    if (
        data.size
        and n_rows * n_cols <= 2 * data.size + 1024
        and np.array_equal(data, np.rint(data))
        and float(np.abs(data).max()) ** 2 * n_rows < 2.0**52
    ):
        full = table.toarray()
        return full.T @ full
    return dense(table.T @ table)
