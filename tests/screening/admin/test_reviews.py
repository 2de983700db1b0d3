"""The review admins (screening/admin/reviews.py), driven through the test client:
"My reviews" and the scorecard page. Forms are posted back from the HTML the admin
rendered, as a browser would."""

import csv
import io
import re
from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from screening.models import CriterionScore, ReviewAssignment, Scorecard
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    submit_scores,
)
from tests.support import form_data, messages_of

pytestmark = pytest.mark.django_db

MY_REVIEWS = reverse("admin:screening_myreview_changelist")


# --- My reviews ---------------------------------------------------------------------------


def my_review(reviewer, rubric, name, due=None, submitted=False):
    assignment = ReviewAssignmentFactory(
        application=ApplicationFactory(candidate=CandidateFactory(full_name=name), rubric=rubric),
        reviewer=reviewer,
        due_date=due,
    )
    if submitted:
        submit_scores(assignment, {})
    return assignment


def listed(response) -> list[str]:
    return [a.application.candidate.full_name for a in response.context["cl"].result_list]


def test_my_reviews_lists_only_the_reviewers_own_assignments(reviewer_client, reviewer, rubric):
    my_review(reviewer, rubric, "Ada Lovelace")
    my_review(ReviewerFactory(), rubric, "Charles Babbage")

    response = reviewer_client.get(MY_REVIEWS)

    assert listed(response) == ["Ada Lovelace"]


def test_my_reviews_lists_pending_reviews_first(reviewer_client, reviewer, rubric):
    today = timezone.localdate()
    my_review(reviewer, rubric, "Submitted early", due=today - timedelta(days=9), submitted=True)
    my_review(reviewer, rubric, "Due later", due=today + timedelta(days=5))
    my_review(reviewer, rubric, "Due sooner", due=today + timedelta(days=1))

    response = reviewer_client.get(MY_REVIEWS)

    assert listed(response) == ["Due sooner", "Due later", "Submitted early"]


def test_my_reviews_lists_pending_reviews_by_due_date(reviewer_client, reviewer, rubric):
    today = timezone.localdate()
    my_review(reviewer, rubric, "Due later", due=today + timedelta(days=5))
    my_review(reviewer, rubric, "Due sooner", due=today + timedelta(days=1))

    response = reviewer_client.get(MY_REVIEWS)

    assert listed(response) == ["Due sooner", "Due later"]


def test_my_reviews_marks_an_overdue_review(reviewer_client, reviewer, rubric):
    yesterday = timezone.localdate() - timedelta(days=1)
    my_review(reviewer, rubric, "Ada Lovelace", due=yesterday)

    response = reviewer_client.get(MY_REVIEWS)

    assertContains(
        response,
        f'<strong class="overdue" style="color:#ba2121">{yesterday.isoformat()} · overdue</strong>',
        html=False,
    )


def test_my_reviews_does_not_mark_a_submitted_review_overdue(reviewer_client, reviewer, rubric):
    yesterday = timezone.localdate() - timedelta(days=1)
    my_review(reviewer, rubric, "Ada Lovelace", due=yesterday, submitted=True)

    response = reviewer_client.get(MY_REVIEWS)

    assertNotContains(response, "overdue</strong>")
    assertContains(response, f'<td class="field-due">{yesterday.isoformat()}</td>', html=False)


def test_my_reviews_links_each_scorecard(reviewer_client, reviewer, rubric):
    pending = my_review(reviewer, rubric, "Ada Lovelace")
    done = my_review(reviewer, rubric, "Charles Babbage", submitted=True)

    response = reviewer_client.get(MY_REVIEWS)

    for assignment, label in ((pending, "Score"), (done, "View scorecard")):
        url = reverse("admin:screening_myreview_scorecard", args=[assignment.pk])
        assertContains(response, f'<a class="button" href="{url}">{label}</a>', html=False)


# --- The scorecard page ---------------------------------------------------------------------


@pytest.fixture
def assignment(reviewer, rubric):
    return ReviewAssignmentFactory(
        application=ApplicationFactory(
            candidate=CandidateFactory(full_name="Ada Lovelace"), rubric=rubric
        ),
        reviewer=reviewer,
    )


def scorecard_url(assignment) -> str:
    return reverse("admin:screening_myreview_scorecard", args=[assignment.pk])


def scorecard_form(client, assignment, criteria, values: dict, **extra) -> dict:
    """The page's form as rendered, with `values` {criterion: level} chosen."""
    data = form_data(client.get(scorecard_url(assignment)), "scorecard-form")
    for criterion, value in values.items():
        data[f"score_{criterion.pk}"] = "" if value is None else str(value)
    data.update(extra)
    return data


def test_scorecard_page_offers_each_criterion_with_its_levels(
    reviewer_client, assignment, criteria
):
    response = reviewer_client.get(scorecard_url(assignment))

    form = response.context["form"]
    assert [row["criterion"].title for row in form.rows()] == [
        "Certification",
        "Experience",
        "Service software",
    ]
    assert form.fields[f"score_{criteria.software.pk}"].choices == [
        ("", "No evidence"),
        ("1", "1 · Does not meet"),
        ("2", "2 · Partially meets"),
        ("3", "3 · Meets"),
        ("4", "4 · Exceeds"),
    ]


def test_scorecard_save_draft_stores_the_scores(reviewer_client, assignment, criteria):
    data = scorecard_form(
        reviewer_client,
        assignment,
        criteria,
        {criteria.certification: 3},
        **{f"note_{criteria.certification.pk}": "HNC electronics.", "_save_draft": "Save draft"},
    )

    response = reviewer_client.post(scorecard_url(assignment), data)

    assert response.status_code == 302
    assert list(
        CriterionScore.objects.filter(scorecard=assignment.scorecard)
        .order_by("criterion__order")
        .values_list("criterion__title", "value", "note")
    ) == [
        ("Certification", 3, "HNC electronics."),
        ("Experience", None, ""),
        ("Service software", None, ""),
    ]
    assignment.scorecard.refresh_from_db()
    assert assignment.scorecard.status == "draft"


def test_scorecard_save_draft_says_so(reviewer_client, assignment, criteria):
    data = scorecard_form(
        reviewer_client, assignment, criteria, {criteria.certification: 3}, _save_draft="Save"
    )

    response = reviewer_client.post(scorecard_url(assignment), data, follow=True)

    assert messages_of(response) == [("success", "Draft saved.")]


def test_scorecard_page_shows_the_saved_draft(reviewer_client, assignment, criteria):
    data = scorecard_form(
        reviewer_client, assignment, criteria, {criteria.certification: 3}, _save_draft="Save"
    )
    reviewer_client.post(scorecard_url(assignment), data)

    again = form_data(reviewer_client.get(scorecard_url(assignment)), "scorecard-form")

    assert again[f"score_{criteria.certification.pk}"] == "3"


def test_scorecard_submit_without_a_must_have_shows_the_error(
    reviewer_client, assignment, criteria
):
    data = scorecard_form(
        reviewer_client,
        assignment,
        criteria,
        {criteria.certification: 3},
        recommendation="3",
        _submit="Submit",
    )

    response = reviewer_client.post(scorecard_url(assignment), data)

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Score every must-have before submitting: “Experience” still empty."
    ]
    assertContains(
        response,
        '<div class="errornote" id="scorecard-errors"><p>Score every must-have before '
        "submitting: “Experience” still empty.</p></div>",
        html=False,
    )


def test_scorecard_submit_without_a_must_have_stays_a_draft(reviewer_client, assignment, criteria):
    data = scorecard_form(
        reviewer_client,
        assignment,
        criteria,
        {criteria.certification: 3},
        recommendation="3",
        _submit="Submit",
    )

    reviewer_client.post(scorecard_url(assignment), data)

    assignment.scorecard.refresh_from_db()
    assert (assignment.scorecard.status, assignment.scorecard.submitted_at) == ("draft", None)


def test_scorecard_submit_without_a_recommendation_shows_the_error(
    reviewer_client, assignment, criteria
):
    data = scorecard_form(
        reviewer_client,
        assignment,
        criteria,
        {criteria.certification: 3, criteria.experience: 3},
        _submit="Submit",
    )

    response = reviewer_client.post(scorecard_url(assignment), data)

    assert response.context["form"].non_field_errors() == [
        "Choose an overall recommendation before submitting."
    ]


def complete_form(client, assignment, criteria) -> dict:
    return scorecard_form(
        client,
        assignment,
        criteria,
        {criteria.certification: 3, criteria.experience: 4},
        recommendation="4",
        summary="Ready for the field.",
        _submit="Submit",
    )


def test_scorecard_submit_complete_submits_it(reviewer_client, assignment, criteria):
    reviewer_client.post(
        scorecard_url(assignment), complete_form(reviewer_client, assignment, criteria)
    )

    card = Scorecard.objects.get(pk=assignment.scorecard.pk)
    assert (card.status, card.recommendation, card.summary) == (
        "submitted",
        4,
        "Ready for the field.",
    )
    assert card.submitted_at is not None


def test_scorecard_submit_complete_says_others_are_now_visible(
    reviewer_client, assignment, criteria
):
    response = reviewer_client.post(
        scorecard_url(assignment),
        complete_form(reviewer_client, assignment, criteria),
        follow=True,
    )

    assert messages_of(response) == [
        ("success", "Submitted. Other reviewers' scores are now visible.")
    ]


def test_submitted_scorecard_page_has_no_inputs(reviewer_client, assignment, criteria):
    reviewer_client.post(
        scorecard_url(assignment), complete_form(reviewer_client, assignment, criteria)
    )

    response = reviewer_client.get(scorecard_url(assignment))

    page = response.content.decode()
    form = page[page.index('<form method="post" id="scorecard-form"') :]
    form = form[: form.index("</form>")]
    assert form.count("<input") == 1  # the CSRF token
    assert 'name="csrfmiddlewaretoken"' in form
    assert "<textarea" not in form
    assert "<select" not in form
    assertContains(response, '<strong id="scorecard-status">Submitted</strong>', html=False)


def test_submitted_scorecard_page_shows_the_reviewers_own_scores(
    reviewer_client, assignment, criteria
):
    reviewer_client.post(
        scorecard_url(assignment), complete_form(reviewer_client, assignment, criteria)
    )

    response = reviewer_client.get(scorecard_url(assignment))

    chosen = [
        " ".join(row.split())
        for row in re.findall(
            r'<tr class="chosen">\s*<td class="level"><label>(.*?)</label>',
            response.content.decode(),
            re.S,
        )
    ]
    assert chosen == ["✔ 3 · Meets", "✔ 4 · Exceeds", "✔ No evidence"]
    assertContains(response, "Your recommendation: <strong>Strong yes</strong>", html=False)


def test_post_to_a_submitted_scorecard_changes_nothing(reviewer_client, assignment, criteria):
    reviewer_client.post(
        scorecard_url(assignment), complete_form(reviewer_client, assignment, criteria)
    )
    data = {
        f"score_{criteria.certification.pk}": "1",
        f"score_{criteria.experience.pk}": "1",
        "recommendation": "1",
        "_submit": "Submit",
    }

    response = reviewer_client.post(scorecard_url(assignment), data)

    assert response.status_code == 200
    card = Scorecard.objects.get(pk=assignment.scorecard.pk)
    assert card.recommendation == 4
    assert sorted(card.scores.values_list("value", flat=True), key=str) == [3, 4, None]


def test_scorecard_page_marks_an_overdue_review(reviewer_client, assignment):
    yesterday = timezone.localdate() - timedelta(days=1)
    ReviewAssignment.objects.filter(pk=assignment.pk).update(due_date=yesterday)

    response = reviewer_client.get(scorecard_url(assignment))

    assertContains(
        response,
        f'· due {yesterday.isoformat()} <span class="overdue">overdue</span>',
        html=False,
    )


def test_the_assignment_list_names_reviewers_by_name(recruiter_client):
    reviewer = ReviewerFactory(username="gh1906", first_name="Grace", last_name="Hopper")
    ReviewAssignmentFactory(reviewer=reviewer)

    response = recruiter_client.get(reverse("admin:screening_reviewassignment_changelist"))

    assertContains(response, '<td class="field-reviewer_name">Grace Hopper</td>', html=False)
    assertNotContains(response, "gh1906</td>", html=False)


# --- Submit and go to the next review -------------------------------------------------------


def test_scorecard_page_offers_submit_and_go_to_the_next_review(reviewer_client, assignment):
    response = reviewer_client.get(scorecard_url(assignment))

    assertContains(
        response,
        '<input type="submit" name="_submit_next" value="Submit and go to the next review"',
        html=False,
    )


def submit_and_next(client, assignment, criteria, **kwargs):
    data = complete_form(client, assignment, criteria)
    del data["_submit"]
    data["_submit_next"] = "Submit and go to the next review"
    return client.post(scorecard_url(assignment), data, **kwargs)


def test_submit_and_next_submits_the_scorecard(reviewer_client, assignment, criteria):
    submit_and_next(reviewer_client, assignment, criteria)

    card = Scorecard.objects.get(pk=assignment.scorecard.pk)
    assert (card.status, card.recommendation) == ("submitted", 4)


def test_submit_and_next_opens_the_earliest_due_pending_review(
    reviewer_client, reviewer, rubric, assignment, criteria
):
    today = timezone.localdate()
    my_review(reviewer, rubric, "Due later", due=today + timedelta(days=5))
    overdue = my_review(reviewer, rubric, "Overdue", due=today - timedelta(days=2))
    my_review(reviewer, rubric, "Undated")
    my_review(reviewer, rubric, "Done already", due=today - timedelta(days=9), submitted=True)

    response = submit_and_next(reviewer_client, assignment, criteria)

    assert response.status_code == 302
    assert response.url == scorecard_url(overdue)


def test_submit_and_next_skips_reviews_of_closed_applications(
    reviewer_client, reviewer, rubric, assignment, criteria
):
    today = timezone.localdate()
    rejected = my_review(reviewer, rubric, "Rejected", due=today - timedelta(days=2))
    rejected.application.stage = "rejected"
    rejected.application.save()
    later = my_review(reviewer, rubric, "Due later", due=today + timedelta(days=5))

    response = submit_and_next(reviewer_client, assignment, criteria)

    assert response.url == scorecard_url(later)


def test_submit_and_next_says_what_was_submitted_and_what_comes_next(
    reviewer_client, reviewer, rubric, assignment, criteria
):
    due = timezone.localdate() + timedelta(days=3)
    upcoming = my_review(reviewer, rubric, "Charles Babbage", due=due)

    response = submit_and_next(reviewer_client, assignment, criteria, follow=True)

    assert messages_of(response) == [
        (
            "success",
            "Submitted your scorecard for Ada Lovelace. "
            f'<a href="{debrief(assignment)}">Read the debrief</a>. Next: Charles Babbage for '
            f"{upcoming.application.posting.title}, due {due.isoformat()}.",
        )
    ]
    assert response.context["assignment"].pk == upcoming.pk


def test_submit_and_next_after_the_last_review_goes_to_my_reviews(
    reviewer_client, reviewer, rubric, assignment, criteria
):
    my_review(reviewer, rubric, "Done already", submitted=True)
    ReviewAssignmentFactory(application=ApplicationFactory(rubric=rubric))  # someone else's

    response = submit_and_next(reviewer_client, assignment, criteria, follow=True)

    assert response.redirect_chain == [(MY_REVIEWS, 302)]
    assert messages_of(response) == [
        (
            "success",
            "Submitted your scorecard for Ada Lovelace. "
            f'<a href="{debrief(assignment)}">Read the debrief</a>. '
            "That was your last pending review.",
        )
    ]


def test_submit_and_next_of_an_incomplete_scorecard_stays_with_the_error(
    reviewer_client, reviewer, rubric, assignment, criteria
):
    my_review(reviewer, rubric, "Charles Babbage")
    data = scorecard_form(
        reviewer_client,
        assignment,
        criteria,
        {criteria.certification: 3},
        recommendation="3",
        _submit_next="Submit and go to the next review",
    )

    response = reviewer_client.post(scorecard_url(assignment), data)

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Score every must-have before submitting: “Experience” still empty."
    ]
    assignment.scorecard.refresh_from_db()
    assert assignment.scorecard.status == "draft"


def debrief(assignment) -> str:
    return reverse("admin:screening_application_debrief", args=[assignment.application.pk])


def test_submit_and_next_links_the_debrief_when_there_is_one(
    reviewer_client, reviewer, rubric, assignment, criteria, monkeypatch
):
    from screening.admin import reviews

    monkeypatch.setattr(reviews, "debrief_url", lambda application: f"/d/{application.pk}/")

    response = submit_and_next(reviewer_client, assignment, criteria, follow=True)

    assert messages_of(response) == [
        (
            "success",
            "Submitted your scorecard for Ada Lovelace. "
            f'<a href="/d/{assignment.application.pk}/">Read the debrief</a>. '
            "That was your last pending review.",
        )
    ]


def test_submitted_scorecard_links_the_debrief_when_there_is_one(
    reviewer_client, assignment, criteria, monkeypatch
):
    from screening.admin import reviews

    monkeypatch.setattr(reviews, "debrief_url", lambda application: f"/d/{application.pk}/")
    reviewer_client.post(
        scorecard_url(assignment), complete_form(reviewer_client, assignment, criteria)
    )

    response = reviewer_client.get(scorecard_url(assignment))

    assertContains(
        response,
        f'<a class="button" id="debrief-link" href="/d/{assignment.application.pk}/">'
        "Read the debrief</a>",
        html=False,
    )


def test_draft_scorecard_has_no_debrief_link(reviewer_client, assignment, monkeypatch):
    from screening.admin import reviews

    monkeypatch.setattr(reviews, "debrief_url", lambda application: f"/d/{application.pk}/")

    response = reviewer_client.get(scorecard_url(assignment))

    assertNotContains(response, 'id="debrief-link"')


def test_submitted_scorecard_links_the_next_pending_review(
    reviewer_client, reviewer, rubric, assignment, criteria
):
    upcoming = my_review(reviewer, rubric, "Charles Babbage")
    reviewer_client.post(
        scorecard_url(assignment), complete_form(reviewer_client, assignment, criteria)
    )

    response = reviewer_client.get(scorecard_url(assignment))

    assertContains(
        response,
        f'<a class="button" id="next-review-link" href="{scorecard_url(upcoming)}">'
        "Next review: Charles Babbage</a>",
        html=False,
    )


# --- Counts that read naturally ---------------------------------------------------------------


def paginator_text(response) -> str:
    page = response.content.decode()
    start = page.index('<p class="paginator">')
    return " ".join(re.sub(r"<[^>]+>", " ", page[start : page.index("</p>", start)]).split())


def test_my_reviews_counts_one_review(reviewer_client, reviewer, rubric):
    my_review(reviewer, rubric, "Ada Lovelace")

    response = reviewer_client.get(MY_REVIEWS)

    assert paginator_text(response) == "1 review"


def test_my_reviews_counts_several_reviews(reviewer_client, reviewer, rubric):
    for name in ("Ada Lovelace", "Charles Babbage", "Dorothy Vaughan"):
        my_review(reviewer, rubric, name)

    response = reviewer_client.get(MY_REVIEWS)

    assert paginator_text(response) == "3 reviews"
    assertNotContains(response, "my reviews")


def test_my_reviews_page_is_titled_my_reviews(reviewer_client):
    response = reviewer_client.get(MY_REVIEWS)

    assertContains(response, "<h1>My reviews</h1>", html=False)
    assertContains(response, "<title>My reviews", html=False)


def test_the_admin_index_lists_my_reviews(reviewer_client):
    response = reviewer_client.get(reverse("admin:index"))

    assertContains(response, f'<a href="{MY_REVIEWS}">My reviews</a>', html=False)


def reopen(client, *assignments):
    return client.post(
        reverse("admin:screening_reviewassignment_changelist"),
        {"action": "reopen_scorecards", "_selected_action": [a.pk for a in assignments]},
        follow=True,
    )


def test_reopening_one_scorecard_says_so_in_the_singular(recruiter_client, rubric):
    done = my_review(ReviewerFactory(), rubric, "Ada Lovelace", submitted=True)

    response = reopen(recruiter_client, done)

    assert messages_of(response) == [
        ("success", "Reopened 1 scorecard; its reviewer can edit and submit again.")
    ]


def test_reopening_two_scorecards_says_so_in_the_plural(recruiter_client, rubric):
    first = my_review(ReviewerFactory(), rubric, "Ada Lovelace", submitted=True)
    second = my_review(ReviewerFactory(), rubric, "Charles Babbage", submitted=True)

    response = reopen(recruiter_client, first, second)

    assert messages_of(response) == [
        ("success", "Reopened 2 scorecards; their reviewers can edit and submit again.")
    ]


# --- Export of review assignments ------------------------------------------------------------

ASSIGNMENTS = reverse("admin:screening_reviewassignment_changelist")


def export_assignments(client, action, assignments):
    return client.post(
        ASSIGNMENTS, {"action": action, "_selected_action": [a.pk for a in assignments]}
    )


def test_assignments_export_as_csv(recruiter_client, ranking):
    assignments = ReviewAssignment.objects.filter(application__in=[ranking.ada, ranking.dorothy])

    def submitted_at_of(username):
        card = Scorecard.objects.get(assignment__reviewer__username=username)
        return str(timezone.localtime(card.submitted_at).replace(tzinfo=None, microsecond=0))

    response = export_assignments(recruiter_client, "export_csv", assignments)

    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="review-assignments-{today}.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    title = ranking.posting.title
    dorothy_reviewer = ranking.dorothy.assignments.get().reviewer.get_full_name()
    assert rows[0] == [
        "candidate",
        "posting",
        "reviewer",
        "due_date",
        "status",
        "submitted_at",
        "recommendation",
        "weighted_score",
    ]
    # Grace 4/3/– → 37.5 + 25 + 0; Katherine 3/2/2 → 25 + 12.5 + 8.33.
    assert sorted(rows[1:]) == sorted(
        [
            [
                "Ada Lovelace",
                title,
                "Grace Hopper",
                "",
                "Submitted",
                submitted_at_of("grace"),
                "Strong yes",
                "62.5",
            ],
            [
                "Ada Lovelace",
                title,
                "Katherine Johnson",
                "",
                "Submitted",
                submitted_at_of("katherine"),
                "Yes",
                "45.8",
            ],
            ["Dorothy Vaughan", title, dorothy_reviewer, "", "Draft", "", "", ""],
        ]
    )


def test_assignments_export_as_xlsx(recruiter_client, ranking):
    due = timezone.localdate() + timedelta(days=4)
    ReviewAssignment.objects.filter(application=ranking.dorothy).update(due_date=due)
    assignments = ReviewAssignment.objects.filter(application=ranking.dorothy)

    response = export_assignments(recruiter_client, "export_xlsx", assignments)

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    reviewer = ranking.dorothy.assignments.get().reviewer.get_full_name()
    # A workbook has no date type: the due date reads back as midnight of that day.
    assert rows[1][:5] == [
        "Dorothy Vaughan",
        ranking.posting.title,
        reviewer,
        datetime.combine(due, time()),
        "Draft",
    ]
    assert rows[1][5:] == [None, None, None]


@pytest.mark.parametrize("action", ["export_csv", "export_xlsx"])
@pytest.mark.parametrize("size", [3, 30])
def test_assignments_export_costs_the_same_queries_at_any_size(
    recruiter_client, rubric, criteria, django_assert_max_num_queries, action, size
):
    for n in range(size):
        assignment = ReviewAssignmentFactory(application=ApplicationFactory(rubric=rubric))
        if n % 2:
            submit_scores(assignment, {criteria.certification: 3, criteria.experience: 2})

    everything = list(ReviewAssignment.objects.all())

    # session, user, permissions (user's, groups'), the recruiter check, the changelist's
    # filters (reviewers, postings, each twice) and two counts, then the export itself: the
    # assignments with their rows joined, their scores and their rubrics' criteria
    with django_assert_max_num_queries(15):  # + the viewer's own pending cards
        response = export_assignments(recruiter_client, action, everything)

    assert response.status_code == 200


def test_reviewer_cannot_export_assignments(client, assignment):
    client.force_login(ReviewerFactory())

    response = export_assignments(client, "export_csv", [assignment])

    assert response.status_code == 403


def test_the_assignment_list_filters_reviewers_by_name(recruiter_client):
    ReviewAssignmentFactory(
        reviewer=ReviewerFactory(username="gh1906", first_name="Grace", last_name="Hopper")
    )
    ReviewAssignmentFactory(
        reviewer=ReviewerFactory(username="kj1918", first_name="", last_name="")
    )
    ReviewerFactory(username="idle", first_name="Ida", last_name="Idle")  # nothing assigned

    response = recruiter_client.get(reverse("admin:screening_reviewassignment_changelist"))

    (spec,) = [f for f in response.context["cl"].filter_specs if f.title == "reviewer"]
    assert [label for _pk, label in spec.lookup_choices] == ["kj1918", "Grace Hopper"]
