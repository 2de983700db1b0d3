"""calibration/stats/ against published worked examples (sources in
calibration_examples.py and each test), a simulation with known rater
severities, hand-derived cases and the edge cases that must give a clear
result rather than an error or NaN."""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import spearmanr

from calibration import stats
from calibration.stats import (
    IDENTICAL,
    LEVELS,
    NO_PAIRS,
    NO_RATINGS,
    ONE_UNIT,
    agreement_report,
    calibration_flags,
    cohen_kappa,
    consensus_agreement,
    criterion_summaries,
    fit_rater_effects,
    fleiss_kappa,
    icc,
    json_ready,
    krippendorff_alpha,
    pairwise_cohen_kappa,
    severity_drift,
)
from calibration.stats.icc import icc_forms
from tests.calibration import calibration_examples as ex


def assert_json_safe(data, path="report"):
    """Walk the whole object: only JSON types, and every float finite."""
    if isinstance(data, dict):
        for key, item in data.items():
            assert isinstance(key, str), f"{path}: key {key!r} is not a string"
            assert_json_safe(item, f"{path}.{key}")
    elif isinstance(data, list):
        for index, item in enumerate(data):
            assert_json_safe(item, f"{path}[{index}]")
    elif isinstance(data, float):
        assert math.isfinite(data), f"{path} is {data!r}"
    else:
        assert data is None or isinstance(data, bool | int | str), f"{path} is {type(data)}"
    json.dumps(data, allow_nan=False)


def assert_every_null_has_a_note(report):
    notes = report["notes"]
    for level, value in report["krippendorff_alpha"].items():
        assert (value is None) == (f"krippendorff_alpha.{level}" in notes)
    for name in ("icc", "fleiss_kappa", "cohen_kappa"):
        assert (report[name] is None) == (name in notes)


# --- Krippendorff's alpha: Krippendorff (2011) -----------------------------------


@pytest.mark.parametrize("level", LEVELS)
def test_alpha_matches_krippendorff_2011_section_c(level):
    """Krippendorff (2011), section C: 4 observers x 12 units with missing
    values; alpha = .743 nominal, .815 ordinal, .849 interval, .797 ratio."""
    unit, rater, value = ex.observers_to_long(ex.KRIPPENDORFF_2011)
    result = krippendorff_alpha(unit, rater, value, level)
    assert round(result.value, 3) == ex.KRIPPENDORFF_2011_ALPHA[level]
    assert result.reason is None


@pytest.mark.parametrize("level", LEVELS)
def test_alpha_for_large_tables_matches_krippendorff_2011_too(level, monkeypatch):
    """The sparse coincidence-matrix path (used past the package's memory
    budget) gives Krippendorff (2011)'s published section C figures too."""
    monkeypatch.setattr(stats.limits, "PACKAGE_CELL_BUDGET", 0)
    unit, rater, value = ex.observers_to_long(ex.KRIPPENDORFF_2011)
    assert (
        round(krippendorff_alpha(unit, rater, value, level).value, 3)
        == (ex.KRIPPENDORFF_2011_ALPHA[level])
    )


def test_interval_alpha_without_a_value_matrix_matches_krippendorff_2011(monkeypatch):
    """The moments form used for thousands of distinct values: still .849."""
    monkeypatch.setattr(stats.limits, "MAX_DISTINCT_VALUES", 1)
    unit, rater, value = ex.observers_to_long(ex.KRIPPENDORFF_2011)
    assert round(krippendorff_alpha(unit, rater, value, "interval").value, 3) == 0.849


def test_alpha_matches_krippendorff_2011_section_a_binary():
    """Krippendorff (2011), section A: two observers, ten units, binary: .095."""
    unit, rater, value = ex.observers_to_long(ex.KRIPPENDORFF_2011_BINARY)
    result = krippendorff_alpha(unit, rater, value, "nominal")
    assert round(result.value, 3) == ex.KRIPPENDORFF_2011_BINARY_ALPHA


def test_alpha_ignores_units_with_a_single_rating():
    """Krippendorff (2011), section C: unit 12's lone value is not pairable, so
    adding more lone values changes nothing."""
    unit, rater, value = ex.observers_to_long(ex.KRIPPENDORFF_2011)
    more = krippendorff_alpha(
        np.r_[unit, 100, 101], np.r_[rater, 0, 1], np.r_[value, 5.0, 1.0], "nominal"
    )
    assert round(more.value, 3) == 0.743


def test_alpha_of_unknown_level_is_a_programming_error():
    with pytest.raises(ValueError, match="level must be one of"):
        krippendorff_alpha([0, 0], [0, 1], [1.0, 2.0], "circular")


def test_ratio_alpha_needs_non_negative_values():
    result = krippendorff_alpha([0, 0, 1, 1], [0, 1, 0, 1], [-1.0, 1.0, 2.0, 2.0], "ratio")
    assert result.value is None
    assert result.reason == "ratio alpha needs values of zero or more"


# --- Intraclass correlations: Shrout & Fleiss (1979) -------------------------------


def test_icc_matches_shrout_fleiss_1979():
    """Shrout & Fleiss (1979): Table 2's 6 targets x 4 judges give Table 4's
    ICC(1,1) = .17, ICC(2,1) = .29, ICC(3,1) = .71, ICC(1,4) = .44,
    ICC(2,4) = .62, ICC(3,4) = .91."""
    unit, rater, value = ex.wide_to_long(ex.SHROUT_FLEISS_1979)
    result = icc(unit, rater, value)
    assert {form: round(v, 2) for form, v in result.value.items()} == ex.SHROUT_FLEISS_1979_ICC


def test_icc_needs_a_complete_table():
    unit, rater, value = ex.wide_to_long(ex.SHROUT_FLEISS_1979)
    result = icc(unit[1:], rater[1:], value[1:])
    assert result.value is None
    assert result.reason == (
        "the ratings do not form a complete units × raters table: 23 of 24 cells are filled"
    )


def test_icc_refuses_a_rater_rating_a_unit_twice():
    unit, rater, value = ex.wide_to_long(ex.SHROUT_FLEISS_1979)
    result = icc(np.r_[unit, 0], np.r_[rater, 0], np.r_[value, 9.0])
    assert result.reason == (
        "a rater rated the same unit more than once, so the ratings do not form "
        "a units × raters table"
    )


def test_icc_without_differences_between_units():
    # Every unit averages 2: raters disagree, units do not differ.
    result = icc([0, 0, 1, 1], [0, 1, 0, 1], [1.0, 3.0, 3.0, 1.0])
    assert result.value is None
    assert result.reason == (
        "every unit has the same mean rating: no variation between units to measure "
        "reliability against"
    )


# --- Fleiss' kappa: Fleiss (1971) --------------------------------------------------


def test_fleiss_kappa_matches_fleiss_1971():
    """Fleiss (1971), Table 1: 30 patients x 6 psychiatrists, 5 diagnoses,
    kappa = .430 (R irr::kappam.fleiss on the same data: 0.4302445)."""
    unit, rater, value = ex.wide_to_long(ex.FLEISS_1971_DIAGNOSES)
    assert np.bincount(value.astype(int))[1:].tolist() == [26, 26, 30, 55, 43]
    result = fleiss_kappa(unit, rater, value)
    assert round(result.value, 3) == ex.FLEISS_1971_KAPPA
    assert result.value == pytest.approx(ex.FLEISS_1971_KAPPA_IRR, abs=5e-8)


def test_fleiss_kappa_matches_wikipedia_worked_example():
    """Wikipedia, "Fleiss' kappa": 10 subjects x 14 raters, kappa = 0.210."""
    unit, rater, value = ex.counts_to_long(ex.WIKIPEDIA_FLEISS_COUNTS)
    assert round(fleiss_kappa(unit, rater, value).value, 3) == ex.WIKIPEDIA_FLEISS_KAPPA


def test_fleiss_kappa_needs_the_same_number_of_ratings_per_unit():
    unit, rater, value = ex.wide_to_long(ex.FLEISS_1971_DIAGNOSES)
    result = fleiss_kappa(unit[1:], rater[1:], value[1:])
    assert result.value is None
    assert result.reason == (
        "units have between 5 and 6 ratings; Fleiss' kappa needs the same number for every unit"
    )


# --- Cohen's kappa: weighted examples ------------------------------------------------


def test_cohen_kappa_matches_gwet_abstractors():
    """Gwet (2014) / R irrCAC cont3x3abstractors: kappa 0.7964094, linear
    0.843, quadratic 0.8921569."""
    unit, rater, value = ex.contingency_to_long(ex.GWET_ABSTRACTORS)
    result = cohen_kappa(unit, rater, value).value
    assert result["unweighted"] == pytest.approx(0.7964094, abs=5e-8)
    assert round(result["linear"], 3) == 0.843
    assert result["quadratic"] == pytest.approx(0.8921569, abs=5e-8)


def test_cohen_kappa_matches_irr_anxiety_raters_2_and_3():
    """R irr::kappa2(anxiety[, 2:3]) with "unweighted", "equal" and "squared"
    weights: -0.006289308, 0.1459075, 0.2520325."""
    n = 20
    unit = np.r_[np.arange(n), np.arange(n)]
    rater = np.r_[np.full(n, 2), np.full(n, 3)]
    value = np.r_[ex.IRR_ANXIETY[:, 1], ex.IRR_ANXIETY[:, 2]].astype(float)
    result = cohen_kappa(unit, rater, value).value
    for name, published in ex.IRR_ANXIETY_KAPPA_RATERS_2_3.items():
        assert result[name] == pytest.approx(published, abs=5e-8)  # R prints 7 digits


def test_cohen_kappa_matches_sas_proc_freq_example():
    """SAS PROC FREQ AGREE: simple kappa 0.4842, Cicchetti-Allison weighted 0.4701."""
    unit, rater, value = ex.contingency_to_long(ex.SAS_TABLE)
    result = cohen_kappa(unit, rater, value).value
    assert round(result["unweighted"], 4) == ex.SAS_TABLE_KAPPA["unweighted"]
    assert round(result["linear"], 4) == ex.SAS_TABLE_KAPPA["linear"]


def test_cohen_kappa_weights_by_scale_position_when_categories_are_given():
    """With the scale 1-6 given, 6 is two steps from 4 (as R's irr would weigh
    it if every point were used), so the weighted kappas differ from irr's."""
    n = 20
    unit = np.r_[np.arange(n), np.arange(n)]
    rater = np.r_[np.full(n, 2), np.full(n, 3)]
    value = np.r_[ex.IRR_ANXIETY[:, 1], ex.IRR_ANXIETY[:, 2]].astype(float)
    on_scale = cohen_kappa(unit, rater, value, categories=[1, 2, 3, 4, 5, 6]).value
    assert on_scale["unweighted"] == pytest.approx(-0.006289308, abs=5e-10)
    assert on_scale["linear"] != pytest.approx(0.1459075, abs=1e-4)


def test_cohen_kappa_rejects_values_off_the_given_scale():
    with pytest.raises(ValueError, match="not one of the categories"):
        cohen_kappa([0, 0, 1, 1], [0, 1, 0, 1], [1.0, 2.0, 7.0, 2.0], categories=[1, 2, 3])


def test_pairwise_kappa_agrees_with_the_published_pair():
    """Gwet's abstractors as two of three raters; the third shares too few units."""
    unit, rater, value = ex.contingency_to_long(ex.GWET_ABSTRACTORS)
    unit = np.r_[unit, 0, 1, 2]
    rater = np.r_[rater, 7, 7, 7]
    value = np.r_[value, 1.0, 2.0, 3.0]
    pairs = pairwise_cohen_kappa(unit, rater, value, min_shared=10)
    assert [(p.rater_a, p.rater_b, p.n_shared) for p in pairs] == [(0, 1, 100)]
    assert pairs[0].unweighted == pytest.approx(0.7964094, abs=5e-8)
    assert pairs[0].quadratic == pytest.approx(0.8921569, abs=5e-8)
    assert pairs[0].reason is None
    with_small = pairwise_cohen_kappa(unit, rater, value, min_shared=3)
    assert [(p.rater_a, p.rater_b, p.n_shared) for p in with_small] == [
        (0, 1, 100),
        (0, 7, 3),
        (1, 7, 3),
    ]


def test_pairwise_kappa_pairs_items_within_criteria():
    # Raters 0 and 1 agree on criterion "a" and disagree on "b" for the same units.
    unit = np.repeat(np.arange(10), 4)
    rater = np.tile([0, 1, 0, 1], 10)
    criterion = np.tile(["a", "a", "b", "b"], 10)
    quality = np.arange(10) % 4 + 1.0
    value = np.column_stack([quality, quality, quality, 5 - quality]).ravel()
    pairs = pairwise_cohen_kappa(unit, rater, value, criterion, min_shared=1)
    assert [(p.rater_a, p.rater_b, p.n_shared) for p in pairs] == [(0, 1, 20)]
    by_criterion = pairwise_cohen_kappa(
        unit[criterion == "a"], rater[criterion == "a"], value[criterion == "a"]
    )
    assert by_criterion[0].unweighted == 1.0


def test_pairwise_kappa_of_two_raters_who_never_vary():
    # Raters 0 and 1 always give 3; rater 2 uses the rest of the scale.
    unit = [0, 0, 0, 1, 1, 1]
    pairs = pairwise_cohen_kappa(unit, [0, 1, 2] * 2, [3.0, 3.0, 1.0, 3.0, 3.0, 4.0], min_shared=1)
    assert [(p.rater_a, p.rater_b) for p in pairs] == [(0, 1), (0, 2), (1, 2)]
    assert pairs[0].unweighted is None
    assert pairs[0].reason == (
        "both raters gave every shared unit the same single value: chance agreement is "
        "total, so kappa is undefined"
    )
    assert pairs[1].unweighted == 0.0  # rater 0 is constant: no agreement beyond chance


def test_pairwise_kappa_when_everything_is_identical():
    pairs = pairwise_cohen_kappa([0, 0, 1, 1], [0, 1, 0, 1], [3.0, 3.0, 3.0, 3.0], min_shared=1)
    assert (pairs[0].unweighted, pairs[0].reason) == (None, IDENTICAL)


# --- The agreement command's JSON ---------------------------------------------------


def test_report_on_krippendorff_2011():
    """Krippendorff (2011), section C: published alphas, and why the others are null."""
    report = agreement_report(*ex.observers_to_long(ex.KRIPPENDORFF_2011))
    assert list(report) == [
        "krippendorff_alpha",
        "icc",
        "fleiss_kappa",
        "cohen_kappa",
        "n_units",
        "n_raters",
        "n_ratings",
        "notes",
    ]
    assert {k: round(v, 3) for k, v in report["krippendorff_alpha"].items()} == (
        ex.KRIPPENDORFF_2011_ALPHA
    )
    assert (report["n_units"], report["n_raters"], report["n_ratings"]) == (12, 4, 41)
    assert report["notes"] == {
        "icc": "the ratings do not form a complete units × raters table: 41 of 48 cells are filled",
        "fleiss_kappa": (
            "units have between 1 and 4 ratings; Fleiss' kappa needs the same number for every unit"
        ),
        "cohen_kappa": "Cohen's kappa compares exactly two raters; these ratings come from 4",
    }
    assert_json_safe(report)


def test_report_on_shrout_fleiss_1979():
    report = agreement_report(*ex.wide_to_long(ex.SHROUT_FLEISS_1979))
    assert {k: round(v, 2) for k, v in report["icc"].items()} == ex.SHROUT_FLEISS_1979_ICC
    assert isinstance(report["fleiss_kappa"], float)
    assert report["notes"] == {
        "cohen_kappa": "Cohen's kappa compares exactly two raters; these ratings come from 4"
    }
    assert_json_safe(report)


def test_report_on_two_raters_gives_weighted_kappas():
    """Gwet's abstractors: the published kappas, rounded to 6 places."""
    report = agreement_report(*ex.contingency_to_long(ex.GWET_ABSTRACTORS))
    assert report["cohen_kappa"]["unweighted"] == pytest.approx(0.7964094, abs=1e-6)
    assert report["cohen_kappa"]["quadratic"] == pytest.approx(0.8921569, abs=1e-6)
    assert (report["n_units"], report["n_raters"], report["n_ratings"]) == (100, 2, 200)
    assert report["notes"] == {}
    assert_json_safe(report)


def test_report_by_criterion():
    """Two criteria holding two published data sets: each criterion's object
    reproduces its source's figures."""
    k_unit, k_rater, k_value = ex.observers_to_long(ex.KRIPPENDORFF_2011)
    s_unit, s_rater, s_value = ex.wide_to_long(ex.SHROUT_FLEISS_1979)
    unit = np.r_[k_unit, s_unit + 100]
    rater = np.r_[k_rater, s_rater]
    value = np.r_[k_value, s_value]
    criterion = np.r_[np.full(k_unit.size, "agreement"), np.full(s_unit.size, "icc")]
    report = agreement_report(unit, rater, value, criterion)
    assert list(report["by_criterion"]) == ["agreement", "icc"]
    first, second = report["by_criterion"]["agreement"], report["by_criterion"]["icc"]
    assert {k: round(v, 3) for k, v in first["krippendorff_alpha"].items()} == (
        ex.KRIPPENDORFF_2011_ALPHA
    )
    assert {k: round(v, 2) for k, v in second["icc"].items()} == ex.SHROUT_FLEISS_1979_ICC
    assert (first["n_units"], second["n_units"], report["n_units"]) == (12, 6, 18)
    assert report["n_ratings"] == 41 + 24
    assert_json_safe(report)


def test_report_drops_missing_values():
    unit, rater, value = ex.wide_to_long(ex.SHROUT_FLEISS_1979)
    report = agreement_report(np.r_[unit, 9], np.r_[rater, 0], np.r_[value, np.nan])
    assert report["n_ratings"] == 24
    assert {k: round(v, 2) for k, v in report["icc"].items()} == ex.SHROUT_FLEISS_1979_ICC


def test_json_ready_refuses_nan():
    with pytest.raises(ValueError, match="cannot be written as JSON"):
        json_ready({"a": [1.0, float("nan")]})


def test_json_ready_rounds_and_converts():
    assert json_ready({1: np.float64(-0.0000001), "b": (np.int64(3), True)}) == {
        "1": 0.0,
        "b": [3, True],
    }


# --- Edge cases: a clear result, never an error, never NaN ------------------------------


def test_single_rater():
    report = agreement_report([0, 1, 2], [7, 7, 7], [1.0, 2.0, 3.0])
    assert report["krippendorff_alpha"] == dict.fromkeys(LEVELS)
    assert report["notes"] == {
        **{f"krippendorff_alpha.{level}": NO_PAIRS for level in LEVELS},
        "icc": "an ICC needs at least two raters; these ratings come from one",
        "fleiss_kappa": "every unit has one rating; Fleiss' kappa needs at least two per unit",
        "cohen_kappa": "Cohen's kappa compares exactly two raters; these ratings come from 1",
    }
    effects = fit_rater_effects([0, 1, 2], [7, 7, 7], [1.0, 2.0, 3.0])
    assert effects.raters[0].severity is None
    assert effects.raters[0].reason == (
        "shares no unit with another rater, so severity cannot be told apart from the "
        "quality of the units rated"
    )
    assert_json_safe(report)


def test_identical_scores_everywhere():
    unit, rater = np.repeat(np.arange(5), 2), np.tile([0, 1], 5)
    report = agreement_report(unit, rater, np.full(10, 3.0))
    assert IDENTICAL == "all ratings are identical: no variation to agree on"
    assert report["notes"] == {
        **{f"krippendorff_alpha.{level}": IDENTICAL for level in LEVELS},
        "icc": IDENTICAL,
        "fleiss_kappa": IDENTICAL,
        "cohen_kappa": IDENTICAL,
    }
    effects = fit_rater_effects(unit, rater, np.full(10, 3.0))
    assert [r.severity for r in effects.raters] == [0.0, 0.0]
    assert effects.residual_sd == 0.0
    assert_json_safe(report)


def test_raters_with_no_unit_in_common():
    unit, rater, value = [0, 1, 2, 3, 4, 5], [0, 0, 0, 1, 1, 1], [1.0, 2.0, 3.0, 2.0, 3.0, 4.0]
    report = agreement_report(unit, rater, value)
    assert report["notes"]["icc"] == (
        "the ratings do not form a complete units × raters table: 6 of 12 cells are filled"
    )
    assert report["notes"]["cohen_kappa"] == "the two raters have no unit in common"
    assert report["notes"]["krippendorff_alpha.interval"] == NO_PAIRS
    assert pairwise_cohen_kappa(unit, rater, value, min_shared=1) == []
    effects = fit_rater_effects(unit, rater, value)
    assert [r.severity for r in effects.raters] == [None, None]
    assert effects.notes["groups"] == (
        "raters form 2 groups that share no units; severities are relative to each group's "
        "mean rater and not comparable across groups"
    )
    assert_json_safe(report)


def test_one_unit():
    report = agreement_report([5, 5, 5], [0, 1, 2], [1.0, 2.0, 4.0])
    assert report["notes"] == {
        **{f"krippendorff_alpha.{level}": ONE_UNIT for level in LEVELS},
        "icc": "an ICC needs at least two units; these ratings are of one",
        "fleiss_kappa": "Fleiss' kappa needs at least two units; these ratings are of one",
        "cohen_kappa": "Cohen's kappa compares exactly two raters; these ratings come from 3",
    }
    assert_json_safe(report)


def test_two_raters_sharing_one_unit():
    result = cohen_kappa([0, 0, 1, 2], [0, 1, 0, 1], [1.0, 2.0, 3.0, 4.0])
    assert result.reason == "the two raters share only one unit; kappa needs at least two"


def test_no_ratings_at_all():
    report = agreement_report([], [], [])
    assert report["n_ratings"] == 0
    assert report["notes"]["icc"] == "there are no ratings"
    assert report["notes"]["krippendorff_alpha.nominal"] == "there are no ratings"
    assert fit_rater_effects([], [], []).notes == {"model": "there are no ratings"}
    assert_json_safe(report)


def test_too_few_ratings_to_flag_anyone():
    # Rater 1 is 2 points more lenient than rater 0, but each has only 3 ratings.
    unit, rater = [0, 0, 1, 1, 2, 2], [0, 1, 0, 1, 0, 1]
    value = [1.0, 3.0, 2.0, 4.0, 1.0, 3.0]
    effects = fit_rater_effects(unit, rater, value)
    flags = calibration_flags(effects)
    assert [(f.kind, f.code) for f in flags] == [("too_few_ratings", 0), ("too_few_ratings", 1)]
    assert flags[0].message == "rater 0 has 3 ratings; at least 10 are needed to judge severity"


def test_severity_without_a_standard_error_is_too_few_ratings_to_say():
    # A star: rater 0 shares each of 10 units with a different rater, so the
    # model fits exactly (no residual degrees of freedom).
    unit = np.r_[np.arange(10), np.arange(10)]
    rater = np.r_[np.zeros(10, dtype=int), np.arange(1, 11)]
    value = np.r_[np.full(10, 4.0), np.arange(10) % 3 + 1.0]
    effects = fit_rater_effects(unit, rater, value)
    assert effects.df_residual == 0
    assert effects.residual_sd is None
    assert effects.notes["residual_sd"] == (
        "no residual degrees of freedom (too few ratings per unit), so no standard errors"
    )
    flags = calibration_flags(effects)
    assert flags[0] == stats.Flag(
        "too_few_ratings",
        "rater",
        0,
        "rater 0: severity has no standard error (too few ratings per unit), so it cannot "
        "be judged",
    )
    assert {f.kind for f in flags} == {"too_few_ratings"}
    assert len(flags) == 11


# --- Rater effects: hand-derived and simulated -----------------------------------------


def test_two_raters_on_the_same_units_match_the_paired_difference():
    """Two raters scoring the same n units: the additive model's severity is
    half the mean paired difference d = A − B and its SE is s_d / (2√n), the
    paired-t standard error of d̄ / 2 (each rater sits d̄/2 from the middle)."""
    a = np.array([3, 4, 2, 5, 3, 4, 3, 2, 4, 3], dtype=float)
    d = np.array([1, 2, 1, 1, 2, 1, 1, 2, 1, 1], dtype=float)
    unit = np.r_[np.arange(10), np.arange(10)]
    rater = np.r_[np.full(10, "ana"), np.full(10, "ben")]
    effects = fit_rater_effects(unit, rater, np.r_[a, a - d])
    ana, ben = effects.severity_of("ana"), effects.severity_of("ben")
    assert ana.severity == pytest.approx(d.mean() / 2)
    assert ben.severity == pytest.approx(-d.mean() / 2)
    assert ana.se == pytest.approx(d.std(ddof=1) / (2 * math.sqrt(10)))
    assert effects.df_residual == 9
    assert effects.units.adjusted_score == pytest.approx(a - d / 2)
    flags = calibration_flags(effects)
    assert [(f.kind, f.code, f.message) for f in flags] == [
        (
            "lenient_rater",
            "ana",
            "rater ana scores 0.65 points above the consensus (SE 0.08, 10 ratings)",
        ),
        (
            "severe_rater",
            "ben",
            "rater ben scores 0.65 points below the consensus (SE 0.08, 10 ratings)",
        ),
    ]


def simulate(seed, n_units=4000, n_raters=200, per_unit=3, n_criteria=4, noise=0.7):
    rng = np.random.default_rng(seed)
    quality = rng.normal(0.0, 1.0, n_units)
    severity = rng.normal(0.0, 0.5, n_raters)
    criterion_effect = rng.normal(0.0, 0.3, n_criteria)
    chosen = np.argsort(rng.random((n_units, n_raters)), axis=1)[:, :per_unit]
    unit = np.repeat(np.arange(n_units), per_unit * n_criteria)
    rater = np.repeat(chosen.ravel(), n_criteria)
    criterion = np.tile(np.arange(n_criteria), n_units * per_unit)
    value = (
        3.0
        + quality[unit]
        + severity[rater]
        + criterion_effect[criterion]
        + rng.normal(0.0, noise, unit.size)
    )
    return {
        "unit": unit,
        "rater": rater,
        "criterion": criterion,
        "value": value,
        "quality": quality,
        "severity": severity,
        "criterion_effect": criterion_effect,
    }


@pytest.fixture(scope="module")
def simulated():
    data = simulate(seed=20240501)
    data["effects"] = fit_rater_effects(
        data["unit"], data["rater"], data["value"], data["criterion"]
    )
    return data


def test_simulated_severities_are_recovered(simulated):
    effects = simulated["effects"]
    estimated = np.array([r.severity for r in effects.raters])
    truth = simulated["severity"] - simulated["severity"].mean()  # sum-to-zero
    assert np.corrcoef(estimated, truth)[0, 1] >= 0.95
    assert estimated.sum() == pytest.approx(0.0, abs=1e-9)
    assert effects.n_groups == 1


def test_simulated_standard_errors_are_calibrated(simulated):
    effects = simulated["effects"]
    estimated = np.array([r.severity for r in effects.raters])
    se = np.array([r.se for r in effects.raters])
    truth = simulated["severity"] - simulated["severity"].mean()
    covered = np.mean(np.abs(estimated - truth) <= 2 * se)
    assert 0.90 <= covered <= 0.995
    assert effects.residual_sd == pytest.approx(0.7, abs=0.02)


def test_adjusted_ranking_beats_raw_means(simulated):
    units = simulated["effects"].units
    quality = simulated["quality"][units.unit]
    adjusted = spearmanr(units.adjusted_score, quality).statistic
    raw = spearmanr(units.raw_mean, quality).statistic
    assert adjusted > raw + 0.01


def test_simulated_criterion_effects_are_recovered(simulated):
    effects = simulated["effects"]
    estimated = np.array([c.effect for c in effects.criteria])
    truth = simulated["criterion_effect"] - simulated["criterion_effect"].mean()
    assert np.abs(estimated - truth).max() < 0.05


def test_adjusted_score_standard_errors_are_calibrated(simulated):
    units = simulated["effects"].units
    truth = 3.0 + simulated["quality"] + simulated["criterion_effect"].mean()
    truth = truth + simulated["severity"].mean()  # the mean rater's view
    covered = np.mean(np.abs(units.adjusted_score - truth) <= 2 * units.adjusted_score_se)
    assert 0.90 <= covered <= 0.995


def test_flags_on_simulated_raters(simulated):
    effects = simulated["effects"]
    flags = calibration_flags(effects)
    flagged = {f.code for f in flags if f.kind in ("lenient_rater", "severe_rater")}
    expected = {
        r.rater for r in effects.raters if abs(r.severity) > 0.5 and abs(r.severity) > 2 * r.se
    }
    assert flagged == expected
    truth = simulated["severity"] - simulated["severity"].mean()
    assert all(abs(truth[code]) > 0.3 for code in flagged)
    kinds = {f.code: f.kind for f in flags}
    assert all((kinds[c] == "lenient_rater") == (truth[c] > 0) for c in flagged)


def test_drift_finds_a_rater_growing_lenient():
    rng = np.random.default_rng(7)
    n_units, n_raters = 2400, 40
    quality = rng.normal(0.0, 1.0, n_units)
    chosen = np.argsort(rng.random((n_units, n_raters)), axis=1)[:, :3]
    unit = np.repeat(np.arange(n_units), 3)
    rater = chosen.ravel()
    time = unit.astype(float)  # units are reviewed in order
    drift = np.where(rater == 5, (time / n_units - 0.5) * 2.0, 0.0)  # -1 to +1 point
    value = 3.0 + quality[unit] + drift + rng.normal(0.0, 0.5, unit.size)
    result = severity_drift(unit, rater, value, time, n_windows=4)
    assert len(result.windows) == 4
    assert [w.n_ratings for w in result.windows] == [1800, 1800, 1800, 1800]
    drifting = result.raters[5]
    assert drifting.slope * n_units == pytest.approx(2.0, abs=0.5)
    assert drifting.slope / drifting.slope_se > 4
    steady = [r for r in result.raters if r.rater != 5]
    z = np.array([r.slope / r.slope_se for r in steady])
    assert np.mean(np.abs(z) < 2) >= 0.85


def test_drift_in_a_single_window():
    result = severity_drift([0, 0, 1, 1], [0, 1, 0, 1], [1.0, 2.0, 2.0, 4.0], [5, 5, 5, 5])
    assert len(result.windows) == 1
    assert result.notes["windows"] == (
        "all ratings fall in one time window, so there is no trend to fit"
    )
    assert result.raters[0].slope is None
    assert result.raters[0].reason == (
        "severity is estimated in fewer than two time windows, so no trend"
    )


# --- Per criterion and consensus ------------------------------------------------------


def test_criterion_without_signal_does_not_discriminate_and_is_flagged():
    rng = np.random.default_rng(11)
    n_units = 600
    quality = rng.normal(0.0, 1.0, n_units)
    unit = np.repeat(np.arange(n_units), 3 * 3)
    rater = np.repeat(rng.integers(0, 30, n_units * 3), 3)
    criterion = np.tile(["skills", "experience", "noise"], n_units * 3)
    signal = np.where(criterion == "noise", 0.0, quality[unit])
    value = 3.0 + signal + rng.normal(0.0, 0.5, unit.size)
    summaries = {s.criterion: s for s in criterion_summaries(unit, rater, value, criterion)}
    assert summaries["skills"].discrimination.value > 0.7
    assert abs(summaries["noise"].discrimination.value) < 0.15
    assert (
        summaries["skills"].alpha_interval.value > 0.667 > summaries["noise"].alpha_interval.value
    )
    assert summaries["noise"].n_ratings == n_units * 3
    assert summaries["noise"].sd == pytest.approx(0.5, abs=0.05)
    effects = fit_rater_effects(unit, rater, value, criterion)
    flags = calibration_flags(effects, list(summaries.values()))
    low = [f for f in flags if f.kind == "low_agreement_criterion"]
    assert [f.code for f in low] == ["noise"]
    assert low[0].message.startswith("criterion noise: interval alpha ")
    assert low[0].message.endswith(" is below 0.667")


def test_a_single_criterion_has_nothing_to_discriminate_against():
    (summary,) = criterion_summaries([0, 0, 1, 1], [0, 1, 0, 1], [1.0, 2.0, 3.0, 3.0], ["a"] * 4)
    assert (
        summary.discrimination.reason == "only one criterion: no other criteria to correlate with"
    )


def test_consensus_agreement_leaves_the_rater_out():
    # Unit 0: 4, 2, 3; unit 1: 5, 3 (rater 2 absent). Rater 0 against the others'
    # mean: 4 − 2.5 = 1.5 and 5 − 3 = 2.
    rows = consensus_agreement([0, 0, 0, 1, 1], [0, 1, 2, 0, 1], [4.0, 2.0, 3.0, 5.0, 3.0])
    first = rows[0]
    assert (first.rater, first.n_compared) == (0, 2)
    assert first.mean_difference == pytest.approx(1.75)
    assert first.mean_absolute_difference == pytest.approx(1.75)
    assert first.correlation is None
    assert first.reason == "fewer than three compared ratings: no correlation"


# --- Properties ---------------------------------------------------------------------


@st.composite
def long_ratings(draw):
    n = draw(st.integers(0, 40))
    unit = draw(st.lists(st.integers(0, 6), min_size=n, max_size=n))
    rater = draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    value = draw(st.lists(st.sampled_from([1.0, 2.0, 3.0, 4.0, np.nan]), min_size=n, max_size=n))
    criterion = draw(st.lists(st.sampled_from(["a", "b"]), min_size=n, max_size=n))
    return np.array(unit), np.array(rater), np.array(value), np.array(criterion)


@settings(max_examples=150, deadline=None)
@given(long_ratings())
def test_any_data_gives_a_json_safe_report_with_reasons(data):
    unit, rater, value, criterion = data
    for report in (
        agreement_report(unit, rater, value),
        agreement_report(unit, rater, value, criterion),
    ):
        assert_json_safe(report)
        assert_every_null_has_a_note(report)
        for block in report.get("by_criterion", {}).values():
            assert_every_null_has_a_note(block)
    effects = fit_rater_effects(unit, rater, value, criterion)
    for row in effects.raters:
        assert row.severity is None or math.isfinite(row.severity)
        assert (row.severity is None) == (row.reason is not None)
    calibration_flags(effects, criterion_summaries(unit, rater, value, criterion))


@settings(max_examples=100, deadline=None)
@given(long_ratings(), st.sampled_from(LEVELS))
def test_sparse_alpha_equals_the_package(data, level):
    unit, rater, value, _ = data
    direct = krippendorff_alpha(unit, rater, value, level)
    original = stats.limits.PACKAGE_CELL_BUDGET
    stats.limits.PACKAGE_CELL_BUDGET = 0
    try:
        sparse_path = krippendorff_alpha(unit, rater, value, level)
    finally:
        stats.limits.PACKAGE_CELL_BUDGET = original
    assert (direct.value is None) == (sparse_path.value is None)
    assert direct.reason == sparse_path.reason
    if direct.value is not None:
        assert sparse_path.value == pytest.approx(direct.value, abs=1e-9)


# --- More edge cases, each with its reason -------------------------------------------


def test_ratings_must_be_flat_columns():
    with pytest.raises(ValueError, match="ratings must be 1-D arrays in long form"):
        fit_rater_effects([[0, 1]], [[0, 1]], [[1.0, 2.0]])


def test_ratings_must_be_columns_of_one_length():
    with pytest.raises(
        ValueError, match=r"unit, rater, value \(and criterion, time\) must have the same length"
    ):
        fit_rater_effects([0, 1], [0], [1.0, 2.0])


def test_alpha_of_identical_values():
    result = krippendorff_alpha([0, 0, 1, 1], [0, 1, 0, 1], [2.0, 2.0, 2.0, 2.0], "ordinal")
    assert result == stats.Statistic(None, IDENTICAL)


def test_alpha_beyond_a_rating_scale_is_interval_only(monkeypatch):
    monkeypatch.setattr(stats.limits, "MAX_DISTINCT_VALUES", 1)
    unit, rater, value = [0, 0, 1, 1], [0, 1, 0, 1], [1.0, 2.0, 2.0, 2.0]
    assert krippendorff_alpha(unit, rater, value, "ordinal").reason == (
        "2 distinct values: ordinal alpha needs values on a scale (at most 1)"
    )
    report = agreement_report(unit, rater, value)
    assert report["krippendorff_alpha"]["interval"] == round(
        krippendorff_alpha(unit, rater, value, "interval").value, 6
    )
    for level in ("nominal", "ordinal", "ratio"):
        assert report["notes"][f"krippendorff_alpha.{level}"] == (
            f"2 distinct values: {level} alpha needs values on a scale (at most 1)"
        )
    assert report["notes"]["cohen_kappa"] == (
        "2 distinct values: kappa needs categories of a rating scale"
    )
    pair = pairwise_cohen_kappa(unit, rater, value, min_shared=1)
    assert [(p.unweighted, p.reason) for p in pair] == [
        (None, "2 distinct values: kappa needs categories of a rating scale")
    ]


def test_report_ratio_alpha_needs_non_negative_values():
    report = agreement_report([0, 0, 1, 1], [0, 1, 0, 1], [-1.0, 1.0, 2.0, 2.0])
    assert report["krippendorff_alpha"]["ratio"] is None
    assert report["notes"]["krippendorff_alpha.ratio"] == "ratio alpha needs values of zero or more"


def test_criterion_alpha_of_identical_values():
    unit, rater = [0, 0, 1, 1, 0, 0, 1, 1], [0, 1, 0, 1, 0, 1, 0, 1]
    value = [3.0, 3.0, 3.0, 3.0, 1.0, 2.0, 4.0, 3.0]
    criterion = ["a", "a", "a", "a", "b", "b", "b", "b"]
    same = criterion_summaries(unit, rater, value, criterion)[0]
    assert same.alpha_interval == stats.Statistic(None, IDENTICAL)
    assert same.alpha_ordinal == stats.Statistic(None, IDENTICAL)


def test_icc_of_no_ratings():
    assert icc([], [], []) == stats.Statistic(None, "there are no ratings")


def test_icc_with_a_negative_denominator():
    """Units whose means barely differ while the raters cross over: the error
    mean square exceeds n·BMS + JMS, so ICC(2,k)'s denominator is negative.
    The other five forms are kept (issue 12: no longer all six dropped). By
    hand, table [[1, 3], [3, 1.1]]: BMS = JMS = 0.0025, WMS = 1.9025,
    EMS = 3.8025; ICC1 = −1.9 / 1.905, ICC2 = −3.8 / 0.005, ICC3 = −3.8 /
    3.805, ICC1k = −1.9 / 0.0025, ICC3k = −3.8 / 0.0025."""
    reason = (
        "ICC2k is undefined: its denominator is -1.8975 "
        "(error variance swamps the differences between units)"
    )
    result = icc([0, 0, 1, 1], [0, 1, 0, 1], [1.0, 3.0, 3.0, 1.1])
    assert result.reason == reason
    assert result.value == pytest.approx(
        {
            "ICC1": -1.9 / 1.905,
            "ICC2": -760.0,
            "ICC3": -3.8 / 3.805,
            "ICC1k": -760.0,
            "ICC2k": None,
            "ICC3k": -1520.0,
        }
    )
    forms = icc_forms([0, 0, 1, 1], [0, 1, 0, 1], [1.0, 3.0, 3.0, 1.1])
    assert forms["ICC2k"] == stats.Statistic(None, reason)
    assert forms["ICC3k"].value == pytest.approx(-1520.0)
    report = agreement_report([0, 0, 1, 1], [0, 1, 0, 1], [1.0, 3.0, 3.0, 1.1])
    assert report["icc"]["ICC2k"] is None
    assert report["icc"]["ICC3k"] == -1520.0
    assert report["notes"] == {"icc.ICC2k": reason}
    assert_json_safe(report)


def test_rubric_agreement_is_the_median_and_range_of_the_criteria():
    """Two criteria holding published data sets (Krippendorff 2011's interval
    alpha 0.849; Shrout & Fleiss 1979's table) come first in the report as
    the median and range of their alphas, the pooled alpha after them."""
    k_unit, k_rater, k_value = ex.observers_to_long(ex.KRIPPENDORFF_2011)
    s_unit, s_rater, s_value = ex.wide_to_long(ex.SHROUT_FLEISS_1979)
    unit = np.r_[k_unit, s_unit + 100]
    rater = np.r_[k_rater, s_rater]
    value = np.r_[k_value, s_value]
    criterion = np.r_[np.full(k_unit.size, "depth"), np.full(s_unit.size, "breadth")]
    k_alpha = krippendorff_alpha(k_unit, k_rater, k_value, "interval").value
    s_alpha = krippendorff_alpha(s_unit, s_rater, s_value, "interval").value
    assert round(k_alpha, 3) == 0.849
    report = agreement_report(unit, rater, value, criterion)
    assert list(report)[:2] == ["criterion_alpha", "krippendorff_alpha"]
    interval = report["criterion_alpha"]["interval"]
    assert interval["min"] == round(min(k_alpha, s_alpha), 6)
    assert interval["max"] == round(max(k_alpha, s_alpha), 6)
    assert interval["median"] == round((k_alpha + s_alpha) / 2, 6)
    assert (interval["n_criteria"], interval["n_defined"]) == (2, 2)
    assert {interval["lowest_criterion"], interval["highest_criterion"]} == {"depth", "breadth"}
    summaries = criterion_summaries(unit, rater, value, criterion)
    assert agreement_report(unit, rater, value, criterion, summaries=summaries) == report
    assert_json_safe(report)


def test_pooled_alpha_is_inflated_by_criterion_means_and_the_median_is_not():
    """Reviewers agree on nothing within a criterion (independent noise)
    but every reviewer scores "coding" 2 points above "communication": the
    pooled alpha sees that shared difference as agreement."""
    rng = np.random.default_rng(3)
    unit = np.repeat(np.arange(200), 6)
    rater = np.tile(np.repeat([0, 1, 2], 2), 200)
    criterion = np.tile(["coding", "communication"], 600)
    value = np.where(criterion == "coding", 4.0, 2.0) + rng.normal(0, 0.7, unit.size)
    report = agreement_report(unit, rater, value, criterion, by_criterion=False)
    assert report["krippendorff_alpha"]["interval"] > 0.6
    assert abs(report["criterion_alpha"]["interval"]["median"]) < 0.05
    assert "by_criterion" not in report


def test_rubric_agreement_without_any_criterion_alpha():
    report = agreement_report([0, 1], [0, 0], [1.0, 2.0], ["a", "b"])
    assert report["criterion_alpha"]["interval"]["median"] is None
    assert report["notes"]["criterion_alpha.interval"] == (
        "no criterion has an alpha: no criterion was scored by two reviewers"
    )
    assert report["notes"]["criterion_alpha.ordinal"] == (
        "no criterion has an alpha: no criterion was scored by two reviewers"
    )


def test_cohen_kappa_of_raters_who_give_one_same_value_on_a_given_scale():
    result = cohen_kappa([0, 0, 1, 1], [0, 1, 0, 1], [3.0, 3.0, 3.0, 3.0], categories=[1, 2, 3, 4])
    assert result.reason == stats.SAME_SINGLE_VALUE


def test_pairwise_kappa_leaves_out_pairs_sharing_too_few_units():
    unit, rater, value = [0, 0, 1, 1], [0, 1, 0, 1], [1.0, 2.0, 2.0, 2.0]
    assert pairwise_cohen_kappa(unit, rater, value, min_shared=3) == []


def test_severity_of_an_unknown_rater():
    effects = fit_rater_effects([0, 0, 1, 1], [0, 1, 0, 1], [1.0, 2.0, 2.0, 3.0])
    with pytest.raises(KeyError):
        effects.severity_of(7)


def test_drift_needs_a_window():
    with pytest.raises(ValueError, match="n_windows must be at least 1"):
        severity_drift([0], [0], [1.0], [0.0], n_windows=0)


def test_json_ready_refuses_what_json_cannot_hold():
    with pytest.raises(TypeError, match="object is not JSON data"):
        json_ready({"a": object()})


@pytest.mark.parametrize(
    "unit, rater, value, reason",
    [
        ([], [], [], "there are no ratings"),
        ([0, 1], [0, 0], [1.0, 2.0], NO_PAIRS),
        ([0, 0, 1], [0, 1, 0], [1.0, 2.0, 3.0], ONE_UNIT),
    ],
    ids=["no ratings", "no pairs", "one unit"],
)
def test_alpha_reasons(unit, rater, value, reason):
    assert krippendorff_alpha(unit, rater, value) == stats.Statistic(None, reason)


def test_criterion_alpha_without_pairs_or_with_one_unit():
    # Criterion a: each unit rated once; criterion b: only unit 0 rated twice.
    unit, rater = [0, 1, 0, 0, 1], [0, 0, 0, 1, 0]
    value, criterion = [1.0, 2.0, 3.0, 4.0, 2.0], ["a", "a", "b", "b", "b"]
    a, b = criterion_summaries(unit, rater, value, criterion)
    assert a.alpha_interval.reason == NO_PAIRS
    assert b.alpha_interval.reason == ONE_UNIT


def test_discrimination_without_spread():
    # Criterion a gives every unit a 2; so for b, the other criteria have no spread.
    unit, rater = [0, 1, 2, 0, 1, 2], [0, 0, 0, 0, 0, 0]
    value, criterion = [2.0, 2.0, 2.0, 1.0, 3.0, 4.0], ["a", "a", "a", "b", "b", "b"]
    a, b = criterion_summaries(unit, rater, value, criterion)
    assert a.discrimination.reason == "every unit has the same mean on this criterion: no spread"
    assert b.discrimination.reason == (
        "every unit has the same mean on the other criteria: no spread"
    )


def test_consensus_agreement_correlates_three_or_more_ratings():
    # Raters 0 and 1 share units 0-2; rater 1 scores each one point higher.
    rows = consensus_agreement(
        [0, 1, 2, 0, 1, 2], [0, 0, 0, 1, 1, 1], [1.0, 2.0, 4.0] + [2.0, 3.0, 5.0]
    )
    assert [(r.rater, r.mean_difference, r.mean_absolute_difference) for r in rows] == [
        (0, -1.0, 1.0),
        (1, 1.0, 1.0),
    ]
    assert [r.correlation for r in rows] == [pytest.approx(1.0), pytest.approx(1.0)]


def test_consensus_agreement_without_spread_or_without_others():
    # Rater 0 always gives 3 on units 0-2 (rated by rater 1 too); rater 2 rates unit 3 alone.
    rows = consensus_agreement(
        [0, 1, 2, 0, 1, 2, 3], [0, 0, 0, 1, 1, 1, 2], [3.0, 3.0, 3.0, 1.0, 2.0, 4.0, 2.0]
    )
    assert rows[0].reason == "no spread in the rater's or the consensus scores: no correlation"
    assert rows[0].correlation is None
    assert rows[2] == stats.RaterConsensus(
        2, 0, None, None, None, "no unit of this rater was rated by anyone else"
    )


def test_no_consensus_of_no_ratings():
    assert consensus_agreement([], [], []) == []


def test_flags_when_estimates_are_undefined():
    effects = stats.RaterEffects(
        mean=2.5,
        residual_sd=None,
        df_residual=0,
        n_ratings=12,
        n_groups=1,
        raters=(stats.RaterSeverity("ana", 12, 2.5, None, None, 0, "shares no unit"),),
        criteria=(),
        units=stats.UnitScores(*(np.zeros(0),) * 5, None),
    )
    undefined_alpha = stats.Statistic(None, NO_PAIRS)
    criteria = [
        stats.CriterionSummary(
            "x", 4, 2, 2.0, 1.0, undefined_alpha, undefined_alpha, undefined_alpha
        ),
        stats.CriterionSummary(
            "y", 12, 6, 2.0, 1.0, undefined_alpha, undefined_alpha, undefined_alpha
        ),
    ]
    assert [f.message for f in calibration_flags(effects, criteria)] == [
        "rater ana shares no unit",
        "criterion x has 4 ratings; at least 10 are needed to judge agreement",
        f"criterion y: interval alpha is undefined: {NO_PAIRS}",
    ]


def test_drift_of_no_ratings():
    assert severity_drift([], [], [], []) == stats.SeverityDrift((), (), {"model": NO_RATINGS})


def test_drift_without_residual_degrees_of_freedom():
    drift = severity_drift([0, 0, 1], [0, 1, 0], [1.0, 2.0, 3.0], [0.0, 0.0, 0.0], n_windows=1)
    assert drift.notes["residual_sd"] == (
        "no residual degrees of freedom, so no standard errors or slopes"
    )


def test_cohen_kappa_needs_exactly_two_raters():
    result = cohen_kappa([0, 0, 0], [0, 1, 2], [1.0, 2.0, 3.0])
    assert result.reason == "Cohen's kappa compares exactly two raters; these ratings come from 3"


def test_pairwise_kappa_of_one_rating():
    assert pairwise_cohen_kappa([0], [0], [1.0], min_shared=1) == []
