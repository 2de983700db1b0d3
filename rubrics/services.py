"""State changes for postings and rubrics: one transaction each, every rule
checked here so that the admin, the API and commands share them, and every
change recorded as an AuditEvent (who, when, what changed: old → new)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core import audit
from core.errors import Conflict
from rubrics.anchors import default_anchors, default_knockout_level, level_labels
from rubrics.criterion_types import classify
from rubrics.drafting import draft_rubric
from rubrics.errors import RubricNotEditable, trigger_as_not_editable
from rubrics.models import Criterion, JobPosting, Rubric
from rubrics.parsing import PostingParseError, parse_posting
from rubrics.selection import item_from_selection
from rubrics.weighting import DEFAULT_MUST_HAVE_SHARE, HUNDRED, default_weights

# Warnings that depend on the criteria as they are now; the others are kept from generation.
LIVE_WARNING_CODES = frozenset({"no_must_have", "too_many_criteria"})

POSTING_FIELDS = (
    "title",
    "team",
    "location",
    "raw_text",
    "source_url",
    "status",
    "anonymised_review",
)
CRITERION_FIELDS = (
    "kind",
    "type",
    "title",
    "description",
    "weight",
    "order",
    "knockout_level",
    "keywords",
    "anchors",
)


def _criteria_state(rubric: Rubric) -> dict[str, dict]:
    """What an audit record keeps of a rubric's criteria: {"Title [#id]": {field: value}}."""
    return {
        f"{c.title} [#{c.pk}]": {
            "kind": c.kind,
            "type": c.type,
            "title": c.title,
            "description": c.description,
            "weight": str(c.weight),
            "knockout_level": c.knockout_level,
            "keywords": list(c.keywords),
            "anchors": list(c.anchors),
        }
        for c in rubric.criteria.order_by("order", "id")
    }


def _criteria_changes(before: dict[str, dict], after: dict[str, dict]) -> dict:
    """Criteria added and removed, and per kept criterion each field as [old, new]."""
    changes: dict = {}
    added = [key for key in after if key not in before]
    removed = [key for key in before if key not in after]
    changed = {
        key: audit.diff(before[key], after[key])
        for key in after
        if key in before and before[key] != after[key]
    }
    if added:
        changes["added"] = {key: after[key] for key in added}
    if removed:
        changes["removed"] = removed
    if changed:
        changes["changed"] = changed
    return changes


def _posting_state(posting: JobPosting) -> dict:
    # The posting text can run to 200 KB: the record keeps its size, not its words.
    state = {field: getattr(posting, field) for field in POSTING_FIELDS if field != "raw_text"}
    state["raw_text"] = f"{len(posting.raw_text)} characters"
    return state


# --- Postings ---------------------------------------------------------------


def _stamp_closed(posting: JobPosting) -> None:
    """Retention counts from when a posting closed: stamped as it closes, cleared when it
    opens again."""
    closed = posting.status == JobPosting.Status.CLOSED
    posting.closed_at = (posting.closed_at or timezone.now()) if closed else None


@transaction.atomic
def posting_create(
    *,
    actor,
    title: str,
    raw_text: str,
    team: str = "",
    location: str = "",
    source_url: str = "",
    status: str = JobPosting.Status.DRAFT,
    anonymised_review: bool = False,
) -> JobPosting:
    posting = JobPosting(
        title=title,
        team=team,
        location=location,
        raw_text=raw_text,
        source_url=source_url,
        status=status,
        anonymised_review=anonymised_review,
        created_by=actor,
    )
    _stamp_closed(posting)
    posting.full_clean()
    posting.save()
    audit.record(
        actor=actor,
        event="posting.created",
        obj=posting,
        summary="Created the posting.",
        changes=audit.diff({}, _posting_state(posting)),
    )
    return posting


@transaction.atomic
def posting_update(*, posting: JobPosting, actor, **changes) -> JobPosting:
    unknown = set(changes) - set(POSTING_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be changed."))
    posting = JobPosting.objects.select_for_update().get(pk=posting.pk)
    before = _posting_state(posting)
    changed = {k: v for k, v in changes.items() if getattr(posting, k) != v}
    for field, value in changed.items():
        setattr(posting, field, value)
    if "status" in changed:
        _stamp_closed(posting)
    if changed:
        posting.full_clean()
        posting.save()
        audit.record(
            actor=actor,
            event="posting.changed",
            obj=posting,
            summary=f"Changed {', '.join(sorted(changed))}.",
            changes=audit.diff(before, _posting_state(posting), sorted(changed)),
        )
    return posting


# --- Rubrics ----------------------------------------------------------------


def _next_version(posting: JobPosting) -> int:
    # The posting row is locked by the caller, so two generations or clones
    # for one posting cannot pick the same number.
    current = posting.rubrics.aggregate(v=Max("version"))["v"]
    return (current or 0) + 1


def _lock_posting(posting_id: int) -> JobPosting:
    return JobPosting.objects.select_for_update().get(pk=posting_id)


def _lock_rubric(rubric: Rubric) -> Rubric:
    return Rubric.objects.select_for_update().select_related("posting").get(pk=rubric.pk)


def _validate_scale(scale_max: int) -> None:
    if scale_max not in Rubric.Scale.values:
        raise ValidationError({"scale_max": f"A rating scale runs 1–4 or 1–5, not 1–{scale_max}."})


def _validate_share(share) -> Decimal:
    try:
        share = Decimal(str(share))
    except ArithmeticError:
        raise ValidationError({"must_have_share": "Enter a number between 0 and 100."}) from None
    if not (0 <= share <= HUNDRED):
        raise ValidationError({"must_have_share": "Enter a number between 0 and 100."})
    return share


@transaction.atomic
def rubric_generate(
    *,
    posting: JobPosting,
    actor,
    scale_max: int = Rubric.Scale.FOUR_POINT,
    must_have_share=DEFAULT_MUST_HAVE_SHARE,
) -> Rubric:
    """Parse the posting and create a draft rubric from it (rubrics/drafting.py): one
    criterion per must-have and per bonus with its type, weight, knockout level, typed
    anchors, keywords and source span; eligibility items as screening questions; and what
    the drafting noticed kept as the rubric's generation notes, shown as warnings."""
    _validate_scale(scale_max)
    share = _validate_share(must_have_share)
    posting = _lock_posting(posting.pk)
    try:
        parsed = parse_posting(posting.raw_text)
    except PostingParseError as exc:
        raise ValidationError({"raw_text": str(exc)}) from None
    draft = draft_rubric(parsed, scale_max=scale_max, must_have_share=share)

    rubric = Rubric.objects.create(
        posting=posting,
        version=_next_version(posting),
        scale_max=scale_max,
        must_have_share=share,
        created_by=actor,
    )
    rows = [
        Criterion(
            rubric=rubric,
            kind=item.kind,
            type=item.type,
            title=item.title[:200],
            description=item.text,
            weight=item.weight,
            knockout_level=item.knockout_level,
            keywords=list(item.keywords),
            anchors=list(item.anchors),
            source_start=item.span[0] if item.span else None,
            source_end=item.span[1] if item.span else None,
        )
        for item in draft.criteria
    ]
    rows += [
        Criterion(
            rubric=rubric,
            kind=Criterion.Kind.SCREENING,
            type=question.type,
            title=question.title[:200],
            description=question.text,
            weight=Decimal(0),
            knockout_level=None,
            source_start=question.span[0] if question.span else None,
            source_end=question.span[1] if question.span else None,
        )
        for question in draft.screening_questions
    ]
    for order, row in enumerate(rows, start=1):
        row.order = order
    # bulk_create sets the primary keys (RETURNING on PostgreSQL and SQLite), which the
    # notes below refer to.
    Criterion.objects.bulk_create(rows)
    rubric.generation_notes = [
        _note(warning, rows) for warning in draft.warnings if warning.code not in LIVE_WARNING_CODES
    ]
    rubric.save(update_fields=["generation_notes"])
    audit.record(
        actor=actor,
        event="rubric.generated",
        obj=rubric,
        changes={"criteria": _criteria_changes({}, _criteria_state(rubric))},
        summary=f"Generated draft v{rubric.version} from the posting "
        f"({_count(rows, Criterion.Kind.MUST_HAVE, 'must-have', 'must-haves')}, "
        f"{_count(rows, Criterion.Kind.BONUS, 'bonus', 'bonuses')}, "
        f"{_count(rows, Criterion.Kind.SCREENING, 'screening question', 'screening questions')}).",
    )
    return rubric


def _count(rows: list[Criterion], kind: str, one: str, many: str) -> str:
    n = sum(row.kind == kind for row in rows)
    return f"{n} {one if n == 1 else many}"


def _note(warning, rows: list[Criterion]) -> dict:
    note = {"code": warning.code, "message": warning.message}
    if warning.criterion is not None:
        note["criterion"] = rows[warning.criterion].pk
    if warning.span is not None:
        note["span"] = list(warning.span)
    return note


# --- Triage: what a recruiter does to a fresh draft, one click each -----------


def _lock_draft_criterion(criterion: Criterion) -> tuple[Rubric, Criterion]:
    rubric = Rubric.objects.select_for_update().get(pk=criterion.rubric_id)
    if not rubric.is_draft:
        raise RubricNotEditable()
    return rubric, Criterion.objects.get(pk=criterion.pk)


def _set_kind_fields(criterion: Criterion, kind: str, scale_max: int) -> None:
    criterion.kind = kind
    if kind == Criterion.Kind.MUST_HAVE:
        criterion.knockout_level = criterion.knockout_level or default_knockout_level(scale_max)
    else:
        criterion.knockout_level = None
    if kind == Criterion.Kind.SCREENING:
        criterion.weight = Decimal(0)
    elif len(criterion.anchors) != scale_max:
        criterion.anchors = _anchors_for(criterion, scale_max)


def _anchors_for(criterion: Criterion, scale_max: int) -> list[str]:
    return list(
        default_anchors(
            title=criterion.title,
            text=criterion.description,
            keywords=criterion.keywords,
            scale_max=scale_max,
            type=criterion.type,
        )
    )


@trigger_as_not_editable()
@transaction.atomic
def criterion_set_kind(*, criterion: Criterion, kind: str, actor) -> Criterion:
    """Make a draft's criterion a must-have, a bonus or a screening question, and reset the
    weights to the default split (the counts they were split by have changed)."""
    if kind not in Criterion.Kind.values:
        raise ValidationError({"kind": f"Choose one of {', '.join(Criterion.Kind.values)}."})
    rubric, criterion = _lock_draft_criterion(criterion)
    old = criterion.get_kind_display()
    if criterion.kind == kind:
        return criterion
    before = _criteria_state(rubric)
    _set_kind_fields(criterion, kind, rubric.scale_max)
    criterion.save()
    _reweigh(rubric)
    audit.record(
        actor=actor,
        event="rubric.criterion_kind_changed",
        obj=rubric,
        summary=f"“{criterion.title}”: {old} → {criterion.get_kind_display()}; weights reset.",
        changes={"criteria": _criteria_changes(before, _criteria_state(rubric))},
    )
    return criterion


@trigger_as_not_editable()
@transaction.atomic
def criterion_drop(*, criterion: Criterion, actor) -> None:
    """Remove a criterion from a draft and reset the weights to the default split."""
    rubric, criterion = _lock_draft_criterion(criterion)
    title = criterion.title
    before = _criteria_state(rubric)
    criterion.delete()
    _reweigh(rubric)
    audit.record(
        actor=actor,
        event="rubric.criterion_dropped",
        obj=rubric,
        summary=f"Dropped “{title}”; weights reset.",
        changes={"criteria": _criteria_changes(before, _criteria_state(rubric))},
    )


@trigger_as_not_editable()
@transaction.atomic
def criterion_add_from_posting(
    *, rubric: Rubric, start: int, end: int, kind: str = Criterion.Kind.MUST_HAVE, actor
) -> Criterion:
    """Add a criterion from a span of the posting's text (what the recruiter selected):
    titled, typed, given keywords and anchors as a generated one would be, then the
    weights are reset to the default split."""
    rubric = _lock_rubric(rubric)
    if not rubric.is_draft:
        raise RubricNotEditable()
    if kind not in Criterion.Kind.values:
        raise ValidationError({"kind": f"Choose one of {', '.join(Criterion.Kind.values)}."})
    text = rubric.posting.raw_text
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
        raise ValidationError(
            {"span": f"Select some of the posting's text (0 to {len(text)} characters)."}
        )
    item = item_from_selection(text, start, end)
    if item is None:
        raise ValidationError({"span": "The selected text has no words to make a criterion of."})
    criterion = Criterion(
        rubric=rubric,
        type=classify(item.text, item.title, item.keywords),
        title=item.title[:200],
        description=item.text,
        keywords=list(item.keywords),
        weight=Decimal(0),
        order=(rubric.criteria.aggregate(m=Max("order"))["m"] or 0) + 1,
        source_start=item.span[0],
        source_end=item.span[1],
    )
    _set_kind_fields(criterion, kind, rubric.scale_max)
    criterion.full_clean(exclude=["rubric"])
    before = _criteria_state(rubric)
    criterion.save()
    _reweigh(rubric)
    audit.record(
        actor=actor,
        event="rubric.criterion_added",
        obj=rubric,
        summary=f"Added “{criterion.title}” ({criterion.get_kind_display()}) from the posting; "
        "weights reset.",
        changes={
            "criteria": _criteria_changes(before, _criteria_state(rubric)),
            "span": [criterion.source_start, criterion.source_end],
        },
    )
    return criterion


@trigger_as_not_editable()
@transaction.atomic
def rubric_update(
    *,
    rubric: Rubric,
    actor,
    scale_max: int | None = None,
    must_have_share=None,
    criteria: list[dict] | None = None,
    reweigh: bool | None = None,
) -> Rubric:
    """Change a draft: its scale, its must-have share and/or its criteria.

    `criteria`, when given, is the complete new list: items with an `id`
    update that criterion, items without one are added, and criteria not
    listed are removed. `reweigh=True` resets the weights to the default
    split for the share; left as None, a new share given without criteria
    does so too.
    """
    rubric = _lock_rubric(rubric)
    if not rubric.is_draft:
        raise RubricNotEditable()
    before = {"scale_max": rubric.scale_max, "must_have_share": rubric.must_have_share}
    criteria_before = _criteria_state(rubric)
    changes: dict = {}
    if scale_max is not None and scale_max != rubric.scale_max:
        _validate_scale(scale_max)
        changes["scale_max"] = scale_max
        rubric.scale_max = scale_max
    if must_have_share is not None:
        share = _validate_share(must_have_share)
        if share != rubric.must_have_share:
            changes["must_have_share"] = share
            rubric.must_have_share = share
            if reweigh is None:
                reweigh = criteria is None
    if changes:
        rubric.save(update_fields=list(changes))

    if criteria is not None:
        _replace_criteria(rubric=rubric, criteria=criteria)
        changes["criteria"] = len(criteria)
    elif "scale_max" in changes:
        _regenerate_scale_dependent_fields(rubric)
    if reweigh:
        _reweigh(rubric)
        changes["weights"] = "reset"
    if changes:
        recorded = audit.diff(
            before, {"scale_max": rubric.scale_max, "must_have_share": rubric.must_have_share}
        )
        criteria_changes = _criteria_changes(criteria_before, _criteria_state(rubric))
        if criteria_changes:
            recorded["criteria"] = criteria_changes
        audit.record(
            actor=actor,
            event="rubric.changed",
            obj=rubric,
            summary=f"Changed {', '.join(sorted(changes))}.",
            changes=recorded,
        )
    return rubric


def _replace_criteria(*, rubric: Rubric, criteria: list[dict]) -> None:
    existing = {c.pk: c for c in rubric.criteria.all()}
    errors: dict = {}
    for index, item in enumerate(criteria):
        if item.get("id") is not None and item["id"] not in existing:
            errors[f"criteria[{index}].id"] = "This criterion does not belong to the rubric."
    if errors:
        raise ValidationError(errors)

    keep = {item["id"] for item in criteria if item.get("id") is not None}
    rubric.criteria.exclude(pk__in=keep).delete()
    for index, item in enumerate(criteria, start=1):
        criterion = existing.get(item.get("id")) or Criterion(rubric=rubric)
        for field in CRITERION_FIELDS:
            if field in item:
                setattr(criterion, field, item[field])
        if "order" not in item:
            criterion.order = index
        if criterion.is_screening:
            criterion.weight = Decimal(0)
            criterion.knockout_level = None
        elif not criterion.anchors:
            criterion.anchors = _anchors_for(criterion, rubric.scale_max)
        try:
            criterion.full_clean(exclude=["rubric"])
        except ValidationError as exc:
            raise ValidationError(
                {
                    f"criteria[{index - 1}].{field}": messages
                    for field, messages in exc.message_dict.items()
                }
            ) from None
        criterion.save()


def _regenerate_scale_dependent_fields(rubric: Rubric) -> None:
    """A new scale invalidates anchors and may put knockout levels off it."""
    for criterion in rubric.criteria.all():
        if not criterion.is_screening:
            criterion.anchors = _anchors_for(criterion, rubric.scale_max)
        if criterion.knockout_level is not None:
            criterion.knockout_level = min(criterion.knockout_level, rubric.scale_max)
        criterion.save(update_fields=["anchors", "knockout_level"])


def _reweigh(rubric: Rubric) -> None:
    criteria = list(rubric.criteria.all())
    musts = [c for c in criteria if c.kind == Criterion.Kind.MUST_HAVE]
    bonuses = [c for c in criteria if c.kind == Criterion.Kind.BONUS]
    must_w, bonus_w = default_weights(len(musts), len(bonuses), rubric.must_have_share)
    for criterion, weight in zip(musts + bonuses, must_w + bonus_w, strict=True):
        criterion.weight = weight
    Criterion.objects.bulk_update(criteria, ["weight"])


def rubric_publish_problems(rubric: Rubric) -> list[str]:
    """What stops a draft from being published, in words for a recruiter."""
    criteria = list(rubric.criteria.all())
    problems = []
    if not any(c.kind == Criterion.Kind.MUST_HAVE for c in criteria):
        problems.append("A rubric needs at least one must-have criterion.")
    total = sum((c.weight for c in criteria), Decimal(0))
    if total != HUNDRED:
        problems.append(f"The weights add up to {total:.2f}; they must add up to 100.00.")
    labels = level_labels(rubric.scale_max)
    for c in criteria:
        if c.is_screening:
            continue  # a yes/no gate: no levels, no weight
        if len(c.anchors) != len(labels) or not all(str(a).strip() for a in c.anchors):
            problems.append(f"“{c.title}” needs anchor text for every level ({', '.join(labels)}).")
        if c.kind == Criterion.Kind.MUST_HAVE and not (
            c.knockout_level and 1 <= c.knockout_level <= rubric.scale_max
        ):
            problems.append(f"“{c.title}” needs a knockout level between 1 and {rubric.scale_max}.")
    return problems


@trigger_as_not_editable()
@transaction.atomic
def rubric_publish(*, rubric: Rubric, actor) -> Rubric:
    """Publish a draft. The posting's currently published rubric, if any, is
    retired in the same transaction: a posting has one published rubric."""
    posting = _lock_posting(rubric.posting_id)
    rubric = _lock_rubric(rubric)
    if not rubric.is_draft:
        raise Conflict(
            f"Only a draft can be published; this rubric is {rubric.state}.",
            code="rubric_not_draft",
        )
    problems = rubric_publish_problems(rubric)
    if problems:
        raise ValidationError(problems)
    now = timezone.now()
    for previous in posting.rubrics.published():
        previous.state = Rubric.State.RETIRED
        previous.retired_at = now
        previous.save(update_fields=["state", "retired_at"])
        audit.record(
            actor=actor,
            event="rubric.retired",
            obj=previous,
            summary=f"Retired: v{rubric.version} was published.",
            changes={"state": ["published", "retired"]},
        )
    rubric.state = Rubric.State.PUBLISHED
    rubric.published_at = now
    rubric.save(update_fields=["state", "published_at"])
    audit.record(
        actor=actor,
        event="rubric.published",
        obj=rubric,
        summary="Published.",
        changes={"state": ["draft", "published"]},
    )
    return rubric


@trigger_as_not_editable()
@transaction.atomic
def rubric_retire(*, rubric: Rubric, actor) -> Rubric:
    rubric = _lock_rubric(rubric)
    if rubric.state != Rubric.State.PUBLISHED:
        raise Conflict(
            f"Only a published rubric can be retired; this one is {rubric.state}.",
            code="rubric_not_published",
        )
    rubric.state = Rubric.State.RETIRED
    rubric.retired_at = timezone.now()
    rubric.save(update_fields=["state", "retired_at"])
    audit.record(
        actor=actor,
        event="rubric.retired",
        obj=rubric,
        summary="Retired.",
        changes={"state": ["published", "retired"]},
    )
    return rubric


@transaction.atomic
def rubric_clone(*, rubric: Rubric, actor) -> Rubric:
    """Copy a rubric and its criteria to a new draft version of the posting."""
    posting = _lock_posting(rubric.posting_id)
    source = Rubric.objects.prefetch_related("criteria").get(pk=rubric.pk)
    clone = Rubric.objects.create(
        posting=posting,
        version=_next_version(posting),
        scale_max=source.scale_max,
        must_have_share=source.must_have_share,
        cloned_from=source,
        created_by=actor,
    )
    Criterion.objects.bulk_create(
        Criterion(
            rubric=clone,
            source_start=c.source_start,
            source_end=c.source_end,
            **{field: getattr(c, field) for field in CRITERION_FIELDS},
        )
        for c in source.criteria.all()
    )
    audit.record(
        actor=actor,
        event="rubric.cloned",
        obj=clone,
        summary=f"Cloned from v{source.version}.",
        changes={"cloned_from": [None, source.pk], "version": [None, clone.version]},
    )
    return clone


@trigger_as_not_editable()
@transaction.atomic
def rubric_delete(*, rubric: Rubric, actor) -> None:
    rubric = _lock_rubric(rubric)
    if not rubric.is_draft:
        raise RubricNotEditable("Only a draft rubric can be deleted; retire a published one.")
    audit.record(
        actor=actor,
        event="rubric.deleted",
        obj=rubric,
        summary=f"Deleted draft v{rubric.version}.",
        changes={"criteria": _criteria_changes(_criteria_state(rubric), {})},
    )
    rubric.delete()


@transaction.atomic
def posting_delete(*, posting: JobPosting, actor) -> None:
    """Delete a posting that has no rubrics (and so no applications)."""
    posting = _lock_posting(posting.pk)
    if posting.rubrics.exists():
        raise Conflict(
            "This posting has rubrics; close it instead of deleting it.", code="protected"
        )
    audit.record(
        actor=actor,
        event="posting.deleted",
        obj=posting,
        summary="Deleted the posting.",
        changes=audit.diff(_posting_state(posting), {}),
    )
    posting.delete()
