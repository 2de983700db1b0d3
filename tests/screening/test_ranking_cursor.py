"""The ranking API's keyset pages (screening/api/ranking_cursor.py): following the Link
header's next pages lists every row once, in order, with the ranks of the whole list;
a cursor is signed and bound to its listing; a cursor page costs what the first does."""

import re

import pytest

from rubrics.models import Rubric
from screening import selectors, services
from screening.models import Application, ApplicationScore
from tests.factories import ReviewerFactory, rubric_with_criteria
from tests.screening.test_application_scores import many_scored

pytestmark = pytest.mark.django_db

NEXT = re.compile(r'<([^>]*)>; rel="next"')


def follow(client, url, params):
    """Every page from the first by the next links: (rows, responses)."""
    rows, responses = [], []
    response = client.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        responses.append(response)
        rows += response.json()
        found = NEXT.search(response.get("Link", ""))
        if not found:
            return rows, responses
        response = client.get(found.group(1))


@pytest.mark.parametrize("order", ["-score", "name", "-adjusted", "submitted", "-stage"])
@pytest.mark.parametrize("filters", [{}, {"stage": "interview"}])
def test_following_the_next_links_lists_every_row_once_with_its_rank(
    recruiter_api, recruiter, order, filters
):
    rubric = rubric_with_criteria(state=Rubric.State.PUBLISHED)
    many_scored(17, rubric, ReviewerFactory())
    for application in Application.objects.filter(rubric=rubric)[:7]:
        services.application_set_stage(application=application, actor=recruiter, stage="interview")
    url = f"/api/v1/postings/{rubric.posting_id}/ranking/"

    rows, responses = follow(recruiter_api, url, {"order": order, "page_size": 3, **filters})
    whole = list(
        selectors.posting_ranking(posting=rubric.posting, order=order, viewer=recruiter, **filters)
    )

    assert [(r["application"], r["rank"]) for r in rows] == [
        (r.application_id, r.rank) for r in whole
    ]
    assert len(responses) == -(-len(whole) // 3)
    assert {r["X-Total-Count"] for r in responses} == {str(len(whole))}
    # A page reached by cursor names the page before it by number.
    assert responses[2]["Link"].endswith('page=2>; rel="prev"')


def test_a_tampered_cursor_is_a_field_error(recruiter_api):
    rubric = rubric_with_criteria(state=Rubric.State.PUBLISHED)
    many_scored(5, rubric, ReviewerFactory())
    url = f"/api/v1/postings/{rubric.posting_id}/ranking/"
    link = NEXT.search(recruiter_api.get(url, {"page_size": 2})["Link"]).group(1)
    cursor = re.search(r"cursor=([^&]*)", link).group(1)

    response = recruiter_api.get(url, {"page_size": 2, "cursor": cursor[:-3] + "abc"})

    assert response.status_code == 400
    assert response.json()["cursor"] == [
        "Not a cursor of this ranking: follow the Link header's next page."
    ]


def test_a_cursor_of_another_order_is_refused(recruiter_api):
    rubric = rubric_with_criteria(state=Rubric.State.PUBLISHED)
    many_scored(5, rubric, ReviewerFactory())
    url = f"/api/v1/postings/{rubric.posting_id}/ranking/"
    link = NEXT.search(recruiter_api.get(url, {"page_size": 2})["Link"]).group(1)

    response = recruiter_api.get(link.replace("?", "?order=name&", 1))

    assert response.status_code == 400
    assert "another order or filter" in response.json()["cursor"][0]


@pytest.mark.parametrize("params", [{}, {"order": "name"}, {"stage": "screening"}])
def test_a_cursor_page_costs_what_the_first_does(
    recruiter_api, django_assert_max_num_queries, params
):
    rubric = rubric_with_criteria(state=Rubric.State.PUBLISHED)
    many_scored(30, rubric, ReviewerFactory())
    url = f"/api/v1/postings/{rubric.posting_id}/ranking/"
    first = recruiter_api.get(url, {**params, "page_size": 10})
    link = NEXT.search(first["Link"]).group(1)

    # As the first page (test_application_scores): at most 11.
    with django_assert_max_num_queries(11):
        response = recruiter_api.get(link)

    assert response.status_code == 200
    assert len(response.json()) == 10


def test_rows_leaving_the_listing_before_the_cursor_hide_nothing_after_it(recruiter_api, recruiter):
    """Seven rows in 'interview', three a page; two rows of page 1 then move on. The next
    page still links on to the last one (the page reads one row more to know)."""
    rubric = rubric_with_criteria(state=Rubric.State.PUBLISHED)
    many_scored(7, rubric, ReviewerFactory())
    for application in Application.objects.filter(rubric=rubric):
        services.application_set_stage(application=application, actor=recruiter, stage="interview")
    url = f"/api/v1/postings/{rubric.posting_id}/ranking/"
    first = recruiter_api.get(url, {"stage": "interview", "page_size": 3})
    for row in first.json()[:2]:
        services.application_set_stage(
            application=Application.objects.get(pk=row["application"]),
            actor=recruiter,
            stage="offer",
        )

    rows, responses = follow(recruiter_api, NEXT.search(first["Link"]).group(1), {})

    still = set(
        Application.objects.filter(rubric=rubric, stage="interview").values_list("pk", flat=True)
    )
    listed = {r["application"] for r in first.json() + rows}
    assert still <= listed
    assert responses[0]["X-Total-Count"] == "5"


def test_ranks_on_a_cursor_page_are_the_whole_rankings_now(recruiter_api, recruiter):
    """A row above the cursor goes away between two pages: the next page's ranks are those
    of the ranking as it is now, not counted on from the first page."""
    rubric = rubric_with_criteria(state=Rubric.State.PUBLISHED)
    many_scored(6, rubric, ReviewerFactory())
    url = f"/api/v1/postings/{rubric.posting_id}/ranking/"
    first = recruiter_api.get(url, {"page_size": 3})
    services.application_set_stage(
        application=Application.objects.get(pk=first.json()[0]["application"]),
        actor=recruiter,
        stage="withdrawn",
    )
    ApplicationScore.objects.filter(pk=first.json()[0]["application"]).delete()

    second = recruiter_api.get(NEXT.search(first["Link"]).group(1))

    now = {
        r.application_id: r.rank
        for r in selectors.posting_ranking(posting=rubric.posting, viewer=recruiter)
    }
    assert [r["rank"] for r in second.json()] == [now[r["application"]] for r in second.json()]
    assert [r["rank"] for r in second.json()] == [3, 4, 5]
