"""Reviewer calibration statistics (DESIGN.md, "Calibration"): pure numpy/scipy.

Every function takes ratings in long form as parallel 1-D arrays, one element
per rating: ``unit`` (what was rated: an application), ``rater`` (who rated
it), ``value`` (the score) and, where it matters, ``criterion``. Codes may be
ints or any other sortable values. A missing cell is simply an absent row; a
NaN or infinite ``value`` is treated the same way (dropped).

A statistic that the data cannot support is never an exception and never NaN:
it comes back as ``Statistic(value=None, reason="...")``. ``agreement_report``
builds the JSON object of ``manage.py agreement`` from these.

Everything is vectorised over ratings (no per-rating Python loop): the
rater-effects fit on a million ratings takes under a second.
"""

from __future__ import annotations

from calibration.stats._codes import factorize
from calibration.stats.alpha import krippendorff_alpha
from calibration.stats.consensus import RaterConsensus, consensus_agreement
from calibration.stats.criteria import CriterionSummary, criterion_summaries
from calibration.stats.drift import (
    RaterDrift,
    SeverityDrift,
    TimeWindow,
    severity_drift,
)
from calibration.stats.effects import (
    CriterionEffect,
    RaterEffects,
    RaterSeverity,
    ScorecardCovariance,
    UnitScores,
    fit_rater_effects,
    scorecard_covariance,
)
from calibration.stats.flags import Flag, calibration_flags
from calibration.stats.icc import icc
from calibration.stats.kappa import (
    RaterPairKappa,
    cohen_kappa,
    fleiss_kappa,
    pairwise_cohen_kappa,
)
from calibration.stats.raters import (
    CriterionRow,
    Group,
    RaterEffectsReport,
    RaterRow,
    Separation,
    empirical_bayes,
    rater_effects,
    report_json,
)
from calibration.stats.report import agreement_report, json_ready
from calibration.stats.statistic import (
    ICC_FORMS,
    IDENTICAL,
    KAPPA_WEIGHTS,
    LEVELS,
    NO_PAIRS,
    NO_RATINGS,
    NOT_FINITE,
    ONE_UNIT,
    SAME_SINGLE_VALUE,
    Level,
    Statistic,
)

__all__ = [
    "ICC_FORMS",
    "IDENTICAL",
    "KAPPA_WEIGHTS",
    "LEVELS",
    "NOT_FINITE",
    "NO_PAIRS",
    "NO_RATINGS",
    "ONE_UNIT",
    "SAME_SINGLE_VALUE",
    "CriterionEffect",
    "CriterionRow",
    "Group",
    "RaterEffectsReport",
    "RaterRow",
    "ScorecardCovariance",
    "Separation",
    "CriterionSummary",
    "Flag",
    "Level",
    "RaterConsensus",
    "RaterDrift",
    "RaterEffects",
    "RaterPairKappa",
    "RaterSeverity",
    "SeverityDrift",
    "Statistic",
    "TimeWindow",
    "UnitScores",
    "agreement_report",
    "calibration_flags",
    "cohen_kappa",
    "consensus_agreement",
    "criterion_summaries",
    "empirical_bayes",
    "factorize",
    "fit_rater_effects",
    "fleiss_kappa",
    "icc",
    "json_ready",
    "krippendorff_alpha",
    "pairwise_cohen_kappa",
    "rater_effects",
    "report_json",
    "scorecard_covariance",
    "severity_drift",
]
