"""Adverse-impact statistics against published worked examples, and a seeded posting with a
built-in difference on one criterion."""

import numpy as np
import pytest

from reports.impact import stats
from reports.impact.analysis import impact_report


def test_four_fifths_example_80_of_120_against_12_of_30():
    # The Uniform Guidelines' Questions and Answers example: 66.7 % against 40 %.
    rows = {r.group: r for r in stats.selection_rates({"A": (80, 120), "B": (12, 30)})}
    assert rows["A"].rate == pytest.approx(0.6667, abs=1e-4)
    assert rows["B"].rate == pytest.approx(0.40)
    assert rows["A"].impact_ratio == pytest.approx(1.0)
    assert rows["B"].impact_ratio == pytest.approx(0.60)
    assert rows["B"].below_four_fifths is True
    assert rows["A"].below_four_fifths is False


def test_four_fifths_example_with_several_groups_against_the_highest_rate():
    # Hiring rates of 60 %, 45 %, 48 % and 51 %: 75 % of the highest is under four-fifths,
    # 80 % is not (the rule is "less than"), 85 % is not.
    rows = {
        r.group: r
        for r in stats.selection_rates(
            {"W": (60, 100), "I": (45, 100), "H": (48, 100), "B": (51, 100)}
        )
    }
    assert rows["I"].impact_ratio == pytest.approx(0.75)
    assert rows["H"].impact_ratio == pytest.approx(0.80)
    assert rows["B"].impact_ratio == pytest.approx(0.85)
    assert [rows[g].below_four_fifths for g in "WIHB"] == [False, True, False, False]


def test_no_one_selected_leaves_the_ratio_undefined_not_zero_division():
    rows = stats.selection_rates({"A": (0, 10), "B": (0, 12)})
    assert [r.impact_ratio for r in rows] == [None, None]
    assert not any(r.below_four_fifths for r in rows)


def test_a_count_above_its_total_is_refused():
    with pytest.raises(ValueError, match="11 selected of 10"):
        stats.selection_rates({"A": (11, 10)})


def test_fisher_exact_on_the_tea_tasting_table():
    # Fisher (1935); Agresti, Categorical Data Analysis, §3.5: 3 of 4 cups right.
    assert stats.fisher_exact([[3, 1], [1, 3]], alternative="greater") == pytest.approx(
        0.2429, abs=1e-4
    )
    assert stats.fisher_exact([[3, 1], [1, 3]]) == pytest.approx(0.4857, abs=1e-4)


def test_selection_rates_carry_fisher_against_the_rest():
    rows = {r.group: r for r in stats.selection_rates({"A": (3, 4), "B": (1, 4)})}
    assert rows["A"].p_value == pytest.approx(0.4857, abs=1e-4)


def test_hedges_g_on_borensteins_worked_example():
    # Borenstein, Hedges, Higgins & Rothstein (2009), Introduction to Meta-Analysis, ch. 4:
    # means 103 and 100, SDs 5.5 and 4.5, 50 in each group.
    effect = stats.hedges_g(103, 5.5, 50, 100, 4.5, 50)
    assert effect.d == pytest.approx(0.5970, abs=1e-4)
    assert effect.correction == pytest.approx(0.9923, abs=1e-4)
    assert effect.g == pytest.approx(0.5924, abs=1e-4)
    assert effect.variance == pytest.approx(0.0411, abs=1e-4)
    assert effect.se == pytest.approx(0.2028, abs=1e-4)
    assert (effect.ci_low, effect.ci_high) == pytest.approx((0.1949, 0.9900), abs=1e-3)


def test_exact_correction_and_hedges_approximation():
    # J(4) = Γ(2) / (√2 Γ(3/2)) = 0.7979, where 1 − 3/(4·df − 1) gives 0.8; they converge.
    assert stats.hedges_correction(4) == pytest.approx(0.7979, abs=1e-4)
    assert stats.hedges_correction(10) == pytest.approx(0.9228, abs=1e-4)
    assert stats.hedges_correction(98) == pytest.approx(1 - 3 / 391, abs=1e-5)


def test_hedges_g_is_undefined_without_spread_or_with_one_person():
    assert stats.hedges_g(3, 0, 5, 3, 0, 5) is None
    assert stats.hedges_g(3, 1, 1, 2, 1, 5) is None


def test_permutation_test_is_exact_for_small_groups():
    # 4 against 4 with no overlap: 2 of the 70 arrangements are as extreme (two-sided).
    comparison = stats.compare_scores([4, 4, 3, 4], [1, 2, 1, 1])
    assert comparison.p_value == pytest.approx(2 / 70)
    assert comparison.effect.g > 0


def test_benjamini_hochberg_adjustment():
    assert stats.adjust_p_values([0.01, 0.04, 0.03, 0.005]) == pytest.approx(
        [0.02, 0.04, 0.04, 0.02]
    )


def test_small_groups_merge_into_other_and_a_small_merged_group_is_not_shown():
    plan = stats.plan_groups({"a": 10, "b": 3, "c": 2, "d": 7}, minimum=5)
    assert plan.labels == ["a", "d", stats.OTHER]
    assert plan.shown["b"] == plan.shown["c"] == stats.OTHER
    assert plan.hidden_count == 0
    plan = stats.plan_groups({"a": 10, "b": 3, "d": 7}, minimum=5)
    assert plan.labels == ["a", "d"]
    assert "b" not in plan.shown
    assert plan.hidden_count == 3


def test_minimum_group_size_is_configurable():
    assert stats.plan_groups({"a": 3, "b": 3}, minimum=3).labels == ["a", "b"]
    assert stats.plan_groups({"a": 3, "b": 3}, minimum=4).labels == ["other / not shown"]


def seeded_posting(seed=7, n=80, difference=1.0):
    """80 applications in two groups of 40; three criteria scored 1–4 alike for both groups
    except "Experience", where group B is scored `difference` lower."""
    rng = np.random.default_rng(seed)
    people = list(range(n))
    group = {p: "A" if p % 2 else "B" for p in people}

    def scores(shift):
        base = rng.normal(2.6, 0.6, n)
        return {
            p: float(np.clip(base[p] - (shift if group[p] == "B" else 0), 1, 4)) for p in people
        }

    criteria = {
        "Certification": scores(0),
        "Experience": scores(difference),
        "Driving": scores(0),
    }
    reached = {p: int(rng.integers(0, 4)) for p in people}
    return group, reached, criteria


def test_seeded_difference_on_one_criterion_flags_that_criterion_only():
    group, reached, criteria = seeded_posting()
    report = impact_report(
        answers={"gender": group},
        stages=["applied", "screening", "interview", "hired"],
        reached=reached,
        criterion_scores=criteria,
        reviewer_scores={},
    )
    flagged = {(kind, row.subject) for _, kind, row in report.flagged}
    assert flagged == {("criterion", "Experience")}
    experience = [r for r in report.categories[0].criteria if r.subject == "Experience"]
    b = next(r for r in experience if r.group == "B").comparison
    assert b.effect.g < -1 and b.effect.ci_high < 0


def test_without_a_difference_nothing_is_flagged():
    group, reached, criteria = seeded_posting(difference=0.0)
    report = impact_report(
        answers={"gender": group},
        stages=["applied", "screening"],
        reached=reached,
        criterion_scores=criteria,
        reviewer_scores={},
    )
    assert report.flagged == []


def test_groups_under_the_minimum_are_never_shown_in_any_figure():
    group, reached, criteria = seeded_posting()
    # Four people say "x", two say "y": merged they make 6 ≥ 5 and show as other; alone, no.
    answers = dict(group) | {0: "x", 2: "x", 4: "x", 6: "x", 8: "y", 10: "y"}
    report = impact_report(
        answers={"gender": answers},
        stages=["applied", "screening"],
        reached=reached,
        criterion_scores=criteria,
        reviewer_scores={},
    )
    labels = {label for label, _ in report.categories[0].groups}
    assert labels == {"A", "B", stats.OTHER}
    answers = dict(group) | {0: "x", 2: "x", 4: "x", 8: "y"}
    report = impact_report(
        answers={"gender": answers},
        stages=["applied", "screening"],
        reached=reached,
        criterion_scores=criteria,
        reviewer_scores={},
    )
    category = report.categories[0]
    shown = {label for label, _ in category.groups}
    shown |= {row.group for s in category.stages for row in s.rows}
    shown |= {row.group for row in category.criteria}
    assert shown == {"A", "B"}
    assert category.hidden_count == 4


def test_prefer_not_to_say_is_not_compared():
    group, reached, criteria = seeded_posting()
    answers = {p: ("prefer_not_to_say" if p < 10 else g) for p, g in group.items()}
    report = impact_report(
        answers={"gender": answers},
        stages=["applied", "screening"],
        reached=reached,
        criterion_scores=criteria,
        reviewer_scores={},
        not_compared=frozenset({"prefer_not_to_say"}),
    )
    category = report.categories[0]
    assert category.not_compared == 10
    assert dict(category.groups) == {"A": 35, "B": 35}


def test_a_reviewer_who_scored_too_few_of_a_group_is_left_out():
    group, reached, criteria = seeded_posting()
    few = dict.fromkeys(range(8), 3.0)  # 4 of each group
    report = impact_report(
        answers={"gender": group},
        stages=["applied", "screening"],
        reached=reached,
        criterion_scores={},
        reviewer_scores={"Dana": few},
    )
    assert report.categories[0].reviewers == []
    assert report.categories[0].too_few == 2


def test_caveats_say_what_a_flag_does_not_mean():
    group, reached, criteria = seeded_posting()
    report = impact_report(
        answers={"gender": group},
        stages=["applied", "screening"],
        reached=reached,
        criterion_scores=criteria,
        reviewer_scores={},
    )
    texts = " ".join(c.text for c in report.caveats.items)
    assert "not proof of discrimination" in texts
    assert "does not show bias by itself" in texts
    assert "fewer than 5 people" in texts
