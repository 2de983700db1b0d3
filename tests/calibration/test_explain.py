"""The calibration run in words (calibration/explain.py): numbers as read,
the summary sentences and what to do per flag."""

import pytest

from calibration import explain
from calibration.explain import Criterion, Reviewer

MINUS = "\u2212"


@pytest.mark.parametrize(
    ("severity", "words"),
    [
        (0.4, "+0.40 lenient"),
        (-0.7, f"{MINUS}0.70 severe"),
        (0.04, "+0.04 in line"),
        (-0.09, f"{MINUS}0.09 in line"),
        (None, "—"),
    ],
)
def test_severity_reads_as_signed_points_with_a_word(severity, words):
    assert explain.severity_words(severity) == words


@pytest.mark.parametrize(
    ("alpha", "words"),
    [(0.85, "good"), (0.8, "good"), (0.7, "tentative"), (0.667, "tentative"), (0.3, "poor")],
)
def test_agreement_reads_against_krippendorffs_bars(alpha, words):
    assert explain.agreement_words(alpha) == words


def reviewer(name="Chloe Martin", n=12, severity=0.0, flagged=False, reason="", drift=None):
    return Reviewer(name, n, severity, flagged, reason, drift)


def criterion(title="Python", alpha=0.85, flagged=False, reason=""):
    return Criterion(title, alpha, flagged, reason)


def sentences(reviewers=(), criteria=(), n_ratings=120, n_applications=10):
    return explain.summary(
        reviewers=list(reviewers),
        criteria=list(criteria),
        n_ratings=n_ratings,
        n_applications=n_applications,
        min_scorecards=10,
    )


def test_a_severe_reviewer_is_named_with_the_adjustment_and_what_to_do():
    chloe = reviewer(severity=-0.7, flagged=True, reason="Severe: …")

    result = sentences([chloe, reviewer("Sam Lee", severity=0.35)])

    assert result[1] == explain.Sentence(
        "Chloe Martin scores 0.70 points below the others on the same candidates; Chloe "
        "Martin's scores are adjusted by that in the ranking's Adjusted column.",
        "flag",
        "Schedule a calibration session with Chloe Martin; compare Chloe Martin's notes with "
        "the others' on the candidates you share.",
    )
    assert not any("Sam Lee" in s.text for s in result)


def test_criteria_are_grouped_by_how_well_reviewers_agree_on_them():
    result = sentences(
        criteria=[
            criterion("Python", 0.85),
            criterion("SQL", 0.81),
            criterion("Testing", 0.7),
            criterion("Communication", 0.31, True, "Low agreement: alpha 0.31 is below 0.667"),
        ]
    )

    assert [(s.kind, s.text) for s in result[1:]] == [
        ("info", "Reviewers agree well on \u201cPython\u201d (0.85) and \u201cSQL\u201d (0.81)."),
        (
            "info",
            "Reviewers agree only tentatively on \u201cTesting\u201d (0.70): enough for tentative "
            "conclusions, not yet to rely on.",
        ),
        (
            "flag",
            "Reviewers agree poorly on \u201cCommunication\u201d (0.31): 0.667 is the least for "
            "tentative conclusions, 0.80 to rely on.",
        ),
    ]
    assert result[-1].todo == (
        "Re-read the anchors of \u201cCommunication\u201d together; consider splitting it if "
        "it asks about two things at once."
    )


def test_several_poorly_agreed_criteria_make_one_sentence_and_one_thing_to_do():
    low = "Low agreement: …"
    result = sentences(
        criteria=[criterion("Python", 0.5, True, low), criterion("Communication", 0.31, True, low)]
    )

    assert result[1:] == [
        explain.Sentence(
            "Reviewers agree poorly on \u201cPython\u201d (0.50) and \u201cCommunication\u201d "
            "(0.31): 0.667 is the least for tentative conclusions, 0.80 to rely on.",
            "flag",
            "Re-read the anchors of \u201cPython\u201d and \u201cCommunication\u201d together; "
            "consider splitting any that asks about two things at once.",
        )
    ]


def test_too_little_data_is_said_and_not_flagged():
    result = sentences(
        [
            reviewer(
                "Sam Lee", n=3, severity=0.9, reason="Too few scorecards to judge (3; 10 needed)"
            )
        ],
        [
            criterion(
                "Python",
                0.1,
                reason="Too few applications scored by two or more reviewers to judge "
                "agreement (4; 20 needed)",
            )
        ],
    )

    assert [(s.kind, s.text, s.todo) for s in result[1:]] == [
        ("caveat", "Too few scorecards to say anything about Sam Lee yet (3; we need 10).", ""),
        (
            "caveat",
            "\u201cPython\u201d: too few applications scored by two or more reviewers to judge "
            "agreement (4; 20 needed).",
            "",
        ),
    ]


def test_a_drifting_reviewer_gets_its_own_sentence_and_advice():
    result = sentences(
        [reviewer(severity=0.1, flagged=True, reason="Drifting: …", drift=-0.82)],
    )

    assert result[1].text == (
        f"Chloe Martin's scores are moving {MINUS}0.82 points per 30 days, more severe over time."
    )
    assert result[1].todo.startswith("Go through Chloe Martin's recent scorecards")


def test_nothing_to_report_says_so():
    result = sentences([reviewer()], [criterion()])

    assert result[-1] == explain.Sentence(
        "No reviewer stands out and no criterion needs attention.", "info"
    )


def test_a_run_without_ratings_says_there_is_nothing_to_calibrate():
    assert sentences(n_ratings=0, n_applications=0) == [
        explain.Sentence("No submitted scorecards yet: nothing to calibrate.", "caveat")
    ]


def test_rubric_statistics_skip_what_is_undefined():
    rows = explain.rubric_statistics(
        {
            "krippendorff_alpha": {"nominal": 0.1, "ordinal": 0.82, "interval": None},
            "icc": None,
            "fleiss_kappa": 0.41,
            "cohen_kappa": None,
            "pairwise_kappa": {"pairs": 1, "pairs_with_kappa": 0, "median_quadratic": None},
        }
    )

    # The pooled alpha is left to the raw numbers (issue 12): without the
    # per-criterion median there is no alpha row at all.
    assert [(r.label, r.technical, r.value) for r in rows] == [
        ("Agreement on the exact level", "Fleiss' kappa", "0.41"),
    ]


def test_rubric_statistics_open_with_the_per_criterion_alphas_median_and_range():
    rows = explain.rubric_statistics(
        {"krippendorff_alpha": {"interval": 0.9}, "fleiss_kappa": None},
        alpha_median=0.72,
        alpha_min=0.45,
        alpha_max=0.91,
    )

    assert [(r.label, r.value) for r in rows] == [
        ("Agreement per criterion (median and range)", "0.72 · tentative (0.45 to 0.91)"),
    ]


def test_separation_reads_as_a_sentence():
    assert explain.separation_sentence(3.0, 0.9) == (
        "Reviewer separation 3.00 (reliability 0.90, about 4 distinct levels of leniency): "
        "reviewers differ in leniency far more than their estimates' error: the differences "
        "are real and adjusting for them matters."
    )
    assert explain.separation_sentence(None, None) == ""


def test_an_estimate_reads_with_its_95_percent_interval():
    assert explain.interval_words(0.5, 0.1) == "+0.50 lenient (0.30 to 0.70)"
    assert explain.interval_words(None, 0.1) == "—"
    assert explain.with_se(-0.8, 0.2) == "\u22120.80 ± 0.20"


def test_a_diagnostic_flag_gets_its_sentence_and_what_to_do():
    sam = Reviewer(
        "Sam Lee", 12, 0.1, True, "Halo: …", flags=("halo",), halo=2.4, infit=1.0, outfit=1.1
    )

    result = sentences([sam])

    assert result[1] == explain.Sentence(
        "Sam Lee rates a whole candidate up or down across criteria (halo 2.40), so the "
        "criterion scores say less than they seem to.",
        "flag",
        "Ask Sam Lee to score each criterion on its own evidence, reading its anchors, before "
        "forming an overall view.",
    )


def test_groups_warning_names_reviewers_counts_candidates_and_says_how_to_link():
    assert explain.groups_warning([{"number": 1, "names": ["Ana"], "applications": 3}]) == []

    text = " ".join(
        explain.groups_warning(
            [
                {"number": 1, "names": ["Ana", "Ben"], "applications": 20},
                {"number": 2, "names": ["Chloe"], "applications": 1},
            ]
        )
    )

    assert "2 groups that share no candidate: group 1: Ana and Ben (20 candidates); " in text
    assert "group 2: Chloe (1 candidate)." in text
    assert "adjusted scores compare only within a group" in text
    assert "assign a few candidates (three or more) to reviewers of both groups" in text
