"""Read queries for postings and rubrics, with the related data each page
needs already fetched, so lists cost a constant number of queries."""

from django.db.models import Count, Prefetch, QuerySet, Sum

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


def rubric_detail(*, rubric_id: int) -> Rubric:
    return rubric_list().get(pk=rubric_id)
