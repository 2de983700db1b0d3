"""The numbers a calibration run reports for each reviewer and each criterion,
in the order they are shown raw: in the API and in the admin's "raw numbers"."""

REVIEWER_NUMBERS = (
    "group",
    "n_ratings",
    "n_applications",
    "n_scorecards",
    "mean",
    "severity",
    "severity_se",
    "severity_shrunk",
    "severity_sd_shrunk",
    "infit",
    "outfit",
    "halo",
    "central_tendency",
    "range_ratio",
    "agreement_with_consensus",
    "drift",
    "drift_se",
    "distribution",
    "diagnostic_flags",
)
RUN_NUMBERS = (
    "method",
    "separation_index",
    "separation_reliability",
    "alpha_median",
    "alpha_min",
    "alpha_max",
)
CRITERION_NUMBERS = (
    "n_ratings",
    "mean",
    "spread",
    "alpha_ordinal",
    "alpha_interval",
    "discrimination",
    "notes",
)
