"""The applications changelist exports the selected applications with the
ranking's columns: each with its place in its posting's ranking."""

import csv
import io

import pytest
from django.urls import reverse

from screening.exports import RANKING_HEADER
from tests.factories import ApplicationFactory, ReviewAssignmentFactory, submit_scores

pytestmark = pytest.mark.django_db

APPLICATIONS = reverse("admin:screening_application_changelist")


def export(client, action, applications):
    return client.post(
        APPLICATIONS, {"action": action, "_selected_action": [a.pk for a in applications]}
    )


def test_applications_export_as_csv_with_their_place_in_the_ranking(recruiter_client, ranking):
    response = export(recruiter_client, "export_csv", [ranking.ada, ranking.dorothy])

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="applications-')
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0]) == ["posting", *RANKING_HEADER]
    # Charles (62.5) is first in the ranking but not selected; Ada is second, Dorothy unscored.
    assert [(r["candidate_name"], r["rank"], r["score"]) for r in rows] == [
        ("Ada Lovelace", "2", "54.17"),
        ("Dorothy Vaughan", "3", ""),
    ]
    assert {r["posting"] for r in rows} == {ranking.posting.title}


def test_applications_export_as_xlsx(recruiter_client, ranking):
    response = export(recruiter_client, "export_xlsx", [ranking.charles])

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    header, row = [list(r) for r in sheet.iter_rows(values_only=True)]
    record = dict(zip(header, row, strict=True))
    assert record["candidate_name"] == "Charles Babbage"
    assert record["rank"] == 1
    assert record["score"] == 62.5
    assert record["failed_must_haves"] == "Certification"


def test_reviewers_cannot_export_applications(reviewer_client, ranking):
    response = export(reviewer_client, "export_csv", [ranking.ada])

    # Reviewers have no applications list: the admin sends them to log in again.
    assert response.status_code == 302
    assert "Content-Disposition" not in response


@pytest.mark.parametrize("size", [3, 30])
def test_applications_export_costs_the_same_queries_at_any_size(
    recruiter_client, rubric, criteria, django_assert_max_num_queries, size
):
    applications = [ApplicationFactory(rubric=rubric) for _ in range(size)]
    for n, application in enumerate(applications):
        if n % 2:
            submit_scores(
                ReviewAssignmentFactory(application=application),
                {criteria.certification: 3, criteria.experience: 2},
            )

    with django_assert_max_num_queries(16):  # + the viewer's own pending cards
        response = export(recruiter_client, "export_csv", applications)

    assert len(response.content.decode().splitlines()) == size + 1
