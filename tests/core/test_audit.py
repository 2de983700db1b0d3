"""Audit events as data: one record per state change with what changed (old → new), shown in
the admin's audit trail and on each object's History page, to recruiters only."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from core import audit
from core.models import AuditEvent
from rubrics import services as rubric_services
from screening import services as screening_services
from tests.factories import (
    CandidateFactory,
    RecruiterFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    rubric_with_criteria,
)

pytestmark = pytest.mark.django_db


def events(obj) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_id=str(obj.pk)).order_by("id"))


def test_a_system_action_is_recorded_without_an_actor():
    rubric = rubric_with_criteria()

    event = audit.record(actor=AnonymousUser(), event="rubric.checked", obj=rubric)

    assert (event.actor, event.object_repr) == (None, str(rubric))


def test_values_are_stored_as_json():
    rubric = rubric_with_criteria()

    event = audit.record(
        actor=None, event="x.y", obj=rubric, changes={"weight": [Decimal("1.50"), Decimal("2")]}
    )

    event.refresh_from_db()
    assert event.changes == {"weight": ["1.50", "2"]}


def test_a_reweigh_records_each_weight_old_and_new():
    recruiter = RecruiterFactory()
    rubric = rubric_with_criteria(
        weights=((Decimal("50.00"), Decimal("30.00")), (Decimal("20.00"),))
    )
    first, second, bonus = rubric.criteria.order_by("order")

    rubric_services.rubric_update(rubric=rubric, actor=recruiter, reweigh=True)

    [event] = events(rubric)
    assert (event.actor, event.event) == (recruiter, "rubric.changed")
    changed = event.changes["criteria"]["changed"]
    assert changed[f"{first.title} [#{first.pk}]"] == {"weight": ["50.00", "40.00"]}
    assert changed[f"{second.title} [#{second.pk}]"] == {"weight": ["30.00", "40.00"]}
    assert f"{bonus.title} [#{bonus.pk}]" not in changed  # 20.00 before and after


def test_replacing_criteria_records_the_added_and_the_removed():
    recruiter = RecruiterFactory()
    rubric = rubric_with_criteria()
    kept, removed, _bonus = rubric.criteria.order_by("order")

    rubric_services.rubric_update(
        rubric=rubric,
        actor=recruiter,
        criteria=[
            {"id": kept.pk, "weight": Decimal("70.00")},
            {"kind": "bonus", "title": "Welsh", "weight": Decimal("30.00")},
        ],
    )

    [event] = events(rubric)
    criteria = event.changes["criteria"]
    assert [value["title"] for value in criteria["added"].values()] == ["Welsh"]
    assert f"{removed.title} [#{removed.pk}]" in criteria["removed"]
    assert criteria["changed"][f"{kept.title} [#{kept.pk}]"]["weight"] == ["37.50", "70.00"]


def test_a_scorecard_save_records_levels_but_not_the_words_of_notes():
    assignment = ReviewAssignmentFactory()
    criterion = assignment.application.rubric.criteria.order_by("order").first()

    screening_services.scorecard_save(
        scorecard=assignment.scorecard,
        reviewer=assignment.reviewer,
        scores=[{"criterion": criterion.pk, "value": 3, "note": "Led the Leeds rollout."}],
        recommendation=3,
    )

    [event] = events(assignment.scorecard)
    assert event.event == "scorecard.saved"
    assert event.changes == {
        "scores": {f"{criterion.title} [#{criterion.pk}]": {"value": [None, 3], "note": "edited"}},
        "recommendation": [None, 3],
    }
    assert "Leeds" not in str(event.changes)


def test_a_candidate_change_names_the_fields_but_keeps_no_personal_data():
    recruiter = RecruiterFactory()
    candidate = CandidateFactory(phone="+44 20 0000 0000")

    screening_services.candidate_update(
        candidate=candidate, actor=recruiter, phone="+44 20 1111 1111"
    )

    [event] = events(candidate)
    assert event.changes == {"fields": ["phone"]}
    assert "1111" not in str(event.changes) and "1111" not in event.summary


# --- the admin ---------------------------------------------------------------------------------


def test_a_rubric_history_page_lists_its_events_for_a_recruiter(client):
    recruiter = RecruiterFactory(is_staff=True)
    rubric = rubric_with_criteria()
    rubric_services.rubric_publish(rubric=rubric, actor=recruiter)
    client.force_login(recruiter)

    response = client.get(reverse("admin:rubrics_rubric_history", args=[rubric.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "rubric.published" in page and "Published." in page


def test_an_application_history_includes_its_scorecards(client):
    recruiter = RecruiterFactory(is_staff=True)
    assignment = ReviewAssignmentFactory()
    screening_services.scorecard_save(
        scorecard=assignment.scorecard, reviewer=assignment.reviewer, summary="Fine."
    )
    client.force_login(recruiter)

    response = client.get(
        reverse("admin:screening_application_history", args=[assignment.application.pk])
    )

    assert response.status_code == 200
    assert "scorecard.saved" in response.content.decode()


def test_a_reviewer_may_not_read_an_objects_history(client):
    reviewer = ReviewerFactory(is_staff=True)
    rubric = rubric_with_criteria()
    client.force_login(reviewer)

    response = client.get(reverse("admin:rubrics_rubric_history", args=[rubric.pk]))

    assert response.status_code == 403


@pytest.mark.parametrize("rows", [3, 30])
def test_the_audit_trail_list_costs_the_same_queries_for_any_page(
    client, rows, django_assert_max_num_queries
):
    recruiter = RecruiterFactory(is_staff=True)
    rubric = rubric_with_criteria()
    for _ in range(rows):
        audit.record(actor=recruiter, event="rubric.checked", obj=rubric)
    client.force_login(recruiter)

    # session, user, permissions (2), counts (2), the page with actor and type joined, the
    # date hierarchy, the event, type and actor filters, and the actor list of the filter
    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:core_auditevent_changelist"))

    assert response.status_code == 200
    assert response.content.decode().count("rubric.checked") >= rows
