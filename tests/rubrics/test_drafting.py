import re
from decimal import Decimal
from pathlib import Path

import pytest

from rubrics.anchors import level_labels
from rubrics.drafting import (
    MAX_CRITERIA,
    Draft,
    DraftWarning,
    count_warnings,
    draft_rubric,
    screening_question,
    whole_phrase,
)
from rubrics.parsing import ParsedItem, ParsedPosting, ProseHint, parse_posting

D = Decimal
POSTINGS = Path("/work/shared/postings")
REAL = sorted((POSTINGS / "real").glob("*.txt"))
EXAMPLE = POSTINGS / "pinterest_ml_intern.txt"


def item(text, title=None, keywords=(), span=(0, 1), confidence="high"):
    return ParsedItem(
        title=title if title is not None else text,
        text=text,
        keywords=tuple(keywords),
        span=span,
        confidence=confidence,
    )


def posting(musts=(), bonuses=(), unplaced=()):
    return ParsedPosting(
        title="Bakery Shift Lead",
        must_haves=tuple(musts),
        bonuses=tuple(bonuses),
        responsibilities=(),
        unplaced=tuple(unplaced),
    )


SOURDOUGH = item("3+ years of experience in a commercial bakery", title="Baking experience")
OVENS = item(
    "Working knowledge of deck ovens, spiral mixers and proofers",
    title="Equipment",
    keywords=("deck ovens", "spiral mixers", "proofers"),
)
FOOD_SAFETY = item("Current food hygiene certificate", title="Food hygiene")


def codes(draft: Draft) -> list[str]:
    return [w.code for w in draft.warnings]


# Criteria ------------------------------------------------------------------------------------


def test_criteria_carry_kind_type_weight_knockout_and_anchors():
    draft = draft_rubric(posting([SOURDOUGH, OVENS], [FOOD_SAFETY]))
    assert [(c.kind, c.type, c.title) for c in draft.criteria] == [
        ("must_have", "years", "Baking experience"),
        ("must_have", "skills", "Equipment"),
        ("bonus", "licence", "Food hygiene"),
    ]
    assert [c.weight for c in draft.criteria] == [D("40.00"), D("40.00"), D("20.00")]
    assert [c.knockout_level for c in draft.criteria] == [2, 2, None]
    assert draft.criteria[0].anchors[2].startswith("3 or more years of experience in a commercial")
    assert draft.criteria[1].anchors[0].startswith("None of deck ovens, spiral mixers or proofers")
    assert draft.criteria[1].keywords == ("deck ovens", "spiral mixers", "proofers")
    assert draft.criteria[0].span == (0, 1)
    assert draft.warnings == ()


def test_six_must_haves_and_a_bonus_keep_the_bonus_at_half_a_must_have():
    musts = [item(f"Experience with pastry technique number {n}") for n in range(6)]
    draft = draft_rubric(posting(musts, [FOOD_SAFETY]))
    weights = [c.weight for c in draft.criteria]
    assert weights == [D("15.39")] * 3 + [D("15.38")] * 3 + [D("7.69")]
    assert sum(weights) == D("100.00")


def test_the_must_have_share_is_passed_on():
    draft = draft_rubric(posting([SOURDOUGH], [OVENS]), must_have_share=D("90"))
    assert [c.weight for c in draft.criteria] == [D("90.00"), D("10.00")]


def test_a_five_point_scale_gives_five_anchors_and_the_same_knockout():
    draft = draft_rubric(posting([SOURDOUGH], [OVENS]), scale_max=5)
    assert draft.scale_max == 5
    assert all(len(c.anchors) == 5 for c in draft.criteria)
    assert draft.criteria[0].knockout_level == 2


def test_an_unknown_scale_is_refused():
    with pytest.raises(ValueError, match="1–4 or 1–5"):
        draft_rubric(posting([SOURDOUGH]), scale_max=7)


def test_titles_are_whole_phrases():
    cut = item("Ability to work calmly in a busy kitchen", title="Ability to work calmly in a")
    draft = draft_rubric(posting([cut]))
    assert draft.criteria[0].title == "Ability to work calmly"


def test_an_empty_title_falls_back_to_the_text():
    draft = draft_rubric(posting([item("Experience laminating dough by hand", title="")]))
    assert draft.criteria[0].title == "Experience laminating dough by hand"


# Boilerplate and screening questions ---------------------------------------------------------


def test_boilerplate_is_dropped_with_one_warning():
    draft = draft_rubric(
        posting(
            [
                SOURDOUGH,
                item("Pay: $19 per hour plus tips"),
                item("We are an equal opportunity employer."),
            ],
            [item("Dental insurance and a staff discount")],
        )
    )
    assert [c.title for c in draft.criteria] == ["Baking experience"]
    assert draft.screening_questions == ()
    assert codes(draft) == ["boilerplate_dropped"]
    assert draft.warnings[0].message.startswith(
        "3 items were left out as boilerplate (pay, equal-opportunity statement, benefits)"
    )


def test_eligibility_items_from_either_bucket_become_yes_no_questions():
    draft = draft_rubric(
        posting(
            [SOURDOUGH, item("Must be available to work weekend early shifts")],
            [item("Able to lift 25 kg flour sacks")],
        )
    )
    assert [c.title for c in draft.criteria] == ["Baking experience"]
    assert [(q.text, q.type) for q in draft.screening_questions] == [
        ("Are you available to work weekend early shifts?", "eligibility"),
        ("Are you able to lift 25 kg flour sacks?", "eligibility"),
    ]
    assert draft.criteria[0].weight == D("100.00")


@pytest.mark.parametrize(
    "text,question",
    [
        ("Must be able to pass a background check.", "Are you able to pass a background check?"),
        ("You must be authorised to work in Canada", "Are you authorised to work in Canada?"),
        ("Must have own transport", "Do you have your own transport?"),
        ("Willing to relocate to Leeds", "Are you willing to relocate to Leeds?"),
        (
            "Ability to travel overnight twice a month",
            "Are you able to travel overnight twice a month?",
        ),
        (
            "To be eligible, you are required to have a valid work permit.",
            "Do you have a valid work permit?",
        ),
        (
            "Driver's licence and a clean record required",
            "Can you confirm that you meet this requirement: “Driver's licence and a clean record "
            "required”?",
        ),
    ],
)
def test_screening_questions_are_yes_no_questions(text, question):
    assert screening_question(text) == question


# Warnings ------------------------------------------------------------------------------------


def test_no_must_have_is_warned():
    draft = draft_rubric(posting([], [OVENS]))
    assert codes(draft) == ["no_must_have"]
    assert draft.warnings[0].message == (
        "The draft has no must-have criterion. Mark at least one criterion as a must-have, so "
        "that candidates can be screened on what the role cannot do without."
    )
    assert draft.criteria[0].weight == D("100.00")


def test_more_than_twelve_criteria_are_warned():
    musts = [item(f"Experience with bread style number {n}") for n in range(MAX_CRITERIA + 1)]
    draft = draft_rubric(posting(musts))
    assert codes(draft) == ["too_many_criteria"]
    assert draft.warnings[0].message == (
        "The draft has 13 criteria; reviewers score more consistently on 12 or fewer. Merge "
        "overlapping criteria or remove the least important ones."
    )


def test_duties_and_low_confidence_items_are_warned_by_index():
    duty = item("Manage the morning bake schedule", span=(40, 72))
    loose = item("Should enjoy early starts", title="Early starts", confidence="low")
    draft = draft_rubric(posting([SOURDOUGH, duty, loose]))
    assert [(w.code, w.criterion) for w in draft.warnings] == [
        ("looks_like_duty", 1),
        ("low_confidence", 2),
    ]
    assert draft.warnings[0].span == (40, 72)
    assert draft.warnings[0].message.startswith(
        "“Manage the morning bake schedule” reads like a duty of the role"
    )


def test_unplaced_requirement_prose_is_warned_with_its_span():
    hints = (
        ProseHint(text="Candidates should have run a wholesale bakery.", span=(100, 146)),
        ProseHint(text="Candidates should have run a wholesale bakery.", span=(300, 346)),
        ProseHint(text="You must hold the right to work in Ireland.", span=(200, 243)),
        ProseHint(text="The salary is $40,000 a year.", span=(250, 279)),
    )
    draft = draft_rubric(posting([SOURDOUGH], unplaced=hints))
    uncovered = [w for w in draft.warnings if w.code == "uncovered_requirement"]
    assert [w.span for w in uncovered] == [(100, 146), (200, 243)]
    assert uncovered[0].message == (
        "The posting says “Candidates should have run a wholesale bakery”, which reads like a "
        "requirement but is not in the draft. Add it as a criterion if candidates should be "
        "scored on it."
    )
    assert uncovered[1].message.endswith(
        "Add it as a screening question if candidates must meet it."
    )


def test_count_warnings_gives_only_the_count_warnings():
    assert count_warnings(n_must_haves=1, n_criteria=12) == []
    assert [w.code for w in count_warnings(n_must_haves=0, n_criteria=13)] == [
        "no_must_have",
        "too_many_criteria",
    ]
    assert all(isinstance(w, DraftWarning) for w in count_warnings(n_must_haves=0, n_criteria=0))


# The stable interface ------------------------------------------------------------------------


def test_to_dict_has_exactly_the_interface_keys():
    duty = item("Manage the morning bake schedule")
    data = draft_rubric(posting([SOURDOUGH, duty], [item("Willing to work Sundays")])).to_dict()
    assert list(data) == ["title", "criteria", "screening_questions", "warnings"]
    assert list(data["criteria"][0]) == [
        "kind",
        "type",
        "title",
        "text",
        "weight",
        "knockout_level",
        "keywords",
        "anchors",
    ]
    assert data["criteria"][0]["weight"] == 50.0
    assert isinstance(data["criteria"][0]["anchors"], list)
    assert data["screening_questions"] == [
        {"text": "Are you willing to work Sundays?", "type": "eligibility"}
    ]
    assert data["warnings"][0]["code"] == "looks_like_duty"
    assert data["warnings"][0]["criterion"] == 1
    assert set(data["warnings"][0]) <= {"code", "message", "criterion", "span"}


def test_whole_phrase_drops_dangling_words_and_open_brackets():
    assert whole_phrase("Experience with the") == "Experience"
    assert whole_phrase("Knowledge of POS systems (e.g.") == "Knowledge of POS systems"
    assert whole_phrase("- “Prior café experience,") == "Prior café experience"
    assert whole_phrase("Multimedia experience would also") == "Multimedia experience"


# Real postings -------------------------------------------------------------------------------

_INDEPENDENT_BOILERPLATE = re.compile(
    r"equal (employment )?opportunity|\$\s?\d|\bsalary\b|\b401\s?\(?k|\bdental\b|paid time off"
    r"|direct deposit|annual leave|\bpension\b|selective service|e-verify|reasonable accommodation"
    r"|\bbenefits? (include|package)|pay (range|rate)",
    re.IGNORECASE,
)
_NOT_WHOLE = re.compile(
    r"(\b(a|an|the|and|or|but|nor|of|to|in|on|at|for|with|by|from|as|into|via|than)|[,(])$",
    re.IGNORECASE,
)


def _real_drafts():
    if not REAL:
        pytest.skip(f"No real postings under {POSTINGS / 'real'}: they are kept outside the repo.")
    return REAL


@pytest.mark.parametrize("path", REAL or [None], ids=lambda p: p.name if p else "none")
def test_every_real_posting_drafts_a_rubric_a_recruiter_could_keep(path):
    if path is None:
        _real_drafts()
    draft = draft_rubric(parse_posting(path.read_text(encoding="utf-8")))
    weights = [c.weight for c in draft.criteria]
    if weights:
        assert sum(weights) == D("100.00")
    musts = [c.weight for c in draft.criteria if c.kind == "must_have"]
    bonuses = [c.weight for c in draft.criteria if c.kind == "bonus"]
    if musts and bonuses:
        assert max(bonuses) <= min(musts)
        assert max(bonuses) <= min(musts) / 2
    for criterion in draft.criteria:
        assert not _INDEPENDENT_BOILERPLATE.search(criterion.text), criterion.text
        assert not _INDEPENDENT_BOILERPLATE.search(criterion.title), criterion.title
        assert criterion.title and not _NOT_WHOLE.search(criterion.title), criterion.title
        assert len(criterion.anchors) == len(level_labels(4))
    for question in draft.screening_questions:
        assert not _INDEPENDENT_BOILERPLATE.search(question.text), question.text
        assert question.text.endswith("?")
        assert question.title and not _NOT_WHOLE.search(question.title), question.title


def test_the_example_posting_drafts_background_experience_skills_and_a_publications_bonus():
    if not EXAMPLE.exists():
        pytest.skip(f"{EXAMPLE} is kept outside the repo and is not here.")
    draft = draft_rubric(parse_posting(EXAMPLE.read_text(encoding="utf-8")))
    musts = [c for c in draft.criteria if c.kind == "must_have"]
    bonuses = [c for c in draft.criteria if c.kind == "bonus"]
    assert [c.title for c in musts] == ["Background", "Experience", "Skills"]
    assert [c.type for c in musts] == ["education", "experience", "skills"]
    assert len(bonuses) == 1
    assert bonuses[0].type == "portfolio"
    assert "Publications" in bonuses[0].text
    assert bonuses[0].weight <= min(c.weight for c in musts) / 2
    skills = musts[2]
    assert all("Java" in anchor and "Python" in anchor for anchor in skills.anchors)
    assert "PhD" in musts[0].anchors[2]
    assert draft.screening_questions == ()
    assert "boilerplate_dropped" not in codes(draft)  # the pay line is not a requirement
