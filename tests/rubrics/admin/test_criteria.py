"""Editing a draft rubric's criteria through the criteria inline
(rubrics/admin/criteria.py). Forms are posted back from the HTML the admin rendered,
as a browser would."""

from decimal import Decimal

import pytest
from pytest_django.asserts import assertContains

from rubrics.models import Criterion
from tests.factories import CriterionFactory, RubricFactory, rubric_with_criteria
from tests.rubrics.admin.support import criteria_state
from tests.support import change_url, form_data

pytestmark = pytest.mark.django_db
D = Decimal


# --- Rubrics: editing a draft through the criteria inline -------------------


def test_inline_edit_of_a_criterion_is_saved(recruiter_client):
    rubric = rubric_with_criteria()
    data = form_data(recruiter_client.get(change_url(rubric)), "rubric_form")
    criterion = Criterion.objects.get(pk=data["criteria-0-id"])
    data.update(
        {
            "criteria-0-title": "Forklift licence",
            "criteria-0-knockout_level": "3",
            "criteria-0-keywords": "counterbalance, reach truck,  ",
            "criteria-0-anchors": "No licence\nExpired licence\nValid licence\nInstructor",
            "_save": "Save",
        }
    )

    response = recruiter_client.post(change_url(rubric), data)

    assert response.status_code == 302
    criterion.refresh_from_db()
    assert (criterion.title, criterion.knockout_level, criterion.keywords, criterion.anchors) == (
        "Forklift licence",
        3,
        ["counterbalance", "reach truck"],
        ["No licence", "Expired licence", "Valid licence", "Instructor"],
    )


def test_inline_knockout_level_off_the_scale_is_a_field_error(recruiter_client):
    rubric = rubric_with_criteria()
    before = criteria_state(rubric)
    data = form_data(recruiter_client.get(change_url(rubric)), "rubric_form")
    data.update({"criteria-0-title": "Renamed", "criteria-0-knockout_level": "9", "_save": "Save"})

    response = recruiter_client.post(change_url(rubric), data)

    assert response.status_code == 200
    [inline] = response.context["inline_admin_formsets"]
    assert inline.formset.errors[0] == {"knockout_level": ["Choose a level between 1 and 4."]}
    assertContains(response, "Choose a level between 1 and 4.")
    assert criteria_state(rubric) == before


def test_changing_the_scale_on_the_change_page_regenerates_the_anchors(recruiter_client):
    rubric = rubric_with_criteria()
    data = form_data(recruiter_client.get(change_url(rubric)), "rubric_form")
    data.update(scale_max="5", _save="Save")

    response = recruiter_client.post(change_url(rubric), data)

    assert response.status_code == 302
    rubric.refresh_from_db()
    assert rubric.scale_max == 5
    assert [len(anchors) for *_, anchors in criteria_state(rubric)] == [5, 5, 5]


def test_narrowing_the_scale_on_the_change_page_clamps_knockout_levels(recruiter_client):
    rubric = RubricFactory(scale_max=5)
    criterion = CriterionFactory(rubric=rubric, knockout_level=5, weight=D("100.00"))
    data = form_data(recruiter_client.get(change_url(rubric)), "rubric_form")
    data.update(scale_max="4", _save="Save")

    response = recruiter_client.post(change_url(rubric), data)

    assert response.status_code == 302
    criterion.refresh_from_db()
    assert (criterion.knockout_level, len(criterion.anchors)) == (4, 4)
