"""The rubric page's own buttons: Publish on a draft, Clone to a new draft on a
published or retired rubric. Each posts to its admin URL, runs one service (which
writes the audit event) and comes back to the page of what it made."""

from decimal import Decimal

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from core.models import AuditEvent
from rubrics.models import Rubric
from tests.factories import rubric_with_criteria
from tests.support import change_url, messages_of

pytestmark = pytest.mark.django_db
D = Decimal


def publish_url(rubric) -> str:
    return reverse("admin:rubrics_rubric_publish", args=[rubric.pk])


def clone_url(rubric) -> str:
    return reverse("admin:rubrics_rubric_clone", args=[rubric.pk])


def test_draft_page_offers_publish_and_not_clone(recruiter_client):
    rubric = rubric_with_criteria()

    response = recruiter_client.get(change_url(rubric))

    assertContains(response, f'<form method="post" action="{publish_url(rubric)}"')
    assertNotContains(response, clone_url(rubric))


@pytest.mark.parametrize("state", [Rubric.State.PUBLISHED, Rubric.State.RETIRED])
def test_locked_page_offers_clone_and_not_publish(recruiter_client, state):
    rubric = rubric_with_criteria(state=state)

    response = recruiter_client.get(change_url(rubric))

    assertContains(response, f'<form method="post" action="{clone_url(rubric)}"')
    assertNotContains(response, publish_url(rubric))


def test_reviewer_is_offered_neither_button(reviewer_client):
    draft, published = rubric_with_criteria(), rubric_with_criteria(state=Rubric.State.PUBLISHED)

    for rubric in (draft, published):
        response = reviewer_client.get(change_url(rubric))
        assertNotContains(response, publish_url(rubric))
        assertNotContains(response, clone_url(rubric))


def test_publish_button_publishes_and_comes_back_to_the_page(recruiter_client, recruiter):
    rubric = rubric_with_criteria()

    response = recruiter_client.post(publish_url(rubric))

    assert response.status_code == 302
    assert response["Location"] == change_url(rubric)
    rubric.refresh_from_db()
    assert rubric.state == Rubric.State.PUBLISHED
    assert messages_of(response) == [
        (
            "success",
            f"Published v{rubric.version}: new applications to “{rubric.posting}” "
            "are scored against it.",
        )
    ]
    assert AuditEvent.objects.filter(event="rubric.published", actor=recruiter).count() == 1


def test_publish_button_says_why_a_draft_cannot_be_published(recruiter_client):
    rubric = rubric_with_criteria(weights=((D("37.50"), D("37.49")), (D("25.00"),)))

    response = recruiter_client.post(publish_url(rubric))

    assert response["Location"] == change_url(rubric)
    [(level, text)] = messages_of(response)
    assert level == "error" and "100" in text
    rubric.refresh_from_db()
    assert rubric.state == Rubric.State.DRAFT


def test_publish_button_on_a_published_rubric_is_forbidden(recruiter_client):
    rubric = rubric_with_criteria(state=Rubric.State.PUBLISHED)

    assert recruiter_client.post(publish_url(rubric)).status_code == 403


def test_buttons_are_forbidden_to_a_reviewer(reviewer_client):
    draft, published = rubric_with_criteria(), rubric_with_criteria(state=Rubric.State.PUBLISHED)

    assert reviewer_client.post(publish_url(draft)).status_code == 403
    assert reviewer_client.post(clone_url(published)).status_code == 403
    assert Rubric.objects.count() == 2
    assert Rubric.objects.get(pk=draft.pk).state == Rubric.State.DRAFT


def test_buttons_answer_get_with_405(recruiter_client):
    draft = rubric_with_criteria()

    assert recruiter_client.get(publish_url(draft)).status_code == 405
    assert recruiter_client.get(clone_url(draft)).status_code == 405


def test_clone_button_opens_the_new_draft_and_links_it(recruiter_client):
    source = rubric_with_criteria(state=Rubric.State.PUBLISHED, version=2)

    response = recruiter_client.post(clone_url(source))

    clone = Rubric.objects.exclude(pk=source.pk).get()
    assert (clone.state, clone.version, clone.cloned_from) == (Rubric.State.DRAFT, 3, source)
    assert clone.criteria.count() == source.criteria.count()
    assert response["Location"] == change_url(clone)
    assert messages_of(response) == [
        (
            "success",
            f'Cloned v2 to <a href="{change_url(clone)}">{clone}</a>. Edit it, then publish.',
        )
    ]
