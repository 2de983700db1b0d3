"""Below the minimum sample sizes (README, "Small samples") a run reports its
estimates but flags nothing, and says how far it is from the minimum; at the
minimum the flag comes back. The stored rows are what the page, the API and
the digest read, so all three agree."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from calibration.compute import (
    DRIFT_THRESHOLD,
    MIN_SCORECARDS_TO_FLAG,
    MIN_SHARED_APPLICATIONS_TO_FLAG,
)
from calibration.services import calibration_run
from reports.digest import build_digest
from screening.models import Scorecard
from tests.factories import ApplicationFactory, ReviewerFactory, assign_and_submit, published_rubric

pytestmark = pytest.mark.django_db


def lenient_world(cleo_scorecards: int, n_applications: int = 30):
    """Ada and Ben score every application alike (its quality 1–3 on each
    criterion); Cleo scores the first ``cleo_scorecards`` one level higher."""
    rubric = published_rubric()
    criteria = list(rubric.criteria.order_by("order", "id"))
    ada, ben, cleo = (
        ReviewerFactory(username=name, first_name=name.title(), last_name="Tester")
        for name in ("ada", "ben", "cleo")
    )
    for i in range(n_applications):
        application = ApplicationFactory(rubric=rubric)
        base = [1 + i % 3] * 3
        assign_and_submit(application, ada, criteria, base)
        assign_and_submit(application, ben, criteria, base)
        if i < cleo_scorecards:
            assign_and_submit(application, cleo, criteria, [v + 1 for v in base])
    return rubric, cleo


def test_a_lenient_reviewer_below_the_minimum_of_scorecards_is_not_flagged():
    rubric, cleo = lenient_world(MIN_SCORECARDS_TO_FLAG - 1)

    run = calibration_run(rubric_id=rubric.pk)

    row = run.reviewers.get(reviewer=cleo)
    # 12 ratings: the statistics alone (10 ratings) would have flagged her.
    assert row.n_ratings == 12
    assert row.severity > 0.5
    assert (row.flagged, row.flag_reason) == (False, "Too few scorecards to judge (4; 5 needed)")
    assert row.diagnostic_flags == ["too_few_scorecards"]


def test_a_lenient_reviewer_at_the_minimum_of_scorecards_is_flagged():
    rubric, cleo = lenient_world(MIN_SCORECARDS_TO_FLAG)

    run = calibration_run(rubric_id=rubric.pk)

    row = run.reviewers.get(reviewer=cleo)
    assert row.flagged is True
    assert row.flag_reason.startswith("Lenient: scores")
    assert f"; {MIN_SCORECARDS_TO_FLAG} scorecards)" in row.flag_reason


def disagreeing_world(n_shared: int):
    """Ada and Ben score ``n_shared`` applications on the first criterion in
    opposite directions (Ben's level is 5 − Ada's): agreement far below
    0.667 on it; on the others they agree. Ada alone scores 25 more."""
    rubric = published_rubric()
    criteria = list(rubric.criteria.order_by("order", "id"))
    ada, ben = ReviewerFactory(), ReviewerFactory()
    for i in range(n_shared):
        application = ApplicationFactory(rubric=rubric)
        level = 1 + i % 4
        assign_and_submit(application, ada, criteria, [level, 1 + i % 3, 1 + i % 3])
        assign_and_submit(application, ben, criteria, [5 - level, 1 + i % 3, 1 + i % 3])
    for _ in range(25):
        assign_and_submit(ApplicationFactory(rubric=rubric), ada, criteria, [2, 2, 2])
    return rubric, criteria[0]


def test_a_disagreed_criterion_below_the_minimum_of_shared_applications_is_not_flagged():
    rubric, criterion = disagreeing_world(MIN_SHARED_APPLICATIONS_TO_FLAG - 1)

    run = calibration_run(rubric_id=rubric.pk)

    row = run.criteria.get(criterion=criterion)
    # 63 ratings: the statistics alone (10 ratings) would have flagged it.
    assert row.n_ratings == 2 * 19 + 25
    assert row.alpha_interval < 0
    assert (row.flagged, row.flag_reason) == (
        False,
        "Too few applications scored by two or more reviewers to judge agreement (19; 20 needed)",
    )


def test_a_disagreed_criterion_at_the_minimum_of_shared_applications_is_flagged():
    rubric, criterion = disagreeing_world(MIN_SHARED_APPLICATIONS_TO_FLAG)

    run = calibration_run(rubric_id=rubric.pk)

    row = run.criteria.get(criterion=criterion)
    assert row.flagged is True
    assert row.alpha_interval < 0
    assert row.flag_reason == f"Low agreement: alpha {row.alpha_interval:.2f} is below 0.667"


def test_a_reviewer_whose_bar_moves_over_two_months_is_flagged_as_drifting():
    """Cleo scores one level below Ada for a month, then one level above: no
    leniency on average, but a trend of about +1 point a month. Ben now and
    then scores the first criterion a level up (noise, so trends have an SE)."""
    rubric = published_rubric()
    criteria = list(rubric.criteria.order_by("order", "id"))
    ada, ben, cleo = ReviewerFactory(), ReviewerFactory(), ReviewerFactory()
    start = timezone.now() - timedelta(days=70)
    for i in range(60):
        application = ApplicationFactory(rubric=rubric)
        base = [2 + i % 2] * 3
        shift = -1 if i < 30 else 1
        noisy = [base[0] + (i % 4 == 0), *base[1:]]
        for reviewer, values in ((ada, base), (ben, noisy), (cleo, [v + shift for v in base])):
            card = assign_and_submit(application, reviewer, criteria, values)
            Scorecard.objects.filter(pk=card.pk).update(submitted_at=start + timedelta(days=i))

    run = calibration_run(rubric_id=rubric.pk)

    row = run.reviewers.get(reviewer=cleo)
    assert abs(row.severity) < 0.5
    assert row.drift > DRIFT_THRESHOLD
    assert row.flagged is True
    assert row.flag_reason.startswith(f"Drifting: scores move +{row.drift:.2f} points per 30 days")
    # Severity is relative to the others, so they seem to drift the other way,
    # by half as much: below the threshold.
    others = run.reviewers.exclude(reviewer=cleo)
    assert all(-DRIFT_THRESHOLD < r.drift < -0.5 for r in others)
    # (Their regular scores may read as "muted"; they neither drift nor lean.)
    for other in others:
        assert not {"drift", "lenient", "severe"} & set(other.diagnostic_flags)


def test_the_api_and_the_digest_say_what_the_page_says(recruiter_api, recruiter_client):
    rubric, cleo = lenient_world(MIN_SCORECARDS_TO_FLAG - 1)
    run = calibration_run(rubric_id=rubric.pk)

    body = recruiter_api.get(f"/api/v1/calibration-runs/{run.pk}/").json()
    now = timezone.now()
    digest = build_digest(
        posting=rubric.posting, period_start=now - timedelta(days=7), period_end=now
    )
    page = recruiter_client.get(reverse("admin:calibration_calibrationrun_change", args=[run.pk]))

    api_row = next(r for r in body["reviewers"] if r["reviewer"] == cleo.pk)
    assert (api_row["flagged"], api_row["flag_reason"]) == (
        False,
        "Too few scorecards to judge (4; 5 needed)",
    )
    assert digest.calibration_run == run
    assert "FLAGGED" not in digest.text
    assertContains(page, "Too few scorecards to say anything about Cleo Tester yet (4; we need 5).")
    assertNotContains(page, 'class="flagged"')
