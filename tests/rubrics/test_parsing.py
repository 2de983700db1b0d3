"""Tests for the posting parser (the rubrics/parsing/ package).

Most behaviour is pinned by named cases in parser_cases/: NAME.txt is a posting we wrote
ourselves and NAME.json the exact ``to_dict()`` it must give (or NAME.error.json, with a
substring of the PostingParseError message it must raise). A guard test fails if a posting has
no expectation or an expectation has no posting, so no case can be skipped silently.
"""

import ast
import html
import json
import re
import sys
from pathlib import Path

import pytest

from rubrics import parsing
from rubrics.parsing import MAX_POSTING_BYTES, PostingParseError, parse_posting

CASES_DIR = Path(__file__).parent / "parser_cases"
PINTEREST_POSTING = (
    Path(__file__).resolve().parents[3] / "shared" / "postings" / "pinterest_ml_intern.txt"
)
MIN_RUBRIC_CASES = 34
MIN_ERROR_CASES = 3


def _read(path: Path) -> str:
    # read_text() would translate \r\n, and spans must index the file's own text.
    return path.read_bytes().decode("utf-8")


def _case_names(suffix: str) -> list[str]:
    return sorted(path.name[: -len(suffix)] for path in CASES_DIR.glob(f"*{suffix}"))


def _posting_names() -> list[str]:
    return _case_names(".txt")


def _rubric_case_names() -> list[str]:
    return [name for name in _case_names(".json") if not name.endswith(".error")]


def _error_case_names() -> list[str]:
    return _case_names(".error.json")


def _all_items(parsed):
    return parsed.must_haves + parsed.bonuses + parsed.responsibilities


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


# ---- named cases ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", _rubric_case_names())
def test_case_gives_expected_rubric(name):
    text = _read(CASES_DIR / f"{name}.txt")
    expected = json.loads(_read(CASES_DIR / f"{name}.json"))

    assert parse_posting(text).to_dict() == expected


@pytest.mark.parametrize("name", _error_case_names())
def test_case_gives_expected_error(name):
    text = _read(CASES_DIR / f"{name}.txt")
    expected = json.loads(_read(CASES_DIR / f"{name}.error.json"))["error"]

    with pytest.raises(PostingParseError, match=re.escape(expected)):
        parse_posting(text)


def test_every_posting_has_exactly_one_expectation():
    for name in _posting_names():
        suffixes = (".json", ".error.json")
        expectations = [suffix for suffix in suffixes if (CASES_DIR / f"{name}{suffix}").exists()]
        assert len(expectations) == 1, f"{name}.txt has expectations {expectations}"


def test_every_expectation_has_its_posting():
    orphans = [
        name
        for name in _rubric_case_names() + _error_case_names()
        if not (CASES_DIR / f"{name}.txt").exists()
    ]

    assert orphans == []


def test_there_are_enough_cases():
    assert len(_rubric_case_names()) >= MIN_RUBRIC_CASES
    assert len(_error_case_names()) >= MIN_ERROR_CASES


@pytest.mark.parametrize("name", _rubric_case_names())
def test_each_item_span_covers_its_source(name):
    text = _read(CASES_DIR / f"{name}.txt")

    for item in _all_items(parse_posting(text)):
        start, end = item.span
        first_words = " ".join(_words(item.text)[:4])
        assert 0 <= start < end <= len(text)
        source = html.unescape(re.sub(r"<[^<>]+>", " ", text[start:end]))  # HTML cases
        assert first_words in " ".join(_words(source)), (item.title, text[start:end])


# ---- line endings and odd characters ---------------------------------------------------------


def test_crlf_case_file_really_has_crlf_line_endings():
    data = (CASES_DIR / "crlf_bom_dental_receptionist.txt").read_bytes()

    assert b"\r\n" in data
    assert data.count(b"\n") == data.count(b"\r\n")


def test_crlf_spans_exclude_the_carriage_return():
    text = _read(CASES_DIR / "crlf_bom_dental_receptionist.txt")

    for item in _all_items(parse_posting(text)):
        assert "\r" not in text[item.span[0] : item.span[1]]


def test_cr_only_line_endings_give_the_same_rubric():
    text = _read(CASES_DIR / "markdown_headings_data_engineer.txt")
    expected = json.loads(_read(CASES_DIR / "markdown_headings_data_engineer.json"))

    assert parse_posting(text.replace("\n", "\r")).to_dict() == expected


def test_curly_apostrophe_heading_is_recognised():
    text = "Barista\n\nWhat You’ll Need\n- Latte art\n- Early mornings\n"

    assert [item.title for item in parse_posting(text).must_haves] == [
        "Latte art",
        "Early mornings",
    ]


# ---- size limit and input type ---------------------------------------------------------------

_SMALL_POSTING = "Line Cook\n\nRequirements\n- Two years on a grill station\n\nAbout us\n"


def _padded_to(size: int) -> str:
    """A valid posting of exactly `size` UTF-8 bytes (ASCII padding in its company blurb)."""
    return _SMALL_POSTING + "x" * (size - len(_SMALL_POSTING.encode("utf-8")))


def test_posting_at_the_size_limit_is_parsed():
    parsed = parse_posting(_padded_to(MAX_POSTING_BYTES))

    assert [item.title for item in parsed.must_haves] == ["Two years on a grill station"]


def test_posting_one_byte_over_the_limit_is_refused():
    with pytest.raises(PostingParseError, match=r"^The posting is 201 KB; the limit is 200 KB\.$"):
        parse_posting(_padded_to(MAX_POSTING_BYTES + 1))


def test_size_limit_counts_utf8_bytes_not_characters():
    text = _SMALL_POSTING + "é" * (MAX_POSTING_BYTES // 2)  # fewer characters than the limit

    assert len(text) < MAX_POSTING_BYTES
    with pytest.raises(PostingParseError, match=r"^The posting is 201 KB; the limit is 200 KB\.$"):
        parse_posting(text)


def test_bytes_are_refused_with_a_type_error():
    with pytest.raises(TypeError, match="expects str, not bytes"):
        parse_posting(b"Requirements\n- Python\n")


# ---- keywords ----------------------------------------------------------------------------------


def _keywords_of(requirement: str) -> tuple[str, ...]:
    (item,) = parse_posting(f"Requirements\n- {requirement}\n").must_haves
    return item.keywords


def test_parenthesised_list_gives_keywords():
    assert _keywords_of("One systems language (Java, C++, Python)") == ("Java", "C++", "Python")


def test_example_list_in_running_text_gives_keywords():
    assert _keywords_of("Scripting in a language, e.g. Python, Go, or Rust") == (
        "Python",
        "Go",
        "Rust",
    )


def test_parenthesised_remark_gives_no_keywords():
    assert _keywords_of("A CS degree (or equivalent experience)") == ()


def test_kind_tag_is_not_a_keyword():
    assert _keywords_of("Kafka experience (required)") == ()


def test_comma_list_of_names_in_running_text_gives_keywords():
    assert _keywords_of("Significant experience writing Golang, Rust or C++ services") == (
        "Golang",
        "Rust",
        "C++",
    )


def test_slash_list_of_names_gives_keywords():
    assert _keywords_of("Research in CV/RecSys/LLMs") == ("CV", "RecSys", "LLMs")


def test_and_inside_one_name_is_not_a_list():
    assert _keywords_of("Diploma in Health and Social Care, or working towards it") == ()


def test_keywords_are_deduplicated_in_order():
    text = "Python or Go services (Python, Go) and tooling (python, Rust)"

    assert _keywords_of(text) == ("Python", "Go", "Rust")


# ---- items -----------------------------------------------------------------------------------


def test_bonus_item_inside_must_have_list_becomes_a_bonus_titled_from_its_text():
    text = "The Must-Haves\n• Skills: SQL\n• Bonus: Published research on ranking\n"

    parsed = parse_posting(text)

    assert [item.title for item in parsed.must_haves] == ["Skills"]
    assert [(item.title, item.text) for item in parsed.bonuses] == [
        ("Published research on ranking", "Published research on ranking")
    ]


def test_sub_bullets_of_a_label_are_items_of_their_own():
    text = "Requirements\n- Certifications:\n  - BLS\n  - ACLS\n- Two years of ICU work\n"

    assert [item.text for item in parse_posting(text).must_haves] == [
        "BLS",
        "ACLS",
        "Two years of ICU work",
    ]


@pytest.mark.parametrize(
    "item",
    [
        "Bonus if you have shipped a mobile app",
        "Knowledge of Welsh is highly regarded",
        "Experience with SAP would be appreciated",
        "Experience with payroll would be helpful",
        "Experience with Twig would be nice",
        "A driving licence (useful for deliveries, not essential)",
    ],
)
def test_bonus_wording_in_a_requirements_list(item):
    parsed = parse_posting(f"Requirements\n- Two years of retail experience\n- {item}\n")

    assert [bonus.text for bonus in parsed.bonuses] == [item]


def test_a_stated_must_outranks_a_later_sentences_bonus_tag():
    item = "Commitment to inclusion is a must. Experience running inclusion programs is valued."

    parsed = parse_posting(f"Requirements\n- {item}\n")

    assert [must.text for must in parsed.must_haves] == [item]


def test_wrapped_prose_under_a_colon_heading_stays_one_sentence():
    text = (
        "Driver\n\nRequirements:\nApplicants need a valid CDL license and at least two years\n"
        "of experience driving trucks in the region.\n"
    )

    assert len(parse_posting(text).must_haves) == 1


def test_spaced_dashes_in_a_sentence_are_not_a_glued_list():
    text = (
        "Requirements\nOur team - Engineering, Product and Design - works closely with Finance "
        "and you will need strong SQL skills to support them.\n"
    )

    assert len(parse_posting(text).must_haves) == 1


def test_sub_bullet_remark_folds_into_its_parent():
    text = "Requirements\n- Two years of ICU work\n  - Step-down units do not count\n"

    assert [item.text for item in parse_posting(text).must_haves] == [
        "Two years of ICU work: Step-down units do not count"
    ]


def test_item_under_a_heading_that_says_nothing_has_low_confidence():
    text = "Courier\n\nSound like you?\n- Two years of city riding\n- A valid licence\n"

    parsed = parse_posting(text)

    assert [(item.title, item.confidence) for item in parsed.must_haves] == [
        ("Two years of city riding", "low"),
        ("A valid licence", "low"),
    ]


def test_should_prose_is_a_low_confidence_must_have():
    text = "Clerk\n\nApplicants should have two years of filing experience.\n"

    (item,) = parse_posting(text).must_haves

    assert (item.text, item.confidence) == (
        "Applicants should have two years of filing experience.",
        "low",
    )


def test_prose_grading_by_wording():
    text = (
        "Bookkeeper\n\nWe keep the books of a small bakery. We require three years of payroll "
        "work. A bookkeeping certificate is preferred and Xero experience would be a plus.\n"
    )

    parsed = parse_posting(text)

    assert [item.title for item in parsed.must_haves] == ["Three years of payroll work"]
    assert [item.title for item in parsed.bonuses] == ["A bookkeeping certificate"]


def test_must_wording_in_a_section_of_other_text_is_an_unplaced_hint():
    text = (
        "Porter\n\nRequirements\n- Able to lift 20 kg\n\nBenefits\n"
        "- Free lunch\n- Staff must hold a food hygiene certificate\n"
    )

    parsed = parse_posting(text)

    assert [item.title for item in parsed.must_haves] == ["Able to lift 20 kg"]
    assert [hint.text for hint in parsed.unplaced] == ["Staff must hold a food hygiene certificate"]
    start, end = parsed.unplaced[0].span
    assert text[start:end] == "Staff must hold a food hygiene certificate"


def test_must_wording_among_duties_is_an_unplaced_hint_too():
    text = (
        "Driver\n\nRequirements\n- Two years of van driving\n\nDuties\n"
        "- Load the van each morning\n- Must keep the delivery log required by law\n"
    )

    parsed = parse_posting(text)

    assert [hint.text for hint in parsed.unplaced] == ["Must keep the delivery log required by law"]


def test_requirement_wording_only_outside_requirements_gives_low_confidence_items():
    text = "Porter\n\nBenefits\n- Free lunch\n- Staff must hold a food hygiene certificate\n"

    parsed = parse_posting(text)

    assert [(item.text, item.confidence) for item in parsed.must_haves] == [
        ("Staff must hold a food hygiene certificate", "low")
    ]
    assert parsed.unplaced == ()


def test_titles_are_whole_phrases():
    text = (
        "Engineer\n\nRequirements\n"
        "- Significant experience writing Golang or the ability and willingness to learn it\n"
        "- Experience providing technical leadership to a team developing and delivering "
        "digital products or services\n"
    )

    assert [item.title for item in parse_posting(text).must_haves] == [
        "Significant experience writing Golang",
        "Experience providing technical leadership",
    ]


def test_html_spans_index_the_original_text():
    text = "<p>Cook</p><p><b>Requirements</b></p><ul><li>Knife skills &amp; speed</li></ul>"

    (item,) = parse_posting(text).must_haves

    assert item.text == "Knife skills & speed"
    assert text[item.span[0] : item.span[1]] == "Knife skills &amp; speed"


def test_no_requirements_found_only_when_nothing_reads_like_one():
    text = "Open day\n\nCome and see our new bakery on Saturday. There will be cake.\n"

    with pytest.raises(PostingParseError, match="No requirements found"):
        parse_posting(text)


def test_summary_list_of_labelled_bullets_is_not_a_requirement():
    text = "The TL;DR\n• Role: Internship\n• Pay: $20\n\nRequirements\n• Skills: SQL\n"

    parsed = parse_posting(text)

    assert [item.title for item in parsed.must_haves + parsed.bonuses] == ["Skills"]


def test_parser_imports_only_the_standard_library():
    imported = set()
    for path in Path(parsing.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                imported.add(node.module.split(".")[0])

    assert imported <= set(sys.stdlib_module_names) | {"__future__"}


# ---- the posting that started the project (kept outside the repository) ------------------------


@pytest.fixture(scope="module")
def pinterest():
    if not PINTEREST_POSTING.exists():
        pytest.skip(f"{PINTEREST_POSTING} is not here (it lives in ../shared beside the repo)")
    return parse_posting(_read(PINTEREST_POSTING))


def test_pinterest_must_haves(pinterest):
    assert [item.title for item in pinterest.must_haves] == ["Background", "Experience", "Skills"]


def test_pinterest_bonus_is_the_publications_item(pinterest):
    assert len(pinterest.bonuses) == 1
    assert pinterest.bonuses[0].text.startswith("Publications in machine learning")
    assert pinterest.bonuses[0].title == "Publications in machine learning"


def test_pinterest_skills_keywords(pinterest):
    skills = pinterest.must_haves[2]

    assert skills.keywords == ("Java", "C++", "Python", "Tensorflow", "Pytorch", "MLFlow")


def test_pinterest_experience_keywords_come_from_its_comma_list(pinterest):
    experience = pinterest.must_haves[1]

    assert {"Computer Vision", "Recommendation Systems"} <= set(experience.keywords)


def test_pinterest_responsibilities_come_from_what_youll_actually_do(pinterest):
    assert [item.title for item in pinterest.responsibilities] == [
        "Develop",
        "Gain Experience",
        "Accelerate Engineering",
        "Validate Outputs",
        "Contribute Research",
    ]


def test_pinterest_tldr_list_gives_no_criteria(pinterest):
    titles = {item.title for item in pinterest.must_haves + pinterest.bonuses}

    assert titles.isdisjoint({"Role", "Type", "Location", "Pay", "Team", "Mission", "Tech Stack"})
