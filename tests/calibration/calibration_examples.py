"""Published worked examples for the calibration statistics, with their sources.

Each example is data as printed in (or shipped with) the cited source, and the
figures the source reports. The tests in ``test_stats.py`` check
``calibration/stats/`` against these figures; none of them was
derived from that code.
"""

import numpy as np

NAN = np.nan

# Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability.
# Annenberg School for Communication, University of Pennsylvania
# (https://repository.upenn.edu/asc_papers/43), section C, "Nominal data, any
# number of observers, missing data": observers A-D (rows) x units 1-12
# (columns), NaN = not coded. The same data and the same alphas are used in
# the documentation of the Python `krippendorff` package, Stata's `kalpha`
# help file and R's krippendorffsalpha tests. Section C reports alpha = .743
# (nominal), and the same data give .815 (ordinal), .849 (interval) and
# .797 (ratio). Unit 12 has a single value, so n = 40 pairable values with
# n_c = 9, 13, 10, 5, 3 for the values 1-5.
KRIPPENDORFF_2011 = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
        [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
    ]
)
KRIPPENDORFF_2011_ALPHA = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}

# Krippendorff (2011), section A, "Binary or dichotomous data, two observers,
# no missing data": ten units; alpha = .095.
KRIPPENDORFF_2011_BINARY = np.array(
    [
        [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
        [1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
    ]
)
KRIPPENDORFF_2011_BINARY_ALPHA = 0.095

# Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations: uses in
# assessing rater reliability. Psychological Bulletin, 86(2), 420-428.
# Table 2: 6 targets (rows) x 4 judges (columns). Table 4: the six ICCs to two
# places. (Also the example data of R's psych::ICC and of nipype's ICC test.)
SHROUT_FLEISS_1979 = np.array(
    [
        [9, 2, 5, 8],
        [6, 1, 3, 2],
        [8, 4, 6, 8],
        [7, 1, 2, 6],
        [10, 5, 6, 9],
        [6, 2, 4, 7],
    ],
    dtype=float,
)
SHROUT_FLEISS_1979_ICC = {
    "ICC1": 0.17,  # ICC(1,1)
    "ICC2": 0.29,  # ICC(2,1)
    "ICC3": 0.71,  # ICC(3,1)
    "ICC1k": 0.44,  # ICC(1,4)
    "ICC2k": 0.62,  # ICC(2,4)
    "ICC3k": 0.91,  # ICC(3,4)
}

# Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.
# Psychological Bulletin, 76(5), 378-382, Table 1: 30 patients, each
# diagnosed by 6 of a pool of psychiatrists into 5 categories (1 depression,
# 2 personality disorder, 3 schizophrenia, 4 neurosis, 5 other); kappa = .430.
# Fleiss prints the counts; this raw form is R's irr::diagnoses (also in
# statsmodels' tests), whose kappam.fleiss() prints 0.4302445. Category totals
# over all ratings: 26, 26, 30, 55, 43.
FLEISS_1971_DIAGNOSES = np.array(
    [
        [4, 4, 4, 4, 4, 4],
        [2, 2, 2, 5, 5, 5],
        [2, 3, 3, 3, 3, 5],
        [5, 5, 5, 5, 5, 5],
        [2, 2, 2, 4, 4, 4],
        [1, 1, 3, 3, 3, 3],
        [3, 3, 3, 3, 5, 5],
        [1, 1, 3, 3, 3, 4],
        [1, 1, 4, 4, 4, 4],
        [5, 5, 5, 5, 5, 5],
        [1, 4, 4, 4, 4, 4],
        [1, 2, 4, 4, 4, 4],
        [2, 2, 2, 3, 3, 3],
        [1, 4, 4, 4, 4, 4],
        [2, 2, 4, 4, 4, 5],
        [3, 3, 3, 3, 3, 5],
        [1, 1, 1, 4, 5, 5],
        [1, 1, 1, 1, 1, 2],
        [2, 2, 4, 4, 4, 4],
        [1, 3, 3, 5, 5, 5],
        [5, 5, 5, 5, 5, 5],
        [2, 4, 4, 4, 4, 4],
        [2, 2, 4, 5, 5, 5],
        [1, 1, 4, 4, 4, 4],
        [1, 4, 4, 4, 4, 5],
        [2, 2, 2, 2, 2, 4],
        [1, 1, 1, 1, 5, 5],
        [2, 2, 4, 4, 4, 4],
        [1, 3, 3, 3, 3, 3],
        [5, 5, 5, 5, 5, 5],
    ]
)
FLEISS_1971_KAPPA = 0.430
FLEISS_1971_KAPPA_IRR = 0.4302445

# Wikipedia, "Fleiss' kappa", worked example (also statsmodels' test of
# fleiss_kappa): 10 subjects, 14 raters each, 5 categories; each row counts the
# raters who chose each category. Published: P-bar = 0.378, P-bar_e = 0.213,
# kappa = 0.210.
WIKIPEDIA_FLEISS_COUNTS = np.array(
    [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
)
WIKIPEDIA_FLEISS_KAPPA = 0.210

# Gwet, K. L. (2014). Handbook of Inter-Rater Reliability, 4th ed.; his R
# package irrCAC ships it as `cont3x3abstractors`: 100 pregnancies classified
# Ectopic / AIU / NIU by two abstractors (rows: abstractor 1, columns:
# abstractor 2). irrCAC's documented output of kappa2.table(): Cohen's kappa
# 0.7964094 and, with quadratic weights, 0.8921569; with linear weights 0.843
# (irrCAC's tests).
GWET_ABSTRACTORS = np.array(
    [
        [13, 0, 0],
        [0, 20, 7],
        [0, 4, 56],
    ]
)
GWET_ABSTRACTORS_KAPPA = {"unweighted": 0.7964094, "linear": 0.843, "quadratic": 0.8921569}

# R package irr, dataset `anxiety` (anxiety ratings of 20 subjects by 3
# raters, scale 1-6), and irr::kappa2() on raters 2 and 3 as recorded in
# statsmodels' test_inter_rater.py: unweighted -0.006289308, "equal" (linear)
# weights 0.1459075, "squared" (quadratic) weights 0.2520325. irr weighs by
# positions among the values the two raters used (5 is unused, so 6 is next
# to 4).
IRR_ANXIETY = np.array(
    # rater 1's 20 ratings, then rater 2's, then rater 3's (as printed)
    [3, 3, 3, 4, 5, 5, 2, 3, 5, 2, 2, 6, 1, 5, 2, 2, 1, 2, 4, 3]
    + [3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4]
    + [2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2]
).reshape(20, 3, order="F")
IRR_ANXIETY_KAPPA_RATERS_2_3 = {
    "unweighted": -0.006289308,
    "linear": 0.1459075,
    "quadratic": 0.2520325,
}

# SAS/STAT User's Guide, PROC FREQ AGREE example as reproduced in statsmodels'
# test_inter_rater.py: a 3 x 3 table (rows: rater 1, columns: rater 2).
# Printed: simple kappa 0.4842, weighted kappa (Cicchetti-Allison, i.e.
# linear weights on the scores 1, 2, 3) 0.4701.
SAS_TABLE = np.array(
    [
        [0, 4, 1],
        [0, 8, 0],
        [0, 1, 5],
    ]
)
SAS_TABLE_KAPPA = {"unweighted": 0.4842, "linear": 0.4701}


def wide_to_long(table: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(unit, rater, value) from a units x raters table, NaN cells left out."""
    units, raters = np.nonzero(np.isfinite(table))
    return units, raters, table[units, raters].astype(float)


def observers_to_long(table: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(unit, rater, value) from an observers x units table (Krippendorff's layout)."""
    return wide_to_long(table.T)


def contingency_to_long(table: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two raters' ratings from their contingency table: category i + 1 for
    row/column i, one unit per counted case."""
    rows, cols = np.nonzero(table)
    counts = table[rows, cols]
    first, second = np.repeat(rows, counts) + 1, np.repeat(cols, counts) + 1
    n = first.size
    unit = np.concatenate([np.arange(n), np.arange(n)])
    rater = np.concatenate([np.zeros(n, dtype=int), np.ones(n, dtype=int)])
    return unit, rater, np.concatenate([first, second]).astype(float)


def counts_to_long(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ratings from a units x categories count table (Fleiss' layout): the
    raters are numbered within each unit; category j + 1 for column j."""
    units, categories = np.nonzero(counts)
    n = counts[units, categories]
    unit = np.repeat(units, n)
    value = np.repeat(categories + 1, n).astype(float)
    order = np.argsort(unit, kind="stable")
    unit, value = unit[order], value[order]
    starts = np.searchsorted(unit, unit)
    rater = np.arange(unit.size) - starts
    return unit, rater, value
