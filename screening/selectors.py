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
from rubrics.anchors import SCALE_MIN, level_labels
from rubrics.models import Criterion, JobPosting
from screening import hooks, scoring
from screening.anonymity import anonymous_document_name, candidate_hidden_expression, redact
from screening.documents.boxes import passage_rects
from screening.evidence import EvidenceCriterion, compile_criteria, find_evidence
from screening.models import (
    Application,
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
    return JobPosting.objects.filter(applications__isnull=False).distinct().order_by("title", "id")


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
# Each order names the value it sorts on (None: not scored yet); unscored
# rows always go last, whatever the direction.
RANKING_ORDERS = {
    "score": lambda r: r.score,
    "adjusted": lambda r: r.adjusted_score,
    "name": lambda r: r.candidate_name.lower(),
    "submitted": lambda r: r.submitted,
    "stage": lambda r: r.stage,
}
# Best first: the order of the rank numbers, of the CSV and of the debrief's
# previous/next links.
DEFAULT_RANKING_ORDER = "-score"


def ranking_orders() -> list[str]:
    """Every accepted `order`: each key, ascending and with "-" descending."""
    return [o for key in RANKING_ORDERS for o in (key, f"-{key}")]


def ranking_order(order: str | None) -> str:
    """The order asked for, or the default (best first) when none or an unknown one is."""
    return order if order in ranking_orders() else DEFAULT_RANKING_ORDER


def _sort_rows(rows: list, order: str) -> list:
    order = ranking_order(order)
    getter = RANKING_ORDERS[order.lstrip("-")]
    descending = order.startswith("-")
    by_name = sorted(rows, key=lambda r: (r.candidate_name.lower(), r.application_id))
    present = [r for r in by_name if getter(r) is not None]
    missing = [r for r in by_name if getter(r) is None]
    # Stable sorts (reverse=True too): ties keep the alphabetical order.
    return sorted(present, key=getter, reverse=descending) + missing


def _rank_rows(rows: list) -> list:
    """Number the rows by the default order (highest score first; equal scores
    by name, then by application id; unscored last): the rank stays with its
    application however the page is then sorted."""
    for rank, row in enumerate(_sort_rows(rows, DEFAULT_RANKING_ORDER), start=1):
        row.rank = rank
    return rows


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


class Ranking(list):
    """The ranking's rows, with ``calibration_warnings``: what to say above
    their adjusted scores ([] unless those compare only within groups)."""

    calibration_warnings: list[str] = []


def posting_ranking(
    *,
    posting: JobPosting,
    stage: str | None = None,
    must_haves: str | None = None,
    order: str = DEFAULT_RANKING_ORDER,
    viewer=None,
) -> list[RankingRow]:
    """Every application of a posting with its consensus score, computed from
    four aggregate queries whatever the number of applications, numbered by
    the default order (`RankingRow.rank`) and sorted by `order`. With a
    ``viewer``, the applications they are still scoring themselves show no
    score, tally or must-have result (``blind``) and are ranked as unscored."""
    # Plain rows, not model instances: at 10,000 applications building the
    # objects costs more than the queries.
    apps = [
        _AppRow(*row)
        for row in Application.objects.filter(posting=posting)
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
        return Ranking()
    rubric_ids = {a.rubric_id for a in apps}
    criteria_by_rubric: dict[int, list[Criterion]] = {rid: [] for rid in rubric_ids}
    for c in Criterion.objects.filter(rubric_id__in=rubric_ids).order_by("order", "id"):
        criteria_by_rubric[c.rubric_id].append(c)
    rules_by_rubric = {rid: rules_for(cs) for rid, cs in criteria_by_rubric.items()}

    scope = Q(scorecard__application__posting=posting, scorecard__status=SUBMITTED)
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
    for app_id, recommendation, n in (
        Scorecard.objects.filter(card_scope)
        .values_list("application_id", "recommendation")
        .annotate(n=Count("id"))
        .order_by()
    ):
        tallies.setdefault(app_id, {})[recommendation] = n

    adjusted = hooks.adjusted_scores(rubric_ids)
    adjusted_groups = getattr(adjusted, "group", {})
    blind = (
        set(
            scoring_blind_applications(viewer)
            .filter(application__posting=posting)
            .values_list("application_id", flat=True)
        )
        if viewer is not None
        else set()
    )

    rows = []
    for a in apps:
        if a.pk in blind:
            rows.append(
                RankingRow(
                    application_id=a.pk,
                    candidate_id=a.candidate_id,
                    candidate_name=a.candidate_name,
                    stage=a.stage,
                    rubric_version=a.rubric_version,
                    submitted=a.submitted,
                    pending=a.pending,
                    score=None,
                    failed_must_haves=[],
                    tally={},
                    blind=True,
                )
            )
            continue
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
                adjusted_group=adjusted_groups.get(a.pk) if a.submitted else None,
            )
        )
    # Ranked before filtering: "#" is the place in the whole posting's best-first order,
    # the same on a filtered page, on the debrief and in the CSV.
    rows = _rank_rows(rows)
    if stage:
        rows = [r for r in rows if r.stage == stage]
    if must_haves == "pass":
        rows = [r for r in rows if r.passes_must_haves is True]
    elif must_haves == "fail":
        rows = [r for r in rows if r.passes_must_haves is False]
    elif must_haves == "unscored":
        rows = [r for r in rows if r.passes_must_haves is None]
    ranking = Ranking(_sort_rows(rows, order))
    ranking.calibration_warnings = list(getattr(adjusted, "warnings", []))
    return ranking


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
    ranking = posting_ranking(posting=application.posting, viewer=viewer)
    ids = [r.application_id for r in ranking]
    if application.pk in ids:
        at = ids.index(application.pk)
        debrief.ranking_row = ranking[at]
        debrief.ranked_count = len(ranking)
        debrief.previous_id = ids[at - 1] if at > 0 else None
        debrief.next_id = ids[at + 1] if at + 1 < len(ids) else None
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
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
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
