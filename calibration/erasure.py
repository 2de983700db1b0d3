"""Calibration's part of a candidate's erasure (screening.privacy.erasure.candidate_erasing):
the candidate's strings replaced by the placeholder in calibration sessions (titles and
profiles of their items) and runs (messages). Ratings and results are numbers keyed by ids:
they stay, so the next run counts the erased candidate's ratings as before."""

from calibration.models import CalibrationRun, CalibrationSession, SessionItem
from screening.privacy.erasure import candidate_erasing
from screening.privacy.scrub import scrub_rows


def erase_candidate_from_calibration(sender, *, candidate, scrubber, **kwargs) -> dict[str, int]:
    return {
        "calibration_items": scrub_rows(SessionItem.objects.all(), scrubber),
        "calibration_sessions": scrub_rows(
            CalibrationSession.objects.all(), scrubber, ["title", "key_agreed_by"]
        ),
        "calibration_runs": scrub_rows(
            CalibrationRun.objects.all(), scrubber, ["progress_message", "error"]
        ),
    }


def connect() -> None:
    candidate_erasing.connect(erase_candidate_from_calibration, dispatch_uid="calibration.erasure")
