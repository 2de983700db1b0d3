"""The rubric admin (rubrics/admin/rubrics.py), driven through the test client:
its pages, its actions, a published rubric read-only, and the weights readouts."""

from decimal import Decimal

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from rubrics.models import Criterion, Rubric
from tests.factories import JobPostingFactory, RubricFactory, rubric_with_criteria
from tests.rubrics.admin.support import criteria_state
from tests.support import (
    change_url,
    changelist_url,
    delete_url,
    form_data,
    messages_of,
    readonly_value,
    run_action,
)

pytestmark = pytest.mark.django_db
D = Decimal


NOT_EDITABLE = (
    "This rubric is no longer a draft, so it cannot be changed. "
    "Clone it to a new draft version to edit it."
)


# --- Rubrics: pages ---------------------------------------------------------


def test_rubric_changelist_shows_criteria_count_and_weights_total(recruiter_client):
    off = rubric_with_criteria(weights=((D("37.50"), D("37.49")), (D("25.00"),)))

    response = recruiter_client.get(changelist_url(Rubric))

    assert response.status_code == 200
    [row] = response.context["cl"].result_list
    assert (row.pk, row.criterion_count, row.weight_sum) == (off.pk, 3, D("99.99"))
    assertContains(
        response,
        '<strong class="weights-off" style="color:#ba2121">99.99 (must be 100.00)</strong>',
        html=True,
    )


@pytest.mark.parametrize("query", ["forklift", "warehouse"], ids=["posting title", "team"])
def test_rubric_changelist_searches_the_posting_title_and_team(recruiter_client, query):
    wanted = RubricFactory(posting=JobPostingFactory(title="Forklift Driver", team="Warehouse"))
    RubricFactory(posting=JobPostingFactory(title="Night Nurse", team="Ward 7"))

    response = recruiter_client.get(changelist_url(Rubric), {"q": query})

    assert list(response.context["cl"].result_list) == [wanted]


def test_rubric_changelist_filters_by_state(recruiter_client):
    published = rubric_with_criteria(state=Rubric.State.PUBLISHED)
    rubric_with_criteria()

    response = recruiter_client.get(changelist_url(Rubric), {"state__exact": "published"})

    assert list(response.context["cl"].result_list) == [published]


def test_rubric_changelist_filters_by_scale(recruiter_client):
    RubricFactory(scale_max=4)
    five_point = RubricFactory(scale_max=5)

    response = recruiter_client.get(changelist_url(Rubric), {"scale_max__exact": "5"})

    assert list(response.context["cl"].result_list) == [five_point]


def test_draft_rubric_change_page_is_editable(recruiter_client):
    rubric = rubric_with_criteria()

    response = recruiter_client.get(change_url(rubric))

    assert response.status_code == 200
    data = form_data(response, "rubric_form")
    assert data["criteria-TOTAL_FORMS"] == "3"
    assert {"scale_max", "must_have_share", "criteria-0-title", "criteria-0-anchors"} <= set(data)
    assertContains(response, 'name="_save"')


def test_rubric_change_page_shows_the_level_guide(recruiter_client):
    response = recruiter_client.get(change_url(RubricFactory(scale_max=5)))

    assert readonly_value(response, "level_guide") == (
        "1 Does not meet · 2 Partially meets · 3 Meets · 4 Exceeds · 5 Far exceeds"
    )


def test_rubric_add_page_is_not_offered(recruiter_client):
    assert recruiter_client.get(reverse("admin:rubrics_rubric_add")).status_code == 403


def test_rubric_add_post_is_refused(recruiter_client):
    posting = JobPostingFactory()

    response = recruiter_client.post(
        reverse("admin:rubrics_rubric_add"), {"posting": posting.pk, "scale_max": 4}
    )

    assert response.status_code == 403
    assert not Rubric.objects.exists()


def test_draft_rubric_delete_page_deletes_it_with_its_criteria(recruiter_client):
    rubric = rubric_with_criteria()
    assert recruiter_client.get(delete_url(rubric)).status_code == 200

    response = recruiter_client.post(delete_url(rubric), {"post": "yes"})

    assert response.status_code == 302
    assert not Rubric.objects.exists()
    assert not Criterion.objects.exists()


def test_published_rubric_delete_page_is_forbidden(recruiter_client):
    rubric = rubric_with_criteria(state=Rubric.State.PUBLISHED)

    response = recruiter_client.post(delete_url(rubric), {"post": "yes"})

    assert response.status_code == 403
    assert Rubric.objects.filter(pk=rubric.pk).exists()


def test_delete_selected_refuses_a_selection_with_a_published_rubric(recruiter_client):
    draft = rubric_with_criteria()
    published = rubric_with_criteria(state=Rubric.State.PUBLISHED)

    response = recruiter_client.post(
        changelist_url(Rubric),
        {"action": "delete_selected", "_selected_action": [draft.pk, published.pk], "post": "yes"},
    )

    assert response.status_code == 200
    assertContains(response, "Cannot delete rubrics")
    assert Rubric.objects.count() == 2
    assert Criterion.objects.count() == 6


# --- Rubrics: actions -------------------------------------------------------


def test_publish_action_publishes_a_valid_draft(recruiter_client):
    rubric = rubric_with_criteria()

    response = run_action(recruiter_client, Rubric, "publish", rubric)

    assert messages_of(response) == [("success", "Published 1 rubric.")]
    rubric.refresh_from_db()
    assert rubric.state == Rubric.State.PUBLISHED
    assert rubric.published_at is not None


def test_action_messages_count_in_words_that_agree(recruiter_client):
    first, second = rubric_with_criteria(), rubric_with_criteria()

    published = run_action(recruiter_client, Rubric, "publish", first, second)
    assert messages_of(published) == [("success", "Published 2 rubrics.")]
    recruiter_client.get(changelist_url(Rubric))  # shows, and so clears, that message
    cloned = run_action(recruiter_client, Rubric, "clone", first, second)

    [(level, text)] = messages_of(cloned)
    assert (level, text.split(":")[0]) == ("success", "Cloned 2 rubrics to new drafts")
    assert text.count("<a href=") == 2


def test_publish_action_retires_the_posting_previous_rubric(recruiter_client):
    old = rubric_with_criteria(state=Rubric.State.PUBLISHED)
    new = rubric_with_criteria(posting=old.posting)

    run_action(recruiter_client, Rubric, "publish", new)

    old.refresh_from_db()
    assert old.state == Rubric.State.RETIRED


def test_publish_action_shows_why_weights_off_by_a_cent_block_it(recruiter_client):
    rubric = rubric_with_criteria(weights=((D("37.50"), D("37.49")), (D("25.00"),)))
    before = criteria_state(rubric)

    response = run_action(recruiter_client, Rubric, "publish", rubric)

    assert messages_of(response) == [
        ("error", f"{rubric}: The weights add up to 99.99; they must add up to 100.00.")
    ]
    rubric.refresh_from_db()
    assert (rubric.state, rubric.published_at) == (Rubric.State.DRAFT, None)
    assert criteria_state(rubric) == before


def test_publish_action_refuses_a_published_rubric(recruiter_client):
    rubric = rubric_with_criteria(state=Rubric.State.PUBLISHED)

    response = run_action(recruiter_client, Rubric, "publish", rubric)

    assert messages_of(response) == [
        ("error", f"{rubric}: Only a draft can be published; this rubric is published.")
    ]
    rubric.refresh_from_db()
    assert (rubric.state, rubric.published_at) == (Rubric.State.PUBLISHED, None)


def test_publish_action_reports_each_rubric_on_its_own(recruiter_client):
    good = rubric_with_criteria()
    bad = rubric_with_criteria(weights=((), (D("100.00"),)))

    response = run_action(recruiter_client, Rubric, "publish", good, bad)

    assert sorted(messages_of(response)) == [
        ("error", f"{bad}: A rubric needs at least one must-have criterion."),
        ("success", "Published 1 rubric."),
    ]
    assert list(Rubric.objects.published()) == [good]


def test_clone_action_copies_a_published_rubric_to_a_new_draft(recruiter_client, recruiter):
    source = rubric_with_criteria(state=Rubric.State.PUBLISHED, version=3)

    response = run_action(recruiter_client, Rubric, "clone", source)

    clone = Rubric.objects.exclude(pk=source.pk).get()
    assert messages_of(response) == [
        ("success", f'Cloned to a new draft: <a href="{change_url(clone)}">{clone}</a>')
    ]
    assert (clone.posting, clone.version, clone.state, clone.cloned_from, clone.created_by) == (
        source.posting,
        4,
        Rubric.State.DRAFT,
        source,
        recruiter,
    )
    assert criteria_state(clone) == criteria_state(source)


def test_retire_action_retires_a_published_rubric(recruiter_client):
    rubric = rubric_with_criteria(state=Rubric.State.PUBLISHED)

    response = run_action(recruiter_client, Rubric, "retire", rubric)

    assert messages_of(response) == [("success", "Retired 1 rubric.")]
    rubric.refresh_from_db()
    assert rubric.state == Rubric.State.RETIRED
    assert rubric.retired_at is not None


def test_retire_action_refuses_a_draft(recruiter_client):
    rubric = rubric_with_criteria()

    response = run_action(recruiter_client, Rubric, "retire", rubric)

    assert messages_of(response) == [
        ("error", f"{rubric}: Only a published rubric can be retired; this one is draft.")
    ]
    rubric.refresh_from_db()
    assert (rubric.state, rubric.retired_at) == (Rubric.State.DRAFT, None)


def test_reset_weights_action_restores_the_default_split(recruiter_client):
    rubric = rubric_with_criteria(weights=((D("50.00"), D("30.00")), (D("19.99"),)))

    response = run_action(recruiter_client, Rubric, "reset_weights", rubric)

    assert messages_of(response) == [("success", "Reset the weights of 1 rubric.")]
    # The default split: no bonus weighs more than half the lightest must-have.
    assert [w for _, w, *_ in criteria_state(rubric)] == [D("40.00"), D("40.00"), D("20.00")]


def test_reset_weights_action_refuses_a_published_rubric(recruiter_client):
    rubric = rubric_with_criteria(
        state=Rubric.State.PUBLISHED, weights=((D("60.00"), D("20.00")), (D("20.00"),))
    )

    response = run_action(recruiter_client, Rubric, "reset_weights", rubric)

    assert messages_of(response) == [("error", f"{rubric}: {NOT_EDITABLE}")]
    assert [w for _, w, *_ in criteria_state(rubric)] == [D("60.00"), D("20.00"), D("20.00")]


# --- Rubrics: a published rubric is read-only -------------------------------


def test_published_rubric_change_page_has_no_inputs_and_no_save_button(recruiter_client):
    rubric = rubric_with_criteria(state=Rubric.State.PUBLISHED)

    response = recruiter_client.get(change_url(rubric))

    assert response.status_code == 200
    data = form_data(response, "rubric_form")
    # Only the hidden management form and row ids that every inline renders.
    assert sorted(name for name in data if name.startswith("criteria-0-")) == [
        "criteria-0-id",
        "criteria-0-rubric",
    ]
    assert "scale_max" not in data
    assert "must_have_share" not in data
    assertNotContains(response, 'name="_save"')
    assertNotContains(response, 'name="_continue"')


def test_published_rubric_change_post_is_forbidden_and_changes_nothing(recruiter_client):
    rubric = rubric_with_criteria(state=Rubric.State.PUBLISHED)
    before = criteria_state(rubric)
    data = form_data(recruiter_client.get(change_url(rubric)), "rubric_form")
    data.update(
        {
            "scale_max": "5",
            "must_have_share": "50",
            "criteria-0-title": "Changed",
            "criteria-0-weight": "1.00",
            "_save": "Save",
        }
    )

    response = recruiter_client.post(change_url(rubric), data)

    assert response.status_code == 403
    rubric.refresh_from_db()
    assert (rubric.scale_max, rubric.must_have_share, rubric.state) == (
        4,
        D("75.00"),
        Rubric.State.PUBLISHED,
    )
    assert criteria_state(rubric) == before


def test_published_rubric_change_page_says_why_it_is_read_only(recruiter_client):
    rubric = rubric_with_criteria(state=Rubric.State.PUBLISHED)

    response = recruiter_client.get(change_url(rubric))

    assert readonly_value(response, "publish_check") == ("Published: read-only. Clone it to edit.")


# --- Rubrics: the weights readouts ------------------------------------------


def test_weights_total_flags_a_sum_off_by_a_cent(recruiter_client):
    rubric = rubric_with_criteria(weights=((D("37.50"), D("37.49")), (D("25.00"),)))

    response = recruiter_client.get(change_url(rubric))

    assert readonly_value(response, "weights_total") == (
        '<strong class="weights-off" style="color:#ba2121">99.99 (must be 100.00)</strong>'
    )


def test_ready_to_publish_lists_the_problems(recruiter_client):
    rubric = rubric_with_criteria(weights=((D("37.50"), D("37.49")), (D("25.00"),)))

    response = recruiter_client.get(change_url(rubric))

    assert readonly_value(response, "publish_check") == (
        "<ul><li>The weights add up to 99.99; they must add up to 100.00.</li></ul>"
    )


def test_weights_total_of_a_rubric_without_criteria_is_zero(recruiter_client):
    response = recruiter_client.get(change_url(RubricFactory()))

    assert readonly_value(response, "weights_total") == (
        '<strong class="weights-off" style="color:#ba2121">0.00 (must be 100.00)</strong>'
    )


def test_weights_total_and_ready_to_publish_of_a_valid_draft(recruiter_client):
    response = recruiter_client.get(change_url(rubric_with_criteria()))

    assert readonly_value(response, "weights_total") == '<span class="weights-ok">100.00</span>'
    assert readonly_value(response, "publish_check") == "Yes."
