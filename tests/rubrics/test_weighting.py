from decimal import Decimal

import pytest

from rubrics.weighting import default_weights, split_equally

D = Decimal


def test_example_posting_shape_three_must_haves_and_one_bonus():
    musts, bonuses = default_weights(3, 1)
    assert musts == [D("25.00"), D("25.00"), D("25.00")]
    assert bonuses == [D("25.00")]


def test_remainder_goes_to_the_first_items_deterministically():
    musts, bonuses = default_weights(7, 3)
    # 75.00 / 7 = 10.71 r 3 cents; 25.00 / 3 = 8.33 r 1 cent
    assert musts == [D("10.72")] * 3 + [D("10.71")] * 4
    assert bonuses == [D("8.34"), D("8.33"), D("8.33")]
    assert sum(musts + bonuses) == D("100.00")


def test_no_bonus_gives_must_haves_the_whole_hundred():
    musts, bonuses = default_weights(3, 0)
    assert musts == [D("33.34"), D("33.33"), D("33.33")]
    assert bonuses == []


def test_share_is_configurable():
    musts, bonuses = default_weights(2, 2, D("60"))
    assert musts == [D("30.00"), D("30.00")]
    assert bonuses == [D("20.00"), D("20.00")]


def test_only_bonuses_take_the_whole_hundred():
    assert default_weights(0, 2) == ([], [D("50.00"), D("50.00")])


@pytest.mark.parametrize("n_musts,n_bonuses", [(1, 1), (3, 7), (13, 6), (99, 1), (11, 0)])
def test_weights_always_sum_to_exactly_one_hundred(n_musts, n_bonuses):
    musts, bonuses = default_weights(n_musts, n_bonuses, D("72.5"))
    assert sum(musts + bonuses) == D("100.00")
    assert all(w.as_tuple().exponent == -2 for w in musts + bonuses)


def test_split_equally_parts_differ_by_at_most_one_cent():
    parts = split_equally(D("100.00"), 6)
    assert parts == [D("16.67")] * 4 + [D("16.66")] * 2


@pytest.mark.parametrize("share", [D("-1"), D("100.01")])
def test_share_out_of_range_is_refused(share):
    with pytest.raises(ValueError, match="between 0 and 100"):
        default_weights(2, 1, share)
