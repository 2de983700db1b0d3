"""Who may do what in the posting and rubric admins: a recruiter, a reviewer
and an anonymous visitor."""

from decimal import Decimal

import pytest
from django.urls import reverse
from pytest_django.asserts import assertNotContains

from rubrics.models import JobPosting, Rubric
from tests.factories import JobPostingFactory, rubric_with_criteria
from tests.rubrics.admin.support import criteria_state
from tests.support import change_url, changelist_url, delete_url, form_data, messages_of, run_action

pytestmark = pytest.mark.django_db
D = Decimal


# --- Permissions ------------------------------------------------------------


@pytest.mark.parametrize(
    "page",
    [
        "admin:rubrics_jobposting_changelist",
        "admin:rubrics_jobposting_add",
        "admin:rubrics_rubric_changelist",
        "posting change",
        "rubric change",
    ],
)
def test_anonymous_visitors_are_sent_to_the_login_page(client, page):
    rubric = rubric_with_criteria()
    url = {
        "posting change": change_url(rubric.posting),
        "rubric change": change_url(rubric),
    }.get(page) or reverse(page)

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('admin:login')}?next={url}"


def test_anonymous_action_post_is_sent_to_the_login_page_and_changes_nothing(client):
    rubric = rubric_with_criteria()

    response = run_action(client, Rubric, "publish", rubric)

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    rubric.refresh_from_db()
    assert rubric.state == Rubric.State.DRAFT


@pytest.mark.parametrize("model", ["jobposting", "rubric"])
def test_reviewer_can_view_the_changelists(reviewer_client, model):
    rubric_with_criteria()

    response = reviewer_client.get(changelist_url(f"rubrics.{model}"))

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 1


def test_reviewer_sees_a_draft_rubric_read_only(reviewer_client):
    rubric = rubric_with_criteria()

    response = reviewer_client.get(change_url(rubric))

    assert response.status_code == 200
    assert "criteria-0-title" not in form_data(response, "rubric_form")
    assertNotContains(response, 'name="_save"')


def test_reviewer_cannot_change_a_posting(reviewer_client):
    posting = JobPostingFactory(title="Forklift Driver")
    data = form_data(reviewer_client.get(change_url(posting)), "jobposting_form")
    data.update(title="Changed", _save="Save")

    response = reviewer_client.post(change_url(posting), data)

    assert response.status_code == 403
    posting.refresh_from_db()
    assert posting.title == "Forklift Driver"


def test_reviewer_cannot_change_a_draft_rubric(reviewer_client):
    rubric = rubric_with_criteria()
    before = criteria_state(rubric)
    data = form_data(reviewer_client.get(change_url(rubric)), "rubric_form")
    data.update({"scale_max": "5", "criteria-0-title": "Changed", "_save": "Save"})

    response = reviewer_client.post(change_url(rubric), data)

    assert response.status_code == 403
    rubric.refresh_from_db()
    assert rubric.scale_max == 4
    assert criteria_state(rubric) == before


def test_reviewer_cannot_add_a_posting(reviewer_client):
    url = reverse("admin:rubrics_jobposting_add")

    assert reviewer_client.get(url).status_code == 403
    assert reviewer_client.post(url, {"title": "X", "raw_text": "Y"}).status_code == 403
    assert not JobPosting.objects.exists()


def test_reviewer_cannot_delete_a_draft_rubric(reviewer_client):
    rubric = rubric_with_criteria()

    response = reviewer_client.post(delete_url(rubric), {"post": "yes"})

    assert response.status_code == 403
    assert Rubric.objects.filter(pk=rubric.pk).exists()


@pytest.mark.parametrize("model", ["jobposting", "rubric"])
def test_reviewer_is_offered_no_actions(reviewer_client, model):
    rubric_with_criteria()

    response = reviewer_client.get(changelist_url(f"rubrics.{model}"))

    assert response.context["action_form"] is None


@pytest.mark.parametrize(
    ("model", "action"),
    [
        ("jobposting", "generate_rubric"),
        ("rubric", "publish"),
        ("rubric", "clone"),
        ("rubric", "reset_weights"),
        ("rubric", "delete_selected"),
    ],
)
def test_reviewer_action_post_changes_nothing(reviewer_client, model, action):
    # Django answers an action the user may not run by showing the list again
    # (200, no message) rather than 403; what matters is that nothing runs.
    rubric = rubric_with_criteria(weights=((D("50.00"), D("30.00")), (D("20.00"),)))
    before = criteria_state(rubric)
    target = rubric.posting if model == "jobposting" else rubric

    response = run_action(reviewer_client, f"rubrics.{model}", action, target)

    assert response.status_code == 200
    assert messages_of(response) == []
    assert list(Rubric.objects.values_list("pk", "state")) == [(rubric.pk, "draft")]
    assert criteria_state(rubric) == before


def test_recruiter_is_offered_every_action(recruiter_client):
    rubric_with_criteria()

    postings = recruiter_client.get(changelist_url(JobPosting))
    rubrics = recruiter_client.get(changelist_url(Rubric))

    def names(response):
        return [name for name, _ in response.context["action_form"].fields["action"].choices][1:]

    assert names(postings) == ["delete_selected", "generate_rubric"]
    assert names(rubrics) == ["delete_selected", "publish", "clone", "retire", "reset_weights"]
