"""Default criterion weights: pure arithmetic, no Django.

A bonus is a tie-breaker, so by default no bonus weighs more than half the
lightest must-have. Bonuses share at most 100 − `must_have_share` percent (25
by default) and each takes at most 100 / (2·m + b) percent for m must-haves
and b bonuses, the largest equal weight that keeps it at half a must-have;
whatever the bonuses do not take goes to the must-haves. With no bonus,
must-haves take all 100; with no must-have, bonuses do.

Weights are decimals with two places that sum to exactly 100.00: each group's
total is split in hundredths, and the hundredths left over by the equal split
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
    other takes the whole 100. Otherwise the bonuses take at most
    100 − `must_have_share` together and at most half the lightest
    must-have each (6 must-haves and 1 bonus: 15.39/15.38 and 7.69, not
    12.50 and 25.00); the must-haves take the rest.
    """
    if n_must_haves < 0 or n_bonuses < 0:
        raise ValueError("Criterion counts cannot be negative.")
    share = Decimal(must_have_share).quantize(CENT)
    if not Decimal(0) <= share <= HUNDRED:
        raise ValueError("The must-have share must lie between 0 and 100.")
    if n_bonuses == 0:
        return split_equally(HUNDRED, n_must_haves), []
    if n_must_haves == 0:
        return [], split_equally(HUNDRED, n_bonuses)
    # Each bonus at most x with x ≤ (100 − b·x) / (2·m), i.e. x ≤ 100 / (2·m + b), rounded
    # down to a cent: then even the lightest must-have, (100 − b·x) / m rounded down, is ≥ 2·x.
    hundred_cents = int(HUNDRED / CENT)
    cap_cents = hundred_cents // (2 * n_must_haves + n_bonuses)
    rest_cents = int(((HUNDRED - share) / CENT).to_integral_value())
    bonus_total = min(rest_cents, cap_cents * n_bonuses) * CENT
    return split_equally(HUNDRED - bonus_total, n_must_haves), split_equally(bonus_total, n_bonuses)
