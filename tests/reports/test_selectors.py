"""Which postings had activity in a digest period (reports/selectors.py)."""

from datetime import timedelta
from types import SimpleNamespace

import pytest

from reports.selectors import had_activity, postings_with_activity
from rubrics.models import JobPosting
from screening.models import Application, ReviewAssignment, Scorecard
from tests.factories import ApplicationFactory, ReviewAssignmentFactory, submit_scores
from tests.reports.support import period_of_now

pytestmark = pytest.mark.django_db


# --- had_activity / postings_with_activity ---------------------------------------------


@pytest.fixture
def quiet_application():
    """An application, its assignment and a submitted scorecard, all dated
    two weeks before the period."""
    application = ApplicationFactory()
    assignment = ReviewAssignmentFactory(application=application)
    submit_scores(assignment, dict.fromkeys(application.rubric.criteria.all(), 3))
    long_ago = period_of_now()[0] - timedelta(days=14)
    Application.objects.filter(pk=application.pk).update(created_at=long_ago)
    ReviewAssignment.objects.filter(pk=assignment.pk).update(created_at=long_ago)
    Scorecard.objects.filter(assignment=assignment).update(submitted_at=long_ago)
    return SimpleNamespace(application=application, assignment=assignment)


def test_no_activity_when_everything_happened_before_the_period(quiet_application):
    assert had_activity(quiet_application.application.posting, *period_of_now()) is False


def test_application_opened_in_the_period_counts_as_activity(quiet_application):
    Application.objects.filter(pk=quiet_application.application.pk).update(
        created_at=period_of_now()[0]
    )

    assert had_activity(quiet_application.application.posting, *period_of_now()) is True


def test_application_opened_at_the_period_end_is_next_weeks_activity(quiet_application):
    Application.objects.filter(pk=quiet_application.application.pk).update(
        created_at=period_of_now()[1]
    )

    assert had_activity(quiet_application.application.posting, *period_of_now()) is False


def test_reviewer_assigned_in_the_period_counts_as_activity(quiet_application):
    ReviewAssignment.objects.filter(pk=quiet_application.assignment.pk).update(
        created_at=period_of_now()[1] - timedelta(microseconds=1)
    )

    assert had_activity(quiet_application.application.posting, *period_of_now()) is True


def test_scorecard_submitted_in_the_period_counts_as_activity(quiet_application):
    Scorecard.objects.filter(assignment=quiet_application.assignment).update(
        submitted_at=period_of_now()[0] + timedelta(days=3)
    )

    assert had_activity(quiet_application.application.posting, *period_of_now()) is True


def test_scorecard_submitted_after_the_period_is_not_activity(quiet_application):
    Scorecard.objects.filter(assignment=quiet_application.assignment).update(
        submitted_at=period_of_now()[1] + timedelta(hours=1)
    )

    assert had_activity(quiet_application.application.posting, *period_of_now()) is False


def test_postings_with_activity_are_the_open_and_closed_ones_with_activity_not_drafts():
    start, end = period_of_now()
    postings = {}
    for status in (JobPosting.Status.OPEN, JobPosting.Status.CLOSED, JobPosting.Status.DRAFT):
        application = ApplicationFactory()
        JobPosting.objects.filter(pk=application.posting_id).update(status=status)
        Application.objects.filter(pk=application.pk).update(created_at=start + timedelta(days=1))
        postings[status] = application.posting_id
    quiet = ApplicationFactory()
    Application.objects.filter(pk=quiet.pk).update(created_at=start - timedelta(days=1))

    assert sorted(p.pk for p in postings_with_activity(start, end)) == sorted(
        [postings[JobPosting.Status.OPEN], postings[JobPosting.Status.CLOSED]]
    )
