"""Read queries for screening, with who-may-see-what applied here once:
recruiters see everything; a reviewer sees only the applications assigned to
them, and other reviewers' scores for an application only after submitting
their own."""

import bisect
import functools
import operator
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from core.roles import is_recruiter
from rubrics.anchors import SCALE_MIN, level_labels
from rubrics.models import Criterion, JobPosting
from screening import hooks, score_counts, scoring
from screening.anonymity import (
    anonymous_document_name,
    candidate_hidden_expression,
    merge_spans,
    redact,
)
from screening.documents.boxes import passage_rects
from screening.evidence import EvidenceCriterion, compile_criteria, find_evidence
from screening.models import (
    Application,
    ApplicationScore,
    ApplicationScoreHistogram,
    Candidate,
    CriterionScore,
    Document,
    DocumentPage,
    ReviewAssignment,
    Scorecard,
)

SUBMITTED = Scorecard.Status.SUBMITTED
# An application in one of these stages no longer needs its reviews.
CLOSED_STAGES = (Application.Stage.HIRED, Application.Stage.REJECTED, Application.Stage.WITHDRAWN)


def user_or_none(*, user_id):
    """A user by id, or None (who may be assigned is the service's rule)."""
    return get_user_model().objects.filter(pk=user_id).first()


def overdue_condition(today=None) -> Q:
    """The one definition of an overdue review, for the digest, the reminders,
    "My reviews" and the API: past its due date and not submitted, of an
    active reviewer, on an application still in play (not hired, rejected or
    withdrawn, its posting not closed)."""
    today = today or timezone.localdate()
    return (
        Q(due_date__lt=today, reviewer__is_active=True)
        & ~Q(scorecard__status=SUBMITTED)
        & ~Q(application__stage__in=CLOSED_STAGES)
        & ~Q(application__posting__status=JobPosting.Status.CLOSED)
    )


def overdue_assignments(today=None) -> QuerySet[ReviewAssignment]:
    """Every overdue review, by reviewer, then earliest due date."""
    return (
        ReviewAssignment.objects.filter(overdue_condition(today))
        .select_related("reviewer", "application__candidate", "application__posting")
        .order_by("reviewer_id", "due_date", "id")
    )


def is_overdue(assignment: ReviewAssignment, today=None) -> bool:
    """Whether one review is overdue (`overdue_condition`): read from the
    `overdue_now` annotation of `assignments_visible_to` when there is one,
    else asked of the database."""
    if today is None and hasattr(assignment, "overdue_now"):
        return assignment.overdue_now
    return overdue_assignments(today).filter(pk=assignment.pk).exists()


def candidates_visible_to(user) -> QuerySet[Candidate]:
    """With ``candidate_hidden``: whether the user sees the candidate as a code only
    (`screening.anonymity`)."""
    qs = Candidate.objects.annotate(
        candidate_hidden=candidate_hidden_expression(user, candidate="pk")
    )
    if is_recruiter(user):
        return qs
    return qs.filter(applications__assignments__reviewer=user).distinct()


def candidates_with_application_count() -> QuerySet[Candidate]:
    return Candidate.objects.annotate(application_count=Count("applications"))


def postings_open_for_applications() -> QuerySet[JobPosting]:
    """Postings with a published rubric: an application pins one."""
    return JobPosting.objects.filter(rubrics__state="published")


def postings_with_applications() -> QuerySet[JobPosting]:
    """Postings with at least one application (an index probe each, not a join over
    every application)."""
    return JobPosting.objects.filter(
        Exists(Application.objects.filter(posting=OuterRef("pk")))
    ).order_by("title", "id")


def application_history_objects(application: Application) -> list:
    """The application, its assignments and their scorecards: its whole story."""
    assignments = list(application.assignments.select_related("scorecard"))
    cards = [a.scorecard for a in assignments if hasattr(a, "scorecard")]
    return [application, *assignments, *cards]


def applications_visible_to(user) -> QuerySet[Application]:
    """With ``candidate_hidden``: whether the user sees the candidate as a code only
    (`screening.anonymity`)."""
    qs = Application.objects.select_related("candidate", "posting", "rubric").annotate(
        submitted_count=Count("scorecards", filter=Q(scorecards__status=SUBMITTED)),
        pending_count=Count("scorecards", filter=~Q(scorecards__status=SUBMITTED)),
        candidate_hidden=candidate_hidden_expression(
            user, candidate="candidate_id", application="pk"
        ),
    )
    if is_recruiter(user):
        return qs
    return qs.filter(assignments__reviewer=user)


def assignments_visible_to(user) -> QuerySet[ReviewAssignment]:
    """Pending first (earliest due date first), then submitted; ``candidate_hidden`` says
    whether the user sees the candidate as a code only (`screening.anonymity`)."""
    qs = (
        ReviewAssignment.objects.select_related(
            "application__candidate", "application__posting", "reviewer", "scorecard"
        )
        .annotate(
            done=Case(
                When(scorecard__status=SUBMITTED, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            overdue_now=Case(
                When(overdue_condition(), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            candidate_hidden=candidate_hidden_expression(
                user, candidate="application__candidate_id", application="application_id"
            ),
        )
        .order_by("done", F("due_date").asc(nulls_last=True), "id")
    )
    if is_recruiter(user):
        return qs
    return qs.filter(reviewer=user)


def scorecards_visible_to(user) -> QuerySet[Scorecard]:
    qs = Scorecard.objects.select_related(
        "assignment__reviewer", "application__candidate", "application__rubric"
    ).prefetch_related(
        Prefetch("scores", queryset=CriterionScore.objects.order_by("criterion__order", "id"))
    )
    if is_recruiter(user):
        return without_others_while_scoring(qs, user)
    return qs.filter(assignment__reviewer=user)


def without_others_while_scoring(scorecards: QuerySet[Scorecard], user) -> QuerySet[Scorecard]:
    """Blind where ``user`` is still scoring: on those applications their own card,
    nobody else's."""
    return scorecards.exclude(
        Q(application_id__in=scoring_blind_applications(user)) & ~Q(assignment__reviewer=user)
    )


def own_assignments(user) -> QuerySet[ReviewAssignment]:
    """A reviewer's "My reviews": their own assignments only, even a recruiter's."""
    return assignments_visible_to(user).filter(reviewer=user)


def own_assignment_for_scoring(user, assignment_id: int) -> ReviewAssignment | None:
    """One of the user's own assignments, with what its scorecard page shows."""
    return (
        own_assignments(user).select_related("application__rubric").filter(pk=assignment_id).first()
    )


def scoring_blind_applications(user) -> QuerySet:
    """Ids of the applications ``user`` is still scoring (a scorecard of theirs not
    yet submitted): there they see no one else's scores, whatever their role — a
    recruiter assigned as a reviewer is blind like any reviewer."""
    return (
        Scorecard.objects.filter(assignment__reviewer=user)
        .exclude(status=SUBMITTED)
        .values("application_id")
    )


def applications_being_scored_by(users, *, posting: JobPosting) -> set[int]:
    """Ids of the posting's applications any of ``users`` is still scoring."""
    users = [u for u in users if u is not None]
    if not users:
        return set()
    return set(
        Scorecard.objects.filter(application__posting=posting, assignment__reviewer__in=users)
        .exclude(status=SUBMITTED)
        .values_list("application_id", flat=True)
    )


def may_see_all_scores(user, application: Application) -> bool:
    """Recruiters, unless they are still scoring this application themselves; a
    reviewer once their own scorecard is submitted (no anchoring on others'
    judgements before that)."""
    own = Scorecard.objects.filter(application=application, assignment__reviewer=user)
    if is_recruiter(user):
        return not own.exclude(status=SUBMITTED).exists()
    return own.filter(status=SUBMITTED).exists()


def rules_for(criteria) -> list[scoring.CriterionRule]:
    """Scoring rules of the weighted criteria (screening questions are gates, not scores)."""
    return [
        scoring.CriterionRule(
            id=c.pk,
            weight=float(c.weight),
            must_have=c.kind == Criterion.Kind.MUST_HAVE,
            knockout_level=c.knockout_level,
        )
        for c in criteria
        if c.kind != Criterion.Kind.SCREENING
    ]


def _answer_counts(cards) -> dict[int, tuple[int, int]]:
    """(yes, no) counts per screening question over the given scorecards (scores prefetched)."""
    counts: dict[int, list[int]] = {}
    for card in cards:
        for s in card.scores.all():
            if s.answer is not None:
                counts.setdefault(s.criterion_id, [0, 0])[0 if s.answer else 1] += 1
    return {question: (yes, no) for question, (yes, no) in counts.items()}


@dataclass
class ApplicationSummary:
    application: Application
    criteria: list[Criterion]
    scorecards: list[Scorecard]  # the ones the viewer may see
    can_see_all: bool
    submitted_count: int = 0
    pending_count: int = 0
    consensus: dict[int, float | None] = field(default_factory=dict)
    score: float | None = None
    failed_must_haves: list[str] = field(default_factory=list)
    tally: dict[str, int] = field(default_factory=dict)
    answers: dict[int, tuple[int, int]] = field(default_factory=dict)

    @property
    def passes_must_haves(self) -> bool | None:
        if self.score is None:
            return None
        return not self.failed_must_haves

    @property
    def submitted_scorecards(self) -> list[Scorecard]:
        return [c for c in self.scorecards if c.is_submitted]

    def rows(self) -> list[dict]:
        """Per criterion: the consensus and each visible submitted value."""
        cards = self.submitted_scorecards
        scores = [{s.criterion_id: s for s in card.scores.all()} for card in cards]
        rows = []
        for c in self.criteria:
            if c.kind == Criterion.Kind.SCREENING:
                yes, no = self.answers.get(c.pk, (0, 0))
                rows.append(
                    {
                        "criterion": c,
                        "question": True,
                        "consensus": f"Yes {yes} · No {no}",
                        "values": [_answer_label(card.get(c.pk)) for card in scores],
                    }
                )
                continue
            rows.append(
                {
                    "criterion": c,
                    "consensus": self.consensus.get(c.pk),
                    "values": [getattr(card.get(c.pk), "value", None) for card in scores],
                }
            )
        return rows


def _answer_label(score) -> str | None:
    if score is None or score.answer is None:
        return None
    return "Yes" if score.answer else "No"


def application_summary(*, application: Application, viewer) -> ApplicationSummary:
    """Scorecards, per-criterion consensus, weighted score, must-have result
    and recommendation tally of one application, as the viewer may see them."""
    rubric = application.rubric
    criteria = list(rubric.criteria.order_by("order", "id"))
    cards = list(
        Scorecard.objects.filter(application=application)
        .select_related("assignment__reviewer")
        .prefetch_related("scores")
        .order_by("assignment__reviewer__username")
    )
    can_see_all = may_see_all_scores(viewer, application)
    # Recruiters see every scorecard; a reviewer sees their own and, once
    # they have submitted, the others' submitted ones (never their drafts).
    if is_recruiter(viewer) and can_see_all:
        visible = cards
    else:
        visible = [
            c
            for c in cards
            if c.assignment.reviewer_id == viewer.pk or (can_see_all and c.is_submitted)
        ]
    summary = ApplicationSummary(
        application=application,
        criteria=criteria,
        scorecards=visible,
        can_see_all=can_see_all,
        submitted_count=sum(c.is_submitted for c in cards),
        pending_count=sum(not c.is_submitted for c in cards),
    )
    if not can_see_all:
        return summary
    submitted = [c for c in cards if c.is_submitted]
    rules = rules_for(criteria)
    scale = scoring.Scale(SCALE_MIN, rubric.scale_max)
    if submitted:
        summary.consensus = scoring.consensus(
            ({s.criterion_id: s.value for s in card.scores.all()} for card in submitted),
            rules,
            scale,
        )
        summary.score = scoring.weighted_score(summary.consensus, rules, scale)
        summary.answers = _answer_counts(submitted)
        failed = set(scoring.failed_must_haves(summary.consensus, rules))
        failed |= set(scoring.failed_screening_questions(summary.answers))
        summary.failed_must_haves = [c.title for c in criteria if c.pk in failed]
    labels = dict(Scorecard.Recommendation.choices)
    summary.tally = dict.fromkeys(labels.values(), 0)
    for card in submitted:
        summary.tally[labels[card.recommendation]] += 1
    return summary


def reviewer_score(scorecard: Scorecard) -> float | None:
    """One reviewer's weighted score for their scorecard (scores prefetched)."""
    rubric = scorecard.application.rubric
    criteria = list(rubric.criteria.all())
    values = {s.criterion_id: s.value for s in scorecard.scores.all()}
    return scoring.weighted_score(
        values, rules_for(criteria), scoring.Scale(SCALE_MIN, rubric.scale_max)
    )


@dataclass
class RankingRow:
    application_id: int
    candidate_id: int
    candidate_name: str
    stage: str
    rubric_version: int
    submitted: int
    pending: int
    score: float | None
    failed_must_haves: list[str]
    tally: dict[int, int]
    adjusted_score: float | None = None
    # The calibration group of the adjusted score when its run found several
    # (adjusted scores compare only within one); None otherwise.
    adjusted_group: int | None = None
    # Position in the default order (best first) among the rows listed.
    rank: int | None = None
    # The viewer is still scoring it: nothing of the others' scores is shown.
    blind: bool = False

    @property
    def passes_must_haves(self) -> bool | None:
        return None if self.score is None else not self.failed_must_haves

    @property
    def stage_label(self) -> str:
        return Application.Stage(self.stage).label

    @property
    def tally_counts(self) -> list[int]:
        """Counts per recommendation, Strong no first."""
        return [self.tally.get(value, 0) for value in Scorecard.Recommendation.values]


# Django's convention: "score" sorts lowest first, "-score" highest first.
# Each order names the stored columns it sorts on (after a flag that puts
# unscored rows last whatever the direction); ties always go by name A to Z,
# then by application id.
RANKING_ORDERS = {
    "score": ("has_score", "score"),
    "adjusted": ("has_adjusted", "adjusted_score"),
    "name": ("name_key",),
    "submitted": ("submitted",),
    "stage": ("stage",),
}
# Best first: the order of the rank numbers, of the CSV and of the debrief's
# previous/next links.
DEFAULT_RANKING_ORDER = "-score"
# What a page of the ranking reads of each stored row.
_RANKING_COLUMNS = (
    "application_id",
    "candidate_id",
    "candidate_name",
    "name_key",
    "stage",
    "rubric_version",
    "submitted",
    "pending",
    "score",
    "has_score",
    "must_haves",
    "failed",
    "strong_no",
    "no",
    "yes",
    "strong_yes",
    "unrecommended",
    "adjusted_score",
    "has_adjusted",
    "adjusted_group",
)
_TALLY_COLUMNS = {
    Scorecard.Recommendation.STRONG_NO: "strong_no",
    Scorecard.Recommendation.NO: "no",
    Scorecard.Recommendation.YES: "yes",
    Scorecard.Recommendation.STRONG_YES: "strong_yes",
    None: "unrecommended",  # imported ratings
}


def ranking_orders() -> list[str]:
    """Every accepted `order`: each key, ascending and with "-" descending."""
    return [o for key in RANKING_ORDERS for o in (key, f"-{key}")]


def ranking_order(order: str | None) -> str:
    """The order asked for, or the default (best first) when none or an unknown one is."""
    return order if order in ranking_orders() else DEFAULT_RANKING_ORDER


def _ranking_sort(order: str) -> list[tuple[str, bool]]:
    """(column, descending) pairs of an order, ties included: the flag of a score
    column always descending (scored first), ties by name A to Z, then by id."""
    order = ranking_order(order)
    descending = order.startswith("-")
    columns = RANKING_ORDERS[order.lstrip("-")]
    sort = [(columns[0], True)] if len(columns) == 2 else []
    sort.append((columns[-1], descending))
    if columns[-1] != "name_key":
        sort.append(("name_key", False))
    sort.append(("application_id", False))
    return sort


def _order_by(sort: list[tuple[str, bool]]) -> list[str]:
    return [f"-{column}" if descending else column for column, descending in sort]


def _sort_key(sort: list[tuple[str, bool]]):
    """A Python sort key equal to the database's order of ``sort`` over row dicts (names
    compare by code point, as the column's collation does)."""

    class Key:
        __slots__ = ("row",)

        def __init__(self, row):
            self.row = row

        def __lt__(self, other):
            for column, descending in sort:
                a, b = self.row[column], other.row[column]
                if a == b or a is None or b is None:
                    # None only in a score column, where the flag before it has
                    # already told the rows apart.
                    continue
                return (a > b) if descending else (a < b)
            return False

    return Key


def _blind_values(row: dict) -> dict:
    """A row the viewer is still scoring: nothing of the others' scores."""
    return {
        **row,
        "score": None,
        "has_score": False,
        "must_haves": ApplicationScore.MustHaves.UNSCORED,
        "failed": [],
        "adjusted_score": None,
        "has_adjusted": False,
        "adjusted_group": None,
        **dict.fromkeys(_TALLY_COLUMNS.values(), 0),
        "blind": True,
    }


def _ranking_row(row: dict, rank: int | None) -> "RankingRow":
    return RankingRow(
        application_id=row["application_id"],
        candidate_id=row["candidate_id"],
        candidate_name=row["candidate_name"],
        stage=row["stage"],
        rubric_version=row["rubric_version"],
        submitted=row["submitted"],
        pending=row["pending"],
        score=row["score"],
        failed_must_haves=list(row["failed"]),
        tally={value: row[name] for value, name in _TALLY_COLUMNS.items() if row[name]},
        adjusted_score=row["adjusted_score"],
        adjusted_group=row["adjusted_group"],
        rank=rank,
        blind=row.get("blind", False),
    )


class Ranking:
    """A posting's ranking read from the stored rows (``ApplicationScore``), lazily: its
    length is a count, a slice is one indexed query for that page (LIMIT/OFFSET on the
    index of the order), iterating reads every row once. Each row carries its ``rank``,
    its place in the whole posting's default order (best first), whatever the sort and
    the filters. ``calibration_warnings``: what to say above the adjusted scores ([]
    unless those compare only within groups)."""

    def __init__(
        self, *, posting, stage=None, must_haves=None, order=DEFAULT_RANKING_ORDER, viewer=None
    ):
        self.posting = posting
        self.stage = stage
        self.must_haves = must_haves if must_haves in ApplicationScore.MustHaves.values else None
        self.order = ranking_order(order)
        self.viewer = viewer
        self._sort = _ranking_sort(self.order)
        self._default_sort = _ranking_sort(DEFAULT_RANKING_ORDER)
        self._count = None
        self._blind = None
        self._warnings = None

    # --- What the stored rows say ---------------------------------------------------------

    def _all(self) -> QuerySet:
        return ApplicationScore.objects.filter(posting=self.posting)

    def _filtered(self) -> QuerySet:
        qs = self._all()
        if self.stage:
            qs = qs.filter(stage=self.stage)
        if self.must_haves:
            qs = qs.filter(must_haves=self.must_haves)
        return qs

    def _blind_rows(self) -> list[dict]:
        """The stored rows of the applications the viewer is still scoring (as stored)."""
        if self._blind is None:
            self._blind = []
            if self.viewer is not None and getattr(self.viewer, "pk", None) is not None:
                self._blind = list(
                    self._all()
                    .filter(application_id__in=scoring_blind_applications(self.viewer))
                    .values(*_RANKING_COLUMNS)
                )
        return self._blind

    def _matches(self, row: dict) -> bool:
        return (not self.stage or row["stage"] == self.stage) and (
            not self.must_haves or row["must_haves"] == self.must_haves
        )

    def _shown_blind(self) -> list[dict]:
        """The viewer's blind rows as shown (no scores), those the filters keep."""
        shown = [_blind_values(row) for row in self._blind_rows()]
        return [row for row in shown if self._matches(row)]

    def _others(self, qs: QuerySet) -> QuerySet:
        blind = [row["application_id"] for row in self._blind_rows()]
        return qs.exclude(application_id__in=blind) if blind else qs

    @property
    def calibration_warnings(self) -> list[str]:
        if self._warnings is None:
            rubric_ids = self.posting.rubrics.values("pk")  # a subquery, not a query
            adjusted = hooks.adjusted_scores(rubric_ids, application_ids=[])
            self._warnings = list(getattr(adjusted, "warnings", []))
        return self._warnings

    # --- The sequence ---------------------------------------------------------------------

    def count(self) -> int:
        """The rows the filters keep: the posting's kept counts (``score_counts``: a sum of
        a few rows, not a scan), less the viewer's blind rows as stored, plus them as shown."""
        if self._count is None:
            stored = score_counts.count_rows(
                self.posting.pk, stage=self.stage, must_haves=self.must_haves
            )
            hidden = sum(1 for row in self._blind_rows() if self._matches(row))
            self._count = stored - hidden + len(self._shown_blind())
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __bool__(self) -> bool:
        return self.count() > 0

    def __iter__(self):
        return iter(self._everything())

    def __eq__(self, other) -> bool:
        return list(self) == list(other)

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(self.count())
            rows = self._page(start, max(0, stop - start))
            return rows[::step] if step != 1 else rows
        if index < 0:
            index += self.count()
        rows = self._page(index, 1) if index >= 0 else []
        if not rows:
            raise IndexError("ranking index out of range")
        return rows[0]

    # --- A page ---------------------------------------------------------------------------

    def _page(self, offset: int, limit: int) -> list["RankingRow"]:
        """The rows at places ``offset`` to ``offset + limit`` of the sorted, filtered
        ranking, with their ranks: one query for the rows on the order's index, and for
        any order but the default one (or a filtered page) up to three aggregate queries
        for the ranks, whatever the page's size."""
        if limit <= 0:
            return []
        blind = self._shown_blind()
        key = _sort_key(self._sort)
        qs = self._others(self._filtered()).order_by(*_order_by(self._sort))
        if not blind:
            rows = _rows_at(qs, offset, limit)
            first = offset
        else:
            # The viewer's blind rows (few) merge into the stored order in Python: the
            # stored rows from `offset - len(blind)` on hold every one of this page's.
            start = max(0, offset - len(blind))
            window = list(qs.values(*_RANKING_COLUMNS)[start : offset + limit])
            full = len(window) == offset + limit - start
            if not window and start:
                return []
            if window and start:
                head = key(window[0])
                before = sum(1 for b in blind if key(b) < head)
                blind = [b for b in blind if not key(b) < head]
                first = start + before
            else:
                first = 0
            if window and full:
                tail = key(window[-1])
                blind = [b for b in blind if not tail < key(b)]
            merged = sorted(window + blind, key=key)
            rows = merged[max(0, offset - first) : offset - first + limit]
            first = max(offset, first)
        if not self.stage and not self.must_haves and self.order == DEFAULT_RANKING_ORDER:
            ranks = [first + i + 1 for i in range(len(rows))]
        else:
            ranks = self._ranks(rows)
        return [_ranking_row(row, rank) for row, rank in zip(rows, ranks, strict=True)]

    def key_of(self, row: "RankingRow") -> dict:
        """The values of a listed row that this order sorts on: what ``after`` takes."""
        values = {
            "has_score": row.score is not None,
            "score": row.score,
            "has_adjusted": row.adjusted_score is not None,
            "adjusted_score": row.adjusted_score,
            "name_key": row.candidate_name.lower(),
            "submitted": row.submitted,
            "stage": row.stage,
            "application_id": row.application_id,
        }
        return {column: values[column] for column, _ in self._sort}

    def _beyond(self, key: dict) -> list[Q]:
        """The rows that this order puts after ``key``, as ranges in that order: first those
        equal to it on every column but the last and past it there, then those equal on
        every column but the last two and past it on the one before, and so on. Each range
        is an equality prefix and one inequality on the order's index, so each is read
        from where the key sits (a NULL score is shared by every unscored row: no range)."""
        ranges, equal = [], Q()
        for column, descending in self._sort:
            value = key[column]
            if value is None:
                equal &= Q(**{f"{column}__isnull": True})
                continue
            ranges.append(equal & Q(**{f"{column}__{'lt' if descending else 'gt'}": value}))
            equal &= Q(**{column: value})
        return ranges[::-1]

    def after(self, key: dict | None, limit: int) -> list["RankingRow"]:
        """The ``limit`` rows that follow the row whose sort values are ``key`` (``key_of``;
        the first rows when None): keyset paging, a few ranges of the order's index however
        deep, where a page at an offset walks every row before it. Ranks come from the kept
        counts (``_ranks``), so they are right even when rows before the key have changed
        since it was taken."""
        if limit <= 0:
            return []
        sort_key = _sort_key(self._sort)
        qs = self._others(self._filtered()).order_by(*_order_by(self._sort))
        blind = self._shown_blind()
        if key is not None:
            qs = _past(qs, self._beyond(key), self._sort, limit)
            past = sort_key(key)
            blind = [b for b in blind if past < sort_key(b)]
        rows = list(qs.values(*_RANKING_COLUMNS)[:limit])
        if blind:
            rows = sorted(rows + blind, key=sort_key)[:limit]
        return [_ranking_row(row, rank) for row, rank in zip(rows, self._ranks(rows), strict=True)]

    def _ranks(self, rows: list[dict]) -> list[int]:
        """Each row's place in the whole posting's default order: the scored rows before
        it (a count per score above its own, and the rows tied with it), or, unscored, every
        scored row and the unscored ones before it by name. The viewer's blind rows count
        as unscored."""
        blind = self._blind_rows()
        blind_scored = [b for b in blind if b["has_score"]]
        by_name = _sort_key([("name_key", False), ("application_id", False)])
        default = _sort_key(self._default_sort)
        scored = [r for r in rows if r["has_score"]]
        unscored = [r for r in rows if not r["has_score"]]
        ranks: dict[int, int] = {}
        if scored:
            # Rows above a score: a suffix sum over the distinct scores above the page's
            # lowest, read from the kept histogram (score_counts), lowest first.
            above = score_counts.scored_above(self.posting.pk, min(r["score"] for r in scored))
            levels = sorted(above)
            suffix = [0] * (len(levels) + 1)
            for i in range(len(levels) - 1, -1, -1):
                suffix[i] = suffix[i + 1] + above[levels[i]]
            ties = _tied_before(self.posting.pk, scored)
            for r in scored:
                before = suffix[bisect.bisect_right(levels, r["score"])]
                before += ties[r["application_id"]]
                before -= sum(1 for b in blind_scored if default(b) < default(r))
                ranks[r["application_id"]] = before + 1
        if unscored:
            scored_total, unscored_before = _unscored_before(self.posting.pk, unscored)
            for r in unscored:
                before = scored_total - len(blind_scored) + unscored_before[r["application_id"]]
                before += sum(1 for b in blind_scored if by_name(b) < by_name(r))
                ranks[r["application_id"]] = before + 1
        return [ranks[r["application_id"]] for r in rows]

    def neighbours(self, application_id: int):
        """(its row, the number of rows, the previous and the next application's ids) of
        one application in this ranking, or None when it is not in it: a few indexed
        queries, not the whole posting. For the default order, unfiltered (the debrief's
        previous/next)."""
        row = self._all().filter(application_id=application_id).values(*_RANKING_COLUMNS).first()
        if row is None:
            return None
        if any(b["application_id"] == application_id for b in self._blind_rows()):
            row = _blind_values(row)
        at = self._ranks([row])[0] - 1
        window = self._page(max(0, at - 1), 3 if at else 2)
        ids = [r.application_id for r in window]
        here = ids.index(application_id)
        return (
            window[here],
            self.count(),
            ids[here - 1] if here > 0 else None,
            ids[here + 1] if here + 1 < len(ids) else None,
        )

    # --- Every row ------------------------------------------------------------------------

    def _everything(self) -> list["RankingRow"]:
        """Every row of the posting, read in one query, ranked in the default order, then
        filtered and sorted as asked (exports, the digest)."""
        blind = {row["application_id"] for row in self._blind_rows()}
        rows = [
            _blind_values(row) if row["application_id"] in blind else row
            for row in self._all()
            .order_by(*_order_by(self._default_sort))
            .values(*_RANKING_COLUMNS)
        ]
        if blind:
            rows.sort(key=_sort_key(self._default_sort))
        ranks = {row["application_id"]: n for n, row in enumerate(rows, start=1)}
        rows = [row for row in rows if self._matches(row)]
        if self.order != DEFAULT_RANKING_ORDER:
            rows.sort(key=_sort_key(self._sort))
        return [_ranking_row(row, ranks[row["application_id"]]) for row in rows]


# Offsets past this skip index entries only (the application ids), then read the page's rows
# by key: an index-only scan instead of a heap fetch for every row skipped.
DEFERRED_OFFSET = 1000
# Counts of tied rows go to the database in groups of this many rows: the API's largest
# page in one statement (3 parameters a row; SQLite takes 32,766).
TIES_PER_QUERY = 1000


def _rows_at(qs: QuerySet, offset: int, limit: int) -> list[dict]:
    if offset < DEFERRED_OFFSET:
        return list(qs.values(*_RANKING_COLUMNS)[offset : offset + limit])
    ids = list(qs.values_list("application_id", flat=True)[offset : offset + limit])
    by_id = {
        row["application_id"]: row
        for row in qs.model.objects.filter(application_id__in=ids).values(*_RANKING_COLUMNS)
    }
    return [by_id[pk] for pk in ids]


def _past(qs: QuerySet, ranges: list[Q], sort: list[tuple[str, bool]], limit: int) -> QuerySet:
    """The rows of ``qs`` in ``ranges`` (``Ranking._beyond``), sorted. Where the database
    takes a LIMIT in each part of a UNION ALL (PostgreSQL), one part per range, each
    stopped after ``limit`` rows of its index range, so the query reads a few hundred
    index entries however deep the key lies (one OR of the ranges makes PostgreSQL filter
    every row before the key: 92 ms in the middle of 100,000 rows). Elsewhere (SQLite,
    the embedded default) one filter on the OR of the ranges."""
    if not ranges:
        return qs.none()
    if len(ranges) == 1 or not connections[qs.db].features.supports_slicing_ordering_in_compound:
        return qs.filter(functools.reduce(operator.or_, ranges))
    order = _order_by(sort)
    parts = [qs.filter(r).order_by(*order).values(*_RANKING_COLUMNS)[:limit] for r in ranges]
    return parts[0].union(*parts[1:], all=True).order_by(*order)


def _per_row(select: str, params: list, rows: list[dict], columns: tuple[str, ...]):
    """The result rows of ``select`` over the rows as a VALUES list (``{values}`` in it; its
    columns are named column1, column2, … on PostgreSQL and SQLite alike), one statement a
    ``TIES_PER_QUERY`` rows."""
    connection = connections[ApplicationScore.objects.db]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), TIES_PER_QUERY):
            chunk = rows[start : start + TIES_PER_QUERY]
            row = "(" + ", ".join(["%s"] * len(columns)) + ")"
            cursor.execute(
                select.format(values=", ".join([row] * len(chunk))),
                [*params, *(r[column] for r in chunk for column in columns)],
            )
            yield from cursor.fetchall()


def _table(model) -> str:
    return connections[model.objects.db].ops.quote_name(model._meta.db_table)


def _tied_before(posting_id: int, rows: list[dict]) -> dict[int, int]:
    """For each scored row, how many rows share its score and come before it by name (then
    id): one statement over the rows, one count each on a short range of the score index
    (a hundred rows: 1.3 ms, where a UNION of a hundred counts took 20 ms to plan and run
    at 10,000 applications and 100,000 alike)."""
    counts = dict(
        _per_row(
            f"SELECT v.column1, (SELECT COUNT(*) FROM {_table(ApplicationScore)} AS s "
            "WHERE s.posting_id = %s AND s.has_score = %s AND s.score = v.column2 "
            "AND (s.name_key, s.application_id) < (v.column3, v.column1)) "
            "FROM (VALUES {values}) AS v",
            [posting_id, True],
            rows,
            ("application_id", "score", "name_key"),
        )
    )
    return {r["application_id"]: counts.get(r["application_id"], 0) for r in rows}


def _unscored_before(posting_id: int, rows: list[dict]) -> tuple[int, dict[int, int]]:
    """The posting's number of scored rows (from the kept histogram), and for each unscored
    row how many unscored rows come before it by name (then id): one statement, a short
    range of the index a row, as ``_tied_before``."""
    scored, counts = 0, {}
    for pk, before, total in _per_row(
        f"SELECT v.column1, (SELECT COUNT(*) FROM {_table(ApplicationScore)} AS s "
        "WHERE s.posting_id = %s AND s.has_score = %s AND s.score IS NULL "
        "AND (s.name_key, s.application_id) < (v.column2, v.column1)), "
        f"(SELECT COALESCE(SUM(h.delta), 0) FROM {_table(ApplicationScoreHistogram)} AS h "
        "WHERE h.posting_id = %s) "
        "FROM (VALUES {values}) AS v",
        [posting_id, False, posting_id],
        rows,
        ("application_id", "name_key"),
    ):
        counts[pk], scored = before, total
    return scored, counts


def posting_ranking(
    *,
    posting: JobPosting,
    stage: str | None = None,
    must_haves: str | None = None,
    order: str = DEFAULT_RANKING_ORDER,
    viewer=None,
) -> Ranking:
    """The posting's applications with their consensus scores, read from the stored rows
    (``screening.scores``), numbered by the default order (`RankingRow.rank`) and sorted by
    `order`: a lazy sequence, so that a page costs one indexed query whatever the posting's
    size. With a ``viewer``, the applications they are still scoring themselves show no
    score, tally or must-have result (``blind``) and are ranked as unscored."""
    return Ranking(posting=posting, stage=stage, must_haves=must_haves, order=order, viewer=viewer)


# --- The debrief: every submitted scorecard side by side ---------------------------------


@dataclass
class DebriefCell:
    """One reviewer's judgement on one criterion: a level (with its label and
    the criterion's anchor for it) or a yes/no answer, and the evidence note."""

    value: int | None = None
    label: str = ""
    anchor: str = ""
    answer: str | None = None
    note: str = ""


@dataclass
class DebriefRow:
    criterion: Criterion
    cells: list[DebriefCell]  # one per submitted scorecard, in the debrief's reviewer order
    consensus: float | None = None
    answers: tuple[int, int] = (0, 0)  # (yes, no), screening questions only
    failed: bool = False

    @property
    def question(self) -> bool:
        return self.criterion.kind == Criterion.Kind.SCREENING


@dataclass
class Debrief:
    summary: ApplicationSummary
    criteria_rows: list[DebriefRow]
    question_rows: list[DebriefRow]
    scale_max: int
    pending_reviewers: list[str]  # names, when the viewer may know them
    ranking_row: RankingRow | None = None
    ranked_count: int = 0
    previous_id: int | None = None
    next_id: int | None = None

    @property
    def application(self) -> Application:
        return self.summary.application

    @property
    def scorecards(self) -> list[Scorecard]:
        return self.summary.submitted_scorecards

    @property
    def failed_must_haves(self) -> list[str]:
        return [r.criterion.title for r in self.criteria_rows if r.failed]

    @property
    def failed_questions(self) -> list[str]:
        return [r.criterion.title for r in self.question_rows if r.failed]

    @property
    def adjusted_score(self) -> float | None:
        return self.ranking_row.adjusted_score if self.ranking_row else None


def _debrief_cell(score, criterion: Criterion, labels: tuple[str, ...]) -> DebriefCell:
    if score is None:
        return DebriefCell()
    cell = DebriefCell(note=score.note)
    if criterion.kind == Criterion.Kind.SCREENING:
        cell.answer = _answer_label(score)
        return cell
    if score.value is not None:
        index = score.value - SCALE_MIN
        anchors = criterion.anchors or []
        cell.value = score.value
        cell.label = labels[index] if 0 <= index < len(labels) else ""
        cell.anchor = anchors[index] if 0 <= index < len(anchors) else ""
    return cell


def application_debrief(*, application: Application, viewer) -> Debrief | None:
    """The application's submitted scorecards side by side per criterion, with
    the consensus, the failed must-haves and screening questions, the raw and
    adjusted score and the application's neighbours in the posting's ranking.
    None when the viewer may not see other reviewers' scores yet (a reviewer
    who has not submitted their own). A constant number of queries whatever
    the number of reviewers, criteria or applications."""
    summary = application_summary(application=application, viewer=viewer)
    if not summary.can_see_all:
        return None
    rubric = application.rubric
    labels = level_labels(rubric.scale_max)
    cards = summary.submitted_scorecards
    scores = [{s.criterion_id: s for s in card.scores.all()} for card in cards]
    failed_ids = set(scoring.failed_must_haves(summary.consensus, rules_for(summary.criteria)))
    failed_ids |= set(scoring.failed_screening_questions(summary.answers))
    criteria_rows, question_rows = [], []
    for c in summary.criteria:
        row = DebriefRow(
            criterion=c,
            cells=[_debrief_cell(card.get(c.pk), c, labels) for card in scores],
            consensus=summary.consensus.get(c.pk),
            answers=summary.answers.get(c.pk, (0, 0)),
            failed=c.pk in failed_ids,
        )
        (question_rows if row.question else criteria_rows).append(row)
    debrief = Debrief(
        summary=summary,
        criteria_rows=criteria_rows,
        question_rows=question_rows,
        scale_max=rubric.scale_max,
        pending_reviewers=[
            c.assignment.reviewer.get_full_name() or c.assignment.reviewer.username
            for c in summary.scorecards
            if not c.is_submitted
        ],
    )
    found = posting_ranking(posting=application.posting, viewer=viewer).neighbours(application.pk)
    if found:
        debrief.ranking_row, debrief.ranked_count, debrief.previous_id, debrief.next_id = found
    return debrief


def next_pending_assignment(user, *, after: ReviewAssignment | None = None):
    """The reviewer's next review to do, in the order of "My reviews" (earliest due date
    first, so overdue ones lead; undated ones last): not submitted, on an application still
    in play (not hired, rejected or withdrawn, its posting not closed), other than `after`."""
    qs = (
        own_assignments(user)
        .exclude(scorecard__status=SUBMITTED)
        .exclude(application__stage__in=CLOSED_STAGES)
        .exclude(application__posting__status=JobPosting.Status.CLOSED)
    )
    if after is not None:
        qs = qs.exclude(pk=after.pk)
    return qs.first()


# --- Documents ----------------------------------------------------------------


def documents_visible_to(user) -> QuerySet[Document]:
    """Recruiters: every document; a reviewer: the documents of the applications assigned to
    them; anyone else: none. ``candidate_hidden``: the user may read only the redacted text
    (`screening.anonymity`)."""
    qs = Document.objects.select_related(
        "application__candidate", "application__posting", "uploaded_by"
    ).annotate(
        pages_read=Count("pages"),
        candidate_hidden=candidate_hidden_expression(
            user, candidate="application__candidate_id", application="application_id"
        ),
    )
    if is_recruiter(user):
        return qs
    if not (user and user.is_authenticated and user.is_active):
        return qs.none()
    return qs.filter(application__assignments__reviewer=user)


def document_page(document: Document, number: int) -> DocumentPage | None:
    return document.pages.filter(number=number).first()


@dataclass(frozen=True)
class DocumentEvidence:
    """One criterion's passages in one document."""

    document_id: int
    document_name: str
    passages: list[dict]
    match_count: int


@dataclass(frozen=True)
class CriterionEvidenceRow:
    """The passages found for one criterion of the pinned rubric, document by document."""

    criterion_id: int
    title: str
    kind: str
    terms: list[str]
    documents: list[DocumentEvidence]

    @property
    def match_count(self) -> int:
        return sum(d.match_count for d in self.documents)


def application_evidence(
    application: Application, *, anonymised: bool = False
) -> list[CriterionEvidenceRow]:
    """Per criterion of the application's pinned rubric (in rubric order), the passages of
    its ready documents that speak to it: a pointer for the reviewer, never a score. Three
    queries whatever the number of criteria, documents and pages. ``anonymised``: found in
    the text with the candidate's identity blacked out (`screening.anonymity.redact`), under
    the documents' roles rather than their file names."""
    criteria = list(
        Criterion.objects.filter(rubric_id=application.rubric_id).order_by("order", "id")
    )
    documents = list(
        Document.objects.filter(application=application, status=Document.Status.READY)
        .order_by("role", "created_at", "id")
        .prefetch_related(Prefetch("pages", queryset=DocumentPage.objects.order_by("number")))
    )
    compiled = compile_criteria(
        EvidenceCriterion(
            id=c.pk, kind=c.kind, title=c.title, text=c.description, keywords=c.keywords or ()
        )
        for c in criteria
    )
    found: dict[int, list[DocumentEvidence]] = {c.pk: [] for c in criteria}
    for document in documents:
        pages = [_page_text(page, application, anonymised) for page in document.pages.all()]
        for evidence in find_evidence(compiled, pages):
            if evidence.match_count:
                found[evidence.criterion_id].append(
                    DocumentEvidence(
                        document_id=document.pk,
                        document_name=_document_name(document, anonymised),
                        passages=[p.to_dict() for p in evidence.passages],
                        match_count=evidence.match_count,
                    )
                )
    return [
        CriterionEvidenceRow(
            criterion_id=c.pk,
            title=c.title,
            kind=c.kind,
            terms=list(item.terms),
            documents=found[c.pk],
        )
        for c, item in zip(criteria, compiled, strict=True)
    ]


def _page_text(page: DocumentPage, application: Application, anonymised: bool) -> str:
    # Same length once redacted: offsets found in it index the stored text too.
    return redact(page.text, application.candidate) if anonymised else page.text


def _document_name(document: Document, anonymised: bool) -> str:
    return anonymous_document_name(document) if anonymised else document.original_name


# --- The scorecard workspace ---------------------------------------------------------------


@dataclass(frozen=True)
class TextSegment:
    """A run of a page's text; ``mark`` is the id of the highlight it is, or ""."""

    text: str
    mark: str = ""


@dataclass(frozen=True)
class PageHighlight:
    """A passage marked on a page's image: ``id`` (the first rectangle's element id), the
    criteria whose passage it is (space-separated ids, for the page's script) and its
    rectangles as CSS percentages ``(left, top, width, height)``."""

    id: str
    criteria: str
    rects: list[tuple[str, str, str, str]]


@dataclass(frozen=True)
class WorkspacePage:
    number: int
    has_image: bool
    segments: list[TextSegment]
    # The page drawn, with where its passages are: "width / height" for CSS aspect-ratio,
    # or "" when the page has no image or no boxes (read before they were kept).
    ratio: str = ""
    highlights: list[PageHighlight] = field(default_factory=list)


@dataclass(frozen=True)
class PassageLink:
    """One passage of one document for one criterion: where to scroll (``mark``), what to
    show (the snippet split around its highlight)."""

    document_id: int
    document_name: str
    page: int
    mark: str
    box: str  # the id of its highlight on the page's image, or ""
    before: str
    match: str
    after: str
    terms: list[str]


@dataclass
class WorkspaceDocument:
    document: Document
    pages: list[WorkspacePage] = field(default_factory=list)
    # What to call it: the uploader's file name, or its role when the review is anonymised.
    name: str = ""

    @property
    def pk(self) -> int:
        return self.document.pk

    @property
    def pending(self) -> bool:
        return self.document.status == Document.Status.PENDING

    @property
    def failed(self) -> bool:
        return self.document.status == Document.Status.FAILED

    @property
    def needs_ocr(self) -> bool:
        return self.document.status == Document.Status.READY and self.document.needs_ocr

    @property
    def shows_images(self) -> bool:
        """Every page is drawn with its words' boxes: the pages show as images, passages
        marked on them (the text one click away)."""
        return bool(self.pages) and all(page.ratio for page in self.pages)


@dataclass
class ScorecardDocuments:
    """The application's documents as the scorecard shows them, and per criterion id the
    passages that speak to it (a pointer, never a score)."""

    documents: list[WorkspaceDocument]
    passages: dict[int, list[PassageLink]]
    match_counts: dict[int, int]

    @property
    def any_pending(self) -> bool:
        return any(d.pending for d in self.documents)


def _page_segments(document_id: int, number: int, text: str, spans) -> tuple[list, dict]:
    """The page's text split around the (merged) spans; and, per span start, the id of the
    mark holding it."""
    merged = merge_spans(spans)
    segments, marks, at = [], {}, 0
    for index, (start, end) in enumerate(merged, start=1):
        mark = f"ev-{document_id}-{number}-{index}"
        if start > at:
            segments.append(TextSegment(text[at:start]))
        segments.append(TextSegment(text[start:end], mark))
        marks[(start, end)] = mark
        at = end
    if at < len(text):
        segments.append(TextSegment(text[at:]))
    return segments, [(s, e, m) for (s, e), m in marks.items()]


def _page_highlights(document_id: int, shown: list, pages: list, found) -> dict:
    """Lay each passage over its page's image (pages with boxes only): fills the shown pages'
    ``highlights`` and answers, per (page, start, end), the highlight's id. A passage two
    criteria share is one highlight naming both."""
    by_number = {page.number: page for page in pages}
    shown_by_number = {page.number: page for page in shown}
    criteria: dict[tuple[int, int, int], list[str]] = {}
    for evidence in found:
        for p in evidence.passages:
            if shown_by_number[p.page].ratio:
                key = (p.page, p.start, p.end)
                criteria.setdefault(key, [])
                if str(evidence.criterion_id) not in criteria[key]:
                    criteria[key].append(str(evidence.criterion_id))
    ids: dict[tuple[int, int, int], str] = {}
    for index, key in enumerate(sorted(criteria), start=1):
        number, start, end = key
        rects = passage_rects(by_number[number].boxes["words"], start, end)
        if not rects:
            continue
        ids[key] = f"box-{document_id}-{number}-{index}"
        shown_by_number[number].highlights.append(
            PageHighlight(
                id=ids[key],
                criteria=" ".join(criteria[key]),
                rects=[tuple(f"{value * 100:.2f}" for value in rect) for rect in rects],
            )
        )
    return ids


def scorecard_documents(
    application: Application, *, anonymised: bool = False
) -> ScorecardDocuments:
    """The application's documents (every status, résumé first) with their pages' text split
    around the passages that match the pinned rubric's criteria, and per criterion the links
    to those passages. Three queries whatever the number of documents, pages and criteria.
    ``anonymised``: the redacted text only (`screening.anonymity.redact`), no page image, no
    file name."""
    criteria = list(
        Criterion.objects.filter(rubric_id=application.rubric_id).order_by("order", "id")
    )
    role_order = Case(
        When(role=Document.Role.RESUME, then=Value(0)),
        When(role=Document.Role.COVER_LETTER, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    documents = list(
        Document.objects.filter(application=application)
        .order_by(role_order, "created_at", "id")
        .prefetch_related(Prefetch("pages", queryset=DocumentPage.objects.order_by("number")))
    )
    compiled = compile_criteria(
        EvidenceCriterion(
            id=c.pk, kind=c.kind, title=c.title, text=c.description, keywords=c.keywords or ()
        )
        for c in criteria
    )
    passages: dict[int, list[PassageLink]] = {c.pk: [] for c in criteria}
    counts: dict[int, int] = {c.pk: 0 for c in criteria}
    shown = []
    for document in documents:
        item = WorkspaceDocument(document, name=_document_name(document, anonymised))
        shown.append(item)
        if document.status != Document.Status.READY:
            continue
        pages = list(document.pages.all())
        texts = [_page_text(p, application, anonymised) for p in pages]
        found = find_evidence(compiled, texts)
        spans: dict[int, list[tuple[int, int]]] = {}
        for evidence in found:
            for p in evidence.passages:
                spans.setdefault(p.page, []).append((p.start, p.end))
        owner: dict[tuple[int, int, int], str] = {}
        for page, text in zip(pages, texts, strict=True):
            segments, marks = _page_segments(
                document.pk, page.number, text, spans.get(page.number, [])
            )
            for start, end, mark in marks:
                owner[(page.number, start, end)] = mark
            # A page's image could hold a photo and the name: never shown anonymised.
            has_image = bool(page.image) and not anonymised
            ratio = ""
            if has_image and page.boxes and page.boxes.get("height"):
                ratio = f"{page.boxes['width']:g} / {page.boxes['height']:g}"
            item.pages.append(WorkspacePage(page.number, has_image, segments, ratio))
        highlights = _page_highlights(document.pk, item.pages, pages, found)
        for evidence in found:
            counts[evidence.criterion_id] += evidence.match_count
            for p in evidence.passages:
                mark = next(
                    m for (n, s, e), m in owner.items() if n == p.page and s <= p.start < e + 1
                )
                low, high = p.highlight
                passages[evidence.criterion_id].append(
                    PassageLink(
                        document_id=document.pk,
                        document_name=item.name,
                        page=p.page,
                        mark=mark,
                        box=highlights.get((p.page, p.start, p.end), ""),
                        before=p.snippet[:low],
                        match=p.snippet[low:high],
                        after=p.snippet[high:],
                        terms=list(p.terms),
                    )
                )
    return ScorecardDocuments(shown, passages, counts)
