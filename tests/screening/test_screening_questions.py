"""Screening questions: yes/no gates on the scorecard that fail a candidate like a knockout.

A question is a criterion of kind "screening": no weight, no knockout level, no anchors. A
reviewer answers it yes or no (or leaves it unknown); an application fails its must-haves when
more submitted scorecards answer a question "no" than "yes".
"""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from calibration.models import CriterionCalibration
from calibration.services import calibration_run
from core.models import AuditEvent
from rubrics.models import Criterion, Rubric
from screening import scoring, selectors, services
from screening.models import CriterionScore
from tests.factories import (
    ApplicationFactory,
    CriterionFactory,
    RecruiterFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    RubricFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def rubric():
    """Published: two must-haves (60 + 40) and one screening question."""
    rubric = RubricFactory()
    CriterionFactory(rubric=rubric, title="Wiring", weight=Decimal("60.00"), order=1)
    CriterionFactory(rubric=rubric, title="Fault finding", weight=Decimal("40.00"), order=2)
    CriterionFactory(
        rubric=rubric,
        kind=Criterion.Kind.SCREENING,
        type=Criterion.Type.ELIGIBILITY,
        title="Weekend call-outs",
        description="Able to take one weekend of call-outs a month.",
        order=3,
    )
    Rubric.objects.filter(pk=rubric.pk).update(state=Rubric.State.PUBLISHED)
    rubric.refresh_from_db()
    return rubric


@pytest.fixture
def criteria(rubric):
    wiring, faults, weekends = rubric.criteria.order_by("order")
    return wiring, faults, weekends


@pytest.fixture
def application(rubric):
    return ApplicationFactory(rubric=rubric)


def review(application, *, wiring=3, faults=3, weekends=None, submit=True):
    assignment = ReviewAssignmentFactory(application=application, reviewer=ReviewerFactory())
    first, second, question = application.rubric.criteria.order_by("order")
    return services.scorecard_save(
        scorecard=assignment.scorecard,
        reviewer=assignment.reviewer,
        scores=[
            {"criterion": first.pk, "value": wiring},
            {"criterion": second.pk, "value": faults},
            {"criterion": question.pk, "answer": weekends},
        ],
        recommendation=3,
        submit=submit,
    )


# --- the rule ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "failed"),
    [
        ({7: (2, 1)}, []),
        ({7: (1, 2)}, [7]),
        ({7: (1, 1)}, []),  # a tie passes: one reviewer's doubt alone is not a knockout
        ({7: (0, 1)}, [7]),
        ({7: (3, 0), 8: (0, 2)}, [8]),
        ({}, []),
    ],
)
def test_a_question_fails_when_more_scorecards_answer_no_than_yes(counts, failed):
    assert scoring.failed_screening_questions(counts) == failed


def test_a_majority_no_fails_the_application_in_its_summary(application, criteria):
    review(application, weekends=False)
    review(application, weekends=False)
    review(application, weekends=True)

    summary = selectors.application_summary(application=application, viewer=RecruiterFactory())

    assert summary.score == pytest.approx(200 / 3)  # the question weighs nothing
    assert summary.failed_must_haves == ["Weekend call-outs"]
    assert summary.passes_must_haves is False
    rows = {row["criterion"].title: row for row in summary.rows()}
    assert rows["Weekend call-outs"]["consensus"] == "Yes 1 · No 2"
    assert sorted(rows["Weekend call-outs"]["values"]) == ["No", "No", "Yes"]


def test_unknown_answers_do_not_fail_the_application(application):
    review(application, weekends=None)
    review(application, weekends=True)

    summary = selectors.application_summary(application=application, viewer=RecruiterFactory())

    assert summary.failed_must_haves == []
    assert summary.passes_must_haves is True


def test_the_ranking_fails_the_same_applications_in_its_aggregate(rubric):
    gated = ApplicationFactory(rubric=rubric)
    review(gated, weekends=False)
    passing = ApplicationFactory(rubric=rubric)
    review(passing, weekends=True)

    rows = selectors.posting_ranking(posting=rubric.posting, must_haves="fail")

    assert [r.application_id for r in rows] == [gated.pk]
    assert rows[0].failed_must_haves == ["Weekend call-outs"]
    assert rows[0].score == 66.67
    passed = selectors.posting_ranking(posting=rubric.posting, must_haves="pass")
    assert [r.application_id for r in passed] == [passing.pk]


# --- the scorecard service -----------------------------------------------------------------


def test_an_answer_is_stored_and_changed_on_the_draft(application, criteria):
    card = review(application, weekends=True, submit=False)
    _, _, question = criteria
    services.scorecard_save(
        scorecard=card,
        reviewer=card.assignment.reviewer,
        scores=[{"criterion": question.pk, "answer": False, "note": "Only weekdays."}],
    )

    stored = CriterionScore.objects.get(scorecard=card, criterion=question)
    assert (stored.value, stored.answer, stored.note) == (None, False, "Only weekdays.")


def test_a_level_for_a_question_is_refused_with_a_field_message(application, criteria):
    card = ReviewAssignmentFactory(application=application).scorecard
    _, _, question = criteria

    with pytest.raises(ValidationError) as error:
        services.scorecard_save(
            scorecard=card,
            reviewer=card.assignment.reviewer,
            scores=[{"criterion": question.pk, "value": 3}],
        )

    assert error.value.message_dict == {
        "scores[0].value": ["“Weekend call-outs” is a screening question: answer it yes or no."]
    }
    assert not CriterionScore.objects.filter(scorecard=card).exists()


def test_an_answer_for_a_scored_criterion_is_refused(application, criteria):
    card = ReviewAssignmentFactory(application=application).scorecard
    wiring, _, _ = criteria

    with pytest.raises(ValidationError) as error:
        services.scorecard_save(
            scorecard=card,
            reviewer=card.assignment.reviewer,
            scores=[{"criterion": wiring.pk, "value": 3, "answer": True}],
        )

    assert error.value.message_dict == {
        "scores[0].answer": ["“Wiring” is scored on the rubric's scale, not answered yes or no."]
    }


def test_a_scorecard_submits_with_its_question_unanswered(application):
    card = review(application, weekends=None)

    assert card.is_submitted


def test_the_database_refuses_a_score_that_is_both_a_level_and_an_answer(application, criteria):
    card = ReviewAssignmentFactory(application=application).scorecard
    wiring, _, _ = criteria

    with pytest.raises(IntegrityError), transaction.atomic():
        CriterionScore.objects.create(scorecard=card, criterion=wiring, value=3, answer=True)


def test_the_database_refuses_a_weighted_screening_question():
    rubric = RubricFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Criterion.objects.create(
            rubric=rubric, kind="screening", title="Shifts", weight=Decimal("5.00")
        )


# --- calibration leaves the questions out --------------------------------------------------


def test_calibration_rates_only_the_scored_criteria(application, criteria):
    for answer in (True, False, True):
        review(application, wiring=3, faults=2, weekends=answer)
    other = ApplicationFactory(rubric=application.rubric)
    for level in (2, 4, 3):
        review(other, wiring=level, faults=level, weekends=True)

    run = calibration_run(rubric_id=application.rubric_id)

    assert run.status == "succeeded", run.error

    _, _, question = criteria
    titles = set(
        CriterionCalibration.objects.filter(run=run).values_list("criterion__title", flat=True)
    )
    assert titles == {"Wiring", "Fault finding"}
    assert question.title not in titles
    # A system action: recorded with no actor, and what it found.
    event = AuditEvent.objects.get(event="calibration.succeeded", object_id=str(run.pk))
    assert event.actor is None
    assert event.changes["n_ratings"] == [None, 12]


# --- the API and the admin scorecard page --------------------------------------------------


def test_the_api_saves_and_shows_an_answer(api_client, application, criteria):
    assignment = ReviewAssignmentFactory(application=application)
    api_client.force_login(assignment.reviewer)
    _, _, question = criteria

    response = api_client.patch(
        f"/api/v1/scorecards/{assignment.scorecard.pk}/",
        {"scores": [{"criterion": question.pk, "answer": True}]},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert {"criterion": question.pk, "value": None, "answer": True, "note": ""} in response.json()[
        "scores"
    ]


def test_the_scorecard_page_asks_each_question_yes_or_no(client, application, criteria):
    assignment = ReviewAssignmentFactory(application=application)
    client.force_login(assignment.reviewer)
    wiring, faults, question = criteria
    url = reverse("admin:screening_myreview_scorecard", args=[assignment.pk])

    page = client.get(url).content.decode()

    assert 'id="screening-questions"' in page
    assert f'name="answer_{question.pk}" value="yes"' in page
    assert f'name="answer_{question.pk}" value="no"' in page
    assert f'name="score_{question.pk}"' not in page

    response = client.post(
        url,
        {
            f"score_{wiring.pk}": "3",
            f"score_{faults.pk}": "2",
            f"answer_{question.pk}": "no",
            f"note_{question.pk}": "Cannot work weekends.",
            "recommendation": "2",
            "_save_draft": "1",
        },
    )

    assert response.status_code == 302
    stored = CriterionScore.objects.get(scorecard=assignment.scorecard, criterion=question)
    assert (stored.answer, stored.note) == (False, "Cannot work weekends.")
    again = client.get(url).content.decode()
    checked = re.findall(
        rf'<input[^>]*name="answer_{question.pk}"[^>]*value="(\w*)"[^>]*checked', again
    )
    assert checked == ["no"]
