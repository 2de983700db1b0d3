"""Reading what an adverse-impact report needs, in four queries whatever the posting's size:
its applications, their stage history, the candidates' self-identified answers, and the
submitted scores. Callers check `can_view_demographics` first: nothing here does.

`posting_adverse_impact(posting)` is the one entry point (the admin page, the API, and later
the digest's section for those with the permission)."""

from collections import defaultdict

from django.db.models import CharField, Q
from django.db.models.functions import Cast

from core.models import AuditEvent
from core.roles import REVIEWER
from reports.impact import analysis
from reports.impact.categories import PREFER_NOT_TO_SAY, categories, label, minimum_group_size
from reports.impact.services import PERMISSION_VIEW
from reports.models import CandidateDemographics
from rubrics.models import Criterion, JobPosting
from screening.models import Application, CriterionScore, Scorecard

Stage = Application.Stage
# The pipeline in order; "rejected" and "withdrawn" end it at whatever stage was reached.
PIPELINE = [Stage.APPLIED, Stage.SCREENING, Stage.INTERVIEW, Stage.OFFER, Stage.HIRED]
STAGE_LABELS = [stage.label for stage in PIPELINE]


def can_view_demographics(user) -> bool:
    """Only users given the dedicated permission (the "Fairness analyst" group) and
    superusers; never the Recruiter role by itself, and never a reviewer, even one who was
    given the permission."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    if not user.has_perm(PERMISSION_VIEW):
        return False
    # Cached on the user object for the request, as core.roles does.
    if not hasattr(user, "_is_reviewer"):
        user._is_reviewer = user.groups.filter(name=REVIEWER).exists()
    return not user._is_reviewer


def furthest_stages(posting: JobPosting) -> dict[int, int]:
    """{application id: index in PIPELINE of the furthest stage it reached} for the posting's
    applications, withdrawn ones left out (the candidate, not the process, stopped them). A
    rejected application reached the furthest stage its history records."""
    pool = Application.objects.filter(posting=posting).exclude(stage=Stage.WITHDRAWN)
    applications = dict(pool.values_list("pk", "stage"))
    order = {stage.value: index for index, stage in enumerate(PIPELINE)}
    reached = {pk: order.get(stage, 0) for pk, stage in applications.items()}
    history = AuditEvent.objects.filter(
        content_type__app_label="screening",
        content_type__model="application",
        # A subquery, not a list of ids: a large posting would pass SQLite's variable limit.
        object_id__in=pool.annotate(id_text=Cast("pk", CharField())).values("id_text"),
        event__in=["application.opened", "application.stage_changed"],
    ).values_list("object_id", "changes")
    for object_id, changes in history:
        pk = int(object_id)
        if pk not in reached:  # withdrawn since the query above
            continue
        for stage in (changes or {}).get("stage") or []:
            if stage in order:
                reached[pk] = max(reached[pk], order[stage])
    return reached


def posting_answers(posting: JobPosting) -> dict[str, dict[int, str]]:
    """{category: {application id: answer}} for the posting's applications."""
    rows = CandidateDemographics.objects.filter(
        candidate__applications__posting=posting
    ).values_list("candidate__applications__pk", "answers")
    by_category = {category: {} for category in categories()}
    for application_id, answers in rows:
        for category, answer in (answers or {}).items():
            if category in by_category:
                by_category[category][application_id] = answer
    return by_category


def posting_scores(posting: JobPosting) -> tuple[dict, dict]:
    """From submitted scorecards: ({criterion title: {application id: consensus level}},
    {reviewer name: {application id: the reviewer's mean level over the criteria they
    scored}}). Criteria are keyed by title, so versions of a rubric count together."""
    rows = (
        CriterionScore.objects.filter(
            scorecard__application__posting=posting,
            scorecard__status=Scorecard.Status.SUBMITTED,
            value__isnull=False,
        )
        .exclude(Q(criterion__kind=Criterion.Kind.SCREENING))
        .exclude(scorecard__application__stage=Stage.WITHDRAWN)
        .values_list(
            "scorecard__application_id",
            "criterion__title",
            "criterion__order",
            "scorecard__assignment__reviewer__username",
            "scorecard__assignment__reviewer__first_name",
            "scorecard__assignment__reviewer__last_name",
            "value",
        )
        .order_by("criterion__order", "criterion__title")
    )
    by_criterion = defaultdict(lambda: defaultdict(list))
    by_reviewer = defaultdict(lambda: defaultdict(list))
    for application_id, title, _order, username, first, last, value in rows:
        by_criterion[title][application_id].append(value)
        reviewer = f"{first} {last}".strip() or username
        by_reviewer[reviewer][application_id].append(value)

    def means(table):
        return {
            subject: {pk: sum(v) / len(v) for pk, v in values.items()}
            for subject, values in table.items()
        }

    return means(by_criterion), dict(sorted(means(by_reviewer).items()))


def posting_adverse_impact(posting: JobPosting, *, minimum: int | None = None):
    """The posting's adverse-impact report (reports.impact.analysis.ImpactReport): per
    self-identified category, selection rates and impact ratios at each stage, and per
    criterion and per reviewer the standardised difference in scores, with small groups
    merged or not shown. Four queries."""
    reached = furthest_stages(posting)
    criterion_scores, reviewer_scores = posting_scores(posting)
    answers = {label(c): by_app for c, by_app in posting_answers(posting).items()}
    return analysis.impact_report(
        answers=answers,
        stages=STAGE_LABELS,
        reached=reached,
        criterion_scores=criterion_scores,
        reviewer_scores=reviewer_scores,
        not_compared=frozenset({PREFER_NOT_TO_SAY}),
        minimum=minimum if minimum is not None else minimum_group_size(),
    )
