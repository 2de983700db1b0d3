"""The screening admin, driven through the test client: the candidate CSV
import, the "Assign reviewers…" action, the application page with its
consensus, adding an application, the ranking page with its CSV export,
"My reviews" and the scorecard page, and the queries each list costs.
Forms are posted back from the HTML the admin rendered, as a browser would."""

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertTemplateUsed

from rubrics.models import Criterion, Rubric
from screening.models import Application, Candidate, CriterionScore, ReviewAssignment, Scorecard
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    CriterionFactory,
    JobPostingFactory,
    RecruiterFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    RubricFactory,
    UserFactory,
    rubric_with_criteria,
    submit_scores,
)
from tests.support import form_data, hidden_value, messages_of, table_rows

pytestmark = pytest.mark.django_db
D = Decimal

IMPORT = reverse("admin:screening_candidate_import")
RANKING = reverse("admin:screening_application_ranking")
MY_REVIEWS = reverse("admin:screening_myreview_changelist")
GOOD_CSV = (
    "full_name,email,phone,links,notes\n"
    "Ada Lovelace,ada@example.net,+44 20 7946 0001,https://example.net/ada,Referred.\n"
    "Charles Babbage,charles@example.net,,https://example.net/cb https://example.org/cb2,\n"
)


def service_rubric(**kwargs) -> Rubric:
    """A published 1–4 rubric: must-haves Certification and Experience (37.5
    each, knockout below 2) and the bonus Service software (25)."""
    rubric = RubricFactory(**kwargs)
    for order, (kind, title, weight) in enumerate(
        [
            (Criterion.Kind.MUST_HAVE, "Certification", D("37.50")),
            (Criterion.Kind.MUST_HAVE, "Experience", D("37.50")),
            (Criterion.Kind.BONUS, "Service software", D("25.00")),
        ],
        start=1,
    ):
        CriterionFactory(rubric=rubric, kind=kind, title=title, weight=weight, order=order)
    Rubric.objects.filter(pk=rubric.pk).update(state=Rubric.State.PUBLISHED)
    rubric.refresh_from_db()
    return rubric


@pytest.fixture
def recruiter():
    return RecruiterFactory(username="rita")


@pytest.fixture
def reviewer():
    return ReviewerFactory(username="grace", first_name="Grace", last_name="Hopper")


@pytest.fixture
def rubric():
    return service_rubric(version=1)


@pytest.fixture
def criteria(rubric):
    names = ["certification", "experience", "software"]
    return SimpleNamespace(**dict(zip(names, rubric.criteria.order_by("order"), strict=True)))


def upload(client, text: str, name: str = "candidates.csv"):
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, text.encode(), "text/csv")})


# --- Candidate CSV import ------------------------------------------------------------


def test_import_page_offers_the_upload_form(recruiter_client):
    response = recruiter_client.get(IMPORT)

    assert response.status_code == 200
    assertContains(response, 'type="file"')
    assertNotContains(response, 'name="_confirm"')


def test_uploaded_good_file_is_previewed_row_by_row(recruiter_client):
    response = upload(recruiter_client, GOOD_CSV)

    assert response.status_code == 200
    assert table_rows(response, "import-rows") == [
        ["2", "Ada Lovelace", "ada@example.net", "+44 20 7946 0001", "https://example.net/ada"],
        [
            "3",
            "Charles Babbage",
            "charles@example.net",
            "",
            "https://example.net/cb https://example.org/cb2",
        ],
    ]
    assertContains(response, 'value="Import 2 candidates"')


def test_uploaded_good_file_saves_nothing_before_confirmation(recruiter_client):
    upload(recruiter_client, GOOD_CSV)

    assert not Candidate.objects.exists()


def test_confirmed_import_saves_every_row(recruiter_client, recruiter):
    preview = upload(recruiter_client, GOOD_CSV)

    response = recruiter_client.post(
        IMPORT, {"content": hidden_value(preview, "content"), "_confirm": "Import 2 candidates"}
    )

    assert response.status_code == 302
    assert response.url == reverse("admin:screening_candidate_changelist")
    assert list(
        Candidate.objects.order_by("full_name").values_list(
            "full_name", "email", "phone", "links", "notes", "created_by"
        )
    ) == [
        (
            "Ada Lovelace",
            "ada@example.net",
            "+44 20 7946 0001",
            ["https://example.net/ada"],
            "Referred.",
            recruiter.pk,
        ),
        (
            "Charles Babbage",
            "charles@example.net",
            "",
            ["https://example.net/cb", "https://example.org/cb2"],
            "",
            recruiter.pk,
        ),
    ]


def test_confirmed_import_says_how_many_were_imported(recruiter_client):
    preview = upload(recruiter_client, GOOD_CSV)

    response = recruiter_client.post(
        IMPORT,
        {"content": hidden_value(preview, "content"), "_confirm": "Import 2 candidates"},
        follow=True,
    )

    assert messages_of(response) == [("success", "Imported 2 candidates.")]


BAD_CSV = (
    "full_name,email,phone,links,notes\n"
    "Ada Lovelace,ada@example.net,,,\n"
    "Charles Babbage,not-an-email,,,\n"
    ",dorothy@example.net,,,\n"
    "Ada Again,ADA@example.net,,,\n"
    "Mary Jackson,mary@example.net,,my site,\n"
    "Katherine Johnson,kj@example.net,,,,extra\n"
)


def test_file_with_bad_rows_lists_each_with_its_line_and_problem(recruiter_client):
    response = upload(recruiter_client, BAD_CSV)

    assert table_rows(response, "import-errors") == [
        ["3", "email “not-an-email” is not a valid address."],
        ["4", "full_name is empty."],
        ["5", "email repeats line 2."],
        ["6", "link “my” is not a URL; link “site” is not a URL."],
        ["7", "The row has more fields than the header."],
    ]
    assertContains(response, "5 problems found; nothing has been saved.")


def test_file_with_bad_rows_offers_no_confirmation(recruiter_client):
    response = upload(recruiter_client, BAD_CSV)

    assertNotContains(response, 'name="_confirm"')


def test_file_with_bad_rows_saves_nothing(recruiter_client):
    upload(recruiter_client, BAD_CSV)

    assert not Candidate.objects.exists()


def test_forced_confirmation_of_a_bad_file_saves_nothing_and_says_why(recruiter_client):
    response = recruiter_client.post(IMPORT, {"content": BAD_CSV, "_confirm": "Import"})

    assert ("error", "Line 3: email “not-an-email” is not a valid address.") in messages_of(
        response
    )
    assert not Candidate.objects.exists()


def test_file_without_an_email_column_is_refused_at_its_header(recruiter_client):
    response = upload(recruiter_client, "full_name,phone\nAda Lovelace,+44 20 7946 0001\n")

    assert table_rows(response, "import-errors") == [
        [
            "1",
            "The header needs the columns email; expected full_name,email,phone,links,notes.",
        ]
    ]


def test_file_naming_an_existing_candidate_is_refused(recruiter_client):
    CandidateFactory(email="ada@example.net")

    response = upload(recruiter_client, GOOD_CSV)

    assert table_rows(response, "import-errors") == [
        ["2", "email “ada@example.net” belongs to an existing candidate."]
    ]


def test_file_naming_an_existing_candidate_in_another_case_is_refused(recruiter_client):
    CandidateFactory(email="Ada@Example.net")

    response = upload(recruiter_client, GOOD_CSV)

    assert table_rows(response, "import-errors") == [
        ["2", "email “ada@example.net” belongs to an existing candidate."]
    ]


def test_confirming_a_file_naming_an_existing_candidate_in_another_case_saves_nothing(
    recruiter_client,
):
    CandidateFactory(email="Ada@Example.net")

    response = recruiter_client.post(IMPORT, {"content": GOOD_CSV, "_confirm": "Import"})

    assert messages_of(response) == [
        ("error", "Line 2: email “ada@example.net” belongs to an existing candidate.")
    ]
    assert Candidate.objects.count() == 1


def test_file_that_is_not_utf8_is_refused(recruiter_client):
    response = recruiter_client.post(
        IMPORT,
        {
            "file": SimpleUploadedFile(
                "c.csv", "full_name,email\nJosé,jose@example.net\n".encode("latin-1")
            )
        },
    )

    assert table_rows(response, "import-errors") == [["—", "The file is not UTF-8 text."]]


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
        "Charles Babbage",
        "Ada Lovelace",
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


def test_assign_action_says_how_many_assignments_it_made(recruiter_client, applications):
    alan = ReviewerFactory(username="alan")

    assign(recruiter_client, applications, _assign="Assign", reviewers=[alan.pk])

    response = recruiter_client.get(reverse("admin:screening_application_changelist"))
    assert messages_of(response) == [("success", "Made 2 assignment(s).")]


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
        ("success", "Made 1 assignment(s)."),
    ]


def test_assign_action_without_a_reviewer_shows_the_form_again(recruiter_client, applications):
    response = assign(recruiter_client, applications, _assign="Assign", due_date="2031-05-01")

    assert response.status_code == 200
    assert response.context["form"].errors == {"reviewers": ["This field is required."]}
    assert not ReviewAssignment.objects.exists()


# --- The application page --------------------------------------------------------------


@pytest.fixture
def scored(rubric, criteria):
    """Ada's application: Grace 4/3/–, Strong yes; Katherine 3/2/2, Yes. Consensus
    3.5, 2.5, 1.5 → 37.5·2.5/3 + 37.5·1.5/3 + 25·0.5/3 = 54.1666…; passes."""
    application = ApplicationFactory(
        candidate=CandidateFactory(full_name="Ada Lovelace"), rubric=rubric
    )
    grace = ReviewerFactory(username="grace", first_name="Grace", last_name="Hopper")
    katherine = ReviewerFactory(username="katherine", first_name="Katherine", last_name="Johnson")
    c = criteria
    submit_scores(
        ReviewAssignmentFactory(application=application, reviewer=grace),
        {c.certification: 4, c.experience: 3, c.software: None},
        recommendation=4,
    )
    submit_scores(
        ReviewAssignmentFactory(application=application, reviewer=katherine),
        {c.certification: 3, c.experience: 2, c.software: 2},
        recommendation=3,
    )
    return application


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


@pytest.fixture
def ranking(rubric, criteria, scored):
    """Ada 54.17 (passes, screening), Charles 62.5 (fails Certification,
    interview), Dorothy not scored (screening)."""
    charles = ApplicationFactory(
        candidate=CandidateFactory(full_name="Charles Babbage"), rubric=rubric, stage="interview"
    )
    submit_scores(
        ReviewAssignmentFactory(application=charles),
        {criteria.certification: 1, criteria.experience: 4, criteria.software: 4},
        recommendation=2,
    )
    dorothy = ApplicationFactory(
        candidate=CandidateFactory(full_name="Dorothy Vaughan"), rubric=rubric
    )
    ReviewAssignmentFactory(application=dorothy)
    return SimpleNamespace(posting=rubric.posting, ada=scored, charles=charles, dorothy=dorothy)


def ranked(response) -> list[tuple]:
    """(rank, candidate, score, must-haves) of each row shown."""
    return [(row[0], row[1], row[4], row[6]) for row in table_rows(response, "ranking")]


def test_ranking_page_orders_rows_by_score(recruiter_client, ranking):
    response = recruiter_client.get(RANKING)

    assert ranked(response) == [
        ("1", "Charles Babbage", "62.5", "fail"),
        ("2", "Ada Lovelace", "54.2", "pass"),
        ("3", "Dorothy Vaughan", "—", "—"),
    ]


def test_ranking_page_shows_submitted_pending_and_tally(recruiter_client, ranking):
    response = recruiter_client.get(RANKING)

    assert [row[7:] for row in table_rows(response, "ranking")] == [
        ["1", "0", "0", "1", "0", "0"],
        ["2", "0", "0", "0", "1", "1"],
        ["0", "1", "0", "0", "0", "0"],
    ]


def test_ranking_page_filters_by_stage(recruiter_client, ranking):
    response = recruiter_client.get(RANKING, {"posting": ranking.posting.pk, "stage": "interview"})

    assert ranked(response) == [("1", "Charles Babbage", "62.5", "fail")]


@pytest.mark.parametrize(
    ("must_haves", "expected"),
    [
        ("pass", [("1", "Ada Lovelace", "54.2", "pass")]),
        ("fail", [("1", "Charles Babbage", "62.5", "fail")]),
        ("unscored", [("1", "Dorothy Vaughan", "—", "—")]),
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
    form = page[page.index('<form method="post" id="scorecard-form">') :]
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


# --- Query counts -----------------------------------------------------------------------------
# A list page costs the same number of queries whatever the number of rows.


def _count_queries(django_assert_max_num_queries, client, url, budget: int) -> int:
    # A first visit fills Django's process-wide content-type cache; measure
    # the page as every later visit sees it.
    client.get(url)
    with django_assert_max_num_queries(budget) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _reviews(n: int, reviewer, rubric) -> None:
    """n applications, each with the reviewer's assignment (every other one
    submitted and overdue) and a second reviewer's."""
    c = list(rubric.criteria.order_by("order"))
    due = timezone.localdate() - timedelta(days=1)
    for i in range(n):
        a = ReviewAssignmentFactory(
            application=ApplicationFactory(rubric=rubric), reviewer=reviewer, due_date=due
        )
        if i % 2:
            submit_scores(a, {c[0]: 3, c[1]: 2, c[2]: None}, recommendation=1 + i % 4)
        ReviewAssignmentFactory(application=a.application, reviewer=ReviewerFactory())


@pytest.mark.parametrize(
    ("url", "budget"),
    [
        # session, user, 2 permissions, [recruiter check], [filter choices],
        # count, full count, rows, [date hierarchy ×2]
        pytest.param(reverse("admin:screening_candidate_changelist"), 7, id="candidate"),
        pytest.param(reverse("admin:screening_application_changelist"), 9, id="application"),
        pytest.param(
            reverse("admin:screening_reviewassignment_changelist"), 12, id="reviewassignment"
        ),
        pytest.param(MY_REVIEWS, 8, id="myreview"),
        # session, user, recruiter check, postings, posting, applications,
        # criteria, score totals, tallies, calibration run, 2 permissions,
        # the postings menu
        pytest.param(RANKING, 13, id="ranking"),
    ],
)
def test_list_page_query_count_does_not_grow_with_rows(
    client, recruiter, rubric, django_assert_max_num_queries, url, budget
):
    # The recruiter reviews too, so "My reviews" has rows for them.
    client.force_login(recruiter)
    _reviews(3, recruiter, rubric)
    few = _count_queries(django_assert_max_num_queries, client, url, budget)
    _reviews(27, recruiter, rubric)
    many = _count_queries(django_assert_max_num_queries, client, url, budget)

    assert few == many


def test_my_reviews_query_count_for_a_reviewer_does_not_grow_with_rows(
    reviewer_client, reviewer, rubric, django_assert_max_num_queries
):
    _reviews(3, reviewer, rubric)
    few = _count_queries(django_assert_max_num_queries, reviewer_client, MY_REVIEWS, 8)
    _reviews(27, reviewer, rubric)
    many = _count_queries(django_assert_max_num_queries, reviewer_client, MY_REVIEWS, 8)

    assert few == many
