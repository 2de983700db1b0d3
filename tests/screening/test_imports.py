"""Reading candidate files (screening/imports.py: CSV or XLSX told apart by content) and
importing them with their applications and reviewers in one transaction
(screening.services.candidate_import_batch)."""

import datetime
import io
import zipfile

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from core.models import AuditEvent
from screening import imports, services
from screening.models import Application, Candidate, ReviewAssignment
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    JobPostingFactory,
    RecruiterFactory,
    ReviewerFactory,
    published_rubric,
    xlsx_file,
)

HEADER = ["full_name", "email", "phone", "links", "notes"]


# --- Reading a file -------------------------------------------------------------------------


def test_csv_rows_keep_their_line_numbers_past_blank_lines_and_multiline_cells():
    table = imports.read_table(
        b'full_name,email,notes\nAda,ada@example.net,"two\nlines"\n\nBo,bo@example.net,\n'
    )

    assert (table.kind, table.error, table.header) == ("CSV", None, ["full_name", "email", "notes"])
    assert table.rows == [
        (3, ["Ada", "ada@example.net", "two\nlines"]),
        (5, ["Bo", "bo@example.net", ""]),
    ]


def test_workbook_cells_are_read_as_text_a_person_sees():
    data = xlsx_file(
        [
            HEADER,
            [
                "Ada",
                "ada@example.net",
                447700900123,
                None,
                datetime.datetime(2026, 11, 30, 0, 0),
            ],
            ["Bo", "bo@example.net", 12.5, None, datetime.datetime(2026, 11, 30, 9, 15)],
            ["Cy", "cy@example.net", None, None, True],
        ]
    )

    table = imports.read_table(data)

    assert (table.kind, table.error, table.header) == ("XLSX", None, HEADER)
    assert table.rows == [
        (2, ["Ada", "ada@example.net", "447700900123", "", "2026-11-30"]),
        (3, ["Bo", "bo@example.net", "12.5", "", "2026-11-30 09:15:00"]),
        (4, ["Cy", "cy@example.net", "", "", "TRUE"]),
    ]


def test_workbook_header_is_its_first_non_empty_row_of_the_first_sheet():
    data = xlsx_file([["full_name", "email"], [None], ["Ada", "ada@example.net"]], first_row=3)

    table = imports.read_table(data)

    assert (table.header_line, table.rows) == (3, [(5, ["Ada", "ada@example.net"])])


def test_workbook_reads_only_its_first_sheet():
    data = xlsx_file([["full_name", "email"], ["Ada", "ada@example.net"]], sheets=3)

    assert imports.read_table(data).rows == [(2, ["Ada", "ada@example.net"])]


def test_workbook_rows_are_read_to_a_bounded_width_whatever_their_last_cell():
    # One stray cell in the sheet's last column (XFD) would fill every row to 16,384 cells.
    rows = [["full_name", "email"], *[[f"P{n}", f"p{n}@example.net"] for n in range(3)]]
    rows[1] = rows[1] + [None] * 16381 + ["stray"]
    data = xlsx_file(rows)

    table = imports.read_table(data)

    assert [len(cells) for _, cells in table.rows] == [2, 2, 2]
    assert table.rows[0] == (2, ["P0", "p0@example.net"])


def test_workbook_that_would_unpack_too_large_is_refused(monkeypatch):
    monkeypatch.setattr(imports, "MAX_UNZIPPED_BYTES", 1000)
    data = xlsx_file([["full_name", "email"], ["Ada", "ada@example.net"]])

    assert imports.read_table(data).error == "The workbook is too large once unpacked; split it."


def test_damaged_workbook_is_refused_with_a_message():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<not a workbook")

    table = imports.read_table(buffer.getvalue())

    assert table.error == "The workbook cannot be read; save it again and retry."


@pytest.mark.parametrize("kind", ["CSV", "XLSX"])
def test_file_with_more_rows_than_allowed_is_refused(monkeypatch, kind):
    monkeypatch.setattr(imports, "MAX_ROWS", 2)
    rows = [["full_name", "email"]] + [[f"P{i}", f"p{i}@example.net"] for i in range(3)]
    data = "\n".join(",".join(r) for r in rows).encode() if kind == "CSV" else xlsx_file(rows)

    table = imports.read_table(data)

    assert (table.kind, table.error) == (
        kind,
        "The file has more than 2 rows; split it into smaller files.",
    )


def test_file_over_the_size_limit_is_refused():
    assert imports.read_table(b"x" * (imports.MAX_BYTES + 1)).error == "The file is over 2 MB."


# --- Parsing against a posting ----------------------------------------------------------


def workbook(*rows) -> bytes:
    return xlsx_file([HEADER, *rows])


@pytest.fixture
def posting():
    return published_rubric(posting=JobPostingFactory()).posting


@pytest.mark.django_db
def test_parse_against_a_draft_posting_says_it_takes_no_applications():
    posting = published_rubric(posting=JobPostingFactory(status="draft")).posting

    parsed = services.candidate_import_parse(workbook(["Ada", "ada@example.net"]), posting=posting)

    assert parsed.errors == [
        (0, "This posting is still a draft: open it before adding candidates.")
    ]


@pytest.mark.django_db
def test_parse_against_a_posting_counts_an_application_per_row(posting):
    CandidateFactory(email="bo@example.net")

    parsed = services.candidate_import_parse(
        workbook(["Ada", "ada@example.net"], ["Bo", "BO@example.net"]), posting=posting
    )

    assert (parsed.ok, parsed.application_count) == (True, 2)
    assert [r["email"] for r in parsed.rows] == ["ada@example.net"]
    assert [(r["line"], r["candidate"].email) for r in parsed.existing] == [(3, "bo@example.net")]


# --- Importing --------------------------------------------------------------------------


@pytest.mark.django_db
def test_batch_import_opens_applications_in_file_order_with_their_reviewers(posting):
    recruiter, grace, kat = RecruiterFactory(), ReviewerFactory(), ReviewerFactory()
    bo = CandidateFactory(email="bo@example.net")
    due = datetime.date.today() + datetime.timedelta(days=5)

    result = services.candidate_import_batch(
        actor=recruiter,
        data=workbook(["Ada", "ada@example.net"], ["Bo", "bo@example.net"], ["Cy", "cy@x.net"]),
        posting=posting,
        reviewers=[grace, kat],
        due_date=due,
    )

    rubric = posting.rubrics.get()
    assert [c.email for c in result.candidates] == ["ada@example.net", "cy@x.net"]
    assert [(a.candidate.email, a.rubric_id) for a in result.applications] == [
        ("ada@example.net", rubric.pk),
        ("bo@example.net", rubric.pk),
        ("cy@x.net", rubric.pk),
    ]
    assert result.applications[1].candidate == bo
    assert [
        (a.application.candidate.email, a.reviewer, a.due_date) for a in result.assignments
    ] == [
        (email, reviewer, due)
        for email in ("ada@example.net", "bo@example.net", "cy@x.net")
        for reviewer in (grace, kat)
    ]


@pytest.mark.django_db
def test_batch_import_records_an_audit_event_for_everything_it_made(posting):
    recruiter, grace = RecruiterFactory(), ReviewerFactory()

    result = services.candidate_import_batch(
        actor=recruiter,
        data=workbook(["Ada", "ada@example.net"]),
        posting=posting,
        reviewers=[grace],
    )

    def events(obj):
        return list(
            AuditEvent.objects.filter(
                content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
            ).values_list("actor", "event", "summary")
        )

    (ada,), (application,), (assignment,) = (
        result.candidates,
        result.applications,
        result.assignments,
    )
    assert events(ada) == [(recruiter.pk, "candidate.created", "Imported from XLSX.")]
    assert events(application)[0][:2] == (recruiter.pk, "application.opened")
    assert events(assignment)[0][:2] == (recruiter.pk, "assignment.created")


@pytest.mark.django_db
def test_batch_import_refused_by_an_assignment_rule_writes_nothing(posting):
    not_a_reviewer = RecruiterFactory()
    not_a_reviewer.groups.clear()

    with pytest.raises(ValidationError) as exc:
        services.candidate_import_batch(
            actor=RecruiterFactory(),
            data=workbook(["Ada", "ada@example.net"], ["Bo", "bo@example.net"]),
            posting=posting,
            reviewers=[not_a_reviewer],
        )

    assert exc.value.messages == [f"{not_a_reviewer} is not in the Reviewer group."]
    assert (Candidate.objects.count(), Application.objects.count()) == (0, 0)
    assert not ReviewAssignment.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_batch_import_of_a_candidate_who_already_applied_writes_nothing(posting):
    bo = CandidateFactory(email="bo@example.net")
    ApplicationFactory(candidate=bo, posting=posting, rubric=posting.rubrics.get())

    with pytest.raises(ValidationError) as exc:
        services.candidate_import_batch(
            actor=RecruiterFactory(),
            data=workbook(["Ada", "ada@example.net"], ["Bo", "bo@example.net"]),
            posting=posting,
        )

    assert exc.value.messages == [
        f"Line 3: {bo.full_name} (“bo@example.net”) already has an application for this posting."
    ]
    assert list(Candidate.objects.all()) == [bo]


@pytest.mark.django_db
def test_batch_import_with_reviewers_but_no_posting_is_refused():
    with pytest.raises(ValidationError) as exc:
        services.candidate_import_batch(
            actor=RecruiterFactory(),
            data=workbook(["Ada", "ada@example.net"]),
            reviewers=[ReviewerFactory()],
        )

    assert exc.value.message_dict == {
        "reviewers": ["Choose a posting: reviewers are assigned to the applications it opens."]
    }
    assert not Candidate.objects.exists()


@pytest.mark.django_db
def test_bulk_opening_that_loses_a_race_is_a_conflict_and_writes_nothing(posting):
    from core.errors import Conflict

    ada = CandidateFactory()
    rubric = posting.rubrics.get()
    ApplicationFactory(candidate=ada, posting=posting, rubric=rubric)  # opened meanwhile

    with pytest.raises(Conflict):
        services._open_applications_in_bulk(
            candidates=[CandidateFactory(), ada],
            posting=posting,
            rubric=rubric,
            actor=None,
            reviewers=[ReviewerFactory()],
            due_date=None,
        )

    assert Application.objects.count() == 1
    assert not ReviewAssignment.objects.exists()


@pytest.mark.django_db
def test_parse_refuses_an_email_longer_than_the_column_holds():
    # Valid for the address validator (up to 320 characters) but not for the column (254).
    long_email = f"{'a' * 64}@{'b' * 63}.{'c' * 63}.{'d' * 63}.example"
    assert len(long_email) > 254

    parsed = services.candidate_import_parse(workbook(["Ada", long_email]))

    assert parsed.errors == [(2, "email is longer than 254 characters.")]


@pytest.mark.django_db
def test_batch_import_that_loses_a_race_for_an_email_is_a_conflict_and_writes_nothing(
    monkeypatch,
):
    from core.errors import Conflict

    real_parse = services.candidate_import_parse

    def parse_then_someone_adds_ada(data, *, posting=None):
        parsed = real_parse(data, posting=posting)
        CandidateFactory(email="ada@example.net")  # after the check, before the insert
        return parsed

    monkeypatch.setattr(services, "candidate_import_parse", parse_then_someone_adds_ada)

    with pytest.raises(Conflict):
        services.candidate_import_batch(
            data=workbook(["Bo", "bo@example.net"], ["Ada", "ada@example.net"]),
            actor=RecruiterFactory(),
        )

    assert not Candidate.objects.filter(email="bo@example.net").exists()
