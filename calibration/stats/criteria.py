"""Per-criterion spread, agreement and discrimination."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from calibration.stats import limits
from calibration.stats._codes import (
    cell_counts,
    clean,
    code_counts,
    code_sums,
    combine,
    factorize,
    group_positions,
    marked,
    scalar,
)
from calibration.stats.alpha import alphas_by_group
from calibration.stats.statistic import (
    Statistic,
    number,
    undefined,
)

# The levels at which the rubric's agreement is summarised over its criteria.
SPREAD_LEVELS = ("interval", "ordinal")
NO_CRITERION_ALPHA = "no criterion has an alpha: no criterion was scored by two reviewers"


@dataclass(frozen=True)
class CriterionSummary:
    """Spread, agreement and discrimination of one criterion.

    ``discrimination`` is the corrected item-total (item-rest) correlation:
    across units, the Pearson correlation between the unit's mean rating on
    this criterion and its mean rating on all *other* criteria. A criterion
    that separates candidates the way the rest of the rubric does scores
    high; one with no spread, or that ranks candidates unlike everything else,
    scores near zero.
    """

    criterion: Any
    n_ratings: int
    n_units: int
    mean: float
    sd: float | None
    alpha_interval: Statistic[float]
    alpha_ordinal: Statistic[float]
    discrimination: Statistic[float]


def criterion_summaries(
    unit: Any, rater: Any, value: Any, criterion: Any
) -> list[CriterionSummary]:
    """For each criterion: number of ratings and units, mean, spread (sample
    SD of its ratings), Krippendorff's alpha (interval and ordinal; see
    ``krippendorff_alpha``) and discrimination (item-rest correlation; see
    ``CriterionSummary``; Nunnally & Bernstein, 1994, *Psychometric Theory*)."""
    unit, rater, value, criterion = clean(unit, rater, value, criterion)
    criteria, c = factorize(criterion)
    units, u = factorize(unit)
    n_units, n_criteria = units.size, criteria.size
    total_n = code_counts(u, minlength=n_units).astype(float)
    total_sum = code_sums(u, value, minlength=n_units)
    # Every criterion at once: its ratings of each unit and their sum.
    # (Counted per (unit, criterion) item, which the caller may have paired already.)
    own_n = cell_counts(u, n_criteria, c, n_units * n_criteria).reshape(n_units, n_criteria)
    own_n = np.ascontiguousarray(own_n.T).astype(float)
    if marked(u) and marked(c):
        # Each item's ratings summed in their order, as per cell below: the
        # caller's items (``combine``), their sums put in (criterion, unit) order.
        keys, index = combine(u, n_criteria, c)
        own_sum = np.zeros(n_criteria * n_units)
        own_sum[(keys % n_criteria) * n_units + keys // n_criteria] = code_sums(index, value)
    else:
        own_sum = np.bincount(c * n_units + u, value, minlength=n_criteria * n_units)
    own_sum = own_sum.reshape(n_criteria, n_units)
    alphas = alphas_by_group(c, u, value, n_criteria, ("interval", "ordinal"))
    n_ratings = code_counts(c, minlength=n_criteria)
    if value.size <= limits.SAME_ARITHMETIC_UP_TO:
        # numpy's mean and SD of each criterion's ratings, as they always were.
        order, bounds = group_positions(c, n_criteria)
        by_criterion = value[order]
        parts = [by_criterion[bounds[i] : bounds[i + 1]] for i in range(n_criteria)]
        means = [float(part.mean()) for part in parts]
        sds = [float(part.std(ddof=1)) if part.size >= 2 else None for part in parts]
    else:
        # The same two passes for every criterion at once (rounded differently).
        mean = code_sums(c, value, minlength=n_criteria) / n_ratings
        squares = np.bincount(c, (value - mean[c]) ** 2, minlength=n_criteria)
        means = mean.tolist()
        sds = [
            math.sqrt(ss / (count - 1)) if count >= 2 else None
            for ss, count in zip(squares.tolist(), n_ratings.tolist(), strict=True)
        ]
    rows = []
    for index in range(n_criteria):
        rows.append(
            CriterionSummary(
                criterion=scalar(criteria[index]),
                n_ratings=int(n_ratings[index]),
                n_units=int((own_n[index] > 0).sum()),
                mean=means[index],
                sd=sds[index],
                alpha_interval=alphas[index]["interval"],
                alpha_ordinal=alphas[index]["ordinal"],
                discrimination=_item_rest(
                    own_n[index], own_sum[index], total_n, total_sum, n_criteria
                ),
            )
        )
    return rows


def _item_rest(
    own_n: np.ndarray,
    own_sum: np.ndarray,
    total_n: np.ndarray,
    total_sum: np.ndarray,
    n_criteria: int,
) -> Statistic[float]:
    if n_criteria < 2:
        return undefined("only one criterion: no other criteria to correlate with")
    rest_n = total_n - own_n
    both = (own_n > 0) & (rest_n > 0)
    if both.sum() < 3:
        return undefined(
            "fewer than three units were rated on this and another criterion: no correlation"
        )
    item = own_sum[both] / own_n[both]
    rest = (total_sum[both] - own_sum[both]) / rest_n[both]
    if np.ptp(item) == 0:
        return undefined("every unit has the same mean on this criterion: no spread")
    if np.ptp(rest) == 0:
        return undefined("every unit has the same mean on the other criteria: no spread")
    return number(np.corrcoef(item, rest)[0, 1])


@dataclass(frozen=True)
class AlphaSpread:
    """The rubric's agreement at one level as the spread of its criteria's
    alphas: their median, lowest and highest (and which criteria those are),
    over the ``n_defined`` of ``n_criteria`` criteria whose alpha is
    defined. ``reason`` says why there is none when ``n_defined`` is 0."""

    level: str
    median: float | None
    low: float | None
    high: float | None
    n_criteria: int
    n_defined: int
    lowest_criterion: Any = None
    highest_criterion: Any = None
    reason: str | None = None


def alpha_spread(summaries: Sequence[CriterionSummary], level: str = "interval") -> AlphaSpread:
    """The median and range of the per-criterion alphas at ``level``
    ("interval" or "ordinal") of ``criterion_summaries``.

    Why not one alpha over every (candidate, criterion) pair: pooling makes
    the differences between criterion means look like agreement (two
    reviewers who both score "communication" above "coding" agree on that
    for every candidate), so the pooled alpha runs well above what reviewers
    agree on within any criterion. The per-criterion alphas are what a
    reviewer can act on; the pooled one stays in the raw statistics."""
    if level not in SPREAD_LEVELS:
        raise ValueError(f"level must be one of {SPREAD_LEVELS}, not {level!r}")
    return spread_of_alphas(level, [(s.criterion, getattr(s, f"alpha_{level}")) for s in summaries])


def spread_of_alphas(level: str, alphas: Sequence[tuple[Any, Statistic[float]]]) -> AlphaSpread:
    """``AlphaSpread`` of (criterion, alpha) pairs at one level."""
    pairs = [(criterion, alpha.value) for criterion, alpha in alphas if alpha.value is not None]
    if not pairs:
        return AlphaSpread(level, None, None, None, len(alphas), 0, reason=NO_CRITERION_ALPHA)
    values = np.array([alpha for _, alpha in pairs])
    lowest, highest = int(np.argmin(values)), int(np.argmax(values))
    return AlphaSpread(
        level=level,
        median=float(np.median(values)),
        low=float(values[lowest]),
        high=float(values[highest]),
        n_criteria=len(alphas),
        n_defined=len(pairs),
        lowest_criterion=pairs[lowest][0],
        highest_criterion=pairs[highest][0],
    )


def criterion_agreement(
    unit: Any, rater: Any, value: Any, criterion: Any
) -> dict[str, AlphaSpread]:
    """``{level: alpha_spread(criterion_summaries(...), level)}`` for the
    interval and ordinal levels: the rubric-level agreement figure."""
    summaries = criterion_summaries(unit, rater, value, criterion)
    return {level: alpha_spread(summaries, level) for level in SPREAD_LEVELS}


# --- Flags --------------------------------------------------------------------
