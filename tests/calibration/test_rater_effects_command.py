"""`python manage.py rater_effects FILE.csv [--method linear|rasch] [--json]`:
the JSON of the shared interface, a readable table, two disconnected groups,
and every bad input a message with exit status 1 (never a traceback)."""

import csv
import json
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from tests.calibration.test_commands import manage

HEADER = ["unit", "rater", "criterion", "value"]


def write(path, rows, header=HEADER):
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        if header is not None:
            writer.writerow(header)
        writer.writerows(rows)
    return path


def two_groups(seed=3):
    """Two groups of three reviewers who never share a candidate; in the
    first, ana is a point lenient."""
    rng = np.random.default_rng(seed)
    rows = []
    for group, names in ((1, ["ana", "ben", "chloe"]), (2, ["dan", "eve", "fay"])):
        for unit in range(15):
            quality = rng.normal(3, 0.8)
            for rater in rng.choice(names, 2, replace=False):
                for criterion in ("Skills", "Experience", "Background"):
                    value = quality + (1.0 if rater == "ana" else 0.0) + rng.normal(0, 0.4)
                    rows.append(
                        [f"g{group}-{unit}", rater, criterion, int(np.clip(round(value), 1, 5))]
                    )
    return rows


def run(path, *args) -> str:
    out = StringIO()
    call_command("rater_effects", str(path), *args, stdout=out)
    return out.getvalue()


def test_json_has_the_interface_shape_and_two_groups(tmp_path):
    result = json.loads(run(write(tmp_path / "r.csv", two_groups()), "--json"))
    assert list(result) == ["method", "groups", "raters", "criteria", "separation", "notes"]
    assert result["method"] == "linear"
    assert result["groups"] == [["ana", "ben", "chloe"], ["dan", "eve", "fay"]]
    ana = result["raters"][0]
    assert list(ana) == [
        "rater", "group", "n_scorecards", "n_ratings", "severity", "se", "severity_shrunk",
        "sd_shrunk", "infit", "outfit", "halo", "central_tendency", "flags",
    ]  # fmt: skip
    assert ana["rater"] == "ana" and ana["group"] == 0
    assert ana["n_ratings"] == 3 * ana["n_scorecards"]
    assert ana["severity"] > 0.5 and "lenient" in ana["flags"]
    assert [r["group"] for r in result["raters"]] == [0, 0, 0, 1, 1, 1]
    assert [c["criterion"] for c in result["criteria"]] == ["Background", "Experience", "Skills"]
    assert sum(c["effect"] for c in result["criteria"]) == pytest.approx(0, abs=1e-5)
    (note,) = result["notes"]
    assert "2 groups" in note and "comparable only within a group" in note


def test_table_names_groups_flags_and_the_note(tmp_path):
    text = run(write(tmp_path / "r.csv", two_groups()))
    lines = text.splitlines()
    assert lines[0] == "Method: linear (severity in points, positive = lenient)"
    assert lines[1] == "Group 1: ana, ben, chloe"
    assert lines[2] == "Group 2: dan, eve, fay"
    ana = next(line for line in lines if line.startswith("ana "))
    assert ana.endswith("lenient")
    assert "Rater separation index" in text
    assert "Note: the reviewers form 2 groups" in text


def test_missing_values_are_skipped(tmp_path):
    rows = two_groups()
    rows.append(["g1-0", "ana", "Leadership", ""])
    result = json.loads(run(write(tmp_path / "r.csv", rows), "--json"))
    assert "Leadership" not in [c["criterion"] for c in result["criteria"]]


@pytest.mark.parametrize(
    ("rows", "header", "message"),
    [
        ([], None, "is empty"),
        ([["1", "a", "x", "3"]], ["unit", "rater", "value"], "missing criterion"),
        ([["1", "a", "x", "three"]], HEADER, "line 2: value “three” is not a number"),
        ([["1", "a", "x", "inf"]], HEADER, "is not finite"),
        ([["1", "", "x", "3"]], HEADER, "must not be empty"),
        (
            [["1", "a", "x", "3"], ["1", "a", "x", "4"]],
            HEADER,
            "line 3: rater a already rated unit 1 on x (line 2)",
        ),
        ([["1", "a", "x", ""]], HEADER, "has no ratings"),
    ],
)
def test_bad_input_is_a_clear_error(tmp_path, rows, header, message):
    with pytest.raises(CommandError) as caught:
        run(write(tmp_path / "bad.csv", rows, header=header))
    assert message in str(caught.value)


def test_missing_file_and_bad_encoding(tmp_path):
    with pytest.raises(CommandError, match="Cannot read .*nope.csv"):
        run(tmp_path / "nope.csv")
    (tmp_path / "latin.csv").write_bytes(b"unit,rater,criterion,value\n1,\xe9,x,3\n")
    with pytest.raises(CommandError, match="is not UTF-8 text"):
        run(tmp_path / "latin.csv")


def test_rasch_method(tmp_path):
    path = write(tmp_path / "r.csv", two_groups())
    try:
        import calibration.stats.rasch  # noqa: F401
    except ImportError:
        with pytest.raises(CommandError, match="--method rasch: the rasch method is not"):
            run(path, "--method", "rasch")
    else:
        result = json.loads(run(path, "--method", "rasch", "--json"))
        assert result["method"] == "rasch"
        assert len(result["groups"]) == 2


def test_exit_status_is_1_with_a_message_and_no_traceback(tmp_path):
    bad = write(tmp_path / "bad.csv", [["1", "a", "x", "three"]])
    done = manage("rater_effects", str(bad), "--json")
    assert done.returncode == 1
    assert "value “three” is not a number" in done.stderr
    assert "Traceback" not in done.stderr
    done = manage("rater_effects", str(tmp_path / "nope.csv"))
    assert done.returncode == 1
    assert "Cannot read" in done.stderr and "Traceback" not in done.stderr
    good = manage("rater_effects", str(write(tmp_path / "r.csv", two_groups())), "--json")
    assert good.returncode == 0, good.stderr
    assert len(json.loads(good.stdout)["groups"]) == 2
