"""The one error type services raise (besides Django's ValidationError).

The API's exception handler and the admin turn these into responses and
messages; `code` is machine-readable, `message` is for people, `field` names
the input that was wrong when there is one.
"""


class ServiceError(Exception):
    status_code = 400
    default_code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code or self.default_code

    def as_payload(self) -> dict:
        if self.field:
            return {self.field: [self.message], "code": self.code}
        return {"detail": self.message, "code": self.code}


class Conflict(ServiceError):
    """The request is valid but clashes with the object's current state."""

    status_code = 409
    default_code = "conflict"
