"""The two ways a document is turned down, each with a message a recruiter can act on."""


class DocumentError(Exception):
    """A document that cannot be taken or read; ``message`` says why, in plain words."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class DocumentRejected(DocumentError):
    """Refused on upload: not a PDF, DOCX or text file, too large, too many pages, unreadable."""


class ExtractionFailed(DocumentError):
    """Taken, but its text could not be read (a damaged file, a password, a broken package)."""
