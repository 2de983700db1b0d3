"""Stored application scores (``ApplicationScore``): one row per application holding what
the ranking shows, sorts and filters on, recomputed from the ratings with the scoring code
the rest of the project uses (``screening.scoring``, ``selectors.rules_for``).

``refresh_application_scores`` runs in the transaction of every change that moves a row:
saves of applications and scorecards call it (``screening.models``' receivers: a submit,
a reopen, an assignment added or removed, a stage change, an application opened), bulk
writes call it themselves (imports, a calibration run storing its adjusted scores).
``rebuild_application_scores`` and ``differing_application_scores`` serve the
``rebuild_application_scores`` command."""

import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager

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
    return {
        app[0]: _row(
            app,
            counts.get(app[0], {}),
            totals.get(app[0], {}),
            answers.get(app[0], {}),
            criteria[app[5]],
            rules[app[5]],
            adjusted,
        )
        for app in apps
    }


def _row(app, count, totals, asked, criteria, rule, adjusted) -> dict:
    """One stored row's fields: ``app`` as ``_compute`` reads it, ``count`` its scorecard
    counts and tally, ``totals`` and ``asked`` the level sums above the minimum and the
    yes/no counts of its submitted scores, ``criteria`` and ``rule`` its rubric's criteria
    (in order) and rules, ``adjusted`` an ``AdjustedScores`` (or a dict) holding it or not."""
    pk, posting_id, candidate_id, name, stage, rubric_id, version, scale_max = app
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
        scale = scoring.Scale(SCALE_MIN, scale_max)
        cons = scoring.consensus_from_totals(totals, submitted, rule, scale)
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
            failed=[c.title for c in criteria if c.pk in failed],
        )
        if pk in adjusted:
            row.update(
                adjusted_score=adjusted[pk],
                has_adjusted=True,
                adjusted_group=getattr(adjusted, "group", {}).get(pk),
                adjusted_run_id=getattr(adjusted, "run", {}).get(pk),
            )
    return row


@transaction.atomic(savepoint=False)
def refresh_application_scores(
    application_ids: Iterable[int],
    *,
    create: bool = True,
    criteria: Mapping[int, Sequence[Criterion]] | None = None,
    keep_adjusted: bool = False,
) -> int:
    """Recompute and store the rows of these applications, in the caller's transaction.
    Each row is locked before the ratings are read, so that two submissions for one
    application at once serialise here and the second sees the first's scorecard.
    ``create=False`` updates existing rows only (an application being deleted keeps none).
    ``criteria`` (rubric id → its criteria in order), when the caller has them, saves
    reading them again. ``keep_adjusted`` says that the change stores no calibration
    result: a row scored before keeps its adjusted columns (a calibration run rewrites
    them in its own transaction) rather than read them again. Inside
    ``one_refresh_per_application`` the ids are only noted, and refreshed once each when
    that block ends. Returns the number of rows written."""
    pending = getattr(_local, "pending", None)
    if pending is not None:
        for pk in application_ids:
            pending[pk] = pending.get(pk, False) or create
        return 0
    ids = list(application_ids)
    if len(ids) == 1 and (
        (written := _refresh_one(ids[0], criteria or {}, keep_adjusted)) is not None
    ):
        return written
    written = 0
    for chunk in _chunks(ids):
        existing = set(
            ApplicationScore.objects.select_for_update()
            .filter(pk__in=chunk)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        rows = _compute(chunk)
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


_local = threading.local()


@contextmanager
def one_refresh_per_application(
    *, criteria: Mapping[int, Sequence[Criterion]] | None = None, keep_adjusted: bool = False
) -> Iterator[None]:
    """Within the block, the refreshes asked for (a scorecard's save and an application's
    fire one each) are noted, not run; when the block ends without an error each noted
    application is refreshed once, still in the caller's transaction (use it inside one).
    ``criteria`` and ``keep_adjusted`` as ``refresh_application_scores`` takes them. A
    block inside another leaves the refresh to the outer one."""
    if getattr(_local, "pending", None) is not None:
        yield
        return
    pending: dict[int, bool] = {}
    _local.pending = pending
    try:
        yield
    finally:
        _local.pending = None
    for pk, create in sorted(pending.items()):  # the order every path locks rows in
        refresh_application_scores(
            [pk], create=create, criteria=criteria, keep_adjusted=keep_adjusted
        )


def _refresh_one(
    pk: int, criteria: Mapping[int, Sequence[Criterion]], keep_adjusted: bool
) -> int | None:
    """``refresh_application_scores`` of one application whose row exists: lock the row
    and read the application's fields, read its scorecards with their scores, write; and
    the rubric's criteria unless given, the adjusted score unless kept (a row scored
    before, with ``keep_adjusted``). None when the application has no row yet (the general
    path creates it)."""
    locked = list(
        ApplicationScore.objects.select_for_update(of=("self",))
        .filter(pk=pk)
        .values_list(
            "application__posting_id",
            "application__candidate_id",
            "application__candidate__full_name",
            "application__stage",
            "application__rubric_id",
            "application__rubric__version",
            "application__rubric__scale_max",
            "submitted",
            "adjusted_score",
            "adjusted_group",
            "adjusted_run_id",
        )
    )
    if not locked:
        return None
    *app, was_submitted, adjusted_score, adjusted_group, adjusted_run_id = locked[0]
    app = (pk, *app)
    rubric_id = app[5]
    count: dict[str, int] = {"submitted": 0, "pending": 0}
    sums: dict[int, list[int]] = {}  # criterion → [level total, levels, yes, no]
    seen: set[int] = set()
    # Every scorecard of the application, a row per score (one with no score: nulls).
    ratings = (
        Scorecard.objects.filter(application_id=pk)
        .order_by()
        .values_list(
            "pk",
            "status",
            "recommendation",
            "scores__criterion_id",
            "scores__value",
            "scores__answer",
        )
    )
    for card_id, status, recommendation, criterion_id, value, answer in ratings:
        if card_id not in seen:
            seen.add(card_id)
            if status == SUBMITTED:
                count["submitted"] += 1
                name = _TALLY[recommendation]
                count[name] = count.get(name, 0) + 1
            else:
                count["pending"] += 1
        if status != SUBMITTED or criterion_id is None:
            continue
        entry = sums.setdefault(criterion_id, [0, 0, 0, 0])
        if value is not None:
            entry[0] += value
            entry[1] += 1
        if answer is not None:
            entry[2 if answer else 3] += 1
    totals = {c: float(t - n * SCALE_MIN) for c, (t, n, _, _) in sums.items() if n}
    asked = {c: (yes, no) for c, (_, _, yes, no) in sums.items() if yes or no}
    if rubric_id in criteria:
        rubric_criteria = list(criteria[rubric_id])
    else:
        rubric_criteria = list(
            Criterion.objects.filter(rubric_id=rubric_id).order_by("order", "id")
        )
    adjusted: dict = {}
    if count["submitted"] and was_submitted and keep_adjusted:
        # The row was scored before: its adjusted columns are the latest run's already (a
        # calibration run rewrites them in its own transaction, and this row is locked).
        if adjusted_score is not None:
            adjusted = hooks.AdjustedScores(
                {pk: adjusted_score},
                group={} if adjusted_group is None else {pk: adjusted_group},
                run={pk: adjusted_run_id},
            )
    elif count["submitted"]:
        adjusted = hooks.adjusted_scores([rubric_id], application_ids=[pk])
    row = _row(app, count, totals, asked, rubric_criteria, rules_for(rubric_criteria), adjusted)
    ApplicationScore.objects.filter(pk=pk).update(**row)
    return 1


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
