"""The posting ranking in the screening API, as JSON and as CSV."""

import csv
import io
from types import SimpleNamespace

import pytest

from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    submit_scores,
)
from tests.screening.api.support import APPLICATIONS

pytestmark = pytest.mark.django_db


# The JSON rows also say whether the viewer is still scoring the application ("blind").
RANKING_COLUMNS = [
    "rank",
    "application",
    "candidate",
    "candidate_name",
    "stage",
    "rubric_version",
    "score",
    "adjusted_score",
    "passes_must_haves",
    "failed_must_haves",
    "submitted",
    "pending",
    "strong_no",
    "no",
    "yes",
    "strong_yes",
]


# --- Ranking ------------------------------------------------------------------------


@pytest.fixture
def ranking(rubric, criteria, recruiter_api):
    """Three applications of one posting, by hand:

    - Ada (screening): Grace 4/3/–, Strong yes; Katherine 3/2/2, Yes. Consensus
      3.5, 2.5, 1.5 → 37.5·2.5/3 + 37.5·1.5/3 + 25·0.5/3 = 54.17; passes.
    - Charles (interview): Grace 1/4/4, No. Consensus 1, 4, 4 → 0 + 37.5 + 25
      = 62.5; fails Certification (1 is below its knockout level 2).
    - Dorothy (screening): one draft scorecard → no score yet.
    """
    c = criteria

    def application(name, stage="screening"):
        return ApplicationFactory(
            candidate=CandidateFactory(full_name=name), rubric=rubric, stage=stage
        )

    grace, katherine = ReviewerFactory(), ReviewerFactory()
    ada = application("Ada Lovelace")
    charles = application("Charles Babbage", "interview")
    dorothy = application("Dorothy Vaughan")
    submit_scores(
        ReviewAssignmentFactory(application=ada, reviewer=grace),
        {c.certification: 4, c.experience: 3, c.software: None},
        recommendation=4,
    )
    submit_scores(
        ReviewAssignmentFactory(application=ada, reviewer=katherine),
        {c.certification: 3, c.experience: 2, c.software: 2},
        recommendation=3,
    )
    submit_scores(
        ReviewAssignmentFactory(application=charles, reviewer=grace),
        {c.certification: 1, c.experience: 4, c.software: 4},
        recommendation=2,
    )
    ReviewAssignmentFactory(application=dorothy, reviewer=katherine)
    return SimpleNamespace(
        url=f"/api/v1/postings/{rubric.posting_id}/ranking/",
        ada=ada,
        charles=charles,
        dorothy=dorothy,
    )


def ranked(response) -> list[tuple]:
    return [(r["rank"], r["candidate_name"], r["score"]) for r in response.json()]


def test_ranking_rows_hold_score_must_haves_and_tally(recruiter_api, ranking):
    response = recruiter_api.get(ranking.url)

    assert response.status_code == 200
    assert response.json() == [
        {
            "rank": 1,
            "application": ranking.charles.pk,
            "candidate": ranking.charles.candidate_id,
            "candidate_name": "Charles Babbage",
            "stage": "interview",
            "rubric_version": 1,
            "score": 62.5,
            "adjusted_score": None,  # no calibration run yet
            "adjusted_group": None,
            "passes_must_haves": False,
            "failed_must_haves": ["Certification"],
            "submitted": 1,
            "pending": 0,
            "blind": False,
            "strong_no": 0,
            "no": 1,
            "yes": 0,
            "strong_yes": 0,
        },
        {
            "rank": 2,
            "application": ranking.ada.pk,
            "candidate": ranking.ada.candidate_id,
            "candidate_name": "Ada Lovelace",
            "stage": "screening",
            "rubric_version": 1,
            "score": 54.17,
            "adjusted_score": None,
            "adjusted_group": None,
            "passes_must_haves": True,
            "failed_must_haves": [],
            "submitted": 2,
            "pending": 0,
            "blind": False,
            "strong_no": 0,
            "no": 0,
            "yes": 1,
            "strong_yes": 1,
        },
        {
            "rank": 3,
            "application": ranking.dorothy.pk,
            "candidate": ranking.dorothy.candidate_id,
            "candidate_name": "Dorothy Vaughan",
            "stage": "screening",
            "rubric_version": 1,
            "score": None,
            "adjusted_score": None,
            "adjusted_group": None,
            "passes_must_haves": None,
            "failed_must_haves": [],
            "submitted": 0,
            "pending": 1,
            "blind": False,
            "strong_no": 0,
            "no": 0,
            "yes": 0,
            "strong_yes": 0,
        },
    ]


def test_ranking_score_matches_the_application_summary(recruiter_api, ranking):
    summary = recruiter_api.get(f"{APPLICATIONS}{ranking.ada.pk}/summary/").json()

    assert summary["score"] == pytest.approx(54.1666667)
    assert [(c["title"], c["value"]) for c in summary["consensus"]] == [
        ("Certification", 3.5),
        ("Experience", 2.5),
        ("Service software", 1.5),
    ]


def test_ranking_filters_by_stage(recruiter_api, ranking):
    response = recruiter_api.get(ranking.url, {"stage": "screening"})

    # Charles (interview) is filtered out; the others keep their places in the whole ranking.
    assert ranked(response) == [(2, "Ada Lovelace", 54.17), (3, "Dorothy Vaughan", None)]


@pytest.mark.parametrize(
    ("must_haves", "expected"),
    [
        ("pass", [(2, "Ada Lovelace", 54.17)]),
        ("fail", [(1, "Charles Babbage", 62.5)]),
        ("unscored", [(3, "Dorothy Vaughan", None)]),
    ],
)
def test_ranking_filters_by_must_have_result(recruiter_api, ranking, must_haves, expected):
    response = recruiter_api.get(ranking.url, {"must_haves": must_haves})

    assert ranked(response) == expected


def test_ranking_orders_by_name_keeping_each_rank(recruiter_api, ranking):
    response = recruiter_api.get(ranking.url, {"order": "name"})

    assert ranked(response) == [
        (2, "Ada Lovelace", 54.17),
        (1, "Charles Babbage", 62.5),
        (3, "Dorothy Vaughan", None),
    ]


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("-score", ["Charles Babbage", "Ada Lovelace", "Dorothy Vaughan"]),
        ("score", ["Ada Lovelace", "Charles Babbage", "Dorothy Vaughan"]),
        ("-name", ["Dorothy Vaughan", "Charles Babbage", "Ada Lovelace"]),
        ("-submitted", ["Ada Lovelace", "Charles Babbage", "Dorothy Vaughan"]),
        ("submitted", ["Dorothy Vaughan", "Charles Babbage", "Ada Lovelace"]),
        ("", ["Charles Babbage", "Ada Lovelace", "Dorothy Vaughan"]),
    ],
)
def test_ranking_order_follows_djangos_convention(recruiter_api, ranking, order, expected):
    response = recruiter_api.get(ranking.url, {"order": order})

    assert [name for _rank, name, _score in ranked(response)] == expected


def test_ranking_without_an_order_is_best_first(recruiter_api, ranking):
    response = recruiter_api.get(ranking.url)

    assert [rank for rank, _name, _score in ranked(response)] == [1, 2, 3]
    assert ranked(response)[0][1] == "Charles Babbage"


def test_ranking_csv_keeps_the_best_first_order_whatever_the_sort(recruiter_api, ranking):
    response = recruiter_api.get(ranking.url, {"format": "csv", "order": "name"})

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert [(row[0], row[3]) for row in rows[1:]] == [
        ("1", "Charles Babbage"),
        ("2", "Ada Lovelace"),
        ("3", "Dorothy Vaughan"),
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"stage": "archived"}, {"stage": ["“archived” is not a stage."], "code": "invalid"}),
        (
            {"must_haves": "maybe"},
            {"must_haves": ["Choose pass, fail or unscored."], "code": "invalid"},
        ),
        (
            {"order": "best"},
            {
                "order": [
                    "Choose one of score, -score, adjusted, -adjusted, name, -name, "
                    "submitted, -submitted, stage, -stage."
                ],
                "code": "invalid",
            },
        ),
    ],
)
def test_ranking_with_a_bad_filter_is_a_field_error(recruiter_api, ranking, params, expected):
    response = recruiter_api.get(ranking.url, params)

    assert response.status_code == 400
    assert response.json() == expected


def test_ranking_of_an_unknown_posting_is_not_found(recruiter_api):
    response = recruiter_api.get("/api/v1/postings/999999/ranking/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_ranking_csv_is_an_attachment(recruiter_api, ranking, rubric):
    response = recruiter_api.get(ranking.url, {"format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="ranking-posting-{rubric.posting_id}.csv"'
    )


def test_ranking_csv_has_a_header_and_one_row_per_application(recruiter_api, ranking):
    response = recruiter_api.get(ranking.url, {"format": "csv"})

    lines = response.content.decode().splitlines()
    assert lines == [
        ",".join(RANKING_COLUMNS),
        f"1,{ranking.charles.pk},{ranking.charles.candidate_id},Charles Babbage,interview,1,"
        "62.5,,False,Certification,1,0,0,1,0,0",
        f"2,{ranking.ada.pk},{ranking.ada.candidate_id},Ada Lovelace,screening,1,"
        "54.17,,True,,2,0,0,0,1,1",
        f"3,{ranking.dorothy.pk},{ranking.dorothy.candidate_id},Dorothy Vaughan,screening,1,"
        ",,,,0,1,0,0,0,0",
    ]


def test_ranking_csv_defuses_a_name_that_looks_like_a_formula(recruiter_api, rubric):
    ApplicationFactory(candidate=CandidateFactory(full_name="=HYPERLINK(1)"), rubric=rubric)

    response = recruiter_api.get(
        f"/api/v1/postings/{rubric.posting_id}/ranking/", {"format": "csv"}
    )

    assert response.content.decode().splitlines()[1].split(",")[3] == "'=HYPERLINK(1)"


def test_ranking_csv_of_a_posting_without_applications_still_has_the_header(recruiter_api, rubric):
    response = recruiter_api.get(
        f"/api/v1/postings/{rubric.posting_id}/ranking/", {"format": "csv"}
    )

    assert response.content.decode().splitlines() == [",".join(RANKING_COLUMNS)]
