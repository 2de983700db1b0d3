"""The numbers a calibration run reports for each reviewer and each criterion,
in the order they are shown raw: in the API and in the admin's "raw numbers"."""

REVIEWER_NUMBERS = (
    "n_ratings",
    "n_applications",
    "mean",
    "severity",
    "severity_se",
    "agreement_with_consensus",
    "drift",
    "distribution",
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
