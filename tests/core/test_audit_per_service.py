"""Every service that changes state writes exactly one AuditEvent naming what changed.

Each case runs one service on a fresh world and checks the one new event: its type, its actor
(none for a system action) and the keys of what changed."""

from datetime import date
from decimal import Decimal

import pytest

from calibration import scheduling
from calibration import services as calibration_services
from calibration.models import CalibrationRun
from core.models import AuditEvent
from reports import services as report_services
from rubrics import services as rubric_services
from rubrics.models import Rubric
from screening import services as screening_services
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    JobPostingFactory,
    RecruiterFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    rubric_with_criteria,
    submit_scores,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor():
    return RecruiterFactory()


def draft():
    return rubric_with_criteria()


def published():
    return rubric_with_criteria(state=Rubric.State.PUBLISHED)


def first_criterion(rubric):
    return rubric.criteria.order_by("order").first()


def scored_assignment():
    assignment = ReviewAssignmentFactory()
    criteria = list(assignment.application.rubric.criteria.order_by("order"))
    return assignment, criteria


def submitted_card():
    assignment, criteria = scored_assignment()
    return submit_scores(assignment, dict(zip(criteria, (3, 3, None), strict=True)))


CASES = {
    "posting.created": lambda actor: rubric_services.posting_create(
        actor=actor, title="Baker", raw_text="Requirements\n- Two years of baking.\n"
    ),
    "posting.changed": lambda actor: rubric_services.posting_update(
        posting=JobPostingFactory(), actor=actor, location="York"
    ),
    "posting.deleted": lambda actor: rubric_services.posting_delete(
        posting=JobPostingFactory(), actor=actor
    ),
    "rubric.generated": lambda actor: rubric_services.rubric_generate(
        posting=JobPostingFactory(), actor=actor
    ),
    "rubric.changed": lambda actor: rubric_services.rubric_update(
        rubric=draft(), actor=actor, scale_max=5
    ),
    "rubric.published": lambda actor: rubric_services.rubric_publish(rubric=draft(), actor=actor),
    "rubric.retired": lambda actor: rubric_services.rubric_retire(rubric=published(), actor=actor),
    "rubric.cloned": lambda actor: rubric_services.rubric_clone(rubric=published(), actor=actor),
    "rubric.deleted": lambda actor: rubric_services.rubric_delete(rubric=draft(), actor=actor),
    "rubric.criterion_kind_changed": lambda actor: rubric_services.criterion_set_kind(
        criterion=first_criterion(draft()), kind="bonus", actor=actor
    ),
    "rubric.criterion_dropped": lambda actor: rubric_services.criterion_drop(
        criterion=first_criterion(draft()), actor=actor
    ),
    "rubric.criterion_added": lambda actor: rubric_services.criterion_add_from_posting(
        rubric=draft(), start=0, end=40, actor=actor
    ),
    "candidate.created": lambda actor: screening_services.candidate_create(
        actor=actor, full_name="Ada Okafor", email="ada.okafor@example.net"
    ),
    "candidate.changed": lambda actor: screening_services.candidate_update(
        candidate=CandidateFactory(), actor=actor, phone="+44 1"
    ),
    "application.opened": lambda actor: screening_services.application_open(
        candidate=CandidateFactory(), posting=published().posting, actor=actor
    ),
    "application.stage_changed": lambda actor: screening_services.application_set_stage(
        application=ApplicationFactory(), actor=actor, stage="interview"
    ),
    "assignment.created": lambda actor: screening_services.assignment_create(
        application=ApplicationFactory(), reviewer=ReviewerFactory(), actor=actor
    ),
    "assignment.due_date_changed": lambda actor: screening_services.assignment_set_due_date(
        assignment=ReviewAssignmentFactory(), actor=actor, due_date=date(2026, 12, 24)
    ),
    "scorecard.reopened": lambda actor: screening_services.scorecard_reopen(
        scorecard=submitted_card(), actor=actor
    ),
    "calibration.requested": lambda actor: scheduling.calibration_request(
        rubric=published(), actor=actor
    ),
}

# The changes each event must name (a subset of its keys).
NAMES = {
    "posting.created": {"title", "raw_text"},
    "posting.changed": {"location"},
    "posting.deleted": {"title"},
    "rubric.generated": {"criteria"},
    "rubric.changed": {"scale_max", "criteria"},
    "rubric.published": {"state"},
    "rubric.retired": {"state"},
    "rubric.cloned": {"cloned_from"},
    "rubric.deleted": {"criteria"},
    "rubric.criterion_kind_changed": {"criteria"},
    "rubric.criterion_dropped": {"criteria"},
    "rubric.criterion_added": {"criteria", "span"},
    "candidate.created": set(),
    "candidate.changed": {"fields"},
    "application.opened": {"rubric", "stage"},
    "application.stage_changed": {"stage"},
    "assignment.created": {"reviewer", "due_date"},
    "assignment.due_date_changed": {"due_date"},
    "scorecard.reopened": {"status"},
    "calibration.requested": {"trigger"},
}


@pytest.mark.parametrize("event", sorted(CASES))
def test_each_service_writes_one_event_naming_what_changed(event, actor):
    before = AuditEvent.objects.count()
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    CASES[event](actor)

    new = list(AuditEvent.objects.filter(id__gt=last, event=event))
    assert len(new) == 1, [e.event for e in AuditEvent.objects.filter(id__gt=last)]
    assert new[0].actor == actor
    assert NAMES[event] <= set(new[0].changes)
    # Only the publication of a new version writes a second event (the old one's retirement).
    assert AuditEvent.objects.count() - before == 1


def test_a_save_and_a_submit_each_write_one_event_with_the_scores():
    assignment, criteria = scored_assignment()
    reviewer = assignment.reviewer
    scores = [{"criterion": c.pk, "value": 3} for c in criteria[:2]]

    screening_services.scorecard_save(
        scorecard=assignment.scorecard, reviewer=reviewer, scores=scores
    )
    screening_services.scorecard_save(
        scorecard=assignment.scorecard, reviewer=reviewer, recommendation=3, submit=True
    )

    saved, submitted = AuditEvent.objects.filter(object_id=str(assignment.scorecard.pk)).order_by(
        "id"
    )
    assert (saved.event, saved.actor) == ("scorecard.saved", reviewer)
    assert set(saved.changes) == {"scores"}
    assert (submitted.event, submitted.changes["status"]) == (
        "scorecard.submitted",
        ["draft", "submitted"],
    )


def test_publishing_a_new_version_records_the_old_ones_retirement_too(actor):
    old = published()
    new = rubric_services.rubric_clone(rubric=old, actor=actor)

    rubric_services.rubric_publish(rubric=new, actor=actor)

    assert list(
        AuditEvent.objects.filter(event__in=["rubric.published", "rubric.retired"])
        .order_by("id")
        .values_list("event", "object_id")
    ) == [("rubric.retired", str(old.pk)), ("rubric.published", str(new.pk))]


def test_a_given_up_run_is_a_system_event():
    run = CalibrationRun.objects.create(rubric=published(), status=CalibrationRun.Status.QUEUED)

    calibration_services.calibration_give_up(run_id=run.pk)

    event = AuditEvent.objects.get(event="calibration.given_up")
    assert event.actor is None
    assert event.changes["status"] == ["queued", "failed"]


def test_an_imported_digest_and_its_copies_are_system_events(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    recruiter = RecruiterFactory(email="rita@example.org")
    posting = JobPostingFactory(created_by=recruiter)
    rubric_with_criteria(state=Rubric.State.PUBLISHED, posting=posting)

    report = report_services.digest_prepare(posting=posting)
    report_services.report_send(report=report)

    events = list(AuditEvent.objects.filter(object_id=str(report.pk)).order_by("id"))
    assert [(e.event, e.actor) for e in events] == [
        ("report.prepared", None),
        ("report.sent", None),
    ]
    assert events[1].changes == {"recipient": [None, "rita@example.org"]}


def test_weights_are_recorded_as_text_old_and_new(actor):
    rubric = rubric_with_criteria(weights=((Decimal("50.00"), Decimal("30.00")), (Decimal("20"),)))
    first = first_criterion(rubric)

    rubric_services.rubric_update(rubric=rubric, actor=actor, reweigh=True)

    event = AuditEvent.objects.get(event="rubric.changed")
    key = f"{first.title} [#{first.pk}]"
    assert event.changes["criteria"]["changed"][key] == {"weight": ["50.00", "40.00"]}
