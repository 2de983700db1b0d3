import re

import pytest

from rubrics.anchors import (
    MAX_ANCHOR_CHARS,
    SCALE_LABELS,
    SCALE_MIN,
    default_anchors,
    default_knockout_level,
    level_labels,
)
from rubrics.criterion_types import CriterionType


def anchors(text, *, title="", keywords=(), scale_max=4, type=None):
    return default_anchors(
        title=title, text=text, keywords=keywords, scale_max=scale_max, type=type
    )


def test_scale_labels_and_knockout_are_unchanged():
    assert level_labels(4) == ("Does not meet", "Partially meets", "Meets", "Exceeds")
    assert level_labels(5)[-1] == "Far exceeds"
    assert SCALE_MIN == 1
    assert set(SCALE_LABELS) == {4, 5}
    assert default_knockout_level(4) == default_knockout_level(5) == 2


def test_an_unknown_scale_is_refused():
    with pytest.raises(ValueError, match="1–4 or 1–5"):
        anchors("Python", scale_max=3)


def test_the_old_keyword_arguments_still_work_and_give_plain_strings():
    result = default_anchors(
        title="Experience", text="Two years repairing boilers", keywords=["Vaillant"], scale_max=4
    )
    assert isinstance(result, list)
    assert len(result) == 4
    assert all(type(anchor) is str for anchor in result)


# Years ---------------------------------------------------------------------------------------


def test_years_anchors_bracket_the_asked_number():
    result = anchors("3+ years of experience in payroll")
    assert result == [
        "Fewer than 2 years of experience in payroll, short of the “3+ years” asked.",
        "About 2–3 years of experience in payroll: close to “3+ years”, not yet there.",
        "3 or more years of experience in payroll, as the posting asks (“3+ years”).",
        "Well beyond 3 years, e.g. 6+ years of experience in payroll, or leading others in it.",
    ]


def test_years_on_a_five_point_scale_add_a_top_level():
    result = anchors("At least five years of site supervision experience", scale_max=5)
    assert len(result) == 5
    assert result[2].startswith("5 or more years of site supervision experience")
    assert result[3].startswith("Well beyond 5 years, e.g. 10+ years")
    assert result[4].startswith("Far beyond 5 years, e.g. 15+ years")


def test_a_range_of_years_is_quoted_as_a_range():
    result = anchors("2-4 years of warehouse experience")
    assert result[2] == "2–4 years of warehouse experience, as the posting asks (“2-4 years”)."
    assert result[3].startswith("Well beyond 4 years, e.g. 6+ years of warehouse experience")


def test_one_year_reads_as_a_year():
    result = anchors("1 year of retail experience")
    assert result[1] == "Less than a year of retail experience, e.g. an internship or a few months."
    assert result[2] == "A year or more of retail experience, as the posting asks (“1 year”)."


def test_years_without_a_field_use_the_title():
    result = anchors("1 year", title="Android", type=CriterionType.YEARS)
    assert "experience in Android" in result[2]


# Skills --------------------------------------------------------------------------------------


def test_skills_anchors_count_the_listed_skills():
    result = anchors(
        "Mastery of Java, C++ or Python", title="Skills", keywords=("Java", "C++", "Python")
    )
    assert result == [
        "None of Java, C++ or Python shown with evidence (work, projects or study).",
        "One or two of Java, C++ or Python, or only listed without evidence of use.",
        "Most of Java, C++ and Python, each backed by concrete work.",
        "All of Java, C++ and Python with depth: sustained, substantial work in each.",
    ]


def test_two_skills_read_as_both():
    result = anchors("Docker and Kubernetes", title="Containers", keywords=("Docker", "Kubernetes"))
    assert result[2] == "Both Docker and Kubernetes, backed by concrete work."


def test_a_skills_list_is_read_from_the_text_when_there_are_no_keywords():
    result = anchors("Knowledge of tracking tools such as Jira, Confluence and Trello")
    assert result[0].startswith("None of Jira, Confluence or Trello")


def test_a_long_skills_list_is_shortened():
    keywords = tuple(f"Tool{n}" for n in range(1, 13))
    result = anchors("Tools", title="Tools", keywords=keywords, type="skills")
    assert "Tool8 or 4 more" in result[0]
    assert all(len(anchor) <= MAX_ANCHOR_CHARS for anchor in result)


def test_a_single_skill_is_quoted():
    result = anchors("Understanding of fire codes", title="Understanding of fire codes")
    assert result[0] == "No evidence in the application for “Understanding of fire codes”."


# Education, licence, language, portfolio -----------------------------------------------------


def test_education_anchors_run_from_unrelated_to_beyond():
    result = anchors("Bachelor's degree in accounting or finance")
    assert result[0].startswith("No Bachelor's degree (or one left unfinished)")
    assert "neighbouring field" in result[1]
    assert result[2] == "A Bachelor's degree in accounting or finance, as the posting asks."
    assert result[3].startswith("Beyond the ask: a higher degree")


def test_a_degree_in_progress_is_asked_as_in_progress():
    result = anchors("Currently pursuing a PhD in physics")
    assert result[2] == "Working towards a PhD in physics, as the posting asks."


def test_the_article_follows_the_sound():
    assert "an MSc in geology" in anchors("An MSc in geology")[2].replace("An MSc", "an MSc")
    assert anchors("MSc in geology")[2].startswith("An MSc in geology")


def test_licence_anchors_run_absent_pending_held_extra():
    result = anchors("Must hold a valid counterbalance forklift licence")
    assert result[0] == "No “counterbalance forklift licence”, and none applied for."
    assert result[1].startswith("Pending: “counterbalance forklift licence” applied for")
    assert result[2].startswith("Holds “counterbalance forklift licence”, current and in good")
    assert "endorsements" in result[3]


def test_language_anchors_name_the_language():
    result = anchors("Fluent spoken and written Italian")
    assert result == [
        "No Italian shown or claimed.",
        "Basic Italian: simple conversation or reading, not yet enough for work.",
        "Working Italian (written and spoken): enough for the job's everyday tasks, as the "
        "posting asks.",
        "Fluent or native Italian, written and spoken.",
    ]


def test_portfolio_anchors_quote_the_ask():
    result = anchors("A portfolio of at least three packaging designs")
    assert result[0] == "No portfolio work to show."
    assert "“A portfolio of at least three packaging designs”" in result[2]


# Type ----------------------------------------------------------------------------------------


def test_the_type_is_classified_when_not_given_and_obeyed_when_given():
    text = "Excellent phone manner"
    assert anchors(text, type="trait") == anchors(text, type=CriterionType.TRAIT)
    assert anchors(text, type="general") != anchors(text, type="trait")
    assert anchors("3+ years in sales") == anchors("3+ years in sales", type="years")


@pytest.mark.parametrize("scale_max", [4, 5])
@pytest.mark.parametrize("kind", list(CriterionType))
def test_every_type_gives_one_anchor_per_level(kind, scale_max):
    result = anchors(
        "Something the posting asks", title="Something", scale_max=scale_max, type=kind
    )
    assert len(result) == scale_max
    assert len(set(result)) == scale_max


# Grammar for any title -----------------------------------------------------------------------

AWKWARD_TITLES = [
    "Comfortable with remote work",
    "Ability to lift heavy boxes",
    "Able to",
    "Must be detail-oriented",
    "Must have",
    "Detail-oriented",
    "Flexible",
    "Work independently",
    "Be available on weekends",
    "Python",
    "Excellent written and verbal communication",
    "Willing to learn",
    "Has previously founded a company",
    "Passionate about coffee!",
    "Self-manageable",
    "Experience",
    "Skills",
    "Background",
    "(optional)",
    "A",
    "",
    "Knowledge of the",
    "Leadership, mentoring and",
]
# A phrase spliced into a sentence after a preposition or verb, rather than quoted.
_BROKEN = re.compile(
    r"\b(of|for|in|on|with|about|shows|meets|into)\s+(comfortable|must|ability|able|be|being|to"
    r"|willing|has|detail-oriented|flexible|passionate|excellent)\b",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"“[^”]*”")


@pytest.mark.parametrize("scale_max", [4, 5])
@pytest.mark.parametrize("kind", list(CriterionType))
@pytest.mark.parametrize("title", AWKWARD_TITLES)
def test_anchors_stay_grammatical_for_awkward_titles(title, kind, scale_max):
    for text in (title, f"{title} in a busy shop."):
        for anchor in anchors(text, title=title, scale_max=scale_max, type=kind):
            bare = _QUOTED.sub("“…”", anchor)
            assert not _BROKEN.search(bare), anchor
            assert len(anchor) <= MAX_ANCHOR_CHARS
            assert anchor[0].isupper() or anchor[0] in "“0123456789", anchor
            assert anchor.endswith((".", "…")), anchor
            assert "{" not in anchor and "“”" not in anchor, anchor
            assert not re.search(r"\s[,.;:]|\.\.|  |…\.", anchor), anchor
            assert "well past the bar" not in anchor
            assert "leadership" not in anchor.lower() or "leadership" in text.lower()


def test_an_intern_title_gets_no_leadership_talk():
    for kind in CriterionType:
        for anchor in anchors(
            "Curiosity about machine learning", title="Curiosity", type=kind, scale_max=5
        ):
            assert "leadership" not in anchor.lower()


def test_a_long_requirement_is_cut_at_a_word_and_marked():
    text = "Experience with " + ", ".join(f"system number {n}" for n in range(60))
    for anchor in anchors(text, title="Experience"):
        assert len(anchor) <= MAX_ANCHOR_CHARS
    assert "…”" in anchors(text, title="Experience")[2]


def test_years_spent_doing_something_name_what_was_done():
    result = anchors("Two years repairing hospital beds (electric, manual).", title="Experience")
    assert result[2] == (
        "2 or more years of experience repairing hospital beds, as the posting asks (“Two years”)."
    )


def test_a_title_that_names_the_experience_is_the_field():
    result = anchors("3 years", title="Baking experience", type="years")
    assert result[0] == "Fewer than 2 years of baking experience, short of the “3 years” asked."


def test_the_field_stops_before_how_strongly_it_is_asked():
    result = anchors("A minimum of two years of experience in catering is strongly preferred.")
    assert result[2] == (
        "2 or more years of experience in catering, as the posting asks (“A minimum of two years”)."
    )
