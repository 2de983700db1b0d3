"""A published rubric cannot change by any path: model save, bulk queryset
writes, or SQL straight to the database (triggers). The admin and API paths
are tested with their pages and endpoints."""

import importlib
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from rubrics import services
from rubrics.errors import IMMUTABLE, RubricNotEditable, trigger_as_not_editable
from rubrics.models import Criterion, Rubric
from tests.factories import CriterionFactory, RecruiterFactory, rubric_with_criteria

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[Rubric.State.PUBLISHED, Rubric.State.RETIRED])
def locked_rubric(request):
    return rubric_with_criteria(state=request.param)


def test_saving_a_criterion_of_a_locked_rubric_is_refused(locked_rubric):
    criterion = locked_rubric.criteria.first()
    criterion.weight = Decimal("1")
    with pytest.raises(RubricNotEditable):
        criterion.save()


def test_adding_a_criterion_to_a_locked_rubric_is_refused(locked_rubric):
    with pytest.raises(RubricNotEditable):
        CriterionFactory(rubric=locked_rubric)


def test_deleting_a_criterion_of_a_locked_rubric_is_refused(locked_rubric):
    with pytest.raises(RubricNotEditable):
        locked_rubric.criteria.first().delete()


def test_bulk_update_of_locked_criteria_is_refused(locked_rubric):
    with pytest.raises(RubricNotEditable):
        Criterion.objects.filter(rubric=locked_rubric).update(weight=Decimal("0"))
    assert sorted(locked_rubric.criteria.values_list("weight", flat=True)) == [
        Decimal("25.00"),
        Decimal("37.50"),
        Decimal("37.50"),
    ]


def test_bulk_delete_of_locked_criteria_is_refused(locked_rubric):
    with pytest.raises(RubricNotEditable):
        Criterion.objects.filter(rubric=locked_rubric).delete()
    assert locked_rubric.criteria.count() == 3


def test_bulk_update_of_draft_criteria_is_allowed():
    rubric = rubric_with_criteria()
    assert Criterion.objects.filter(rubric=rubric).update(weight=Decimal("10")) == 3


def _raw(sql, params):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_database_refuses_sql_updates_to_locked_criteria(locked_rubric):
    with pytest.raises(IntegrityError, match="immutable"):
        _raw("UPDATE rubrics_criterion SET weight = 0 WHERE rubric_id = %s", [locked_rubric.pk])


def test_database_refuses_sql_inserts_into_locked_rubrics(locked_rubric):
    with pytest.raises(IntegrityError, match="immutable"):
        _raw(
            "INSERT INTO rubrics_criterion (rubric_id, kind, title, description, weight, "
            '"order", knockout_level, keywords, anchors) '
            "VALUES (%s, 'bonus', 'x', '', 0, 9, NULL, '[]', '[]')",
            [locked_rubric.pk],
        )


def test_database_refuses_sql_deletes_of_locked_criteria(locked_rubric):
    with pytest.raises(IntegrityError, match="immutable"):
        _raw("DELETE FROM rubrics_criterion WHERE rubric_id = %s", [locked_rubric.pk])


def test_database_refuses_changing_a_locked_rubric_scale(locked_rubric):
    with pytest.raises(IntegrityError, match="immutable"):
        _raw("UPDATE rubrics_rubric SET scale_max = 5 WHERE id = %s", [locked_rubric.pk])


def test_database_refuses_unpublishing(locked_rubric):
    with pytest.raises(IntegrityError, match="immutable"):
        _raw("UPDATE rubrics_rubric SET state = 'draft' WHERE id = %s", [locked_rubric.pk])


def test_database_allows_retiring_a_published_rubric():
    rubric = rubric_with_criteria(state=Rubric.State.PUBLISHED)
    Rubric.objects.filter(pk=rubric.pk).update(state=Rubric.State.RETIRED)
    rubric.refresh_from_db()
    assert rubric.state == Rubric.State.RETIRED


def test_database_allows_one_published_rubric_per_posting():
    rubric = rubric_with_criteria(state=Rubric.State.PUBLISHED)
    other = rubric_with_criteria(posting=rubric.posting)
    with pytest.raises(IntegrityError), transaction.atomic():
        Rubric.objects.filter(pk=other.pk).update(state=Rubric.State.PUBLISHED)


def test_database_refuses_a_duplicate_version():
    rubric = rubric_with_criteria()
    with pytest.raises(IntegrityError), transaction.atomic():
        Rubric.objects.create(posting=rubric.posting, version=rubric.version)


def test_database_refuses_a_negative_weight():
    rubric = rubric_with_criteria()
    with pytest.raises(IntegrityError), transaction.atomic():
        Criterion.objects.filter(rubric=rubric).update(weight=Decimal("-1"))


def test_database_refuses_a_knockout_level_on_a_bonus():
    rubric = rubric_with_criteria()
    with pytest.raises(IntegrityError), transaction.atomic():
        Criterion.objects.filter(rubric=rubric, kind="bonus").update(knockout_level=2)


# --- The trigger's refusal, named: RubricNotEditable, answered 409 ---------------


def test_the_triggers_say_what_the_service_listens_for():
    migration = importlib.import_module("rubrics.migrations.0003_immutability_triggers")

    assert migration.LOCKED == IMMUTABLE


@pytest.fixture
def stale_lock(monkeypatch):
    """A service that trusts a stale copy of the rubric (a bug, or a race the lock
    missed), so only the database's trigger stands in the way."""

    def stale(rubric):
        return rubric

    monkeypatch.setattr(services, "_lock_rubric", stale)


def published_behind_its_back() -> Rubric:
    """A draft in memory that the database already holds as published."""
    rubric = rubric_with_criteria()
    Rubric.objects.filter(pk=rubric.pk).update(state=Rubric.State.PUBLISHED)
    return rubric


def test_the_trigger_refusing_a_service_is_rubric_not_editable(stale_lock):
    rubric = published_behind_its_back()

    with pytest.raises(RubricNotEditable) as refused:
        services.rubric_update(rubric=rubric, actor=None, scale_max=5)

    assert isinstance(refused.value.__cause__, IntegrityError)
    assert Rubric.objects.get(pk=rubric.pk).scale_max == 4


def test_the_api_answers_the_trigger_with_409(api_client, stale_lock):
    rubric = published_behind_its_back()
    api_client.force_login(RecruiterFactory())

    response = api_client.patch(f"/api/v1/rubrics/{rubric.pk}/", {"scale_max": 5}, format="json")

    assert (response.status_code, response.json()) == (
        409,
        {
            "detail": "This rubric is no longer a draft, so it cannot be changed. "
            "Clone it to a new draft version to edit it.",
            "code": "rubric_not_editable",
        },
    )
    assert Rubric.objects.get(pk=rubric.pk).scale_max == 4


def test_another_integrity_error_is_not_taken_for_the_trigger():
    with pytest.raises(IntegrityError, match="rubric_version_unique"), trigger_as_not_editable():
        raise IntegrityError("UNIQUE constraint failed: rubric_version_unique")
