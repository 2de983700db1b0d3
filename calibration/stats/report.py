"""The JSON object of ``manage.py agreement``."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from calibration.stats._codes import (
    clean,
    combine,
    factorize,
    group_positions,
    scalar,
)
from calibration.stats.alpha import alphas_at_levels, alphas_by_group
from calibration.stats.criteria import (
    SPREAD_LEVELS,
    AlphaSpread,
    CriterionSummary,
    spread_of_alphas,
)
from calibration.stats.icc import icc_forms_from_codes, icc_from_codes
from calibration.stats.kappa import cohen_kappa, fleiss_from_codes
from calibration.stats.statistic import (
    LEVELS,
    NO_RATINGS,
    undefined,
)


def agreement_report(
    unit: Any,
    rater: Any,
    value: Any,
    criterion: Any = None,
    *,
    by_criterion: bool = True,
    summaries: Sequence[CriterionSummary] | None = None,
) -> dict[str, Any]:
    """The JSON-ready object printed by ``manage.py agreement`` (DESIGN.md,
    "Interfaces"): ``krippendorff_alpha`` {nominal, ordinal, interval, ratio},
    ``icc`` {ICC1, ICC2, ICC3, ICC1k, ICC2k, ICC3k}, ``fleiss_kappa``,
    ``cohen_kappa`` {unweighted, linear, quadratic}, ``n_units``, ``n_raters``,
    ``n_ratings`` and ``notes`` {statistic: reason} for every null (alpha
    levels as ``krippendorff_alpha.<level>``). Floats are rounded to 6 places;
    there is never NaN or infinity.

    With ``criterion``, the report opens with ``criterion_alpha``: the
    rubric's agreement as the median and range of the per-criterion alphas,
    {interval, ordinal} each {median, min, max, lowest_criterion,
    highest_criterion, n_criteria, n_defined} (see ``alpha_spread``; a
    level with no defined alpha has a null median and a note
    ``criterion_alpha.<level>``). That is the headline figure: the
    top-level statistics after it are the raw ones, which treat each (unit,
    criterion) pair as one rated item (``n_units`` still counts units), so
    differences between criterion means inflate them. ``by_criterion`` holds
    the full object for each criterion, keyed by the criterion code as a
    string (left out with ``by_criterion=False``). ``summaries`` (the
    ``criterion_summaries`` of the same ratings, if the caller has them)
    saves computing the per-criterion alphas twice.

    An ICC form whose denominator is not positive is null with a note
    ``icc.<form>``; the other forms are kept.
    """
    columns = clean(unit, rater, value, *([] if criterion is None else [criterion]))
    unit, rater, value = columns[:3]
    units, u = factorize(unit)
    n_units = int(units.size)
    if criterion is None:
        item = u
    else:
        criteria, c = factorize(columns[3])
        item = combine(u, criteria.size, c)[1]
    report = _agreement_block(item, rater, value, n_units)
    if criterion is not None:
        if summaries is not None:
            named = {
                level: [(s.criterion, getattr(s, f"alpha_{level}")) for s in summaries]
                for level in SPREAD_LEVELS
            }
        else:
            alphas = (
                alphas_by_group(c, u, value, criteria.size, SPREAD_LEVELS) if value.size else []
            )
            named = {
                level: [
                    (scalar(criteria[index]), alphas[index][level])
                    for index in range(criteria.size)
                ]
                for level in SPREAD_LEVELS
            }
        spreads = {level: spread_of_alphas(level, named[level]) for level in SPREAD_LEVELS}
        report = {"criterion_alpha": _spread_block(spreads), **report}
        for level, spread in spreads.items():
            if spread.median is None:
                report["notes"][f"criterion_alpha.{level}"] = spread.reason
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
    if report["icc"] is not None and None in report["icc"].values():
        for form, form_result in icc_forms_from_codes(item, r, value).items():
            if form_result.value is None:
                notes[f"icc.{form}"] = form_result.reason
    report.update(
        n_units=n_units, n_raters=int(raters.size), n_ratings=int(value.size), notes=notes
    )
    return report


def _spread_block(spreads: dict[str, AlphaSpread]) -> dict[str, Any]:
    return {
        level: {
            "median": spread.median,
            "min": spread.low,
            "max": spread.high,
            "lowest_criterion": _json_code(spread.lowest_criterion),
            "highest_criterion": _json_code(spread.highest_criterion),
            "n_criteria": spread.n_criteria,
            "n_defined": spread.n_defined,
        }
        for level, spread in spreads.items()
    }


def _json_code(code: Any) -> Any:
    """A criterion code as JSON has it: ints and strings as they are, other
    codes as strings (``by_criterion`` keys are strings too)."""
    code = scalar(code)
    return code if code is None or isinstance(code, int | str) else str(code)


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
