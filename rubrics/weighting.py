"""Default criterion weights: pure arithmetic, no Django.

Must-haves share `must_have_share` percent (75 by default) and bonuses the
rest, equally within each group; with no bonus, must-haves take all 100.
Weights are decimals with two places that sum to exactly 100.00: each group's
share is split in hundredths, and the hundredths left over by the equal split
go one each to the group's first items, so the result is deterministic.
"""

from decimal import Decimal

HUNDRED = Decimal("100")
CENT = Decimal("0.01")
DEFAULT_MUST_HAVE_SHARE = Decimal("75")


def split_equally(total: Decimal, count: int) -> list[Decimal]:
    """Split `total` (two decimal places) into `count` parts that differ by at
    most 0.01 and sum to `total` exactly; larger parts come first."""
    if count <= 0:
        return []
    cents = int((total / CENT).to_integral_value())
    base, remainder = divmod(cents, count)
    return [(base + (1 if i < remainder else 0)) * CENT for i in range(count)]


def default_weights(
    n_must_haves: int,
    n_bonuses: int,
    must_have_share: Decimal = DEFAULT_MUST_HAVE_SHARE,
) -> tuple[list[Decimal], list[Decimal]]:
    """Weights for `n_must_haves` must-haves and `n_bonuses` bonuses.

    Returns (must_have_weights, bonus_weights). When one group is empty the
    other takes the whole 100.
    """
    if n_must_haves < 0 or n_bonuses < 0:
        raise ValueError("Criterion counts cannot be negative.")
    share = Decimal(must_have_share).quantize(CENT)
    if not Decimal(0) <= share <= HUNDRED:
        raise ValueError("The must-have share must lie between 0 and 100.")
    if n_bonuses == 0:
        share = HUNDRED
    elif n_must_haves == 0:
        share = Decimal(0)
    return split_equally(share, n_must_haves), split_equally(HUNDRED - share, n_bonuses)
