"""The small world the contract tests run against: a recruiter, two reviewers, a
signed-in user in no group, a published rubric with applications assigned to the
reviewers (drafts and submitted scorecards), a draft rubric, a document, a
calibration run, a calibration session and a report.

Every note, summary and candidate contact carries a distinctive marker, so a test can
search every response body for what its caller must not read."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone
from knox.models import AuthToken

from calibration.models import CalibrationRun
from reports.models import Report
from rubrics.models import Rubric
from screening import services
from screening.models import CriterionScore, Document, Scorecard
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    RecruiterFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    UserFactory,
    calibration_session,
    rubric_with_criteria,
    service_rubric,
)

ROLES = ("recruiter", "reviewer_a", "reviewer_b", "outsider", "anonymous")


@dataclass
class World:
    users: dict
    ids: dict
    # marker -> the roles that may read it (recruiters read everything)
    markers: dict = field(default_factory=dict)

    def token(self, role: str) -> str | None:
        if role == "anonymous":
            return None
        _, token = AuthToken.objects.create(user=self.users[role])
        return token


def _card(assignment, *, values, note: str, summary: str, submitted: bool) -> Scorecard:
    card = assignment.scorecard
    CriterionScore.objects.bulk_create(
        CriterionScore(scorecard=card, criterion=c, value=v, note=f"{note} on {c.title}")
        for c, v in values.items()
    )
    card.summary = summary
    if submitted:
        card.status = Scorecard.Status.SUBMITTED
        card.recommendation = 3
        card.submitted_at = timezone.now()
    card.save()
    return card


def seed_world() -> World:
    recruiter = RecruiterFactory(username="rita")
    reviewer_a = ReviewerFactory(username="ana")
    reviewer_b = ReviewerFactory(username="ben")
    outsider = UserFactory(username="olga")

    rubric = service_rubric()
    posting = rubric.posting
    criteria = list(rubric.criteria.order_by("order", "id"))
    draft = rubric_with_criteria(posting=posting)

    # Shared: A scores in draft, B has submitted (A must not see B's notes yet).
    shared = ApplicationFactory(
        rubric=rubric,
        candidate=CandidateFactory(
            full_name="Sam Shared", email="mk-shared-mail@example.net", phone="+44 mk-shared-tel"
        ),
    )
    a_on_shared = ReviewAssignmentFactory(application=shared, reviewer=reviewer_a)
    b_on_shared = ReviewAssignmentFactory(application=shared, reviewer=reviewer_b)
    card_a_draft = _card(
        a_on_shared,
        values=dict(zip(criteria, (3, 2, None), strict=True)),
        note="MK-A-DRAFT-NOTE",
        summary="MK-A-DRAFT-SUMMARY",
        submitted=False,
    )
    card_b_done = _card(
        b_on_shared,
        values=dict(zip(criteria, (4, 4, 1), strict=True)),
        note="MK-B-SUBMITTED-NOTE",
        summary="MK-B-SUBMITTED-SUMMARY",
        submitted=True,
    )
    # Only B's: A must not learn the candidate exists.
    b_only = ApplicationFactory(
        rubric=rubric,
        candidate=CandidateFactory(
            full_name="Bea MK-B-ONLY-NAME", email="mk-bonly-mail@example.net", phone="+44 mk-bonly"
        ),
    )
    b_on_b_only = ReviewAssignmentFactory(application=b_only, reviewer=reviewer_b)
    card_b_draft = _card(
        b_on_b_only,
        values=dict(zip(criteria, (1, 2, 3), strict=True)),
        note="MK-B-DRAFT-NOTE",
        summary="MK-B-DRAFT-SUMMARY",
        submitted=False,
    )
    # Only A's, submitted.
    a_only = ApplicationFactory(
        rubric=rubric,
        candidate=CandidateFactory(
            full_name="Abe MK-A-ONLY-NAME", email="mk-aonly-mail@example.net", phone="+44 mk-aonly"
        ),
    )
    a_on_a_only = ReviewAssignmentFactory(application=a_only, reviewer=reviewer_a)
    card_a_done = _card(
        a_on_a_only,
        values=dict(zip(criteria, (2, 3, 2), strict=True)),
        note="MK-A-SUBMITTED-NOTE",
        summary="MK-A-SUBMITTED-SUMMARY",
        submitted=True,
    )
    document = services.document_upload(
        application=b_only,
        actor=recruiter,
        name="resume.txt",
        data=b"Bea's resume: MK-B-ONLY-DOC certified biomedical technician.\n",
        role=Document.Role.RESUME,
    )
    run = CalibrationRun.objects.create(
        rubric=rubric, status=CalibrationRun.Status.SUCCEEDED, trigger="manual"
    )
    now = timezone.now()
    report = Report.objects.create(
        posting=posting,
        period_start=now - timedelta(days=7),
        period_end=now,
        subject=f"Weekly digest: {posting.title}",
        html="<p>digest</p>",
        text="digest",
        csv="rank\n",
        recipients=["rita@example.org"],
    )
    session = calibration_session(recruiter=recruiter, reviewers=[reviewer_a])
    assert draft.state == Rubric.State.DRAFT

    ids = {
        "posting": posting.pk,
        "rubric": rubric.pk,
        "draft_rubric": draft.pk,
        "application_shared": shared.pk,
        "application_b_only": b_only.pk,
        "application_a_only": a_only.pk,
        "candidate_shared": shared.candidate_id,
        "candidate_b_only": b_only.candidate_id,
        "candidate_a_only": a_only.candidate_id,
        "assignment_a_shared": a_on_shared.pk,
        "assignment_b_shared": b_on_shared.pk,
        "assignment_b_only": b_on_b_only.pk,
        "assignment_a_only": a_on_a_only.pk,
        "scorecard_a_draft": card_a_draft.pk,
        "scorecard_b_done": card_b_done.pk,
        "scorecard_b_draft": card_b_draft.pk,
        "scorecard_a_done": card_a_done.pk,
        "document": document.pk,
        "calibration_run": run.pk,
        "calibration_session": session.pk,
        "report": report.pk,
    }
    markers = {
        "MK-A-DRAFT-NOTE": {"reviewer_a"},
        "MK-A-DRAFT-SUMMARY": {"reviewer_a"},
        "MK-A-SUBMITTED-NOTE": {"reviewer_a"},
        "MK-A-SUBMITTED-SUMMARY": {"reviewer_a"},
        "MK-B-SUBMITTED-NOTE": {"reviewer_b"},
        "MK-B-SUBMITTED-SUMMARY": {"reviewer_b"},
        "MK-B-DRAFT-NOTE": {"reviewer_b"},
        "MK-B-DRAFT-SUMMARY": {"reviewer_b"},
        "MK-B-ONLY-NAME": {"reviewer_b"},
        "MK-B-ONLY-DOC": {"reviewer_b"},
        "MK-A-ONLY-NAME": {"reviewer_a"},
        # Contacts: recruiters only, never a reviewer.
        "mk-shared-mail": set(),
        "mk-shared-tel": set(),
        "mk-bonly-mail": set(),
        "mk-bonly": set(),
        "mk-aonly-mail": set(),
        "mk-aonly": set(),
    }
    return World(
        users={
            "recruiter": recruiter,
            "reviewer_a": reviewer_a,
            "reviewer_b": reviewer_b,
            "outsider": outsider,
        },
        ids=ids,
        markers=markers,
    )
