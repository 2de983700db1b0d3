"""The calibration commands: `agreement FILE.csv --json` (the interface in
DESIGN.md, checked against published worked examples) and `import_ratings
FILE --posting ID` (checked whole, then written in one go), in-process through
call_command and, for exit statuses, as real `python manage.py` processes."""

import contextlib
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db.models import F

from calibration.services import calibration_run
from rubrics.models import Criterion, Rubric
from screening import selectors
from screening.models import Application, Candidate, CriterionScore, ReviewAssignment, Scorecard
from tests.calibration import calibration_examples as ex
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    CriterionFactory,
    JobPostingFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    RubricFactory,
    UserFactory,
)

D = Decimal
INTERFACE_KEYS = [
    "krippendorff_alpha",
    "icc",
    "fleiss_kappa",
    "cohen_kappa",
    "n_units",
    "n_raters",
    "n_ratings",
    "notes",
]


def no_nan(name):
    raise AssertionError(f"{name} in the JSON output")


def run_agreement(path, *args) -> dict:
    out = StringIO()
    call_command("agreement", str(path), "--json", *args, stdout=out)
    return json.loads(out.getvalue(), parse_constant=no_nan)


def manage(*args, env_extra=None) -> subprocess.CompletedProcess:
    """`python manage.py ...` in a process of its own: test settings, eager
    Celery, and (unless told otherwise) a database nobody uses."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    env.pop("DATABASE_URL", None)
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def write_long(path: Path, table: np.ndarray, *, observers_by_units: bool = False) -> Path:
    """A unit,rater,value CSV from a wide table (units × raters, or
    Krippendorff's observers × units); a missing cell is an empty value."""
    if observers_by_units:
        table = table.T
    lines = ["unit,rater,value"]
    for u, row in enumerate(table, start=1):
        for r, value in enumerate(row):
            cell = "" if np.isnan(value) else f"{value:g}"
            lines.append(f"u{u},{chr(ord('A') + r)},{cell}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def krippendorff_csv(tmp_path):
    return write_long(tmp_path / "k2011.csv", ex.KRIPPENDORFF_2011, observers_by_units=True)


@pytest.fixture
def shrout_fleiss_csv(tmp_path):
    return write_long(tmp_path / "sf1979.csv", ex.SHROUT_FLEISS_1979)


# --- agreement: published examples -------------------------------------------------------


def test_agreement_gives_krippendorffs_published_alphas(krippendorff_csv):
    """Krippendorff (2011), section C: 4 observers × 12 units, missing values."""
    report = run_agreement(krippendorff_csv)

    assert {k: round(v, 3) for k, v in report["krippendorff_alpha"].items()} == {
        "nominal": 0.743,
        "ordinal": 0.815,
        "interval": 0.849,
        "ratio": 0.797,
    }


def test_agreement_json_has_every_interface_key(krippendorff_csv):
    report = run_agreement(krippendorff_csv)

    assert list(report) == INTERFACE_KEYS
    assert list(report["krippendorff_alpha"]) == ["nominal", "ordinal", "interval", "ratio"]


def test_agreement_counts_units_raters_and_ratings(krippendorff_csv):
    report = run_agreement(krippendorff_csv)

    # 48 cells, 7 of them empty.
    assert (report["n_units"], report["n_raters"], report["n_ratings"]) == (12, 4, 41)


def test_agreement_gives_null_with_a_note_for_what_the_data_do_not_allow(krippendorff_csv):
    report = run_agreement(krippendorff_csv)

    assert (report["icc"], report["fleiss_kappa"], report["cohen_kappa"]) == (None, None, None)
    assert report["notes"] == {
        "icc": "the ratings do not form a complete units × raters table: 41 of 48 cells are filled",
        "fleiss_kappa": "units have between 1 and 4 ratings; Fleiss' kappa needs the same "
        "number for every unit",
        "cohen_kappa": "Cohen's kappa compares exactly two raters; these ratings come from 4",
    }


def test_agreement_gives_shrout_and_fleiss_published_iccs(shrout_fleiss_csv):
    """Shrout & Fleiss (1979), Table 2 data and Table 4 figures (two places)."""
    report = run_agreement(shrout_fleiss_csv)

    assert {k: round(v, 2) for k, v in report["icc"].items()} == ex.SHROUT_FLEISS_1979_ICC
    assert (report["n_units"], report["n_raters"], report["n_ratings"]) == (6, 4, 24)


def test_agreement_of_a_complete_table_gives_fleiss_kappa(shrout_fleiss_csv):
    report = run_agreement(shrout_fleiss_csv)

    assert isinstance(report["fleiss_kappa"], float)
    assert "fleiss_kappa" not in report["notes"]


def test_agreement_of_exactly_two_raters_gives_cohens_kappa(tmp_path):
    """Gwet (2014), the abstractors' 3 × 3 table: irrCAC's published kappas."""
    unit, rater, value = ex.contingency_to_long(ex.GWET_ABSTRACTORS)
    path = tmp_path / "two.csv"
    path.write_text(
        "unit,rater,value\n"
        + "".join(f"{u},{'AB'[r]},{v:g}\n" for u, r, v in zip(unit, rater, value, strict=True)),
        encoding="utf-8",
    )

    report = run_agreement(path)

    assert list(report["cohen_kappa"]) == ["unweighted", "linear", "quadratic"]
    assert report["cohen_kappa"]["unweighted"] == pytest.approx(0.7964094, abs=1e-6)
    assert round(report["cohen_kappa"]["linear"], 3) == 0.843
    assert report["cohen_kappa"]["quadratic"] == pytest.approx(0.8921569, abs=1e-6)
    assert report["n_raters"] == 2
    assert "cohen_kappa" not in report["notes"]


def test_agreement_with_a_criterion_column_reports_each_criterion(tmp_path):
    """Krippendorff's data as criterion "depth", Shrout & Fleiss' as
    "breadth": each criterion's block is its own example's."""
    lines = ["unit,rater,criterion,value"]
    for name, table in (
        ("depth", ex.KRIPPENDORFF_2011.T),
        ("breadth", ex.SHROUT_FLEISS_1979),
    ):
        for u, row in enumerate(table, start=1):
            for r, value in enumerate(row):
                if not np.isnan(value):
                    lines.append(f"u{u},{'ABCD'[r]},{name},{value:g}")
    path = tmp_path / "criteria.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    report = run_agreement(path)

    # The per-criterion summary first (issue 12 item 7), then the pooled figures.
    assert list(report) == ["criterion_alpha", *INTERFACE_KEYS, "by_criterion"]
    interval = report["criterion_alpha"]["interval"]
    alphas = sorted(b["krippendorff_alpha"]["interval"] for b in report["by_criterion"].values())
    assert (interval["min"], interval["max"]) == (alphas[0], alphas[1])
    assert interval["median"] == pytest.approx(sum(alphas) / 2, abs=1e-6)
    assert sorted(report["by_criterion"]) == ["breadth", "depth"]
    depth, breadth = report["by_criterion"]["depth"], report["by_criterion"]["breadth"]
    assert list(depth) == INTERFACE_KEYS
    assert round(depth["krippendorff_alpha"]["interval"], 3) == 0.849
    assert (depth["n_units"], depth["n_raters"], depth["n_ratings"]) == (12, 4, 41)
    assert {k: round(v, 2) for k, v in breadth["icc"].items()} == ex.SHROUT_FLEISS_1979_ICC
    assert (report["n_units"], report["n_ratings"]) == (12, 65)


def test_agreement_reads_standard_input(krippendorff_csv, monkeypatch):
    class Stdin:
        buffer = krippendorff_csv.open("rb")

    monkeypatch.setattr(sys, "stdin", Stdin)

    report = run_agreement("-")

    assert round(report["krippendorff_alpha"]["nominal"], 3) == 0.743


def test_agreement_without_json_prints_one_statistic_a_line(krippendorff_csv):
    out = StringIO()

    call_command("agreement", str(krippendorff_csv), stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[:5] == [
        "krippendorff_alpha:",
        "  nominal: 0.743421",
        "  ordinal: 0.815388",
        "  interval: 0.849107",
        "  ratio: 0.797403",
    ]
    assert "icc: —" in lines


def test_agreement_json_has_no_nan_when_nothing_varies(tmp_path):
    """Every rater gives every unit 3: alpha and kappa are undefined, and
    must come out as null, never NaN."""
    path = tmp_path / "flat.csv"
    path.write_text(
        "unit,rater,value\n" + "".join(f"{u},{r},3\n" for u in range(5) for r in "AB"),
        encoding="utf-8",
    )

    report = run_agreement(path)

    assert report["krippendorff_alpha"] == {
        "nominal": None,
        "ordinal": None,
        "interval": None,
        "ratio": None,
    }
    assert set(report["notes"]) >= {
        "krippendorff_alpha.nominal",
        "krippendorff_alpha.ordinal",
        "krippendorff_alpha.interval",
        "krippendorff_alpha.ratio",
    }


# --- agreement: bad input ----------------------------------------------------------------


def test_agreement_of_a_missing_file_is_an_error(tmp_path):
    missing = tmp_path / "nope.csv"

    with pytest.raises(CommandError) as error:
        run_agreement(missing)

    assert str(error.value) == f"Cannot read {missing}: No such file or directory."


def test_agreement_with_missing_header_columns_is_an_error(tmp_path):
    path = tmp_path / "header.csv"
    path.write_text("unit,coder,score\n1,A,3\n", encoding="utf-8")

    with pytest.raises(CommandError) as error:
        run_agreement(path)

    assert str(error.value) == (
        f"{path}: the header needs unit,rater,value (optional criterion); missing rater, value."
    )


def test_agreement_names_each_non_numeric_value_with_its_line(tmp_path):
    path = tmp_path / "values.csv"
    path.write_text("unit,rater,value\n1,A,3\n1,B,three\n2,A,4\n2,B,inf\n,C,2\n", encoding="utf-8")

    with pytest.raises(CommandError) as error:
        run_agreement(path)

    assert str(error.value) == (
        f"{path}: 3 bad line(s):\n"
        "line 3: value “three” is not a number\n"
        "line 5: value “inf” is not finite\n"
        "line 6: unit and rater must not be empty"
    )


def test_agreement_of_an_empty_file_is_an_error(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("", encoding="utf-8")

    with pytest.raises(CommandError) as error:
        run_agreement(path)

    assert str(error.value) == (
        f"{path}: the header needs unit,rater,value (optional criterion); "
        "missing unit, rater, value."
    )


def test_agreement_of_a_header_without_ratings_is_an_error(tmp_path):
    path = tmp_path / "header-only.csv"
    path.write_text("unit,rater,value\n1,A,\n", encoding="utf-8")

    with pytest.raises(CommandError) as error:
        run_agreement(path)

    assert str(error.value) == f"{path} has no ratings."


def test_agreement_as_a_process_prints_json_and_exits_0(krippendorff_csv):
    result = manage("agreement", str(krippendorff_csv), "--json")

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout, parse_constant=no_nan)
    assert round(report["krippendorff_alpha"]["ordinal"], 3) == 0.815


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "Cannot read {path}: No such file or directory."),
        ("unit,rater\n1,A\n", "missing value."),
        ("unit,rater,value\n1,A,x\n", "line 2: value “x” is not a number"),
        ("", "missing unit, rater, value."),
    ],
    ids=["missing-file", "missing-column", "non-numeric", "empty"],
)
def test_agreement_as_a_process_exits_1_on_bad_input(tmp_path, content, message):
    path = tmp_path / "in.csv"
    if content is not None:
        path.write_text(content, encoding="utf-8")

    result = manage("agreement", str(path), "--json")

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("CommandError: ")
    assert message.format(path=path) in result.stderr


# --- import_ratings ------------------------------------------------------------------------


def service_rubric(posting=None, version=1) -> Rubric:
    """A published 1–4 rubric: must-haves Certification and Experience (37.5
    each, knockout below 2) and the bonus Service software (25)."""
    rubric = RubricFactory(version=version, **({"posting": posting} if posting else {}))
    for order, (kind, title, weight) in enumerate(
        [
            (Criterion.Kind.MUST_HAVE, "Certification", D("37.50")),
            (Criterion.Kind.MUST_HAVE, "Experience", D("37.50")),
            (Criterion.Kind.BONUS, "Service software", D("25.00")),
        ],
        start=1,
    ):
        CriterionFactory(rubric=rubric, kind=kind, title=title, weight=weight, order=order)
    Rubric.objects.filter(pk=rubric.pk).update(state=Rubric.State.PUBLISHED)
    rubric.refresh_from_db()
    return rubric


# Grace and Katherine rate Ada (Grace 4/3/–, Katherine 3/2/2) and Charles
# (Grace 1/4/4): the hand-worked ranking of tests/screening/api/test_ranking.py (54.17 and
# 62.5).
GOOD = (
    "candidate,reviewer,criterion,value,date,candidate_name\n"
    "ada@example.net,grace@example.org,Certification,4,2025-01-10,Ada Lovelace\n"
    "ada@example.net,grace@example.org,Experience,3,2025-01-10,Ada Lovelace\n"
    "ADA@example.net,katherine@example.org,certification,3,2025-01-12,\n"
    "ada@example.net,Katherine@Example.org,Experience,2,2025-01-12,\n"
    "ada@example.net,katherine@example.org,Service software,2,2025-01-13T09:30:00,\n"
    "charles@example.net,grace@example.org,Certification,1,2025-01-11,Charles Babbage\n"
    "charles@example.net,grace@example.org,Experience,4,2025-01-11,Charles Babbage\n"
    "charles@example.net,grace@example.org,Service software,4,2025-01-11,Charles Babbage\n"
)

BAD = (
    "candidate,reviewer,criterion,value,date\n"
    "ada@example.net,nobody@example.org,Certification,3,2025-01-10\n"
    "ada@example.net,grace@example.org,Charisma,3,2025-01-10\n"
    "ada@example.net,grace@example.org,Certification,7,2025-01-10\n"
    "ada@example.net,grace@example.org,Experience,3,2999-01-01\n"
    "ada@example.net,grace@example.org,Service software,2,2025-01-10\n"
    "ada@example.net,grace@example.org,Service software,3,2025-01-11\n"
    "not-an-email,grace@example.org,Experience,3,2025-01-10\n"
    "charles@example.net,grace@example.org,Experience,3,2025-01-10,surplus\n"
    "charles@example.net,grace@example.org,Experience,three,01/02/2025\n"
)
BAD_LINES = [
    "line 2: no active user has the email “nobody@example.org”.",
    "line 3: “Charisma” is not a criterion of rubric v1.",
    "line 4: value “7” is not a level from 1 to 4.",
    "line 5: date 2999-01-01 is in the future.",
    "line 7: repeats line 6.",
    "line 8: candidate “not-an-email” is not an email address.",
    "line 9: The line has more fields than the header.",
    "line 10: value “three” is not a level from 1 to 4; date “01/02/2025” is not YYYY-MM-DD.",
]


@pytest.fixture
def rubric(db):
    return service_rubric()


@pytest.fixture
def reviewers(db):
    return {
        "grace": ReviewerFactory(username="grace", first_name="Grace", last_name="Hopper"),
        "katherine": ReviewerFactory(
            username="katherine", first_name="Katherine", last_name="Johnson"
        ),
    }


def write(tmp_path, text: str, name: str = "ratings.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def import_file(path, rubric, *args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(
        "import_ratings",
        str(path),
        "--posting",
        str(rubric.posting_id),
        *args,
        stdout=out,
        stderr=err,
    )
    return out.getvalue(), err.getvalue()


def row_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Candidate, Application, ReviewAssignment, Scorecard, CriterionScore)
    }


def summary_line(rubric, ratings=8, scorecards=3, new=2) -> str:
    return (
        f"{ratings} ratings in {scorecards} scorecards ({new} new candidates) for "
        f"“{rubric.posting.title}”, rubric v{rubric.version}"
    )


@pytest.mark.django_db
def test_import_reports_what_it_imported(tmp_path, rubric, reviewers):
    out, _err = import_file(write(tmp_path, GOOD), rubric, "--no-progress")

    assert out == f"Imported {summary_line(rubric)}.\n"


@pytest.mark.django_db
def test_import_creates_candidates_applications_and_assignments(tmp_path, rubric, reviewers):
    import_file(write(tmp_path, GOOD), rubric, "--no-progress")

    assert sorted(Candidate.objects.values_list("full_name", "email")) == [
        ("Ada Lovelace", "ada@example.net"),
        ("Charles Babbage", "charles@example.net"),
    ]
    assert sorted(
        Application.objects.values_list("candidate__email", "posting_id", "rubric_id")
    ) == [
        ("ada@example.net", rubric.posting_id, rubric.pk),
        ("charles@example.net", rubric.posting_id, rubric.pk),
    ]
    assert sorted(
        ReviewAssignment.objects.values_list("application__candidate__email", "reviewer__username")
    ) == [
        ("ada@example.net", "grace"),
        ("ada@example.net", "katherine"),
        ("charles@example.net", "grace"),
    ]


@pytest.mark.django_db
def test_import_makes_submitted_scorecards_from_the_import_without_a_recommendation(
    tmp_path, rubric, reviewers
):
    import_file(write(tmp_path, GOOD), rubric, "--no-progress")

    assert set(Scorecard.objects.values_list("status", "source", "recommendation")) == {
        ("submitted", "import", None)
    }
    assert Scorecard.objects.count() == 3


@pytest.mark.django_db
def test_an_imported_scorecard_is_dated_by_its_latest_row(tmp_path, rubric, reviewers):
    import_file(write(tmp_path, GOOD), rubric, "--no-progress")

    card = Scorecard.objects.get(assignment__reviewer=reviewers["katherine"])
    # Her rows: the 12th (twice) and the 13th at 09:30.
    assert card.submitted_at == datetime(2025, 1, 13, 9, 30, tzinfo=UTC)


@pytest.mark.django_db
def test_a_date_without_a_time_is_taken_as_noon(tmp_path, rubric, reviewers):
    import_file(write(tmp_path, GOOD), rubric, "--no-progress")

    card = Scorecard.objects.get(application__candidate__email="charles@example.net")
    assert card.submitted_at == datetime(2025, 1, 11, 12, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_import_stores_each_score(tmp_path, rubric, reviewers):
    import_file(write(tmp_path, GOOD), rubric, "--no-progress")

    assert sorted(
        CriterionScore.objects.values_list(
            "scorecard__application__candidate__email",
            "scorecard__assignment__reviewer__username",
            "criterion__title",
            "value",
        )
    ) == [
        ("ada@example.net", "grace", "Certification", 4),
        ("ada@example.net", "grace", "Experience", 3),
        ("ada@example.net", "katherine", "Certification", 3),
        ("ada@example.net", "katherine", "Experience", 2),
        ("ada@example.net", "katherine", "Service software", 2),
        ("charles@example.net", "grace", "Certification", 1),
        ("charles@example.net", "grace", "Experience", 4),
        ("charles@example.net", "grace", "Service software", 4),
    ]


@pytest.mark.django_db
def test_imported_ratings_rank_like_reviewed_ones(tmp_path, rubric, reviewers):
    import_file(write(tmp_path, GOOD), rubric, "--no-progress")

    rows = selectors.posting_ranking(posting=rubric.posting)

    assert [(r.candidate_name, r.score, r.failed_must_haves, r.tally) for r in rows] == [
        ("Charles Babbage", 62.5, ["Certification"], {None: 1}),
        ("Ada Lovelace", 54.17, [], {None: 2}),
    ]


@pytest.mark.django_db
def test_import_uses_an_existing_candidate_whatever_the_case_of_the_email(
    tmp_path, rubric, reviewers
):
    ada = CandidateFactory(full_name="Ada King", email="Ada@Example.net")

    out, _err = import_file(write(tmp_path, GOOD), rubric, "--no-progress")

    assert out == f"Imported {summary_line(rubric, new=1)}.\n"
    assert Candidate.objects.filter(email__iexact="ada@example.net").get() == ada
    assert Application.objects.filter(candidate=ada).count() == 1


@pytest.mark.django_db
def test_import_completes_a_draft_scorecard_left_open(tmp_path, rubric, reviewers):
    application = ApplicationFactory(
        rubric=rubric, candidate=CandidateFactory(email="ada@example.net")
    )
    draft = ReviewAssignmentFactory(application=application, reviewer=reviewers["grace"])
    CriterionScore.objects.create(
        scorecard=draft.scorecard, criterion=rubric.criteria.get(title="Certification"), value=1
    )

    import_file(write(tmp_path, GOOD), rubric, "--no-progress")

    card = Scorecard.objects.get(pk=draft.scorecard.pk)
    assert (card.status, card.source) == ("submitted", "import")
    assert sorted(card.scores.values_list("criterion__title", "value")) == [
        ("Certification", 4),
        ("Experience", 3),
    ]
    assert ReviewAssignment.objects.filter(application=application).count() == 2


@pytest.mark.django_db
def test_dry_run_says_what_it_would_import(tmp_path, rubric, reviewers):
    out, _err = import_file(write(tmp_path, GOOD), rubric, "--dry-run", "--no-progress")

    assert out == f"Dry run: would import {summary_line(rubric)}. Nothing was written.\n"


@pytest.mark.django_db
def test_dry_run_writes_nothing(tmp_path, rubric, reviewers):
    before = row_counts()

    import_file(write(tmp_path, GOOD), rubric, "--dry-run", "--no-progress")

    assert row_counts() == before


@pytest.mark.django_db
def test_a_file_with_bad_lines_reports_every_one(tmp_path, rubric, reviewers):
    path = write(tmp_path, BAD)
    err = StringIO()

    with pytest.raises(CommandError) as error:
        call_command("import_ratings", str(path), "--posting", str(rubric.posting_id), stderr=err)

    assert str(error.value) == f"8 bad line(s) in {path}; nothing was imported."
    assert [line for line in err.getvalue().splitlines() if line.startswith("line ")] == BAD_LINES


@pytest.mark.django_db
def test_a_file_with_bad_lines_writes_nothing(tmp_path, rubric, reviewers):
    path = write(tmp_path, GOOD + BAD.split("\n", 1)[1].replace(",surplus", ",,surplus"))
    before = row_counts()

    with pytest.raises(CommandError):
        import_file(path, rubric, "--no-progress")

    assert row_counts() == before


@pytest.mark.django_db
def test_an_inactive_reviewer_is_unknown(tmp_path, rubric, reviewers):
    UserFactory(username="gone", is_active=False)
    path = write(
        tmp_path,
        "candidate,reviewer,criterion,value,date\n"
        "ada@example.net,gone@example.org,Experience,3,2025-01-10\n",
    )
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("import_ratings", str(path), "--posting", str(rubric.posting_id), stderr=err)

    assert "line 2: no active user has the email “gone@example.org”." in err.getvalue()


@pytest.mark.django_db
def test_a_header_without_the_required_columns_is_refused(tmp_path, rubric, reviewers):
    path = write(tmp_path, "candidate,reviewer,criterion\nada@example.net,grace@example.org,X\n")
    err = StringIO()

    with pytest.raises(CommandError) as error:
        call_command("import_ratings", str(path), "--posting", str(rubric.posting_id), stderr=err)

    assert str(error.value) == f"1 bad line(s) in {path}; nothing was imported."
    assert err.getvalue().splitlines()[-1] == (
        "line 1: The header lacks value, date; expected "
        "candidate,reviewer,criterion,value,date[,candidate_name]."
    )


@pytest.mark.django_db
def test_a_file_without_ratings_is_refused(tmp_path, rubric, reviewers):
    path = write(tmp_path, "candidate,reviewer,criterion,value,date\n")
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("import_ratings", str(path), "--posting", str(rubric.posting_id), stderr=err)

    assert err.getvalue().splitlines()[-1] == "The file has no ratings."


@pytest.mark.django_db
def test_an_unknown_posting_is_an_error(tmp_path):
    path = write(tmp_path, GOOD)

    with pytest.raises(CommandError) as error:
        call_command("import_ratings", str(path), "--posting", "999999")

    assert str(error.value) == "No posting has id 999999."


@pytest.mark.django_db
def test_a_posting_without_a_published_rubric_is_an_error(tmp_path, reviewers):
    posting = JobPostingFactory()
    path = write(tmp_path, GOOD)
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("import_ratings", str(path), "--posting", str(posting.pk), stderr=err)

    assert err.getvalue().splitlines()[-1] == (
        f"Posting {posting.pk} has no published rubric to rate against."
    )


@pytest.mark.django_db
def test_a_missing_file_is_an_error(tmp_path, rubric):
    missing = tmp_path / "nope.csv"

    with pytest.raises(CommandError) as error:
        call_command("import_ratings", str(missing), "--posting", str(rubric.posting_id))

    assert str(error.value) == f"Cannot read {missing}: No such file or directory."


@pytest.mark.django_db
def test_importing_the_same_ratings_again_reports_each_existing_scorecard(
    tmp_path, rubric, reviewers
):
    path = write(tmp_path, GOOD)
    import_file(path, rubric, "--no-progress")
    before = row_counts()
    err = StringIO()

    with pytest.raises(CommandError) as error:
        call_command("import_ratings", str(path), "--posting", str(rubric.posting_id), stderr=err)

    assert str(error.value) == f"8 bad line(s) in {path}; nothing was imported."
    assert err.getvalue().splitlines()[-8:] == [
        f"line {n}: this reviewer already has a submitted scorecard for this candidate."
        for n in range(2, 10)
    ]
    assert row_counts() == before


@pytest.mark.django_db
def test_progress_bars_go_to_stderr_not_stdout(tmp_path, rubric, reviewers):
    out, err = import_file(write(tmp_path, GOOD), rubric)

    assert out == f"Imported {summary_line(rubric)}.\n"
    assert "Checking: 100%" in err
    assert "8/8" in err
    assert "Importing: 100%" in err


@pytest.mark.django_db
def test_no_progress_hides_the_progress_bars(tmp_path, rubric, reviewers):
    _out, err = import_file(write(tmp_path, GOOD), rubric, "--no-progress")

    assert err == ""


@pytest.mark.django_db
def test_a_calibration_run_after_an_import_uses_the_imported_ratings(tmp_path, rubric, reviewers):
    import_file(write(tmp_path, GOOD), rubric, "--no-progress")

    run = calibration_run(rubric_id=rubric.pk)

    assert (run.status, run.n_ratings, run.n_applications, run.n_reviewers) == (
        "succeeded",
        8,
        2,
        2,
    )
    assert sorted(run.reviewers.values_list("reviewer__username", "n_ratings", "mean")) == [
        ("grace", 5, 3.2),
        ("katherine", 3, 2.3333),
    ]


@pytest.mark.django_db
def test_import_never_scores_criteria_outside_the_applications_rubric(tmp_path, reviewers):
    old = service_rubric()
    application = ApplicationFactory(
        rubric=old, candidate=CandidateFactory(email="ada@example.net")
    )
    Rubric.objects.filter(pk=old.pk).update(state=Rubric.State.RETIRED)
    new = service_rubric(posting=old.posting, version=2)

    with contextlib.suppress(CommandError):  # refusing the file is one right answer
        import_file(write(tmp_path, GOOD), new, "--no-progress")

    assert (
        not CriterionScore.objects.filter(scorecard__application=application)
        .exclude(criterion__rubric=F("scorecard__application__rubric"))
        .exists()
    )


# --- import_ratings as a process -----------------------------------------------------------


@pytest.fixture(scope="module")
def process_db(tmp_path_factory):
    """A database of its own for `manage.py` processes (they cannot see the
    test's transaction): migrated, with a published rubric of the service
    titles and Grace, a reviewer."""
    path = tmp_path_factory.mktemp("process-db") / "db.sqlite3"
    env = {"DATABASE_URL": f"sqlite:///{path}"}
    migrated = manage("migrate", "--verbosity", "0", env_extra=env)
    assert migrated.returncode == 0, migrated.stderr
    made = manage(
        "shell",
        "--no-imports",
        "-c",
        "from tests.factories import ReviewerFactory\n"
        "from tests.calibration.test_commands import service_rubric\n"
        "ReviewerFactory(username='grace')\n"
        "print(service_rubric().posting_id)\n",
        env_extra=env,
    )
    assert made.returncode == 0, made.stderr
    return env, int(made.stdout.strip().splitlines()[-1])


def test_import_as_a_process_exits_1_and_names_every_bad_line(tmp_path, process_db):
    env, posting_id = process_db
    path = write(tmp_path, BAD)

    result = manage("import_ratings", str(path), "--posting", str(posting_id), env_extra=env)

    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert [line for line in lines if line.startswith("line ")] == BAD_LINES
    assert lines[-1] == f"CommandError: 8 bad line(s) in {path}; nothing was imported."


def test_import_as_a_process_of_an_unknown_posting_exits_1(tmp_path, process_db):
    env, _posting_id = process_db

    result = manage(
        "import_ratings", str(write(tmp_path, GOOD)), "--posting", "999999", env_extra=env
    )

    assert result.returncode == 1
    assert result.stderr.strip() == "CommandError: No posting has id 999999."


def test_import_as_a_process_writes_its_progress_to_stderr(tmp_path, process_db):
    env, posting_id = process_db
    path = write(
        tmp_path,
        "candidate,reviewer,criterion,value,date\n"
        "process@example.net,grace@example.org,Certification,3,2025-01-10\n"
        "process@example.net,grace@example.org,Experience,2,2025-01-10\n",
    )

    result = manage("import_ratings", str(path), "--posting", str(posting_id), env_extra=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Imported 2 ratings in 1 scorecards (1 new candidates)")
    assert "Checking" in result.stderr and "Importing" in result.stderr
    assert "Checking" not in result.stdout
