"""The posting page's link to the calibration runs of its rubrics (with their number),
registered into rubrics' extension point by CalibrationConfig.ready()."""

from django.urls import reverse

from calibration.models import CalibrationRun
from core.roles import is_recruiter
from rubrics.admin.posting_links import PostingLink


def calibration_links(*, posting, user) -> list[PostingLink]:
    if not (is_recruiter(user) and user.has_perm("calibration.view_calibrationrun")):
        return []
    runs = CalibrationRun.objects.filter(rubric__posting=posting).count()
    changelist = reverse("admin:calibration_calibrationrun_changelist")
    return [
        PostingLink(
            f"{changelist}?rubric__posting__id__exact={posting.pk}",
            "calibration run",
            "calibration runs",
            runs,
        )
    ]
