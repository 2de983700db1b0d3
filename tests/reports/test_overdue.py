"""One definition of an overdue review (screening.selectors.overdue_condition):
the weekly digest lists the reviews that the daily reminders chase, and "My
reviews" marks the same ones."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from reports.digest import build_digest, digest_period
from reports.tasks import send_overdue_reminders
from screening import selectors
from screening.models import Application
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    JobPostingFactory,
    RecruiterFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    published_rubric,
    submit_scores,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviews():
    """One posting's reviews, all past their due date: two still owed, and one
    each that is submitted, on a rejected application, on a withdrawn one,
    and of a reviewer who has left."""
    rubric = published_rubric(posting=JobPostingFactory(title="Imaging Engineer"))
    late = timezone.localdate() - timedelta(days=3)
    ann = ReviewerFactory(first_name="Ann", last_name="Tester", email="ann@example.org")
    gone = ReviewerFactory(first_name="Gus", last_name="Gone", email="gus@example.org")

    def review(candidate, reviewer=ann, stage=Application.Stage.SCREENING):
        application = ApplicationFactory(
            rubric=rubric, candidate=CandidateFactory(full_name=candidate), stage=stage
        )
        return ReviewAssignmentFactory(application=application, reviewer=reviewer, due_date=late)

    review("Owed Olive")
    review("Owed Oscar")
    submit_scores(review("Submitted Sue"), {})
    review("Rejected Rob", stage=Application.Stage.REJECTED)
    review("Withdrawn Wyn", stage=Application.Stage.WITHDRAWN)
    review("Left Lena", reviewer=gone)
    gone.is_active = False
    gone.save()
    return rubric.posting


def owed_in_digest(posting) -> set[str]:
    start, end = digest_period()
    text = build_digest(posting=posting, period_start=start, period_end=end).text
    return {name for name in CANDIDATES if f": {name} (due " in text}


def chased_by_reminders() -> set[str]:
    send_overdue_reminders.delay(day=timezone.localdate().isoformat())
    return {name for name in CANDIDATES for m in mail.outbox if f"- {name} for " in m.body}


CANDIDATES = [
    "Owed Olive",
    "Owed Oscar",
    "Submitted Sue",
    "Rejected Rob",
    "Withdrawn Wyn",
    "Left Lena",
]


def test_the_digest_lists_the_reviews_the_reminders_chase(reviews):
    assert owed_in_digest(reviews) == chased_by_reminders() == {"Owed Olive", "Owed Oscar"}


def test_my_reviews_marks_the_reviews_the_reminders_chase(reviews):
    marked = {
        a.application.candidate.full_name
        for a in selectors.assignments_visible_to(RecruiterFactory())
        if selectors.is_overdue(a)
    }
    assert marked == chased_by_reminders()
