"""Screening in the admin: candidates (with CSV import), applications (with
their consensus, reviewer assignment and the posting ranking), review
assignments for recruiters, and "My reviews" with the scorecard page for
reviewers. Every write goes through screening.services."""

from screening.admin.applications import ApplicationAdmin, ScorecardInline
from screening.admin.candidates import CandidateAdmin
from screening.admin.reviews import MyReviewAdmin, ReviewAssignmentAdmin

__all__ = [
    "ApplicationAdmin",
    "CandidateAdmin",
    "MyReviewAdmin",
    "ReviewAssignmentAdmin",
    "ScorecardInline",
]
