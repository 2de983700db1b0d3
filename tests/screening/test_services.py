from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from core.errors import Conflict
from core.models import AuditEvent
from rubrics.models import JobPosting, Rubric
from screening import services
from screening.errors import NotAssigned, ScorecardLocked
from screening.models import Application, Candidate, CriterionScore, ReviewAssignment, Scorecard
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    JobPostingFactory,
    RecruiterFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    UserFactory,
    published_rubric,
    rubric_with_criteria,
)

pytestmark = pytest.mark.django_db

HEADER = "full_name,email,phone,links,notes\n"


@pytest.fixture
def assignment(reviewer):
    return ReviewAssignmentFactory(reviewer=reviewer)


@pytest.fixture
def criteria(assignment):
    """The pinned rubric's criteria: must-have, must-have, bonus."""
    return list(assignment.application.rubric.criteria.order_by("order"))


def log_entries(obj) -> list[tuple[str, str, str]]:
    """(actor's username, event, summary) of each audit event on obj."""
    return list(
        AuditEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
        )
        .order_by("id")
        .values_list("actor__username", "event", "summary")
    )


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return (header + "".join(row + "\n" for row in rows)).encode()


def complete_scores(criteria, values=(3, 4, None)) -> list[dict]:
    return [{"criterion": c.pk, "value": v} for c, v in zip(criteria, values, strict=True)]


def stored_scores(scorecard) -> dict[int, int | None]:
    return dict(
        CriterionScore.objects.filter(scorecard=scorecard).values_list("criterion", "value")
    )


# --- Candidates -------------------------------------------------------------


def test_candidate_create_stores_the_trimmed_fields(recruiter):
    candidate = services.candidate_create(
        actor=recruiter,
        full_name="  Ada Okafor ",
        email=" ada@example.net ",
        phone=" +44 20 7946 0001 ",
        links=["https://ada.example.net"],
        notes="Met at a meetup.",
    )
    candidate.refresh_from_db()
    assert (candidate.full_name, candidate.email, candidate.phone) == (
        "Ada Okafor",
        "ada@example.net",
        "+44 20 7946 0001",
    )
    assert candidate.links == ["https://ada.example.net"]
    assert candidate.created_by == recruiter


def test_candidate_create_leaves_an_audit_record(recruiter):
    candidate = services.candidate_create(
        actor=recruiter, full_name="Ada Okafor", email="ada@example.net"
    )
    assert log_entries(candidate) == [
        (recruiter.username, "candidate.created", "Added the candidate.")
    ]


def test_candidate_create_with_a_taken_email_in_other_case_is_an_email_error(recruiter):
    CandidateFactory(email="ada@example.net")
    with pytest.raises(ValidationError) as exc:
        services.candidate_create(actor=recruiter, full_name="Ada Okafor", email="ADA@Example.net")
    assert exc.value.message_dict == {"email": ["A candidate with this email already exists."]}


def test_candidate_create_with_a_taken_email_writes_nothing(recruiter):
    CandidateFactory(email="ada@example.net")
    with pytest.raises(ValidationError):
        services.candidate_create(actor=recruiter, full_name="Ada Okafor", email="ADA@Example.net")
    assert Candidate.objects.count() == 1


def test_a_twin_saved_after_the_email_check_is_the_same_email_error(recruiter, monkeypatch):
    """A concurrent request saved the twin between our check and our insert:
    the unique index refuses it, and that refusal is named."""
    CandidateFactory(email="ada@example.net")
    real = services._email_taken
    answers = iter([False])  # the check misses the twin; the recheck sees it

    def email_taken(email, **kwargs):
        answer = next(answers, None)
        return real(email, **kwargs) if answer is None else answer

    monkeypatch.setattr(services, "_email_taken", email_taken)

    with pytest.raises(ValidationError) as exc:
        services.candidate_create(actor=recruiter, full_name="Ada Okafor", email="ADA@Example.net")

    assert exc.value.message_dict == {"email": ["A candidate with this email already exists."]}
    assert Candidate.objects.count() == 1


def test_an_unnamed_integrity_error_on_saving_a_candidate_goes_on(recruiter, monkeypatch):
    def refused(self, *args, **kwargs):
        raise IntegrityError("CHECK constraint failed: something_else")

    monkeypatch.setattr(Candidate, "save", refused)

    with pytest.raises(IntegrityError, match="something_else"):
        services.candidate_create(actor=recruiter, full_name="Ada Okafor", email="ada@example.net")


def test_an_unnamed_integrity_error_on_assigning_is_not_taken_for_a_race(
    recruiter, reviewer, monkeypatch
):
    application = ApplicationFactory()

    def refused(**kwargs):
        raise IntegrityError("FOREIGN KEY constraint failed")

    monkeypatch.setattr(ReviewAssignment.objects, "create", refused)

    with pytest.raises(IntegrityError, match="FOREIGN KEY"):
        services.assignment_create(application=application, reviewer=reviewer, actor=recruiter)


def test_an_unnamed_integrity_error_on_opening_an_application_is_not_taken_for_a_race(
    recruiter, monkeypatch
):
    rubric = published_rubric()

    def refused(**kwargs):
        raise IntegrityError("FOREIGN KEY constraint failed")

    monkeypatch.setattr(Application.objects, "create", refused)

    with pytest.raises(IntegrityError, match="FOREIGN KEY"):
        services.application_open(
            candidate=CandidateFactory(), posting=rubric.posting, actor=recruiter
        )


def test_candidate_create_with_a_bad_email_is_an_email_error(recruiter):
    with pytest.raises(ValidationError) as exc:
        services.candidate_create(actor=recruiter, full_name="Ada Okafor", email="ada-at-home")
    assert exc.value.message_dict == {"email": ["Enter a valid email address."]}


def test_candidate_create_without_a_name_is_a_name_error(recruiter):
    with pytest.raises(ValidationError) as exc:
        services.candidate_create(actor=recruiter, full_name="   ", email="ada@example.net")
    assert exc.value.message_dict == {"full_name": ["This field cannot be blank."]}


def test_candidate_update_changes_the_fields(recruiter):
    candidate = CandidateFactory(full_name="Ada Okafor")
    services.candidate_update(
        candidate=candidate, actor=recruiter, full_name="Ada O. Okafor", notes="Prefers Leeds."
    )
    candidate.refresh_from_db()
    assert (candidate.full_name, candidate.notes) == ("Ada O. Okafor", "Prefers Leeds.")


def test_candidate_update_leaves_an_audit_record_naming_the_fields(recruiter):
    candidate = CandidateFactory()
    services.candidate_update(
        candidate=candidate, actor=recruiter, phone="+44 1", full_name="Ada Okafor"
    )
    assert log_entries(candidate) == [
        (recruiter.username, "candidate.changed", "Changed full_name, phone.")
    ]


def test_candidate_update_may_change_the_case_of_its_own_email(recruiter):
    candidate = CandidateFactory(email="ada@example.net")
    services.candidate_update(candidate=candidate, actor=recruiter, email="Ada@Example.net")
    candidate.refresh_from_db()
    assert candidate.email == "Ada@Example.net"


def test_candidate_update_to_another_candidates_email_is_an_email_error(recruiter):
    CandidateFactory(email="ada@example.net")
    candidate = CandidateFactory(email="bo@example.net")
    with pytest.raises(ValidationError) as exc:
        services.candidate_update(candidate=candidate, actor=recruiter, email="ADA@example.net")
    assert exc.value.message_dict == {"email": ["A candidate with this email already exists."]}


def test_candidate_update_to_another_candidates_email_changes_nothing(recruiter):
    CandidateFactory(email="ada@example.net")
    candidate = CandidateFactory(email="bo@example.net")
    with pytest.raises(ValidationError):
        services.candidate_update(candidate=candidate, actor=recruiter, email="ADA@example.net")
    candidate.refresh_from_db()
    assert candidate.email == "bo@example.net"


def test_candidate_update_of_an_unknown_field_is_refused(recruiter):
    candidate = CandidateFactory()
    with pytest.raises(ValidationError) as exc:
        services.candidate_update(candidate=candidate, actor=recruiter, created_by=None)
    assert exc.value.message_dict == {"created_by": ["This field cannot be changed."]}


# --- CSV import: parsing ----------------------------------------------------


def test_import_parse_of_a_good_file_gives_the_rows():
    parsed = services.candidate_import_parse(
        csv_bytes(
            "Ada Okafor,ada@example.net,+44 1,https://a.example.net; https://b.example.net,Keen",
            "Bo Lindqvist,bo@example.net,,,",
        )
    )
    assert parsed.errors == []
    assert parsed.ok
    assert parsed.rows == [
        {
            "full_name": "Ada Okafor",
            "email": "ada@example.net",
            "phone": "+44 1",
            "links": ["https://a.example.net", "https://b.example.net"],
            "notes": "Keen",
            "line": 2,
        },
        {
            "full_name": "Bo Lindqvist",
            "email": "bo@example.net",
            "phone": "",
            "links": [],
            "notes": "",
            "line": 3,
        },
    ]


def test_import_parse_accepts_the_two_required_columns_in_any_case_with_a_bom():
    data = "\ufeff Email , FULL_NAME\nada@example.net,Ada Okafor\n".encode()
    parsed = services.candidate_import_parse(data)
    assert parsed.errors == []
    assert [(r["full_name"], r["email"]) for r in parsed.rows] == [
        ("Ada Okafor", "ada@example.net")
    ]


def test_import_parse_reports_an_empty_name():
    parsed = services.candidate_import_parse(
        csv_bytes("Ada Okafor,ada@example.net,,,", " ,bo@example.net,,,")
    )
    assert parsed.errors == [(3, "full_name is empty.")]
    assert not parsed.ok


def test_import_parse_reports_a_bad_email():
    parsed = services.candidate_import_parse(csv_bytes("Ada Okafor,ada-at-home,,,"))
    assert parsed.errors == [(2, "email “ada-at-home” is not a valid address.")]


def test_import_parse_reports_a_bad_link():
    parsed = services.candidate_import_parse(
        csv_bytes("Ada Okafor,ada@example.net,,https://ok.example.net;portfolio,")
    )
    assert parsed.errors == [(2, "link “portfolio” is not a URL.")]


def test_import_parse_reports_every_problem_of_a_row_in_one_message():
    parsed = services.candidate_import_parse(csv_bytes(",nobody,,ftp:/x,"))
    assert parsed.errors == [
        (
            2,
            "full_name is empty; email “nobody” is not a valid address; "
            "link “ftp:/x” is not a URL.",
        )
    ]


def test_import_parse_reports_an_email_repeated_in_the_file_in_any_case():
    parsed = services.candidate_import_parse(
        csv_bytes(
            "Ada Okafor,ada@example.net,,,",
            "Bo Lindqvist,bo@example.net,,,",
            "Ada Again,ADA@example.net,,,",
        )
    )
    assert parsed.errors == [(4, "email repeats line 2.")]


def test_import_parse_reports_a_row_with_extra_fields():
    parsed = services.candidate_import_parse(
        csv_bytes(
            "Ada Okafor,ada@example.net,,,,surplus", header="full_name,email,phone,links,notes\n"
        )
    )
    assert parsed.errors == [(2, "The row has more fields than the header.")]


def test_import_parse_reports_a_long_phone():
    parsed = services.candidate_import_parse(csv_bytes(f"Ada Okafor,ada@example.net,{'1' * 41},,"))
    assert parsed.errors == [(2, "phone is longer than 40 characters.")]


def test_import_parse_reports_a_name_longer_than_the_field():
    parsed = services.candidate_import_parse(csv_bytes(f"{'A' * 201},ada@example.net,,,"))
    assert parsed.errors == [(2, "full_name is longer than 200 characters.")]


def test_import_parse_reports_an_existing_candidates_email():
    CandidateFactory(email="ada@example.net")
    parsed = services.candidate_import_parse(csv_bytes("Ada Okafor,ada@example.net,,,"))
    assert parsed.errors == [(2, "email “ada@example.net” belongs to an existing candidate.")]


def test_import_parse_does_not_count_a_duplicate_as_a_candidate_to_create():
    CandidateFactory(email="ada@example.net")
    parsed = services.candidate_import_parse(
        csv_bytes("Ada Okafor,ada@example.net,,,", "Bo Lind,bo@example.net,,,")
    )
    assert [row["email"] for row in parsed.rows] == ["bo@example.net"]
    assert len(parsed.errors) == 1


def test_import_parse_reports_an_existing_candidates_email_in_other_case():
    CandidateFactory(email="ada@example.net")
    parsed = services.candidate_import_parse(csv_bytes("Ada Okafor,ADA@example.net,,,"))
    assert parsed.errors == [(2, "email “ADA@example.net” belongs to an existing candidate.")]


def test_import_parse_reports_missing_header_columns():
    parsed = services.candidate_import_parse(b"name,mail\nAda Okafor,ada@example.net\n")
    assert parsed.errors == [
        (
            1,
            "The header needs the columns full_name, email; "
            "expected full_name,email,phone,links,notes.",
        )
    ]
    assert parsed.rows == []


def test_import_parse_reports_one_missing_header_column():
    parsed = services.candidate_import_parse(b"full_name,phone\nAda Okafor,1\n")
    assert parsed.errors == [
        (1, "The header needs the columns email; expected full_name,email,phone,links,notes.")
    ]


def test_import_parse_refuses_a_file_that_is_not_utf8():
    parsed = services.candidate_import_parse(
        "full_name,email\nJosé,jose@example.net\n".encode("latin-1")
    )
    assert parsed.errors == [(0, "The file is not UTF-8 text.")]


def test_import_parse_of_an_empty_file_asks_for_the_header():
    parsed = services.candidate_import_parse(b"")
    assert parsed.errors == [
        (
            1,
            "The header needs the columns full_name, email; "
            "expected full_name,email,phone,links,notes.",
        )
    ]


def test_import_parse_of_a_header_without_rows_says_there_are_none():
    parsed = services.candidate_import_parse(HEADER.encode())
    assert parsed.errors == [(0, "The file has no candidate rows.")]
    assert not parsed.ok


def test_import_parse_refuses_a_file_over_2_mb():
    parsed = services.candidate_import_parse(HEADER.encode() + b"x" * (2 * 1024 * 1024))
    assert parsed.errors == [(0, "The file is over 2 MB.")]


def test_import_parse_lists_errors_by_line():
    CandidateFactory(email="cy@example.net")
    parsed = services.candidate_import_parse(
        csv_bytes(
            "Ada Okafor,ada@example.net,,,",
            "Bo Lindqvist,bo-at-home,,,",
            "Cy Twombly,cy@example.net,,,",
            ",dee@example.net,,,",
        )
    )
    assert parsed.errors == [
        (3, "email “bo-at-home” is not a valid address."),
        (4, "email “cy@example.net” belongs to an existing candidate."),
        (5, "full_name is empty."),
    ]


# --- CSV import: writing ----------------------------------------------------


def test_import_creates_every_candidate(recruiter):
    created = services.candidate_import(
        actor=recruiter,
        data=csv_bytes(
            "Ada Okafor,ada@example.net,,https://a.example.net,", "Bo Lindqvist,bo@example.net,,,"
        ),
    )
    assert [c.full_name for c in created] == ["Ada Okafor", "Bo Lindqvist"]
    assert list(Candidate.objects.values_list("email", "links", "created_by")) == [
        ("ada@example.net", ["https://a.example.net"], recruiter.pk),
        ("bo@example.net", [], recruiter.pk),
    ]


def test_import_with_one_bad_row_writes_no_candidate(recruiter):
    with pytest.raises(ValidationError) as exc:
        services.candidate_import(
            actor=recruiter,
            data=csv_bytes(
                "Ada Okafor,ada@example.net,,,",
                "Bo Lindqvist,bo-at-home,,,",
                "Cy Twombly,cy@example.net,,,",
            ),
        )
    assert exc.value.messages == ["Line 3: email “bo-at-home” is not a valid address."]
    assert Candidate.objects.count() == 0


def test_import_error_without_a_line_has_no_line_prefix(recruiter):
    with pytest.raises(ValidationError) as exc:
        services.candidate_import(actor=recruiter, data=b"\xff\xfe")
    assert exc.value.messages == ["The file is not UTF-8 text."]


def test_import_of_an_existing_email_in_other_case_is_a_line_error(recruiter):
    CandidateFactory(email="ada@example.net")
    with pytest.raises(ValidationError) as exc:
        services.candidate_import(actor=recruiter, data=csv_bytes("Ada,ADA@example.net,,,"))
    assert exc.value.messages == [
        "Line 2: email “ADA@example.net” belongs to an existing candidate."
    ]


def test_import_leaves_an_audit_record_per_candidate(recruiter):
    (ada,) = services.candidate_import(actor=recruiter, data=csv_bytes("Ada,ada@example.net,,,"))
    assert log_entries(ada) == [(recruiter.username, "candidate.created", "Imported from CSV.")]


# --- Applications -------------------------------------------------------------


def test_application_open_pins_the_posting_published_rubric(recruiter):
    posting = JobPostingFactory()
    rubric_with_criteria(posting=posting, version=1, state=Rubric.State.RETIRED)
    published = rubric_with_criteria(posting=posting, version=2, state=Rubric.State.PUBLISHED)
    rubric_with_criteria(posting=posting, version=3)
    application = services.application_open(
        candidate=CandidateFactory(), posting=posting, actor=recruiter
    )
    assert application.rubric == published
    assert (application.stage, application.created_by) == (Application.Stage.SCREENING, recruiter)


def test_application_open_at_a_given_stage(recruiter):
    rubric = published_rubric()
    application = services.application_open(
        candidate=CandidateFactory(), posting=rubric.posting, actor=recruiter, stage="applied"
    )
    assert application.stage == Application.Stage.APPLIED


def test_application_open_leaves_an_audit_record(recruiter):
    rubric = published_rubric(version=2)
    application = services.application_open(
        candidate=CandidateFactory(), posting=rubric.posting, actor=recruiter
    )
    assert log_entries(application) == [
        (recruiter.username, "application.opened", "Opened against rubric v2.")
    ]


def test_application_open_without_a_published_rubric_is_a_posting_error(recruiter):
    posting = rubric_with_criteria().posting
    with pytest.raises(ValidationError) as exc:
        services.application_open(candidate=CandidateFactory(), posting=posting, actor=recruiter)
    assert exc.value.message_dict == {
        "posting": [
            "This posting has no published rubric yet; publish one before adding candidates."
        ]
    }
    assert Application.objects.count() == 0


def test_application_open_on_a_closed_posting_is_refused(recruiter):
    rubric = published_rubric(posting=JobPostingFactory(status=JobPosting.Status.CLOSED))
    with pytest.raises(ValidationError) as exc:
        services.application_open(
            candidate=CandidateFactory(), posting=rubric.posting, actor=recruiter
        )
    assert exc.value.message_dict == {"posting": ["This posting is closed."]}


def test_application_open_on_a_draft_posting_is_refused(recruiter):
    rubric = published_rubric(posting=JobPostingFactory(status=JobPosting.Status.DRAFT))
    with pytest.raises(ValidationError) as exc:
        services.application_open(
            candidate=CandidateFactory(), posting=rubric.posting, actor=recruiter
        )
    assert exc.value.message_dict == {
        "posting": ["This posting is still a draft: open it before adding candidates."]
    }
    assert Application.objects.count() == 0


def test_application_open_twice_is_a_candidate_error(recruiter):
    existing = ApplicationFactory()
    with pytest.raises(ValidationError) as exc:
        services.application_open(
            candidate=existing.candidate, posting=existing.posting, actor=recruiter
        )
    assert exc.value.message_dict == {
        "candidate": ["This candidate already has an application for this posting."]
    }
    assert Application.objects.count() == 1


def test_application_open_at_an_unknown_stage_is_a_stage_error(recruiter):
    rubric = published_rubric()
    with pytest.raises(ValidationError) as exc:
        services.application_open(
            candidate=CandidateFactory(), posting=rubric.posting, actor=recruiter, stage="limbo"
        )
    assert exc.value.message_dict == {"stage": ["“limbo” is not a stage."]}


def test_application_set_stage_moves_the_application(recruiter):
    application = ApplicationFactory()
    services.application_set_stage(application=application, actor=recruiter, stage="interview")
    application.refresh_from_db()
    assert application.stage == Application.Stage.INTERVIEW


def test_application_set_stage_leaves_an_audit_record(recruiter):
    application = ApplicationFactory()
    services.application_set_stage(application=application, actor=recruiter, stage="rejected")
    assert log_entries(application) == [
        (recruiter.username, "application.stage_changed", "Stage screening → rejected.")
    ]


def test_application_set_stage_to_the_same_stage_records_nothing(recruiter):
    application = ApplicationFactory()
    services.application_set_stage(application=application, actor=recruiter, stage="screening")
    assert log_entries(application) == []


def test_application_set_stage_to_an_unknown_stage_is_a_stage_error(recruiter):
    application = ApplicationFactory()
    with pytest.raises(ValidationError) as exc:
        services.application_set_stage(application=application, actor=recruiter, stage="limbo")
    assert exc.value.message_dict == {"stage": ["“limbo” is not a stage."]}
    application.refresh_from_db()
    assert application.stage == Application.Stage.SCREENING


# --- Assignments -------------------------------------------------------------


def test_assignment_create_makes_a_draft_scorecard(recruiter, reviewer):
    application = ApplicationFactory()
    assignment = services.assignment_create(
        application=application, reviewer=reviewer, actor=recruiter, due_date=date(2025, 7, 1)
    )
    assert (assignment.reviewer, assignment.due_date, assignment.assigned_by) == (
        reviewer,
        date(2025, 7, 1),
        recruiter,
    )
    card = Scorecard.objects.get(assignment=assignment)
    assert (card.application, card.status, card.recommendation) == (
        application,
        Scorecard.Status.DRAFT,
        None,
    )


def test_assignment_create_leaves_an_audit_record(recruiter, reviewer):
    assignment = services.assignment_create(
        application=ApplicationFactory(),
        reviewer=reviewer,
        actor=recruiter,
        due_date=date(2025, 7, 1),
    )
    assert log_entries(assignment) == [
        (
            recruiter.username,
            "assignment.created",
            f"Assigned {reviewer.username} (due 2025-07-01).",
        )
    ]


def test_a_recruiter_may_be_assigned_as_a_reviewer(recruiter):
    other = RecruiterFactory()
    assignment = services.assignment_create(
        application=ApplicationFactory(), reviewer=other, actor=recruiter
    )
    assert assignment.reviewer == other


def test_assignment_create_refuses_a_user_outside_the_reviewer_group(recruiter):
    outsider = UserFactory(username="outsider")
    with pytest.raises(ValidationError) as exc:
        services.assignment_create(
            application=ApplicationFactory(), reviewer=outsider, actor=recruiter
        )
    assert exc.value.message_dict == {"reviewer": ["outsider is not in the Reviewer group."]}
    assert ReviewAssignment.objects.count() == 0


def test_assignment_create_refuses_an_inactive_reviewer(recruiter):
    gone = ReviewerFactory(username="gone", is_active=False)
    with pytest.raises(ValidationError) as exc:
        services.assignment_create(application=ApplicationFactory(), reviewer=gone, actor=recruiter)
    assert exc.value.message_dict == {"reviewer": ["gone is not in the Reviewer group."]}


def test_assignment_create_twice_is_refused(recruiter):
    reviewer = ReviewerFactory(username="rita")
    application = ApplicationFactory()
    services.assignment_create(application=application, reviewer=reviewer, actor=recruiter)
    with pytest.raises(ValidationError) as exc:
        services.assignment_create(application=application, reviewer=reviewer, actor=recruiter)
    assert exc.value.message_dict == {"reviewer": ["rita is already assigned to this application."]}
    assert ReviewAssignment.objects.count() == 1
    assert Scorecard.objects.count() == 1


def test_reviewers_lists_active_reviewers_and_recruiters_by_username():
    ReviewerFactory(username="bea")
    RecruiterFactory(username="al")
    ReviewerFactory(username="cat", is_active=False)
    UserFactory(username="dan")
    assert [u.username for u in services.reviewers()] == ["al", "bea"]


# --- Scorecards: saving -----------------------------------------------------


def test_scorecard_save_of_a_draft_stores_the_scores(assignment, reviewer, criteria):
    services.scorecard_save(
        scorecard=assignment.scorecard,
        reviewer=reviewer,
        scores=[{"criterion": criteria[0].pk, "value": 3, "note": "Two years at Siemens."}],
        summary="Solid on repairs.",
    )
    card = Scorecard.objects.get(pk=assignment.scorecard.pk)
    assert (card.status, card.summary, card.submitted_at) == ("draft", "Solid on repairs.", None)
    assert list(card.scores.values_list("criterion", "value", "note")) == [
        (criteria[0].pk, 3, "Two years at Siemens.")
    ]


def test_scorecard_save_upserts_scores_and_keeps_unlisted_ones(assignment, reviewer, criteria):
    card = assignment.scorecard
    services.scorecard_save(
        scorecard=card,
        reviewer=reviewer,
        scores=[
            {"criterion": criteria[0].pk, "value": 2, "note": "Some repairs."},
            {"criterion": criteria[2].pk, "value": 4},
        ],
    )
    services.scorecard_save(
        scorecard=card,
        reviewer=reviewer,
        scores=[
            {"criterion": criteria[0].pk, "value": 3},
            {"criterion": criteria[1].pk, "value": 1},
        ],
    )
    assert list(
        card.scores.order_by("criterion__order").values_list("criterion", "value", "note")
    ) == [
        (criteria[0].pk, 3, "Some repairs."),
        (criteria[1].pk, 1, ""),
        (criteria[2].pk, 4, ""),
    ]


def test_scorecard_save_can_empty_a_score(assignment, reviewer, criteria):
    card = assignment.scorecard
    services.scorecard_save(
        scorecard=card, reviewer=reviewer, scores=[{"criterion": criteria[2].pk, "value": 4}]
    )
    services.scorecard_save(
        scorecard=card, reviewer=reviewer, scores=[{"criterion": criteria[2].pk, "value": None}]
    )
    assert stored_scores(card) == {criteria[2].pk: None}


def test_scorecard_save_leaves_an_audit_record(assignment, reviewer):
    services.scorecard_save(
        scorecard=assignment.scorecard, reviewer=reviewer, summary="So far so good."
    )
    assert log_entries(assignment.scorecard) == [
        (reviewer.username, "scorecard.saved", "Saved a draft.")
    ]


def test_scorecard_save_of_a_criterion_from_another_rubric_writes_nothing(
    assignment, reviewer, criteria
):
    foreign = published_rubric().criteria.first()
    rubric = assignment.application.rubric
    with pytest.raises(ValidationError) as exc:
        services.scorecard_save(
            scorecard=assignment.scorecard,
            reviewer=reviewer,
            scores=[
                {"criterion": criteria[0].pk, "value": 3},
                {"criterion": foreign.pk, "value": 3},
            ],
            summary="Not kept.",
        )
    assert exc.value.message_dict == {
        "scores[1].criterion": [
            f"Criterion {foreign.pk} is not on this application's rubric (v{rubric.version})."
        ]
    }
    assert stored_scores(assignment.scorecard) == {}
    assignment.scorecard.refresh_from_db()
    assert assignment.scorecard.summary == ""


@pytest.mark.parametrize("value", [0, 5, True, 2.5])
def test_scorecard_save_of_a_value_off_the_scale_is_a_value_error(
    assignment, reviewer, criteria, value
):
    with pytest.raises(ValidationError) as exc:
        services.scorecard_save(
            scorecard=assignment.scorecard,
            reviewer=reviewer,
            scores=[
                {"criterion": criteria[1].pk, "value": 2},
                {"criterion": criteria[0].pk, "value": value},
            ],
        )
    assert exc.value.message_dict == {
        "scores[1].value": [f"Choose a level from 1 to 4, not {value}."]
    }
    assert stored_scores(assignment.scorecard) == {}


def test_scorecard_save_accepts_5_on_a_five_point_rubric(reviewer):
    assignment = ReviewAssignmentFactory(
        reviewer=reviewer, application=ApplicationFactory(rubric=published_rubric(scale_max=5))
    )
    criterion = assignment.application.rubric.criteria.first()
    services.scorecard_save(
        scorecard=assignment.scorecard,
        reviewer=reviewer,
        scores=[{"criterion": criterion.pk, "value": 5}],
    )
    assert stored_scores(assignment.scorecard) == {criterion.pk: 5}


def test_scorecard_save_of_a_criterion_twice_is_refused(assignment, reviewer, criteria):
    with pytest.raises(ValidationError) as exc:
        services.scorecard_save(
            scorecard=assignment.scorecard,
            reviewer=reviewer,
            scores=[
                {"criterion": criteria[0].pk, "value": 2},
                {"criterion": criteria[0].pk, "value": 3},
            ],
        )
    assert exc.value.message_dict == {
        "scores[1].criterion": [f"Criterion {criteria[0].pk} is scored twice."]
    }


def test_scorecard_save_of_an_unknown_recommendation_is_refused(assignment, reviewer):
    with pytest.raises(ValidationError) as exc:
        services.scorecard_save(scorecard=assignment.scorecard, reviewer=reviewer, recommendation=7)
    assert exc.value.message_dict == {
        "recommendation": ["Choose Strong no, No, Yes or Strong yes."]
    }


def test_scorecard_save_of_a_boolean_recommendation_is_refused(assignment, reviewer):
    with pytest.raises(ValidationError) as exc:
        services.scorecard_save(
            scorecard=assignment.scorecard, reviewer=reviewer, recommendation=True
        )
    assert exc.value.message_dict == {
        "recommendation": ["Choose Strong no, No, Yes or Strong yes."]
    }


def test_scorecard_save_by_another_reviewer_is_not_found(assignment, criteria):
    with pytest.raises(NotAssigned) as exc:
        services.scorecard_save(
            scorecard=assignment.scorecard,
            reviewer=ReviewerFactory(),
            scores=[{"criterion": criteria[0].pk, "value": 4}],
        )
    assert (exc.value.status_code, exc.value.message) == (404, "Not found.")
    assert stored_scores(assignment.scorecard) == {}


def test_scorecard_save_by_a_recruiter_who_is_not_the_reviewer_is_not_found(assignment, recruiter):
    with pytest.raises(NotAssigned):
        services.scorecard_save(scorecard=assignment.scorecard, reviewer=recruiter, summary="Mine")


# --- Scorecards: submitting -------------------------------------------------


def test_scorecard_submit_sets_status_time_and_recommendation(assignment, reviewer, criteria):
    card = services.scorecard_save(
        scorecard=assignment.scorecard,
        reviewer=reviewer,
        scores=complete_scores(criteria),
        recommendation=Scorecard.Recommendation.YES,
        submit=True,
    )
    card.refresh_from_db()
    assert (card.status, card.recommendation) == (Scorecard.Status.SUBMITTED, 3)
    assert card.submitted_at is not None
    assert stored_scores(card) == {criteria[0].pk: 3, criteria[1].pk: 4, criteria[2].pk: None}


def test_scorecard_submit_leaves_an_audit_record(assignment, reviewer, criteria):
    services.scorecard_save(
        scorecard=assignment.scorecard,
        reviewer=reviewer,
        scores=complete_scores(criteria),
        recommendation=2,
        submit=True,
    )
    assert log_entries(assignment.scorecard) == [
        (reviewer.username, "scorecard.submitted", "Submitted.")
    ]


def test_scorecard_submit_uses_scores_saved_earlier(assignment, reviewer, criteria):
    card = assignment.scorecard
    services.scorecard_save(scorecard=card, reviewer=reviewer, scores=complete_scores(criteria))
    services.scorecard_save(scorecard=card, reviewer=reviewer, recommendation=4, submit=True)
    card.refresh_from_db()
    assert card.status == Scorecard.Status.SUBMITTED


def test_scorecard_submit_without_every_must_have_names_the_missing_ones(
    assignment, reviewer, criteria
):
    with pytest.raises(ValidationError) as exc:
        services.scorecard_save(
            scorecard=assignment.scorecard,
            reviewer=reviewer,
            scores=[
                {"criterion": criteria[1].pk, "value": None},
                {"criterion": criteria[2].pk, "value": 4},
            ],
            recommendation=3,
            submit=True,
        )
    assert exc.value.message_dict == {
        "scores": [
            f"Score every must-have before submitting: “{criteria[0].title}”, "
            f"“{criteria[1].title}” still empty."
        ]
    }


def test_a_refused_submit_keeps_the_draft_as_it_was(assignment, reviewer, criteria):
    with pytest.raises(ValidationError):
        services.scorecard_save(
            scorecard=assignment.scorecard,
            reviewer=reviewer,
            scores=[{"criterion": criteria[0].pk, "value": 3}],
            recommendation=3,
            submit=True,
        )
    card = Scorecard.objects.get(pk=assignment.scorecard.pk)
    assert (card.status, card.recommendation, card.submitted_at) == ("draft", None, None)
    assert stored_scores(card) == {}


def test_scorecard_submit_without_a_recommendation_is_refused(assignment, reviewer, criteria):
    with pytest.raises(ValidationError) as exc:
        services.scorecard_save(
            scorecard=assignment.scorecard,
            reviewer=reviewer,
            scores=complete_scores(criteria),
            submit=True,
        )
    assert exc.value.message_dict == {
        "recommendation": ["Choose an overall recommendation before submitting."]
    }


def test_scorecard_save_after_submit_is_locked(assignment, reviewer, criteria):
    card = services.scorecard_save(
        scorecard=assignment.scorecard,
        reviewer=reviewer,
        scores=complete_scores(criteria),
        recommendation=3,
        submit=True,
    )
    with pytest.raises(ScorecardLocked) as exc:
        services.scorecard_save(
            scorecard=card, reviewer=reviewer, scores=[{"criterion": criteria[0].pk, "value": 1}]
        )
    assert (exc.value.status_code, exc.value.code, exc.value.message) == (
        409,
        "scorecard_submitted",
        "This scorecard has been submitted; a recruiter can reopen it.",
    )
    assert stored_scores(card)[criteria[0].pk] == 3


# --- Scorecards: reopening --------------------------------------------------


@pytest.fixture
def submitted(assignment, reviewer, criteria):
    return services.scorecard_save(
        scorecard=assignment.scorecard,
        reviewer=reviewer,
        scores=complete_scores(criteria),
        recommendation=3,
        submit=True,
    )


def test_scorecard_reopen_makes_it_a_draft_again(submitted, recruiter):
    services.scorecard_reopen(scorecard=submitted, actor=recruiter)
    card = Scorecard.objects.get(pk=submitted.pk)
    assert (card.status, card.submitted_at, card.reopened_by) == ("draft", None, recruiter)
    assert card.reopened_at is not None
    assert card.recommendation == 3


def test_a_reopened_scorecard_can_be_saved_by_its_reviewer(
    submitted, reviewer, recruiter, criteria
):
    services.scorecard_reopen(scorecard=submitted, actor=recruiter)
    services.scorecard_save(
        scorecard=submitted, reviewer=reviewer, scores=[{"criterion": criteria[0].pk, "value": 1}]
    )
    assert stored_scores(submitted)[criteria[0].pk] == 1


def test_scorecard_reopen_leaves_an_audit_record(submitted, recruiter, reviewer):
    services.scorecard_reopen(scorecard=submitted, actor=recruiter)
    assert log_entries(submitted) == [
        (reviewer.username, "scorecard.submitted", "Submitted."),
        (recruiter.username, "scorecard.reopened", "Reopened for the reviewer."),
    ]


def test_scorecard_reopen_by_a_reviewer_is_not_found(submitted, reviewer):
    with pytest.raises(NotAssigned):
        services.scorecard_reopen(scorecard=submitted, actor=reviewer)
    submitted.refresh_from_db()
    assert submitted.status == Scorecard.Status.SUBMITTED


def test_scorecard_reopen_of_a_draft_is_a_conflict(assignment, recruiter):
    with pytest.raises(Conflict) as exc:
        services.scorecard_reopen(scorecard=assignment.scorecard, actor=recruiter)
    assert (exc.value.status_code, exc.value.code, exc.value.message) == (
        409,
        "scorecard_draft",
        "Only a submitted scorecard can be reopened.",
    )
