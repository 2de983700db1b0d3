from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.errors import Conflict
from core.models import AuditEvent
from rubrics import services
from rubrics.errors import RubricNotEditable
from rubrics.models import Criterion, Rubric
from tests.factories import CriterionFactory, JobPostingFactory, RubricFactory, rubric_with_criteria

pytestmark = pytest.mark.django_db
D = Decimal


def test_generate_makes_a_draft_with_one_criterion_per_item(recruiter):
    posting = JobPostingFactory()
    rubric = services.rubric_generate(posting=posting, actor=recruiter)

    criteria = list(rubric.criteria.order_by("order"))
    assert rubric.state == Rubric.State.DRAFT
    assert rubric.version == 1
    assert [(c.kind, c.title) for c in criteria] == [
        ("must_have", "Certification"),
        ("must_have", "Experience"),
        ("bonus", "Experience with vendor service software"),
        ("screening", "Driving"),  # a driving licence and travel: a yes/no gate
    ]
    # The bonus weighs half a must-have; the screening question weighs nothing.
    assert [c.weight for c in criteria] == [D("40.00"), D("40.00"), D("20.00"), D("0.00")]
    assert [c.knockout_level for c in criteria] == [2, 2, None, None]
    assert [c.type for c in criteria] == ["education", "years", "experience", "eligibility"]


def test_generated_criteria_carry_keywords_anchors_and_source_span(recruiter):
    posting = JobPostingFactory()
    rubric = services.rubric_generate(posting=posting, actor=recruiter)

    experience = rubric.criteria.get(title="Experience")
    assert experience.keywords == ["X-ray", "CT", "MRI"]
    assert len(experience.anchors) == 4
    assert "“Two years”" in experience.anchors[2]  # the posting's own number, quoted
    source = posting.raw_text[experience.source_start : experience.source_end]
    assert "Two years repairing electro-mechanical equipment" in source


def test_generate_on_a_five_point_scale_with_a_custom_share(recruiter):
    rubric = services.rubric_generate(
        posting=JobPostingFactory(), actor=recruiter, scale_max=5, must_have_share=D("60")
    )
    weights = {c.kind: c.weight for c in rubric.criteria.all()}
    # A 60 % share would let the bonus outweigh each must-have: it is capped at half of one.
    assert weights == {"must_have": D("40.00"), "bonus": D("20.00"), "screening": D("0.00")}
    assert all(len(c.anchors) == 5 for c in rubric.criteria.exclude(kind="screening"))


def test_generate_numbers_versions_per_posting(recruiter):
    posting = JobPostingFactory()
    first = services.rubric_generate(posting=posting, actor=recruiter)
    second = services.rubric_generate(posting=posting, actor=recruiter)
    assert (first.version, second.version) == (1, 2)


def test_generate_from_a_posting_without_requirements_is_a_field_error(recruiter):
    posting = JobPostingFactory(raw_text="We are a friendly team.\n\nBenefits\n- Free lunch.\n")
    with pytest.raises(ValidationError) as exc:
        services.rubric_generate(posting=posting, actor=recruiter)
    assert list(exc.value.message_dict) == ["raw_text"]
    assert Rubric.objects.count() == 0


def test_generate_rejects_an_unknown_scale(recruiter):
    with pytest.raises(ValidationError) as exc:
        services.rubric_generate(posting=JobPostingFactory(), actor=recruiter, scale_max=7)
    assert exc.value.message_dict == {"scale_max": ["A rating scale runs 1–4 or 1–5, not 1–7."]}


def test_generate_leaves_an_audit_record(recruiter):
    rubric = services.rubric_generate(posting=JobPostingFactory(), actor=recruiter)
    entry = AuditEvent.objects.get(object_id=str(rubric.pk), event="rubric.generated")
    assert entry.actor == recruiter
    assert entry.summary == (
        "Generated draft v1 from the posting (2 must-haves, 1 bonus, 1 screening question)."
    )


def test_publish_a_valid_draft(recruiter):
    rubric = rubric_with_criteria()
    published = services.rubric_publish(rubric=rubric, actor=recruiter)
    assert published.state == Rubric.State.PUBLISHED
    assert published.published_at is not None


def test_publish_retires_the_posting_previous_published_rubric(recruiter):
    old = rubric_with_criteria(state=Rubric.State.PUBLISHED)
    new = rubric_with_criteria(posting=old.posting)
    services.rubric_publish(rubric=new, actor=recruiter)
    old.refresh_from_db()
    assert old.state == Rubric.State.RETIRED
    assert old.retired_at is not None
    assert Rubric.objects.filter(posting=old.posting, state="published").get() == new


def test_publish_needs_a_must_have(recruiter):
    rubric = rubric_with_criteria(weights=((), (D("100.00"),)))
    with pytest.raises(ValidationError) as exc:
        services.rubric_publish(rubric=rubric, actor=recruiter)
    assert exc.value.messages == ["A rubric needs at least one must-have criterion."]


def test_publish_needs_weights_summing_to_one_hundred(recruiter):
    rubric = rubric_with_criteria(weights=((D("40.00"), D("40.00")), (D("19.99"),)))
    with pytest.raises(ValidationError) as exc:
        services.rubric_publish(rubric=rubric, actor=recruiter)
    assert exc.value.messages == ["The weights add up to 99.99; they must add up to 100.00."]
    rubric.refresh_from_db()
    assert rubric.state == Rubric.State.DRAFT


def test_publish_needs_anchor_text_for_every_level(recruiter):
    rubric = RubricFactory()
    CriterionFactory(
        rubric=rubric, title="Driving", weight=D("100"), anchors=["None", "Some", "", "Lots"]
    )
    with pytest.raises(ValidationError) as exc:
        services.rubric_publish(rubric=rubric, actor=recruiter)
    assert exc.value.messages == [
        "“Driving” needs anchor text for every level "
        "(Does not meet, Partially meets, Meets, Exceeds)."
    ]


def test_publish_twice_is_a_conflict(recruiter):
    rubric = rubric_with_criteria(state=Rubric.State.PUBLISHED)
    with pytest.raises(Conflict, match="Only a draft can be published; this rubric is published"):
        services.rubric_publish(rubric=rubric, actor=recruiter)


def test_retire_a_published_rubric(recruiter):
    rubric = rubric_with_criteria(state=Rubric.State.PUBLISHED)
    assert services.rubric_retire(rubric=rubric, actor=recruiter).state == Rubric.State.RETIRED


def test_retire_a_draft_is_a_conflict(recruiter):
    with pytest.raises(Conflict, match="Only a published rubric can be retired"):
        services.rubric_retire(rubric=rubric_with_criteria(), actor=recruiter)


def test_clone_copies_criteria_to_a_new_draft_version(recruiter):
    rubric = rubric_with_criteria(state=Rubric.State.PUBLISHED)
    clone = services.rubric_clone(rubric=rubric, actor=recruiter)

    assert (clone.state, clone.version, clone.cloned_from) == ("draft", rubric.version + 1, rubric)
    fields = ["kind", "title", "description", "weight", "knockout_level", "keywords", "anchors"]
    assert list(clone.criteria.values_list(*fields)) == list(rubric.criteria.values_list(*fields))
    assert rubric.criteria.count() == 3


def test_update_draft_criteria_replaces_the_list(recruiter):
    rubric = rubric_with_criteria()
    first = rubric.criteria.order_by("order").first()
    services.rubric_update(
        rubric=rubric,
        actor=recruiter,
        criteria=[
            {
                "id": first.pk,
                "kind": "must_have",
                "title": "Licence",
                "weight": D("70"),
                "knockout_level": 3,
            },
            {
                "kind": "bonus",
                "title": "Languages",
                "weight": D("30"),
                "keywords": ["Polish", "Urdu"],
            },
        ],
    )
    titles = list(rubric.criteria.order_by("order").values_list("title", "weight", "order"))
    assert titles == [("Licence", D("70.00"), 1), ("Languages", D("30.00"), 2)]
    assert len(rubric.criteria.get(title="Languages").anchors) == 4


def test_update_with_a_bad_criterion_names_the_field_and_writes_nothing(recruiter):
    rubric = rubric_with_criteria()
    before = list(rubric.criteria.values_list("title", "weight"))
    with pytest.raises(ValidationError) as exc:
        services.rubric_update(
            rubric=rubric,
            actor=recruiter,
            criteria=[
                {"kind": "must_have", "title": "Licence", "weight": D("50"), "knockout_level": 2},
                {"kind": "must_have", "title": "Travel", "weight": D("50"), "knockout_level": 9},
            ],
        )
    assert exc.value.message_dict == {
        "criteria[1].knockout_level": ["Choose a level between 1 and 4."]
    }
    assert list(rubric.criteria.values_list("title", "weight")) == before


def test_update_share_resets_weights(recruiter):
    rubric = services.rubric_generate(posting=JobPostingFactory(), actor=recruiter)
    services.rubric_update(rubric=rubric, actor=recruiter, must_have_share=D("90"))
    assert list(rubric.criteria.order_by("order").values_list("weight", flat=True)) == [
        D("45.00"),
        D("45.00"),
        D("10.00"),
        D("0.00"),
    ]


def test_update_scale_regenerates_anchors(recruiter):
    rubric = rubric_with_criteria()
    services.rubric_update(rubric=rubric, actor=recruiter, scale_max=5)
    assert {len(c.anchors) for c in rubric.criteria.all()} == {5}


@pytest.mark.parametrize("state", [Rubric.State.PUBLISHED, Rubric.State.RETIRED])
def test_update_of_a_non_draft_is_refused(recruiter, state):
    rubric = rubric_with_criteria(state=state)
    with pytest.raises(RubricNotEditable):
        services.rubric_update(rubric=rubric, actor=recruiter, scale_max=5)
    rubric.refresh_from_db()
    assert rubric.scale_max == 4


def test_delete_of_a_published_rubric_is_refused(recruiter):
    rubric = rubric_with_criteria(state=Rubric.State.PUBLISHED)
    with pytest.raises(RubricNotEditable):
        services.rubric_delete(rubric=rubric, actor=recruiter)
    assert Rubric.objects.filter(pk=rubric.pk).exists()


def test_delete_a_draft(recruiter):
    rubric = rubric_with_criteria()
    services.rubric_delete(rubric=rubric, actor=recruiter)
    assert not Rubric.objects.filter(pk=rubric.pk).exists()
    assert Criterion.objects.count() == 0
