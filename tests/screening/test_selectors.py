from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rubrics.models import Rubric
from screening import selectors
from screening.models import CriterionScore
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    JobPostingFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    published_rubric,
    rubric_with_criteria,
    submit_scores,
)

pytestmark = pytest.mark.django_db

STRONG_NO, NO, YES, STRONG_YES = 1, 2, 3, 4
NO_TALLY = {"Strong no": 0, "No": 0, "Yes": 0, "Strong yes": 0}


@pytest.fixture
def ann():
    return ReviewerFactory(username="ann")


@pytest.fixture
def ben():
    return ReviewerFactory(username="ben")


@pytest.fixture
def cy():
    return ReviewerFactory(username="cy")


@pytest.fixture
def world(ann, ben, cy):
    """Ann and Ben review `first`; Cy reviews `second`; `unassigned` has nobody."""
    first = ApplicationFactory()
    second = ApplicationFactory()
    unassigned = ApplicationFactory()
    return {
        "first": first,
        "second": second,
        "unassigned": unassigned,
        "ann": ReviewAssignmentFactory(application=first, reviewer=ann),
        "ben": ReviewAssignmentFactory(application=first, reviewer=ben),
        "cy": ReviewAssignmentFactory(application=second, reviewer=cy),
    }


def criteria_of(application) -> list:
    """must-have 37.5, must-have 37.5, bonus 25 on a 1–4 scale (the factory rubric)."""
    return list(application.rubric.criteria.order_by("order"))


def submit(assignment, values, recommendation=YES):
    """Submit `values` in criterion order (must-have, must-have, bonus)."""
    criteria = criteria_of(assignment.application)
    return submit_scores(assignment, dict(zip(criteria, values, strict=True)), recommendation)


# --- Visibility -------------------------------------------------------------


def test_a_recruiter_sees_every_candidate(world, recruiter):
    expected = {world[k].candidate_id for k in ("first", "second", "unassigned")}
    assert {c.pk for c in selectors.candidates_visible_to(recruiter)} == expected


def test_a_reviewer_sees_only_the_candidates_assigned_to_them(world, ann):
    assert list(selectors.candidates_visible_to(ann)) == [world["first"].candidate]


def test_another_reviewer_sees_none_of_the_first_ones_candidates(world, cy):
    assert list(selectors.candidates_visible_to(cy)) == [world["second"].candidate]


def test_a_candidate_assigned_twice_to_one_reviewer_is_listed_once(ann):
    candidate = CandidateFactory()
    for _ in range(2):
        ReviewAssignmentFactory(application=ApplicationFactory(candidate=candidate), reviewer=ann)
    assert list(selectors.candidates_visible_to(ann)) == [candidate]


def test_a_recruiter_sees_every_application(world, recruiter):
    expected = {world[k].pk for k in ("first", "second", "unassigned")}
    assert {a.pk for a in selectors.applications_visible_to(recruiter)} == expected


def test_a_reviewer_sees_only_the_applications_assigned_to_them(world, ann):
    assert list(selectors.applications_visible_to(ann)) == [world["first"]]


def test_another_reviewer_sees_none_of_the_first_ones_applications(world, cy):
    assert list(selectors.applications_visible_to(cy)) == [world["second"]]


def test_applications_carry_submitted_and_pending_counts(world, ann):
    submit(world["ann"], (4, 3, None))
    (application,) = selectors.applications_visible_to(ann)
    assert (application.submitted_count, application.pending_count) == (1, 1)


def test_a_recruiter_sees_every_assignment(world, recruiter):
    expected = {world[k].pk for k in ("ann", "ben", "cy")}
    assert {a.pk for a in selectors.assignments_visible_to(recruiter)} == expected


def test_a_reviewer_sees_only_their_assignments(world, ann):
    assert list(selectors.assignments_visible_to(ann)) == [world["ann"]]


def test_another_reviewer_sees_none_of_the_first_ones_assignments(world, cy):
    assert list(selectors.assignments_visible_to(cy)) == [world["cy"]]


def test_a_recruiter_sees_every_scorecard(world, recruiter):
    expected = {world[k].scorecard.pk for k in ("ann", "ben", "cy")}
    assert {s.pk for s in selectors.scorecards_visible_to(recruiter)} == expected


def test_a_reviewer_sees_only_their_scorecards(world, ann):
    assert list(selectors.scorecards_visible_to(ann)) == [world["ann"].scorecard]


def test_another_reviewer_sees_none_of_the_first_ones_scorecards(world, cy):
    assert list(selectors.scorecards_visible_to(cy)) == [world["cy"].scorecard]


def test_a_user_without_assignments_sees_nothing(world):
    outsider = ReviewerFactory()
    assert not selectors.candidates_visible_to(outsider).exists()
    assert not selectors.applications_visible_to(outsider).exists()
    assert not selectors.assignments_visible_to(outsider).exists()
    assert not selectors.scorecards_visible_to(outsider).exists()


# --- Assignment order and due dates -------------------------------------------


def test_assignments_list_pending_first_then_by_due_date(ann):
    done_early = ReviewAssignmentFactory(reviewer=ann, due_date=date(2025, 6, 1))
    submit(done_early, (3, 3, 3))
    late = ReviewAssignmentFactory(reviewer=ann, due_date=date(2025, 6, 20))
    soon = ReviewAssignmentFactory(reviewer=ann, due_date=date(2025, 6, 5))
    assert list(selectors.assignments_visible_to(ann)) == [soon, late, done_early]


def test_pending_assignments_without_due_date_come_after_dated_ones(ann):
    undated = ReviewAssignmentFactory(reviewer=ann, due_date=None)
    dated = ReviewAssignmentFactory(reviewer=ann, due_date=date(2025, 6, 5))
    assert list(selectors.assignments_visible_to(ann)) == [dated, undated]


def test_a_pending_assignment_past_its_due_date_is_overdue(ann):
    assignment = ReviewAssignmentFactory(reviewer=ann, due_date=date(2025, 6, 4))
    assert selectors.is_overdue(assignment, today=date(2025, 6, 5)) is True


def test_an_assignment_due_today_is_not_overdue(ann):
    assignment = ReviewAssignmentFactory(reviewer=ann, due_date=date(2025, 6, 5))
    assert selectors.is_overdue(assignment, today=date(2025, 6, 5)) is False


def test_an_assignment_without_due_date_is_never_overdue(ann):
    assignment = ReviewAssignmentFactory(reviewer=ann, due_date=None)
    assert selectors.is_overdue(assignment, today=date(2025, 6, 5)) is False


def test_a_submitted_assignment_is_not_overdue(ann):
    assignment = ReviewAssignmentFactory(reviewer=ann, due_date=date(2025, 6, 1))
    submit(assignment, (3, 3, 3))
    assert selectors.is_overdue(assignment, today=date(2025, 6, 5)) is False


# --- Who may see all scores -----------------------------------------------------


def test_a_reviewer_may_not_see_all_scores_before_submitting(world, ann, ben):
    submit(world["ben"], (2, 3, 4))
    assert selectors.may_see_all_scores(ann, world["first"]) is False


def test_a_reviewer_may_see_all_scores_after_submitting(world, ann):
    submit(world["ann"], (4, 3, None))
    assert selectors.may_see_all_scores(ann, world["first"]) is True


def test_a_recruiter_may_always_see_all_scores(world, recruiter):
    assert selectors.may_see_all_scores(recruiter, world["first"]) is True


# --- Application summary --------------------------------------------------------


def test_summary_before_submitting_shows_only_the_viewers_scorecard(world, ann):
    submit(world["ben"], (2, 3, 4))
    summary = selectors.application_summary(application=world["first"], viewer=ann)
    assert summary.can_see_all is False
    assert summary.scorecards == [world["ann"].scorecard]


def test_summary_before_submitting_hides_consensus_score_and_tally(world, ann):
    submit(world["ben"], (2, 3, 4), recommendation=NO)
    summary = selectors.application_summary(application=world["first"], viewer=ann)
    assert (summary.consensus, summary.score, summary.tally) == ({}, None, {})
    assert (summary.failed_must_haves, summary.passes_must_haves) == ([], None)


def test_summary_before_submitting_still_counts_scorecards(world, ann):
    submit(world["ben"], (2, 3, 4))
    summary = selectors.application_summary(application=world["first"], viewer=ann)
    assert (summary.submitted_count, summary.pending_count) == (1, 1)


def test_summary_after_submitting_shows_every_scorecard_by_reviewer_name(world, ann):
    submit(world["ben"], (2, 3, 4))
    submit(world["ann"], (4, 3, None))
    summary = selectors.application_summary(application=world["first"], viewer=ann)
    assert summary.can_see_all is True
    assert summary.scorecards == [world["ann"].scorecard, world["ben"].scorecard]


def test_summary_after_submitting_shows_the_consensus(world, ann):
    must_1, must_2, bonus = criteria_of(world["first"])
    submit(world["ann"], (4, 3, None))
    submit(world["ben"], (2, 3, 4))
    summary = selectors.application_summary(application=world["first"], viewer=ann)
    assert summary.consensus == {must_1.pk: 3.0, must_2.pk: 3.0, bonus.pk: 2.5}


def test_summary_after_submitting_shows_the_weighted_score(world, ann):
    submit(world["ann"], (4, 3, None))
    submit(world["ben"], (2, 3, 4))
    summary = selectors.application_summary(application=world["first"], viewer=ann)
    # (37.5·2/3 + 37.5·2/3 + 25·1.5/3) / 100 · 100
    assert summary.score == pytest.approx(62.5)
    assert (summary.failed_must_haves, summary.passes_must_haves) == ([], True)


def test_summary_after_submitting_shows_the_recommendation_tally(world, ann):
    submit(world["ann"], (4, 3, None), recommendation=STRONG_YES)
    submit(world["ben"], (2, 3, 4), recommendation=NO)
    summary = selectors.application_summary(application=world["first"], viewer=ann)
    assert summary.tally == {"Strong no": 0, "No": 1, "Yes": 0, "Strong yes": 1}


def test_summary_names_the_failed_must_haves(world, recruiter):
    must_1, _, _ = criteria_of(world["first"])
    submit(world["ann"], (1, 4, None))
    submit(world["ben"], (2, 4, None))
    summary = selectors.application_summary(application=world["first"], viewer=recruiter)
    # Consensus 1.5 on the first must-have, below its knockout level 2.
    assert (summary.failed_must_haves, summary.passes_must_haves) == ([must_1.title], False)
    # (37.5·0.5/3 + 37.5·3/3 + 0) / 100 · 100
    assert summary.score == pytest.approx(43.75)


def test_summary_consensus_counts_only_submitted_scorecards(world, recruiter):
    must_1, must_2, bonus = criteria_of(world["first"])
    submit(world["ann"], (4, 3, None))
    card = world["ben"].scorecard
    CriterionScore.objects.bulk_create(
        CriterionScore(scorecard=card, criterion=c, value=1) for c in (must_1, must_2, bonus)
    )
    summary = selectors.application_summary(application=world["first"], viewer=recruiter)
    assert summary.consensus == {must_1.pk: 4.0, must_2.pk: 3.0, bonus.pk: 1.0}
    assert summary.score == pytest.approx(62.5)


def test_summary_for_a_recruiter_without_submissions_has_no_score(world, recruiter):
    summary = selectors.application_summary(application=world["first"], viewer=recruiter)
    assert summary.can_see_all is True
    assert summary.scorecards == [world["ann"].scorecard, world["ben"].scorecard]
    assert (summary.consensus, summary.score, summary.tally) == ({}, None, NO_TALLY)


def test_reviewer_score_is_the_weighted_score_of_one_scorecard(world):
    card = submit(world["ann"], (4, 3, None))
    # (37.5·3/3 + 37.5·2/3 + 0) / 100 · 100
    assert selectors.reviewer_score(card) == pytest.approx(62.5)


# --- Posting ranking ----------------------------------------------------------


@pytest.fixture
def ranking_world(ann, ben):
    """One posting: Bo scores 100, Al 62.5, Di 43.75 (fails a must-have),
    Cy has only a draft, and another posting's application."""
    rubric = published_rubric()
    apps = {
        name: ApplicationFactory(rubric=rubric, candidate=CandidateFactory(full_name=name))
        for name in ("Al", "Bo", "Cy", "Di")
    }
    for name, (ann_values, ben_values) in {
        "Al": ((4, 3, None), (2, 3, 4)),
        "Bo": ((4, 4, 4), (4, 4, 4)),
        "Di": ((1, 4, None), (2, 4, None)),
    }.items():
        submit(ReviewAssignmentFactory(application=apps[name], reviewer=ann), ann_values, YES)
        submit(ReviewAssignmentFactory(application=apps[name], reviewer=ben), ben_values, NO)
    ReviewAssignmentFactory(application=apps["Cy"], reviewer=ann)
    submit(ReviewAssignmentFactory(application=ApplicationFactory(), reviewer=ann), (1, 1, 1))
    return rubric.posting, apps


def test_ranking_orders_by_score_with_unscored_last(ranking_world):
    posting, _ = ranking_world
    rows = selectors.posting_ranking(posting=posting)
    assert [(r.candidate_name, r.score) for r in rows] == [
        ("Bo", 100.0),
        ("Al", 62.5),
        ("Di", 43.75),
        ("Cy", None),
    ]


def test_ranking_names_the_failed_must_haves(ranking_world):
    posting, apps = ranking_world
    must_1 = criteria_of(apps["Di"])[0]
    rows = {r.candidate_name: r for r in selectors.posting_ranking(posting=posting)}
    assert {name: r.failed_must_haves for name, r in rows.items()} == {
        "Bo": [],
        "Al": [],
        "Di": [must_1.title],
        "Cy": [],
    }
    assert {name: r.passes_must_haves for name, r in rows.items()} == {
        "Bo": True,
        "Al": True,
        "Di": False,
        "Cy": None,
    }


def test_ranking_counts_scorecards_and_tallies_recommendations(ranking_world):
    posting, _ = ranking_world
    rows = {r.candidate_name: r for r in selectors.posting_ranking(posting=posting)}
    assert (rows["Al"].submitted, rows["Al"].pending, rows["Al"].tally) == (2, 0, {YES: 1, NO: 1})
    assert (rows["Cy"].submitted, rows["Cy"].pending, rows["Cy"].tally) == (0, 1, {})


def test_ranking_rows_describe_the_application(ranking_world):
    posting, apps = ranking_world
    row = selectors.posting_ranking(posting=posting)[0]
    assert (row.application_id, row.candidate_id, row.stage, row.rubric_version) == (
        apps["Bo"].pk,
        apps["Bo"].candidate_id,
        "screening",
        apps["Bo"].rubric.version,
    )


def test_ranking_filters_by_stage(ranking_world):
    posting, apps = ranking_world
    for name in ("Di", "Cy"):
        apps[name].stage = "interview"
        apps[name].save(update_fields=["stage"])
    rows = selectors.posting_ranking(posting=posting, stage="interview")
    assert [(r.candidate_name, r.score) for r in rows] == [("Di", 43.75), ("Cy", None)]


def test_ranking_of_a_stage_without_applications_is_empty(ranking_world):
    posting, _ = ranking_world
    assert selectors.posting_ranking(posting=posting, stage="hired") == []


@pytest.mark.parametrize(
    ("must_haves", "names"),
    [("pass", ["Bo", "Al"]), ("fail", ["Di"]), ("unscored", ["Cy"])],
)
def test_ranking_filters_by_must_have_result(ranking_world, must_haves, names):
    posting, _ = ranking_world
    rows = selectors.posting_ranking(posting=posting, must_haves=must_haves)
    assert [r.candidate_name for r in rows] == names


def test_ranking_by_name(ranking_world):
    posting, _ = ranking_world
    rows = selectors.posting_ranking(posting=posting, order="name")
    assert [r.candidate_name for r in rows] == ["Al", "Bo", "Cy", "Di"]


def test_ranking_by_score_ascending_still_puts_unscored_last(ranking_world):
    posting, _ = ranking_world
    rows = selectors.posting_ranking(posting=posting, order="score")
    assert [r.candidate_name for r in rows] == ["Di", "Al", "Bo", "Cy"]


def test_ranking_by_score_descending_is_the_default(ranking_world):
    posting, _ = ranking_world
    explicit = selectors.posting_ranking(posting=posting, order="-score")
    assert [r.candidate_name for r in explicit] == ["Bo", "Al", "Di", "Cy"]
    for fallback in ("", "best", "--score"):
        rows = selectors.posting_ranking(posting=posting, order=fallback)
        assert [r.candidate_name for r in rows] == ["Bo", "Al", "Di", "Cy"]


@pytest.mark.parametrize("order", ["name", "-name", "score", "stage", "-submitted"])
def test_ranking_rank_stays_with_the_application_whatever_the_order(ranking_world, order):
    posting, _ = ranking_world
    rows = selectors.posting_ranking(posting=posting, order=order)
    assert {r.candidate_name: r.rank for r in rows} == {"Bo": 1, "Al": 2, "Di": 3, "Cy": 4}


def test_ranking_equal_scores_rank_by_name(ann):
    rubric = published_rubric()
    for name in ("Zoe", "Abe"):
        application = ApplicationFactory(rubric=rubric, candidate=CandidateFactory(full_name=name))
        submit(ReviewAssignmentFactory(application=application, reviewer=ann), (3, 3, 3))
    rows = selectors.posting_ranking(posting=rubric.posting, order="-name")
    assert [(r.candidate_name, r.rank) for r in rows] == [("Zoe", 2), ("Abe", 1)]


def test_ranking_keeps_the_whole_postings_rank_on_filtered_rows(ranking_world):
    posting, _ = ranking_world
    whole = {r.candidate_name: r.rank for r in selectors.posting_ranking(posting=posting)}
    rows = selectors.posting_ranking(posting=posting, must_haves="fail")
    assert [(r.candidate_name, r.rank) for r in rows] == [("Di", whole["Di"])]
    assert whole["Di"] == 3


def test_ranking_rounds_the_score_to_two_places(ann):
    application = ApplicationFactory()
    submit(ReviewAssignmentFactory(application=application, reviewer=ann), (4, 3, 2))
    # 37.5·3/3 + 37.5·2/3 + 25·1/3 = 70.8333…
    (row,) = selectors.posting_ranking(posting=application.posting)
    assert row.score == 70.83


def test_ranking_score_agrees_with_the_application_summary(ranking_world, recruiter):
    posting, apps = ranking_world
    rows = {r.application_id: r.score for r in selectors.posting_ranking(posting=posting)}
    for application in apps.values():
        summary = selectors.application_summary(application=application, viewer=recruiter)
        expected = None if summary.score is None else round(summary.score, 2)
        assert rows[application.pk] == expected


def test_ranking_scores_each_application_on_its_pinned_rubric(ann):
    posting = JobPostingFactory()
    old = rubric_with_criteria(posting=posting, version=1, state=Rubric.State.RETIRED, scale_max=5)
    new = published_rubric(posting=posting, version=2)
    on_old = ApplicationFactory(rubric=old, candidate=CandidateFactory(full_name="Old"))
    on_new = ApplicationFactory(rubric=new, candidate=CandidateFactory(full_name="New"))
    # 4 on a 1–5 scale is 3/4 of the way; on a 1–4 scale it is the top.
    submit(ReviewAssignmentFactory(application=on_old, reviewer=ann), (4, 4, 4))
    submit(ReviewAssignmentFactory(application=on_new, reviewer=ann), (4, 4, 4))
    rows = selectors.posting_ranking(posting=posting)
    assert [(r.candidate_name, r.rubric_version, r.score) for r in rows] == [
        ("New", 2, 100.0),
        ("Old", 1, 75.0),
    ]


def test_ranking_uses_the_same_number_of_queries_for_2_and_40_applications(
    django_assert_num_queries,
):
    rubric = published_rubric()
    reviewers = [ReviewerFactory() for _ in range(3)]

    def add_applications(n):
        for _ in range(n):
            application = ApplicationFactory(rubric=rubric)
            for reviewer in reviewers:
                assignment = ReviewAssignmentFactory(application=application, reviewer=reviewer)
                submit(assignment, (3, 4, 2))

    add_applications(2)
    with CaptureQueriesContext(connection) as for_two:
        assert len(list(selectors.posting_ranking(posting=rubric.posting))) == 2
    # Applications, criteria, score totals, tallies, calibration runs (and
    # their adjusted scores when a run exists).
    assert len(for_two) <= 6
    add_applications(38)
    with django_assert_num_queries(len(for_two)):
        rows = list(selectors.posting_ranking(posting=rubric.posting))
    assert len(rows) == 40
    # 37.5·2/3 + 37.5·3/3 + 25·1/3 = 70.8333…
    assert {r.score for r in rows} == {70.83}
