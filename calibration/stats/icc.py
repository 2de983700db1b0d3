"""Shrout & Fleiss' intraclass correlations."""

from __future__ import annotations

from typing import Any

import numpy as np

from calibration.stats._codes import (
    clean,
    factorize,
    has_duplicates,
    repeats,
)
from calibration.stats.statistic import (
    ICC_FORMS,
    IDENTICAL,
    NO_RATINGS,
    Statistic,
    undefined,
)


def icc(unit: Any, rater: Any, value: Any) -> Statistic[dict[str, float | None]]:
    """The six intraclass correlations of Shrout & Fleiss (1979) from a
    complete targets (units) × judges (raters) table.

    Source: Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations:
    uses in assessing rater reliability. *Psychological Bulletin*, 86(2),
    420–428, Table 3. With n targets, k judges and the two-way ANOVA mean
    squares BMS (between targets), WMS (within targets), JMS (between judges)
    and EMS (residual):

    - ICC1  = ICC(1,1) = (BMS − WMS) / (BMS + (k − 1) WMS)
    - ICC2  = ICC(2,1) = (BMS − EMS) / (BMS + (k − 1) EMS + k (JMS − EMS) / n)
    - ICC3  = ICC(3,1) = (BMS − EMS) / (BMS + (k − 1) EMS)
    - ICC1k = ICC(1,k) = (BMS − WMS) / BMS
    - ICC2k = ICC(2,k) = (BMS − EMS) / (BMS + (JMS − EMS) / n)
    - ICC3k = ICC(3,k) = (BMS − EMS) / BMS

    Undefined (None with the reason) unless every rater rated every unit
    exactly once. A form whose denominator is zero or negative (error
    variance swamping the differences between units) is None in the dict
    and the Statistic's ``reason`` says which and why; the other forms are
    kept (``icc_forms`` gives each form as its own Statistic).
    """
    unit, rater, value = clean(unit, rater, value)
    return icc_from_codes(factorize(unit)[1], factorize(rater)[1], value)


def icc_forms(unit: Any, rater: Any, value: Any) -> dict[str, Statistic[float]]:
    """Each of the six forms of ``icc`` as its own Statistic: a value, or
    None with the reason (the table's when no form can be computed)."""
    unit, rater, value = clean(unit, rater, value)
    return icc_forms_from_codes(factorize(unit)[1], factorize(rater)[1], value)


def icc_from_codes(
    u: np.ndarray, r: np.ndarray, v: np.ndarray
) -> Statistic[dict[str, float | None]]:
    forms = icc_forms_from_codes(u, r, v)
    reasons = {result.reason for result in forms.values() if result.value is None}
    if all(result.value is None for result in forms.values()) and len(reasons) == 1:
        return undefined(reasons.pop())
    undefined_forms = [result.reason for result in forms.values() if result.value is None]
    return Statistic(
        {name: result.value for name, result in forms.items()},
        "; ".join(undefined_forms) if undefined_forms else None,
    )


def icc_forms_from_codes(
    u: np.ndarray, r: np.ndarray, v: np.ndarray
) -> dict[str, Statistic[float]]:
    table = _table_mean_squares(u, r, v)
    if isinstance(table, Statistic):
        return dict.fromkeys(ICC_FORMS, table)
    n, k, bms, wms, jms, ems = table
    forms = {
        "ICC1": ((bms - wms), (bms + (k - 1) * wms)),
        "ICC2": ((bms - ems), (bms + (k - 1) * ems + k * (jms - ems) / n)),
        "ICC3": ((bms - ems), (bms + (k - 1) * ems)),
        "ICC1k": ((bms - wms), bms),
        "ICC2k": ((bms - ems), (bms + (jms - ems) / n)),
        "ICC3k": ((bms - ems), bms),
    }
    values: dict[str, Statistic[float]] = {}
    for name, (numerator, denominator) in forms.items():
        if denominator <= 0:
            values[name] = undefined(
                f"{name} is undefined: its denominator is {denominator:.6g} "
                f"(error variance swamps the differences between units)"
            )
        else:
            values[name] = Statistic(float(numerator / denominator))
    return values


def _table_mean_squares(
    u: np.ndarray, r: np.ndarray, v: np.ndarray
) -> tuple[int, int, float, float, float, float] | Statistic[Any]:
    """(n, k, BMS, WMS, JMS, EMS) of the complete units × raters table, or
    the reason there is none."""
    if v.size == 0:
        return undefined(NO_RATINGS)
    n, k = int(u.max()) + 1, int(r.max()) + 1
    if k < 2:
        return undefined("an ICC needs at least two raters; these ratings come from one")
    if n < 2:
        return undefined("an ICC needs at least two units; these ratings are of one")
    cells = u * k + r
    # Cheap checks first: more ratings than cells means a repeat; a sort finds one.
    # (Whether a rater rated a unit twice may be known already: ``_codes.repeats``.)
    known = repeats(u, r)
    if cells.size > n * k or (has_duplicates(cells) if known is None else known):
        return undefined(
            "a rater rated the same unit more than once, so the ratings do not form "
            "a units × raters table"
        )
    if cells.size != n * k:
        return undefined(
            f"the ratings do not form a complete units × raters table: "
            f"{cells.size} of {n * k} cells are filled"
        )
    table = np.empty((n, k))
    table[u, r] = v
    grand = table.mean()
    ss_total = ((table - grand) ** 2).sum()
    if ss_total == 0:
        return undefined(IDENTICAL)
    ss_units = k * ((table.mean(axis=1) - grand) ** 2).sum()
    ss_raters = n * ((table.mean(axis=0) - grand) ** 2).sum()
    bms = ss_units / (n - 1)
    wms = (ss_total - ss_units) / (n * (k - 1))
    jms = ss_raters / (k - 1)
    ems = max(ss_total - ss_units - ss_raters, 0.0) / ((n - 1) * (k - 1))
    if bms <= 0:
        return undefined(
            "every unit has the same mean rating: no variation between units to measure "
            "reliability against"
        )
    return n, k, bms, wms, jms, ems
