"""Stored application scores (``ApplicationScore``): one row per application holding what
the ranking shows, sorts and filters on, recomputed from the ratings with the scoring code
the rest of the project uses (``screening.scoring``, ``selectors.rules_for``).

``refresh_application_scores`` runs in the transaction of every change that moves a row:
saves of applications and scorecards call it (``screening.models``' receivers: a submit,
a reopen, an assignment added or removed, a stage change, an application opened), bulk
writes call it themselves (imports, a calibration run storing its adjusted scores).
``rebuild_application_scores`` and ``differing_application_scores`` serve the
``rebuild_application_scores`` command."""

from collections.abc import Iterable, Iterator

from django.db import transaction
from django.db.models import Count, Q, Sum

from rubrics.anchors import SCALE_MIN
from rubrics.models import Criterion
from screening import hooks, scoring
from screening.models import Application, ApplicationScore, CriterionScore, Scorecard
from screening.selectors import rules_for

CHUNK = 2000
SUBMITTED = Scorecard.Status.SUBMITTED
# Every stored field but the key, in the order the model declares them.
FIELDS = [f.attname for f in ApplicationScore._meta.concrete_fields if not f.primary_key]
_TALLY = {
    Scorecard.Recommendation.STRONG_NO: "strong_no",
    Scorecard.Recommendation.NO: "no",
    Scorecard.Recommendation.YES: "yes",
    Scorecard.Recommendation.STRONG_YES: "strong_yes",
    None: "unrecommended",
}


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ids = sorted(set(ids))
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def compute_application_scores(application_ids: Iterable[int]) -> dict[int, dict]:
    """Application id → the stored row's fields, computed from scratch from the ratings:
    five queries a chunk of 2,000 applications. Applications that no longer exist are
    left out."""
    result: dict[int, dict] = {}
    for ids in _chunks(application_ids):
        result.update(_compute(ids))
    return result


def _compute(ids: list[int]) -> dict[int, dict]:
    apps = list(
        Application.objects.filter(pk__in=ids)
        .order_by("pk")
        .values_list(
            "pk",
            "posting_id",
            "candidate_id",
            "candidate__full_name",
            "stage",
            "rubric_id",
            "rubric__version",
            "rubric__scale_max",
        )
    )
    if not apps:
        return {}
    rubric_ids = {a[5] for a in apps}
    criteria: dict[int, list[Criterion]] = {rid: [] for rid in rubric_ids}
    for c in Criterion.objects.filter(rubric_id__in=rubric_ids).order_by("order", "id"):
        criteria[c.rubric_id].append(c)
    rules = {rid: rules_for(cs) for rid, cs in criteria.items()}

    counts: dict[int, dict] = {}
    for app_id, status, recommendation, n in (
        Scorecard.objects.filter(application_id__in=ids)
        .values_list("application_id", "status", "recommendation")
        .annotate(n=Count("id"))
        .order_by()
    ):
        row = counts.setdefault(app_id, {"submitted": 0, "pending": 0})
        if status == SUBMITTED:
            row["submitted"] += n
            name = _TALLY[recommendation]
            row[name] = row.get(name, 0) + n
        else:
            row["pending"] += n

    scored = [a[0] for a in apps if counts.get(a[0], {}).get("submitted")]
    totals: dict[int, dict[int, float]] = {}
    answers: dict[int, dict[int, tuple[int, int]]] = {}
    # One aggregate gives both: level sums of scored criteria and yes/no counts of
    # screening questions (a score row holds a value or an answer, never both).
    for app_id, criterion_id, total, n, yes, no in (
        CriterionScore.objects.filter(
            scorecard__application_id__in=scored, scorecard__status=SUBMITTED
        )
        .filter(Q(value__isnull=False) | Q(answer__isnull=False))
        .values_list("scorecard__application_id", "criterion_id")
        .annotate(
            total=Sum("value"),
            n=Count("value"),
            yes=Count("id", filter=Q(answer=True)),
            no=Count("id", filter=Q(answer=False)),
        )
        .order_by()
    ):
        if n:
            totals.setdefault(app_id, {})[criterion_id] = float(total - n * SCALE_MIN)
        if yes or no:
            answers.setdefault(app_id, {})[criterion_id] = (yes, no)

    adjusted = hooks.adjusted_scores(rubric_ids, application_ids=scored) if scored else {}
    groups = getattr(adjusted, "group", {})
    runs = getattr(adjusted, "run", {})

    result = {}
    for pk, posting_id, candidate_id, name, stage, rubric_id, version, scale_max in apps:
        count = counts.get(pk, {})
        submitted = count.get("submitted", 0)
        row = {
            "posting_id": posting_id,
            "candidate_id": candidate_id,
            "candidate_name": name,
            "name_key": name.lower(),
            "stage": stage,
            "rubric_id": rubric_id,
            "rubric_version": version,
            "submitted": submitted,
            "pending": count.get("pending", 0),
            "consensus": {},
            "answers": {},
            "score": None,
            "has_score": False,
            "must_haves": ApplicationScore.MustHaves.UNSCORED,
            "must_haves_met": None,
            "questions_passed": None,
            "failed": [],
            "adjusted_score": None,
            "has_adjusted": False,
            "adjusted_group": None,
            "adjusted_run_id": None,
            **{name: count.get(name, 0) for name in _TALLY.values()},
        }
        if submitted:
            rule = rules[rubric_id]
            scale = scoring.Scale(SCALE_MIN, scale_max)
            cons = scoring.consensus_from_totals(totals.get(pk, {}), submitted, rule, scale)
            asked = answers.get(pk, {})
            knocked_out = set(scoring.failed_must_haves(cons, rule))
            refused = set(scoring.failed_screening_questions(asked))
            failed = knocked_out | refused
            row.update(
                consensus={str(c): v for c, v in cons.items()},
                answers={str(q): list(yes_no) for q, yes_no in asked.items()},
                score=round(scoring.weighted_score(cons, rule, scale), 2),
                has_score=True,
                must_haves=(
                    ApplicationScore.MustHaves.FAIL if failed else ApplicationScore.MustHaves.PASS
                ),
                must_haves_met=not knocked_out,
                questions_passed=not refused,
                failed=[c.title for c in criteria[rubric_id] if c.pk in failed],
            )
            if pk in adjusted:
                row.update(
                    adjusted_score=adjusted[pk],
                    has_adjusted=True,
                    adjusted_group=groups.get(pk),
                    adjusted_run_id=runs.get(pk),
                )
        result[pk] = row
    return result


@transaction.atomic(savepoint=False)
def refresh_application_scores(application_ids: Iterable[int], *, create: bool = True) -> int:
    """Recompute and store the rows of these applications, in the caller's transaction.
    Each row is locked before the ratings are read, so that two submissions for one
    application at once serialise here and the second sees the first's scorecard.
    ``create=False`` updates existing rows only (an application being deleted keeps none).
    Returns the number of rows written."""
    written = 0
    for ids in _chunks(application_ids):
        existing = set(
            ApplicationScore.objects.select_for_update()
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        rows = _compute(ids)
        if not create:
            rows = {pk: row for pk, row in rows.items() if pk in existing}
        if rows:
            ApplicationScore.objects.bulk_create(
                [ApplicationScore(application_id=pk, **row) for pk, row in rows.items()],
                update_conflicts=True,
                unique_fields=["application"],
                update_fields=FIELDS,
            )
            written += len(rows)
    return written


def rebuild_application_scores(*, posting_id: int | None = None) -> int:
    """Rebuild every application's row (of one posting, given its id) from the ratings, a
    chunk of 2,000 applications a transaction. Returns the number of rows written."""
    ids = Application.objects.order_by("pk")
    if posting_id is not None:
        ids = ids.filter(posting_id=posting_id)
    written = 0
    all_ids = list(ids.values_list("pk", flat=True))
    for chunk in _chunks(all_ids):
        written += refresh_application_scores(chunk)
    return written


def stored_row(score: ApplicationScore) -> dict:
    """A stored row's fields, as ``compute_application_scores`` gives them."""
    return {name: getattr(score, name) for name in FIELDS}


def differing_application_scores(*, posting_id: int | None = None) -> list[int]:
    """Ids of the applications whose stored row is missing or differs from a recomputation
    from the ratings (of one posting, given its id)."""
    apps = Application.objects.order_by("pk")
    if posting_id is not None:
        apps = apps.filter(posting_id=posting_id)
    differing = []
    for ids in _chunks(apps.values_list("pk", flat=True)):
        stored = {s.pk: stored_row(s) for s in ApplicationScore.objects.filter(pk__in=ids)}
        for pk, row in _compute(ids).items():
            if stored.get(pk) != row:
                differing.append(pk)
    return differing


def refresh_adjusted_scores(
    rubric_ids: Iterable[int], *, adjusted: hooks.AdjustedScores | None = None
) -> int:
    """Store the adjusted scores of these rubrics' latest successful calibration runs on
    their applications' rows (a calibration run calls it in the transaction that stores
    its results): the adjusted columns only, changed rows only, set-based. Returns the
    number of rows changed. ``adjusted``: those scores when the caller has them (a run
    storing its own, as the hook would read them back); otherwise read through the hook."""
    rubric_ids = list(rubric_ids)
    if adjusted is None:
        adjusted = hooks.adjusted_scores(rubric_ids)
    groups = getattr(adjusted, "group", {})
    runs = getattr(adjusted, "run", {})
    changed = []
    for pk, submitted, *stored in (
        ApplicationScore.objects.filter(rubric_id__in=rubric_ids)
        .select_for_update()
        .order_by("pk")  # the order every other path locks rows in: no deadlock
        .values_list("pk", "submitted", "adjusted_score", "adjusted_group", "adjusted_run_id")
    ):
        new = [None, None, None]
        if submitted and pk in adjusted:
            new = [adjusted[pk], groups.get(pk), runs.get(pk)]
        if new != stored:
            changed.append((pk, *new))
    if not changed:
        return 0
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(ApplicationScore._meta.db_table)

        def array(values, cast=str):
            return "{" + ",".join("NULL" if v is None else cast(v) for v in values) + "}"

        with connection.cursor() as cursor:
            # One statement for every row: the values go in as array literals (repr gives
            # each float exactly), no adapted Python object per row.
            cursor.execute(
                f"UPDATE {table} AS s SET adjusted_score = t.score, "
                "has_adjusted = t.score IS NOT NULL, adjusted_group = t.grp, "
                "adjusted_run_id = t.run FROM unnest(%s::bigint[], %s::double precision[], "
                "%s::smallint[], %s::bigint[]) AS t(id, score, grp, run) "
                "WHERE s.application_id = t.id",
                [
                    array(c[0] for c in changed),
                    array((c[1] for c in changed), repr),
                    array(c[2] for c in changed),
                    array(c[3] for c in changed),
                ],
            )
        return len(changed)
    ApplicationScore.objects.bulk_update(
        [
            ApplicationScore(
                application_id=pk,
                adjusted_score=score,
                has_adjusted=score is not None,
                adjusted_group=group,
                adjusted_run_id=run,
            )
            for pk, score, group, run in changed
        ],
        ["adjusted_score", "has_adjusted", "adjusted_group", "adjusted_run_id"],
        batch_size=500,
    )
    return len(changed)
