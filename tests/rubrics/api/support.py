"""What the rubrics API tests share: URLs and helpers."""

from rubrics.models import Criterion, JobPosting, Rubric

POSTINGS = "/api/v1/postings/"
RUBRICS = "/api/v1/rubrics/"
LABELS_4 = ["Does not meet", "Partially meets", "Meets", "Exceeds"]
LABELS_5 = [*LABELS_4, "Far exceeds"]


def world_url(template: str, world) -> str:
    """A URL template ("/api/v1/rubrics/{draft}/") filled in with the world's ids."""
    return template.format(
        posting=world.posting.pk,
        bare=world.bare_posting.pk,
        draft=world.draft.pk,
        published=world.published.pk,
    )


def db_snapshot() -> tuple:
    """Every row a write could touch, to show that a refused write changed nothing."""
    return (
        list(JobPosting.objects.order_by("pk").values()),
        list(Rubric.objects.order_by("pk").values()),
        list(Criterion.objects.order_by("pk").values()),
    )
