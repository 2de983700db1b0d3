"""Scoring rules (DESIGN.md, "Scoring rules"): pure Python, no Django.

- A reviewer's weighted score: Σ wᶜ·(sᶜ − min)/(max − min) / Σ wᶜ, as 0–100.
  An unscored criterion (a bonus with "no evidence") counts as the minimum.
- Consensus: per criterion, the mean over submitted scorecards (an unscored
  bonus again counting as the minimum); the application's score is the
  weighted score of the consensus.
- An application fails its must-haves when any must-have's consensus is
  below that criterion's knockout level, or when more submitted scorecards
  answer one of its screening questions "no" than "yes" (a tie passes: one
  reviewer's doubt alone does not knock a candidate out). Screening
  questions carry no weight and are not part of the consensus.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

Values = Mapping[int, float | None]


@dataclass(frozen=True)
class CriterionRule:
    """What scoring needs to know of one criterion."""

    id: int
    weight: float
    must_have: bool
    knockout_level: int | None = None


@dataclass(frozen=True)
class Scale:
    min: int
    max: int

    def __post_init__(self):
        if self.max <= self.min:
            raise ValueError("A scale's maximum must be above its minimum.")


def weighted_score(values: Values, criteria: Sequence[CriterionRule], scale: Scale) -> float:
    """The 0–100 weighted score of one set of per-criterion values."""
    total_weight = sum(c.weight for c in criteria)
    if total_weight <= 0:
        return 0.0
    span = scale.max - scale.min
    points = 0.0
    for c in criteria:
        value = values.get(c.id)
        if value is None:
            continue  # no evidence: the minimum, which adds nothing
        clipped = min(max(float(value), scale.min), scale.max)
        points += c.weight * (clipped - scale.min) / span
    # Rounded to 9 places so that float noise (31.249999999999996 for 31.25)
    # cannot make two roundings of one score disagree, and clamped because
    # the sums can land a hair outside [0, 100].
    return min(100.0, max(0.0, round(100.0 * points / total_weight, 9)))


def consensus(
    scorecards: Iterable[Values], criteria: Sequence[CriterionRule], scale: Scale
) -> dict[int, float | None]:
    """Per criterion, the mean over the given (submitted) scorecards; None
    for every criterion when there is no scorecard."""
    cards = list(scorecards)
    if not cards:
        return {c.id: None for c in criteria}
    return {
        c.id: sum(scale.min if card.get(c.id) is None else float(card[c.id]) for card in cards)
        / len(cards)
        for c in criteria
    }


def consensus_from_totals(
    totals_above_min: Mapping[int, float],
    n_scorecards: int,
    criteria: Sequence[CriterionRule],
    scale: Scale,
) -> dict[int, float | None]:
    """The same consensus, from per-criterion sums of (value − min) over the
    submitted scorecards, as a database aggregate gives them cheaply."""
    if n_scorecards <= 0:
        return {c.id: None for c in criteria}
    return {c.id: scale.min + totals_above_min.get(c.id, 0.0) / n_scorecards for c in criteria}


def failed_screening_questions(answers: Mapping[int, tuple[int, int]]) -> list[int]:
    """Ids of screening questions answered "no" by more submitted scorecards than "yes";
    `answers` maps a question's id to its (yes, no) counts."""
    return [question for question, (yes, no) in answers.items() if no > yes]


def failed_must_haves(consensus_values: Values, criteria: Sequence[CriterionRule]) -> list[int]:
    """Ids of must-haves whose consensus lies below their knockout level."""
    return [
        c.id
        for c in criteria
        if c.must_have
        and c.knockout_level is not None
        and consensus_values.get(c.id) is not None
        and consensus_values[c.id] < c.knockout_level
    ]
