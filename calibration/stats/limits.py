"""Sizes past which the statistics take other routes to the same
quantities. Read at call time (``limits.NAME``), so that a test can lower them
to run the large-data paths on small data."""

# Krippendorff's package builds units x values x values arrays; past this many
# cells the same formula is evaluated here through a sparse coincidence matrix.
PACKAGE_CELL_BUDGET = 4_000_000
# Coincidence and kappa weight matrices are values x values: more distinct
# values than this are not categories of a rating scale.
MAX_DISTINCT_VALUES = 2_000
# Rows of the units x parameters product handled at once when computing the
# standard errors of adjusted scores (bounds memory at ~40 MB per chunk).
UNIT_CHUNK = 20_000
# `factorize` counts integer codes through a lookup table (instead of sorting
# them) when their range is at most this many times their number, plus this.
LOOKUP_SLACK = 4
LOOKUP_EXTRA = 1024
# Up to this many units × values² cells, alphas come from the krippendorff
# package itself (as ever: the same results to the last bit); past it, from one
# coincidence matrix per table (the same formula, in a different order of
# floating-point operations).
PACKAGE_EXACT_CELLS = 250_000
# Coincidence matrices of up to this many values are counted on a dense
# units × values table (when it is small); beyond it, on a sparse one.
DENSE_VALUES = 64
# Least-squares systems with this many parameters or more (and past
# SAME_ARITHMETIC_UP_TO ratings) are solved through a Cholesky factorisation
# when their null space is the expected one.
CHOLESKY_FROM = 256
# Up to this many ratings (or pairs of ratings), kappas and least-squares fits
# add up the same numbers in the same order as they always did, so that they
# give the same results to the last bit; past it, they take faster routes to
# the same quantities (which differ only in rounding).
SAME_ARITHMETIC_UP_TO = 100_000
# Items with at most this many ratings have their pairs found offset by offset.
PAIR_OFFSETS = 16
