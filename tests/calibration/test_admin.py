"""Calibration runs in the admin: the run list, the run page with its tables and
charts, "Start a run", and the severity-adjusted score in the admin's ranking."""

import html
import json
import re
from html.parser import HTMLParser
from unittest import mock

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from calibration.models import CalibrationRun
from calibration.services import calibration_run
from tests.factories import (
    ApplicationFactory,
    ReviewerFactory,
    assign_and_submit,
    published_rubric,
    rubric_with_criteria,
)
from tests.support import messages_of

pytestmark = pytest.mark.django_db


CHANGELIST = reverse("admin:calibration_calibrationrun_changelist")


START = reverse("admin:calibration_calibrationrun_start")


RANKING = reverse("admin:screening_application_ranking")


def run_page(run) -> str:
    return reverse("admin:calibration_calibrationrun_change", args=[run.pk])


def chart(run, kind: str, fmt: str = "png") -> str:
    return reverse("admin:calibration_calibrationrun_chart", args=[run.pk, kind, fmt])


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
    # Cleo leans; this world's too-regular scores make the fit diagnostics flag
    # Ada and Ben too (muted, erratic).
    assert response.context["cl"].result_list[0].flagged_count == 3
    assertContains(response, '<td class="field-flagged_reviewers">3</td>', html=True)
    assertContains(response, '<td class="field-method">Linear (scale points)</td>', html=True)
    assertContains(response, '<td class="field-status">Succeeded</td>', html=True)
    # The status is said once: no progress for a finished run.
    assertContains(response, '<td class="field-progress_display">—</td>', html=True)
    assertNotContains(response, "<progress")


def test_changelist_shows_a_progress_bar_only_while_a_run_works(recruiter_client, world):
    CalibrationRun.objects.create(
        rubric=world.rubric, status="running", progress=35, progress_message="Fitting"
    )
    CalibrationRun.objects.create(rubric=world.rubric, status="queued")

    response = recruiter_client.get(CHANGELIST)

    assertContains(
        response,
        '<td class="field-progress_display"><progress value="35" max="100" title="Fitting">'
        "35%</progress> 35%</td>",
        html=True,
    )
    assertContains(response, '<td class="field-progress_display">—</td>', count=1, html=True)


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
            "Scorecards",
            "Leniency",
            "Fit",
            "Halo",
            "Middle",
            "Range",
            "Agreement",
            "Trend / 30 days",
            "Flags",
        ],
    )
    cleo = run.reviewers.get(reviewer=world.cleo)
    by_name = {cells[0]: (cls, cells) for cls, cells in rows[1:]}
    low = cleo.severity_shrunk - 1.96 * cleo.severity_sd_shrunk
    high = cleo.severity_shrunk + 1.96 * cleo.severity_sd_shrunk
    assert by_name["Cleo Tester"] == (
        "flagged",
        [
            "Cleo Tester",
            "31",
            # The shrunk estimate with its 95% interval is the main figure.
            f"+{cleo.severity_shrunk:.2f} lenient ({low:.2f} to {high:.2f})",
            f"{cleo.infit:.2f} / {cleo.outfit:.2f}",
            f"{cleo.halo:.2f}",
            f"{cleo.central_tendency:.2f}",
            f"{cleo.range_ratio:.2f}",
            f"{cleo.agreement_with_consensus:.2f}",
            "—",
            # A word per flag; the sentences and what to do are in the summary.
            "Lenient · Too predictable",
        ],
    )
    assertContains(response, f'<span class="flag" title="{cleo.flag_reason}">')
    assert sorted((cells[0], cells[2][:12]) for _cls, cells in rows[1:3]) == [
        ("Ada Tester", "\u22120.33 severe"),
        ("Ben Tester", "\u22120.33 severe"),
    ]
    assertContains(response, '<td class="num off">', count=3)


def test_run_page_columns_explain_themselves(recruiter_client, run):
    response = recruiter_client.get(run_page(run))

    assertContains(
        response,
        '<abbr title="Severity from the rater-effects model (score = candidate + reviewer + '
        "criterion + noise, in scale points), shrunk by empirical Bayes, with its 95% "
        'interval">Leniency</abbr>',
        html=True,
    )
    assertContains(
        response,
        '<abbr title="Infit / outfit mean-squares of the standardised residuals: above 1.5 is '
        'erratic, both below 0.5 too predictable">Fit</abbr>',
        html=True,
    )
    assertContains(response, 'flagged above 1.5">Halo</abbr>')
    assertContains(response, 'flagged below 0.6">Range</abbr>')
    assertContains(
        response,
        '<abbr title="Krippendorff\'s alpha, ordinal (levels as ranks)">Agreement (ordinal)</abbr>',
        html=True,
    )
    assertContains(response, "<dt>Leniency</dt>", html=True)
    assertContains(response, "Nobody is flagged with fewer than 5 scorecards.")
    assertContains(response, "No criterion is flagged until 20 applications")


def test_run_page_has_the_criteria_table(recruiter_client, world, run):
    response = recruiter_client.get(run_page(run))

    rows = parsed(response).tables["criteria"]
    assert rows[0][1] == [
        "Criterion",
        "Ratings",
        "Average level",
        "Spread",
        "Agreement (ordinal)",
        "Agreement (interval)",
        "Separates candidates",
        "Flag and what to do",
    ]
    stored = {c.criterion_id: c for c in run.criteria.all()}
    assert [(cls, cells[:2] + cells[4:6] + cells[7:]) for cls, cells in rows[1:]] == [
        (
            "flagged",
            [
                c.title,
                "94",
                f"{stored[c.pk].alpha_ordinal:.2f}",
                f"{stored[c.pk].alpha_interval:.2f} · poor",
                f"{stored[c.pk].flag_reason} Re-read the anchors of \u201c{c.title}\u201d "
                "together; consider splitting it if it asks about two things at once.",
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
    assert [(cls, cells[0], cells[-1][:48]) for cls, cells in rows] == [
        ("flagged", world.criteria[0].title, "criterion x: interval alpha 0.100 is below 0.667"),
        ("", world.criteria[1].title, ""),
        ("", world.criteria[2].title, ""),
    ]


def test_run_page_has_the_agreement_table(recruiter_client, run):
    response = recruiter_client.get(run_page(run))

    rows = [(cells[0], cells[1]) for _cls, cells in parsed(response).tables["agreement"]]
    # The per-criterion alphas' median and range first; the pooled alpha
    # (0.58 interval here) only in the raw numbers.
    assert rows == [
        ("Agreement per criterion (median and range)", "0.63 · poor (0.45 to 0.63)"),
        ("Agreement of a typical pair of reviewers", "0.57"),
        ("Agreement of the least alike pair", "0.50"),
    ]
    assert (run.alpha_median, run.alpha_min, run.alpha_max) == (0.6347, 0.4516, 0.6347)
    assertNotContains(response, "Agreement, whole rubric")
    assertContains(response, '<p id="separation">Reviewer separation ')


def test_run_page_keeps_the_raw_numbers_in_a_collapsed_section(recruiter_client, world, run):
    response = recruiter_client.get(run_page(run))

    raw = re.search(
        r'<details id="raw-numbers">\s*<summary>Raw numbers \(as in the API\)</summary>\s*'
        r"<pre>(.*?)</pre>",
        response.content.decode(),
        re.S,
    )
    numbers = json.loads(html.unescape(raw.group(1)))
    assert numbers["agreement"] == run.agreement
    assert numbers["agreement"]["notes"]["cohen_kappa"] == (
        "Cohen's kappa compares exactly two raters; these ratings come from 3"
    )
    assert (numbers["method"], numbers["groups"][0]["applications"]) == ("linear", 32)
    cleo = run.reviewers.get(reviewer=world.cleo)
    raw_cleo = next(r for r in numbers["reviewers"] if r["reviewer"] == "Cleo Tester")
    # The raw (unshrunk) estimate and its SE live here.
    assert {k: raw_cleo[k] for k in ("n_ratings", "n_applications", "severity", "severity_se")} == {
        "n_ratings": 93,
        "n_applications": 31,
        "severity": cleo.severity,
        "severity_se": cleo.severity_se,
    }
    assert raw_cleo["distribution"] == cleo.distribution
    assert raw_cleo["diagnostic_flags"] == cleo.diagnostic_flags
    assert [c["criterion"] for c in numbers["criteria"]] == [c.title for c in world.criteria]


def test_run_page_opens_with_a_summary_in_sentences(recruiter_client, world, run):
    response = recruiter_client.get(run_page(run))

    sentences = [(s.kind, s.text, s.todo) for s in response.context["summary"]]
    assert sentences[0] == ("info", "Based on 282 ratings of 32 applications by 3 reviewers.", "")
    assert sentences[1] == (
        "flag",
        "Cleo Tester scores 0.67 points above the others on the same candidates; Cleo "
        "Tester's scores are adjusted by that in the ranking's Adjusted column.",
        "Schedule a calibration session with Cleo Tester; compare Cleo Tester's notes with "
        "the others' on the candidates you share.",
    )
    a, b, c = (f"\u201c{criterion.title}\u201d" for criterion in world.criteria)
    # Then how reviewers score (the diagnostics), then the criteria.
    diagnostics = sentences[2:-1]
    assert [text.split(" (")[0] for _kind, text, _todo in diagnostics] == [
        "Ada Tester scores more predictably than honest judgement allows",
        "Ben Tester scores out of step with the others",
        "Cleo Tester scores more predictably than honest judgement allows",
    ]
    assert diagnostics[1][2] == (
        "Read a few of Ben Tester's scorecards where their level differs most from the "
        "others' and ask what they saw; re-read the anchors together."
    )
    assert sentences[-1] == (
        "flag",
        f"Reviewers agree poorly on {a} (0.45), {b} (0.63) and {c} (0.63): 0.667 is the "
        "least for tentative conclusions, 0.80 to rely on.",
        f"Re-read the anchors of {a}, {b} and {c} together; consider splitting any that "
        "asks about two things at once.",
    )
    assertContains(response, '<ul class="summary" id="summary">')
    assertContains(response, "<strong>What to do:</strong> Re-read the anchors of", html=False)


def test_run_page_dates_end_with_one_period(recruiter_client, run):
    response = recruiter_client.get(run_page(run))

    text = response.content.decode()
    assert "m.." not in text and ".." not in re.sub(r"<[^>]+>", "", text).replace("…", "")
    assertContains(response, f"Finished {run.finished_at:%-d %b %Y, %H:%M}: 282 ratings")


def test_run_page_query_count_does_not_grow_with_reviewers_and_criteria(
    recruiter_client, django_assert_max_num_queries
):
    def page_queries(n_reviewers):
        rubric = published_rubric()
        criteria = list(rubric.criteria.order_by("order", "id"))
        reviewers = [ReviewerFactory() for _ in range(n_reviewers)]
        for i in range(12):
            application = ApplicationFactory(rubric=rubric)
            for k, reviewer in enumerate(reviewers):
                assign_and_submit(application, reviewer, criteria, [1 + (i + k) % 4] * 3)
        run = calibration_run(rubric_id=rubric.pk)
        recruiter_client.get(run_page(run))  # fills the content-type cache
        with django_assert_max_num_queries(12) as captured:
            response = recruiter_client.get(run_page(run))
        assert response.status_code == 200
        assert len(response.context["reviewer_rows"]) == n_reviewers
        return len(captured)

    assert page_queries(2) == page_queries(6)


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
        '<progress id="run-progress" value="35" max="100">35%</progress>',
        html=True,
    )
    assertContains(response, "35% Fitting 282 ratings")
    assert "reviewers" not in parsed(response).tables


def test_a_finished_run_page_does_not_refresh(recruiter_client, run):
    response = recruiter_client.get(run_page(run))

    assertNotContains(response, 'http-equiv="refresh"')
    assertNotContains(response, "<progress")


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
    recruiter_client, recruiter, world, django_capture_on_commit_callbacks, settings
):
    """Inside the test's transaction the run waits for the commit, so when the
    message is written it is still queued, and the message says so (in the
    words used without a broker: CI has one, the demo has not)."""
    settings.BROKER_CONFIGURED = False
    with django_capture_on_commit_callbacks(execute=True):
        response = recruiter_client.post(START, {"rubric": world.rubric.pk})

    run = CalibrationRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == run_page(run)
    assert messages_of(response) == [
        (
            "success",
            f'Calibration run <a href="{run_page(run)}">#{run.pk}</a> is queued; its page shows '
            "the progress.",
        )
    ]
    assert (run.status, run.trigger, run.requested_by, run.n_ratings) == (
        "succeeded",
        "manual",
        recruiter,
        282,
    )


def test_start_page_offers_the_model_and_runs_the_one_chosen(
    recruiter_client, world, django_capture_on_commit_callbacks
):
    page = recruiter_client.get(START)
    assertContains(page, '<option value="rasch">Rasch rating scale (logits)</option>', html=True)

    with django_capture_on_commit_callbacks(execute=True):
        recruiter_client.post(START, {"rubric": world.rubric.pk, "method": "rasch"})

    run = CalibrationRun.objects.get()
    assert (run.method, run.status) == ("rasch", "succeeded")
    page = recruiter_client.get(run_page(run))
    assertContains(page, "rasch rating scale (logits) model.")
    assertContains(page, "<dt>Leniency</dt><dd>logits (the Rasch model")


def test_start_with_an_unknown_model_says_so_and_starts_nothing(recruiter_client, world):
    response = recruiter_client.post(START, {"rubric": world.rubric.pk, "method": "bayes"})

    assert response.status_code == 302
    assert messages_of(response) == [("error", "Choose a method: linear, rasch.")]
    assert not CalibrationRun.objects.exists()


def test_start_says_the_run_finished_when_it_ran_at_once(recruiter_client, world):
    """Without a broker, in autocommit (as a real request runs), the task runs
    as the run is created: by the message, it has finished."""
    with mock.patch(
        "django.db.transaction.on_commit", side_effect=lambda func, using=None, robust=False: func()
    ):
        response = recruiter_client.post(START, {"rubric": world.rubric.pk})

    run = CalibrationRun.objects.get()
    assert run.status == "succeeded"
    assert messages_of(response) == [
        (
            "success",
            f'Calibration run <a href="{run_page(run)}">#{run.pk}</a> finished: 282 ratings of 32 '
            "applications by 3 reviewers; 3 reviewers and 3 criteria flagged.",
        )
    ]
    follow = recruiter_client.get(response["Location"])
    assertContains(follow, f'<a href="{run_page(run)}">#{run.pk}</a> finished', html=False)


def test_start_says_a_failed_run_failed(recruiter_client, world):
    with (
        mock.patch(
            "django.db.transaction.on_commit",
            side_effect=lambda func, using=None, robust=False: func(),
        ),
        mock.patch("calibration.services.compute_calibration", side_effect=ValueError("boom")),
        pytest.raises(ValueError),
    ):
        # Eager tasks propagate their error (CELERY_TASK_EAGER_PROPAGATES).
        recruiter_client.post(START, {"rubric": world.rubric.pk})

    assert CalibrationRun.objects.get().status == "failed"


def test_start_with_a_broker_joins_a_run_still_waiting_in_the_queue(
    recruiter_client, world, settings
):
    settings.BROKER_CONFIGURED = True
    waiting = CalibrationRun.objects.create(rubric=world.rubric, status="queued")

    response = recruiter_client.post(START, {"rubric": world.rubric.pk})

    assert list(CalibrationRun.objects.values_list("pk", flat=True)) == [waiting.pk]
    assert response["Location"] == run_page(waiting)
    assert messages_of(response) == [
        (
            "info",
            f"A calibration of {world.rubric} was already waiting in the queue as run "
            f'<a href="{run_page(waiting)}">#{waiting.pk}</a>; your request joins it rather '
            "than starting another. It will read every scorecard submitted until it starts.",
        )
    ]


def test_start_with_a_broker_says_queued(
    recruiter_client, world, settings, django_capture_on_commit_callbacks
):
    settings.BROKER_CONFIGURED = True
    # A running run is not joined: it may have read its ratings already.
    CalibrationRun.objects.create(rubric=world.rubric, status="running")

    with mock.patch("calibration.scheduling.calibrate_rubric.apply_async_on_commit"):
        response = recruiter_client.post(START, {"rubric": world.rubric.pk})

    run = CalibrationRun.objects.get(status="queued")
    assert messages_of(response) == [
        (
            "success",
            f'Calibration run <a href="{run_page(run)}">#{run.pk}</a> is queued: a worker will '
            "start it shortly, and its page shows the progress.",
        )
    ]


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
        'order=-adjusted" title="With each reviewer\'s severity taken out (latest '
        'calibration run)">Adjusted</a>',
        html=True,
    )


def test_admin_ranking_shows_a_dash_before_any_run(recruiter_client, world):
    response = recruiter_client.get(RANKING, {"posting": world.rubric.posting_id})

    rows = ranking_cells(response)
    assert {cells[5] for name, cells in rows.items() if name} == {"—"}


def test_admin_ranking_orders_by_adjusted_score(recruiter_client, world, run):
    response = recruiter_client.get(
        RANKING, {"posting": world.rubric.posting_id, "order": "-adjusted"}
    )

    adjusted = [row.adjusted_score for row in response.context["page"].object_list]
    assert adjusted == sorted(adjusted, reverse=True)
    # The header now offers the reverse order.
    assertContains(
        response,
        f'<a href="?posting={world.rubric.posting_id}&amp;stage=&amp;must_haves=&amp;'
        'order=adjusted" title="With each reviewer\'s severity taken out (latest '
        'calibration run)">Adjusted</a>',
        html=True,
    )


def test_run_page_shows_trends_with_a_sign(recruiter_client, world, run):
    run.reviewers.filter(reviewer=world.ada).update(drift=-0.27)
    run.reviewers.filter(reviewer=world.ben).update(drift=0.24)

    response = recruiter_client.get(run_page(run))

    trend = {cells[0]: cells[8] for _cls, cells in parsed(response).tables["reviewers"][1:]}
    assert trend == {"Cleo Tester": "—", "Ada Tester": "\u22120.27", "Ben Tester": "+0.24"}


def test_run_page_shows_drift_with_its_standard_error(recruiter_client, world, run):
    run.reviewers.filter(reviewer=world.ada).update(drift=-0.27, drift_se=0.05)

    response = recruiter_client.get(run_page(run))

    trend = {cells[0]: cells[8] for _cls, cells in parsed(response).tables["reviewers"][1:]}
    assert trend["Ada Tester"] == "\u22120.27 ± 0.05"


def test_run_page_answers_404_for_an_id_in_other_digits(recruiter_client):
    response = recruiter_client.get("/admin/calibration/calibrationrun/%C2%B2/change/")

    assert response.status_code in (302, 404)
