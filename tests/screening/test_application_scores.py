"""Stored application scores (screening.scores): random histories of assignments, submits,
reopens, removals and stage changes through the services leave every stored row equal to
a recomputation from scratch and to the application's summary; the rebuild command mends
and checks them; the ranking's pages cost the same number of queries whatever their size."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from rubrics.models import Criterion, Rubric
from screening import score_counts, scores, selectors, services
from screening.models import Application, ApplicationScore, ReviewAssignment, Scorecard
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    CriterionFactory,
    RecruiterFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    rubric_with_criteria,
    submit_scores,
)

pytestmark = pytest.mark.django_db

LEVEL = st.integers(min_value=1, max_value=4)
STEP = st.one_of(
    st.tuples(st.just("assign"), st.integers(0, 2), st.integers(0, 2)),
    st.tuples(
        st.just("submit"),
        st.integers(0, 2),
        st.integers(0, 2),
        st.tuples(LEVEL, LEVEL, st.one_of(st.none(), LEVEL)),
        st.one_of(st.none(), st.booleans()),
        st.integers(1, 4),
    ),
    st.tuples(st.just("reopen"), st.integers(0, 2), st.integers(0, 2)),
    st.tuples(st.just("unassign"), st.integers(0, 2), st.integers(0, 2)),
    st.tuples(st.just("stage"), st.integers(0, 2), st.sampled_from(Application.Stage.values)),
)


def rubric_with_a_question() -> Rubric:
    """Published 1–4: two must-haves (knockout below 2), a bonus and a yes/no question."""
    rubric = rubric_with_criteria()
    CriterionFactory(rubric=rubric, kind=Criterion.Kind.SCREENING, title="Weekend call-outs")
    Rubric.objects.filter(pk=rubric.pk).update(state=Rubric.State.PUBLISHED)
    rubric.refresh_from_db()
    return rubric


def assert_rows_match_a_recomputation(applications, recruiter):
    assert scores.differing_application_scores() == []
    assert score_counts.differing_counts() == []
    for application in applications:
        stored = ApplicationScore.objects.get(pk=application.pk)
        summary = selectors.application_summary(application=application, viewer=recruiter)
        application.refresh_from_db()
        expected_score = None if summary.score is None else round(summary.score, 2)
        assert (stored.score, stored.submitted, stored.pending, stored.stage) == (
            expected_score,
            summary.submitted_count,
            summary.pending_count,
            application.stage,
        )
        assert stored.failed == summary.failed_must_haves
        assert [stored.strong_no, stored.no, stored.yes, stored.strong_yes] == list(
            summary.tally.values() if summary.tally else [0, 0, 0, 0]
        )


class StoredScoresFollowEveryChange(TestCase):
    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(steps=st.lists(STEP, min_size=1, max_size=14))
    def test_random_histories_keep_the_rows_equal_to_a_recomputation(self, steps):
        recruiter = RecruiterFactory()
        rubric = rubric_with_a_question()
        must_1, must_2, bonus, question = rubric.criteria.order_by("order", "id")
        applications = [ApplicationFactory(rubric=rubric) for _ in range(3)]
        reviewers = [ReviewerFactory() for _ in range(3)]

        def assignment(app, rev):
            return ReviewAssignment.objects.filter(
                application=applications[app], reviewer=reviewers[rev]
            ).first()

        for step in steps:
            op, app = step[0], step[1]
            if op == "assign" and assignment(app, step[2]) is None:
                services.assignment_create(
                    application=applications[app], reviewer=reviewers[step[2]], actor=recruiter
                )
            elif op == "submit" and (a := assignment(app, step[2])) is not None:
                if not a.scorecard.is_submitted:
                    levels, answer, recommendation = step[3], step[4], step[5]
                    entries = [
                        {"criterion": c.pk, "value": v}
                        for c, v in zip((must_1, must_2, bonus), levels, strict=True)
                    ]
                    entries.append({"criterion": question.pk, "answer": answer})
                    services.scorecard_save(
                        scorecard=a.scorecard,
                        reviewer=reviewers[step[2]],
                        scores=entries,
                        recommendation=recommendation,
                        submit=True,
                        schedule_calibration=False,
                    )
            elif op == "reopen" and (a := assignment(app, step[2])) is not None:
                if a.scorecard.is_submitted:
                    services.scorecard_reopen(scorecard=a.scorecard, actor=recruiter)
            elif op == "unassign" and (a := assignment(app, step[2])) is not None:
                a.delete()  # as the admin's delete does
            elif op == "stage":
                services.application_set_stage(
                    application=applications[app], actor=recruiter, stage=step[2]
                )
            assert_rows_match_a_recomputation(applications, recruiter)


# --- The rebuild command -------------------------------------------------------------


@pytest.fixture
def scored_world():
    rubric = rubric_with_criteria(state=Rubric.State.PUBLISHED)
    criteria = list(rubric.criteria.order_by("order", "id"))
    applications = [
        ApplicationFactory(rubric=rubric, candidate=CandidateFactory(full_name=name))
        for name in ("Ada", "Bo", "Cy")
    ]
    for application, levels in zip(applications, [(4, 4, 4), (2, 3, None)], strict=False):
        submit_scores(
            ReviewAssignmentFactory(application=application),
            dict(zip(criteria, levels, strict=True)),
        )
    return rubric.posting, applications


def test_a_submit_stores_the_row_the_ranking_reads(scored_world):
    posting, (ada, bo, cy) = scored_world
    stored = {s.pk: s for s in ApplicationScore.objects.filter(posting=posting)}

    assert (stored[ada.pk].score, stored[ada.pk].must_haves) == (100.0, "pass")
    # (37.5·1/3 + 37.5·2/3 + 0) = 37.5
    assert (stored[bo.pk].score, stored[bo.pk].submitted) == (37.5, 1)
    assert (stored[cy.pk].score, stored[cy.pk].must_haves) == (None, "unscored")


def test_check_finds_a_row_that_drifted_and_the_rebuild_mends_it(scored_world):
    posting, (ada, bo, _cy) = scored_world
    ApplicationScore.objects.filter(pk=bo.pk).update(score=99.0)
    ApplicationScore.objects.filter(pk=ada.pk).delete()

    with pytest.raises(CommandError) as raised:
        call_command("rebuild_application_scores", "--check")
    assert str(raised.value) == (
        f"2 stored score rows differ from the ratings: applications {ada.pk}, {bo.pk}. "
        "Run rebuild_application_scores to mend them."
    )

    out = StringIO()
    call_command("rebuild_application_scores", "--posting", str(posting.pk), stdout=out)
    assert (
        out.getvalue() == f"Rebuilt 3 stored score rows of posting {posting.pk} and their counts.\n"
    )
    assert ApplicationScore.objects.get(pk=bo.pk).score == 37.5

    out = StringIO()
    call_command("rebuild_application_scores", "--check", stdout=out)
    assert out.getvalue() == "Every stored score row matches the ratings.\n"


def test_rebuild_of_an_unknown_posting_is_refused(db):
    with pytest.raises(CommandError, match="No posting has the id 999999."):
        call_command("rebuild_application_scores", "--posting", "999999")


def test_the_database_refuses_a_score_without_a_submitted_scorecard(scored_world):
    from django.db import IntegrityError, transaction

    _posting, (_ada, _bo, cy) = scored_world
    with pytest.raises(IntegrityError), transaction.atomic():
        ApplicationScore.objects.filter(pk=cy.pk).update(score=50.0, has_score=True)


def test_removing_an_assignment_lowers_the_pending_count(scored_world):
    _posting, (_ada, _bo, cy) = scored_world
    assignment = ReviewAssignmentFactory(application=cy)
    assert ApplicationScore.objects.get(pk=cy.pk).pending == 1

    assignment.delete()

    assert ApplicationScore.objects.get(pk=cy.pk).pending == 0


def test_deleting_an_application_deletes_its_row(scored_world):
    _posting, (ada, _bo, _cy) = scored_world
    Scorecard.objects.filter(application=ada).delete()
    ReviewAssignment.objects.filter(application=ada).delete()

    ada.delete()

    assert not ApplicationScore.objects.filter(pk=ada.pk).exists()


def test_renaming_a_candidate_renames_the_row(scored_world):
    _posting, (ada, _bo, _cy) = scored_world
    services.candidate_update(candidate=ada.candidate, actor=None, full_name="Ada King")

    stored = ApplicationScore.objects.get(pk=ada.pk)
    assert (stored.candidate_name, stored.name_key) == ("Ada King", "ada king")


# --- Pages of the ranking ------------------------------------------------------------


def many_scored(n, rubric, reviewer):
    criteria = list(rubric.criteria.order_by("order", "id"))
    for i in range(n):
        application = ApplicationFactory(
            rubric=rubric, candidate=CandidateFactory(full_name=f"Candidate {i:03d}")
        )
        submit_scores(
            ReviewAssignmentFactory(application=application, reviewer=reviewer),
            dict(zip(criteria, (1 + i % 4, 1 + (i // 4) % 4, None), strict=True)),
        )


@pytest.mark.parametrize("size", [5, 40])
@pytest.mark.parametrize(
    "params",
    [{}, {"order": "name"}, {"stage": "screening"}, {"must_haves": "fail", "order": "-adjusted"}],
)
def test_a_ranking_page_costs_the_same_queries_whatever_its_size(
    recruiter_api, django_assert_max_num_queries, size, params
):
    rubric = rubric_with_criteria(state=Rubric.State.PUBLISHED)
    many_scored(45, rubric, ReviewerFactory())

    # session, user, recruiter check, posting, the viewer's blind rows, count, page,
    # the ranks' aggregates (up to three), latest calibration runs
    with django_assert_max_num_queries(11):
        response = recruiter_api.get(
            f"/api/v1/postings/{rubric.posting_id}/ranking/", {**params, "page_size": size}
        )

    assert response.status_code == 200
    assert len(response.json()) == min(size, int(response["X-Total-Count"]))


def test_the_api_pages_the_ranking_with_links(recruiter_api):
    rubric = rubric_with_criteria(state=Rubric.State.PUBLISHED)
    many_scored(7, rubric, ReviewerFactory())
    url = f"/api/v1/postings/{rubric.posting_id}/ranking/"

    first = recruiter_api.get(url, {"page_size": 3})
    second = recruiter_api.get(url, {"page_size": 3, "page": 2})
    whole = recruiter_api.get(url)

    assert first["X-Total-Count"] == "7"
    assert 'rel="next"' in first["Link"] and "cursor=" in first["Link"]
    assert second["Link"].endswith('page_size=3&page=1>; rel="prev"')
    ranks = [row["rank"] for row in first.json() + second.json()]
    assert ranks == [1, 2, 3, 4, 5, 6]
    assert [row["application"] for row in whole.json()][:6] == [
        row["application"] for row in first.json() + second.json()
    ]


def test_a_bad_page_size_is_a_field_error(recruiter_api):
    rubric = rubric_with_criteria(state=Rubric.State.PUBLISHED)

    response = recruiter_api.get(
        f"/api/v1/postings/{rubric.posting_id}/ranking/", {"page_size": "lots"}
    )

    assert response.status_code == 400
    assert response.json() == {"page_size": ["A whole number from 1 up."], "code": "invalid"}


@pytest.mark.parametrize("order", selectors.ranking_orders())
@pytest.mark.parametrize("filters", [{}, {"stage": "interview"}, {"must_haves": "pass"}])
def test_every_page_equals_the_same_slice_of_the_whole_ranking(recruiter, order, filters):
    """Ranks and order of each page read on its own index match the whole list sorted in
    Python, for a viewer still scoring some applications (blind rows merged in)."""
    rubric = rubric_with_criteria(state=Rubric.State.PUBLISHED)
    many_scored(23, rubric, ReviewerFactory())
    for application in Application.objects.filter(rubric=rubric)[:6]:
        services.application_set_stage(application=application, actor=recruiter, stage="interview")
    for application in Application.objects.filter(rubric=rubric).order_by("-pk")[:3]:
        ReviewAssignmentFactory(application=application, reviewer=recruiter)  # blind

    ranking = selectors.posting_ranking(
        posting=rubric.posting, order=order, viewer=recruiter, **filters
    )
    whole = list(ranking)
    paged = [row for start in range(0, len(whole), 4) for row in ranking[start : start + 4]]

    # The same by keyset: each page starts after the last row of the one before.
    keyset, key = [], None
    while page := ranking.after(key, 4):
        keyset += page
        key = ranking.key_of(page[-1])

    assert len(ranking) == len(whole)
    assert [(r.application_id, r.rank, r.blind) for r in paged] == [
        (r.application_id, r.rank, r.blind) for r in whole
    ]
    assert [(r.application_id, r.rank, r.blind) for r in keyset] == [
        (r.application_id, r.rank, r.blind) for r in whole
    ]


def test_the_debriefs_neighbours_are_the_whole_rankings(recruiter):
    rubric = rubric_with_criteria(state=Rubric.State.PUBLISHED)
    many_scored(9, rubric, ReviewerFactory())
    unscored = ApplicationFactory(rubric=rubric, candidate=CandidateFactory(full_name="Zed"))
    blind = Application.objects.filter(rubric=rubric).order_by("pk").first()
    ReviewAssignmentFactory(application=blind, reviewer=recruiter)

    ranking = selectors.posting_ranking(posting=rubric.posting, viewer=recruiter)
    whole = list(ranking)
    ids = [r.application_id for r in whole]

    for at, row in enumerate(whole):
        found, count, previous, following = ranking.neighbours(row.application_id)
        assert (found.application_id, found.rank, found.blind, count) == (
            row.application_id,
            at + 1,
            row.blind,
            10,
        )
        assert previous == (ids[at - 1] if at else None)
        assert following == (ids[at + 1] if at + 1 < len(ids) else None)
    # Unscored last, by name: the blind "Candidate 000" before "Zed".
    assert [(r.application_id, r.blind) for r in whole[-2:]] == [
        (blind.pk, True),
        (unscored.pk, False),
    ]


def test_deep_pages_and_many_ties_read_the_same_rows(recruiter, monkeypatch):
    """Past DEFERRED_OFFSET a page reads the ids first; ties are counted in groups."""
    rubric = rubric_with_criteria(state=Rubric.State.PUBLISHED)
    many_scored(17, rubric, ReviewerFactory())
    ranking = selectors.posting_ranking(posting=rubric.posting, order="name")
    whole = [(r.application_id, r.rank) for r in ranking]
    monkeypatch.setattr(selectors, "DEFERRED_OFFSET", 0)
    monkeypatch.setattr(selectors, "TIES_PER_QUERY", 2)

    paged = [(r.application_id, r.rank) for s in range(0, 17, 5) for r in ranking[s : s + 5]]

    assert paged == whole


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks need PostgreSQL; SQLite serialises writers",
)
def test_two_reviewers_submitting_at_once_are_both_counted(settings):
    """Each submit locks the stored row before reading the scorecards, so the second sees
    the first's: no lost update."""
    from tests.screening.test_concurrency import run_together

    settings.CALIBRATION_ON_SUBMIT = False
    rubric = rubric_with_criteria(state=Rubric.State.PUBLISHED)
    criteria = list(rubric.criteria.order_by("order", "id"))
    application = ApplicationFactory(rubric=rubric)
    reviewers = [ReviewerFactory(), ReviewerFactory()]
    cards = [
        ReviewAssignmentFactory(application=application, reviewer=r).scorecard for r in reviewers
    ]

    def submit(card, reviewer, level):
        return lambda: services.scorecard_save(
            scorecard=card,
            reviewer=reviewer,
            scores=[{"criterion": c.pk, "value": level} for c in criteria],
            recommendation=3,
            submit=True,
        )

    outcomes = run_together(submit(cards[0], reviewers[0], 4), submit(cards[1], reviewers[1], 2))

    assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes
    stored = ApplicationScore.objects.get(pk=application.pk)
    # Consensus 3 on every criterion: (3 − 1)/3 = 66.67.
    assert (stored.submitted, stored.pending, stored.score) == (2, 0, 66.67)
    assert scores.differing_application_scores() == []
