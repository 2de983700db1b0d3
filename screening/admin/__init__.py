"""Screening in the admin: candidates (with CSV import), applications (with
their consensus, reviewer assignment and the posting ranking), review
assignments for recruiters, and "My reviews" with the scorecard page for
reviewers. Every write goes through screening.services."""

from core.admin_site import add_index_entry
from screening.admin.applications import ApplicationAdmin, ScorecardInline
from screening.admin.candidates import CandidateAdmin
from screening.admin.documents import DocumentAdmin
from screening.admin.reviews import MyReviewAdmin, ReviewAssignmentAdmin

# The ranking is a page, not a model: listed on the index before the applications.
add_index_entry(
    "screening",
    "Ranking",
    "screening_application_ranking",
    # Whoever may see the applications (recruiters): a permission the admin
    # has loaded already for the index, so the entry costs no query.
    allowed=lambda request: request.user.has_perm("screening.view_application"),
    before="Application",
)

__all__ = [
    "ApplicationAdmin",
    "CandidateAdmin",
    "DocumentAdmin",
    "MyReviewAdmin",
    "ReviewAssignmentAdmin",
    "ScorecardInline",
]
