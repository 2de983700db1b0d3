"""screening/scoring.py is pure: hand-computed examples, then properties."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from screening.scoring import (
    CriterionRule,
    Scale,
    consensus,
    consensus_from_totals,
    failed_must_haves,
    weighted_score,
)

FOUR = Scale(1, 4)
FIVE = Scale(1, 5)

# Two must-haves and a bonus, weights 50/30/20.
RULES = [
    CriterionRule(id=1, weight=50, must_have=True, knockout_level=2),
    CriterionRule(id=2, weight=30, must_have=True, knockout_level=3),
    CriterionRule(id=3, weight=20, must_have=False),
]


# --- Hand-computed examples -------------------------------------------------


def test_weighted_score_of_one_scorecard():
    # (50·3/3 + 30·2/3 + 20·0) / 100 · 100
    assert weighted_score({1: 4, 2: 3, 3: None}, RULES, FOUR) == pytest.approx(70.0)


def test_weighted_score_on_a_five_point_scale():
    # (50·2/4 + 30·4/4 + 20·1/4) / 100 · 100
    assert weighted_score({1: 3, 2: 5, 3: 2}, RULES, FIVE) == pytest.approx(60.0)


def test_unscored_bonus_counts_as_the_minimum():
    assert weighted_score({1: 4, 2: 4, 3: None}, RULES, FOUR) == weighted_score(
        {1: 4, 2: 4, 3: 1}, RULES, FOUR
    )


def test_a_criterion_missing_from_the_values_counts_as_the_minimum():
    assert weighted_score({1: 4, 2: 4}, RULES, FOUR) == pytest.approx(80.0)


def test_weights_need_not_sum_to_one_hundred():
    rules = [CriterionRule(id=1, weight=1, must_have=True), CriterionRule(3, 3, False)]
    # (1·1 + 3·1/3) / 4 · 100
    assert weighted_score({1: 4, 3: 2}, rules, FOUR) == pytest.approx(50.0)


def test_weighted_score_with_no_weight_is_zero():
    rules = [CriterionRule(id=1, weight=0, must_have=True)]
    assert weighted_score({1: 4}, rules, FOUR) == 0.0


def test_weighted_score_of_fractional_consensus_values():
    # (50·2/3 + 30·1.5/3 + 20·0.5/3) / 100 · 100
    assert weighted_score({1: 3.0, 2: 2.5, 3: 1.5}, RULES, FOUR) == pytest.approx(
        100 * (50 * 2 / 3 + 30 * 1.5 / 3 + 20 * 0.5 / 3) / 100
    )


def test_a_scale_needs_its_maximum_above_its_minimum():
    with pytest.raises(ValueError, match="A scale's maximum must be above its minimum."):
        Scale(4, 4)


def test_consensus_is_the_mean_per_criterion():
    cards = [{1: 4, 2: 3, 3: None}, {1: 2, 2: 3, 3: 4}]
    assert consensus(cards, RULES, FOUR) == {1: 3.0, 2: 3.0, 3: 2.5}


def test_consensus_of_three_scorecards():
    cards = [{1: 4, 2: 1, 3: 2}, {1: 3, 2: 2, 3: 2}, {1: 3, 2: 2, 3: 3}]
    assert consensus(cards, RULES, FOUR) == pytest.approx({1: 10 / 3, 2: 5 / 3, 3: 7 / 3})


def test_consensus_counts_an_unscored_bonus_as_the_minimum():
    cards = [{1: 4, 2: 4, 3: None}, {1: 4, 2: 4}]
    assert consensus(cards, RULES, FIVE)[3] == 1.0


def test_consensus_of_no_scorecards_is_empty_per_criterion():
    assert consensus([], RULES, FOUR) == {1: None, 2: None, 3: None}


def test_application_score_is_the_weighted_score_of_the_consensus():
    cons = consensus([{1: 4, 2: 3, 3: None}, {1: 2, 2: 3, 3: 4}], RULES, FOUR)
    # (50·2/3 + 30·2/3 + 20·1.5/3) / 100 · 100
    assert weighted_score(cons, RULES, FOUR) == pytest.approx(63.333333333)


def test_consensus_from_totals_matches_consensus_on_the_same_data():
    cards = [{1: 4, 2: 3, 3: None}, {1: 2, 2: 3, 3: 4}, {1: 1, 2: 4, 3: 2}]
    # Σ(value − 1) over non-empty values, as the database aggregate gives them.
    totals = {1: 3 + 1 + 0, 2: 2 + 2 + 3, 3: 0 + 3 + 1}
    assert consensus_from_totals(totals, 3, RULES, FOUR) == pytest.approx(
        consensus(cards, RULES, FOUR)
    )


def test_consensus_from_totals_treats_an_absent_criterion_as_the_minimum():
    assert consensus_from_totals({1: 6.0}, 2, RULES, FOUR) == {1: 4.0, 2: 1.0, 3: 1.0}


def test_consensus_from_totals_of_no_scorecards_is_empty_per_criterion():
    assert consensus_from_totals({}, 0, RULES, FOUR) == {1: None, 2: None, 3: None}


def test_failed_must_haves_lists_those_below_their_knockout_level():
    assert failed_must_haves({1: 1.5, 2: 2.5, 3: 1.0}, RULES) == [1, 2]


def test_a_consensus_at_the_knockout_level_passes():
    assert failed_must_haves({1: 2.0, 2: 3.0, 3: 1.0}, RULES) == []


def test_bonuses_never_fail_must_haves():
    rules = [*RULES[:2], CriterionRule(id=3, weight=20, must_have=False, knockout_level=4)]
    assert failed_must_haves({1: 4.0, 2: 4.0, 3: 1.0}, rules) == []


def test_a_must_have_without_knockout_level_never_fails():
    rules = [CriterionRule(id=1, weight=100, must_have=True, knockout_level=None)]
    assert failed_must_haves({1: 1.0}, rules) == []


def test_an_unscored_consensus_fails_nothing():
    assert failed_must_haves({1: None, 2: None, 3: None}, RULES) == []


# --- Properties ---------------------------------------------------------------

SCALES = st.sampled_from([FOUR, FIVE])
WEIGHTS = st.floats(min_value=0.01, max_value=100, allow_nan=False, allow_infinity=False)


@st.composite
def scored_rubric(draw):
    """(criteria, values, scale): 1–8 criteria, each scored on the scale or empty."""
    scale = draw(SCALES)
    weights = draw(st.lists(WEIGHTS, min_size=1, max_size=8))
    rules = [
        CriterionRule(id=i, weight=w, must_have=draw(st.booleans()), knockout_level=2)
        for i, w in enumerate(weights)
    ]
    level = st.none() | st.integers(min_value=scale.min, max_value=scale.max)
    values = {r.id: draw(level) for r in rules}
    return rules, values, scale


@given(scored_rubric())
def test_score_lies_between_0_and_100(case):
    rules, values, scale = case
    assert 0.0 <= weighted_score(values, rules, scale) <= 100.0


def test_score_never_exceeds_100_by_rounding():
    # Unclamped, 100·96.9/96.9 comes out as 100.00000000000001.
    rules = [CriterionRule(id=1, weight=96.9, must_have=True, knockout_level=2)]
    assert weighted_score({1: 4}, rules, FOUR) <= 100.0


@given(scored_rubric(), st.data())
def test_score_never_falls_when_one_value_rises(case, data):
    rules, values, scale = case
    criterion = data.draw(st.sampled_from(rules)).id
    before = values[criterion]
    start = scale.min if before is None else before
    if start == scale.max:
        return
    raised = data.draw(st.integers(min_value=start + 1, max_value=scale.max))
    assert weighted_score({**values, criterion: raised}, rules, scale) >= weighted_score(
        values, rules, scale
    )


@given(scored_rubric())
def test_score_is_100_with_every_criterion_at_the_maximum(case):
    rules, _, scale = case
    values = {r.id: scale.max for r in rules}
    assert weighted_score(values, rules, scale) == pytest.approx(100.0)


@given(scored_rubric())
def test_score_is_0_with_every_criterion_at_the_minimum(case):
    rules, _, scale = case
    values = {r.id: scale.min for r in rules}
    assert weighted_score(values, rules, scale) == 0.0


@given(scored_rubric())
def test_score_is_0_with_every_criterion_unscored(case):
    rules, _, scale = case
    assert weighted_score(dict.fromkeys(r.id for r in rules), rules, scale) == 0.0


@given(scored_rubric(), st.floats(min_value=0.01, max_value=1000))
def test_score_does_not_change_when_all_weights_are_scaled(case, factor):
    rules, values, scale = case
    scaled = [CriterionRule(r.id, r.weight * factor, r.must_have, r.knockout_level) for r in rules]
    assert weighted_score(values, scaled, scale) == pytest.approx(
        weighted_score(values, rules, scale)
    )


@given(scored_rubric(), st.data())
def test_consensus_from_totals_equals_consensus(case, data):
    rules, first, scale = case
    level = st.none() | st.integers(min_value=scale.min, max_value=scale.max)
    others = data.draw(
        st.lists(st.fixed_dictionaries({r.id: level for r in rules}), min_size=0, max_size=5)
    )
    cards = [first, *others]
    totals = {
        r.id: float(sum(card[r.id] - scale.min for card in cards if card[r.id] is not None))
        for r in rules
    }
    assert consensus_from_totals(totals, len(cards), rules, scale) == pytest.approx(
        consensus(cards, rules, scale)
    )


@given(scored_rubric(), st.data())
def test_consensus_lies_on_the_scale(case, data):
    rules, first, scale = case
    level = st.none() | st.integers(min_value=scale.min, max_value=scale.max)
    others = data.draw(st.lists(st.fixed_dictionaries({r.id: level for r in rules}), max_size=5))
    for value in consensus([first, *others], rules, scale).values():
        assert scale.min <= value <= scale.max
