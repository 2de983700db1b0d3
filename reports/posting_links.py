"""The posting page's link to its reports (with their number), registered into
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
    return [
        PostingLink(f"{changelist}?posting__id__exact={posting.pk}", "report", "reports", reports)
    ]
