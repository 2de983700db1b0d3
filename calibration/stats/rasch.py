"""The many-facet Rasch rating-scale model: candidate, rater and criterion
facets on an ordinal scale, fitted by joint maximum likelihood.

Model (Linacre, J. M. (1989). *Many-facet Rasch measurement*. MESA Press;
Andrich, D. (1978). A rating formulation for ordered response categories.
*Psychometrika* 43, 561–573), for the rating x of unit n by rater j on
criterion i, with categories scored k = 0..m:

    log(P_k / P_{k-1}) = B_n + L_j + E_i − F_k

B_n is the unit's measure, L_j the rater's severity with **positive =
lenient** (the rater gives higher categories than the others would, as in
``calibration.stats.effects``), E_i the criterion's effect (positive = scored
higher), F_1..F_m the Andrich thresholds shared by every criterion of the
rubric (the rating-scale model; ``thresholds="criterion"`` fits one set per
criterion, the partial-credit model of Masters, G. N. (1982). *Psychometrika*
47, 149–174). Everything is in logits.

Identification: thresholds sum to zero (per criterion in the partial-credit
variant), criterion effects sum to zero, and rater severities sum to zero
within each group of raters linked through shared units (units and raters of
one group can shift against another group's without changing the likelihood:
severities are comparable only within a group). Units float.

Estimation is JMLE (Wright, B. D. & Masters, G. N. (1982). *Rating Scale
Analysis*. MESA Press, ch. 5): Newton–Raphson on one facet at a time, each
step vectorised over all ratings (score residual over model variance, capped
at one logit a step), until no parameter moves by more than ``tol``. Then:

- **Bias correction.** JMLE spreads the structural estimates by about
  L/(L − 1) when each unit carries L ratings (Wright, B. D. & Douglas, G. A.
  (1977). Best procedures for sample-free item analysis. *Applied
  Psychological Measurement* 1, 281–295; Winsteps' STBIAS). Rater severities,
  criterion effects and thresholds are multiplied by (L − 1)/L, with L the mean
  number of ratings per estimated unit; unit measures are then re-estimated
  with those fixed, so they stay consistent with the reported parameters.
- **Extreme scores.** A unit (or rater, or criterion) whose ratings are all in
  the lowest or all in the highest category has no finite estimate. Such
  elements are excluded from estimation, repeatedly until none is left, and
  afterwards given the measure at which their expected score is 0.3 score
  points inside the extreme (Facets' default ``Xtreme = 0.3``; Linacre, *A
  User's Guide to Facets*), with the SE at that measure. ``unit_extreme``,
  ``rater_extreme`` and ``criterion_extreme`` mark them.
- **Unused categories.** Categories of the scale nobody used carry no
  information about their thresholds: they are collapsed (the used values are
  scored 0..m in order) with a note. ``categories`` are the values used.

Standard errors come from the model information: 1/√(Σ model variance) over
an element's ratings for units, criteria (and ``rater_se_local``); a rater's
``rater_se`` from the joint rater × unit information (see ``_rater_se``), which
also counts the error of the unit measures the severity is read against —
the local SE alone covered a simulated truth 89 % of the time at 95 %, the
joint one 93–95 %. It is the SE of the uncorrected estimate, not scaled by
(L − 1)/L: in simulation the corrected estimates vary about as much as the
uncorrected SE says. ``expected`` and ``variance`` are, per kept rating, the
model's expectation and variance **on the rating scale** (Σ P_k·v_k and
Σ P_k·(v_k − expected)²), which is what mean-square fit statistics need.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

# Facets' default extreme-score adjustment, in score points.
EXTREME_ADJUSTMENT = 0.3
# The largest Newton step (logits) of one facet in one iteration: keeps the
# first iterations from overshooting on sparse data (Facets does the same).
MAX_STEP = 1.0
# Groups of up to this many raters get SEs from the joint rater × unit
# information (a dense pseudo-inverse of that size); larger ones the local SE.
RATER_SE_DENSE = 2000


@dataclass(frozen=True)
class RaschFit:
    """A fitted many-facet Rasch rating-scale model (see the module docstring).

    Per element arrays follow ``units`` / ``raters`` / ``criteria`` (the
    sorted distinct codes). ``expected`` and ``variance`` follow the input
    ratings that were kept (``kept``: finite values), in input order.
    """

    categories: np.ndarray
    units: np.ndarray
    raters: np.ndarray
    criteria: np.ndarray
    unit_measure: np.ndarray
    unit_se: np.ndarray
    rater_severity: np.ndarray
    rater_se: np.ndarray
    criterion_effect: np.ndarray
    criterion_se: np.ndarray
    thresholds: np.ndarray
    rater_group: np.ndarray
    expected: np.ndarray
    variance: np.ndarray
    kept: np.ndarray
    converged: bool
    iterations: int
    notes: tuple[str, ...]
    # Extra fields (beyond the shared interface).
    unit_group: np.ndarray | None = None
    unit_extreme: np.ndarray | None = None
    rater_extreme: np.ndarray | None = None
    criterion_extreme: np.ndarray | None = None
    rater_infit: np.ndarray | None = None
    rater_outfit: np.ndarray | None = None
    threshold_se: np.ndarray | None = None
    bias_factor: float = 1.0
    rater_se_local: np.ndarray | None = None

    @property
    def n_groups(self) -> int:
        return int(self.rater_group.max()) + 1 if self.rater_group.size else 0

    def expected_score(
        self,
        unit_measure: Any,
        criterion_effect: Any,
        rater_severity: Any = 0.0,
        criterion_index: Any = None,
    ) -> np.ndarray:
        """The expected rating on the scale (Σ P_k·v_k) at the given measures,
        broadcast together. In the partial-credit variant pass
        ``criterion_index`` (positions into ``criteria``) to pick thresholds."""
        eta = (
            np.asarray(unit_measure, float)
            + np.asarray(rater_severity, float)
            + np.asarray(criterion_effect, float)
        )
        if self.categories.size < 2 or not np.all(np.isfinite(self.thresholds)):
            return np.full(np.shape(eta), np.nan)
        cum = _cumulative(self.thresholds)
        if self.thresholds.ndim == 2:
            if criterion_index is None:
                raise ValueError("partial-credit thresholds: pass criterion_index")
            cum = cum[np.asarray(criterion_index)]
        return _probabilities(eta, cum) @ self.categories

    def adjusted_scores(self) -> np.ndarray:
        """Per unit: the mean over criteria of its expected rating by a rater of
        severity 0 (the average rater of its group), on the rating scale."""
        if not self.criteria.size:
            return np.full(self.units.size, np.nan)
        b = self.unit_measure[:, None]
        e = self.criterion_effect[None, :]
        index = np.arange(self.criteria.size)[None, :]
        return self.expected_score(b, e, 0.0, criterion_index=index).mean(axis=1)


def fit_rasch(
    unit: Any,
    rater: Any,
    criterion: Any,
    value: Any,
    *,
    categories: Any = None,
    max_iter: int = 200,
    tol: float = 1e-6,
    thresholds: str = "rubric",
    bias_correction: bool = True,
) -> RaschFit:
    """Fit the many-facet Rasch rating-scale model by JMLE (module docstring).

    ``categories``: the scale's values (e.g. 1..5); by default the distinct
    values seen. A value outside them is a ValueError. ``thresholds``:
    ``"rubric"`` (one set shared by every criterion) or ``"criterion"``
    (partial credit). Never raises on data that cannot support a fit: it
    returns NaN measures with a note instead.
    """
    if thresholds not in ("rubric", "criterion"):
        raise ValueError('thresholds must be "rubric" or "criterion"')
    arrays = [np.asarray(a) for a in (unit, rater, criterion)]
    value = np.asarray(value, dtype=float)
    for a in (*arrays, value):
        if a.ndim != 1:
            raise ValueError("ratings must be 1-D arrays in long form")
    if len({a.shape[0] for a in (*arrays, value)}) > 1:
        raise ValueError("unit, rater, criterion and value must have the same length")
    kept = np.isfinite(value)
    unit, rater, criterion = (a[kept] for a in arrays)
    value = value[kept]
    notes: list[str] = []

    units, u = np.unique(unit, return_inverse=True)
    raters, r = np.unique(rater, return_inverse=True)
    criteria, c = np.unique(criterion, return_inverse=True)
    u, r, c = (x.reshape(-1).astype(np.int64) for x in (u, r, c))
    n_u, n_r, n_c = units.size, raters.size, criteria.size

    seen = np.unique(value)
    if categories is not None:
        scale = np.unique(np.asarray(categories, dtype=float))
        outside = np.setdiff1d(seen, scale)
        if outside.size:
            raise ValueError(
                f"values outside the scale's categories: {', '.join(f'{v:g}' for v in outside[:5])}"
            )
        unused = np.setdiff1d(scale, seen)
        if unused.size:
            notes.append(
                f"Categories never used ({', '.join(f'{v:g}' for v in unused)}) are collapsed: "
                "the model orders the used categories only."
            )
    used = seen
    x = np.searchsorted(used, value).astype(np.int64)  # category index 0..m
    m = used.size - 1

    unit_group, rater_group = _groups(u, r, n_u, n_r)
    if rater_group.size and rater_group.max() > 0:
        notes.append(
            f"The raters form {int(rater_group.max()) + 1} groups not linked by shared units: "
            "severities and measures are comparable only within a group."
        )

    if m < 1:
        notes.append("Fewer than two categories used: the model cannot be fitted.")
        return _unfitted(
            used, units, raters, criteria, rater_group, unit_group, value, kept, notes, thresholds
        )

    per_criterion = thresholds == "criterion"
    tau = np.zeros((n_c, m) if per_criterion else m)
    b = np.zeros(n_u)
    lam = np.zeros(n_r)
    eps = np.zeros(n_c)
    # Start the units at their log-odds of a high rating: fewer iterations.
    share = (np.bincount(u, x, n_u) + 0.5) / (np.bincount(u, minlength=n_u) * m + 1.0)
    b = np.log(share / (1 - share))

    # Drop extreme elements (all ratings lowest or all highest), repeatedly.
    active = np.ones(x.size, dtype=bool)
    extremes = [np.zeros(n, dtype=bool) for n in (n_u, n_r, n_c)]
    while True:
        changed = False
        for codes, n, ext in ((u, n_u, extremes[0]), (r, n_r, extremes[1]), (c, n_c, extremes[2])):
            count = np.bincount(codes[active], minlength=n)
            low = np.bincount(codes[active], x[active] == 0, n)
            high = np.bincount(codes[active], x[active] == m, n)
            new = (count > 0) & ((low == count) | (high == count))
            if new.any():
                ext |= new
                active &= ~new[codes]
                changed = True
        if not changed:
            break
    unit_ext, rater_ext, crit_ext = extremes
    if unit_ext.any():
        notes.append(
            f"{int(unit_ext.sum())} unit(s) with every rating in the lowest or highest category "
            "were left out of estimation and measured at a score "
            f"{EXTREME_ADJUSTMENT} points inside the extreme."
        )
    if rater_ext.any() or crit_ext.any():
        notes.append(
            "Raters or criteria with every rating in one extreme category were left out of "
            f"estimation and measured at a score {EXTREME_ADJUSTMENT} points inside the extreme."
        )

    ua, ra, ca, xa = u[active], r[active], c[active], x[active]
    if per_criterion and xa.size:
        pairs = np.zeros((n_c, m + 1), dtype=bool)
        pairs[ca, xa] = True
        if not pairs[np.bincount(ca, minlength=n_c) > 0].all():
            per_criterion = False
            tau = np.zeros(m)
            notes.append(
                "Some criterion does not use every category, so its own thresholds are not "
                "estimable: thresholds are shared by the rubric instead."
            )
    converged = False
    iterations = 0
    if xa.size and np.unique(xa).size >= 2:
        model = _Model(ua, ra, ca, xa, m, per_criterion)
        for iteration in range(1, max_iter + 1):
            iterations = iteration
            change = 0.0
            change = max(change, model.newton(b, lam, eps, tau, ua, n_u))
            step = model.newton(b, lam, eps, tau, ra, n_r, facet="rater")
            change = max(change, step)
            _center_groups(lam, b, rater_group, unit_group, ~rater_ext)
            if n_c > 1:
                change = max(change, model.newton(b, lam, eps, tau, ca, n_c, facet="criterion"))
                shift = eps[np.bincount(ca, minlength=n_c) > 0].mean()
                eps -= shift
                b += shift
            change = max(change, model.threshold_step(b, lam, eps, tau))
            if change < tol:
                converged = True
                break
        if not converged:
            notes.append(
                f"JMLE did not converge in {max_iter} iterations "
                f"(largest last change {change:.2g} logits)."
            )
    else:
        notes.append("Every element is extreme: nothing left to estimate.")

    # Wright's bias correction of the structural parameters, then the units
    # re-estimated against them.
    factor = 1.0
    if bias_correction and xa.size:
        per_unit = np.bincount(ua, minlength=n_u)
        length = per_unit[per_unit > 0].mean()
        if length > 1:
            factor = (length - 1) / length
            lam *= factor
            eps *= factor
            tau *= factor
            model = _Model(ua, ra, ca, xa, m, per_criterion)
            for _ in range(max_iter):
                if model.newton(b, lam, eps, tau, ua, n_u) < tol:
                    break

    # Extreme elements: measured at the 0.3-adjusted score, all ratings used.
    for codes, n, ext, facet in (
        (u, n_u, unit_ext, "unit"),
        (r, n_r, rater_ext, "rater"),
        (c, n_c, crit_ext, "criterion"),
    ):
        if ext.any():
            _measure_extremes(u, r, c, x, m, per_criterion, b, lam, eps, tau, codes, n, ext, facet)

    # Per-rating model expectation and variance, on the index and value scales.
    model = _Model(u, r, c, x, m, per_criterion)
    probs = model.probabilities(b, lam, eps, tau)
    _, v_index = model.moments(probs)
    expected = used @ probs
    variance = np.maximum((used * used) @ probs - expected**2, 0.0)

    def se(codes: np.ndarray, n: int) -> np.ndarray:
        info = np.bincount(codes, v_index, n)
        with np.errstate(divide="ignore"):
            return np.where(info > 0, 1.0 / np.sqrt(info), np.nan)

    residual_sq = (value - expected) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        infit = np.bincount(r, residual_sq, n_r) / np.bincount(r, variance, n_r)
        z2 = np.where(variance > 0, residual_sq / variance, np.nan)
        ok = np.isfinite(z2)
        outfit = np.bincount(r[ok], z2[ok], n_r) / np.bincount(r[ok], minlength=n_r)
    thr_se = _threshold_se(model, probs)
    rater_se_local = se(r, n_r)
    rater_se = _rater_se(u, r, v_index, n_u, n_r, rater_group, unit_ext, rater_ext, rater_se_local)

    return RaschFit(
        categories=used,
        units=units,
        raters=raters,
        criteria=criteria,
        unit_measure=b,
        unit_se=se(u, n_u),
        rater_severity=lam,
        rater_se=rater_se,
        criterion_effect=eps,
        criterion_se=se(c, n_c),
        thresholds=tau,
        rater_group=rater_group,
        expected=expected,
        variance=variance,
        kept=kept,
        converged=converged,
        iterations=iterations,
        notes=tuple(notes),
        unit_group=unit_group,
        unit_extreme=unit_ext,
        rater_extreme=rater_ext,
        criterion_extreme=crit_ext,
        rater_infit=infit,
        rater_outfit=outfit,
        threshold_se=thr_se,
        bias_factor=factor,
        rater_se_local=rater_se_local,
    )


# --- internals -----------------------------------------------------------------


def _cumulative(tau: np.ndarray) -> np.ndarray:
    """Σ_{h≤k} F_h for k = 0..m (0 for k = 0), along the last axis."""
    pad = np.zeros((*tau.shape[:-1], 1))
    return np.concatenate([pad, np.cumsum(tau, axis=-1)], axis=-1)


def _probabilities(eta: np.ndarray, cum: np.ndarray) -> np.ndarray:
    """P(X = k) for k = 0..m along the last axis: ∝ exp(k·η − Σ_{h≤k} F_h).
    Broadcasts ``eta`` (any shape) against ``cum`` (..., m + 1)."""
    k = np.arange(cum.shape[-1], dtype=float)
    logits = eta[..., None] * k - cum
    logits -= logits.max(axis=-1, keepdims=True)
    np.exp(logits, out=logits)
    logits /= logits.sum(axis=-1, keepdims=True)
    return logits


def _category_rows(eta: np.ndarray, cum: np.ndarray) -> np.ndarray:
    """The same probabilities laid out as (m + 1) × ratings, which keeps every
    operation a contiguous pass over the ratings. ``cum`` is (m + 1,) or
    (m + 1) × ratings."""
    size = cum.shape[0]
    out = np.empty((size, eta.size))
    for k in range(size):
        np.multiply(eta, float(k), out=out[k])
        out[k] -= cum[k]
    out -= np.maximum.reduce(out, axis=0)
    np.exp(out, out=out)
    out /= np.add.reduce(out, axis=0)
    return out


class _Model:
    """The ratings of one estimation pass: codes, category indices and the
    threshold layout, with the per-facet Newton steps."""

    def __init__(self, u, r, c, x, m, per_criterion):
        self.u, self.r, self.c, self.x, self.m = u, r, c, x, m
        self.per_criterion = per_criterion
        self.k = np.arange(m + 1, dtype=float)
        # Σ 1(x ≥ k), k = 1..m: the observed side of the threshold equations
        # (per criterion in the partial-credit variant).
        at_least = np.arange(1, m + 1)
        if per_criterion:
            n_c = int(c.max()) + 1 if c.size else 0
            counts = np.zeros((n_c, m + 2))
            np.add.at(counts, (c, x), 1.0)
            self.observed = counts[:, ::-1].cumsum(axis=1)[:, ::-1][:, 1 : m + 1]
            order = np.argsort(c, kind="stable")
            bounds = np.searchsorted(c[order], np.arange(n_c + 1))
            self.rows_of = [order[bounds[i] : bounds[i + 1]] for i in range(n_c)]
        else:
            counts = np.bincount(x, minlength=m + 1).astype(float)
            self.observed = np.array([counts[k:].sum() for k in at_least])

    def probabilities(self, b, lam, eps, tau):
        """P(X = k), (m + 1) × ratings."""
        eta = b[self.u] + lam[self.r] + eps[self.c]
        cum = _cumulative(tau)
        return _category_rows(eta, cum[self.c].T if self.per_criterion else cum)

    def moments(self, probs):
        expected = self.k @ probs
        var = (self.k * self.k) @ probs - expected**2
        np.maximum(var, 0.0, out=var)
        return expected, var

    def newton(self, b, lam, eps, tau, codes, n, facet="unit") -> float:
        """One Newton step for every element of a facet; returns the largest."""
        expected, var = self.moments(self.probabilities(b, lam, eps, tau))
        score = np.bincount(codes, self.x - expected, n)
        info = np.bincount(codes, var, n)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(info > 1e-12, score / info, 0.0)
        np.clip(step, -MAX_STEP, MAX_STEP, out=step)
        target = {"unit": b, "rater": lam, "criterion": eps}[facet]
        target += step
        return float(np.abs(step).max()) if step.size else 0.0

    def tails(self, probs) -> np.ndarray:
        """P(X ≥ k), k = 1..m: m × ratings."""
        return np.cumsum(probs[::-1], axis=0)[::-1][1:]

    def threshold_step(self, b, lam, eps, tau) -> float:
        """A Newton step on the thresholds, kept summing to zero. d logL/dF_k =
        Σ [P(X ≥ k) − 1(x ≥ k)]; the information is Σ Cov(1(X ≥ h), 1(X ≥ k))."""
        tail = self.tails(self.probabilities(b, lam, eps, tau))
        if self.per_criterion:
            biggest = 0.0
            for i, rows in enumerate(self.rows_of):
                if rows.size:
                    step = _constrained_step(tail[:, rows], self.observed[i])
                    tau[i] += step
                    biggest = max(biggest, float(np.abs(step).max()))
            return biggest
        step = _constrained_step(tail, self.observed)
        tau += step
        return float(np.abs(step).max())


def _threshold_information(tail: np.ndarray) -> np.ndarray:
    m = tail.shape[0]
    idx = np.arange(m)
    total = tail.sum(axis=1)
    return total[np.maximum(idx[:, None], idx[None, :])] - tail @ tail.T


def _constrained_step(tail: np.ndarray, observed: np.ndarray) -> np.ndarray:
    m = tail.shape[0]
    gradient = tail.sum(axis=1) - observed
    # KKT system of the Newton step under Σ step = 0 (thresholds sum to zero).
    kkt = np.zeros((m + 1, m + 1))
    kkt[:m, :m] = _threshold_information(tail)
    kkt[:m, m] = kkt[m, :m] = 1.0
    rhs = np.append(gradient, 0.0)
    try:
        step = np.linalg.solve(kkt, rhs)[:m]
    except np.linalg.LinAlgError:
        step = np.linalg.lstsq(kkt, rhs, rcond=None)[0][:m]
    return np.clip(step, -MAX_STEP, MAX_STEP)


def _threshold_se(model: _Model, probs: np.ndarray) -> np.ndarray:
    """Threshold SEs: the information's pseudo-inverse under Σ F = 0."""
    tail = model.tails(probs)

    def one(t):
        cov = np.linalg.pinv(_threshold_information(t), hermitian=True)
        return np.sqrt(np.maximum(np.diag(cov), 0.0))

    if model.per_criterion:
        return np.array([one(tail[:, rows]) for rows in model.rows_of])
    return one(tail)


def _rater_se(u, r, var, n_u, n_r, rater_group, unit_ext, rater_ext, fallback) -> np.ndarray:
    """Rater SEs from the joint information of raters and units: the inverse
    of the Schur complement I_rr − I_ru I_uu⁻¹ I_ur, per group (its
    pseudo-inverse is the covariance of severities summing to zero in the
    group). Unlike 1/√I_rr alone, this counts the error of the unit
    measures the severities are read against; with few raters per unit it
    is noticeably larger. Groups of more than RATER_SE_DENSE raters keep
    the local SE; a rater alone in a group has no estimable severity (it is
    0 by the anchoring), so no SE (NaN)."""
    out = fallback.copy()
    rows = ~unit_ext[u] & ~rater_ext[r]
    uu, rr, vv = u[rows], r[rows], var[rows]
    info_u = np.bincount(uu, vv, n_u)
    pair = sparse.csr_matrix((vv, (uu, rr)), shape=(n_u, n_r))
    scaled = sparse.diags(np.where(info_u > 0, 1.0 / np.where(info_u > 0, info_u, 1.0), 0.0)) @ pair
    for g in range(int(rater_group.max()) + 1 if rater_group.size else 0):
        members = np.flatnonzero((rater_group == g) & ~rater_ext)
        if (rater_group == g).sum() == 1:
            out[rater_group == g] = np.nan
            continue
        if members.size < 2 or members.size > RATER_SE_DENSE:
            continue
        block = pair[:, members]
        schur = (
            np.diag(np.asarray(block.sum(axis=0)).ravel())
            - (block.T @ scaled[:, members]).toarray()
        )
        cov = np.linalg.pinv(schur, hermitian=True)
        out[members] = np.sqrt(np.maximum(np.diag(cov), 0.0))
    return out


def _groups(u: np.ndarray, r: np.ndarray, n_u: int, n_r: int) -> tuple[np.ndarray, np.ndarray]:
    """Connected groups of the units × raters graph, numbered by first rater."""
    if not u.size:
        return np.zeros(n_u, dtype=np.int64), np.zeros(n_r, dtype=np.int64)
    graph = sparse.coo_matrix((np.ones(u.size), (u, n_u + r)), shape=(n_u + n_r, n_u + n_r))
    _, labels = csgraph.connected_components(graph, directed=False)
    rater_labels = labels[n_u:]
    # Renumber groups 0.. in the order of the raters' codes.
    order = {}
    for label in rater_labels.tolist():
        order.setdefault(label, len(order))
    mapping = np.full(labels.max() + 1, -1, dtype=np.int64)
    for label, number in order.items():
        mapping[label] = number
    return mapping[labels[:n_u]], mapping[rater_labels]


def _center_groups(lam, b, rater_group, unit_group, estimated) -> None:
    """Rater severities (of the estimated raters) sum to zero within each
    group; the units of the group take the shift, which leaves every
    probability unchanged."""
    k = int(rater_group.max()) + 1 if rater_group.size else 0
    if not k:
        return
    g = rater_group[estimated]
    mean = np.bincount(g, lam[estimated], k) / np.maximum(np.bincount(g, minlength=k), 1)
    lam -= mean[rater_group]
    b += mean[unit_group]


def _measure_extremes(u, r, c, x, m, per_criterion, b, lam, eps, tau, codes, n, ext, facet) -> None:
    """Give each extreme element the measure at which its expected score is
    EXTREME_ADJUSTMENT points inside its extreme score, all else fixed."""
    rows = ext[codes]
    model = _Model(u[rows], r[rows], c[rows], x[rows], m, per_criterion)
    sub = codes[rows]
    raw = np.bincount(sub, model.x, n)
    target = np.where(raw == 0, EXTREME_ADJUSTMENT, raw - EXTREME_ADJUSTMENT)
    params = {"unit": b, "rater": lam, "criterion": eps}[facet]
    params[ext] = np.where(raw[ext] == 0, -1.0, 1.0) + params[ext]
    for _ in range(100):
        expected, var = model.moments(model.probabilities(b, lam, eps, tau))
        score = np.bincount(sub, expected, n)
        info = np.bincount(sub, var, n)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(ext & (info > 1e-12), (target - score) / info, 0.0)
        np.clip(step, -MAX_STEP, MAX_STEP, out=step)
        params += step
        if np.abs(step).max() < 1e-8:
            break


def _unfitted(
    used, units, raters, criteria, rater_group, unit_group, value, kept, notes, thresholds
) -> RaschFit:
    nan = np.full
    m = max(used.size - 1, 0)
    return RaschFit(
        categories=used,
        units=units,
        raters=raters,
        criteria=criteria,
        unit_measure=nan(units.size, np.nan),
        unit_se=nan(units.size, np.nan),
        rater_severity=nan(raters.size, np.nan),
        rater_se=nan(raters.size, np.nan),
        criterion_effect=nan(criteria.size, np.nan),
        criterion_se=nan(criteria.size, np.nan),
        thresholds=nan((criteria.size, m) if thresholds == "criterion" else m, np.nan),
        rater_group=rater_group,
        expected=value.copy(),
        variance=np.zeros(value.size),
        kept=kept,
        converged=False,
        iterations=0,
        notes=tuple(notes),
        unit_group=unit_group,
    )
