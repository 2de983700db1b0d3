"""One entry point for rater effects: severities with standard errors that
allow for halo, empirical-Bayes shrinkage, connected groups, diagnostics and
flags (``rater_effects``), and the ``rater_effects`` command's JSON
(``report_json``).

A *scorecard* is one (unit, rater) pair: one reviewer's ratings of one
candidate. Sign convention: positive severity = lenient (the rater scores
higher than the others on the same candidates), as in ``effects``.

Methods. ``linear``: the additive model of ``effects.fit_additive`` (scale
points), its standard errors from ``effects.scorecard_covariance`` (a
scorecard random effect: a reviewer who likes a candidate rates every
criterion up, so a scorecard's ratings are not independent evidence). ``rasch``:
the many-facet rating-scale model of ``rasch.fit_rasch`` (logits), model SEs.

Shrinkage (both methods): within each connected group the raw severities
b̂ᵣ with standard errors sᵣ are taken as bᵣ ~ N(0, τ²) (severities are
contrasts with the group's mean rater, hence mean 0); τ² is the maximum
likelihood estimate of the marginal model b̂ᵣ ~ N(0, τ² + sᵣ²) and each
rater's posterior is N(Bᵣ b̂ᵣ, Bᵣ sᵣ²) with Bᵣ = τ² / (τ² + sᵣ²) (Morris, C. N.
(1983). Parametric empirical Bayes inference. *JASA* 78, 47–55). A reviewer
with one or two scorecards has a large sᵣ and is pulled toward 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from calibration.stats._codes import clean, code_counts, combine, factorize, scalar
from calibration.stats.diagnostics import (
    BiasCell,
    Separation,
    rater_criterion_bias,
    rater_diagnostics,
    separation,
)
from calibration.stats.effects import fit_additive, scorecard_covariance

# A rater is judged only on this many scorecards of candidates that another
# rater also scored (their other scorecards carry no information on severity).
MIN_SCORECARDS = 5
# Flag as lenient/severe when the severity is beyond the threshold and the
# shrunk severity's posterior interval (± Z_FLAG posterior SDs) excludes 0.
SEVERITY_THRESHOLD = 0.45  # scale points (linear): see rater_effects' docstring
RASCH_THRESHOLD = 0.4  # logits (rasch): ~0.3 points mid-scale; see the README table
Z_FLAG = 1.96

ALONE = (
    "shares no candidate with another reviewer, so severity cannot be told apart from "
    "the quality of the candidates rated"
)


@dataclass(frozen=True)
class RaterRow:
    rater: Any
    group: int
    n_scorecards: int
    n_ratings: int
    severity: float | None  # raw estimate, positive = lenient
    se: float | None  # linear: allowing for halo (scorecard random effect); rasch: model SE
    severity_shrunk: float | None
    sd_shrunk: float | None
    infit: float | None = None
    outfit: float | None = None
    halo: float | None = None
    central_tendency: float | None = None
    range_ratio: float | None = None
    flags: tuple[str, ...] = ()
    reason: str | None = None
    # Added to the shared interface:
    n_shared: int = 0  # scorecards on candidates another rater also scored
    se_model: float | None = None  # linear: the classical OLS SE (independent ratings)
    se_cluster: float | None = None  # linear: CR1 cluster-robust by scorecard


@dataclass(frozen=True)
class CriterionRow:
    criterion: Any
    n_ratings: int
    effect: float | None
    se: float | None
    alpha_interval: float | None


@dataclass(frozen=True)
class Group:
    number: int
    raters: tuple
    n_units: int
    units: np.ndarray


@dataclass(frozen=True)
class RaterEffectsReport:
    method: str
    groups: tuple[Group, ...]
    raters: tuple[RaterRow, ...]
    criteria: tuple[CriterionRow, ...]
    bias: tuple[BiasCell, ...]
    separation: Separation
    units: np.ndarray
    adjusted_score: np.ndarray
    unit_group: np.ndarray
    notes: tuple[str, ...]
    tau: float | None
    # Added to the shared interface:
    residual_sd: float | None = None  # linear: within-scorecard SD
    halo_sd: float | None = None  # linear: SD of the scorecard (halo) effect

    def rater(self, code: Any) -> RaterRow:
        for row in self.raters:
            if row.rater == code:
                return row
        raise KeyError(code)


@dataclass(frozen=True)
class Shrunk:
    tau2: float
    mean: np.ndarray
    sd: np.ndarray


def empirical_bayes(
    estimates: Any,
    ses: Any,
    *,
    centre: float | None = 0.0,
    tau_uncertainty: bool = True,
    max_iter: int = 500,
) -> Shrunk:
    """Posterior means and SDs of estimates yᵢ ~ N(θᵢ, sᵢ²), θᵢ ~ N(μ, τ²).

    With ``centre`` given, μ is that (0 for severities) and τ² is the maximum
    likelihood estimate; with ``centre=None``, μ is the precision-weighted
    mean and τ² the REML estimate, and the posterior SD includes μ's
    uncertainty (Morris 1983, eq. 3.3–3.4). τ² solves its score equation by
    the fixed point τ² = Σwᵢ²((yᵢ−μ)² − sᵢ²)/Σwᵢ² (+ 1/Σwᵢ for REML),
    wᵢ = 1/(sᵢ²+τ²), clipped at 0.

    With ``tau_uncertainty`` the posterior variance adds the first-order
    term for τ² being estimated, (yᵢ−μ)²·Var(B̂ᵢ) with Var(B̂ᵢ) =
    (∂Bᵢ/∂τ²)²·Var(τ̂²) = sᵢ⁴wᵢ⁴ · 2/Σwⱼ² (Fisher information of τ²; Kass, R.
    E. & Steffey, D. (1989). *JASA* 84, 717–726): without it, intervals of
    reviewers far from 0 are too narrow (92 % coverage for 95 % in the
    simulation with halo SD 0.5; 94–95 % with it)."""
    y = np.asarray(estimates, dtype=float)
    s2 = np.asarray(ses, dtype=float) ** 2
    if y.size == 0:
        return Shrunk(0.0, y, y)
    s2 = np.maximum(s2, 1e-12)
    tau2 = max(float(np.var(y) - s2.mean()), 0.0)
    for _ in range(max_iter):
        w = 1.0 / (s2 + tau2)
        mu = centre if centre is not None else float(w @ y / w.sum())
        new = float((w * w) @ ((y - mu) ** 2 - s2) / (w * w).sum())
        if centre is None:
            new += 1.0 / w.sum()
        new = max(new, 0.0)
        if abs(new - tau2) <= 1e-10 * max(1.0, tau2):
            tau2 = new
            break
        tau2 = new
    w = 1.0 / (s2 + tau2)
    mu = centre if centre is not None else float(w @ y / w.sum())
    shrink = s2 / (s2 + tau2)  # Bᵢ in Morris's notation: the weight on μ
    mean = mu + (1.0 - shrink) * (y - mu)
    var = s2 * (1.0 - shrink)
    if centre is None:
        var = var + shrink**2 / w.sum()
    if tau_uncertainty:
        var = var + (y - mu) ** 2 * (s2 * w) ** 2 * w**2 * 2.0 / (w * w).sum()
    return Shrunk(tau2, mean, np.sqrt(var))


def rater_effects(
    unit: Any,
    rater: Any,
    criterion: Any,
    value: Any,
    *,
    method: str = "linear",
    scale_min: float | None = None,
    scale_max: float | None = None,
    min_scorecards: int = MIN_SCORECARDS,
    severity_threshold: float = SEVERITY_THRESHOLD,
    rasch_threshold: float = RASCH_THRESHOLD,
    z: float = Z_FLAG,
    alphas: bool = True,
    comparison_ses: bool = True,
    bias: bool = True,
) -> RaterEffectsReport:
    """Rater severities (raw and shrunk), criterion effects, connected groups,
    diagnostics and flags for ratings in long form (``criterion`` may be
    None: one criterion). See the module docstring for the methods.
    ``comparison_ses=False`` skips the CR1 sandwich SEs (``se_cluster``), which
    only the validity benchmark compares; a calibration run does not need them.
    ``bias=False`` leaves out the rater × criterion bias cells (``bias`` is
    then empty), which a calibration run does not store.

    Flags per rater: ``too_few_scorecards`` (fewer than ``min_scorecards``
    scorecards on candidates another rater also scored, or no estimate);
    otherwise ``lenient``/``severe`` when the severity is beyond the
    threshold (``severity_threshold`` points for linear, ``rasch_threshold``
    logits for rasch) *and* the shrunk severity's posterior interval (± ``z``
    posterior SDs) excludes 0; plus the diagnostics' flags.

    Why this rule (``benchmarks/calibration_validity.py``): the posterior
    interval excluding 0 is a z-test made stricter by 1/√Bᵣ (Bᵣ = τ²/(τ²+sᵣ²),
    the reliability of the reviewer's estimate), so thin evidence, such as a
    newcomer's one or two scorecards, is not enough even without a minimum;
    the size is judged on the reviewer's own estimate, since a threshold on
    the shrunk one would move with the number of scorecards (with halo SD 0.5
    a 0.8-point reviewer with 20 scorecards is shrunk to about 0.55 and
    |shrunk| > 0.5 catches them 50–60 % of the time). The threshold is 0.45,
    not 0.5: with SE ≈ 0.2 (halo SD 0.5, 20 scorecards) a reviewer whose
    expected ratings are 0.74 points high (0.8 on the latent scale, less the
    scale's ends) clears 0.5 only 89–90 % of the time, 0.45 about 94 %."""
    if method not in ("linear", "rasch"):
        raise ValueError(f"unknown method {method!r}: use 'linear' or 'rasch'")
    has_criterion = criterion is not None
    columns = [unit, rater, value] + ([criterion] if has_criterion else [])
    unit, rater, value, *rest = clean(*columns)
    criterion = rest[0] if has_criterion else np.zeros(value.size, dtype=np.int64)
    units, u = factorize(unit)
    raters, r = factorize(rater)
    criteria, c = factorize(criterion)
    n_units, n_raters, n_criteria = units.size, raters.size, criteria.size
    if value.size == 0:
        raise ValueError("there are no ratings")
    if scale_min is None:
        scale_min = float(value.min())
    if scale_max is None:
        scale_max = float(value.max())

    # Scorecards, and those on candidates that another rater also scored.
    card_codes, g = combine(u, n_raters, r)
    card_unit, card_rater = card_codes // n_raters, card_codes % n_raters
    raters_per_unit = np.bincount(card_unit, minlength=n_units)
    n_cards = np.bincount(card_rater, minlength=n_raters)
    n_shared = np.bincount(card_rater[raters_per_unit[card_unit] >= 2], minlength=n_raters)
    n_ratings = code_counts(r, minlength=n_raters)

    notes: list[str] = []
    se_model = se_cluster = None
    residual_sd = halo_sd = None
    if method == "linear":
        fit = fit_additive(
            u, r, c if has_criterion else None, value, n_units, n_raters, n_criteria,
            unit_variance=False, keep_inverse=True,
        )  # fmt: skip
        cov = scorecard_covariance(
            u, r, c if has_criterion else None, fit, n_units, n_raters, n_criteria,
            cards=(card_codes, g), with_cr1=comparison_ses,
        )  # fmt: skip
        rater_group, group_sizes = fit.rater_group, fit.group_sizes
        severity = fit.effects[:n_raters]
        se = _sqrt_diag(cov.scorecard, n_raters)
        if fit.residual_var is not None and fit.pseudo_inverse is not None:
            se_model = np.sqrt(np.maximum(fit.residual_var * np.diag(fit.pseudo_inverse), 0))
        se_cluster = _sqrt_diag(cov.cr1, n_raters)
        criterion_effect = fit.effects[n_raters:] if has_criterion else np.zeros(1)
        criterion_se = _sqrt_diag(cov.scorecard, None)
        criterion_se = criterion_se[n_raters:] if criterion_se is not None else None
        if cov.residual_var is not None:
            residual_sd = math.sqrt(cov.residual_var)
            halo_sd = math.sqrt(cov.halo_var)
        else:
            notes.append("too few ratings per candidate and scorecard to estimate standard errors")
        expected = value - fit.residuals
        variance = np.full(value.size, fit.residual_var or np.nan)
        threshold = severity_threshold
    else:
        try:
            from calibration.stats.rasch import fit_rasch
        except ImportError:
            raise NotImplementedError("the rasch method is not available yet") from None
        rfit = fit_rasch(u, r, c, value)
        rater_group = np.asarray(rfit.rater_group)
        group_sizes = np.bincount(rater_group)
        severity = np.asarray(rfit.rater_severity, dtype=float)
        se = np.asarray(rfit.rater_se, dtype=float)
        criterion_effect = np.asarray(rfit.criterion_effect, dtype=float)
        criterion_se = np.asarray(rfit.criterion_se, dtype=float)
        kept = np.asarray(rfit.kept, dtype=bool)
        if not kept.all():
            u, r, c, value = u[kept], r[kept], c[kept], value[kept]
        expected, variance = np.asarray(rfit.expected), np.asarray(rfit.variance)
        # The groups are described below, with how to link them.
        notes.extend(note for note in rfit.notes if "groups" not in note)
        if not rfit.converged:
            notes.append(f"the Rasch fit did not converge in {rfit.iterations} iterations")
        threshold = rasch_threshold

    # Raters alone in their group cannot be estimated.
    alone = group_sizes[rater_group] < 2
    estimable = ~alone & np.isfinite(severity)
    if se is not None:
        estimable &= np.isfinite(se)
    else:
        estimable[:] = False
    shrunk = np.full(n_raters, np.nan)
    shrunk_sd = np.full(n_raters, np.nan)
    taus = []
    for number in range(group_sizes.size):
        members = np.flatnonzero((rater_group == number) & estimable)
        if members.size < 2:
            continue
        post = empirical_bayes(severity[members], se[members])
        shrunk[members], shrunk_sd[members] = post.mean, post.sd
        taus.append((members.size, post.tau2))
    tau = None
    if taus:
        sizes, tau2s = np.array(taus).T
        tau = math.sqrt(float(sizes @ tau2s / sizes.sum()))

    diagnostics = {
        int(row.rater): row
        for row in rater_diagnostics(
            u, r, c, value, expected, variance,
            scale_min=scale_min, scale_max=scale_max, min_scorecards=min_scorecards,
            cards=(card_codes, g) if method == "linear" else None,
        )
    }  # fmt: skip
    want_bias = bias
    bias = rater_criterion_bias(u, r, c, value, expected, variance) if want_bias else ()

    rows = []
    for i in range(n_raters):
        ok = bool(estimable[i])
        flags: list[str] = []
        reason = None
        if alone[i]:
            reason = ALONE
        elif not ok:
            reason = "no standard error (too few ratings per candidate)"
        if not ok or n_shared[i] < min_scorecards:
            flags.append("too_few_scorecards")
            if reason is None:
                shared = int(n_shared[i])
                reason = (
                    f"{shared} scorecard{'' if shared == 1 else 's'} on candidates that "
                    f"other reviewers also scored; at least {min_scorecards} are needed to "
                    f"judge severity"
                )
        elif abs(severity[i]) > threshold and abs(shrunk[i]) > z * shrunk_sd[i]:
            flags.append("lenient" if shrunk[i] > 0 else "severe")
        d = diagnostics.get(i)
        if d is not None:
            flags.extend(f for f in d.flags if f not in flags)
        rows.append(
            RaterRow(
                rater=scalar(raters[i]),
                group=int(rater_group[i]),
                n_scorecards=int(n_cards[i]),
                n_ratings=int(n_ratings[i]),
                severity=_num(severity[i]) if not alone[i] else None,
                se=_num(se[i]) if ok else None,
                severity_shrunk=_num(shrunk[i]),
                sd_shrunk=_num(shrunk_sd[i]),
                infit=None if d is None else d.infit,
                outfit=None if d is None else d.outfit,
                halo=None if d is None else d.halo,
                central_tendency=None if d is None else d.central_tendency,
                range_ratio=None if d is None else d.range_ratio,
                flags=tuple(flags),
                reason=reason,
                n_shared=int(n_shared[i]),
                se_model=None if se_model is None or alone[i] else _num(se_model[i]),
                se_cluster=None if se_cluster is None or alone[i] else _num(se_cluster[i]),
            )
        )
    bias = tuple(_with_codes(cell, raters, criteria) for cell in bias)

    criterion_rows = []
    alpha_by = {}
    if alphas and has_criterion:
        from calibration.stats.criteria import criterion_summaries

        for summary in criterion_summaries(u, r, value, c):
            alpha_by[int(summary.criterion)] = summary.alpha_interval.value
    n_per_criterion = code_counts(c, minlength=n_criteria)
    if has_criterion:
        for j in range(n_criteria):
            criterion_rows.append(
                CriterionRow(
                    criterion=scalar(criteria[j]),
                    n_ratings=int(n_per_criterion[j]),
                    effect=_num(criterion_effect[j]) if n_criteria > 1 else 0.0,
                    se=(
                        _num(criterion_se[j])
                        if criterion_se is not None and n_criteria > 1
                        else None
                    ),
                    alpha_interval=alpha_by.get(j),
                )
            )

    # Adjusted scores: each rating less its rater's SHRUNK severity and its
    # criterion effect, averaged per candidate (what the mean rater would give
    # on the mean criterion). Under the Rasch model the same on the scale: the
    # expected score at the unit's measure by a rater of severity 0 over every
    # criterion (``adjusted_scores``), plus, averaged over the unit's ratings,
    # what the raw severity took off and the SHRUNK one does not,
    # E(b + λ + δ) − E(b + λ̃ + δ): the unit's measure comes from the joint fit
    # (raw severities), so this puts back the part of a rater's severity that
    # shrinkage does not believe (all of it for a rater with no estimate).
    unit_group = np.zeros(n_units, dtype=np.int64)
    if method == "linear":
        # A unit's raters are linked through it, so they share a group: set per
        # scorecard (a unit and one of its raters), as per rating.
        unit_group[card_unit] = rater_group[card_rater]
    else:
        unit_group[u] = rater_group[r]
    per_unit = code_counts(u, minlength=n_units)
    if method == "linear":
        removed = np.nan_to_num(shrunk)[r]
        if has_criterion:
            removed += criterion_effect[c]
        np.subtract(value, removed, out=removed)
        adjusted = np.bincount(u, removed, minlength=n_units) / per_unit
    else:
        adjusted = np.asarray(rfit.adjusted_scores(), dtype=float)
        b, delta = rfit.unit_measure[u], criterion_effect[c]
        raw = np.nan_to_num(severity)[r]
        kept_shrunk = np.where(np.isfinite(shrunk), shrunk, 0.0)[r]
        put_back = rfit.expected_score(b, delta, raw, criterion_index=c) - rfit.expected_score(
            b, delta, kept_shrunk, criterion_index=c
        )
        adjusted = adjusted + np.bincount(u, put_back, minlength=n_units) / per_unit

    groups = tuple(
        Group(
            number=number,
            raters=tuple(scalar(x) for x in raters[rater_group == number]),
            n_units=int((unit_group == number).sum()),
            units=units[unit_group == number],
        )
        for number in range(group_sizes.size)
    )
    if len(groups) > 1:
        sizes = "; ".join(
            f"group {g.number + 1}: {len(g.raters)} reviewers, {g.n_units} candidates"
            for g in groups
        )
        notes.append(
            f"the reviewers form {len(groups)} groups that share no candidates ({sizes}); "
            "severities and adjusted scores are comparable only within a group, and a "
            "difference between groups (one group more lenient) cannot be seen. To link "
            "the groups, have a few candidates scored by reviewers from each group"
        )
    flagged = [row for row in rows if row.severity is not None and row.se is not None]
    sep = separation([row.severity for row in flagged], [row.se for row in flagged])
    return RaterEffectsReport(
        method=method,
        groups=groups,
        raters=tuple(rows),
        criteria=tuple(criterion_rows),
        bias=bias,
        separation=sep,
        units=units,
        adjusted_score=adjusted,
        unit_group=unit_group,
        notes=tuple(notes),
        tau=tau,
        residual_sd=residual_sd,
        halo_sd=halo_sd,
    )


def report_json(report: RaterEffectsReport) -> dict:
    """The ``rater_effects`` command's JSON (see the shared interface)."""
    return {
        "method": report.method,
        "groups": [[_plain(x) for x in g.raters] for g in report.groups],
        "raters": [
            {
                "rater": _plain(row.rater),
                "group": row.group,
                "n_scorecards": row.n_scorecards,
                "n_ratings": row.n_ratings,
                "severity": _round(row.severity),
                "se": _round(row.se),
                "severity_shrunk": _round(row.severity_shrunk),
                "sd_shrunk": _round(row.sd_shrunk),
                "infit": _round(row.infit),
                "outfit": _round(row.outfit),
                "halo": _round(row.halo),
                "central_tendency": _round(row.central_tendency),
                "flags": list(row.flags),
            }
            for row in report.raters
        ],
        "criteria": [
            {
                "criterion": _plain(row.criterion),
                "effect": _round(row.effect),
                "se": _round(row.se),
                "alpha_interval": _round(row.alpha_interval),
            }
            for row in report.criteria
        ],
        "separation": {
            "index": _round(report.separation.index),
            "reliability": _round(report.separation.reliability),
        },
        "notes": list(report.notes),
    }


def _sqrt_diag(cov: np.ndarray | None, k: int | None) -> np.ndarray | None:
    if cov is None:
        return None
    d = np.sqrt(np.maximum(np.diag(cov), 0.0))
    return d if k is None else d[:k]


def _num(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _round(x: Any, digits: int = 6) -> float | None:
    if x is None:
        return None
    x = float(x)
    return round(x, digits) if math.isfinite(x) else None


def _plain(x: Any) -> Any:
    x = scalar(x)
    return x if isinstance(x, (str, int, float, bool)) or x is None else str(x)


def _with_codes(cell: Any, raters: np.ndarray, criteria: np.ndarray) -> Any:
    """A diagnostics cell on dense codes, with the caller's rater and criterion."""
    from dataclasses import replace

    return replace(
        cell,
        rater=scalar(raters[int(cell.rater)]),
        criterion=scalar(criteria[int(cell.criterion)]),
    )
