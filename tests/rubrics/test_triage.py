"""Triage of a generated draft: one service call per click (make a criterion a must-have, a
bonus or a screening question, drop it, add one from a span of the posting), the weights reset
to the default split each time, and the warnings that follow the criteria as they change."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.models import AuditEvent
from rubrics import selectors, services
from rubrics.errors import RubricNotEditable
from rubrics.models import Criterion, Rubric
from tests.factories import JobPostingFactory

pytestmark = pytest.mark.django_db

POSTING = """Night Shift Baker

What you will do
- Prepare laminated doughs for the morning counter.

What we need
- Two years of experience in a commercial bakery.
- A food hygiene certificate (Level 2).
- Able to work nights, Sunday to Thursday.

Nice to have
- Experience with sourdough starters is a plus.

Candidates must be comfortable lifting 20 kg sacks of flour.
"""


@pytest.fixture
def draft(recruiter):
    posting = JobPostingFactory(raw_text=POSTING)
    return services.rubric_generate(posting=posting, actor=recruiter)


def weights(rubric) -> dict[str, Decimal]:
    return dict(rubric.criteria.values_list("title", "weight"))


def total(rubric) -> Decimal:
    return sum(rubric.criteria.values_list("weight", flat=True), Decimal(0))


def first(rubric, kind) -> Criterion:
    return rubric.criteria.filter(kind=kind).order_by("order").first()


def test_making_a_must_have_a_bonus_drops_its_knockout_and_resets_the_weights(draft, recruiter):
    criterion = first(draft, Criterion.Kind.MUST_HAVE)

    services.criterion_set_kind(criterion=criterion, kind="bonus", actor=recruiter)

    criterion.refresh_from_db()
    assert (criterion.kind, criterion.knockout_level) == ("bonus", None)
    assert total(draft) == Decimal("100.00")
    lightest_must = min(draft.criteria.filter(kind="must_have").values_list("weight", flat=True))
    heaviest_bonus = max(draft.criteria.filter(kind="bonus").values_list("weight", flat=True))
    assert heaviest_bonus * 2 <= lightest_must
    entry = AuditEvent.objects.filter(object_id=str(draft.pk)).latest("created_at", "id")
    assert entry.summary == f"“{criterion.title}”: Must-have → Bonus; weights reset."
    key = f"{criterion.title} [#{criterion.pk}]"
    assert entry.changes["criteria"]["changed"][key]["kind"] == ["must_have", "bonus"]


def test_making_a_bonus_a_must_have_gives_it_the_default_knockout_level(draft, recruiter):
    criterion = first(draft, Criterion.Kind.BONUS)

    services.criterion_set_kind(criterion=criterion, kind="must_have", actor=recruiter)

    criterion.refresh_from_db()
    assert (criterion.kind, criterion.knockout_level) == ("must_have", 2)
    assert total(draft) == Decimal("100.00")


def test_a_criterion_made_a_screening_question_weighs_nothing(draft, recruiter):
    criterion = first(draft, Criterion.Kind.MUST_HAVE)

    services.criterion_set_kind(criterion=criterion, kind="screening", actor=recruiter)

    criterion.refresh_from_db()
    assert (criterion.kind, criterion.weight, criterion.knockout_level) == (
        "screening",
        Decimal("0.00"),
        None,
    )
    assert total(draft) == Decimal("100.00")


def test_a_screening_question_made_a_must_have_gets_anchors_for_every_level(draft, recruiter):
    question = first(draft, Criterion.Kind.SCREENING)
    assert question is not None, "the night-shift line should have become a screening question"

    services.criterion_set_kind(criterion=question, kind="must_have", actor=recruiter)

    question.refresh_from_db()
    assert len(question.anchors) == 4
    assert question.weight > 0
    assert services.rubric_publish_problems(draft) == []


def test_an_unknown_kind_is_a_field_error(draft, recruiter):
    with pytest.raises(ValidationError) as error:
        services.criterion_set_kind(
            criterion=first(draft, "must_have"), kind="maybe", actor=recruiter
        )
    assert list(error.value.message_dict) == ["kind"]


def test_dropping_a_criterion_resets_the_weights(draft, recruiter):
    criterion = first(draft, Criterion.Kind.MUST_HAVE)
    count = draft.criteria.count()

    services.criterion_drop(criterion=criterion, actor=recruiter)

    assert draft.criteria.count() == count - 1
    assert not Criterion.objects.filter(pk=criterion.pk).exists()
    assert total(draft) == Decimal("100.00")


def test_adding_from_a_span_trims_the_bullet_and_titles_the_item(draft, recruiter):
    line = "- Experience with sourdough starters is a plus."
    start = POSTING.index(line)

    criterion = services.criterion_add_from_posting(
        rubric=draft, start=start, end=start + len(line), kind="bonus", actor=recruiter
    )

    assert criterion.source_start == start + 2  # after "- "
    assert POSTING[criterion.source_start : criterion.source_end] == line[2:]
    assert criterion.kind == "bonus"
    assert criterion.title
    assert not criterion.title.endswith((" with", " is", " a"))
    assert total(draft) == Decimal("100.00")


def test_adding_uncovered_prose_clears_its_warning(draft, recruiter):
    sentence = "Candidates must be comfortable lifting 20 kg sacks of flour."
    start = POSTING.index(sentence)
    for criterion in draft.criteria.filter(source_end__gt=start, source_start__lt=start + 10):
        services.criterion_drop(criterion=criterion, actor=recruiter)
    Rubric.objects.filter(pk=draft.pk).update(
        generation_notes=[
            {
                "code": "uncovered_requirement",
                "message": "Requirement-like prose that no criterion covers.",
                "span": [start, start + len(sentence)],
            }
        ]
    )
    draft.refresh_from_db()
    assert "uncovered_requirement" in [w["code"] for w in selectors.rubric_warnings(draft)]

    services.criterion_add_from_posting(
        rubric=draft, start=start, end=start + len(sentence), actor=recruiter
    )

    assert "uncovered_requirement" not in [w["code"] for w in selectors.rubric_warnings(draft)]


@pytest.mark.parametrize(
    ("start", "end"), [(-1, 5), (5, 5), (10, 4), (0, len(POSTING) + 1), ("0", 3)]
)
def test_a_span_outside_the_posting_is_a_field_error(draft, recruiter, start, end):
    before = draft.criteria.count()

    with pytest.raises(ValidationError) as error:
        services.criterion_add_from_posting(rubric=draft, start=start, end=end, actor=recruiter)

    assert list(error.value.message_dict) == ["span"]
    assert draft.criteria.count() == before


def test_a_span_without_words_is_a_field_error(draft, recruiter):
    start = POSTING.index("\n\n")

    with pytest.raises(ValidationError) as error:
        services.criterion_add_from_posting(
            rubric=draft, start=start, end=start + 2, actor=recruiter
        )

    assert error.value.message_dict == {
        "span": ["The selected text has no words to make a criterion of."]
    }


@pytest.mark.parametrize("state", [Rubric.State.PUBLISHED, Rubric.State.RETIRED])
def test_triage_refuses_a_rubric_that_is_not_a_draft(draft, recruiter, state):
    services.rubric_publish(rubric=draft, actor=recruiter)
    if state == Rubric.State.RETIRED:
        services.rubric_retire(rubric=draft, actor=recruiter)
    criterion = first(draft, Criterion.Kind.MUST_HAVE)

    with pytest.raises(RubricNotEditable):
        services.criterion_set_kind(criterion=criterion, kind="bonus", actor=recruiter)
    with pytest.raises(RubricNotEditable):
        services.criterion_drop(criterion=criterion, actor=recruiter)
    with pytest.raises(RubricNotEditable):
        services.criterion_add_from_posting(rubric=draft, start=0, end=17, actor=recruiter)
    criterion.refresh_from_db()
    assert criterion.kind == "must_have"


# --- warnings that follow the criteria ------------------------------------------------------


def test_no_must_have_is_warned_once_every_must_have_is_a_bonus(draft, recruiter):
    assert "no_must_have" not in [w["code"] for w in selectors.rubric_warnings(draft)]
    for criterion in draft.criteria.filter(kind="must_have"):
        services.criterion_set_kind(criterion=criterion, kind="bonus", actor=recruiter)

    codes = [w["code"] for w in selectors.rubric_warnings(draft)]

    assert "no_must_have" in codes


def test_a_note_about_a_dropped_criterion_is_no_longer_shown(draft, recruiter):
    criterion = first(draft, Criterion.Kind.MUST_HAVE)
    Rubric.objects.filter(pk=draft.pk).update(
        generation_notes=[
            {"code": "low_confidence", "message": "Check this one.", "criterion": criterion.pk}
        ]
    )
    draft.refresh_from_db()
    shown = [w for w in selectors.rubric_warnings(draft) if w["code"] == "low_confidence"]
    assert shown == [
        {
            "code": "low_confidence",
            "message": "Check this one.",
            "criterion": criterion.pk,
            "criterion_title": criterion.title,
        }
    ]

    services.criterion_drop(criterion=criterion, actor=recruiter)

    assert "low_confidence" not in [w["code"] for w in selectors.rubric_warnings(draft)]


# --- over the API ----------------------------------------------------------------------------


def test_the_api_adds_a_criterion_from_the_posting(api_client, draft, recruiter):
    api_client.force_login(recruiter)
    line = "A food hygiene certificate (Level 2)."
    start = POSTING.index(line)

    response = api_client.post(
        f"/api/v1/rubrics/{draft.pk}/criteria-from-posting/",
        {"start": start, "end": start + len(line), "kind": "must_have"},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["source_span"] == [start, start + len(line)]
    assert body["type"] == "licence"
    detail = api_client.get(f"/api/v1/rubrics/{draft.pk}/").json()
    assert sum(Decimal(c["weight"]) for c in detail["criteria"]) == Decimal("100.00")
    assert isinstance(detail["warnings"], list)


def test_the_api_answers_400_for_a_span_outside_the_posting(api_client, draft, recruiter):
    api_client.force_login(recruiter)

    response = api_client.post(
        f"/api/v1/rubrics/{draft.pk}/criteria-from-posting/",
        {"start": 5, "end": 10_000_000},
        format="json",
    )

    assert response.status_code == 400
    assert "span" in response.json()


def test_the_api_answers_409_on_a_published_rubric(api_client, draft, recruiter):
    services.rubric_publish(rubric=draft, actor=recruiter)
    api_client.force_login(recruiter)

    response = api_client.post(
        f"/api/v1/rubrics/{draft.pk}/criteria-from-posting/",
        {"start": 0, "end": 17},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "rubric_not_editable"
