from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rubrics.weighting import DEFAULT_MUST_HAVE_SHARE, default_weights, split_equally

D = Decimal


def test_example_posting_shape_three_must_haves_and_one_bonus():
    # The bonus is capped at half the lightest must-have: 100 / (2·3 + 1) = 14.28.
    musts, bonuses = default_weights(3, 1)
    assert musts == [D("28.58"), D("28.57"), D("28.57")]
    assert bonuses == [D("14.28")]


def test_six_must_haves_and_one_bonus_never_weigh_the_bonus_like_a_must_have():
    musts, bonuses = default_weights(6, 1)
    assert musts == [D("15.39")] * 3 + [D("15.38")] * 3
    assert bonuses == [D("7.69")]


def test_remainder_goes_to_the_first_items_deterministically():
    musts, bonuses = default_weights(7, 3)
    # Each bonus at most 100 / 17 = 5.88; the must-haves share 82.36: 11.76 r 4 cents.
    assert musts == [D("11.77")] * 4 + [D("11.76")] * 3
    assert bonuses == [D("5.88")] * 3
    assert sum(musts + bonuses) == D("100.00")


def test_many_bonuses_share_at_most_the_bonus_share():
    musts, bonuses = default_weights(3, 7)
    # The 25 % bonus share binds before the half-a-must-have cap (100 / 13 = 7.69).
    assert musts == [D("25.00")] * 3
    assert bonuses == [D("3.58")] + [D("3.57")] * 6


def test_no_bonus_gives_must_haves_the_whole_hundred():
    musts, bonuses = default_weights(3, 0)
    assert musts == [D("33.34"), D("33.33"), D("33.33")]
    assert bonuses == []


def test_share_is_configurable():
    musts, bonuses = default_weights(2, 2, D("90"))
    assert musts == [D("45.00"), D("45.00")]
    assert bonuses == [D("5.00"), D("5.00")]


def test_a_low_share_is_still_capped_at_half_a_must_have():
    musts, bonuses = default_weights(2, 2, D("60"))
    assert musts == [D("33.34"), D("33.34")]
    assert bonuses == [D("16.66"), D("16.66")]


def test_a_share_of_one_hundred_leaves_bonuses_at_zero():
    assert default_weights(2, 1, D("100")) == ([D("50.00"), D("50.00")], [D("0.00")])


def test_only_bonuses_take_the_whole_hundred():
    assert default_weights(0, 2) == ([], [D("50.00"), D("50.00")])


def test_no_criteria_give_no_weights():
    assert default_weights(0, 0) == ([], [])


def test_default_share_is_seventy_five():
    assert D("75") == DEFAULT_MUST_HAVE_SHARE


@pytest.mark.parametrize("n_musts,n_bonuses", [(1, 1), (3, 7), (13, 6), (99, 1), (11, 0)])
def test_weights_always_sum_to_exactly_one_hundred(n_musts, n_bonuses):
    musts, bonuses = default_weights(n_musts, n_bonuses, D("72.5"))
    assert sum(musts + bonuses) == D("100.00")
    assert all(w.as_tuple().exponent == -2 for w in musts + bonuses)


@given(
    n_musts=st.integers(0, 30),
    n_bonuses=st.integers(0, 30),
    share=st.decimals(min_value=0, max_value=100, places=2, allow_nan=False),
)
def test_weight_properties_hold_for_any_counts_and_share(n_musts, n_bonuses, share):
    musts, bonuses = default_weights(n_musts, n_bonuses, share)
    assert (len(musts), len(bonuses)) == (n_musts, n_bonuses)
    if musts or bonuses:
        assert sum(musts + bonuses) == D("100.00")
    assert all(w >= 0 and w.as_tuple().exponent == -2 for w in musts + bonuses)
    if musts and bonuses:
        assert max(bonuses) <= min(musts) / 2
        assert sum(bonuses) <= D("100") - share
    # Deterministic: the same counts and share give the same weights.
    assert default_weights(n_musts, n_bonuses, share) == (musts, bonuses)


def test_split_equally_parts_differ_by_at_most_one_cent():
    parts = split_equally(D("100.00"), 6)
    assert parts == [D("16.67")] * 4 + [D("16.66")] * 2


@pytest.mark.parametrize("share", [D("-1"), D("100.01")])
def test_share_out_of_range_is_refused(share):
    with pytest.raises(ValueError, match="between 0 and 100"):
        default_weights(2, 1, share)


def test_negative_counts_are_refused():
    with pytest.raises(ValueError, match="cannot be negative"):
        default_weights(-1, 2)
