"""Calibration runs over REST (`/api/v1/calibration-runs/`) and in the admin
(the run list, the run page with its tables and charts, "Start a run"), and
the severity-adjusted score in both rankings."""

from html.parser import HTMLParser
from types import SimpleNamespace
from unittest import mock

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from calibration.models import CalibrationRun
from calibration.services import calibration_run
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    published_rubric,
    rubric_with_criteria,
    submit_scores,
)
from tests.support import messages_of

pytestmark = pytest.mark.django_db

RUNS = "/api/v1/calibration-runs/"
RECRUITERS_ONLY = {"detail": "Only recruiters may do this.", "code": "permission_denied"}
RUN_FIELDS = [
    "id",
    "rubric",
    "status",
    "trigger",
    "task_id",
    "progress",
    "progress_message",
    "created_at",
    "started_at",
    "finished_at",
    "n_ratings",
    "n_applications",
    "n_reviewers",
    "agreement",
    "error",
]
CHANGELIST = reverse("admin:calibration_calibrationrun_changelist")
START = reverse("admin:calibration_calibrationrun_start")
RANKING = reverse("admin:screening_application_ranking")


def run_page(run) -> str:
    return reverse("admin:calibration_calibrationrun_change", args=[run.pk])


def chart(run, kind: str, fmt: str = "png") -> str:
    return reverse("admin:calibration_calibrationrun_chart", args=[run.pk, kind, fmt])


def submit(application, reviewer, criteria, values, recommendation=3):
    assignment = ReviewAssignmentFactory(application=application, reviewer=reviewer)
    return submit_scores(assignment, dict(zip(criteria, values, strict=True)), recommendation)


@pytest.fixture
def world():
    """A published 1–4 rubric scored by three reviewers on 30 applications:
    Ada scores each application's quality (1–3) on every criterion, Ben now
    and then one level nearer the middle, Cleo one level higher than Ada
    (flagged lenient). Xavier (3s from Ada and Ben) and Yusuf (3s from Ada,
    4s from Cleo) are equally good; only Yusuf drew the lenient reviewer."""
    rubric = published_rubric()
    criteria = list(rubric.criteria.order_by("order", "id"))
    ada, ben, cleo = (
        ReviewerFactory(username=name, first_name=name.title(), last_name="Tester")
        for name in ("ada", "ben", "cleo")
    )
    for i in range(30):
        application = ApplicationFactory(rubric=rubric)
        base = [1 + i % 3] * 3
        submit(application, ada, criteria, base)
        nearer_middle = 2 if i % 2 == 0 and base[0] != 2 else base[0]
        submit(application, ben, criteria, [nearer_middle, *base[1:]])
        submit(application, cleo, criteria, [v + 1 for v in base])
    xavier = ApplicationFactory(rubric=rubric, candidate=CandidateFactory(full_name="Xavier"))
    yusuf = ApplicationFactory(rubric=rubric, candidate=CandidateFactory(full_name="Yusuf"))
    submit(xavier, ada, criteria, [3, 3, 3])
    submit(xavier, ben, criteria, [3, 3, 3])
    submit(yusuf, ada, criteria, [3, 3, 3])
    submit(yusuf, cleo, criteria, [4, 4, 4])
    return SimpleNamespace(
        rubric=rubric,
        criteria=criteria,
        ada=ada,
        ben=ben,
        cleo=cleo,
        xavier=xavier,
        yusuf=yusuf,
    )


@pytest.fixture
def run(world):
    return calibration_run(rubric_id=world.rubric.pk)


# --- API: list and detail ------------------------------------------------------------


def test_list_returns_runs_newest_first_with_their_fields(recruiter_api, world, run):
    older = CalibrationRun.objects.create(rubric=world.rubric, status="failed", error="boom")
    CalibrationRun.objects.filter(pk=older.pk).update(created_at=run.created_at.replace(year=2020))

    response = recruiter_api.get(RUNS)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [r["id"] for r in body["results"]] == [run.pk, older.pk]
    first = body["results"][0]
    assert list(first) == RUN_FIELDS
    assert {k: first[k] for k in ("rubric", "status", "trigger", "progress", "error")} == {
        "rubric": world.rubric.pk,
        "status": "succeeded",
        "trigger": "manual",
        "progress": 100,
        "error": "",
    }
    assert (first["n_ratings"], first["n_applications"], first["n_reviewers"]) == (282, 32, 3)


def test_list_filters_by_status(recruiter_api, world, run):
    failed = CalibrationRun.objects.create(rubric=world.rubric, status="failed")

    response = recruiter_api.get(RUNS, {"status": "failed"})

    assert [r["id"] for r in response.json()["results"]] == [failed.pk]


def test_list_filters_by_rubric(recruiter_api, world, run):
    CalibrationRun.objects.create(rubric=published_rubric(), status="succeeded")

    response = recruiter_api.get(RUNS, {"rubric": world.rubric.pk})

    assert [r["id"] for r in response.json()["results"]] == [run.pk]


def test_detail_nests_reviewers_and_criteria(recruiter_api, world, run):
    response = recruiter_api.get(f"{RUNS}{run.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert list(body) == [*RUN_FIELDS, "reviewers", "criteria"]
    assert body["agreement"]["n_raters"] == 3
    cleo = body["reviewers"][0]  # flagged reviewers first
    assert cleo == {
        "reviewer": world.cleo.pk,
        "reviewer_name": "Cleo Tester",
        "n_ratings": 93,
        "n_applications": 31,
        "mean": run.reviewers.get(reviewer=world.cleo).mean,
        "severity": run.reviewers.get(reviewer=world.cleo).severity,
        "severity_se": run.reviewers.get(reviewer=world.cleo).severity_se,
        "agreement_with_consensus": run.reviewers.get(reviewer=world.cleo).agreement_with_consensus,
        "drift": run.reviewers.get(reviewer=world.cleo).drift,
        "distribution": [0, 30, 30, 33],
        "flagged": True,
        "flag_reason": run.reviewers.get(reviewer=world.cleo).flag_reason,
    }
    assert cleo["severity"] == pytest.approx(2 / 3, abs=1e-4)
    assert cleo["flag_reason"].startswith("Lenient: scores 0.67 points above the consensus")
    assert sorted((r["reviewer_name"], r["flagged"]) for r in body["reviewers"]) == [
        ("Ada Tester", False),
        ("Ben Tester", False),
        ("Cleo Tester", True),
    ]


def test_detail_lists_criteria_in_rubric_order(recruiter_api, world, run):
    response = recruiter_api.get(f"{RUNS}{run.pk}/")

    criteria = response.json()["criteria"]
    assert [(c["criterion"], c["title"], c["n_ratings"]) for c in criteria] == [
        (c.pk, c.title, 94) for c in world.criteria
    ]
    assert list(criteria[0]) == [
        "criterion",
        "title",
        "n_ratings",
        "mean",
        "spread",
        "alpha_ordinal",
        "alpha_interval",
        "discrimination",
        "notes",
        "flagged",
        "flag_reason",
    ]


def test_detail_of_an_unknown_run_is_not_found(recruiter_api):
    response = recruiter_api.get(f"{RUNS}999999/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


@pytest.mark.parametrize("url", [RUNS, f"{RUNS}{{pk}}/", f"{RUNS}{{pk}}/status/"])
def test_reviewers_may_not_read_runs(reviewer_api, run, url):
    response = reviewer_api.get(url.format(pk=run.pk))

    assert response.status_code == 403
    assert response.json() == RECRUITERS_ONLY


@pytest.mark.parametrize("url", [RUNS, f"{RUNS}{{pk}}/", f"{RUNS}{{pk}}/status/"])
def test_anonymous_may_not_read_runs(api_client, run, url):
    response = api_client.get(url.format(pk=run.pk))

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
    }


def test_reviewers_may_not_start_a_run(reviewer_api, world):
    response = reviewer_api.post(RUNS, {"rubric": world.rubric.pk})

    assert response.status_code == 403
    assert response.json() == RECRUITERS_ONLY
    assert not CalibrationRun.objects.exists()


@pytest.mark.parametrize("runs", [3, 30])
def test_list_query_count_does_not_grow_with_runs(
    recruiter_api, django_assert_max_num_queries, runs
):
    rubric = published_rubric()
    CalibrationRun.objects.bulk_create(
        CalibrationRun(rubric=rubric, status="succeeded", agreement={"n_units": i})
        for i in range(runs)
    )

    # session, user, recruiter check, count, page
    with django_assert_max_num_queries(5):
        response = recruiter_api.get(RUNS, {"page_size": 30})

    assert len(response.json()["results"]) == runs


# --- API: starting a run ---------------------------------------------------------------


def test_post_answers_202_with_the_task_id_and_a_status_url(
    recruiter_api, recruiter, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = recruiter_api.post(RUNS, {"rubric": world.rubric.pk})

    assert response.status_code == 202
    body = response.json()
    run = CalibrationRun.objects.get()
    assert list(body) == [*RUN_FIELDS, "status_url"]
    assert (body["id"], body["rubric"], body["status"], body["trigger"]) == (
        run.pk,
        world.rubric.pk,
        "queued",
        "manual",
    )
    assert body["task_id"] == run.task_id != ""
    assert body["status_url"] == f"http://testserver{RUNS}{run.pk}/status/"
    assert run.requested_by == recruiter


def test_post_runs_the_calibration_after_commit(
    recruiter_api, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = recruiter_api.post(RUNS, {"rubric": world.rubric.pk})

    run = CalibrationRun.objects.get(pk=response.json()["id"])
    assert (run.status, run.n_ratings, run.n_reviewers) == ("succeeded", 282, 3)
    assert run.task_id == response.json()["task_id"]


def test_post_sends_nothing_before_commit(recruiter_api, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        recruiter_api.post(RUNS, {"rubric": world.rubric.pk})

    assert len(callbacks) == 1
    assert CalibrationRun.objects.get().status == "queued"


def test_post_on_a_retired_rubric_is_accepted(recruiter_api, django_capture_on_commit_callbacks):
    retired = rubric_with_criteria(state="retired")

    with django_capture_on_commit_callbacks(execute=True):
        response = recruiter_api.post(RUNS, {"rubric": retired.pk})

    assert response.status_code == 202
    assert CalibrationRun.objects.get().status == "succeeded"


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (
            "draft",
            {"rubric": ["A draft rubric has no ratings to calibrate."], "code": "invalid"},
        ),
        (999999, {"rubric": ["No such rubric."], "code": "invalid"}),
        ("seven", {"rubric": ["A valid integer is required."], "code": "invalid"}),
        (None, {"rubric": ["This field is required."], "code": "invalid"}),
    ],
)
def test_post_with_a_bad_rubric_is_a_field_error(recruiter_api, payload, expected):
    if payload == "draft":
        payload = rubric_with_criteria().pk
    data = {} if payload is None else {"rubric": payload}

    response = recruiter_api.post(RUNS, data)

    assert response.status_code == 400
    assert response.json() == expected
    assert not CalibrationRun.objects.exists()


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_runs_cannot_be_changed_or_deleted(recruiter_api, run, method):
    response = getattr(recruiter_api, method)(f"{RUNS}{run.pk}/", {})

    assert response.status_code == 405
    assert CalibrationRun.objects.filter(pk=run.pk, status="succeeded").exists()


# --- API: status -------------------------------------------------------------------------


def test_status_reports_the_runs_progress(recruiter_api, world, settings):
    settings.BROKER_CONFIGURED = False
    running = CalibrationRun.objects.create(
        rubric=world.rubric,
        status="running",
        progress=35,
        progress_message="Fitting 282 ratings",
        task_id="abc-123",
    )

    response = recruiter_api.get(f"{RUNS}{running.pk}/status/")

    assert response.status_code == 200
    assert response.json() == {
        "run": running.pk,
        "status": "running",
        "progress": 35,
        "message": "Fitting 282 ratings",
        "task_id": "abc-123",
        "task_state": None,
    }


def test_status_asks_the_broker_for_the_task_state_when_there_is_one(
    recruiter_api, world, settings
):
    settings.BROKER_CONFIGURED = True
    queued = CalibrationRun.objects.create(rubric=world.rubric, task_id="abc-123")

    with mock.patch("calibration.api.views.AsyncResult") as result:
        result.return_value.state = "PROGRESS"
        response = recruiter_api.get(f"{RUNS}{queued.pk}/status/")

    result.assert_called_once_with("abc-123")
    assert (response.json()["status"], response.json()["task_state"]) == ("queued", "PROGRESS")


def test_status_of_a_finished_run(recruiter_api, run, settings):
    settings.BROKER_CONFIGURED = False

    response = recruiter_api.get(f"{RUNS}{run.pk}/status/")

    assert response.json() == {
        "run": run.pk,
        "status": "succeeded",
        "progress": 100,
        "message": "Done",
        "task_id": "",
        "task_state": None,
    }


# --- API: ranking ------------------------------------------------------------------------


def ranking_url(world) -> str:
    return f"/api/v1/postings/{world.rubric.posting_id}/ranking/"


def test_ranking_has_adjusted_score_none_before_a_run(recruiter_api, world):
    response = recruiter_api.get(ranking_url(world))

    rows = {r["candidate_name"]: r for r in response.json()}
    assert (rows["Xavier"]["score"], rows["Xavier"]["adjusted_score"]) == (66.67, None)
    assert (rows["Yusuf"]["score"], rows["Yusuf"]["adjusted_score"]) == (83.33, None)


def test_ranking_includes_the_adjusted_score(recruiter_api, world, run):
    response = recruiter_api.get(ranking_url(world))

    rows = {r["candidate_name"]: r for r in response.json()}
    assert (rows["Xavier"]["score"], rows["Xavier"]["adjusted_score"]) == (66.67, 77.78)
    assert (rows["Yusuf"]["score"], rows["Yusuf"]["adjusted_score"]) == (83.33, 77.78)


def test_ranking_orders_by_adjusted_score(recruiter_api, world, run):
    response = recruiter_api.get(ranking_url(world), {"order": "adjusted"})

    adjusted = [r["adjusted_score"] for r in response.json()]
    assert adjusted == sorted(adjusted, reverse=True)
    assert [r["rank"] for r in response.json()] == list(range(1, 33))
    # By raw score Yusuf is above Xavier; adjusted, they tie and the name decides.
    names = [r["candidate_name"] for r in response.json()]
    assert names.index("Xavier") + 1 == names.index("Yusuf")


def test_ranking_orders_by_adjusted_score_ascending(recruiter_api, world, run):
    response = recruiter_api.get(ranking_url(world), {"order": "-adjusted"})

    adjusted = [r["adjusted_score"] for r in response.json()]
    assert adjusted == sorted(adjusted)


def test_ranking_csv_has_the_adjusted_score(recruiter_api, world, run):
    response = recruiter_api.get(ranking_url(world), {"format": "csv", "order": "name"})

    lines = response.content.decode().splitlines()
    assert lines[0].split(",")[6:8] == ["score", "adjusted_score"]
    xavier = next(line for line in lines if ",Xavier," in line)
    assert xavier.split(",")[6:8] == ["66.67", "77.78"]


def test_schema_documents_ordering_the_ranking_by_adjusted_score(recruiter_api):
    schema = recruiter_api.get("/api/schema/", {"format": "json"}).json()

    parameters = schema["paths"]["/api/v1/postings/{id}/ranking/"]["get"]["parameters"]
    order = next(p for p in parameters if p["name"] == "order")
    assert {"adjusted", "-adjusted"} <= set(order["schema"]["enum"])


# --- Admin: HTML helpers -----------------------------------------------------------------


class _Tables(HTMLParser):
    """Rows of each table with an id: (the row's class, the cells' text)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[tuple[str, list[str]]]] = {}
        self.images: list[dict] = []
        self._table = None
        self._row = None
        self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id"):
            self._table = attrs["id"]
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self._row = (attrs.get("class") or "", [])
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "img":
            self.images.append(attrs)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row[1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def parsed(response) -> _Tables:
    parser = _Tables()
    parser.feed(response.content.decode())
    return parser


# --- Admin: the run list and the run page ------------------------------------------------


def test_changelist_lists_runs_with_status_and_flagged_reviewers(recruiter_client, run):
    response = recruiter_client.get(CHANGELIST)

    assert response.status_code == 200
    assertContains(response, f'<a href="{START}" class="addlink">Start a run</a>', html=True)
    assert [r.pk for r in response.context["cl"].result_list] == [run.pk]
    assert response.context["cl"].result_list[0].flagged_count == 1
    assertContains(response, '<td class="field-flagged_reviewers">1</td>', html=True)
    assertContains(response, '<td class="field-progress_display">Succeeded</td>', html=True)


def test_changelist_shows_a_running_runs_progress(recruiter_client, world):
    CalibrationRun.objects.create(
        rubric=world.rubric, status="running", progress=35, progress_message="Fitting"
    )

    response = recruiter_client.get(CHANGELIST)

    assertContains(response, '<td class="field-progress_display">35% · Fitting</td>', html=True)


def test_changelist_has_no_add_button(recruiter_client, run):
    response = recruiter_client.get(CHANGELIST)

    assertNotContains(response, reverse("admin:calibration_calibrationrun_add"))


def _changelist_queries(django_assert_max_num_queries, client, budget) -> int:
    client.get(CHANGELIST)  # fills the content-type cache
    with django_assert_max_num_queries(budget) as captured:
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    return len(captured)


def test_changelist_query_count_does_not_grow_with_runs(
    recruiter_client, django_assert_max_num_queries
):
    rubric = published_rubric()

    def runs(n):
        CalibrationRun.objects.bulk_create(
            CalibrationRun(rubric=rubric, status="succeeded") for _ in range(n)
        )

    runs(3)
    # session, user, 2 permissions, filter choices (postings), count, full count, rows
    few = _changelist_queries(django_assert_max_num_queries, recruiter_client, 8)
    runs(27)
    many = _changelist_queries(django_assert_max_num_queries, recruiter_client, 8)

    assert few == many


def test_run_page_has_the_reviewers_table_with_the_lenient_reviewer_flagged(
    recruiter_client, world, run
):
    response = recruiter_client.get(run_page(run))

    assert response.status_code == 200
    rows = parsed(response).tables["reviewers"]
    assert rows[0] == (
        "",
        [
            "Reviewer",
            "Ratings",
            "Mean",
            "Severity ± SE",
            "Agreement with consensus",
            "Drift / 30 days",
            "Flag",
        ],
    )
    cleo = run.reviewers.get(reviewer=world.cleo)
    assert rows[1] == (
        "flagged",
        [
            "Cleo Tester",
            "93",
            f"{cleo.mean:.2f}",
            f"0.67 ± {cleo.severity_se:.2f}",
            f"{cleo.agreement_with_consensus:.2f}",
            "—" if cleo.drift is None else f"{cleo.drift:.2f}",
            cleo.flag_reason,
        ],
    )
    assert sorted((cls, cells[0]) for cls, cells in rows[2:]) == [
        ("", "Ada Tester"),
        ("", "Ben Tester"),
    ]


def test_run_page_has_the_criteria_table(recruiter_client, world, run):
    response = recruiter_client.get(run_page(run))

    rows = parsed(response).tables["criteria"]
    assert rows[0][1] == [
        "Criterion",
        "Ratings",
        "Mean",
        "Spread (SD)",
        "Alpha (ordinal)",
        "Alpha (interval)",
        "Discrimination",
        "Flag",
    ]
    stored = {c.criterion_id: c for c in run.criteria.all()}
    assert [(cls, cells[:2] + cells[4:6] + cells[7:]) for cls, cells in rows[1:]] == [
        (
            "flagged" if stored[c.pk].flagged else "",
            [
                c.title,
                "94",
                f"{stored[c.pk].alpha_ordinal:.3f}",
                f"{stored[c.pk].alpha_interval:.3f}",
                stored[c.pk].flag_reason,
            ],
        )
        for c in world.criteria
    ]


def test_run_page_marks_a_flagged_criterion(recruiter_client, world, run):
    run.criteria.filter(criterion=world.criteria[0]).update(
        flagged=True, flag_reason="criterion x: interval alpha 0.100 is below 0.667"
    )
    run.criteria.exclude(criterion=world.criteria[0]).update(flagged=False, flag_reason="")

    response = recruiter_client.get(run_page(run))

    rows = parsed(response).tables["criteria"][1:]
    assert [(cls, cells[0], cells[-1]) for cls, cells in rows] == [
        ("flagged", world.criteria[0].title, "criterion x: interval alpha 0.100 is below 0.667"),
        ("", world.criteria[1].title, ""),
        ("", world.criteria[2].title, ""),
    ]


def test_run_page_has_the_agreement_table(recruiter_client, run):
    response = recruiter_client.get(run_page(run))

    rows = {cells[0]: cells[1] for _cls, cells in parsed(response).tables["agreement"]}
    assert rows["n_units"] == "32"
    assert rows["n_raters"] == "3"
    assert rows["n_ratings"] == "282"
    assert rows["cohen_kappa"] == "—"
    assert "notes" not in rows
    assertContains(
        response,
        "<li>cohen_kappa: Cohen's kappa compares exactly two raters; "
        "these ratings come from 3</li>",
        html=True,
    )


def test_run_page_shows_the_three_charts(recruiter_client, run):
    response = recruiter_client.get(run_page(run))

    images = [(i["alt"], i["src"]) for i in parsed(response).images if "/chart/" in i["src"]]
    assert images == [
        ("Reviewer severity", chart(run, "severity")),
        ("Score distribution per reviewer", chart(run, "distribution")),
        ("Agreement per criterion", chart(run, "agreement")),
    ]


def test_run_page_links_to_the_ranking(recruiter_client, world, run):
    response = recruiter_client.get(run_page(run))

    assertContains(response, f'href="{RANKING}?posting={world.rubric.posting_id}"')


@pytest.mark.parametrize("status", ["queued", "running"])
def test_an_unfinished_run_page_refreshes_itself_with_a_progress_bar(
    recruiter_client, world, status
):
    unfinished = CalibrationRun.objects.create(
        rubric=world.rubric, status=status, progress=35, progress_message="Fitting 282 ratings"
    )

    response = recruiter_client.get(run_page(unfinished))

    assertContains(response, '<meta http-equiv="refresh" content="3">', html=True)
    assertContains(
        response,
        '<span class="progress"><span style="width: 35%"></span></span>',
        html=True,
    )
    assertContains(response, "35% Fitting 282 ratings")
    assert "reviewers" not in parsed(response).tables


def test_a_finished_run_page_does_not_refresh(recruiter_client, run):
    response = recruiter_client.get(run_page(run))

    assertNotContains(response, 'http-equiv="refresh"')
    assertNotContains(response, 'class="progress"')


def test_a_failed_run_page_shows_the_error(recruiter_client, world):
    failed = CalibrationRun.objects.create(
        rubric=world.rubric, status="failed", error="ValueError: matrix is singular"
    )

    response = recruiter_client.get(run_page(failed))

    assertContains(response, '<p class="errornote">ValueError: matrix is singular</p>', html=True)
    assertNotContains(response, 'http-equiv="refresh"')


# --- Admin: charts -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["severity", "distribution", "agreement"])
def test_chart_is_a_png(recruiter_client, run, kind):
    response = recruiter_client.get(chart(run, kind, "png"))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize("kind", ["severity", "distribution", "agreement"])
def test_chart_is_an_svg(recruiter_client, run, kind):
    response = recruiter_client.get(chart(run, kind, "svg"))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content[:2000]


@pytest.mark.parametrize("kind", ["severity", "distribution", "agreement"])
def test_chart_of_a_run_without_ratings_is_still_an_image(recruiter_client, kind):
    empty = calibration_run(rubric_id=published_rubric().pk)

    response = recruiter_client.get(chart(empty, kind, "png"))

    assert response.status_code == 200
    assert response.content.startswith(b"\x89PNG")


@pytest.mark.parametrize(("kind", "fmt"), [("histogram", "png"), ("severity", "gif")])
def test_unknown_chart_is_not_found(recruiter_client, run, kind, fmt):
    response = recruiter_client.get(chart(run, kind, fmt))

    assert response.status_code == 404


def test_chart_of_an_unknown_run_is_not_found(recruiter_client, run):
    response = recruiter_client.get(
        reverse("admin:calibration_calibrationrun_chart", args=[999999, "severity", "png"])
    )

    assert response.status_code == 404


# --- Admin: starting a run ------------------------------------------------------------------


def test_start_page_lists_published_rubrics_only(recruiter_client, world):
    draft = rubric_with_criteria()
    retired = rubric_with_criteria(state="retired")

    response = recruiter_client.get(START)

    assert response.status_code == 200
    assert [r.pk for r in response.context["rubrics"]] == [world.rubric.pk]
    assertContains(response, f'<input type="hidden" name="rubric" value="{world.rubric.pk}">')
    assertNotContains(response, f'name="rubric" value="{draft.pk}"')
    assertNotContains(response, f'name="rubric" value="{retired.pk}"')
    assertContains(response, f"<td>{world.rubric.posting.title}</td>", html=True)
    assertContains(response, "<td>32</td>", html=True)  # applications


def test_start_page_without_published_rubrics_says_so(recruiter_client):
    rubric_with_criteria()

    response = recruiter_client.get(START)

    assertContains(response, '<td colspan="4">No published rubric yet.</td>', html=True)


def test_start_queues_a_run_and_redirects_to_it(
    recruiter_client, recruiter, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = recruiter_client.post(START, {"rubric": world.rubric.pk})

    run = CalibrationRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == run_page(run)
    assert messages_of(response) == [("success", f"Calibration of {world.rubric} queued.")]
    assert (run.status, run.trigger, run.requested_by, run.n_ratings) == (
        "succeeded",
        "manual",
        recruiter,
        282,
    )


def test_start_for_a_draft_rubric_is_not_found(recruiter_client):
    draft = rubric_with_criteria()

    response = recruiter_client.post(START, {"rubric": draft.pk})

    assert response.status_code == 404
    assert not CalibrationRun.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_reviewers_may_not_start_a_run_in_the_admin(reviewer_client, world, method):
    response = getattr(reviewer_client, method)(START, {"rubric": world.rubric.pk})

    assert response.status_code == 403
    assert not CalibrationRun.objects.exists()


@pytest.mark.parametrize("kind", ["severity", "distribution", "agreement"])
def test_reviewers_may_not_see_charts(reviewer_client, run, kind):
    response = reviewer_client.get(chart(run, kind))

    assert response.status_code == 403


@pytest.mark.parametrize("url", ["changelist", "run"])
def test_reviewers_may_not_see_runs_in_the_admin(reviewer_client, run, url):
    response = reviewer_client.get(CHANGELIST if url == "changelist" else run_page(run))

    assert response.status_code == 403


@pytest.mark.parametrize("url", ["changelist", "run", "chart"])
def test_recruiters_may_open_the_calibration_admin(recruiter_client, run, url):
    """Granted by migration 0008 (the Recruiter group had no permission on
    calibration runs before it)."""
    target = {"changelist": CHANGELIST, "run": run_page(run), "chart": chart(run, "severity")}

    response = recruiter_client.get(target[url])

    assert response.status_code == 200


# --- Admin: the ranking page ------------------------------------------------------------------


def ranking_cells(response) -> dict[str, list[str]]:
    """The admin ranking's rows by candidate name (the header row under "")."""
    rows = parsed(response).tables["ranking"]
    return {"": rows[0][1], **{cells[1]: cells for _cls, cells in rows[1:]}}


def test_admin_ranking_has_an_adjusted_column_next_to_the_score(recruiter_client, world, run):
    response = recruiter_client.get(RANKING, {"posting": world.rubric.posting_id})

    assert response.status_code == 200
    rows = ranking_cells(response)
    assert rows[""][4:6] == ["Score", "Adjusted"]
    assert rows["Xavier"][4:6] == ["66.7", "77.8"]
    assert rows["Yusuf"][4:6] == ["83.3", "77.8"]


def test_admin_ranking_adjusted_header_sorts_by_adjusted_score(recruiter_client, world, run):
    response = recruiter_client.get(RANKING, {"posting": world.rubric.posting_id})

    assertContains(
        response,
        f'<a href="?posting={world.rubric.posting_id}&amp;stage=&amp;must_haves=&amp;'
        'order=adjusted" title="With each reviewer\'s severity taken out (latest '
        'calibration run)">Adjusted</a>',
        html=True,
    )


def test_admin_ranking_shows_a_dash_before_any_run(recruiter_client, world):
    response = recruiter_client.get(RANKING, {"posting": world.rubric.posting_id})

    rows = ranking_cells(response)
    assert {cells[5] for name, cells in rows.items() if name} == {"—"}


def test_admin_ranking_orders_by_adjusted_score(recruiter_client, world, run):
    response = recruiter_client.get(
        RANKING, {"posting": world.rubric.posting_id, "order": "adjusted"}
    )

    adjusted = [row.adjusted_score for row in response.context["page"].object_list]
    assert adjusted == sorted(adjusted, reverse=True)
    # The header now offers the reverse order.
    assertContains(
        response,
        f'<a href="?posting={world.rubric.posting_id}&amp;stage=&amp;must_haves=&amp;'
        'order=-adjusted" title="With each reviewer\'s severity taken out (latest '
        'calibration run)">Adjusted</a>',
        html=True,
    )
