from core.errors import Conflict, ServiceError


class NotAssigned(ServiceError):
    """The user is not the reviewer of this scorecard (answered as 404, so
    the existence of other reviewers' work is not revealed)."""

    status_code = 404
    default_code = "not_found"

    def __init__(self, message: str = "Not found.", **kwargs):
        super().__init__(message, **kwargs)


class ScorecardLocked(Conflict):
    default_code = "scorecard_submitted"

    def __init__(
        self,
        message: str = "This scorecard has been submitted; a recruiter can reopen it.",
        **kwargs,
    ):
        super().__init__(message, **kwargs)
