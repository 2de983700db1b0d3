import json
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from rubrics.models import JobPosting, Rubric
from tests.factories import POSTING_TEXT


def _parse(path, *args) -> dict:
    out = StringIO()
    call_command("parse_posting", str(path), *args, stdout=out)
    return out.getvalue()


def test_parse_posting_json_has_the_interface_keys(tmp_path):
    path = tmp_path / "posting.txt"
    path.write_text(POSTING_TEXT, encoding="utf-8")
    data = json.loads(_parse(path, "--json"))
    assert list(data) == ["title", "must_haves", "bonuses", "responsibilities"]
    assert data["title"] == "Field Service Technician"
    assert [item["title"] for item in data["must_haves"]] == [
        "Certification",
        "Experience",
        "Driving",
    ]
    assert set(data["must_haves"][0]) == {"title", "text", "keywords"}
    assert len(data["bonuses"]) == 1


def test_parse_posting_without_json_prints_a_readable_summary(tmp_path):
    path = tmp_path / "posting.txt"
    path.write_text(POSTING_TEXT, encoding="utf-8")
    out = _parse(path)
    assert out.startswith("Field Service Technician\n\nMust-haves:\n  - Certification: ")


def test_parse_posting_on_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match=r"Cannot read .*missing\.txt: No such file"):
        _parse(tmp_path / "missing.txt", "--json")


@pytest.mark.parametrize("content", [b"", b"  \n\t \r\n"])
def test_parse_posting_on_empty_input_is_a_clear_error(tmp_path, content):
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    with pytest.raises(CommandError, match="empty"):
        _parse(path, "--json")


def test_parse_posting_on_binary_input_is_a_clear_error(tmp_path):
    path = tmp_path / "image.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00")
    with pytest.raises(CommandError, match="is not UTF-8 text"):
        _parse(path, "--json")


def test_parse_posting_exits_with_status_one_on_errors(tmp_path):
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    path = tmp_path / "empty.txt"
    path.write_text("")
    result = subprocess.run(
        [sys.executable, "manage.py", "parse_posting", str(path), "--json"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert "empty" in result.stderr


@pytest.mark.django_db
def test_seed_demo_publishes_the_demo_rubric_and_is_idempotent(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())

    posting = JobPosting.objects.get()
    rubric = Rubric.objects.get()
    assert rubric.posting == posting
    assert rubric.state == Rubric.State.PUBLISHED
    assert list(rubric.criteria.order_by("order").values_list("kind", "title")) == [
        ("must_have", "Education"),
        ("must_have", "Programming"),
        ("must_have", "Information Retrieval"),
        ("bonus", rubric.criteria.get(kind="bonus").title),
        ("screening", "Work authorisation"),
    ]
    usernames = set(get_user_model().objects.values_list("username", flat=True))
    assert usernames == {"recruiter", "reviewer1", "reviewer2", "reviewer3", "analyst"}


@pytest.mark.django_db
def test_seed_demo_prints_the_logins(settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "recruiter  / demo-recruiter-pass" in out.getvalue()
    assert "reviewer3  / demo-reviewer3-pass" in out.getvalue()


@pytest.mark.django_db
def test_seed_demo_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="runs only with DEBUG on"):
        call_command("seed_demo", stdout=StringIO())
    assert not JobPosting.objects.exists()
