"""Flags for a recruiter: lenient or severe raters, criteria with low
agreement, too few ratings to say."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from calibration.stats.criteria import CriterionSummary
from calibration.stats.effects import RaterEffects
from calibration.stats.raters import RaterEffectsReport


@dataclass(frozen=True)
class Flag:
    """Something a recruiter should look at, in words."""

    kind: Literal[
        "lenient_rater",
        "severe_rater",
        "low_agreement_criterion",
        "too_few_ratings",
        "too_few_scorecards",
        "misfit",
        "muted",
        "halo",
        "central_tendency",
        "restricted_range",
    ]
    subject: Literal["rater", "criterion"]
    code: Any
    message: str


def calibration_flags(
    effects: RaterEffects,
    criteria: Sequence[CriterionSummary] = (),
    *,
    severity_threshold: float = 0.5,
    min_z: float = 2.0,
    min_ratings: int = 10,
    min_alpha: float = 0.667,
    alpha_level: Literal["interval", "ordinal"] = "interval",
) -> list[Flag]:
    """Flags for raters whose severity is large (|severity| > threshold, in
    scale points) *and* well estimated (|severity| / SE > ``min_z``, n ≥
    ``min_ratings``); for criteria whose alpha is below ``min_alpha`` (0.667:
    Krippendorff's lowest limit for tentative conclusions, Krippendorff, K.
    (2004). *Content Analysis*, 2nd ed., p. 241); and "too few ratings to say"
    for raters or criteria with fewer than ``min_ratings`` ratings, or whose
    estimate is undefined."""
    flags = []
    for row in effects.raters:
        if row.n_ratings < min_ratings:
            flags.append(
                Flag(
                    "too_few_ratings",
                    "rater",
                    row.rater,
                    f"rater {row.rater} has {row.n_ratings} ratings; at least {min_ratings} "
                    f"are needed to judge severity",
                )
            )
        elif row.severity is None:
            flags.append(
                Flag("too_few_ratings", "rater", row.rater, f"rater {row.rater} {row.reason}")
            )
        elif row.se is None:
            flags.append(
                Flag(
                    "too_few_ratings",
                    "rater",
                    row.rater,
                    f"rater {row.rater}: severity has no standard error (too few ratings "
                    f"per unit), so it cannot be judged",
                )
            )
        elif abs(row.severity) > severity_threshold and abs(row.severity) > min_z * row.se:
            lenient = row.severity > 0
            flags.append(
                Flag(
                    "lenient_rater" if lenient else "severe_rater",
                    "rater",
                    row.rater,
                    f"rater {row.rater} scores {abs(row.severity):.2f} points "
                    f"{'above' if lenient else 'below'} the consensus "
                    f"(SE {row.se:.2f}, {row.n_ratings} ratings)",
                )
            )
    for summary in criteria:
        alpha = summary.alpha_interval if alpha_level == "interval" else summary.alpha_ordinal
        if summary.n_ratings < min_ratings:
            flags.append(
                Flag(
                    "too_few_ratings",
                    "criterion",
                    summary.criterion,
                    f"criterion {summary.criterion} has {summary.n_ratings} ratings; at least "
                    f"{min_ratings} are needed to judge agreement",
                )
            )
        elif alpha.value is None:
            flags.append(
                Flag(
                    "too_few_ratings",
                    "criterion",
                    summary.criterion,
                    f"criterion {summary.criterion}: {alpha_level} alpha is undefined: "
                    f"{alpha.reason}",
                )
            )
        elif alpha.value < min_alpha:
            flags.append(
                Flag(
                    "low_agreement_criterion",
                    "criterion",
                    summary.criterion,
                    f"criterion {summary.criterion}: {alpha_level} alpha {alpha.value:.3f} is "
                    f"below {min_alpha:.3f}",
                )
            )
    return flags


def rater_flags(report: RaterEffectsReport) -> list[Flag]:
    """The rater flags of ``raters.rater_effects`` in words, counted in
    scorecards: ``lenient_rater``/``severe_rater`` (the severity beyond the
    threshold and the shrunk severity's posterior interval excluding 0),
    ``too_few_scorecards``, and the diagnostics' flags by their own names."""
    unit = "points" if report.method == "linear" else "logits"
    flags = []
    for row in report.raters:
        for name in row.flags:
            if name in ("lenient", "severe"):
                lenient = name == "lenient"
                message = (
                    f"rater {row.rater} scores {abs(row.severity):.2f} {unit} "
                    f"{'above' if lenient else 'below'} the others on the same candidates "
                    f"(SE {row.se:.2f}; shrunk {row.severity_shrunk:+.2f} ± "
                    f"{row.sd_shrunk:.2f}; {row.n_scorecards} scorecards)"
                )
                flags.append(Flag(f"{name}_rater", "rater", row.rater, message))
            elif name == "too_few_scorecards":
                flags.append(Flag(name, "rater", row.rater, f"rater {row.rater}: {row.reason}"))
            else:
                flags.append(Flag(name, "rater", row.rater, f"rater {row.rater}: {name}"))
    return flags


# --- The `agreement` command's JSON ---------------------------------------------
