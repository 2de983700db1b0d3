"""Every read of calibration data: runs with their results, the latest
adjusted scores, and the rubrics the nightly task calibrates."""

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet

from calibration import explain
from calibration.models import (
    ApplicationCalibration,
    CalibrationRun,
    CriterionCalibration,
    ReviewerCalibration,
)
from rubrics.models import Rubric
from screening import hooks
from screening.models import Scorecard


def runs() -> QuerySet[CalibrationRun]:
    return CalibrationRun.objects.all()


def run_for_charts(run_id) -> CalibrationRun | None:
    return CalibrationRun.objects.select_related("rubric").filter(pk=run_id).first()


def runs_with_results() -> QuerySet[CalibrationRun]:
    """Runs with their reviewer and criterion rows prefetched."""
    return CalibrationRun.objects.prefetch_related(
        Prefetch("reviewers", queryset=ReviewerCalibration.objects.select_related("reviewer")),
        Prefetch(
            "criteria",
            queryset=CriterionCalibration.objects.select_related("criterion").order_by(
                "criterion__order"
            ),
        ),
    )


def runs_with_flag_counts(qs: QuerySet[CalibrationRun]) -> QuerySet[CalibrationRun]:
    """``qs`` with ``flagged_count``: how many reviewers each run flagged."""
    return qs.annotate(flagged_count=Count("reviewers", filter=Q(reviewers__flagged=True)))


def rubrics_to_calibrate() -> list[int]:
    """Ids of the published rubrics that have submitted scorecards."""
    return list(
        Rubric.objects.filter(
            state=Rubric.State.PUBLISHED,
            applications__scorecards__status=Scorecard.Status.SUBMITTED,
        )
        .values_list("pk", flat=True)
        .distinct()
    )


def latest_adjusted_scores(rubric_ids, application_ids=None) -> hooks.AdjustedScores:
    """Severity-adjusted scores from each rubric's latest successful
    calibration run (of ``application_ids`` only, when given): two queries
    whatever the number of applications (a third for the reviewers' names when
    a run found more than one group; then each application's group and the
    warnings come with the scores)."""
    latest: dict[int, tuple[int, list]] = {}
    for rubric_id, run_id, groups in (
        CalibrationRun.objects.filter(
            rubric_id__in=rubric_ids, status=CalibrationRun.Status.SUCCEEDED
        )
        .order_by("rubric_id", "-finished_at", "-id")
        .values_list("rubric_id", "pk", "groups")
    ):
        latest.setdefault(rubric_id, (run_id, groups or []))
    if not latest:
        return hooks.AdjustedScores()
    scores, group_of, run_of = {}, {}, {}
    rows = ApplicationCalibration.objects.filter(
        run_id__in=[run_id for run_id, _ in latest.values()]
    )
    if application_ids is not None:
        rows = rows.filter(application_id__in=application_ids) if application_ids else rows.none()
    for app_id, score, group, run_id in rows.values_list(
        "application_id", "adjusted_score", "group", "run_id"
    ):
        scores[app_id] = round(score, 2)
        run_of[app_id] = run_id
        if group is not None:
            group_of[app_id] = group
    split = {run_id: groups for run_id, groups in latest.values() if len(groups) > 1}
    warnings = []
    if split:
        ids = {pk for groups in split.values() for g in groups for pk in g["reviewers"]}
        names = {u.pk: _display_name(u) for u in get_user_model().objects.filter(pk__in=ids)}
        for run_id, groups in split.items():
            warnings += run_warnings(CalibrationRun(pk=run_id, groups=groups), names)
    return hooks.AdjustedScores(scores, group=group_of, warnings=warnings, run=run_of)


def latest_succeeded_run(posting) -> CalibrationRun | None:
    """The newest finished calibration of any rubric of the posting."""
    return (
        CalibrationRun.objects.filter(
            rubric__posting=posting, status=CalibrationRun.Status.SUCCEEDED
        )
        .select_related("rubric")
        .order_by("-finished_at", "-id")
        .first()
    )


def reviewer_results(run: CalibrationRun) -> QuerySet[ReviewerCalibration]:
    return run.reviewers.select_related("reviewer")


def criterion_results(run: CalibrationRun) -> QuerySet[CriterionCalibration]:
    return run.criteria.select_related("criterion")


def rubrics_to_start() -> QuerySet[Rubric]:
    """Published rubrics, with their posting and number of applications."""
    return (
        Rubric.objects.filter(state=Rubric.State.PUBLISHED)
        .select_related("posting")
        .annotate(n_applications=Count("applications"))
    )


def run_for_page(run_id) -> CalibrationRun | None:
    """A run with its rubric and posting, and its reviewer rows (flagged first,
    most severe first) and criterion rows (rubric order) prefetched: the run
    page reads everything from these, in a fixed number of queries."""
    return (
        CalibrationRun.objects.select_related("rubric__posting")
        .prefetch_related(
            Prefetch(
                "reviewers",
                queryset=ReviewerCalibration.objects.select_related("reviewer").order_by(
                    "-flagged", "severity_shrunk", "pk"
                ),
            ),
            Prefetch(
                "criteria",
                queryset=CriterionCalibration.objects.select_related("criterion").order_by(
                    "criterion__order", "criterion_id"
                ),
            ),
        )
        .filter(pk=run_id)
        .first()
    )


def queued_run(rubric) -> CalibrationRun | None:
    """The rubric's oldest run still waiting for a worker, if any."""
    return (
        CalibrationRun.objects.filter(rubric=rubric, status=CalibrationRun.Status.QUEUED)
        .order_by("created_at", "pk")
        .first()
    )


def flag_counts(run: CalibrationRun) -> tuple[int, int]:
    """How many reviewers and criteria a run flagged."""
    return (
        run.reviewers.filter(flagged=True).count(),
        run.criteria.filter(flagged=True).count(),
    )


def _display_name(user) -> str:
    return user.get_full_name() or user.get_username()


def named_groups(run: CalibrationRun, names: dict[int, str] | None = None) -> list[dict]:
    """The run's groups with reviewer names: [{"number", "names",
    "applications"}]. ``names`` (user id → name) saves a query; without it
    the run's reviewer rows are read (prefetched on the run page and in the
    API's detail)."""
    if names is None:
        names = {row.reviewer_id: _display_name(row.reviewer) for row in run.reviewers.all()}
    return [
        {
            "number": g["number"],
            "names": [names.get(pk, f"user {pk}") for pk in g["reviewers"]],
            "applications": g["applications"],
        }
        for g in run.groups or []
    ]


def run_warnings(run: CalibrationRun, names: dict[int, str] | None = None) -> list[str]:
    """What to say before anyone compares this run's results ([] for one group)."""
    if not run.disconnected:
        return []
    return explain.groups_warning(named_groups(run, names))
