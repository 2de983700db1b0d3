from contextlib import contextmanager

from django.db import IntegrityError

from core.errors import Conflict

# What the immutability triggers say (rubrics/migrations/0003_immutability_triggers.py,
# which keeps its own copy: a migration does not import app code).
IMMUTABLE = "rubric is not a draft: it and its criteria are immutable"


class RubricNotEditable(Conflict):
    default_code = "rubric_not_editable"

    def __init__(
        self,
        message: str = "This rubric is no longer a draft, so it cannot be "
        "changed. Clone it to a new draft version to edit it.",
        **kwargs,
    ):
        super().__init__(message, **kwargs)


@contextmanager
def trigger_as_not_editable():
    """The database's refusal to change a rubric that left the draft state is a
    RubricNotEditable, like the service's own check; any other IntegrityError is a
    bug and goes on. Used on (or around) a service, outside its transaction."""
    try:
        yield
    except IntegrityError as exc:
        if IMMUTABLE in str(exc):
            raise RubricNotEditable() from exc
        raise
