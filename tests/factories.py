"""factory-boy factories: the world each test builds for itself."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from core import roles
from rubrics.anchors import default_anchors
from rubrics.models import Criterion, JobPosting, Rubric

POSTING_TEXT = """Field Service Technician

About the job
We keep hospital imaging equipment running across the region.

Requirements
- Certification: An associate degree or certificate in electronics or biomedical technology.
- Experience: Two years repairing electro-mechanical equipment (X-ray, CT, or MRI).
- Driving: A clean driving licence and willingness to travel within the region.
- Nice to have: Experience with vendor service software (ServiceMax, SAP PM).

Benefits
- Company van and fuel card.
"""


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "pass-for-tests")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        _join_role(self, create, extracted)


def _join_role(user, create: bool, role: str | None) -> None:
    if create and role:
        user.groups.add(Group.objects.get(name=role))
    if create:
        user.save()


class RecruiterFactory(UserFactory):
    username = factory.Sequence(lambda n: f"recruiter{n}")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        _join_role(self, create, extracted or roles.RECRUITER)


class ReviewerFactory(UserFactory):
    username = factory.Sequence(lambda n: f"reviewer{n}")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        _join_role(self, create, extracted or roles.REVIEWER)


class JobPostingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JobPosting

    title = factory.Sequence(lambda n: f"Field Service Technician {n}")
    team = "Field Operations"
    location = "Leeds"
    raw_text = POSTING_TEXT
    status = JobPosting.Status.OPEN


class RubricFactory(factory.django.DjangoModelFactory):
    """A draft rubric with no criteria; see `rubric_with_criteria`."""

    class Meta:
        model = Rubric

    posting = factory.SubFactory(JobPostingFactory)
    version = factory.Sequence(lambda n: n + 1)
    state = Rubric.State.DRAFT
    scale_max = 4


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    rubric = factory.SubFactory(RubricFactory)
    kind = Criterion.Kind.MUST_HAVE
    title = factory.Sequence(lambda n: f"Criterion {n}")
    description = "Shows the skill the posting asks for."
    # A screening question is a yes/no gate: no weight, no anchors.
    weight = factory.LazyAttribute(
        lambda c: Decimal(0) if c.kind == "screening" else Decimal("25.00")
    )
    order = factory.Sequence(lambda n: n)
    knockout_level = factory.LazyAttribute(lambda c: 2 if c.kind == "must_have" else None)
    keywords = factory.LazyFunction(list)
    anchors = factory.LazyAttribute(
        lambda c: (
            []
            if c.kind == "screening"
            else default_anchors(
                title=c.title, text=c.description, keywords=c.keywords, scale_max=c.rubric.scale_max
            )
        )
    )


def rubric_with_criteria(
    *,
    state: str = Rubric.State.DRAFT,
    weights=((Decimal("37.50"), Decimal("37.50")), (Decimal("25.00"),)),
    **kwargs,
) -> Rubric:
    """A rubric with must-haves and bonuses of the given weights, created as a
    draft and then moved to `state` (criteria cannot be added afterwards)."""
    rubric = RubricFactory(**kwargs)
    must_weights, bonus_weights = weights
    for weight in must_weights:
        CriterionFactory(rubric=rubric, kind=Criterion.Kind.MUST_HAVE, weight=weight)
    for weight in bonus_weights:
        CriterionFactory(rubric=rubric, kind=Criterion.Kind.BONUS, weight=weight)
    if state != Rubric.State.DRAFT:
        Rubric.objects.filter(pk=rubric.pk).update(state=Rubric.State.PUBLISHED)
        if state == Rubric.State.RETIRED:
            Rubric.objects.filter(pk=rubric.pk).update(state=Rubric.State.RETIRED)
        rubric.refresh_from_db()
    return rubric


# --- Screening ---------------------------------------------------------------

from screening.models import (  # noqa: E402
    Application,
    Candidate,
    CriterionScore,
    ReviewAssignment,
    Scorecard,
)


class CandidateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Candidate

    full_name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"candidate{n}@example.net")
    phone = factory.Sequence(lambda n: f"+44 20 7946 {n:04d}")
    links = factory.LazyFunction(lambda: ["https://portfolio.example.net/me"])
    notes = "Referred by a former colleague."


def published_rubric(**kwargs) -> Rubric:
    """A published rubric: must-haves 37.50 + 37.50, one bonus 25.00, 1–4 scale."""
    return rubric_with_criteria(state=Rubric.State.PUBLISHED, **kwargs)


def service_rubric(**kwargs) -> Rubric:
    """A published 1–4 rubric: must-haves Certification and Experience (37.5
    each, knockout below 2) and the bonus Service software (25), in that order."""
    rubric = RubricFactory(**kwargs)
    for order, (kind, title, weight) in enumerate(
        [
            (Criterion.Kind.MUST_HAVE, "Certification", Decimal("37.50")),
            (Criterion.Kind.MUST_HAVE, "Experience", Decimal("37.50")),
            (Criterion.Kind.BONUS, "Service software", Decimal("25.00")),
        ],
        start=1,
    ):
        CriterionFactory(rubric=rubric, kind=kind, title=title, weight=weight, order=order)
    Rubric.objects.filter(pk=rubric.pk).update(state=Rubric.State.PUBLISHED)
    rubric.refresh_from_db()
    return rubric


class ApplicationFactory(factory.django.DjangoModelFactory):
    """An application pinned to a published rubric of its posting."""

    class Meta:
        model = Application

    candidate = factory.SubFactory(CandidateFactory)
    rubric = factory.LazyFunction(published_rubric)
    posting = factory.LazyAttribute(lambda a: a.rubric.posting)
    stage = Application.Stage.SCREENING


class ReviewAssignmentFactory(factory.django.DjangoModelFactory):
    """An assignment with its draft scorecard, as the service makes them."""

    class Meta:
        model = ReviewAssignment
        skip_postgeneration_save = True

    application = factory.SubFactory(ApplicationFactory)
    reviewer = factory.SubFactory(ReviewerFactory)
    due_date = None

    @factory.post_generation
    def scorecard(self, create, extracted, **kwargs):
        if create:
            Scorecard.objects.create(assignment=self, application=self.application)


def submit_scores(assignment: ReviewAssignment, values: dict, recommendation: int = 3) -> Scorecard:
    """Store a submitted scorecard with `values` {criterion: level or None}."""
    from django.utils import timezone

    card = assignment.scorecard
    CriterionScore.objects.bulk_create(
        CriterionScore(scorecard=card, criterion=c, value=v) for c, v in values.items()
    )
    card.status = Scorecard.Status.SUBMITTED
    card.recommendation = recommendation
    card.submitted_at = timezone.now()
    card.save()
    return card


def assign_and_submit(
    application, reviewer, criteria, values, recommendation: int = 3
) -> Scorecard:
    """Assign `reviewer` to `application` and store their submitted scorecard: `values`
    are the levels on `criteria`, in the same order."""
    assignment = ReviewAssignmentFactory(application=application, reviewer=reviewer)
    return submit_scores(assignment, dict(zip(criteria, values, strict=True)), recommendation)


def xlsx_file(rows: list[list], *, first_row: int = 1, sheets: int = 1) -> bytes:
    """An Excel workbook (.xlsx) whose first sheet holds `rows` from row `first_row` on
    (None leaves a cell empty); further sheets hold a decoy row."""
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for offset, values in enumerate(rows):
        for column, value in enumerate(values, start=1):
            if value is not None:
                sheet.cell(row=first_row + offset, column=column, value=value)
    for n in range(1, sheets):
        workbook.create_sheet(f"Other {n}").append(["full_name", "email"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Calibration sessions ---------------------------------------------------------------


def calibration_session(
    *,
    recruiter=None,
    reviewers=(),
    keys=((3, 2, 1), (2, 4, 3)),
    training: bool = False,
    open_now: bool = True,
    rubric=None,
):
    """A session made through the service on a `service_rubric` posting: one item per
    row of `keys` (levels on Certification, Experience, Service software, in that order),
    real applications unless `training`; open for scoring unless `open_now` is false."""
    from calibration import sessions

    recruiter = recruiter or RecruiterFactory()
    rubric = rubric or service_rubric()
    criteria = list(rubric.criteria.order_by("order", "id"))
    items = []
    for n, levels in enumerate(keys, start=1):
        key = dict(zip([c.pk for c in criteria], levels, strict=True))
        if training:
            items.append(
                sessions.ItemInput(
                    title=f"Practice candidate {n}", profile=f"Profile {n}: five years.", key=key
                )
            )
        else:
            items.append(sessions.ItemInput(application=ApplicationFactory(rubric=rubric), key=key))
    return sessions.session_create(
        posting=rubric.posting,
        title="Spring calibration",
        key_agreed_by="Ana Ruiz and Ben Okafor",
        actor=recruiter,
        reviewers=reviewers,
        items=items,
        open_now=open_now,
    )


def session_ratings(session, levels) -> list[dict]:
    """The ratings a reviewer submits: `levels` holds one row per item (in the session's
    order), one level per criterion (in the rubric's order)."""
    from calibration.sessions import session_criteria

    criteria = session_criteria(session.rubric)
    items = list(session.items.order_by("order", "id"))
    return [
        {"item": item.pk, "criterion": c.pk, "level": level}
        for item, row in zip(items, levels, strict=True)
        for c, level in zip(criteria, row, strict=True)
    ]


# --- Adverse-impact analysis ---------------------------------------------------

from reports.models import CandidateDemographics  # noqa: E402

FAIRNESS_ANALYST = "Fairness analyst"


class AnalystFactory(UserFactory):
    """A user in the "Fairness analyst" group: may read and record demographics."""

    username = factory.Sequence(lambda n: f"analyst{n}")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        _join_role(self, create, extracted or FAIRNESS_ANALYST)


class CandidateDemographicsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CandidateDemographics

    candidate = factory.SubFactory(CandidateFactory)
    answers = factory.LazyFunction(lambda: {"gender": "Woman"})


def impact_posting(
    *, seed: int = 3, per_group: int = 20, difference: int = 1, small_group: int = 3
):
    """A posting with a built-in difference on one criterion: `per_group` women and men and
    `small_group` non-binary candidates (under the minimum), scored by three reviewers in
    turn on the service rubric; women are scored `difference` levels lower on "Experience"
    only (never below 1). Every fourth application reached the interview. Returns
    (posting, rubric, reviewers)."""
    import random

    rng = random.Random(seed)
    rubric = service_rubric()
    criteria = list(rubric.criteria.order_by("order"))
    reviewers = [
        ReviewerFactory(first_name=name, last_name="Reviewer") for name in ("Ana", "Ben", "Chloe")
    ]
    genders = ["Woman", "Man"] * per_group + ["Non-binary"] * small_group
    for n, gender in enumerate(genders):
        stage = Application.Stage.INTERVIEW if n % 4 == 0 else Application.Stage.SCREENING
        application = ApplicationFactory(rubric=rubric, stage=stage)
        CandidateDemographicsFactory(
            candidate=application.candidate,
            # Age band independent of gender: alternates in pairs.
            answers={"gender": gender, "age_band": "25–34" if n // 2 % 2 else "35–44"},
        )
        values = [rng.choice([2, 3, 3, 4]) for _ in criteria]
        if gender == "Woman":
            values[1] = max(1, values[1] - difference)
        assign_and_submit(application, reviewers[n % 3], criteria, values)
    return rubric.posting, rubric, reviewers
