"""Calibration sessions in the admin: a recruiter makes one (items and key inline), opens
it and reads the results; a reviewer scores it blind under "My calibration sessions"."""

import pytest
from django.urls import reverse

from calibration import sessions
from calibration.models import CalibrationSession, MyCalibrationSession
from tests.factories import (
    ApplicationFactory,
    ReviewerFactory,
    calibration_session,
    service_rubric,
    session_ratings,
)
from tests.support import changelist_url, form_data, messages_of, table_rows

pytestmark = pytest.mark.django_db

KEYS = ((3, 2, 1), (2, 4, 3))
LEVELS = ((4, 3, 1), (3, 4, 4))


def change_page(session):
    return reverse("admin:calibration_calibrationsession_change", args=[session.pk])


def score_page(assignment):
    return reverse("admin:calibration_mycalibrationsession_score", args=[assignment.pk])


def test_a_recruiter_makes_a_session_with_items_and_key_then_opens_it(recruiter_client, reviewer):
    rubric = service_rubric()
    application = ApplicationFactory(rubric=rubric)
    response = recruiter_client.post(
        reverse("admin:calibration_calibrationsession_add"),
        {
            "posting": rubric.posting.pk,
            "title": "June calibration",
            "key_agreed_by": "Ana and Ben",
            "due_date": "",
            "reviewers": [reviewer.pk],
        },
    )
    session = CalibrationSession.objects.get()
    assert response.status_code == 302 and response.url == change_page(session)
    assert session.status == "draft" and session.rubric == rubric

    page = recruiter_client.get(change_page(session))
    data = form_data(page, "calibrationsession_form")
    assert data["items-TOTAL_FORMS"] == "2"  # two empty items to start with
    criteria = sessions.session_criteria(rubric)
    data.update(
        {
            "items-0-application": str(application.pk),
            "items-1-title": "Practice: a career changer",
            "items-1-profile": "Retail for ten years; an electronics certificate.",
            "_open": "Save and open for scoring",
        }
    )
    for n, levels in enumerate(KEYS):
        for c, level in zip(criteria, levels, strict=True):
            data[f"items-{n}-key_{c.pk}"] = str(level)
    response = recruiter_client.post(change_page(session), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    session.refresh_from_db()
    assert session.status == "open"
    assert [(i.application_id, i.title) for i in session.items.all()] == [
        (application.pk, ""),
        (None, "Practice: a career changer"),
    ]
    page = recruiter_client.get(change_page(session))
    assert "3 · Meets" in page.content.decode()  # the key, read-only once open


def test_opening_with_one_item_says_why(recruiter_client, reviewer):
    session = calibration_session(reviewers=[reviewer], keys=KEYS[:1], open_now=False)
    data = form_data(recruiter_client.get(change_page(session)), "calibrationsession_form")
    data["_open"] = "Save and open for scoring"
    response = recruiter_client.post(change_page(session), data, follow=True)
    assert ("error", "Not opened: A session has 2 to 5 items; this one has 1.") in messages_of(
        response
    )
    session.refresh_from_db()
    assert session.status == "draft"


def test_a_training_item_without_a_profile_is_named_on_the_form(recruiter_client, reviewer):
    session = calibration_session(reviewers=[reviewer], keys=KEYS, open_now=False, training=True)
    data = form_data(recruiter_client.get(change_page(session)), "calibrationsession_form")
    data["items-1-profile"] = ""
    response = recruiter_client.post(change_page(session), data)
    assert response.status_code == 200
    assert "An item written for training needs a profile to read." in response.content.decode()


def test_the_session_list_costs_the_same_queries_whatever_its_length(
    recruiter_client, django_assert_max_num_queries
):
    calibration_session(reviewers=[ReviewerFactory()], keys=KEYS)
    with django_assert_max_num_queries(20) as few:
        assert recruiter_client.get(changelist_url(CalibrationSession)).status_code == 200
    for _ in range(5):
        calibration_session(reviewers=[ReviewerFactory(), ReviewerFactory()], keys=[KEYS[0]] * 4)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = recruiter_client.get(changelist_url(CalibrationSession))
    rows = table_rows(response, "result_list")
    assert len(rows) == 6
    assert "0 of 2" in rows[0]


def test_a_reviewer_scores_blind_then_sees_the_key(reviewer_client, reviewer):
    session = calibration_session(reviewers=[reviewer], keys=KEYS, training=True)
    assignment = session.assignments.get(reviewer=reviewer)
    listing = reviewer_client.get(changelist_url(MyCalibrationSession))
    assert [row[0] for row in table_rows(listing, "result_list")] == ["Spring calibration"]

    page = reviewer_client.get(score_page(assignment))
    html = page.content.decode()
    assert "Profile 1: five years." in html
    assert "Ana Ruiz" not in html  # who agreed the key shows only afterwards
    assert 'class="chosen"' not in html  # nothing chosen, and no key to give away

    data = {}
    criteria = sessions.session_criteria(session.rubric)
    for item, levels in zip(session.items.order_by("order"), LEVELS, strict=True):
        for c, level in zip(criteria, levels, strict=True):
            data[f"level_{item.pk}_{c.pk}"] = str(level)
    missing = dict(data)
    missing.pop(next(iter(missing)))
    response = reviewer_client.post(score_page(assignment), missing)
    assert response.status_code == 200
    assert "Choose a level for Practice candidate 1 on Certification." in response.content.decode()

    response = reviewer_client.post(score_page(assignment), data, follow=True)
    html = response.content.decode()
    assert "Ana Ruiz and Ben Okafor" in html
    assert table_rows(response, "my-distances") == [
        ["Certification", "1.00", "+1.00"],
        ["Experience", "0.50", "+0.50"],
        ["Service software", "0.50", "+0.50"],
    ]


def test_a_reviewer_cannot_reach_others_sessions_or_the_recruiters_pages(reviewer_client, reviewer):
    session = calibration_session(reviewers=[ReviewerFactory()], keys=KEYS)
    theirs = session.assignments.get()
    assert reviewer_client.get(score_page(theirs)).status_code == 404
    assert reviewer_client.get(change_page(session)).status_code == 403
    results = reverse("admin:calibration_calibrationsession_results", args=[session.pk])
    assert reviewer_client.get(results).status_code == 403


def test_the_results_page(recruiter_client):
    lena = ReviewerFactory(first_name="Lena", last_name="Hart")
    tom = ReviewerFactory(first_name="Tom", last_name="Uhl")
    session = calibration_session(reviewers=[lena, tom], keys=KEYS)
    sessions.session_submit(
        session=session, reviewer=lena, ratings=session_ratings(session, LEVELS)
    )
    response = recruiter_client.get(
        reverse("admin:calibration_calibrationsession_results", args=[session.pk])
    )
    assert table_rows(response, "distances")[:2] == [
        ["Lena Hart", "0.67 · +0.67", "1.00 · +1.00", "0.50 · +0.50", "0.50 · +0.50"],
        ["Tom Uhl", "not submitted yet"],
    ]
    html = response.content.decode()
    assert "Not finished:</strong> Tom Uhl." in html
    assert (
        "Certification</strong>, keyed 2 · Partially meets: 1 of 1 rating chose 3 instead."
        in " ".join(html.split())
    )


def test_only_the_postings_applications_on_its_rubric_are_offered(recruiter_client, reviewer):
    session = calibration_session(reviewers=[reviewer], keys=KEYS, open_now=False, training=True)
    elsewhere = ApplicationFactory()
    page = recruiter_client.get(change_page(session))
    assert elsewhere.candidate.full_name not in page.content.decode()
    data = form_data(page, "calibrationsession_form")
    data["items-0-application"] = str(elsewhere.pk)
    response = recruiter_client.post(change_page(session), data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert session.items.filter(application__isnull=False).count() == 0


def test_deleting_a_session_goes_through_the_service(recruiter_client, reviewer):
    from core.models import AuditEvent
    from tests.support import delete_url

    session = calibration_session(reviewers=[reviewer], keys=KEYS)
    response = recruiter_client.post(delete_url(session), {"post": "yes"})
    assert response.status_code == 302
    assert not CalibrationSession.objects.exists()
    assert AuditEvent.objects.filter(
        event="calibration_session.deleted", object_id=str(session.pk)
    ).exists()


def test_my_calibration_sessions_cost_the_same_queries_whatever_their_number(
    reviewer_client, reviewer, django_assert_max_num_queries
):
    calibration_session(reviewers=[reviewer], keys=KEYS)
    with django_assert_max_num_queries(20) as few:
        assert reviewer_client.get(changelist_url(MyCalibrationSession)).status_code == 200
    for _ in range(4):
        calibration_session(reviewers=[reviewer], keys=[KEYS[0]] * 5, training=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = reviewer_client.get(changelist_url(MyCalibrationSession))
    assert len(table_rows(response, "result_list")) == 5
