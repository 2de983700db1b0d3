"""Calibration sessions: the services that make, open and score them, the selectors that
read them, and the figures of their results.

A session is a practice round: 2–5 applications of one posting with an answer key agreed
by lead reviewers; each assigned reviewer scores every item blind (no key, nobody else's
levels) and afterwards sees how far they were from the key. Session ratings are stored in
their own tables, so rankings, consensus, calibration runs and exports never read them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from calibration.models import (
    CalibrationSession,
    SessionAssignment,
    SessionItem,
    SessionKey,
    SessionRating,
)
from core import audit
from core.errors import Conflict
from core.roles import is_recruiter
from rubrics.anchors import SCALE_MIN
from rubrics.models import Criterion, JobPosting, Rubric
from screening.anonymity import IdentityScreen, candidate_code
from screening.models import Application, Candidate, Scorecard

MIN_ITEMS = 2
MAX_ITEMS = 5
MISREAD_SHOWN = 5


@dataclass
class ItemInput:
    """One item as a recruiter gives it: a real application, or a title and a profile
    written for training; `key` maps a criterion id to its agreed level. `id` names an
    item of the session to keep (its ratings, none yet in a draft, stay with it)."""

    application: Application | None = None
    title: str = ""
    profile: str = ""
    key: Mapping[int, int] = field(default_factory=dict)
    id: int | None = None


# --- Selectors ---------------------------------------------------------------------------


def session_criteria(rubric: Rubric) -> list[Criterion]:
    """The criteria a session scores: every one with levels (yes/no screening questions
    have no anchors to misread)."""
    return list(rubric.criteria.exclude(kind=Criterion.Kind.SCREENING).order_by("order", "id"))


def sessions_visible_to(user) -> QuerySet[CalibrationSession]:
    """Recruiters see every session; a reviewer only the open or completed ones they are
    assigned to. Counts of items, reviewers and submissions ride along (no query per row)."""
    qs = CalibrationSession.objects.select_related("posting", "rubric").annotate(
        n_items=Count("items", distinct=True),
        n_reviewers=Count("assignments", distinct=True),
        n_submitted=Count(
            "assignments", filter=Q(assignments__submitted_at__isnull=False), distinct=True
        ),
    )
    if is_recruiter(user):
        return qs
    return qs.filter(assignments__reviewer=user).exclude(status=CalibrationSession.Status.DRAFT)


def session_with_items(qs: QuerySet[CalibrationSession]) -> QuerySet[CalibrationSession]:
    """`qs` with the items (their candidates, their key) and the reviewers prefetched."""
    return qs.prefetch_related(
        Prefetch(
            "items",
            queryset=SessionItem.objects.select_related(
                "application__candidate", "application__posting"
            ).prefetch_related("key"),
        ),
        Prefetch(
            "assignments",
            queryset=SessionAssignment.objects.select_related("reviewer").order_by(
                "reviewer__first_name", "reviewer__last_name", "reviewer__username"
            ),
        ),
    )


def own_session_assignments(user) -> QuerySet[SessionAssignment]:
    """A reviewer's own sessions (not drafts), the ones to score first, newest first."""
    return (
        SessionAssignment.objects.filter(reviewer=user)
        .exclude(session__status=CalibrationSession.Status.DRAFT)
        .select_related("session__posting", "session__rubric")
        .annotate(n_items=Count("session__items", distinct=True))
    )


def own_session_assignment(user, assignment_id) -> SessionAssignment | None:
    return own_session_assignments(user).filter(pk=assignment_id).first()


def assignment_of(session: CalibrationSession, user) -> SessionAssignment | None:
    return SessionAssignment.objects.filter(session=session, reviewer=user).first()


def may_see_key(user, session: CalibrationSession) -> bool:
    """The answer key and everyone's results: recruiters, unless they are assigned
    to the session and have not submitted (then they score blind like any
    reviewer); a reviewer once they have submitted."""
    mine = assignment_of(session, user)
    if mine is not None:
        return mine.is_submitted
    return is_recruiter(user)


def items_for_scoring(session: CalibrationSession, viewer=None) -> list[SessionItem]:
    """The items as a reviewer scores them: no key, no one's ratings; with a ``viewer``,
    anonymised as they may see them (`anonymise_items`)."""
    items = list(
        session.items.select_related("application__candidate", "application__posting").order_by(
            "order", "id"
        )
    )
    if viewer is not None:
        anonymise_items(items, viewer)
    return items


def anonymise_items(items: Iterable[SessionItem], viewer) -> None:
    """Real applications whose candidate ``viewer`` may not identify (an anonymised posting,
    `screening.anonymity`) show as the candidate's code, without links, in these instances
    only (``anonymised`` set on each item; nothing is saved): their ``label`` is the code."""
    screen = IdentityScreen(viewer)
    for item in items:
        item.anonymised = bool(item.application_id) and screen.hidden(item.application)
        if item.anonymised:
            code = candidate_code(item.application.candidate_id)
            item.title = code
            # A stand-in, never saved: what the page may read of the candidate.
            item.application.candidate = Candidate(id=item.application.candidate_id, full_name=code)


@dataclass
class DigestSessions:
    completed: list  # sessions completed in the period, with `n_reviewers`
    current: CalibrationSession | None  # the newest open session
    pending: list[str]  # who has not submitted the current one


def digest_sessions(posting: JobPosting, start: datetime, end: datetime) -> DigestSessions:
    """For the posting's digest: its sessions completed from `start` up to `end`, and its
    newest open session with the reviewers who have not submitted it. One query, and one
    more when there is a session to tell of."""
    pending = SessionAssignment.objects.filter(submitted_at__isnull=True).select_related("reviewer")
    rows = list(
        CalibrationSession.objects.filter(posting=posting)
        .filter(
            Q(
                status=CalibrationSession.Status.COMPLETED,
                completed_at__gte=start,
                completed_at__lt=end,
            )
            | Q(status=CalibrationSession.Status.OPEN)
        )
        .annotate(n_reviewers=Count("assignments"))
        .prefetch_related(Prefetch("assignments", queryset=pending, to_attr="pending"))
        .order_by("completed_at", "-opened_at", "-id")
    )
    completed = [s for s in rows if s.status == CalibrationSession.Status.COMPLETED]
    current = next((s for s in rows if s.status == CalibrationSession.Status.OPEN), None)
    names = sorted(person_name(a.reviewer) for a in current.pending) if current else []
    return DigestSessions(completed, current, names)


# --- Results -----------------------------------------------------------------------------


def person_name(user) -> str:
    return user.get_full_name() or user.get_username()


@dataclass(frozen=True)
class Distance:
    """How far a set of ratings fell from the key: mean absolute difference and signed
    bias (+ = more lenient than the key), in scale points, over `n` ratings."""

    n: int
    mad: float | None
    bias: float | None

    @classmethod
    def of(cls, differences: list[int]) -> Distance:
        if not differences:
            return cls(0, None, None)
        n = len(differences)
        return cls(n, sum(abs(d) for d in differences) / n, sum(differences) / n)


@dataclass
class CriterionDistance:
    criterion_id: int
    title: str
    distance: Distance


@dataclass
class ReviewerResult:
    reviewer_id: int
    name: str
    submitted_at: datetime | None
    overall: Distance
    by_criterion: list[CriterionDistance]


@dataclass
class Misread:
    """An anchor reviewers read differently from the key: on `criterion`, items keyed at
    `key_level` got `chosen` levels instead (level, count), `n_misread` of `n_ratings`."""

    criterion_id: int
    title: str
    key_level: int
    key_label: str
    anchor: str
    n_ratings: int
    n_misread: int
    chosen: list[tuple[int, int]]


@dataclass
class ItemRow:
    """One item for one reviewer: the key and their level per criterion (after submit)."""

    item: SessionItem
    cells: list[tuple[int | None, int | None]]  # (key, theirs) per criterion


@dataclass
class SessionResults:
    session: CalibrationSession
    criteria: list[Criterion]
    reviewers: list[ReviewerResult]
    by_criterion: list[CriterionDistance]  # everyone's ratings
    overall: Distance  # everyone's ratings on every criterion
    misread: list[Misread]
    pending: list[str]
    level_labels: tuple[str, ...]


def session_results(session: CalibrationSession, *, reviewer=None) -> SessionResults:
    """Distances from the key per reviewer and criterion, the anchors most often misread
    and who has not finished. With `reviewer`, only that reviewer's figures (what they may
    see once submitted). A fixed handful of queries, whatever the size of the session."""
    criteria = session_criteria(session.rubric)
    titles = {c.pk: c.title for c in criteria}
    anchors = {c.pk: c.anchors for c in criteria}
    key = {
        (item_id, criterion_id): level
        for item_id, criterion_id, level in SessionKey.objects.filter(
            item__session=session
        ).values_list("item_id", "criterion_id", "level")
    }
    assignments = list(
        session.assignments.select_related("reviewer").order_by(
            "reviewer__first_name", "reviewer__last_name", "reviewer__username"
        )
    )
    if reviewer is not None:
        assignments = [a for a in assignments if a.reviewer_id == reviewer.pk]
    submitted = {a.pk: a for a in assignments if a.is_submitted}
    ratings = SessionRating.objects.filter(assignment_id__in=list(submitted)).values_list(
        "assignment_id", "item_id", "criterion_id", "level"
    )
    diffs: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    chosen: dict[tuple[int, int], Counter] = defaultdict(Counter)
    for assignment_id, item_id, criterion_id, level in ratings:
        agreed = key.get((item_id, criterion_id))
        if agreed is None or criterion_id not in titles:
            continue
        diffs[assignment_id][criterion_id].append(level - agreed)
        chosen[(criterion_id, agreed)][level] += 1
    reviewers = []
    for a in assignments:
        mine = diffs.get(a.pk, {})
        reviewers.append(
            ReviewerResult(
                reviewer_id=a.reviewer_id,
                name=person_name(a.reviewer),
                submitted_at=a.submitted_at,
                overall=Distance.of([d for c in criteria for d in mine.get(c.pk, [])]),
                by_criterion=[
                    CriterionDistance(c.pk, c.title, Distance.of(mine.get(c.pk, [])))
                    for c in criteria
                ],
            )
        )
    by_criterion = [
        CriterionDistance(
            c.pk,
            c.title,
            Distance.of([d for mine in diffs.values() for d in mine.get(c.pk, [])]),
        )
        for c in criteria
    ]
    labels = session.rubric.level_labels
    misread = []
    for (criterion_id, agreed), counts in chosen.items():
        wrong = sorted(((lvl, n) for lvl, n in counts.items() if lvl != agreed), key=_by_count)
        if not wrong:
            continue
        level_anchors = anchors.get(criterion_id) or []
        misread.append(
            Misread(
                criterion_id=criterion_id,
                title=titles[criterion_id],
                key_level=agreed,
                key_label=labels[agreed - SCALE_MIN] if agreed - SCALE_MIN < len(labels) else "",
                anchor=level_anchors[agreed - SCALE_MIN]
                if agreed - SCALE_MIN < len(level_anchors)
                else "",
                n_ratings=sum(counts.values()),
                n_misread=sum(n for _, n in wrong),
                chosen=wrong,
            )
        )
    order = {c.pk: i for i, c in enumerate(criteria)}
    misread.sort(
        key=lambda m: (
            -m.n_misread,
            -m.n_misread / m.n_ratings,
            order[m.criterion_id],
            m.key_level,
        )
    )
    return SessionResults(
        session=session,
        criteria=criteria,
        reviewers=reviewers,
        by_criterion=by_criterion,
        overall=Distance.of([d for mine in diffs.values() for ds in mine.values() for d in ds]),
        misread=misread[:MISREAD_SHOWN],
        pending=[person_name(a.reviewer) for a in assignments if not a.is_submitted],
        level_labels=labels,
    )


def _by_count(pair: tuple[int, int]) -> tuple[int, int]:
    level, n = pair
    return (-n, level)


def item_rows(session: CalibrationSession, assignment: SessionAssignment) -> list[ItemRow]:
    """Each item with the key and the reviewer's level per criterion: for the reviewer's
    own page once they have submitted (never before)."""
    criteria = session_criteria(session.rubric)
    key = {
        (i, c): lvl
        for i, c, lvl in SessionKey.objects.filter(item__session=session).values_list(
            "item_id", "criterion_id", "level"
        )
    }
    theirs = {
        (i, c): lvl
        for i, c, lvl in assignment.ratings.values_list("item_id", "criterion_id", "level")
    }
    return [
        ItemRow(item, [(key.get((item.pk, c.pk)), theirs.get((item.pk, c.pk))) for c in criteria])
        for item in items_for_scoring(session, viewer=assignment.reviewer)
    ]


# --- Services ----------------------------------------------------------------------------


def _published_rubric(posting: JobPosting) -> Rubric:
    rubric = posting.rubrics.filter(state=Rubric.State.PUBLISHED).first()
    if rubric is None:
        raise ValidationError(
            {"posting": "This posting has no published rubric to calibrate against."}
        )
    return rubric


def _check_reviewers(reviewers: Iterable) -> list:
    reviewers = list(dict.fromkeys(reviewers))
    inactive = [person_name(r) for r in reviewers if not r.is_active]
    if inactive:
        raise ValidationError(
            {"reviewers": f"These accounts are not active: {', '.join(inactive)}."}
        )
    return reviewers


@transaction.atomic
def session_create(
    *,
    posting: JobPosting,
    title: str,
    key_agreed_by: str,
    actor,
    reviewers: Iterable = (),
    due_date: date | None = None,
    items: list[ItemInput] | None = None,
    open_now: bool = False,
) -> CalibrationSession:
    """A new session on the posting's published rubric, as a draft; with `items` (and
    their key) it can open for scoring straight away (`open_now`)."""
    _check_names(title, key_agreed_by)
    rubric = _published_rubric(posting)
    session = CalibrationSession.objects.create(
        title=title.strip(),
        posting=posting,
        rubric=rubric,
        key_agreed_by=key_agreed_by.strip(),
        due_date=due_date,
        created_by=actor,
    )
    reviewers = _check_reviewers(reviewers)
    SessionAssignment.objects.bulk_create(
        SessionAssignment(session=session, reviewer=r) for r in reviewers
    )
    audit.record(
        actor=actor,
        event="calibration_session.created",
        obj=session,
        summary=f"Calibration session “{session.title}” made for {posting.title}.",
        changes={
            "posting": [None, posting.pk],
            "rubric": [None, rubric.pk],
            "key_agreed_by": [None, session.key_agreed_by],
            "reviewers": [None, sorted(r.pk for r in reviewers)],
        },
    )
    if items is not None:
        session_set_items(session=session, items=items, actor=actor)
    if open_now:
        session = session_open(session=session, actor=actor)
    return session


def _check_names(title: str, key_agreed_by: str) -> None:
    """A session needs a title and the names of who agreed its key."""
    errors = {}
    if not title.strip():
        errors["title"] = "Give the session a title."
    if not key_agreed_by.strip():
        errors["key_agreed_by"] = "Name the lead reviewers who agreed the answer key."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def session_update(
    *,
    session: CalibrationSession,
    actor,
    title: str,
    key_agreed_by: str,
    due_date: date | None,
    reviewers: Iterable,
) -> CalibrationSession:
    """Change the session's title, key agreement, due date and reviewers. A reviewer who
    has submitted stays; one added to a completed session opens it again."""
    session = CalibrationSession.objects.select_for_update().get(pk=session.pk)
    _check_names(title, key_agreed_by)
    reviewers = _check_reviewers(reviewers)
    current = {a.reviewer_id: a for a in session.assignments.select_related("reviewer")}
    wanted = {r.pk: r for r in reviewers}
    dropped = [a for rid, a in current.items() if rid not in wanted]
    kept_submitted = [person_name(a.reviewer) for a in dropped if a.is_submitted]
    if kept_submitted:
        raise ValidationError(
            {
                "reviewers": f"{', '.join(kept_submitted)} already submitted this session; "
                "their results stay, so they cannot be taken off it."
            }
        )
    SessionAssignment.objects.filter(pk__in=[a.pk for a in dropped]).delete()
    added = [r for rid, r in wanted.items() if rid not in current]
    SessionAssignment.objects.bulk_create(
        SessionAssignment(session=session, reviewer=r) for r in added
    )
    before = {
        "title": session.title,
        "key_agreed_by": session.key_agreed_by,
        "due_date": session.due_date,
        "reviewers": sorted(current),
    }
    session.title, session.key_agreed_by, session.due_date = (
        title.strip(),
        key_agreed_by.strip(),
        due_date,
    )
    if added and session.status == CalibrationSession.Status.COMPLETED:
        session.status, session.completed_at = CalibrationSession.Status.OPEN, None
    session.save()
    if session.status == CalibrationSession.Status.OPEN and dropped and not added:
        _complete_if_done(session, actor)
    after = {
        "title": session.title,
        "key_agreed_by": session.key_agreed_by,
        "due_date": session.due_date,
        "reviewers": sorted(wanted),
    }
    changes = audit.diff(before, after)
    if changes:
        audit.record(
            actor=actor,
            event="calibration_session.updated",
            obj=session,
            summary=f"Calibration session “{session.title}” changed.",
            changes=changes,
        )
    return session


@transaction.atomic
def session_set_items(
    *, session: CalibrationSession, items: list[ItemInput], actor
) -> list[SessionItem]:
    """Replace a draft session's items and answer key. Errors are keyed by the item's
    place (`items[1].application`, `items[0].key`); nothing is kept when any is wrong."""
    session = CalibrationSession.objects.select_for_update().get(pk=session.pk)
    if not session.is_draft:
        raise Conflict(
            "Reviewers are scoring this session: its items and answer key can no longer change.",
            code="session_not_editable",
        )
    if len(items) > MAX_ITEMS:
        raise ValidationError(
            {"items": f"A session has {MIN_ITEMS} to {MAX_ITEMS} items, not {len(items)}."}
        )
    criteria = session_criteria(session.rubric)
    scale_max = session.rubric.scale_max
    errors: dict[str, str] = {}
    seen_applications: set[int] = set()
    for i, item in enumerate(items):
        where = f"items[{i}]"
        if item.application is not None:
            app = item.application
            if app.posting_id != session.posting_id:
                errors[f"{where}.application"] = (
                    f"{app.candidate.full_name} applied to another posting."
                )
            elif app.rubric_id != session.rubric_id:
                errors[f"{where}.application"] = (
                    f"{app.candidate.full_name}'s application is pinned to another version "
                    "of the rubric."
                )
            elif app.pk in seen_applications:
                errors[f"{where}.application"] = "This application is already in the session."
            seen_applications.add(app.pk)
        else:
            if not item.title.strip():
                errors[f"{where}.title"] = "An item written for training needs a title."
            if not item.profile.strip():
                errors[f"{where}.profile"] = (
                    "An item written for training needs a profile for reviewers to read."
                )
        missing = [c.title for c in criteria if item.key.get(c.pk) is None]
        unknown = set(item.key) - {c.pk for c in criteria}
        out_of_scale = [
            c.title
            for c in criteria
            if item.key.get(c.pk) is not None and not SCALE_MIN <= item.key[c.pk] <= scale_max
        ]
        if unknown:
            errors[f"{where}.key"] = "The key names criteria that are not in the rubric."
        elif out_of_scale:
            errors[f"{where}.key"] = (
                f"Choose key levels from {SCALE_MIN} to {scale_max} ({', '.join(out_of_scale)})."
            )
        elif missing:
            errors[f"{where}.key"] = f"Give the key's level for {', '.join(missing)}."
    if errors:
        raise ValidationError(errors)
    kept_ids = {item.id for item in items if item.id is not None}
    existing = {i.pk: i for i in session.items.all()}
    if kept_ids - set(existing):
        raise ValidationError({"items": "An item named is not in this session."})
    session.items.exclude(pk__in=kept_ids).delete()
    saved = []
    for order, item in enumerate(items, start=1):
        row = existing.get(item.id) if item.id is not None else None
        row = row or SessionItem(session=session)
        row.application = item.application
        row.title = "" if item.application is not None else item.title.strip()
        row.profile = "" if item.application is not None else item.profile.strip()
        row.order = order
        row.save()
        saved.append(row)
    SessionKey.objects.filter(item__session=session).delete()
    SessionKey.objects.bulk_create(
        SessionKey(item=row, criterion_id=c.pk, level=item.key[c.pk])
        for row, item in zip(saved, items, strict=True)
        for c in criteria
    )
    audit.record(
        actor=actor,
        event="calibration_session.items_set",
        obj=session,
        summary=f"{len(saved)} items and their answer key set.",
        changes={
            "items": [
                sorted(existing),
                [
                    {
                        "item": row.pk,
                        "application": row.application_id,
                        "title": row.title,
                        "key": {str(c.pk): item.key[c.pk] for c in criteria},
                    }
                    for row, item in zip(saved, items, strict=True)
                ],
            ]
        },
    )
    return saved


@transaction.atomic
def session_open(*, session: CalibrationSession, actor) -> CalibrationSession:
    """Open a draft for scoring: it needs 2–5 items, each with a full key, and a reviewer."""
    session = CalibrationSession.objects.select_for_update().get(pk=session.pk)
    if not session.is_draft:
        raise Conflict("This session is already open for scoring.", code="session_not_editable")
    n_items = session.items.count()
    if not MIN_ITEMS <= n_items <= MAX_ITEMS:
        raise ValidationError(
            {"items": f"A session has {MIN_ITEMS} to {MAX_ITEMS} items; this one has {n_items}."}
        )
    n_criteria = len(session_criteria(session.rubric))
    if SessionKey.objects.filter(item__session=session).count() != n_items * n_criteria:
        raise ValidationError({"items": "Give the key's level for every item on every criterion."})
    if not session.assignments.exists():
        raise ValidationError({"reviewers": "Assign at least one reviewer to score it."})
    # The key would show a reviewer the lead reviewers' levels for an application they
    # are still scoring for real: the anchoring blind scoring is there to prevent.
    still_scoring = (
        Scorecard.objects.filter(
            application__calibration_items__session=session,
            assignment__reviewer__calibration_sessions__session=session,
        )
        .exclude(status=Scorecard.Status.SUBMITTED)
        .select_related("assignment__reviewer", "application__candidate")
        .order_by("id")
    )
    if still_scoring.exists():
        pairs = "; ".join(
            f"{card.assignment.reviewer.get_full_name() or card.assignment.reviewer.username}"
            f" on {card.application.candidate.full_name}"
            for card in still_scoring[:5]
        )
        raise ValidationError(
            {
                "items": "Some reviewers of this session are still scoring these applications "
                f"for real ({pairs}): the key would anchor them. Wait until they submit, or "
                "use other applications or training items."
            }
        )
    session.status = CalibrationSession.Status.OPEN
    session.opened_at = timezone.now()
    session.save(update_fields=["status", "opened_at"])
    audit.record(
        actor=actor,
        event="calibration_session.opened",
        obj=session,
        summary=f"Calibration session “{session.title}” opened for scoring.",
        changes={"status": ["draft", "open"]},
    )
    return session


@transaction.atomic
def session_submit(
    *, session: CalibrationSession, reviewer, ratings: list[Mapping]
) -> SessionAssignment:
    """Store a reviewer's levels for every item on every criterion, all at once:
    `ratings` is [{"item": id, "criterion": id, "level": n}]. Errors are keyed by the
    rating's place (`ratings[3].level`); once submitted, the reviewer may see the key."""
    assignment = (
        SessionAssignment.objects.select_for_update()
        .select_related("session__rubric")
        .filter(session=session, reviewer=reviewer)
        .first()
    )
    if assignment is None:
        raise ValidationError({"detail": "You are not assigned to this session."})
    session = assignment.session
    if session.status == CalibrationSession.Status.DRAFT:
        raise Conflict("This session is not open for scoring yet.", code="session_not_open")
    if assignment.is_submitted:
        raise Conflict("You have already submitted this session.", code="session_submitted")
    criteria = {c.pk: c for c in session_criteria(session.rubric)}
    items = {
        i.pk: i
        for i in session.items.select_related("application__candidate", "application__posting")
    }
    # Error messages name the items as the reviewer sees them (codes on an anonymised posting).
    anonymise_items(items.values(), reviewer)
    scale_max = session.rubric.scale_max
    errors: dict[str, str] = {}
    given: dict[tuple[int, int], int] = {}
    for i, rating in enumerate(ratings):
        where = f"ratings[{i}]"
        item_id, criterion_id, level = (
            rating.get("item"),
            rating.get("criterion"),
            rating.get("level"),
        )
        if item_id not in items:
            errors[f"{where}.item"] = "No such item in this session."
        elif criterion_id not in criteria:
            errors[f"{where}.criterion"] = "No such criterion in this session's rubric."
        elif (item_id, criterion_id) in given:
            errors[f"{where}.criterion"] = "This item and criterion are rated twice."
        elif not isinstance(level, int) or not SCALE_MIN <= level <= scale_max:
            errors[f"{where}.level"] = (
                f"Choose a level from {SCALE_MIN} to {scale_max}, not {level}."
            )
        else:
            given[(item_id, criterion_id)] = level
    if errors:
        raise ValidationError(errors)
    missing = [
        f"{items[i].label} · {criteria[c].title}"
        for i in items
        for c in criteria
        if (i, c) not in given
    ]
    if missing:
        raise ValidationError(
            {
                "ratings": "Choose a level for every item on every criterion: missing "
                f"{'; '.join(missing)}."
            }
        )
    try:
        with transaction.atomic():
            SessionRating.objects.bulk_create(
                SessionRating(assignment=assignment, item_id=i, criterion_id=c, level=lvl)
                for (i, c), lvl in given.items()
            )
    except IntegrityError:  # session_rating_once: another request submitted first
        raise Conflict(
            "You have already submitted this session.", code="session_submitted"
        ) from None
    assignment.submitted_at = timezone.now()
    assignment.save(update_fields=["submitted_at"])
    audit.record(
        actor=reviewer,
        event="calibration_session.submitted",
        obj=session,
        summary=f"{person_name(reviewer)} submitted calibration session “{session.title}”.",
        changes={
            "reviewer": [None, reviewer.pk],
            "ratings": [None, {f"{i}:{c}": lvl for (i, c), lvl in sorted(given.items())}],
        },
    )
    _complete_if_done(session, reviewer)
    return assignment


@transaction.atomic
def session_delete(*, session: CalibrationSession, actor) -> None:
    """Delete a session with its items, key and every reviewer's levels."""
    n_submitted = session.assignments.filter(submitted_at__isnull=False).count()
    audit.record(
        actor=actor,
        event="calibration_session.deleted",
        obj=session,
        summary=f"Calibration session “{session.title}” deleted"
        + (f" with the levels of {n_submitted} reviewer(s)." if n_submitted else "."),
        changes={"status": [session.status, None]},
    )
    session.delete()


def _complete_if_done(session: CalibrationSession, actor) -> None:
    """Mark an open session completed once every assigned reviewer has submitted."""
    pending = session.assignments.filter(submitted_at__isnull=True).exists()
    if pending or not session.assignments.exists():
        return
    CalibrationSession.objects.filter(pk=session.pk).update(
        status=CalibrationSession.Status.COMPLETED, completed_at=timezone.now()
    )
    session.refresh_from_db(fields=["status", "completed_at"])
    audit.record(
        actor=actor,
        event="calibration_session.completed",
        obj=session,
        summary=f"Every reviewer has submitted calibration session “{session.title}”.",
        changes={"status": ["open", "completed"]},
    )
