"""Agreement of each rater with the leave-one-out consensus."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from calibration.stats._codes import (
    clean,
    code_counts,
    code_sums,
    factorize,
    item_codes,
    marked,
    pairable,
    scalar,
)


@dataclass(frozen=True)
class RaterConsensus:
    """How a rater's scores compare with the mean of the other raters of the
    same items (leave-one-out consensus)."""

    rater: Any
    n_compared: int
    mean_difference: float | None  # rater − others; positive = lenient
    mean_absolute_difference: float | None
    correlation: float | None
    reason: str | None = None


def consensus_agreement(
    unit: Any, rater: Any, value: Any, criterion: Any = None
) -> list[RaterConsensus]:
    """Per rater, agreement with the consensus of the *other* raters of each
    item (unit, or unit × criterion): mean and mean absolute difference, and
    the Pearson correlation between the rater's scores and the others' means.
    Leaving the rater out avoids the part-whole inflation of correlating a
    score with a mean that contains it (the corrected item-total logic of
    Nunnally, J. C., & Bernstein, I. H. (1994). *Psychometric Theory*, 3rd ed.).
    """
    unit, rater, value, *rest = clean(
        unit, rater, value, *([] if criterion is None else [criterion])
    )
    raters, r = factorize(rater)
    item = item_codes(unit, rest[0] if rest else None)
    if value.size == 0:
        return []
    per_item = code_counts(item).astype(float)
    sums = code_sums(item, value)
    # The ratings compared are the pairable ones of ``_codes.pairable`` (found
    # once for every statistic when the items are the compute's): their items
    # and values come from there, the same numbers as picked out here.
    shared = pairable(item, value) if marked(item) else None
    if shared is not None:
        compared, items, x = shared[:3]
        rr = r if compared.all() else r[compared]
        y = (sums[items] - x) / (per_item[items] - 1)
    else:
        others = per_item[item] - 1
        compared = others > 0
        if compared.all():  # every item rated twice or more: nothing to leave out
            rr, x = r, value
            y = (sums[item] - x) / others
        else:
            rr, x = r[compared], value[compared]
            y = (sums[item][compared] - x) / others[compared]
    k = raters.size
    n = np.bincount(rr, minlength=k).astype(float)

    def total(weights: np.ndarray) -> np.ndarray:
        return np.bincount(rr, weights, minlength=k)

    sx, sy = total(x), total(y)
    sxx, syy, sxy = total(x * x), total(y * y), total(x * y)
    diff, absdiff = total(x - y), total(np.abs(x - y))
    rows = []
    for index in range(k):
        count = int(n[index])
        if count == 0:
            rows.append(
                RaterConsensus(
                    scalar(raters[index]),
                    0,
                    None,
                    None,
                    None,
                    "no unit of this rater was rated by anyone else",
                )
            )
            continue
        cov = sxy[index] - sx[index] * sy[index] / count
        var_x = sxx[index] - sx[index] ** 2 / count
        var_y = syy[index] - sy[index] ** 2 / count
        scale = max(abs(sxx[index]), abs(syy[index]), 1.0) * 1e-12
        correlation = None
        reason = None
        if count < 3:
            reason = "fewer than three compared ratings: no correlation"
        elif var_x <= scale or var_y <= scale:
            reason = "no spread in the rater's or the consensus scores: no correlation"
        else:
            correlation = float(np.clip(cov / math.sqrt(var_x * var_y), -1.0, 1.0))
        rows.append(
            RaterConsensus(
                rater=scalar(raters[index]),
                n_compared=count,
                mean_difference=float(diff[index] / count),
                mean_absolute_difference=float(absdiff[index] / count),
                correlation=correlation,
                reason=reason,
            )
        )
    return rows


# --- Per criterion ------------------------------------------------------------
