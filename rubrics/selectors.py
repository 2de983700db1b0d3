"""Read queries for postings and rubrics, with the related data each page
needs already fetched, so lists cost a constant number of queries."""

from django.db.models import Count, Prefetch, QuerySet, Sum, prefetch_related_objects

from rubrics.drafting import count_warnings
from rubrics.models import Criterion, JobPosting, Rubric


def posting_list() -> QuerySet[JobPosting]:
    return (
        JobPosting.objects.select_related("created_by")
        .annotate(rubric_count=Count("rubrics", distinct=True))
        .order_by("-created_at", "-id")
    )


def rubric_list() -> QuerySet[Rubric]:
    return (
        Rubric.objects.select_related("posting", "created_by", "cloned_from")
        .annotate(criterion_count=Count("criteria"), weight_total=Sum("criteria__weight"))
        .prefetch_related(Prefetch("criteria", queryset=Criterion.objects.order_by("order", "id")))
        .order_by("posting_id", "-version")
    )


def posting_detail(*, posting_id: int) -> JobPosting:
    return JobPosting.objects.get(pk=posting_id)


def postings_with_rubric_count() -> QuerySet[JobPosting]:
    """The admin's posting list: each posting with its number of rubrics."""
    return JobPosting.objects.annotate(rubric_count=Count("rubrics"))


def rubrics_with_criterion_count() -> QuerySet[Rubric]:
    return Rubric.objects.annotate(criterion_count=Count("criteria"))


def rubrics_with_totals() -> QuerySet[Rubric]:
    """The admin's rubrics: with the posting (its page shows the text), the
    number of criteria and the sum of their weights."""
    return Rubric.objects.select_related("posting").annotate(
        criterion_count=Count("criteria"), weight_sum=Sum("criteria__weight")
    )


def rubric_weights_total(rubric: Rubric):
    return rubric.criteria.aggregate(total=Sum("weight"))["total"]


def prefetch_criteria_in_order(rubric: Rubric) -> list[Criterion]:
    """The rubric's criteria in order, fetched once into `rubric.criteria.all()`."""
    prefetch_related_objects(
        [rubric], Prefetch("criteria", queryset=Criterion.objects.order_by("order", "id"))
    )
    return list(rubric.criteria.all())


def rubric_or_none(*, rubric_id) -> Rubric | None:
    return Rubric.objects.filter(pk=rubric_id).first()


def rubric_detail(*, rubric_id: int) -> Rubric:
    return rubric_list().get(pk=rubric_id)


def rubric_warnings(rubric: Rubric, criteria=None) -> list[dict]:
    """What a recruiter should look at before publishing, as
    [{"code", "message", "criterion"?, "criterion_title"?, "span"?}].

    The counts (no must-have, too many criteria) are checked on the criteria as they are now;
    the rest was noticed when the draft was generated and is shown while it still applies: a
    note about a criterion only while it exists, requirement-like prose only while no
    criterion's source overlaps it. Pass `criteria` when they are already fetched.
    """
    criteria = list(rubric.criteria.all() if criteria is None else criteria)
    weighted = [c for c in criteria if not c.is_screening]
    warnings = [
        {"code": w.code, "message": w.message}
        for w in count_warnings(
            n_must_haves=sum(c.is_must_have for c in weighted), n_criteria=len(weighted)
        )
    ]
    by_id = {c.pk: c for c in criteria}
    spans = [(c.source_start, c.source_end) for c in criteria if c.source_start is not None]
    for note in rubric.generation_notes or []:
        note = dict(note)
        if note.get("criterion") is not None:
            criterion = by_id.get(note["criterion"])
            if criterion is None:
                continue
            note["criterion_title"] = criterion.title
        span = note.get("span")
        if (
            note["code"] == "uncovered_requirement"
            and span
            and any(start < span[1] and span[0] < end for start, end in spans)
        ):
            continue
        warnings.append(note)
    return warnings
