"""Tests for the parser's scorer (rubrics/parsing/evaluation.py) and evaluate_parser."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from rubrics.parsing import parse_posting
from rubrics.parsing.evaluation import evaluate_directory, score_posting, token_f1, tokens

REAL_POSTINGS = Path(__file__).resolve().parents[3] / "shared" / "postings" / "real"
TARGET_F1 = 0.97
# Postings we wrote ourselves, blind to the parser, with their ground truth: a check that the
# rules generalise beyond the real postings they were developed on.
HELDOUT_POSTINGS = Path(__file__).resolve().parent / "heldout_postings"
HELDOUT_TARGET_F1 = 0.97  # the F1 reached when they were added (1.000), less 0.03


def test_tokens_follow_the_readme():
    # "#" is removed with the Markdown markup before tokens are cut, so "C#" reads as "c".
    assert tokens("**Bonus**: [C++](https://x.io) & C# > `Go`, Ｐython") == [
        "bonus",
        "c++",
        "c",
        "go",
        "python",
    ]


def test_token_f1_of_partial_overlap():
    # 3 common tokens of 4 predicted and 5 true: P 3/4, R 3/5, F1 2/3.
    assert token_f1("two years of python", "two years of python go") == pytest.approx(8 / 9)
    assert token_f1("a b c d", "a b c e f") == pytest.approx(2 / 3)


def test_score_of_a_hand_example():
    truth = {
        "must_haves": ["Three years of Python", "A driving licence", "Fluent Spanish"],
        "bonuses": ["Experience with Kafka is a plus"],
        "ambiguous": ["Good humour"],
    }
    predicted = {
        "must_haves": [
            "Three years of Python",  # hit
            "3 years of Python",  # same truth item, already taken: a false positive
            "Good humour",  # ambiguous: free
            "Fluent Spanish",  # hit
        ],
        "bonuses": ["A driving licence"],  # right text, wrong bucket: fp, and a miss
    }

    score = score_posting("example", predicted, truth)

    assert (score.tp, score.fp, score.fn) == (2, 2, 2)
    assert score.misses == [
        ("must_haves", "A driving licence"),
        ("bonuses", "Experience with Kafka is a plus"),
    ]


def test_best_pairs_are_matched_first():
    truth = {"must_haves": ["python and go services", "python services"]}
    predicted = {"must_haves": ["python services", "python and go services"]}

    score = score_posting("order", predicted, truth)

    assert (score.tp, score.fp, score.fn) == (2, 0, 0)


def test_command_prints_one_line_per_posting_and_totals(tmp_path):
    (tmp_path / "01_cook.txt").write_text(
        "Line Cook\n\nRequirements\n- Two years on a grill\n- Food safety card\n", encoding="utf-8"
    )
    (tmp_path / "01_cook.json").write_text(
        json.dumps({"must_haves": ["Two years on a grill", "Knife skills"], "bonuses": []}),
        encoding="utf-8",
    )
    (tmp_path / "02_empty.txt").write_text("About us\n", encoding="utf-8")
    (tmp_path / "02_empty.json").write_text(
        json.dumps({"must_haves": ["Anything"], "bonuses": []}), encoding="utf-8"
    )
    out = StringIO()

    call_command("evaluate_parser", str(tmp_path), "--json", stdout=out)

    data = json.loads(out.getvalue())
    assert [(p["name"], p["tp"], p["fp"], p["fn"]) for p in data["postings"]] == [
        ("01_cook", 1, 1, 1),
        ("02_empty", 0, 0, 1),
    ]
    assert data["postings"][1]["error"].startswith("No requirements found")
    assert (data["precision"], data["recall"]) == (0.5, pytest.approx(1 / 3, abs=1e-4))


@pytest.fixture(scope="module")
def real_evaluation():
    if not REAL_POSTINGS.is_dir():
        pytest.skip(f"{REAL_POSTINGS} is not here (it lives in ../shared beside the repo)")
    return evaluate_directory(REAL_POSTINGS, parse_posting)


def test_no_real_posting_raises(real_evaluation):
    assert [(s.name, s.error) for s in real_evaluation.postings if s.error] == []


def test_real_postings_reach_the_target_f1(real_evaluation):
    assert real_evaluation.f1 >= TARGET_F1, (
        f"F1 {real_evaluation.f1:.3f} (P {real_evaluation.precision:.3f}, "
        f"R {real_evaluation.recall:.3f})"
    )


@pytest.fixture(scope="module")
def heldout_evaluation():
    return evaluate_directory(HELDOUT_POSTINGS, parse_posting)


def test_heldout_postings_are_all_scored(heldout_evaluation):
    assert len(heldout_evaluation.postings) == 14


def test_no_heldout_posting_raises(heldout_evaluation):
    assert [(s.name, s.error) for s in heldout_evaluation.postings if s.error] == []


def test_heldout_postings_reach_the_target_f1(heldout_evaluation):
    assert heldout_evaluation.f1 >= HELDOUT_TARGET_F1, (
        f"F1 {heldout_evaluation.f1:.3f} (P {heldout_evaluation.precision:.3f}, "
        f"R {heldout_evaluation.recall:.3f})"
    )


# Postings we wrote ourselves and kept from the parser while it was developed: their F1 was
# first measured blind (0.815 before the work on generalisation, 0.912 after). From now on
# they are development data too; keep the figure from falling back.
UNSEEN_POSTINGS = Path(__file__).resolve().parent / "unseen_postings"
UNSEEN_TARGET_F1 = 0.88  # 0.912 when they were added, less 0.03


@pytest.fixture(scope="module")
def unseen_evaluation():
    return evaluate_directory(UNSEEN_POSTINGS, parse_posting)


def test_unseen_postings_are_all_scored_and_none_raises(unseen_evaluation):
    assert len(unseen_evaluation.postings) == 12
    assert [(s.name, s.error) for s in unseen_evaluation.postings if s.error] == []


def test_unseen_postings_reach_the_target_f1(unseen_evaluation):
    assert unseen_evaluation.f1 >= UNSEEN_TARGET_F1, (
        f"F1 {unseen_evaluation.f1:.3f} (P {unseen_evaluation.precision:.3f}, "
        f"R {unseen_evaluation.recall:.3f})"
    )
