"""Simulated screening data with known reviewer severities, for
``calibration_validity.py``.

A design is sparse and connected: each candidate is scored by 2 or 3 of 50
reviewers on every criterion of a 1–5 scale. The reviewers are regulars
(severity ~ N(0, 0.3²)), one outlier (+0.8, 20 scorecards) and newcomers
with 1, 2 or 3 scorecards and no true severity. A reviewer's halo (one
draw per scorecard, added to every criterion of it) has SD ``halo``.

Two generators: ``linear`` (quality + severity + criterion + halo + noise on
the latent scale, rounded and clipped to 1–5; severities in scale points) and
``rasch`` (an Andrich rating-scale model on logits with the same facets;
severities in logits). Positive severity = lenient.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

N_REVIEWERS = 50
NEWCOMER_CARDS = (1, 1, 2, 2, 3, 3)  # scorecards of each newcomer
OUTLIER_CARDS = 20
OUTLIER_SEVERITY = 0.8
REGULAR_SD = 0.3
N_CANDIDATES = 300
N_CRITERIA = 5
SCALE = (1, 5)
CRITERION_EFFECTS = np.array([-0.3, -0.15, 0.0, 0.15, 0.3])
NOISE_SD = 0.6  # linear generator, per rating
QUALITY_SD = {"linear": 0.8, "rasch": 1.2}
POOL_CENTRE = {("linear", "centred"): 3.0, ("linear", "top"): 4.2}
POOL_CENTRE |= {("rasch", "centred"): 0.0, ("rasch", "top"): 2.0}
THRESHOLDS = np.array([-1.8, -0.6, 0.6, 1.8])  # Andrich thresholds, logits


@dataclass(frozen=True)
class Simulated:
    unit: np.ndarray
    rater: np.ndarray
    criterion: np.ndarray
    value: np.ndarray
    quality: np.ndarray  # per candidate (latent)
    severity: np.ndarray  # per reviewer, relative to the reviewers' mean (latent scale)
    severity_points: np.ndarray  # the same as a shift of expected observed ratings
    kind: np.ndarray  # per reviewer: "regular", "outlier", "newcomer"
    newcomer_cards: np.ndarray  # per reviewer: scorecards if a newcomer, else 0


def assignments(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(card_unit, card_rater, kind): 2 or 3 reviewers per candidate, the
    outlier and newcomers with their fixed numbers of scorecards, the
    regulars sharing the rest at random."""
    n_new = len(NEWCOMER_CARDS)
    outlier = 0
    newcomers = np.arange(1, 1 + n_new)
    regulars = np.arange(1 + n_new, N_REVIEWERS)
    per_candidate = rng.choice([2, 3], size=N_CANDIDATES)
    slots = [[] for _ in range(N_CANDIDATES)]
    fixed = [(outlier, OUTLIER_CARDS)] + list(zip(newcomers, NEWCOMER_CARDS, strict=True))
    for reviewer, cards in fixed:
        for candidate in rng.choice(N_CANDIDATES, size=cards, replace=False):
            if len(slots[candidate]) < per_candidate[candidate] - 1:
                slots[candidate].append(reviewer)
            else:  # keep one slot for a regular: find another candidate
                free = [i for i in range(N_CANDIDATES) if len(slots[i]) < per_candidate[i] - 1]
                free = [i for i in free if reviewer not in slots[i]]
                slots[int(rng.choice(free))].append(reviewer)
    units, raters = [], []
    for candidate, taken in enumerate(slots):
        others = rng.choice(regulars, size=per_candidate[candidate] - len(taken), replace=False)
        for reviewer in [*taken, *others]:
            units.append(candidate)
            raters.append(int(reviewer))
    kind = np.array(["regular"] * N_REVIEWERS, dtype=object)
    kind[outlier] = "outlier"
    kind[newcomers] = "newcomer"
    return np.array(units), np.array(raters), kind


def expected_category(eta: np.ndarray) -> np.ndarray:
    """Expected rating (1–5) of the rating-scale model at logit ``eta``."""
    steps = np.arange(THRESHOLDS.size + 1)
    log_num = steps[None, :] * eta[:, None] - np.r_[0.0, np.cumsum(THRESHOLDS)][None, :]
    log_num -= log_num.max(axis=1, keepdims=True)
    p = np.exp(log_num)
    p /= p.sum(axis=1, keepdims=True)
    return SCALE[0] + p @ steps


def expected_rounded(mu: np.ndarray) -> np.ndarray:
    """Expected rating of the linear generator at latent mean ``mu``."""
    cuts = np.arange(SCALE[0], SCALE[1]) + 0.5
    return SCALE[0] + special.ndtr((mu[:, None] - cuts[None, :]) / NOISE_SD).sum(axis=1)


def simulate(
    rng: np.random.Generator, *, generator: str = "linear", halo: float = 0.5, pool: str = "centred"
) -> Simulated:
    card_unit, card_rater, kind = assignments(rng)
    severity = rng.normal(0.0, REGULAR_SD, N_REVIEWERS)
    severity[kind == "outlier"] = OUTLIER_SEVERITY
    severity[kind == "newcomer"] = 0.0
    newcomer_cards = np.zeros(N_REVIEWERS, dtype=int)
    newcomer_cards[kind == "newcomer"] = NEWCOMER_CARDS
    quality = rng.normal(POOL_CENTRE[generator, pool], QUALITY_SD[generator], N_CANDIDATES)
    card_halo = rng.normal(0.0, halo, card_unit.size) if halo > 0 else np.zeros(card_unit.size)
    unit = np.repeat(card_unit, N_CRITERIA)
    rater = np.repeat(card_rater, N_CRITERIA)
    criterion = np.tile(np.arange(N_CRITERIA), card_unit.size)
    eta = (
        quality[unit]
        + severity[rater]
        + CRITERION_EFFECTS[criterion]
        + np.repeat(card_halo, N_CRITERIA)
    )
    relative = severity - severity.mean()
    if generator == "linear":
        latent = eta + rng.normal(0.0, NOISE_SD, eta.size)
        value = np.clip(np.rint(latent), *SCALE)
        # In observed scale points: rounding and the ends of the scale shrink
        # a latent shift, more so near the top. E[clip(round(z))] for
        # z ~ N(μ, σ²) is 1 + Σₖ Φ((μ − k − ½)/σ), k = 1..4.
        shift = expected_rounded(eta) - expected_rounded(eta - relative[rater])
        points = np.bincount(rater, shift, minlength=N_REVIEWERS) / np.bincount(
            rater, minlength=N_REVIEWERS
        )
        points -= points.mean()
    else:
        steps = np.arange(THRESHOLDS.size + 1)
        log_num = steps[None, :] * eta[:, None] - np.r_[0.0, np.cumsum(THRESHOLDS)][None, :]
        log_num -= log_num.max(axis=1, keepdims=True)
        p = np.exp(log_num)
        p /= p.sum(axis=1, keepdims=True)
        draw = rng.random(eta.size)[:, None]
        value = (SCALE[0] + (draw > np.cumsum(p, axis=1)).sum(axis=1)).astype(float)
        # A severity in scale points: how much the rater's expected ratings
        # move on the candidates they saw, against the mean rater.
        shift = expected_category(eta) - expected_category(eta - relative[rater])
        points = np.bincount(rater, shift, minlength=N_REVIEWERS) / np.bincount(
            rater, minlength=N_REVIEWERS
        )
        points -= points.mean()
    return Simulated(
        unit=unit,
        rater=rater,
        criterion=criterion,
        value=value.astype(float),
        quality=quality,
        severity=relative,
        severity_points=points,
        kind=kind,
        newcomer_cards=newcomer_cards,
    )
