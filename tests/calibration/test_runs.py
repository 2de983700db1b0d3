"""Calibration runs end to end: `calibration_run` on factory-built submitted
scorecards (what it stores per reviewer, criterion and application), the
one-run-per-rubric lock, idempotence, failures, the Celery tasks, the
debounce that turns a burst of submissions into one run, and the
severity-adjusted scores the ranking shows.

The statistics themselves are checked against published examples in
test_stats.py; here the expected figures come from the data's
design (a reviewer who scores everything one level higher) and from a dense,
textbook least-squares fit of the same additive model."""

from types import SimpleNamespace
from unittest import mock

import krippendorff
import numpy as np
import pytest
from celery.exceptions import Retry
from django.core.cache import cache
from django.db import IntegrityError, OperationalError, transaction

from calibration import services as calibration_services
from calibration.compute import MIN_SCORECARDS_TO_FLAG
from calibration.models import (
    ApplicationCalibration,
    CalibrationRun,
    CriterionCalibration,
    ReviewerCalibration,
)
from calibration.services import CalibrationBusy, calibration_run, debounce_key
from calibration.stats.raters import rater_effects
from calibration.tasks import calibrate_active_rubrics, calibrate_rubric
from rubrics.models import Rubric
from screening import selectors, services
from screening.scores import refresh_adjusted_scores
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    assign_and_submit,
    published_rubric,
    rubric_with_criteria,
)

pytestmark = pytest.mark.django_db

N_APPLICATIONS = 30


def levels(i: int) -> dict[str, list[int]]:
    """Application i's levels on the three criteria from each reviewer.

    Its quality q = i % 3 gives the level 1 + q on every criterion. Ada
    scores exactly that. Ben disagrees now and then without leaning either
    way: on even applications he moves the first criterion one level towards
    the middle (five times up from 1, five times down from 3). Cleo scores
    everything one level higher than Ada. The design is complete and
    balanced, so least squares gives each reviewer's mean minus the grand
    mean: Cleo +2/3, Ada and Ben -1/3."""
    base = [1 + i % 3] * 3
    ben = list(base)
    if i % 2 == 0 and base[0] != 2:
        ben[0] = 2
    return {"ada": base, "ben": ben, "cleo": [v + 1 for v in base]}


@pytest.fixture
def world():
    """A published 1–4 rubric (37.5/37.5 must-haves, a 25 bonus), three
    reviewers and 30 applications, each scored by all three."""
    rubric = published_rubric()
    criteria = list(rubric.criteria.order_by("order", "id"))
    reviewers = {
        name: ReviewerFactory(username=name, first_name=name.title(), last_name="Tester")
        for name in ("ada", "ben", "cleo")
    }
    applications = []
    for i in range(N_APPLICATIONS):
        application = ApplicationFactory(rubric=rubric)
        for name, values in levels(i).items():
            assign_and_submit(application, reviewers[name], criteria, values)
        applications.append(application)
    return SimpleNamespace(rubric=rubric, criteria=criteria, applications=applications, **reviewers)


def ratings_of(world) -> list[tuple[int, str, int, int]]:
    """(application index, reviewer, criterion index, level) of the world."""
    return [
        (i, name, k, value)
        for i in range(N_APPLICATIONS)
        for name, values in levels(i).items()
        for k, value in enumerate(values)
    ]


def dense_severity(rows) -> dict[str, tuple[float, float]]:
    """Each reviewer's severity and standard error from the textbook fit of
    value = candidate + reviewer + criterion + noise: a dense dummy-variable
    design, its pseudo-inverse, σ̂² = RSS / (N − rank), and the contrast
    "this reviewer minus the mean reviewer" (Searle 1987, ch. 4–5)."""
    apps = sorted({r[0] for r in rows})
    names = sorted({r[1] for r in rows})
    crits = sorted({r[2] for r in rows})
    width = len(apps) + len(names) + len(crits)
    x = np.zeros((len(rows), width))
    y = np.array([float(r[3]) for r in rows])
    for n, (app, name, crit, _value) in enumerate(rows):
        x[n, apps.index(app)] = 1
        x[n, len(apps) + names.index(name)] = 1
        x[n, len(apps) + len(names) + crits.index(crit)] = 1
    xtx_pinv = np.linalg.pinv(x.T @ x)
    beta = xtx_pinv @ x.T @ y
    rss = float(np.sum((y - x @ beta) ** 2))
    sigma2 = rss / (len(rows) - np.linalg.matrix_rank(x))
    result = {}
    for index, name in enumerate(names):
        contrast = np.zeros(width)
        contrast[len(apps) : len(apps) + len(names)] = -1 / len(names)
        contrast[len(apps) + index] += 1
        severity = float(contrast @ beta)
        se = float(np.sqrt(sigma2 * contrast @ xtx_pinv @ contrast))
        result[name] = (severity, se)
    return result


def reviewer_row(run, user) -> ReviewerCalibration:
    return run.reviewers.get(reviewer=user)


# --- calibration_run: what a run stores ------------------------------------------


def test_run_succeeds_with_the_counts_of_what_it_read(world):
    run = calibration_run(rubric_id=world.rubric.pk)

    assert (run.status, run.progress, run.progress_message, run.error) == (
        "succeeded",
        100,
        "Done",
        "",
    )
    assert (run.n_ratings, run.n_applications, run.n_reviewers) == (270, 30, 3)
    assert run.started_at <= run.finished_at


def test_run_stores_one_row_per_reviewer_with_ratings_and_mean(world):
    run = calibration_run(rubric_id=world.rubric.pk)

    assert sorted(run.reviewers.values_list("reviewer__username", "n_ratings", "mean")) == [
        ("ada", 90, 2.0),
        ("ben", 90, 2.0),
        ("cleo", 90, 3.0),
    ]
    assert set(run.reviewers.values_list("n_applications", flat=True)) == {30}


def test_reviewer_who_scores_one_level_higher_gets_a_positive_severity(world):
    run = calibration_run(rubric_id=world.rubric.pk)

    assert reviewer_row(run, world.cleo).severity == pytest.approx(2 / 3, abs=1e-4)
    assert reviewer_row(run, world.ada).severity == pytest.approx(-1 / 3, abs=1e-4)
    assert reviewer_row(run, world.ben).severity == pytest.approx(-1 / 3, abs=1e-4)


def test_severity_matches_a_dense_least_squares_fit_and_its_se_allows_for_halo(world):
    """The raw severity is the textbook fit's; its stored SE is the one
    ``stats.raters`` gives allowing for within-scorecard correlation (issue
    12), not the textbook's, which treats a scorecard's scores as independent."""
    expected = dense_severity(ratings_of(world))
    rows = ratings_of(world)
    report = rater_effects(
        [r[0] for r in rows],
        [r[1] for r in rows],
        [r[2] for r in rows],
        [float(r[3]) for r in rows],
        scale_min=1,
        scale_max=4,
        min_scorecards=MIN_SCORECARDS_TO_FLAG,
    )
    robust = {row.rater: row.se for row in report.raters}

    run = calibration_run(rubric_id=world.rubric.pk)

    for name in ("ada", "ben", "cleo"):
        row = reviewer_row(run, getattr(world, name))
        assert row.severity == round(expected[name][0], 4), name
        assert row.severity_se == round(robust[name], 4), name
        assert row.severity_se != round(expected[name][1], 4), name


def test_lenient_reviewer_is_flagged_with_the_reason(world):
    severity, se = dense_severity(ratings_of(world))["cleo"]

    run = calibration_run(rubric_id=world.rubric.pk)

    row = reviewer_row(run, world.cleo)
    assert row.flagged is True
    assert "lenient" in row.diagnostic_flags
    # The shrunk estimate, which the adjusted scores use, with its 95% interval.
    assert row.severity_shrunk == pytest.approx(severity, abs=0.01)
    assert row.flag_reason.startswith(
        f"Lenient: scores {row.severity_shrunk:.2f} points above the others on the same "
        f"candidates (95% interval {row.severity_shrunk - 1.96 * row.severity_sd_shrunk:.2f} "
        f"to {row.severity_shrunk + 1.96 * row.severity_sd_shrunk:.2f}; 30 scorecards)"
    )
    assert row.flag_reason.startswith("Lenient: scores 0.67 points above")
    assert se > 0


def test_severe_reviewer_is_flagged_with_the_reason():
    """Ada and Ben score each application's quality 2–4 alike; Dana one level
    lower: −2/3, with no noise at all (SE 0)."""
    rubric = published_rubric()
    criteria = list(rubric.criteria.order_by("order", "id"))
    ada, ben, dana = ReviewerFactory(), ReviewerFactory(), ReviewerFactory()
    rows = []
    for i in range(N_APPLICATIONS):
        application = ApplicationFactory(rubric=rubric)
        for name, reviewer, shift in (("ada", ada, 0), ("ben", ben, 0), ("dana", dana, -1)):
            values = [2 + i % 3 + shift] * 3
            assign_and_submit(application, reviewer, criteria, values)
            rows += [(i, name, k, v) for k, v in enumerate(values)]
    severity, se = dense_severity(rows)["dana"]

    run = calibration_run(rubric_id=rubric.pk)

    row = reviewer_row(run, dana)
    assert severity == pytest.approx(-2 / 3)
    assert se == pytest.approx(0, abs=1e-6)
    assert row.flagged is True
    assert row.flag_reason.startswith(
        "Severe: scores 0.67 points below the others on the same candidates "
        f"(95% interval 0.67 to 0.67; {N_APPLICATIONS} scorecards)"
    )


def test_reviewers_within_half_a_level_are_not_flagged_for_leniency(world):
    """(This world is too regular to be human: the diagnostics may call a
    reviewer "muted", but nobody but Cleo leans.)"""
    run = calibration_run(rubric_id=world.rubric.pk)

    leaning = {
        row.reviewer.username
        for row in run.reviewers.select_related("reviewer")
        if {"lenient", "severe"} & set(row.diagnostic_flags)
    }
    assert leaning == {"cleo"}
    for row in run.reviewers.exclude(reviewer=world.cleo):
        assert "Lenient" not in row.flag_reason and "Severe" not in row.flag_reason


def test_reviewer_with_too_few_scorecards_is_not_flagged_even_when_lenient():
    """Three scorecards each: below the 5 needed to judge severity, so the
    lenient reviewer is noted, with how many scorecards there are, not flagged."""
    rubric = published_rubric()
    criteria = list(rubric.criteria.order_by("order", "id"))
    ada, cleo = ReviewerFactory(), ReviewerFactory()
    for i in range(3):
        application = ApplicationFactory(rubric=rubric)
        assign_and_submit(application, ada, criteria, levels(i)["ada"])
        assign_and_submit(application, cleo, criteria, levels(i)["cleo"])

    run = calibration_run(rubric_id=rubric.pk)

    row = reviewer_row(run, cleo)
    assert row.severity == pytest.approx(0.5, abs=1e-4)
    assert (row.flagged, row.flag_reason) == (
        False,
        "Too few scorecards to judge (3; 5 needed)",
    )


def test_reviewer_who_grows_more_lenient_over_two_months_drifts_upwards():
    """Application i is scored on day i by all three; Cleo agrees with Ada
    for the first 30 applications and scores one level higher from then on."""
    from datetime import timedelta

    from django.utils import timezone

    from screening.models import Scorecard

    rubric = published_rubric()
    criteria = list(rubric.criteria.order_by("order", "id"))
    ada, ben, cleo = ReviewerFactory(), ReviewerFactory(), ReviewerFactory()
    start = timezone.now() - timedelta(days=70)
    for i in range(60):
        application = ApplicationFactory(rubric=rubric)
        base = [1 + i % 3] * 3
        for reviewer, values in (
            (ada, base),
            (ben, base),
            (cleo, [v + (i >= 30) for v in base]),
        ):
            card = assign_and_submit(application, reviewer, criteria, values)
            Scorecard.objects.filter(pk=card.pk).update(submitted_at=start + timedelta(days=i))

    run = calibration_run(rubric_id=rubric.pk)

    drift = {r.reviewer_id: r.drift for r in run.reviewers.all()}
    assert drift[cleo.pk] > 0
    assert drift[ada.pk] < 0 and drift[ben.pk] < 0


def test_no_drift_when_every_rating_was_submitted_within_minutes(world, same_quality_pair):
    run = calibration_run(rubric_id=world.rubric.pk)

    assert set(run.reviewers.values_list("drift", flat=True)) == {None}


def test_reviewer_distribution_counts_each_level(world):
    run = calibration_run(rubric_id=world.rubric.pk)

    assert {r.reviewer.username: r.distribution for r in run.reviewers.all()} == {
        "ada": [30, 30, 30, 0],
        # Even applications: the first criterion moved to 2 from 1 (5×) and from 3 (5×).
        "ben": [25, 40, 25, 0],
        "cleo": [0, 30, 30, 30],
    }


def test_run_stores_one_row_per_criterion(world):
    run = calibration_run(rubric_id=world.rubric.pk)

    rows = list(run.criteria.order_by("criterion__order"))
    assert [r.criterion_id for r in rows] == [c.pk for c in world.criteria]
    assert [(r.n_ratings, r.mean) for r in rows] == [(90, 2.3333)] * 3


def test_criterion_alpha_matches_the_krippendorff_package(world):
    """Units are applications, coders are reviewers (the package's own
    reliability-data layout)."""
    run = calibration_run(rubric_id=world.rubric.pk)

    for k, criterion in enumerate(world.criteria):
        data = np.array(
            [
                [levels(i)[name][k] for i in range(N_APPLICATIONS)]
                for name in ("ada", "ben", "cleo")
            ],
            dtype=float,
        )
        row = run.criteria.get(criterion=criterion)
        assert row.alpha_interval == round(
            krippendorff.alpha(reliability_data=data, level_of_measurement="interval"), 4
        )
        assert row.alpha_ordinal == round(
            krippendorff.alpha(reliability_data=data, level_of_measurement="ordinal"), 4
        )


def test_criterion_with_alpha_below_0_667_is_flagged_with_the_reason(world):
    """The lenient reviewer pulls the second criterion's interval alpha below
    Krippendorff's 0.667 bar."""
    data = np.array(
        [[levels(i)[name][1] for i in range(N_APPLICATIONS)] for name in ("ada", "ben", "cleo")],
        dtype=float,
    )
    alpha = krippendorff.alpha(reliability_data=data, level_of_measurement="interval")

    run = calibration_run(rubric_id=world.rubric.pk)

    row = run.criteria.get(criterion=world.criteria[1])
    assert alpha < 0.667
    assert (row.flagged, row.flag_reason) == (
        True,
        f"Low agreement: alpha {alpha:.2f} is below 0.667",
    )


def test_rubric_agreement_matches_the_krippendorff_package(world):
    """Rubric-wide, each (application, criterion) pair is one rated item."""
    data = np.array(
        [
            [levels(i)[name][k] for i in range(N_APPLICATIONS) for k in range(3)]
            for name in ("ada", "ben", "cleo")
        ],
        dtype=float,
    )

    run = calibration_run(rubric_id=world.rubric.pk)

    alpha = run.agreement["krippendorff_alpha"]
    for level in ("nominal", "ordinal", "interval", "ratio"):
        assert alpha[level] == pytest.approx(
            krippendorff.alpha(reliability_data=data, level_of_measurement=level), abs=1e-6
        ), level
    assert (run.agreement["n_units"], run.agreement["n_raters"], run.agreement["n_ratings"]) == (
        30,
        3,
        270,
    )
    assert run.agreement["notes"] == {
        "cohen_kappa": "Cohen's kappa compares exactly two raters; these ratings come from 3"
    }
    assert run.agreement["pairwise_kappa"]["pairs"] == 3


def test_run_stores_one_adjusted_score_per_scored_application(world):
    ApplicationFactory(rubric=world.rubric)  # no scorecard: nothing to adjust

    run = calibration_run(rubric_id=world.rubric.pk)

    assert sorted(run.applications.values_list("application_id", flat=True)) == sorted(
        a.pk for a in world.applications
    )


def test_adjusted_score_equals_raw_score_when_every_reviewer_scored_the_application(world):
    """Severities sum to zero, so an application seen by all three reviewers
    keeps its consensus score."""
    calibration_run(rubric_id=world.rubric.pk)

    rows = selectors.posting_ranking(posting=world.rubric.posting)
    assert [r.adjusted_score for r in rows] == [r.score for r in rows]


@pytest.fixture
def same_quality_pair(world):
    """Two more candidates of the same quality (level 3 everywhere): Xavier
    scored by Ada and Ben, Yusuf by Ada and the lenient Cleo (who gives 4s)."""
    xavier = ApplicationFactory(rubric=world.rubric, candidate=CandidateFactory(full_name="Xavier"))
    yusuf = ApplicationFactory(rubric=world.rubric, candidate=CandidateFactory(full_name="Yusuf"))
    assign_and_submit(xavier, world.ada, world.criteria, [3, 3, 3])
    assign_and_submit(xavier, world.ben, world.criteria, [3, 3, 3])
    assign_and_submit(yusuf, world.ada, world.criteria, [3, 3, 3])
    assign_and_submit(yusuf, world.cleo, world.criteria, [4, 4, 4])
    return SimpleNamespace(xavier=xavier, yusuf=yusuf)


def test_raw_scores_reward_the_candidate_who_drew_the_lenient_reviewer(world, same_quality_pair):
    rows = {r.candidate_name: r for r in selectors.posting_ranking(posting=world.rubric.posting)}

    # Consensus 3 → 66.67; consensus 3.5 → 83.33.
    assert (rows["Xavier"].score, rows["Yusuf"].score) == (66.67, 83.33)


def test_adjusted_scores_remove_the_lenient_reviewers_boost(world, same_quality_pair):
    """Ada and Ben's 3s plus their 1/3 severity, Ada's 3s plus 1/3 and
    Cleo's 4s minus 2/3: both consensus 3 1/3 → (3 1/3 − 1) / 3 = 77.78 with
    the raw severities. The adjusted scores take out the SHRUNK ones (issue
    12), a hair closer to 0 here: the same for both candidates, a little under."""
    run = calibration_run(rubric_id=world.rubric.pk)

    shrunk = {row.reviewer_id: row.severity_shrunk for row in run.reviewers.all()}
    ada, ben, cleo = (shrunk[world.ada.pk], shrunk[world.ben.pk], shrunk[world.cleo.pk])
    xavier = 100 * ((3 - ada + 3 - ben) / 2 - 1) / 3
    yusuf = 100 * ((3 - ada + 4 - cleo) / 2 - 1) / 3
    stored = dict(run.applications.values_list("application_id", "adjusted_score"))
    assert stored[same_quality_pair.xavier.pk] == pytest.approx(xavier, abs=5e-3)
    assert stored[same_quality_pair.yusuf.pk] == pytest.approx(yusuf, abs=5e-3)
    assert xavier == pytest.approx(yusuf, abs=0.05)
    assert 77.6 < xavier < 77.78
    rows = {r.candidate_name: r for r in selectors.posting_ranking(posting=world.rubric.posting)}
    assert rows["Xavier"].adjusted_score == round(stored[same_quality_pair.xavier.pk], 2)
    assert rows["Yusuf"].adjusted_score == round(stored[same_quality_pair.yusuf.pk], 2)


def test_run_of_a_rubric_without_ratings_succeeds_with_a_note_and_zero_counts():
    rubric = published_rubric()
    ReviewAssignmentFactory(application=ApplicationFactory(rubric=rubric))  # a draft only

    run = calibration_run(rubric_id=rubric.pk)

    assert run.status == "succeeded"
    assert (run.n_ratings, run.n_applications, run.n_reviewers) == (0, 0, 0)
    assert run.agreement == {"notes": {"all": "No submitted ratings yet."}}
    assert not run.reviewers.exists()
    assert not run.applications.exists()
    assert (
        list(run.criteria.values_list("n_ratings", "notes"))
        == [(0, {"all": "No ratings yet."})] * 3
    )


def test_run_reports_its_progress_to_the_caller(world):
    seen = []

    calibration_run(rubric_id=world.rubric.pk, on_progress=lambda p, m: seen.append((p, m)))

    assert seen == [
        (5, "Fetching ratings"),
        (35, "Fitting 270 ratings"),
        (80, "Saving results"),
        (100, "Done"),
    ]


def test_run_reads_only_submitted_scores_of_its_own_rubric(world):
    other = published_rubric()
    other_criteria = list(other.criteria.order_by("order", "id"))
    assign_and_submit(ApplicationFactory(rubric=other), world.ada, other_criteria, [4, 4, 4])
    draft = ReviewAssignmentFactory(application=world.applications[0])  # not submitted

    run = calibration_run(rubric_id=world.rubric.pk)

    assert run.n_ratings == 270
    assert not run.reviewers.filter(reviewer=draft.reviewer).exists()


def test_no_evidence_scores_are_left_out_of_the_ratings():
    rubric = published_rubric()
    criteria = list(rubric.criteria.order_by("order", "id"))
    assign_and_submit(ApplicationFactory(rubric=rubric), ReviewerFactory(), criteria, [3, 2, None])

    run = calibration_run(rubric_id=rubric.pk)

    assert run.n_ratings == 2
    assert run.criteria.get(criterion=criteria[2]).notes == {
        "all": "No ratings for this criterion yet."
    }


# --- The lock, idempotence and failures -----------------------------------------------


def test_a_second_run_while_one_is_running_is_busy(world):
    running = CalibrationRun.objects.create(rubric=world.rubric, status="running")

    with pytest.raises(CalibrationBusy) as error:
        calibration_run(rubric_id=world.rubric.pk)

    assert str(error.value) == f"A calibration of rubric {world.rubric.pk} is running."
    assert CalibrationRun.objects.get(pk=running.pk).status == "running"
    assert not ReviewerCalibration.objects.exists()


def test_a_busy_run_stores_nothing(world):
    CalibrationRun.objects.create(rubric=world.rubric, status="running")

    with pytest.raises(CalibrationBusy):
        calibration_run(rubric_id=world.rubric.pk)

    assert CalibrationRun.objects.count() == 1


def test_a_refusal_other_than_the_running_lock_is_not_busy(world, monkeypatch):
    """Only calibration_one_running_per_rubric means busy; any other refusal is a bug."""

    def refused(**kwargs):
        raise IntegrityError("NOT NULL constraint failed: screening_calibrationrun.trigger")

    monkeypatch.setattr(CalibrationRun.objects, "create", refused)

    with pytest.raises(IntegrityError, match="NOT NULL"):
        calibration_run(rubric_id=world.rubric.pk)


def test_a_queued_run_of_a_busy_rubric_stays_queued(world):
    CalibrationRun.objects.create(rubric=world.rubric, status="running")
    queued = CalibrationRun.objects.create(rubric=world.rubric)

    with pytest.raises(CalibrationBusy):
        calibration_run(run_id=queued.pk)

    queued.refresh_from_db()
    assert (queued.status, queued.started_at) == ("queued", None)


def test_other_rubrics_are_not_locked_by_a_running_run(world):
    CalibrationRun.objects.create(rubric=published_rubric(), status="running")

    assert calibration_run(rubric_id=world.rubric.pk).status == "succeeded"


@pytest.mark.parametrize("status", ["succeeded", "failed"])
def test_running_a_finished_run_again_leaves_it_as_it_is(world, status):
    run = CalibrationRun.objects.create(
        rubric=world.rubric, status=status, n_ratings=7, progress=100, error="kept"
    )

    again = calibration_run(run_id=run.pk)

    assert again.pk == run.pk
    assert CalibrationRun.objects.filter(pk=run.pk).values_list(
        "status", "n_ratings", "error", "started_at"
    ).get() == (status, 7, "kept", None)
    assert not ReviewerCalibration.objects.exists()


def test_a_queued_run_is_run_by_its_id(world):
    queued = CalibrationRun.objects.create(rubric=world.rubric, trigger="manual", task_id="t-1")

    run = calibration_run(run_id=queued.pk, task_id="t-2")

    assert (run.pk, run.status, run.task_id, run.n_ratings) == (queued.pk, "succeeded", "t-2", 270)
    assert CalibrationRun.objects.count() == 1


def test_a_failure_in_compute_marks_the_run_failed_and_reraises(world, monkeypatch):
    def broken(**kwargs):
        raise ValueError("matrix is singular")

    monkeypatch.setattr(calibration_services, "compute_calibration", broken)

    with pytest.raises(ValueError, match="matrix is singular"):
        calibration_run(rubric_id=world.rubric.pk)

    run = CalibrationRun.objects.get()
    assert (run.status, run.error) == ("failed", "ValueError: matrix is singular")
    assert run.finished_at is not None
    assert not (
        ReviewerCalibration.objects.exists()
        or CriterionCalibration.objects.exists()
        or ApplicationCalibration.objects.exists()
    )


def test_a_failed_run_frees_the_rubric_for_the_next(world, monkeypatch):
    monkeypatch.setattr(
        calibration_services, "compute_calibration", mock.Mock(side_effect=ValueError("x"))
    )
    with pytest.raises(ValueError):
        calibration_run(rubric_id=world.rubric.pk)
    monkeypatch.undo()

    assert calibration_run(rubric_id=world.rubric.pk).status == "succeeded"


def test_a_transient_database_error_puts_the_run_back_in_the_queue(world, monkeypatch):
    monkeypatch.setattr(
        calibration_services,
        "compute_calibration",
        mock.Mock(side_effect=OperationalError("could not serialize access")),
    )
    queued = CalibrationRun.objects.create(rubric=world.rubric)

    with pytest.raises(OperationalError):
        calibration_run(run_id=queued.pk)

    queued.refresh_from_db()
    assert (queued.status, queued.progress, queued.progress_message, queued.error) == (
        "queued",
        0,
        "Retrying",
        "",
    )


def test_a_run_put_back_in_the_queue_succeeds_when_retried(world, monkeypatch):
    monkeypatch.setattr(
        calibration_services,
        "compute_calibration",
        mock.Mock(side_effect=OperationalError("database is locked")),
    )
    queued = CalibrationRun.objects.create(rubric=world.rubric)
    with pytest.raises(OperationalError):
        calibration_run(run_id=queued.pk)
    monkeypatch.undo()

    run = calibration_run(run_id=queued.pk)

    assert (run.pk, run.status, run.n_ratings) == (queued.pk, "succeeded", 270)


# --- Tasks ------------------------------------------------------------------------------


def test_calibrate_rubric_task_returns_the_run_and_its_status(world):
    result = calibrate_rubric.delay(rubric_id=world.rubric.pk)

    run = CalibrationRun.objects.get()
    assert result.get() == {"run_id": run.pk, "status": "succeeded"}
    assert (run.task_id, run.trigger) == (result.id, "manual")


def test_calibrate_rubric_task_runs_a_queued_run(world):
    queued = CalibrationRun.objects.create(rubric=world.rubric, trigger="import")

    result = calibrate_rubric.delay(run_id=queued.pk)

    assert result.get() == {"run_id": queued.pk, "status": "succeeded"}
    assert CalibrationRun.objects.get().trigger == "import"


def test_calibrate_rubric_task_retries_when_the_rubric_is_busy(world):
    CalibrationRun.objects.create(rubric=world.rubric, status="running")

    with pytest.raises(Retry) as retry:
        calibrate_rubric.delay(rubric_id=world.rubric.pk)

    assert isinstance(retry.value.exc, CalibrationBusy)
    assert str(retry.value.exc) == f"A calibration of rubric {world.rubric.pk} is running."
    assert retry.value.when == 30


def test_calibrate_rubric_task_retries_a_transient_error(world, monkeypatch):
    monkeypatch.setattr(
        calibration_services,
        "compute_calibration",
        mock.Mock(side_effect=OperationalError("database is locked")),
    )
    queued = CalibrationRun.objects.create(rubric=world.rubric)

    with pytest.raises(Retry) as retry:
        calibrate_rubric.delay(run_id=queued.pk)

    assert isinstance(retry.value.exc, OperationalError)
    assert CalibrationRun.objects.get().status == "queued"


def test_a_retried_rubric_task_finishes_the_run_it_started(world, monkeypatch):
    monkeypatch.setattr(
        calibration_services,
        "compute_calibration",
        mock.Mock(side_effect=OperationalError("database is locked")),
    )
    with pytest.raises(Retry) as retry:
        calibrate_rubric.delay(rubric_id=world.rubric.pk)
    monkeypatch.undo()

    retry.value.sig.apply()

    assert list(CalibrationRun.objects.values_list("status", flat=True)) == ["succeeded"]


def test_a_task_for_a_finished_run_is_safe_to_run_twice(world):
    first = calibrate_rubric.delay(rubric_id=world.rubric.pk).get()

    second = calibrate_rubric.delay(run_id=first["run_id"]).get()

    assert second == first
    assert ReviewerCalibration.objects.count() == 3


def test_nightly_task_queues_one_run_per_published_rubric_with_submitted_scorecards():
    def scored(rubric):
        criteria = list(rubric.criteria.order_by("order", "id"))
        assign_and_submit(ApplicationFactory(rubric=rubric), ReviewerFactory(), criteria, [3, 3, 3])
        assign_and_submit(ApplicationFactory(rubric=rubric), ReviewerFactory(), criteria, [2, 3, 1])
        return rubric

    active = [scored(published_rubric()), scored(published_rubric())]
    retired = scored(published_rubric())
    Rubric.objects.filter(pk=retired.pk).update(state=Rubric.State.RETIRED)
    draft = scored(rubric_with_criteria())
    only_drafts = published_rubric()
    ReviewAssignmentFactory(application=ApplicationFactory(rubric=only_drafts))
    published_rubric()  # no applications at all

    queued = calibrate_active_rubrics.delay().get()

    assert queued == 2
    assert sorted(
        CalibrationRun.objects.values_list("rubric_id", "trigger", "status", "method")
    ) == sorted((r.pk, "nightly", "succeeded", "linear") for r in active)
    assert not CalibrationRun.objects.filter(rubric__in=[retired, draft, only_drafts]).exists()


def test_nightly_task_sends_each_rubric_once_whatever_its_scorecards():
    rubric = published_rubric()
    criteria = list(rubric.criteria.order_by("order", "id"))
    for _ in range(4):
        assign_and_submit(ApplicationFactory(rubric=rubric), ReviewerFactory(), criteria, [3, 3, 3])

    with mock.patch.object(calibrate_rubric, "delay") as delay:
        assert calibrate_active_rubrics() == 1

    delay.assert_called_once_with(rubric_id=rubric.pk, trigger="nightly")


# --- The debounce: a burst of submissions, one run -------------------------------------


@pytest.fixture
def on_submit(settings):
    """Calibration on submit, with a 45-second window, and an empty cache
    (the local-memory cache lives as long as the test process)."""
    settings.CALIBRATION_ON_SUBMIT = True
    settings.CALIBRATION_DEBOUNCE_SECONDS = 45
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def apply_async(on_submit):
    with mock.patch("calibration.tasks.calibrate_rubric.apply_async") as patched:
        yield patched


@pytest.fixture
def drafts():
    """A published rubric and five applications, each with a draft scorecard."""
    rubric = published_rubric()
    criteria = list(rubric.criteria.order_by("order", "id"))
    assignments = [
        ReviewAssignmentFactory(application=ApplicationFactory(rubric=rubric)) for _ in range(5)
    ]
    return SimpleNamespace(rubric=rubric, criteria=criteria, assignments=assignments)


def submit_through_the_service(assignment, criteria):
    return services.scorecard_save(
        scorecard=assignment.scorecard,
        reviewer=assignment.reviewer,
        scores=[{"criterion": c.pk, "value": 3} for c in criteria],
        recommendation=3,
        submit=True,
    )


def expected_call(rubric):
    return mock.call(
        kwargs={"rubric_id": rubric.pk, "trigger": "submission"}, countdown=45, retry=False
    )


def test_submissions_in_one_transaction_schedule_one_run(
    drafts, apply_async, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        for assignment in drafts.assignments[:3]:
            submit_through_the_service(assignment, drafts.criteria)

    assert len(callbacks) == 1
    assert apply_async.call_args_list == [expected_call(drafts.rubric)]


def test_submissions_in_separate_transactions_within_the_window_schedule_one_run(
    drafts, apply_async, django_capture_on_commit_callbacks
):
    for assignment in drafts.assignments[:3]:
        with django_capture_on_commit_callbacks(execute=True):
            submit_through_the_service(assignment, drafts.criteria)

    assert apply_async.call_args_list == [expected_call(drafts.rubric)]


def test_a_burst_of_both_kinds_schedules_one_run(
    drafts, apply_async, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        submit_through_the_service(drafts.assignments[0], drafts.criteria)
        submit_through_the_service(drafts.assignments[1], drafts.criteria)
    with django_capture_on_commit_callbacks(execute=True):
        submit_through_the_service(drafts.assignments[2], drafts.criteria)

    assert apply_async.call_args_list == [expected_call(drafts.rubric)]


def test_nothing_is_scheduled_before_the_transaction_commits(
    drafts, apply_async, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submit_through_the_service(drafts.assignments[0], drafts.criteria)

    assert len(callbacks) == 1
    apply_async.assert_not_called()


def test_once_the_run_starts_the_next_submission_schedules_another(
    drafts, apply_async, django_capture_on_commit_callbacks
):
    for assignment in drafts.assignments[:2]:
        with django_capture_on_commit_callbacks(execute=True):
            submit_through_the_service(assignment, drafts.criteria)
    calibration_run(rubric_id=drafts.rubric.pk, trigger="submission")
    assert cache.get(debounce_key(drafts.rubric.pk)) is None

    for assignment in drafts.assignments[2:4]:
        with django_capture_on_commit_callbacks(execute=True):
            submit_through_the_service(assignment, drafts.criteria)

    assert apply_async.call_args_list == [expected_call(drafts.rubric)] * 2


def test_submissions_to_two_rubrics_schedule_one_run_each(
    drafts, apply_async, django_capture_on_commit_callbacks
):
    other = published_rubric()
    other_criteria = list(other.criteria.order_by("order", "id"))
    other_assignment = ReviewAssignmentFactory(application=ApplicationFactory(rubric=other))

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        submit_through_the_service(drafts.assignments[0], drafts.criteria)
        submit_through_the_service(other_assignment, other_criteria)
        submit_through_the_service(drafts.assignments[1], drafts.criteria)

    assert apply_async.call_args_list == [expected_call(drafts.rubric), expected_call(other)]


def test_saving_a_draft_schedules_nothing(drafts, apply_async, django_capture_on_commit_callbacks):
    assignment = drafts.assignments[0]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.scorecard_save(
            scorecard=assignment.scorecard,
            reviewer=assignment.reviewer,
            scores=[{"criterion": drafts.criteria[0].pk, "value": 2}],
        )

    assert callbacks == []
    apply_async.assert_not_called()


def test_submissions_schedule_nothing_when_calibration_on_submit_is_off(
    drafts, apply_async, settings, django_capture_on_commit_callbacks
):
    settings.CALIBRATION_ON_SUBMIT = False

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        submit_through_the_service(drafts.assignments[0], drafts.criteria)

    assert callbacks == []
    apply_async.assert_not_called()


def test_a_submission_that_asks_for_no_calibration_schedules_nothing(
    drafts, apply_async, django_capture_on_commit_callbacks
):
    assignment = drafts.assignments[0]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.scorecard_save(
            scorecard=assignment.scorecard,
            reviewer=assignment.reviewer,
            scores=[{"criterion": c.pk, "value": 3} for c in drafts.criteria],
            recommendation=3,
            submit=True,
            schedule_calibration=False,
        )

    assert callbacks == []
    apply_async.assert_not_called()


def test_a_rolled_back_transaction_leaves_no_marker_behind(
    drafts, apply_async, django_capture_on_commit_callbacks
):
    with pytest.raises(RuntimeError), transaction.atomic():
        submit_through_the_service(drafts.assignments[0], drafts.criteria)
        raise RuntimeError("the request failed after the submission")
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        submit_through_the_service(drafts.assignments[1], drafts.criteria)
        submit_through_the_service(drafts.assignments[2], drafts.criteria)

    assert len(callbacks) == 1
    assert apply_async.call_args_list == [expected_call(drafts.rubric)]


def test_a_rolled_back_submission_does_not_stop_the_next_from_scheduling(
    drafts, apply_async, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            submit_through_the_service(drafts.assignments[0], drafts.criteria)
            raise RuntimeError("the request failed after the submission")
        submit_through_the_service(drafts.assignments[1], drafts.criteria)

    assert apply_async.call_args_list == [expected_call(drafts.rubric)]


def test_the_scheduled_task_runs_a_submission_triggered_calibration(
    drafts, on_submit, django_capture_on_commit_callbacks
):
    """Unpatched: with eager Celery the countdown is ignored and the run
    happens at commit."""
    with django_capture_on_commit_callbacks(execute=True):
        submit_through_the_service(drafts.assignments[0], drafts.criteria)

    run = CalibrationRun.objects.get()
    assert (run.rubric_id, run.trigger, run.status, run.n_ratings) == (
        drafts.rubric.pk,
        "submission",
        "succeeded",
        3,
    )
    # Without a broker the window stays open after the run, for the rest of the burst.
    assert cache.get(debounce_key(drafts.rubric.pk)) == "1"


def test_without_a_broker_a_burst_of_separate_submissions_gives_one_run(
    on_submit, django_capture_on_commit_callbacks
):
    """Eleven reviewers submitting one after another, each in a request of their own, with
    eager Celery (the embedded default): one run, not eleven."""
    rubric = published_rubric()
    criteria = list(rubric.criteria.order_by("order", "id"))
    assignments = [
        ReviewAssignmentFactory(application=ApplicationFactory(rubric=rubric)) for _ in range(11)
    ]

    for assignment in assignments:
        with django_capture_on_commit_callbacks(execute=True):
            submit_through_the_service(assignment, criteria)

    assert CalibrationRun.objects.filter(rubric=rubric).count() == 1


# --- The ranking's adjusted score --------------------------------------------------------


def test_ranking_has_no_adjusted_score_before_any_run(world):
    rows = selectors.posting_ranking(posting=world.rubric.posting)

    assert {r.adjusted_score for r in rows} == {None}


def finished_run(rubric, status, minutes_ago, scores):
    from datetime import timedelta

    from django.utils import timezone

    run = CalibrationRun.objects.create(
        rubric=rubric, status=status, finished_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    ApplicationCalibration.objects.bulk_create(
        ApplicationCalibration(run=run, application=a, adjusted_score=s) for a, s in scores
    )
    return run


def test_ranking_shows_the_adjusted_score_of_the_latest_successful_run():
    rubric = published_rubric()
    criteria = list(rubric.criteria.order_by("order", "id"))
    application = ApplicationFactory(rubric=rubric)
    assign_and_submit(application, ReviewerFactory(), criteria, [3, 3, 3])
    finished_run(rubric, "succeeded", 60, [(application, 10.0)])
    finished_run(rubric, "succeeded", 30, [(application, 20.123)])
    finished_run(rubric, "failed", 10, [(application, 30.0)])
    CalibrationRun.objects.create(rubric=rubric, status="running")
    # Runs made by hand here: the store step of a real run refreshes the stored rows.
    refresh_adjusted_scores([rubric.pk])

    [row] = selectors.posting_ranking(posting=rubric.posting)

    assert (row.score, row.adjusted_score) == (66.67, 20.12)


def test_deleting_the_latest_run_brings_back_the_adjusted_score_of_the_one_before():
    rubric = published_rubric()
    criteria = list(rubric.criteria.order_by("order", "id"))
    application = ApplicationFactory(rubric=rubric)
    assign_and_submit(application, ReviewerFactory(), criteria, [3, 3, 3])
    finished_run(rubric, "succeeded", 60, [(application, 10.0)])
    latest = finished_run(rubric, "succeeded", 30, [(application, 90.0)])
    refresh_adjusted_scores([rubric.pk])

    latest.delete()

    [row] = selectors.posting_ranking(posting=rubric.posting)
    assert row.adjusted_score == 10.0


def test_ranking_has_no_adjusted_score_for_an_application_scored_after_the_run(world):
    calibration_run(rubric_id=world.rubric.pk)
    late = ApplicationFactory(rubric=world.rubric, candidate=CandidateFactory(full_name="Late"))
    assign_and_submit(late, world.ada, world.criteria, [2, 2, 2])

    rows = {r.candidate_name: r for r in selectors.posting_ranking(posting=world.rubric.posting)}

    assert (rows["Late"].score, rows["Late"].adjusted_score) == (33.33, None)


def test_ranking_orders_by_adjusted_score(world, same_quality_pair):
    calibration_run(rubric_id=world.rubric.pk)

    rows = selectors.posting_ranking(posting=world.rubric.posting, order="-adjusted")

    adjusted = [r.adjusted_score for r in rows]
    assert adjusted == sorted(adjusted, reverse=True)


def test_the_database_refuses_an_unknown_method(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        CalibrationRun.objects.create(rubric=world.rubric, method="bayes")
