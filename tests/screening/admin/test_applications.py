"""The application admin (screening/admin/applications.py), driven through the
test client: the "Assign reviewers…" action, the application page with its consensus,
adding an application, and the ranking page with its CSV export. Forms are posted back
from the HTML the admin rendered, as a browser would."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertTemplateUsed

from screening.models import Application, ReviewAssignment, Scorecard
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    JobPostingFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    UserFactory,
    rubric_with_criteria,
    submit_scores,
)
from tests.support import form_data, messages_of, table_rows

pytestmark = pytest.mark.django_db

RANKING = reverse("admin:screening_application_ranking")


# --- Assign reviewers… ---------------------------------------------------------------


@pytest.fixture
def applications(rubric):
    return [
        ApplicationFactory(candidate=CandidateFactory(full_name=name), rubric=rubric)
        for name in ("Ada Lovelace", "Charles Babbage")
    ]


def assign(client, applications, **extra):
    return client.post(
        reverse("admin:screening_application_changelist"),
        {"action": "assign_reviewers", "_selected_action": [a.pk for a in applications], **extra},
    )


def test_assign_action_first_shows_the_reviewers_to_choose(recruiter_client, applications):
    ReviewerFactory(username="alan", first_name="Alan", last_name="Turing")

    response = assign(recruiter_client, applications)

    assert response.status_code == 200
    assertTemplateUsed(response, "admin/screening/application/assign.html")
    assert [a.candidate.full_name for a in response.context["applications"]] == [
        "Ada Lovelace",
        "Charles Babbage",
    ]
    choices = [label for _, label in response.context["form"].fields["reviewers"].choices]
    assert "Alan Turing (alan)" in choices
    assert not ReviewAssignment.objects.exists()


def test_assign_action_offers_reviewers_and_recruiters_only(
    recruiter_client, recruiter, applications
):
    UserFactory(username="olive")
    alan = ReviewerFactory(username="alan")

    response = assign(recruiter_client, applications)

    offered = list(response.context["form"].fields["reviewers"].queryset)
    assert offered == [alan, recruiter]


def test_assign_action_makes_the_assignments_with_their_due_date(
    recruiter_client, recruiter, applications
):
    alan = ReviewerFactory(username="alan")
    grace = ReviewerFactory(username="grace")

    response = assign(
        recruiter_client,
        applications,
        _assign="Assign",
        reviewers=[alan.pk, grace.pk],
        due_date="2031-05-01",
    )

    assert response.status_code == 302
    assert sorted(
        ReviewAssignment.objects.values_list(
            "application__candidate__full_name", "reviewer__username", "due_date", "assigned_by"
        )
    ) == [
        ("Ada Lovelace", "alan", date(2031, 5, 1), recruiter.pk),
        ("Ada Lovelace", "grace", date(2031, 5, 1), recruiter.pk),
        ("Charles Babbage", "alan", date(2031, 5, 1), recruiter.pk),
        ("Charles Babbage", "grace", date(2031, 5, 1), recruiter.pk),
    ]
    assert Scorecard.objects.filter(status="draft").count() == 4


def test_assign_action_refuses_a_due_date_in_the_past(recruiter_client, applications):
    alan = ReviewerFactory(username="alan")

    response = assign(
        recruiter_client, applications, _assign="Assign", reviewers=[alan.pk], due_date="2020-01-01"
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"due_date": ["The due date is in the past."]}
    assert not ReviewAssignment.objects.exists()


def test_assign_action_names_the_assignments_it_made(recruiter_client, applications):
    alan = ReviewerFactory(username="alan", first_name="Alan", last_name="Turing")
    grace = ReviewerFactory(username="grace", first_name="", last_name="")

    assign(
        recruiter_client,
        applications,
        _assign="Assign",
        reviewers=[alan.pk, grace.pk],
        due_date="2031-05-01",
    )

    response = recruiter_client.get(reverse("admin:screening_application_changelist"))
    assert messages_of(response) == [
        (
            "success",
            "Assigned Alan Turing and grace to Charles Babbage and Ada Lovelace "
            "(4 reviews, due 2031-05-01).",
        )
    ]


def test_assign_action_warns_of_an_assignment_that_already_exists(recruiter_client, applications):
    alan = ReviewerFactory(username="alan")
    ReviewAssignmentFactory(application=applications[0], reviewer=alan)

    response = assign(
        recruiter_client, applications, _assign="Assign", reviewers=[alan.pk], follow=True
    )

    assert messages_of(response) == [
        (
            "warning",
            f"Ada Lovelace for {applications[0].posting}: "
            "alan is already assigned to this application.",
        ),
        ("success", f"Assigned {alan.get_full_name()} to Charles Babbage (1 review, no due date)."),
    ]


def test_assign_action_without_a_reviewer_shows_the_form_again(recruiter_client, applications):
    response = assign(recruiter_client, applications, _assign="Assign", due_date="2031-05-01")

    assert response.status_code == 200
    assert response.context["form"].errors == {"reviewers": ["This field is required."]}
    assert not ReviewAssignment.objects.exists()


# --- The application page --------------------------------------------------------------


def change_page(client, application):
    return client.get(reverse("admin:screening_application_change", args=[application.pk]))


def test_application_page_shows_the_weighted_score_and_must_have_result(recruiter_client, scored):
    response = change_page(recruiter_client, scored)

    assertContains(response, '<strong id="weighted-score">54.2</strong>', html=False)
    assertContains(response, 'class="must-haves-pass"', html=False)


def test_application_page_shows_the_consensus_table(recruiter_client, scored):
    response = change_page(recruiter_client, scored)

    assert table_rows(response, "consensus") == [
        ["Certification", "Must-have", "37.50", "3.50", "4", "3"],
        ["Experience", "Must-have", "37.50", "2.50", "3", "2"],
        ["Service software", "Bonus", "25.00", "1.50", "—", "2"],
    ]
    assertContains(response, "<th>Grace Hopper</th><th>Katherine Johnson</th>", html=False)


def test_application_page_shows_the_recommendation_tally(recruiter_client, scored):
    response = change_page(recruiter_client, scored)

    assertContains(
        response,
        '<p id="tally">Recommendations: Strong no 0 · No 0 · Yes 1 · Strong yes 1</p>',
        html=False,
    )


def test_application_page_names_a_failed_must_have(recruiter_client, rubric, criteria):
    application = ApplicationFactory(rubric=rubric)
    submit_scores(
        ReviewAssignmentFactory(application=application),
        {criteria.certification: 1, criteria.experience: 4},
    )

    response = change_page(recruiter_client, application)

    assertContains(response, 'class="must-haves-fail"', html=False)
    assertContains(response, "(Certification)")


def test_application_page_without_submissions_says_so(recruiter_client, rubric):
    application = ApplicationFactory(rubric=rubric)
    ReviewAssignmentFactory(application=application)

    response = change_page(recruiter_client, application)

    assertContains(response, "No scorecard submitted yet.")
    assertNotContains(response, 'id="weighted-score"')


def test_application_page_saves_a_stage_change(recruiter_client, scored):
    data = form_data(change_page(recruiter_client, scored), "application_form")
    data.update(stage="interview", _save="Save")

    response = recruiter_client.post(
        reverse("admin:screening_application_change", args=[scored.pk]), data
    )

    assert response.status_code == 302
    scored.refresh_from_db()
    assert scored.stage == "interview"


# --- Adding an application --------------------------------------------------------------


ADD = reverse("admin:screening_application_add")


def test_add_application_offers_only_postings_with_a_published_rubric(recruiter_client, rubric):
    rubric_with_criteria(posting=JobPostingFactory(title="Draft only"))

    response = recruiter_client.get(ADD)

    offered = list(response.context["adminform"].form.fields["posting"].queryset)
    assert offered == [rubric.posting]


def test_add_application_pins_the_published_rubric(recruiter_client, recruiter, rubric):
    rubric_with_criteria(posting=rubric.posting, version=2)  # a newer draft: not pinned
    candidate = CandidateFactory(full_name="Ada Lovelace")
    data = form_data(recruiter_client.get(ADD), "application_form")
    data.update(candidate=candidate.pk, posting=rubric.posting.pk, stage="applied", _save="Save")

    response = recruiter_client.post(ADD, data)

    assert response.status_code == 302
    application = Application.objects.get()
    assert (application.candidate, application.rubric, application.stage) == (
        candidate,
        rubric,
        "applied",
    )
    assert application.created_by == recruiter


def test_add_application_for_a_posting_without_a_published_rubric_is_a_field_error(
    recruiter_client,
):
    draft = rubric_with_criteria()
    data = form_data(recruiter_client.get(ADD), "application_form")
    data.update(candidate=CandidateFactory().pk, posting=draft.posting.pk, _save="Save")

    response = recruiter_client.post(ADD, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "posting": ["Select a valid choice. That choice is not one of the available choices."]
    }
    assert not Application.objects.exists()


def test_add_a_second_application_for_the_same_posting_is_a_form_error(recruiter_client, rubric):
    existing = ApplicationFactory(rubric=rubric)
    data = form_data(recruiter_client.get(ADD), "application_form")
    data.update(candidate=existing.candidate_id, posting=rubric.posting.pk, _save="Save")

    response = recruiter_client.post(ADD, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "Application with this Candidate and Posting already exists."
    ]
    assert Application.objects.count() == 1


# --- The ranking page -------------------------------------------------------------------


def ranked(response) -> list[tuple]:
    """(rank, candidate, score, must-haves) of each row shown."""
    return [(row[0], row[1], row[4], row[6]) for row in table_rows(response, "ranking")]


def test_ranking_page_orders_rows_by_score(recruiter_client, ranking):
    response = recruiter_client.get(RANKING)

    assert ranked(response) == [
        ("1", "Charles Babbage", "62.5", "fail (Certification)"),
        ("2", "Ada Lovelace", "54.2", "pass"),
        ("3", "Dorothy Vaughan", "—", "—"),
    ]


def test_ranking_page_marks_a_score_with_pending_scorecards_as_partial(recruiter_client, ranking):
    ada = Application.objects.get(candidate__full_name="Ada Lovelace")
    ReviewAssignmentFactory(application=ada)

    response = recruiter_client.get(RANKING)

    rows = {row[1]: row for row in table_rows(response, "ranking")}
    assert rows["Ada Lovelace"][4] == "54.2 partial"
    assert rows["Charles Babbage"][4] == "62.5"
    assertContains(response, 'id="ranking-legend"', html=False)


def test_ranking_page_shows_submitted_pending_and_tally(recruiter_client, ranking):
    response = recruiter_client.get(RANKING)

    assert [row[7:] for row in table_rows(response, "ranking")] == [
        ["1", "0", "0", "1", "0", "0"],
        ["2", "0", "0", "0", "1", "1"],
        ["0", "1", "0", "0", "0", "0"],
    ]


def test_ranking_page_filters_by_stage(recruiter_client, ranking):
    response = recruiter_client.get(RANKING, {"posting": ranking.posting.pk, "stage": "interview"})

    assert ranked(response) == [("1", "Charles Babbage", "62.5", "fail (Certification)")]


@pytest.mark.parametrize(
    ("must_haves", "expected"),
    [
        # "#" stays the place in the whole posting's ranking on a filtered page.
        ("pass", [("2", "Ada Lovelace", "54.2", "pass")]),
        ("fail", [("1", "Charles Babbage", "62.5", "fail (Certification)")]),
        ("unscored", [("3", "Dorothy Vaughan", "—", "—")]),
    ],
)
def test_ranking_page_filters_by_must_have_result(recruiter_client, ranking, must_haves, expected):
    response = recruiter_client.get(RANKING, {"must_haves": must_haves})

    assert ranked(response) == expected


def test_ranking_page_orders_by_name(recruiter_client, ranking):
    response = recruiter_client.get(RANKING, {"order": "name"})

    assert [row[1] for row in ranked(response)] == [
        "Ada Lovelace",
        "Charles Babbage",
        "Dorothy Vaughan",
    ]


def test_ranking_page_ignores_an_unknown_stage(recruiter_client, ranking):
    response = recruiter_client.get(RANKING, {"stage": "archived"})

    assert len(ranked(response)) == 3


def test_ranking_page_shows_the_chosen_posting_only(recruiter_client, ranking):
    other = ApplicationFactory(candidate=CandidateFactory(full_name="Mary Jackson"))

    response = recruiter_client.get(RANKING, {"posting": other.posting_id})

    assert ranked(response) == [("1", "Mary Jackson", "—", "—")]


def test_ranking_page_with_a_malformed_posting_is_not_found(recruiter_client, ranking):
    response = recruiter_client.get(RANKING, {"posting": "abc"})

    assert response.status_code == 404


def csv_export(client, **params):
    response = client.get(RANKING, {**params, "format": "csv"})
    return response, list(csv.reader(io.StringIO(response.content.decode())))


def test_ranking_csv_is_an_attachment(recruiter_client, ranking):
    response, _ = csv_export(recruiter_client)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="ranking-posting-{ranking.posting.pk}.csv"'
    )


def test_ranking_csv_has_the_apis_header(recruiter_client, ranking):
    _, rows = csv_export(recruiter_client)

    assert rows[0] == [
        "rank",
        "application",
        "candidate",
        "candidate_name",
        "stage",
        "rubric_version",
        "score",
        "adjusted_score",
        "passes_must_haves",
        "failed_must_haves",
        "submitted",
        "pending",
        "strong_no",
        "no",
        "yes",
        "strong_yes",
    ]


def test_ranking_csv_has_one_row_per_application_by_score(recruiter_client, ranking):
    _, rows = csv_export(recruiter_client)

    assert rows[1:] == [
        ["1", str(ranking.charles.pk), str(ranking.charles.candidate_id), "Charles Babbage"]
        + ["interview", "1", "62.5", "", "False", "Certification", "1", "0", "0", "1", "0", "0"],
        ["2", str(ranking.ada.pk), str(ranking.ada.candidate_id), "Ada Lovelace"]
        + ["screening", "1", "54.17", "", "True", "", "2", "0", "0", "0", "1", "1"],
        ["3", str(ranking.dorothy.pk), str(ranking.dorothy.candidate_id), "Dorothy Vaughan"]
        + ["screening", "1", "", "", "", "", "0", "1", "0", "0", "0", "0"],
    ]


def test_ranking_csv_follows_the_filters(recruiter_client, ranking):
    _, rows = csv_export(recruiter_client, must_haves="pass")

    assert [row[3] for row in rows[1:]] == ["Ada Lovelace"]


def test_ranking_csv_matching_nothing_still_has_the_header(recruiter_client, ranking):
    _, rows = csv_export(recruiter_client, stage="offer")

    assert len(rows) == 1
    assert rows[0][:4] == ["rank", "application", "candidate", "candidate_name"]


@pytest.mark.parametrize("name", ["=HYPERLINK(1)", "+1 2", "-Ada", "@SUM(A1)"])
def test_ranking_csv_defuses_a_name_that_looks_like_a_formula(recruiter_client, rubric, name):
    ApplicationFactory(candidate=CandidateFactory(full_name=name), rubric=rubric)

    _, rows = csv_export(recruiter_client)

    assert rows[1][3] == "'" + name


def test_ranking_page_shows_100_rows_a_page(recruiter_client, rubric):
    for i in range(101):
        ApplicationFactory(
            candidate=CandidateFactory(full_name=f"Candidate {i:03d}"), rubric=rubric
        )

    response = recruiter_client.get(RANKING, {"order": "name"})

    rows = ranked(response)
    assert (len(rows), rows[0][:2], rows[-1][:2]) == (
        100,
        ("1", "Candidate 000"),
        ("100", "Candidate 099"),
    )
    assertContains(response, "Page 1 of 2")


def test_ranking_page_two_continues_the_ranks(recruiter_client, rubric):
    for i in range(101):
        ApplicationFactory(
            candidate=CandidateFactory(full_name=f"Candidate {i:03d}"), rubric=rubric
        )

    response = recruiter_client.get(RANKING, {"order": "name", "page": 2})

    assert ranked(response) == [("101", "Candidate 100", "—", "—")]


def test_ranking_csv_holds_every_row_not_one_page(recruiter_client, rubric):
    for i in range(101):
        ApplicationFactory(
            candidate=CandidateFactory(full_name=f"Candidate {i:03d}"), rubric=rubric
        )

    _, rows = csv_export(recruiter_client)

    assert len(rows) == 1 + 101


def test_ranking_page_without_applications_says_so(recruiter_client):
    response = recruiter_client.get(RANKING)

    assertContains(response, "No posting has applications yet.")


def test_ranking_refuses_ids_in_other_digits_with_a_404_not_a_500(recruiter_client, ranking):
    # "²" passes str.isdigit() but is no integer.
    assert recruiter_client.get(RANKING, {"posting": "²"}).status_code == 404
    response = recruiter_client.post(
        f"{RANKING}?posting={ranking.posting.pk}",
        {"action": "reject", "_selected_action": ["²"]},
    )
    assert response.status_code == 302
