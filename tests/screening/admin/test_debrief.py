"""The debrief page of an application (screening/admin/applications.py debrief_view and
screening.selectors.application_debrief): every submitted scorecard side by side per
criterion, for recruiters, and for a reviewer only once their own scorecard is submitted."""

from decimal import Decimal

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from rubrics.models import Criterion, Rubric
from screening import selectors, services
from screening.scores import refresh_application_scores
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    CriterionFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    RubricFactory,
)
from tests.support import table_rows

pytestmark = pytest.mark.django_db


def debrief_url(application) -> str:
    return reverse("admin:screening_application_debrief", args=[application.pk])


@pytest.fixture
def rubric():
    """Published 1–4: must-haves Wiring (50) and Fault finding (30), the bonus Manuals (20),
    and the screening question Weekend call-outs."""
    rubric = RubricFactory()
    for order, (kind, title, weight) in enumerate(
        [
            (Criterion.Kind.MUST_HAVE, "Wiring", "50.00"),
            (Criterion.Kind.MUST_HAVE, "Fault finding", "30.00"),
            (Criterion.Kind.BONUS, "Manuals", "20.00"),
        ],
        start=1,
    ):
        CriterionFactory(rubric=rubric, kind=kind, title=title, weight=Decimal(weight), order=order)
    CriterionFactory(
        rubric=rubric,
        kind=Criterion.Kind.SCREENING,
        type=Criterion.Type.ELIGIBILITY,
        title="Weekend call-outs",
        order=4,
    )
    Rubric.objects.filter(pk=rubric.pk).update(state=Rubric.State.PUBLISHED)
    rubric.refresh_from_db()
    return rubric


def review(application, reviewer, levels, *, answer=None, notes=(), submit=True, summary=""):
    """The reviewer's scorecard through the service: `levels` on the three weighted
    criteria, `answer` to the question, `notes` per criterion in the same order."""
    assignment = ReviewAssignmentFactory(application=application, reviewer=reviewer)
    wiring, faults, manuals, question = application.rubric.criteria.order_by("order")
    notes = list(notes) + [""] * 4
    scores = [
        {"criterion": c.pk, "value": level, "note": note}
        for c, level, note in zip((wiring, faults, manuals), levels, notes, strict=False)
    ]
    scores.append({"criterion": question.pk, "answer": answer, "note": notes[3]})
    return services.scorecard_save(
        scorecard=assignment.scorecard,
        reviewer=reviewer,
        scores=scores,
        recommendation=3 if submit else None,
        summary=summary,
        submit=submit,
    )


@pytest.fixture
def people():
    return {
        "grace": ReviewerFactory(username="grace", first_name="Grace", last_name="Hopper"),
        "kath": ReviewerFactory(username="kath", first_name="Katherine", last_name="Johnson"),
        "mary": ReviewerFactory(username="mary", first_name="Mary", last_name="Jackson"),
    }


@pytest.fixture
def ada(rubric, people):
    """Grace 4/3/2 (yes), Katherine 3/1/– (no), Mary's scorecard still a draft.
    Consensus 3.5 / 2.0 / 1.5 → 50·2.5/3 + 30·1/3 + 20·0.5/3 = 55.0; the question has one
    yes and one no (a tie passes)."""
    application = ApplicationFactory(
        rubric=rubric, candidate=CandidateFactory(full_name="Ada Lovelace")
    )
    review(
        application,
        people["grace"],
        (4, 3, 2),
        answer=True,
        notes=("Rewired the whole plant floor in 2023.", "Found the PLC fault in minutes."),
        summary="Hire: strongest hands-on candidate.",
    )
    review(
        application,
        people["kath"],
        (3, 1, None),
        answer=False,
        notes=("Solid domestic wiring.", "Could not trace the earth fault."),
        summary="Unsure about fault finding.",
    )
    review(
        application,
        people["mary"],
        (1, 1, 1),
        notes=("DRAFT NOTE NOBODY ELSE MAY READ",),
        submit=False,
    )
    return application


def test_recruiter_reads_every_submitted_scorecard_side_by_side(recruiter_client, ada):
    response = recruiter_client.get(debrief_url(ada))

    assert response.status_code == 200
    assert table_rows(response, "debrief-criteria") == [
        [
            "3.50 / 4",
            "4 · Exceeds Rewired the whole plant floor in 2023.",
            "3 · Meets Solid domestic wiring.",
        ],
        [
            "2.00 / 4",
            "3 · Meets Found the PLC fault in minutes.",
            "1 · Does not meet Could not trace the earth fault.",
        ],
        ["1.50 / 4", "2 · Partially meets No note.", "— no evidence No note."],
    ]
    assertContains(response, '<th scope="col">Grace Hopper</th>', html=True)
    assertContains(response, '<th scope="col">Katherine Johnson</th>', html=True)


def test_debrief_shows_the_anchor_of_each_chosen_level(recruiter_client, ada, rubric):
    wiring = rubric.criteria.get(title="Wiring")

    response = recruiter_client.get(debrief_url(ada))

    assertContains(response, f'title="{wiring.anchors[3]}"', html=False)


def test_debrief_lists_answers_to_screening_questions(recruiter_client, ada):
    response = recruiter_client.get(debrief_url(ada))

    assert table_rows(response, "debrief-questions") == [["Yes 1 · No 1", "Yes", "No"]]


def test_debrief_shows_recommendations_and_summaries(recruiter_client, ada):
    response = recruiter_client.get(debrief_url(ada))

    assertContains(response, "Hire: strongest hands-on candidate.")
    assertContains(response, "Unsure about fault finding.")
    assertContains(response, "<strong>Yes</strong>", count=2, html=True)


def test_debrief_lists_a_pending_scorecard_without_its_content(recruiter_client, ada):
    response = recruiter_client.get(debrief_url(ada))

    assertContains(response, "Pending (not shown until submitted): Mary Jackson")
    assertNotContains(response, "DRAFT NOTE NOBODY ELSE MAY READ")
    assertNotContains(response, '<th scope="col">Mary Jackson</th>', html=True)


def test_debrief_shows_raw_and_adjusted_score_with_its_explanation(recruiter_client, ada):
    response = recruiter_client.get(debrief_url(ada))

    assertContains(response, '<strong id="debrief-raw">55.0</strong>', html=True)
    # No calibration run yet: no adjusted score.
    assertContains(response, '<strong id="debrief-adjusted">—</strong>', html=True)
    assertContains(
        response, "Adjusted removes each reviewer's measured leniency or severity; see the"
    )
    assertContains(response, "partial: 1 scorecard pending")


def test_debrief_shows_the_adjusted_score_from_the_hook(recruiter_client, ada, monkeypatch):
    monkeypatch.setattr(
        "screening.hooks._adjusted_scores_source",
        lambda rubric_ids, application_ids=None: {ada.pk: 61.24},
    )
    # The ranking reads stored rows: a calibration run refreshes them as it stores.
    refresh_application_scores([ada.pk])

    response = recruiter_client.get(debrief_url(ada))

    assertContains(response, '<strong id="debrief-adjusted">61.2</strong>', html=True)


def test_debrief_names_a_failed_must_have_and_a_failed_question(recruiter_client, rubric, people):
    application = ApplicationFactory(rubric=rubric)
    review(application, people["grace"], (1, 3, 3), answer=False)

    response = recruiter_client.get(debrief_url(application))

    assertContains(response, '<span id="failed-must-haves">Wiring</span>', html=True)
    assertContains(response, '<span id="failed-questions">Weekend call-outs</span>', html=True)
    assertContains(response, '<tr class="failed">', count=2, html=False)


def test_debrief_of_a_passing_candidate_says_pass(recruiter_client, ada):
    response = recruiter_client.get(debrief_url(ada))

    assertContains(response, '<strong class="pass">pass</strong>', html=True)
    assertNotContains(response, 'id="failed-must-haves"')


def test_debrief_without_submissions_says_there_is_no_score(recruiter_client, rubric, people):
    application = ApplicationFactory(rubric=rubric)
    ReviewAssignmentFactory(application=application, reviewer=people["grace"])

    response = recruiter_client.get(debrief_url(application))

    assert response.status_code == 200
    assertContains(response, "No scorecard submitted yet: no score.")
    assertNotContains(response, 'id="debrief-criteria"')


# --- Who may read it ---------------------------------------------------------------------


def test_reviewer_who_has_not_submitted_is_refused(client, ada, people):
    client.force_login(people["mary"])

    response = client.get(debrief_url(ada))

    assert response.status_code == 403


def test_reviewer_who_submitted_reads_the_others_submitted_scorecards(client, ada, people):
    client.force_login(people["grace"])

    response = client.get(debrief_url(ada))

    assert response.status_code == 200
    assertContains(response, "Could not trace the earth fault.")
    assertNotContains(response, "DRAFT NOTE NOBODY ELSE MAY READ")
    # The ranking is the recruiters': no neighbours, no link to it.
    assertNotContains(response, 'id="debrief-nav"')


def test_reviewer_not_assigned_gets_not_found(client, ada):
    client.force_login(ReviewerFactory())

    response = client.get(debrief_url(ada))

    assert response.status_code == 404


def test_unknown_application_is_not_found(recruiter_client):
    response = recruiter_client.get(reverse("admin:screening_application_debrief", args=[999999]))

    assert response.status_code == 404


def test_selector_gives_nothing_to_a_reviewer_before_submitting(ada, people):
    assert selectors.application_debrief(application=ada, viewer=people["mary"]) is None


# --- Ranking neighbours and links --------------------------------------------------------


@pytest.fixture
def three(rubric, people, ada):
    """Bo 100 (first), Ada 55 (second), Cy 0 (third)."""
    bo = ApplicationFactory(rubric=rubric, candidate=CandidateFactory(full_name="Bo"))
    review(bo, people["grace"], (4, 4, 4), answer=True)
    cy = ApplicationFactory(rubric=rubric, candidate=CandidateFactory(full_name="Cy"))
    review(cy, people["grace"], (2, 2, 1), answer=True)
    return bo, ada, cy


def test_debrief_links_to_previous_and_next_in_the_ranking(recruiter_client, three):
    bo, ada, cy = three

    response = recruiter_client.get(debrief_url(ada))

    assert response.context["debrief"].previous_id == bo.pk
    assert response.context["debrief"].next_id == cy.pk
    assertContains(response, f'href="{debrief_url(bo)}" id="debrief-previous"', html=False)
    assertContains(response, f'href="{debrief_url(cy)}" id="debrief-next"', html=False)
    ranking = reverse("admin:screening_application_ranking")
    assertContains(
        response,
        f'<a href="{ranking}?posting={ada.posting_id}" id="debrief-ranking">'
        "Back to the ranking (#2 of 3)</a>",
        html=True,
    )


def test_debrief_of_the_first_has_no_previous(recruiter_client, three):
    bo, _ada, _cy = three

    response = recruiter_client.get(debrief_url(bo))

    assertNotContains(response, 'id="debrief-previous"')
    assertContains(response, 'id="debrief-next"')


def test_application_page_links_to_its_debrief(recruiter_client, ada):
    response = recruiter_client.get(reverse("admin:screening_application_change", args=[ada.pk]))

    assertContains(response, f'href="{debrief_url(ada)}" id="debrief-link"', html=False)


def test_reviewer_breadcrumbs_lead_to_my_reviews(client, ada, people):
    client.force_login(people["grace"])

    response = client.get(debrief_url(ada))

    assertContains(
        response, f'<a href="{reverse("admin:screening_myreview_changelist")}">', html=False
    )
    assertNotContains(response, reverse("admin:screening_application_change", args=[ada.pk]))


def test_ranking_links_each_candidate_to_the_debrief(recruiter_client, three):
    response = recruiter_client.get(reverse("admin:screening_application_ranking"))

    for application in three:
        assertContains(response, f'href="{debrief_url(application)}"', count=1, html=False)


# --- Queries -----------------------------------------------------------------------------


def test_debrief_queries_do_not_grow_with_reviewers_or_applications(
    client, recruiter, rubric, django_assert_max_num_queries
):
    client.force_login(recruiter)
    application = ApplicationFactory(rubric=rubric)
    review(application, ReviewerFactory(), (3, 3, 3), answer=True, notes=("a", "b", "c"))
    url = debrief_url(application)
    client.get(url)  # fills the content-type cache
    # session, user, recruiter check, application; criteria, scorecards, their scores;
    # the ranking's applications, criteria, score totals, tallies, calibration run;
    # 2 permissions (the sidebar).
    with django_assert_max_num_queries(16) as few:  # + blind checks: summary, ranking
        assert client.get(url).status_code == 200

    for _ in range(4):
        review(application, ReviewerFactory(), (2, 4, 1), answer=False, notes=("d", "e"))
    for _ in range(10):
        other = ApplicationFactory(rubric=rubric)
        review(other, ReviewerFactory(), (1, 2, 3), answer=True)
    with django_assert_max_num_queries(len(few)) as many:
        response = client.get(url)
    assert len(response.context["debrief"].scorecards) == 5
    assert len(many) == len(few)
