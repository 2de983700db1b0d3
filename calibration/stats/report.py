"""The JSON object of ``manage.py agreement``."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from calibration.stats._codes import (
    clean,
    factorize,
    group_positions,
    scalar,
)
from calibration.stats.alpha import alphas_at_levels
from calibration.stats.icc import icc_from_codes
from calibration.stats.kappa import cohen_kappa, fleiss_from_codes
from calibration.stats.statistic import (
    LEVELS,
    NO_RATINGS,
    undefined,
)


def agreement_report(
    unit: Any, rater: Any, value: Any, criterion: Any = None, *, by_criterion: bool = True
) -> dict[str, Any]:
    """The JSON-ready object printed by ``manage.py agreement`` (DESIGN.md,
    "Interfaces"): ``krippendorff_alpha`` {nominal, ordinal, interval, ratio},
    ``icc`` {ICC1, ICC2, ICC3, ICC1k, ICC2k, ICC3k}, ``fleiss_kappa``,
    ``cohen_kappa`` {unweighted, linear, quadratic}, ``n_units``, ``n_raters``,
    ``n_ratings`` and ``notes`` {statistic: reason} for every null (alpha
    levels as ``krippendorff_alpha.<level>``). Floats are rounded to 6 places;
    there is never NaN or infinity.

    With ``criterion``, the top-level statistics treat each (unit, criterion)
    pair as one rated item (``n_units`` still counts units), and
    ``by_criterion`` holds the same object for each criterion, keyed by the
    criterion code as a string (left out with ``by_criterion=False``).
    """
    columns = clean(unit, rater, value, *([] if criterion is None else [criterion]))
    unit, rater, value = columns[:3]
    units, u = factorize(unit)
    n_units = int(units.size)
    if criterion is None:
        item = u
    else:
        criteria, c = factorize(columns[3])
        item = factorize(u * criteria.size + c)[1]
    report = _agreement_block(item, rater, value, n_units)
    if criterion is not None and by_criterion:
        order, bounds = group_positions(c, criteria.size)
        blocks = {}
        for index in range(criteria.size):
            at = order[bounds[index] : bounds[index + 1]]
            sub_units = factorize(unit[at])[1]
            blocks[str(scalar(criteria[index]))] = _agreement_block(
                sub_units, rater[at], value[at], int(sub_units.max()) + 1
            )
        report["by_criterion"] = blocks
    return json_ready(report)


def _agreement_block(
    item: np.ndarray, rater: np.ndarray, value: np.ndarray, n_units: int
) -> dict[str, Any]:
    raters, r = factorize(rater)
    notes: dict[str, str] = {}
    alphas = {}
    for level, result in alphas_at_levels(item, value, LEVELS).items():
        alphas[level] = result.value
        if result.value is None:
            notes[f"krippendorff_alpha.{level}"] = result.reason
    statistics = {
        "icc": icc_from_codes(item, r, value) if value.size else undefined(NO_RATINGS),
        "fleiss_kappa": fleiss_from_codes(item, value),
        "cohen_kappa": (
            cohen_kappa(item, r, value)
            if raters.size == 2
            else undefined(
                f"Cohen's kappa compares exactly two raters; these ratings come from {raters.size}"
            )
        ),
    }
    report: dict[str, Any] = {"krippendorff_alpha": alphas}
    for name, result in statistics.items():
        report[name] = result.value
        if result.value is None:
            notes[name] = result.reason
    report.update(
        n_units=n_units, n_raters=int(raters.size), n_ratings=int(value.size), notes=notes
    )
    return report


def json_ready(data: Any, places: int = 6) -> Any:
    """``data`` with numpy scalars turned into Python ones, floats rounded to
    ``places``, tuples into lists and keys into strings; raises ValueError on
    NaN or infinity so that none can reach JSON output."""
    if isinstance(data, Mapping):
        return {str(key): json_ready(item, places) for key, item in data.items()}
    if isinstance(data, list | tuple):
        return [json_ready(item, places) for item in data]
    if isinstance(data, np.generic):
        data = data.item()
    if isinstance(data, bool) or data is None or isinstance(data, int | str):
        return data
    if isinstance(data, float):
        if not math.isfinite(data):
            raise ValueError(f"{data!r} cannot be written as JSON")
        return round(data, places) + 0.0  # + 0.0 turns -0.0 into 0.0
    raise TypeError(f"{type(data).__name__} is not JSON data")
