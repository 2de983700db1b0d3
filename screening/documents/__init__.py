"""Candidate documents (résumés, cover letters, other materials) as plain data.

Pure Python, no Django, so the storage, admin, API and task layers stay thin:

- ``sniff``: what a file is, from its bytes alone (never its name): a PDF, a Word document
  (.docx) or plain text, within a size and a page limit; anything else is refused with a
  message a recruiter can act on (``DocumentRejected``).
- ``extract``: the text of each page, with page numbers, and page images of PDFs as PNG;
  a file that cannot be read raises ``ExtractionFailed`` with a human message, never another
  exception type.
- ``samples``: résumés written from text, as PDF and DOCX, for the demo and the tests.

Both errors are ``DocumentError``s carrying ``message``. Evidence matching (which passages
speak to which criterion) is ``screening.evidence``.
"""
