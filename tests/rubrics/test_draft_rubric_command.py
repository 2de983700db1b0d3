import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from rubrics.models import Criterion, JobPosting, Rubric

POSTING = """Bakery Shift Lead

About us
We bake bread for twelve cafés across the city.

Requirements
- Baking: 3+ years of experience in a commercial bakery.
- Equipment: Working knowledge of ovens and mixers (deck ovens, spiral mixers, proofers).
- Hygiene: A current food hygiene certificate.
- Must be available for early weekend shifts.

Nice to have
- Experience training apprentices.

Pay and benefits
- Pay: $21 per hour.
- Paid time off and a staff discount.
"""


def _draft(path, *args) -> str:
    out = StringIO()
    call_command("draft_rubric", str(path), *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def posting_file(tmp_path):
    path = tmp_path / "bakery.txt"
    path.write_text(POSTING, encoding="utf-8")
    return path


def test_json_has_exactly_the_interface_keys(posting_file):
    data = json.loads(_draft(posting_file, "--json"))
    assert list(data) == ["title", "criteria", "screening_questions", "warnings"]
    assert data["title"] == "Bakery Shift Lead"
    for criterion in data["criteria"]:
        assert list(criterion) == [
            "kind",
            "type",
            "title",
            "text",
            "weight",
            "knockout_level",
            "keywords",
            "anchors",
        ]
    for question in data["screening_questions"]:
        assert list(question) == ["text", "type"]
    for warning in data["warnings"]:
        assert {"code", "message"} <= set(warning) <= {"code", "message", "criterion", "span"}


def test_json_drafts_typed_weighted_criteria_and_screening_questions(posting_file):
    data = json.loads(_draft(posting_file, "--json"))
    assert [(c["kind"], c["type"], c["title"]) for c in data["criteria"]] == [
        ("must_have", "years", "Baking"),
        ("must_have", "skills", "Equipment"),
        ("must_have", "licence", "Hygiene"),
        ("bonus", "experience", data["criteria"][3]["title"]),
    ]
    weights = [c["weight"] for c in data["criteria"]]
    assert weights == [28.58, 28.57, 28.57, 14.28]
    assert round(sum(weights), 2) == 100.0
    assert [c["knockout_level"] for c in data["criteria"]] == [2, 2, 2, None]
    assert all(len(c["anchors"]) == 4 for c in data["criteria"])
    assert data["criteria"][1]["keywords"] == ["deck ovens", "spiral mixers", "proofers"]
    assert data["screening_questions"] == [
        {"text": "Are you available for early weekend shifts?", "type": "eligibility"}
    ]
    assert not any("$21" in c["text"] for c in data["criteria"])


def test_scale_five_gives_five_anchors(posting_file):
    data = json.loads(_draft(posting_file, "--json", "--scale", "5"))
    assert all(len(c["anchors"]) == 5 for c in data["criteria"])


def test_only_scales_four_and_five_are_offered(posting_file):
    with pytest.raises(CommandError, match="invalid choice"):
        _draft(posting_file, "--scale", "7")


def test_without_json_prints_a_readable_listing(posting_file):
    out = _draft(posting_file)
    assert out.startswith("Bakery Shift Lead\n\nCriteria:\n  1. Baking  [must-have, years, 28.58%")
    assert "     3 Meets: 3 or more years of experience in a commercial bakery" in out
    assert "Screening questions (yes/no, not scored):\n  - Are you available for early" in out
    assert "\nWarnings:\n" in out


def test_crlf_files_draft_the_same_rubric(tmp_path, posting_file):
    crlf = tmp_path / "crlf.txt"
    crlf.write_bytes(POSTING.replace("\n", "\r\n").encode("utf-8"))
    lf_titles = [c["title"] for c in json.loads(_draft(posting_file, "--json"))["criteria"]]
    crlf_titles = [c["title"] for c in json.loads(_draft(crlf, "--json"))["criteria"]]
    assert crlf_titles == lf_titles


@pytest.mark.django_db
def test_nothing_is_written_to_the_database(posting_file):
    _draft(posting_file, "--json")
    assert not JobPosting.objects.exists()
    assert not Rubric.objects.exists()
    assert not Criterion.objects.exists()


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match=r"Cannot read .*missing\.txt: No such file"):
        _draft(tmp_path / "missing.txt", "--json")


@pytest.mark.parametrize("content", [b"", b"  \n\t \r\n"])
def test_empty_input_is_a_clear_error(tmp_path, content):
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    with pytest.raises(CommandError, match="empty"):
        _draft(path, "--json")


def test_binary_input_is_a_clear_error(tmp_path):
    path = tmp_path / "image.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00")
    with pytest.raises(CommandError, match="is not UTF-8 text"):
        _draft(path, "--json")


def test_a_posting_without_requirements_is_a_clear_error(tmp_path):
    path = tmp_path / "blurb.txt"
    path.write_text("We bake bread.\n\nCome and say hello at the shop.\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"blurb\.txt: "):
        _draft(path, "--json")


def _run(*args):
    root = Path(__file__).resolve().parents[2]
    return subprocess.run(
        [sys.executable, "manage.py", "draft_rubric", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_command_exits_with_status_one_on_errors(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("")
    result = _run(str(path), "--json")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "empty" in result.stderr


def test_the_command_exits_with_status_zero_and_prints_json(posting_file):
    result = _run(str(posting_file), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["title"] == "Bakery Shift Lead"
