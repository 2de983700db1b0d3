"""Postings and rubrics in the admin. Pages are declared; the actions and the
triage views call the same services as the API, so the rules (a published
rubric is immutable, publishing needs weights summing to 100, ...) hold here
too."""

from rubrics.admin.criteria import CriterionInline
from rubrics.admin.postings import JobPostingAdmin, RubricInline
from rubrics.admin.rubrics import RubricAdmin
from rubrics.admin.triage import posting_html

__all__ = ["CriterionInline", "JobPostingAdmin", "RubricAdmin", "RubricInline", "posting_html"]
