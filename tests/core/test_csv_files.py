"""CSV files as people make them: the line endings of any system, and lines the
csv module or the database cannot take, answered with a line-numbered message
(issue 13)."""

import csv

import pytest
from django.core.management import CommandError, call_command

from core.csvfile import FIELD_LIMIT, CsvFileError, as_lines, checked
from tests.factories import ApplicationFactory

HEADER = b"candidate,reviewer,criterion,value,date"


def rows_of(text: str) -> list:
    return list(checked(csv.reader(as_lines(text))))


def test_cr_lf_and_crlf_line_endings_read_alike():
    expected = [["a", "b"], ["1", "2"], ["3", "4"]]
    for ending in ("\n", "\r\n", "\r"):
        assert rows_of(ending.join(["a,b", "1,2", "3,4"]) + ending) == expected


def test_a_quoted_field_keeps_its_line_break():
    assert rows_of('a,b\r"one\rtwo",2\r') == [["a", "b"], ["one\ntwo", "2"]]


def test_a_field_over_the_limit_names_its_line():
    with pytest.raises(CsvFileError) as caught:
        rows_of("a,b\n1,2\n3," + "x" * (FIELD_LIMIT + 1) + "\n")
    assert caught.value.line == 3
    assert str(caught.value) == "line 3: a field is longer than 131,072 characters."


def test_a_nul_character_names_its_line():
    with pytest.raises(CsvFileError, match=r"^line 2: it contains a NUL character\.$"):
        list(checked(csv.DictReader(as_lines("a,b\nAl\x00ice,2\n"))))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b"a@x.org,b@x.org," + b"x" * 140_000 + b",3,2026-01-01\n",
            "line 2: A field is longer than 131,072 characters.",
        ),
        (b"a@x.org,b@x.org,Pyth\x00on,3,2026-01-01\n", "line 2: It contains a NUL character."),
    ],
    ids=["long field", "NUL"],
)
def test_import_ratings_answers_a_bad_file_with_the_line(tmp_path, capsys, body, message):
    posting = ApplicationFactory().posting
    path = tmp_path / "ratings.csv"
    path.write_bytes(HEADER + b"\n" + body)
    with pytest.raises(CommandError, match="1 bad line"):
        call_command("import_ratings", str(path), "--posting", str(posting.pk), "--no-progress")
    assert message in capsys.readouterr().err


@pytest.mark.django_db
def test_import_ratings_reads_cr_only_line_endings(tmp_path, capsys):
    posting = ApplicationFactory().posting
    path = tmp_path / "ratings.csv"
    path.write_bytes(HEADER + b"\rnot-an-email,b@x.org,Nothing,3,2026-01-01\r")
    with pytest.raises(CommandError, match="1 bad line"):
        call_command("import_ratings", str(path), "--posting", str(posting.pk), "--no-progress")
    assert "line 2: candidate “not-an-email” is not an email address" in capsys.readouterr().err


def test_agreement_answers_a_long_field_with_the_line(tmp_path):
    path = tmp_path / "ratings.csv"
    path.write_text("unit,rater,value\nu1,r1,3\nu1,r2," + "9" * (FIELD_LIMIT + 5) + "\n")
    with pytest.raises(CommandError, match=r"ratings.csv: line 3: a field is longer than"):
        call_command("agreement", str(path))


FILLER = b"".join(b"p%d@x.org,Person %d\n" % (i, i) for i in range(300))  # past the sniffed 4 KB


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (
            b"email,full_name\na@x.org," + b"y" * (FIELD_LIMIT + 1) + b"\n",
            "Line 2: A field is longer than 131,072 characters.",
        ),
        (
            b"email,full_name\n" + FILLER + b"a@x.org,Al\x00ice\n",
            "Line 302: It contains a NUL character.",
        ),
    ],
    ids=["long field", "NUL"],
)
def test_the_admin_import_refuses_with_the_line(data, error):
    from screening.imports import read_table

    assert read_table(data).error == error


def test_the_admin_import_reads_cr_only_line_endings():
    from screening.imports import read_table

    table = read_table(b"email,full_name\ra@x.org,Ada\rb@x.org,Bo\r")
    assert table.error is None
    assert table.header == ["email", "full_name"]
    assert table.rows == [(2, ["a@x.org", "Ada"]), (3, ["b@x.org", "Bo"])]


def test_rater_effects_answers_a_long_field_with_the_line(tmp_path):
    path = tmp_path / "ratings.csv"
    path.write_text("unit,rater,criterion,value\nu1,r1,c1," + "9" * (FIELD_LIMIT + 5) + "\n")
    with pytest.raises(CommandError, match=r"ratings.csv: line 2: a field is longer than"):
        call_command("rater_effects", str(path), "--json")


@pytest.mark.parametrize("command", ["agreement", "rater_effects"])
def test_the_commands_refuse_values_no_scale_has(tmp_path, command):
    path = tmp_path / "ratings.csv"
    path.write_text(
        "unit,rater,criterion,value\nu1,r1,c1,1e308\nu1,r2,c1,-1e308\nu2,r1,c1,3\nu2,r2,c1,2\n"
    )
    with pytest.raises(CommandError, match="value “1e308” is not a level on a rating scale"):
        call_command(command, str(path))
