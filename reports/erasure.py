"""Reports' part of a candidate's erasure (screening.privacy.erasure.candidate_erasing):
stored reports (subject, HTML, text, CSV) and reminders have the candidate's strings
replaced by the placeholder; their self-identified demographics are deleted."""

from reports.models import CandidateDemographics, Reminder, Report
from screening.privacy.erasure import candidate_erasing
from screening.privacy.scrub import scrub_rows


def erase_candidate_from_reports(sender, *, candidate, scrubber, **kwargs) -> dict[str, int]:
    demographics, _ = CandidateDemographics.objects.filter(candidate=candidate).delete()
    return {
        "reports": scrub_rows(
            Report.objects.all(), scrubber, ["subject", "html", "text", "csv", "recipients"]
        ),
        "reminders": scrub_rows(Reminder.objects.all(), scrubber, ["assignments"]),
        "demographics": demographics,
    }


def connect() -> None:
    candidate_erasing.connect(erase_candidate_from_reports, dispatch_uid="reports.erasure")
