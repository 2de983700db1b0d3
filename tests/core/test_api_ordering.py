"""Every list endpoint sorts by exactly the fields it names, and answers 400
(never 500) for anything else (issue 13)."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.viewsets import ViewSetMixin

from core.api.filters import OrderingFilter
from tests import factories

pytestmark = pytest.mark.django_db


def _list_endpoints():
    """(url, view class) of every router list route under /api/v1/."""
    found = []

    def walk(patterns, prefix):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                view = entry.callback
                cls = getattr(view, "cls", None)
                actions = getattr(view, "actions", None) or {}
                route = prefix + str(entry.pattern)
                if (
                    cls
                    and issubclass(cls, ViewSetMixin)
                    and actions.get("get") == "list"
                    and route.startswith("api/v1/")
                    and "<" not in route
                ):
                    found.append(("/" + route.replace("^", "").replace("$", ""), cls))

    walk(get_resolver().url_patterns, "")
    return sorted(set(found), key=lambda item: item[0])


LIST_ENDPOINTS = _list_endpoints()


def test_the_walk_finds_the_list_endpoints():
    urls = {url for url, _cls in LIST_ENDPOINTS}
    assert {"/api/v1/postings/", "/api/v1/assignments/", "/api/v1/scorecards/"} <= urls
    assert len(urls) >= 7


@pytest.mark.parametrize(("url", "cls"), LIST_ENDPOINTS, ids=[u for u, _c in LIST_ENDPOINTS])
def test_every_ordering_field_sorts_both_ways(url, cls, recruiter_api, recruiter):
    assert OrderingFilter in cls.filter_backends, f"{cls.__name__} sorts without core's filter"
    application = factories.ApplicationFactory()
    criteria = list(application.rubric.criteria.all())
    factories.assign_and_submit(
        application, factories.ReviewerFactory(), criteria, [3] * len(criteria)
    )
    for field in getattr(cls, "ordering_fields", None) or []:
        for term in (field, f"-{field}"):
            response = recruiter_api.get(url, {"ordering": term})
            assert response.status_code == 200, (url, term, response.content[:300])


@pytest.mark.parametrize(
    "query",
    [
        "/api/v1/assignments/?ordering=reviewer__get_full_name",
        "/api/v1/scorecards/?ordering=get_recommendation_display",
        "/api/v1/scorecards/?ordering=assignment__reviewer__get_full_name",
        "/api/v1/postings/?ordering=title,-password",
    ],
)
def test_an_unknown_ordering_is_a_400_naming_the_choices(query, recruiter_api):
    response = recruiter_api.get(query)
    assert response.status_code == 400
    message = response.json()["ordering"][0]
    assert message.startswith("Cannot sort by")
    assert "Sort by" in message or "fixed order" in message


def test_the_message_lists_what_the_list_sorts_by(recruiter_api):
    response = recruiter_api.get("/api/v1/scorecards/?ordering=get_recommendation_display")
    assert response.json()["ordering"] == [
        "Cannot sort by 'get_recommendation_display'. "
        "Sort by status, submitted_at, updated_at (prefix '-' to reverse)."
    ]


def test_a_known_ordering_really_orders(recruiter_api):
    for title in ("Beta role", "Alpha role", "Gamma role"):
        factories.JobPostingFactory(title=title)
    titles = [
        row["title"]
        for row in recruiter_api.get("/api/v1/postings/?ordering=title").json()["results"]
    ]
    assert titles == sorted(titles)
    titles = [
        row["title"]
        for row in recruiter_api.get("/api/v1/postings/?ordering=-title").json()["results"]
    ]
    assert titles == sorted(titles, reverse=True)


# --- filters on ids ----------------------------------------------------------------


def test_a_filter_on_an_unknown_or_hidden_id_is_an_empty_list(reviewer_api, reviewer):
    other = factories.ApplicationFactory()  # not assigned to this reviewer
    mine = factories.ReviewAssignmentFactory(reviewer=reviewer)
    for query in (f"application={other.pk}", "application=999999", "application=abc"):
        response = reviewer_api.get(f"/api/v1/scorecards/?{query}")
        assert response.status_code == 200, query
        assert response.json()["results"] == []
    response = reviewer_api.get(f"/api/v1/scorecards/?application={mine.application_id}")
    assert [row["id"] for row in response.json()["results"]] == [mine.scorecard.pk]


def test_a_bad_value_for_a_choice_filter_stays_a_400(reviewer_api):
    response = reviewer_api.get("/api/v1/scorecards/?status=bogus")
    assert response.status_code == 400
    assert "status" in response.json()
