"""Calibration sessions: making and opening them, blind submission, the database's
guards, the results figures (worked by hand below) and that session scorecards never
reach rankings or calibration runs."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from calibration import sessions
from calibration.models import CalibrationSession, SessionItem, SessionKey, SessionRating
from calibration.services import calibration_run
from core.errors import Conflict
from core.models import AuditEvent
from screening import selectors as screening_selectors
from tests.factories import (
    ApplicationFactory,
    RecruiterFactory,
    ReviewerFactory,
    assign_and_submit,
    calibration_session,
    service_rubric,
    session_ratings,
)

pytestmark = pytest.mark.django_db

# Keys (Certification, Experience, Service software) of the two items, and two reviewers:
# Lena scores a point high here and there, Sam far below the key on Experience.
KEYS = ((3, 2, 1), (2, 4, 3))
LENA = ((4, 3, 1), (3, 4, 4))
SAM = ((3, 1, 1), (2, 2, 3))


@pytest.fixture
def people():
    return (
        ReviewerFactory(first_name="Lena", last_name="Hart"),
        ReviewerFactory(first_name="Sam", last_name="Ito"),
        ReviewerFactory(first_name="Tom", last_name="Uhl"),
    )


def figures(distance):
    return (distance.n, round(distance.mad, 3), round(distance.bias, 3))


def test_a_session_opens_with_items_key_and_reviewers(recruiter, people):
    session = calibration_session(recruiter=recruiter, reviewers=people, keys=KEYS)
    assert session.status == CalibrationSession.Status.OPEN
    assert session.opened_at is not None
    assert session.items.count() == 2
    assert SessionKey.objects.filter(item__session=session).count() == 6
    assert session.assignments.count() == 3
    events = set(
        AuditEvent.objects.filter(object_id=str(session.pk)).values_list("event", flat=True)
    )
    assert events == {
        "calibration_session.created",
        "calibration_session.items_set",
        "calibration_session.opened",
    }


def test_training_items_need_a_title_and_a_profile(recruiter, people):
    session = calibration_session(recruiter=recruiter, reviewers=people, open_now=False)
    key = {c.pk: 2 for c in sessions.session_criteria(session.rubric)}
    with pytest.raises(ValidationError) as caught:
        sessions.session_set_items(
            session=session,
            items=[sessions.ItemInput(title="Practice", key=key), sessions.ItemInput(key=key)],
            actor=recruiter,
        )
    assert caught.value.message_dict == {
        "items[0].profile": ["An item written for training needs a profile for reviewers to read."],
        "items[1].title": ["An item written for training needs a title."],
        "items[1].profile": ["An item written for training needs a profile for reviewers to read."],
    }


def test_opening_needs_two_to_five_items(recruiter, people):
    session = calibration_session(
        recruiter=recruiter, reviewers=people, keys=((3, 2, 1),), open_now=False
    )
    with pytest.raises(ValidationError) as caught:
        sessions.session_open(session=session, actor=recruiter)
    assert caught.value.message_dict == {"items": ["A session has 2 to 5 items; this one has 1."]}
    session.refresh_from_db()
    assert session.status == CalibrationSession.Status.DRAFT


def test_six_items_are_refused(recruiter, people):
    with pytest.raises(ValidationError) as caught:
        calibration_session(recruiter=recruiter, reviewers=people, keys=[(2, 2, 2)] * 6)
    assert caught.value.message_dict == {"items": ["A session has 2 to 5 items, not 6."]}
    assert not CalibrationSession.objects.exists()


def test_the_key_must_cover_every_criterion_within_the_scale(recruiter, people):
    session = calibration_session(recruiter=recruiter, reviewers=people, open_now=False)
    certification, experience, software = sessions.session_criteria(session.rubric)
    good = {certification.pk: 2, experience.pk: 2, software.pk: 2}
    with pytest.raises(ValidationError) as caught:
        sessions.session_set_items(
            session=session,
            items=[
                sessions.ItemInput(title="A", profile="a", key={certification.pk: 2}),
                sessions.ItemInput(title="B", profile="b", key={**good, software.pk: 5}),
            ],
            actor=recruiter,
        )
    assert caught.value.message_dict == {
        "items[0].key": ["Give the key's level for Experience, Service software."],
        "items[1].key": ["Choose key levels from 1 to 4 (Service software)."],
    }


def test_an_item_must_be_an_application_of_the_posting_on_its_rubric(recruiter, people):
    session = calibration_session(recruiter=recruiter, reviewers=people, open_now=False)
    key = {c.pk: 2 for c in sessions.session_criteria(session.rubric)}
    elsewhere = ApplicationFactory()
    with pytest.raises(ValidationError) as caught:
        sessions.session_set_items(
            session=session,
            items=[
                sessions.ItemInput(application=elsewhere, key=key),
                sessions.ItemInput(title="B", profile="b", key=key),
            ],
            actor=recruiter,
        )
    assert caught.value.message_dict == {
        "items[0].application": [f"{elsewhere.candidate.full_name} applied to another posting."]
    }


def test_an_open_session_keeps_its_items_and_key(recruiter, people):
    session = calibration_session(recruiter=recruiter, reviewers=people)
    with pytest.raises(Conflict):
        sessions.session_set_items(session=session, items=[], actor=recruiter)


def test_a_reviewer_submits_every_level_once(people):
    lena, *_ = people
    session = calibration_session(reviewers=people, keys=KEYS)
    assignment = sessions.session_submit(
        session=session, reviewer=lena, ratings=session_ratings(session, LENA)
    )
    assert assignment.submitted_at is not None
    assert SessionRating.objects.filter(assignment=assignment).count() == 6
    with pytest.raises(Conflict) as caught:
        sessions.session_submit(
            session=session, reviewer=lena, ratings=session_ratings(session, LENA)
        )
    assert caught.value.code == "session_submitted"


def test_a_submission_names_each_bad_rating(people):
    lena, *_ = people
    session = calibration_session(reviewers=people, keys=KEYS)
    ratings = session_ratings(session, LENA)
    ratings[1]["level"] = 7
    ratings[4]["criterion"] = 999_999
    with pytest.raises(ValidationError) as caught:
        sessions.session_submit(session=session, reviewer=lena, ratings=ratings)
    assert caught.value.message_dict == {
        "ratings[1].level": ["Choose a level from 1 to 4, not 7."],
        "ratings[4].criterion": ["No such criterion in this session's rubric."],
    }
    with pytest.raises(ValidationError) as caught:
        sessions.session_submit(session=session, reviewer=lena, ratings=ratings[:5][:1])
    assert list(caught.value.message_dict) == ["ratings"]
    assert "missing" in caught.value.message_dict["ratings"][0]
    assert not SessionRating.objects.exists()


def test_only_assigned_reviewers_submit(people):
    session = calibration_session(reviewers=people[:1], keys=KEYS)
    with pytest.raises(ValidationError):
        sessions.session_submit(
            session=session, reviewer=people[1], ratings=session_ratings(session, LENA)
        )


def test_the_last_submission_completes_the_session(people):
    lena, sam, _ = people
    session = calibration_session(reviewers=(lena, sam), keys=KEYS)
    sessions.session_submit(session=session, reviewer=lena, ratings=session_ratings(session, LENA))
    session.refresh_from_db()
    assert session.status == CalibrationSession.Status.OPEN
    sessions.session_submit(session=session, reviewer=sam, ratings=session_ratings(session, SAM))
    session.refresh_from_db()
    assert session.status == CalibrationSession.Status.COMPLETED
    assert session.completed_at is not None
    assert AuditEvent.objects.filter(
        event="calibration_session.completed", object_id=str(session.pk)
    ).exists()


def test_the_database_refuses_a_second_rating_and_a_level_off_the_scale(people):
    lena, *_ = people
    session = calibration_session(reviewers=people, keys=KEYS)
    assignment = sessions.session_submit(
        session=session, reviewer=lena, ratings=session_ratings(session, LENA)
    )
    rating = assignment.ratings.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionRating.objects.create(
            assignment=assignment, item=rating.item, criterion=rating.criterion, level=2
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionKey.objects.filter(item=rating.item).update(level=9)


def test_the_database_refuses_an_item_that_is_neither_real_nor_written(people):
    session = calibration_session(reviewers=people, keys=KEYS)
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionItem.objects.create(session=session, title="", profile="")


def test_results_worked_by_hand(people):
    """Lena's differences from the key: Certification +1 +1, Experience +1 0, Software
    0 +1; Sam's: Certification 0 0, Experience −1 −2, Software 0 0; Tom has not
    submitted. The anchor misread most: Experience keyed 2, read as 1 (Sam) and 3 (Lena)."""
    lena, sam, tom = people
    session = calibration_session(reviewers=people, keys=KEYS)
    sessions.session_submit(session=session, reviewer=lena, ratings=session_ratings(session, LENA))
    sessions.session_submit(session=session, reviewer=sam, ratings=session_ratings(session, SAM))

    results = sessions.session_results(session)

    by_name = {r.name: r for r in results.reviewers}
    assert list(by_name) == ["Lena Hart", "Sam Ito", "Tom Uhl"]
    assert figures(by_name["Lena Hart"].overall) == (6, 0.667, 0.667)
    assert [figures(c.distance) for c in by_name["Lena Hart"].by_criterion] == [
        (2, 1.0, 1.0),
        (2, 0.5, 0.5),
        (2, 0.5, 0.5),
    ]
    assert figures(by_name["Sam Ito"].overall) == (6, 0.5, -0.5)
    assert [figures(c.distance) for c in by_name["Sam Ito"].by_criterion] == [
        (2, 0.0, 0.0),
        (2, 1.5, -1.5),
        (2, 0.0, 0.0),
    ]
    assert by_name["Tom Uhl"].overall.n == 0 and by_name["Tom Uhl"].overall.mad is None
    # Everyone on Experience: differences +1, 0, −1, −2.
    assert figures(results.by_criterion[1].distance) == (4, 1.0, -0.5)
    top = results.misread[0]
    assert (top.title, top.key_level, top.key_label, top.n_misread, top.n_ratings) == (
        "Experience",
        2,
        "Partially meets",
        2,
        2,
    )
    assert top.chosen == [(1, 1), (3, 1)]
    assert top.anchor == session.rubric.criteria.get(title="Experience").anchors[1]
    # Software keyed 1: both read it right, so it is not listed.
    assert ("Service software", 1) not in {(m.title, m.key_level) for m in results.misread}
    assert results.pending == ["Tom Uhl"]


def test_a_reviewers_own_results_leave_out_the_others(people):
    lena, sam, _ = people
    session = calibration_session(reviewers=people, keys=KEYS)
    sessions.session_submit(session=session, reviewer=lena, ratings=session_ratings(session, LENA))
    sessions.session_submit(session=session, reviewer=sam, ratings=session_ratings(session, SAM))
    results = sessions.session_results(session, reviewer=lena)
    assert [r.name for r in results.reviewers] == ["Lena Hart"]
    assert results.misread[0].n_ratings == 1  # only Lena's ratings count


def test_a_session_on_a_real_application_never_reaches_rankings_or_runs(people):
    lena, sam, _ = people
    rubric = service_rubric()
    criteria = list(rubric.criteria.order_by("order", "id"))
    application = ApplicationFactory(rubric=rubric)
    assign_and_submit(application, ReviewerFactory(), criteria, [2, 2, 2])
    assign_and_submit(application, ReviewerFactory(), criteria, [3, 3, 3])
    before = {
        r.application_id: r.score
        for r in screening_selectors.posting_ranking(posting=rubric.posting)
    }
    run_before = calibration_run(rubric_id=rubric.pk)

    session = calibration_session(reviewers=(lena, sam), keys=KEYS, rubric=rubric)
    # And a session with the ranked application itself, scored at the top of the scale.
    session_draft = calibration_session(reviewers=(lena,), keys=KEYS, rubric=rubric, open_now=False)
    key = {c.pk: 4 for c in criteria}
    sessions.session_set_items(
        session=session_draft,
        items=[
            sessions.ItemInput(application=application, key=key),
            sessions.ItemInput(title="Practice", profile="A profile.", key=key),
        ],
        actor=None,
    )
    sessions.session_open(session=session_draft, actor=None)
    sessions.session_submit(
        session=session_draft, reviewer=lena, ratings=session_ratings(session_draft, [(4,) * 3] * 2)
    )
    sessions.session_submit(session=session, reviewer=lena, ratings=session_ratings(session, LENA))
    sessions.session_submit(session=session, reviewer=sam, ratings=session_ratings(session, SAM))
    assert SessionRating.objects.count() == 18

    after = {
        r.application_id: r.score
        for r in screening_selectors.posting_ranking(posting=rubric.posting)
    }
    # The session's own applications are listed, unscored; the ranked one keeps its score.
    assert after[application.pk] == before[application.pk] == 50.0
    assert {score for pk, score in after.items() if pk != application.pk} == {None}
    run_after = calibration_run(rubric_id=rubric.pk)
    assert (run_after.n_ratings, run_after.n_applications, run_after.n_reviewers) == (
        run_before.n_ratings,
        run_before.n_applications,
        run_before.n_reviewers,
    )
    assert run_after.n_ratings == 6


def test_the_digest_lists_sessions_completed_and_who_has_not_done_the_current_one(people):
    from datetime import timedelta

    from django.utils import timezone

    from reports.digest import build_digest

    lena, sam, tom = people
    rubric = service_rubric()
    done = calibration_session(reviewers=(lena,), keys=KEYS, rubric=rubric)
    sessions.session_submit(session=done, reviewer=lena, ratings=session_ratings(done, LENA))
    current = calibration_session(reviewers=(lena, sam, tom), keys=KEYS, rubric=rubric)
    current.title = "Autumn calibration"
    current.save()
    sessions.session_submit(session=current, reviewer=sam, ratings=session_ratings(current, SAM))
    now = timezone.now()

    digest = build_digest(
        posting=rubric.posting, period_start=now - timedelta(days=7), period_end=now
    )

    lines = digest.text.split("\nCALIBRATION SESSIONS\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert lines == [
        "  Completed: Spring calibration (1 reviewer)",
        "  Autumn calibration: not done yet by Lena Hart, Tom Uhl.",
    ]
    assert "“Autumn calibration”: not done yet by Lena Hart, Tom Uhl." in digest.html

    earlier = build_digest(
        posting=rubric.posting,
        period_start=now - timedelta(days=14),
        period_end=now - timedelta(days=7),
    )
    assert "No session completed" in earlier.text


# --- blind scoring holds around sessions (issue 13 review) -----------------------------


def test_a_session_will_not_open_on_an_application_its_reviewer_is_still_scoring(recruiter, people):
    from tests.factories import ReviewAssignmentFactory

    session = calibration_session(recruiter=recruiter, reviewers=people, open_now=False)
    application = session.items.filter(application__isnull=False).first().application
    ReviewAssignmentFactory(application=application, reviewer=people[0])  # a draft
    with pytest.raises(ValidationError, match="still scoring these applications for real"):
        sessions.session_open(session=session, actor=recruiter)
    session.refresh_from_db()
    assert session.status == CalibrationSession.Status.DRAFT


def test_a_recruiter_assigned_to_a_session_scores_it_blind(recruiter, people, api_client):
    session = calibration_session(recruiter=recruiter, reviewers=[*people, recruiter])
    assert not sessions.may_see_key(recruiter, session)
    api_client.force_authenticate(recruiter)
    detail = api_client.get(f"/api/v1/calibration-sessions/{session.pk}/").json()
    assert all(item["key"] is None for item in detail["items"])
    assert api_client.get(f"/api/v1/calibration-sessions/{session.pk}/results/").status_code == 403
    other = RecruiterFactory()
    assert sessions.may_see_key(other, session)
