"""Retention: postings stamp when they close; candidates past every posting's retention
period are erased by the nightly run (once, however often it runs), except those under a
legal hold, which a recruiter places and releases with a reason."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from core.models import AuditEvent
from rubrics import services as rubric_services
from rubrics.models import JobPosting
from screening.models import Candidate, CriterionScore, RetentionRun
from screening.privacy import retention
from screening.privacy.retention import add_months, legal_hold_place, legal_hold_release
from screening.tasks import erase_candidates_past_retention
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    ReviewerFactory,
    assign_and_submit,
    published_rubric,
)
from tests.support import changelist_url, messages_of, run_action, table_rows

pytestmark = pytest.mark.django_db


def _closed(months_ago: int, *, retention_months=None):
    rubric = published_rubric()
    closed_at = add_months(timezone.now(), -months_ago)
    JobPosting.objects.filter(pk=rubric.posting_id).update(
        status=JobPosting.Status.CLOSED, closed_at=closed_at, retention_months=retention_months
    )
    return rubric


def _apply(candidate, rubric):
    return ApplicationFactory(candidate=candidate, rubric=rubric, posting=rubric.posting)


# --- closed_at -------------------------------------------------------------------------


def test_closing_a_posting_stamps_when_and_reopening_clears_it(recruiter):
    posting = rubric_services.posting_create(actor=recruiter, title="Welder", raw_text="Weld.")
    assert posting.closed_at is None
    posting = rubric_services.posting_update(posting=posting, actor=recruiter, status="closed")
    assert posting.closed_at is not None
    first = posting.closed_at
    posting = rubric_services.posting_update(posting=posting, actor=recruiter, title="Welder II")
    assert posting.closed_at == first  # still closed, same date
    posting = rubric_services.posting_update(posting=posting, actor=recruiter, status="open")
    assert posting.closed_at is None
    created_closed = rubric_services.posting_create(
        actor=recruiter, title="Old", raw_text="Old.", status="closed"
    )
    assert created_closed.closed_at is not None


# --- who is due ------------------------------------------------------------------------


def test_add_months_keeps_the_day_or_takes_the_months_last():
    moment = timezone.now().replace(year=2025, month=1, day=31)
    assert add_months(moment, 1).date().isoformat() == "2025-02-28"
    assert add_months(moment, 24).date().isoformat() == "2027-01-31"
    assert add_months(moment, -2).date().isoformat() == "2024-11-30"


def test_due_only_when_every_posting_is_closed_and_past_its_period(settings):
    settings.SCREENING_RETENTION_MONTHS = 24
    old, recent, custom = _closed(25), _closed(3), _closed(7, retention_months=6)
    open_rubric = published_rubric()
    due_default, due_custom, not_yet, mixed, live, alone = (CandidateFactory() for _ in range(6))
    _apply(due_default, old)
    _apply(due_custom, custom)
    _apply(not_yet, recent)
    _apply(mixed, old)
    _apply(mixed, open_rubric)
    _apply(live, open_rubric)
    # `alone` applied to nothing: no posting says how long to keep them.
    assert set(retention.candidates_due()) == {due_default, due_custom}
    settings.SCREENING_RETENTION_MONTHS = 2
    assert not_yet in set(retention.candidates_due())
    assert alone not in set(retention.candidates_due())


# --- runs ----------------------------------------------------------------------------


def test_the_run_erases_once_skips_held_and_keeps_ratings(recruiter):
    rubric = _closed(30)
    due, held = CandidateFactory(full_name="Tamsin Oakhollow"), CandidateFactory()
    application = _apply(due, rubric)
    _apply(held, rubric)
    criteria = list(rubric.criteria.order_by("order"))
    assign_and_submit(application, ReviewerFactory(), criteria, [3, 2, 4])
    legal_hold_place(candidate=held, actor=recruiter, reason="Tribunal claim 2026/44")

    first = erase_candidates_past_retention.delay().get()
    second = erase_candidates_past_retention.delay().get()

    assert (first["erased"], first["held"]) == (1, 1)
    assert (second["erased"], second["held"]) == (0, 1)
    due.refresh_from_db()
    held.refresh_from_db()
    assert due.is_erased and not held.is_erased
    runs = list(RetentionRun.objects.order_by("id"))
    assert [(r.erased_count, r.held_count, r.dry_run) for r in runs] == [
        (1, 1, False),
        (0, 1, False),
    ]
    assert runs[0].pseudonyms == [due.pseudonym]
    assert runs[0].finished_at is not None
    assert "Oakhollow" not in str(runs[0].pseudonyms)
    assert AuditEvent.objects.filter(event="candidate.erased").count() == 1
    assert AuditEvent.objects.filter(event="retention.run").count() == 2
    assert sorted(
        CriterionScore.objects.filter(scorecard__application=application).values_list(
            "value", flat=True
        )
    ) == [2, 3, 4]


def test_a_dry_run_records_what_is_due_and_erases_nothing():
    rubric = _closed(30)
    candidate = CandidateFactory()
    _apply(candidate, rubric)
    run = retention.run_retention(dry_run=True, trigger=RetentionRun.Trigger.MANUAL)
    candidate.refresh_from_db()
    assert not candidate.is_erased
    assert (run.due_count, run.erased_count, run.dry_run) == (1, 0, True)


def test_the_nightly_schedule_exists():
    task = PeriodicTask.objects.get(task="screening.tasks.erase_candidates_past_retention")
    assert task.enabled and task.crontab is not None


# --- legal holds -------------------------------------------------------------------------


def test_a_hold_needs_a_reason_in_the_service_and_in_the_database(recruiter):
    from django.core.exceptions import ValidationError

    candidate = CandidateFactory()
    with pytest.raises(ValidationError):
        legal_hold_place(candidate=candidate, actor=recruiter, reason="  ")
    with pytest.raises(IntegrityError), transaction.atomic():
        Candidate.objects.filter(pk=candidate.pk).update(legal_hold=True, legal_hold_reason="")


def test_placing_and_releasing_a_hold_is_audited(recruiter):
    candidate = CandidateFactory()
    held = legal_hold_place(candidate=candidate, actor=recruiter, reason="Litigation hold L-7")
    assert (held.legal_hold, held.legal_hold_by, held.legal_hold_reason) == (
        True,
        recruiter,
        "Litigation hold L-7",
    )
    released = legal_hold_release(candidate=candidate, actor=recruiter, reason="Case closed")
    assert (released.legal_hold, released.legal_hold_reason, released.legal_hold_at) == (
        False,
        "",
        None,
    )
    events = list(
        AuditEvent.objects.filter(event__startswith="candidate.legal_hold").order_by("id")
    )
    assert [e.event for e in events] == [
        "candidate.legal_hold_placed",
        "candidate.legal_hold_released",
    ]
    assert events[1].changes["reason"] == "Case closed"


# --- the admin -----------------------------------------------------------------------------


def test_the_hold_action_asks_for_a_reason(recruiter_client):
    candidate = CandidateFactory()
    page = run_action(recruiter_client, Candidate, "place_legal_hold", candidate)
    assert page.status_code == 200 and b'name="reason"' in page.content
    data = {"action": "place_legal_hold", "_selected_action": [candidate.pk], "_hold": "1"}
    empty = recruiter_client.post(changelist_url(Candidate), {**data, "reason": ""})
    assert empty.status_code == 200 and b"This field is required" in empty.content
    candidate.refresh_from_db()
    assert not candidate.legal_hold
    done = recruiter_client.post(
        changelist_url(Candidate), {**data, "reason": "Subject access dispute"}, follow=True
    )
    candidate.refresh_from_db()
    assert candidate.legal_hold and candidate.legal_hold_reason == "Subject access dispute"
    assert any("Placed on legal hold" in t for _l, t in messages_of(done))
    release = {
        "action": "release_legal_hold",
        "_selected_action": [candidate.pk],
        "_hold": "1",
        "reason": "Resolved",
    }
    recruiter_client.post(changelist_url(Candidate), release)
    candidate.refresh_from_db()
    assert not candidate.legal_hold


def test_the_due_page_lists_who_would_go_and_who_is_held_and_runs_on_request(
    recruiter_client, recruiter
):
    rubric = _closed(30)
    due = CandidateFactory(full_name="Ivo Quarrington")
    held = CandidateFactory(full_name="Maud Fennimore")
    kept = CandidateFactory(full_name="Rhea Stillwater")
    _apply(due, rubric)
    _apply(held, rubric)
    _apply(kept, published_rubric())
    legal_hold_place(candidate=held, actor=recruiter, reason="Employment tribunal")
    page = recruiter_client.get(changelist_url(Candidate) + "due-for-erasure/")
    assert page.status_code == 200
    text = page.content.decode()
    erase_part, held_part = text.split('id="due-held"')
    assert "Ivo Quarrington" in erase_part and "Maud Fennimore" not in erase_part
    assert "Maud Fennimore" in held_part and "Employment tribunal" in held_part
    assert "Rhea Stillwater" not in text
    due.refresh_from_db()
    assert not due.is_erased  # the page itself changes nothing
    done = recruiter_client.post(changelist_url(Candidate) + "due-for-erasure/", follow=True)
    due.refresh_from_db()
    assert due.is_erased
    assert any("erased 1 candidate" in t for _l, t in messages_of(done))
    rows = table_rows(done, "result_list")
    assert len(rows) == 1


def test_reviewers_cannot_open_the_due_page_or_the_runs(reviewer_client):
    assert reviewer_client.get(changelist_url(Candidate) + "due-for-erasure/").status_code in (
        302,
        403,
    )
    assert reviewer_client.get(changelist_url(RetentionRun)).status_code in (302, 403)


@pytest.mark.parametrize("size", [2, 12])
def test_the_runs_list_costs_the_same_whatever_its_length(
    recruiter_client, recruiter, django_assert_max_num_queries, size
):
    for _ in range(size):
        RetentionRun.objects.create(
            started_by=recruiter, finished_at=timezone.now() + timedelta(seconds=1)
        )
    with django_assert_max_num_queries(12):
        page = recruiter_client.get(changelist_url(RetentionRun))
    assert page.status_code == 200
    assert len(table_rows(page, "result_list")) == size
    assert b"addlink" not in page.content


@pytest.mark.parametrize("size", [2, 12])
def test_the_due_page_costs_the_same_whatever_its_length(
    recruiter_client, recruiter, django_assert_max_num_queries, size
):
    rubric = _closed(30)
    for n in range(size):
        candidate = CandidateFactory()
        _apply(candidate, rubric)
        if n % 2:
            legal_hold_place(candidate=candidate, actor=recruiter, reason="Hold")
    with django_assert_max_num_queries(12):
        page = recruiter_client.get(changelist_url(Candidate) + "due-for-erasure/")
    assert page.status_code == 200


def test_a_candidate_who_never_applied_is_due_the_default_period_after_being_added(settings):
    settings.SCREENING_RETENTION_MONTHS = 24
    forgotten, recent = CandidateFactory(), CandidateFactory()
    Candidate.objects.filter(pk=forgotten.pk).update(created_at=add_months(timezone.now(), -25))
    Candidate.objects.filter(pk=recent.pk).update(created_at=add_months(timezone.now(), -23))

    due = retention.due_for_erasure()

    assert [c.pk for c in due.erase] == [forgotten.pk]
    expected = add_months(Candidate.objects.get(pk=forgotten.pk).created_at, 24)
    assert due.erase[0].due_since == expected


def test_due_since_is_when_the_last_of_their_postings_ran_out(settings):
    settings.SCREENING_RETENTION_MONTHS = 24
    earlier, later = _closed(40), _closed(30)
    candidate = CandidateFactory()
    _apply(candidate, earlier)
    _apply(candidate, later)

    (due,) = retention.due_for_erasure().erase

    closed_later = JobPosting.objects.get(pk=later.posting_id).closed_at
    assert due.due_since == add_months(closed_later, 24)


def test_one_candidate_failing_does_not_stop_the_run(monkeypatch, recruiter):
    rubric = _closed(30)
    first, second = CandidateFactory(), CandidateFactory()
    _apply(first, rubric)
    _apply(second, rubric)
    real = retention.erase_candidate

    def failing_for_first(candidate, **kwargs):
        if candidate.pk == first.pk:
            raise RuntimeError("storage unreachable")
        return real(candidate, **kwargs)

    monkeypatch.setattr(retention, "erase_candidate", failing_for_first)
    run = retention.run_retention(actor=recruiter)

    assert (run.due_count, run.erased_count) == (2, 1)
    assert run.finished_at is not None
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.erased_at is None and second.erased_at is not None
    event = AuditEvent.objects.get(event="retention.run")
    assert event.changes["failed"] == 1


def test_the_due_page_lists_them_a_page_at_a_time(recruiter_client, monkeypatch):
    from screening.admin import candidates as candidate_admin

    monkeypatch.setattr(candidate_admin, "DUE_PER_PAGE", 3)
    rubric = _closed(30)
    names = [f"Due Person {n:02d}" for n in range(7)]
    for name in names:
        _apply(CandidateFactory(full_name=name), rubric)
    url = changelist_url(Candidate) + "due-for-erasure/"

    pages = [recruiter_client.get(url, {"page": n}) for n in (1, 2, 3)]
    beyond = recruiter_client.get(url, {"page": 99})

    listed = [[name for name in names if name in p.content.decode()] for p in pages]
    assert [len(names_on_page) for names_on_page in listed] == [3, 3, 1]
    assert sorted(sum(listed, [])) == names
    assert "Candidates 4–6 of 7" in pages[1].content.decode()
    assert "page 3 of 3" in beyond.content.decode()  # the last page, not an error
    # The run still erases all seven.
    assert "Run now: erase 7 candidates" in pages[0].content.decode()
