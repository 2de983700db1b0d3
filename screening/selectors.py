"""Read queries for screening, with who-may-see-what applied here once:
recruiters see everything; a reviewer sees only the applications assigned to
them, and other reviewers' scores for an application only after submitting
their own."""

from dataclasses import dataclass, field
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone

from core.roles import is_recruiter
from rubrics.anchors import SCALE_MIN
from rubrics.models import Criterion, JobPosting
from screening import hooks, scoring
from screening.models import Application, Candidate, CriterionScore, ReviewAssignment, Scorecard

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
    qs = Candidate.objects.all()
    if is_recruiter(user):
        return qs
    return qs.filter(applications__assignments__reviewer=user).distinct()


def candidates_with_application_count() -> QuerySet[Candidate]:
    return Candidate.objects.annotate(application_count=Count("applications"))


def postings_open_for_applications() -> QuerySet[JobPosting]:
    """Postings with a published rubric: an application pins one."""
    return JobPosting.objects.filter(rubrics__state="published")


def postings_with_applications() -> QuerySet[JobPosting]:
    return JobPosting.objects.filter(applications__isnull=False).distinct().order_by("title", "id")


def application_history_objects(application: Application) -> list:
    """The application, its assignments and their scorecards: its whole story."""
    assignments = list(application.assignments.select_related("scorecard"))
    cards = [a.scorecard for a in assignments if hasattr(a, "scorecard")]
    return [application, *assignments, *cards]


def applications_visible_to(user) -> QuerySet[Application]:
    qs = Application.objects.select_related("candidate", "posting", "rubric").annotate(
        submitted_count=Count("scorecards", filter=Q(scorecards__status=SUBMITTED)),
        pending_count=Count("scorecards", filter=~Q(scorecards__status=SUBMITTED)),
    )
    if is_recruiter(user):
        return qs
    return qs.filter(assignments__reviewer=user)


def assignments_visible_to(user) -> QuerySet[ReviewAssignment]:
    """Pending first (earliest due date first), then submitted."""
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
        return qs
    return qs.filter(assignment__reviewer=user)


def own_assignments(user) -> QuerySet[ReviewAssignment]:
    """A reviewer's "My reviews": their own assignments only, even a recruiter's."""
    return assignments_visible_to(user).filter(reviewer=user)


def own_assignment_for_scoring(user, assignment_id: int) -> ReviewAssignment | None:
    """One of the user's own assignments, with what its scorecard page shows."""
    return (
        own_assignments(user).select_related("application__rubric").filter(pk=assignment_id).first()
    )


def may_see_all_scores(user, application: Application) -> bool:
    """Recruiters always; a reviewer once their own scorecard is submitted
    (no anchoring on others' judgements before that)."""
    if is_recruiter(user):
        return True
    return Scorecard.objects.filter(
        application=application, assignment__reviewer=user, status=SUBMITTED
    ).exists()


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
    if is_recruiter(viewer):
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


# Each order: the value sorted on (None: not scored yet) and the direction
# it sorts in by default; "-name" reverses it. Unscored rows always go last.
RANKING_ORDERS = {
    "score": (lambda r: r.score, True),
    "adjusted": (lambda r: r.adjusted_score, True),
    "name": (lambda r: r.candidate_name.lower(), False),
    "submitted": (lambda r: r.submitted, True),
    "stage": (lambda r: r.stage, False),
}


def _sort_rows(rows: list, order: str) -> list:
    getter, descending = RANKING_ORDERS.get(order.lstrip("-"), RANKING_ORDERS["score"])
    if order.startswith("-"):
        descending = not descending
    by_name = sorted(rows, key=lambda r: (r.candidate_name.lower(), r.application_id))
    present = [r for r in by_name if getter(r) is not None]
    missing = [r for r in by_name if getter(r) is None]
    # Stable sorts: ties keep the alphabetical order.
    return sorted(present, key=getter, reverse=descending) + missing


class _AppRow(NamedTuple):
    pk: int
    candidate_id: int
    candidate_name: str
    stage: str
    rubric_id: int
    rubric_version: int
    scale_max: int
    submitted: int
    pending: int


def posting_ranking(
    *,
    posting: JobPosting,
    stage: str | None = None,
    must_haves: str | None = None,
    order: str = "score",
) -> list[RankingRow]:
    """Every application of a posting with its consensus score, computed from
    four aggregate queries whatever the number of applications."""
    # Plain rows, not model instances: at 10,000 applications building the
    # objects costs more than the queries.
    apps = [
        _AppRow(*row)
        for row in Application.objects.filter(posting=posting)
        .filter(**({"stage": stage} if stage else {}))
        .annotate(
            submitted=Count("scorecards", filter=Q(scorecards__status=SUBMITTED)),
            pending=Count("scorecards", filter=~Q(scorecards__status=SUBMITTED)),
        )
        .values_list(
            "pk",
            "candidate_id",
            "candidate__full_name",
            "stage",
            "rubric_id",
            "rubric__version",
            "rubric__scale_max",
            "submitted",
            "pending",
        )
    ]
    if not apps:
        return []
    rubric_ids = {a.rubric_id for a in apps}
    criteria_by_rubric: dict[int, list[Criterion]] = {rid: [] for rid in rubric_ids}
    for c in Criterion.objects.filter(rubric_id__in=rubric_ids).order_by("order", "id"):
        criteria_by_rubric[c.rubric_id].append(c)
    rules_by_rubric = {rid: rules_for(cs) for rid, cs in criteria_by_rubric.items()}

    scope = Q(scorecard__application__posting=posting, scorecard__status=SUBMITTED)
    if stage:
        scope &= Q(scorecard__application__stage=stage)
    totals: dict[int, dict[int, float]] = {}
    answers: dict[int, dict[int, tuple[int, int]]] = {}
    # One aggregate gives both: level sums of scored criteria and yes/no counts of
    # screening questions (a score row holds a value or an answer, never both).
    for row in (
        CriterionScore.objects.filter(scope)
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
        app_id, criterion_id, total, n, yes, no = row
        if n:
            totals.setdefault(app_id, {})[criterion_id] = float(total - n * SCALE_MIN)
        if yes or no:
            answers.setdefault(app_id, {})[criterion_id] = (yes, no)

    tallies: dict[int, dict[int, int]] = {}
    card_scope = Q(application__posting=posting, status=SUBMITTED)
    if stage:
        card_scope &= Q(application__stage=stage)
    for app_id, recommendation, n in (
        Scorecard.objects.filter(card_scope)
        .values_list("application_id", "recommendation")
        .annotate(n=Count("id"))
        .order_by()
    ):
        tallies.setdefault(app_id, {})[recommendation] = n

    adjusted = hooks.adjusted_scores(rubric_ids)

    rows = []
    for a in apps:
        rules = rules_by_rubric[a.rubric_id]
        scale = scoring.Scale(SCALE_MIN, a.scale_max)
        score, failed = None, []
        if a.submitted:
            cons = scoring.consensus_from_totals(totals.get(a.pk, {}), a.submitted, rules, scale)
            score = round(scoring.weighted_score(cons, rules, scale), 2)
            failed_ids = set(scoring.failed_must_haves(cons, rules))
            failed_ids |= set(scoring.failed_screening_questions(answers.get(a.pk, {})))
            failed = [c.title for c in criteria_by_rubric[a.rubric_id] if c.pk in failed_ids]
        rows.append(
            RankingRow(
                application_id=a.pk,
                candidate_id=a.candidate_id,
                candidate_name=a.candidate_name,
                stage=a.stage,
                rubric_version=a.rubric_version,
                submitted=a.submitted,
                pending=a.pending,
                score=score,
                failed_must_haves=failed,
                tally=tallies.get(a.pk, {}),
                adjusted_score=adjusted.get(a.pk) if a.submitted else None,
            )
        )
    if must_haves == "pass":
        rows = [r for r in rows if r.passes_must_haves is True]
    elif must_haves == "fail":
        rows = [r for r in rows if r.passes_must_haves is False]
    elif must_haves == "unscored":
        rows = [r for r in rows if r.passes_must_haves is None]
    return _sort_rows(rows, order)


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
