"""Recording a candidate's self-identified answers: one transaction, one audit event that
says the answers were recorded but never what they are."""

from django.core.exceptions import ValidationError
from django.db import transaction

from core import audit
from reports.impact.categories import categories
from reports.models import CandidateDemographics
from screening.models import Candidate

PERMISSION_VIEW = "reports.view_demographics"
PERMISSION_RECORD = "reports.record_demographics"


def clean_answers(answers) -> dict[str, str]:
    """The answers with empty ones dropped; a ValidationError naming each unknown category
    or answer."""
    if not isinstance(answers, dict):
        raise ValidationError({"answers": "Give the answers as {category: answer}."})
    known = categories()
    errors = {}
    cleaned = {}
    for category, answer in answers.items():
        if category not in known:
            errors[category] = f"“{category}” is not a category: choose {', '.join(known)}."
        elif answer in (None, ""):
            continue
        elif answer not in known[category]:
            errors[category] = f"“{answer}” is not an answer: choose {', '.join(known[category])}."
        else:
            cleaned[category] = answer
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def demographics_record(*, candidate: Candidate, answers: dict, actor) -> CandidateDemographics:
    """Store the candidate's answers (replacing any earlier ones). The audit event records
    that they changed, not their values."""
    cleaned = clean_answers(answers)
    record, created = CandidateDemographics.objects.select_for_update().get_or_create(
        candidate=candidate, defaults={"answers": cleaned}
    )
    if not created:
        if record.answers == cleaned:
            return record
        record.answers = cleaned
        record.save(update_fields=["answers", "updated_at"])
    audit.record(
        actor=actor,
        event="demographics.recorded",
        obj=record,
        summary="Self-identified answers recorded."
        if created
        else "Self-identified answers changed.",
        changes={"answers": "edited"},
    )
    return record


@transaction.atomic
def demographics_delete(*, record: CandidateDemographics, actor) -> None:
    """Remove a candidate's answers (they withdrew them)."""
    audit.record(
        actor=actor,
        event="demographics.deleted",
        obj=record,
        summary="Self-identified answers removed.",
        changes={"answers": "removed"},
    )
    record.delete()
