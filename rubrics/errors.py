from core.errors import Conflict


class RubricNotEditable(Conflict):
    default_code = "rubric_not_editable"

    def __init__(
        self,
        message: str = "This rubric is no longer a draft, so it cannot be "
        "changed. Clone it to a new draft version to edit it.",
        **kwargs,
    ):
        super().__init__(message, **kwargs)
