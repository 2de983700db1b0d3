"""The result type of every statistic, the levels and forms, and the
reasons a statistic can be undefined."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[Level, ...] = ("nominal", "ordinal", "interval", "ratio")
ICC_FORMS = ("ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k")
KAPPA_WEIGHTS = ("unweighted", "linear", "quadratic")

NO_RATINGS = "there are no ratings"
IDENTICAL = "all ratings are identical: no variation to agree on"
NO_PAIRS = "no unit was rated by two or more raters, so no ratings can be compared"
ONE_UNIT = "only one unit was rated by two or more raters; agreement needs at least two units"
NOT_FINITE = "the computation did not give a finite number"
SAME_SINGLE_VALUE = (
    "both raters gave every shared unit the same single value: chance agreement is total, "
    "so kappa is undefined"
)


T = TypeVar("T")


@dataclass(frozen=True)
class Statistic(Generic[T]):
    """A statistic's value, or None with the reason it is undefined."""

    value: T | None
    reason: str | None = None


def undefined(reason: str) -> Statistic[Any]:
    return Statistic(None, reason)


def number(x: float) -> Statistic[float]:
    x = float(x)
    return Statistic(x) if math.isfinite(x) else undefined(NOT_FINITE)
