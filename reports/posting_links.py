"""The posting page's links to its reports (with their number) and to a digest
preview for it, registered into
rubrics' extension point by ReportsConfig.ready()."""

from django.urls import reverse

from core.roles import is_recruiter
from reports.models import Report
from rubrics.admin.posting_links import PostingLink


def report_links(*, posting, user) -> list[PostingLink]:
    if not (is_recruiter(user) and user.has_perm("reports.view_report")):
        return []
    reports = Report.objects.filter(posting=posting).count()
    changelist = reverse("admin:reports_report_changelist")
    digest = reverse("admin:reports_report_digest")
    return [
        PostingLink(f"{changelist}?posting__id__exact={posting.pk}", "report", "reports", reports),
        PostingLink(f"{digest}?posting={posting.pk}", "Preview or send a digest"),
    ]
