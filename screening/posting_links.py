"""The posting page's links to its applications (with their number) and its ranking,
registered into rubrics' extension point by ScreeningConfig.ready()."""

from django.urls import reverse

from core.roles import is_recruiter
from rubrics.admin.posting_links import PostingLink
from screening.models import Application


def application_links(*, posting, user) -> list[PostingLink]:
    # Reviewers reach their candidates through "My reviews" only.
    if not (is_recruiter(user) and user.has_perm("screening.view_application")):
        return []
    applications = Application.objects.filter(posting=posting).count()
    changelist = reverse("admin:screening_application_changelist")
    ranking = reverse("admin:screening_application_ranking")
    return [
        PostingLink(
            f"{changelist}?posting__id__exact={posting.pk}",
            "application",
            "applications",
            applications,
        ),
        PostingLink(f"{ranking}?posting={posting.pk}", "Ranking"),
    ]
