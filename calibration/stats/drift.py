"""Drift of rater severity over time."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from calibration.stats._codes import (
    clean,
    combine,
    factorize,
    finite_or_none,
)
from calibration.stats.effects import fit_additive
from calibration.stats.statistic import (
    NO_RATINGS,
)

# A rater drifts when their severity changes by more than this many scale
# points from the first window to the last (the fitted trend over the span of
# the windows' mean times) ...
DRIFT_CHANGE_ABOVE = 0.5
# ... and the trend is significant: |slope / SE| above this.
DRIFT_Z_ABOVE = 2.0
DRIFT_SENTENCE = (
    "Their scores have moved over time, relative to the other reviewers, by more than "
    "half a point and by more than chance explains."
)


@dataclass(frozen=True)
class TimeWindow:
    start: float
    end: float
    centre: float  # mean time of the window's ratings
    n_ratings: int


@dataclass(frozen=True)
class DriftPeriod:
    """One rater's severity in one time window, for a chart."""

    start: float
    end: float
    centre: float
    n_ratings: int  # the rater's ratings in the window
    severity: float | None
    se: float | None


@dataclass(frozen=True)
class RaterDrift:
    """A rater's severity (positive = lenient) in each time window, and the
    weighted least-squares slope of severity on time (scale points per unit of
    ``time``; positive: growing more lenient).

    ``change`` is the trend over the windows' span (slope × (last window's
    mean time − first window's)), ``change_se`` its SE, ``z`` = slope /
    slope_se, and ``flagged`` when |change| > ``DRIFT_CHANGE_ABOVE`` and |z| >
    ``DRIFT_Z_ABOVE``. ``periods`` holds the window estimates for a chart."""

    rater: Any
    severity: tuple[float | None, ...]
    se: tuple[float | None, ...]
    slope: float | None
    slope_se: float | None
    reason: str | None = None
    change: float | None = None
    change_se: float | None = None
    z: float | None = None
    flagged: bool = False
    periods: tuple[DriftPeriod, ...] = ()


@dataclass(frozen=True)
class SeverityDrift:
    """``design_effect``: the factor by which the window variances were
    inflated for the correlation of a scorecard's criterion scores (1 when
    there is none to measure)."""

    windows: tuple[TimeWindow, ...]
    raters: tuple[RaterDrift, ...]
    notes: dict[str, str] = field(default_factory=dict)
    design_effect: float = 1.0


def severity_drift(
    unit: Any,
    rater: Any,
    value: Any,
    time: Any,
    criterion: Any = None,
    *,
    n_windows: int = 4,
) -> SeverityDrift:
    """Each rater's severity per time window and its trend.

    The ratings are cut into ``n_windows`` windows of equal numbers of ratings
    (quantiles of ``time``, any numeric clock). One joint fit of the model in
    ``fit_rater_effects`` with a (rater, window) effect in place of the rater
    effect gives every window's severity on a common footing (candidates and
    criteria are shared across windows). Where no unit links two windows, each
    window's severities are relative to that window's mean rater, i.e. drift
    relative to peers. The slope is the weighted least-squares fit of severity
    on the windows' mean times with weights 1/SE² (its SE treats the window
    estimates as independent, which is approximate, and assumes the trend is
    linear).

    A reviewer who rates a whole candidate up or down (halo) makes a
    scorecard's criterion scores correlated, and the model's SEs, which
    count each score as independent, too small. The window SEs are
    therefore inflated by Kish's (1965) design effect deff = 1 + (m − 1) ρ,
    m the mean ratings per scorecard and ρ the intra-scorecard correlation
    of the residuals, estimated by one-way ANOVA on scorecards: deff =
    m · MSB / (MSB + (m − 1) · MSW), at least 1. (The slope's SE comes from
    these SEs, so a flag needs the trend to stand out from halo noise too.)
    """
    if n_windows < 1:
        raise ValueError("n_windows must be at least 1")
    columns = clean(unit, rater, value, time, *([] if criterion is None else [criterion]))
    unit, rater, value, time = columns[:4]
    time = time.astype(float)
    raters, r = factorize(rater)
    if value.size == 0:
        return SeverityDrift((), (), {"model": NO_RATINGS})
    edges = np.unique(np.quantile(time, np.linspace(0.0, 1.0, n_windows + 1)))
    window = np.searchsorted(edges[1:-1], time, side="right") if edges.size > 2 else None
    if window is None:
        window = np.zeros(time.size, dtype=np.int64)
        edges = np.array([time.min(), time.max()])
    n_w = edges.size - 1
    per_window = np.bincount(window, minlength=n_w)
    centres = np.bincount(window, time, minlength=n_w) / np.maximum(per_window, 1)
    windows = tuple(
        TimeWindow(float(edges[w]), float(edges[w + 1]), float(centres[w]), int(per_window[w]))
        for w in range(n_w)
    )
    rater_window = r * n_w + window
    slots, rw = factorize(rater_window)
    _, u = factorize(unit)
    c = factorize(columns[4])[1] if criterion is not None else None
    n_units = int(u.max()) + 1
    # Scorecard-windows ((unit, rater, window) triples) once: for the fit's
    # count table and for the design effect.
    card_keys, pair = combine(u, raters.size, r)
    card_windows = _card_windows(pair, window, card_keys.size, n_w)
    slot_counts = _slot_counts(card_keys, card_windows, slots, raters.size, n_w, n_units)
    fit = fit_additive(
        u,
        rw,
        c,
        value,
        n_units,
        slots.size,
        0 if c is None else int(c.max()) + 1,
        unit_variance=False,
        rater_counts=slot_counts,
    )
    severity = np.full((raters.size, n_w), np.nan)
    se = np.full((raters.size, n_w), np.nan)
    estimable = fit.group_sizes[fit.rater_group] >= 2
    rows, cols = slots // n_w, slots % n_w
    severity[rows[estimable], cols[estimable]] = fit.effects[: slots.size][estimable]
    deff = 1.0
    if fit.effect_var is not None:
        deff = _design_effect(
            u,
            rw,
            c,
            value,
            fit,
            slots,
            n_w,
            cards=card_windows,
            card_sizes=slot_counts.data,  # ratings per scorecard-window, in their order
            residuals=fit.residuals,  # of ``value``: the fit's
        )
        se[rows[estimable], cols[estimable]] = np.sqrt(
            np.maximum(fit.effect_var[: slots.size][estimable], 0.0) * deff
        )
    # Ratings per (rater, window): counted per slot (the slots are the rater_window
    # values that occur).
    rater_window_n = np.zeros(raters.size * n_w, dtype=np.int64)
    rater_window_n[slots] = np.bincount(rw, minlength=slots.size)
    rater_window_n = rater_window_n.reshape(raters.size, n_w)
    slope, slope_se = _weighted_slopes(centres, severity, se)
    span = float(centres[-1] - centres[0]) if n_w >= 2 else 0.0
    notes = {}
    if n_w < 2:
        notes["windows"] = "all ratings fall in one time window, so there is no trend to fit"
    if fit.residual_var is None:
        notes["residual_sd"] = "no residual degrees of freedom, so no standard errors or slopes"
    drift_rows = []
    # As Python numbers once (the same values), for the rows below.
    rater_ids, slopes, slope_ses = raters.tolist(), slope.tolist(), slope_se.tolist()
    severities, ses, counts = severity.tolist(), se.tolist(), rater_window_n.tolist()
    for index in range(raters.size):
        defined = math.isfinite(slopes[index])
        reason = None
        if not defined:
            reason = "severity is estimated in fewer than two time windows, so no trend"
        elif slope_ses[index] != slope_ses[index]:  # NaN: an exact fit
            reason = "the ratings fit the model exactly, so the trend has no standard error"
        row_slope = finite_or_none(slopes[index])
        row_se = finite_or_none(slope_ses[index])
        change = change_se = z = None
        if row_slope is not None:
            change = row_slope * span
        if row_se is not None and row_se > 0:
            change_se = row_se * span
            z = row_slope / row_se
        drift_rows.append(
            RaterDrift(
                rater=rater_ids[index],
                severity=tuple(finite_or_none(x) for x in severities[index]),
                se=tuple(finite_or_none(x) for x in ses[index]),
                slope=row_slope,
                slope_se=row_se,
                reason=reason,
                change=change,
                change_se=change_se,
                z=z,
                flagged=bool(
                    z is not None and abs(change) > DRIFT_CHANGE_ABOVE and abs(z) > DRIFT_Z_ABOVE
                ),
                periods=tuple(
                    DriftPeriod(
                        start=windows[w].start,
                        end=windows[w].end,
                        centre=windows[w].centre,
                        n_ratings=counts[index][w],
                        severity=finite_or_none(severities[index][w]),
                        se=finite_or_none(ses[index][w]),
                    )
                    for w in range(n_w)
                ),
            )
        )
    return SeverityDrift(windows, tuple(drift_rows), notes, design_effect=deff)


# Residual sums of squares this small, against the ratings' own spread, are
# the rounding noise of an exact fit: there is no correlation to measure.
_EXACT_FIT = 1e-20


def _card_windows(pair, window, n_cards, n_w):
    """``factorize(pair * n_w + window)`` for the scorecards' dense codes
    ``pair``. When each scorecard's ratings share one window (one submission
    time per scorecard, as stored), the scorecard-windows are the scorecards
    themselves, in the same order: read off, not counted."""
    window_of = np.zeros(n_cards, dtype=np.int64)
    window_of[pair] = window
    if np.array_equal(window_of[pair], window):
        return np.arange(n_cards, dtype=np.int64) * n_w + window_of, pair
    return factorize(pair * n_w + window)


def _slot_counts(card_keys, card_windows, slots, n_raters, n_w, n_units):
    """``count_table(u, rw, n_units, slots.size)`` (ratings per unit and
    rater-window slot) from the scorecard-windows: in (unit, rater, window)
    order, which is (unit, slot) order since the slots are sorted, and each
    occurs once, so they are the table's cells in order and their counts its
    entries."""
    keys, index = card_windows
    card = card_keys[keys // n_w]
    slot_of = np.zeros(n_raters * n_w, dtype=np.int64)
    slot_of[slots] = np.arange(slots.size)
    columns = slot_of[(card % n_raters) * n_w + keys % n_w]
    indptr = np.zeros(n_units + 1, dtype=np.int64)
    np.cumsum(np.bincount(card // n_raters, minlength=n_units), out=indptr[1:])
    data = np.bincount(index, minlength=keys.size).astype(float)
    return sparse.csr_matrix((data, columns, indptr), shape=(n_units, slots.size))


def _design_effect(
    u, rw, c, value, fit, slots, n_w, *, cards=None, card_sizes=None, residuals=None
) -> float:
    """Kish's design effect of a scorecard ((unit, rater-window) pair) from
    the fit's residuals: m · MSB / (MSB + (m − 1) · MSW), at least 1, with
    degrees of freedom net of the fitted unit, rater-window and criterion
    effects; 1 when there is nothing to measure it on. ``rw`` codes the
    sorted ``slots`` (rater · n_w + window). When the caller has them:
    ``cards``, the factorization of the scorecards' codes below, with
    ``card_sizes`` their numbers of ratings (as floats); ``residuals``, the
    fit's of ``value`` (the same subtraction as here)."""
    n_slots = slots.size
    if residuals is None:
        fitted = fit.unit_level[u] + fit.effects[rw]
        if c is not None:
            fitted = fitted + fit.effects[n_slots + c]
        residual = value - fitted
    else:
        residual = residuals
    total = float(residual @ residual)
    spread = float(((value - value.mean()) ** 2).sum())
    if not total > _EXACT_FIT * max(spread, 1.0):
        return 1.0
    n_units = int(u.max()) + 1
    # The scorecards' codes in (unit, rater-window) order, which is (unit,
    # rater, window) order: through the (unit, rater) pairs, then the window
    # within each, two compact ranges rather than units × rater-windows.
    if cards is None:
        rater, window = np.divmod(slots[rw], n_w)
        _, pair = combine(u, int(slots[-1]) // n_w + 1, rater)
        cards = factorize(pair * n_w + window)
    cards, s = cards
    n_cards = cards.size
    per_card = card_sizes
    if per_card is None:
        per_card = np.bincount(s, minlength=n_cards).astype(float)
    card_mean = np.bincount(s, residual, minlength=n_cards) / per_card
    between = float((per_card * card_mean**2).sum())
    within = total - between
    n_groups = fit.group_sizes.size
    df_between = n_cards - n_units - (n_slots - n_groups)
    df_within = value.size - n_cards - (0 if c is None else int(c.max()))
    if df_between <= 0 or df_within <= 0 or within <= 0:
        return 1.0
    msb, msw = between / df_between, within / df_within
    m = value.size / n_cards
    return max(1.0, m * msb / (msb + (m - 1.0) * msw))


_SE_FLOOR = 1e-12


def _weighted_slopes(x: np.ndarray, y: np.ndarray, se: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise weighted least-squares slope of y on x, weights 1/se²."""
    # A standard error this small is the rounding noise of a model that fits exactly (0 on
    # one route, 1e-17 on another). A row whose every estimate is that exact is fitted with
    # equal weights, the same on either route, and its slope has no standard error.
    weighted = np.isfinite(y) & np.isfinite(se) & (se > _SE_FLOOR)
    exact = ~weighted.any(axis=1, keepdims=True) & np.isfinite(y) & np.isfinite(se)
    usable = weighted | exact
    w = np.where(weighted, 1.0 / np.where(weighted, se, 1.0) ** 2, np.where(exact, 1.0, 0.0))
    x = np.broadcast_to(x, y.shape)
    total = w.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_bar = (w * x).sum(axis=1) / total
        y_bar = (w * np.where(usable, y, 0.0)).sum(axis=1) / total
        dx = x - x_bar[:, None]
        sxx = (w * dx**2).sum(axis=1)
        sxy = (w * dx * (np.where(usable, y, 0.0) - y_bar[:, None])).sum(axis=1)
        enough = (usable.sum(axis=1) >= 2) & (sxx > 0)
        slope = np.where(enough, sxy / np.where(enough, sxx, 1.0), np.nan)
        slope_se = np.where(enough, 1.0 / np.sqrt(np.where(enough, sxx, 1.0)), np.nan)
    slope_se = np.where(exact.any(axis=1), np.nan, slope_se)
    return slope, slope_se
