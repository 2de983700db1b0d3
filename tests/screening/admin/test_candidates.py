"""The candidate admin (screening/admin/candidates.py), driven through the test
client: the candidate import (CSV or XLSX, optionally opening applications on a posting with
reviewers assigned) and the exports."""

import csv
import io
import zipfile
from datetime import date, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from rubrics.models import JobPosting
from screening import exports
from screening.models import Application, Candidate, ReviewAssignment
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    JobPostingFactory,
    ReviewerFactory,
    RubricFactory,
    published_rubric,
    xlsx_file,
)
from tests.support import form_data, hidden_value, messages_of, table_rows

pytestmark = pytest.mark.django_db


IMPORT = reverse("admin:screening_candidate_import")
GOOD_CSV = (
    "full_name,email,phone,links,notes\n"
    "Ada Lovelace,ada@example.net,+44 20 7946 0001,https://example.net/ada,Referred.\n"
    "Charles Babbage,charles@example.net,,https://example.net/cb https://example.org/cb2,\n"
)


def upload(client, text: str | bytes, name: str = "candidates.csv", **options):
    data = text.encode() if isinstance(text, str) else text
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, data, "text/csv"), **options})


def confirm(client, preview, **kwargs):
    """Press the preview's confirmation button, as a browser would."""
    return client.post(
        IMPORT, {**form_data(preview, "confirm-form"), "_confirm": "Import"}, **kwargs
    )


# --- Candidate CSV import ------------------------------------------------------------


def test_import_page_offers_the_upload_form(recruiter_client):
    response = recruiter_client.get(IMPORT)

    assert response.status_code == 200
    assertContains(response, 'type="file"')
    assertNotContains(response, 'name="_confirm"')


def test_uploaded_good_file_is_previewed_row_by_row(recruiter_client):
    response = upload(recruiter_client, GOOD_CSV)

    assert response.status_code == 200
    assert table_rows(response, "import-rows") == [
        ["2", "Ada Lovelace", "ada@example.net", "+44 20 7946 0001", "https://example.net/ada"],
        [
            "3",
            "Charles Babbage",
            "charles@example.net",
            "",
            "https://example.net/cb https://example.org/cb2",
        ],
    ]
    assertContains(response, 'value="Import 2 candidates"')


def test_uploaded_good_file_saves_nothing_before_confirmation(recruiter_client):
    upload(recruiter_client, GOOD_CSV)

    assert not Candidate.objects.exists()


def test_confirmed_import_saves_every_row(recruiter_client, recruiter):
    preview = upload(recruiter_client, GOOD_CSV)

    response = confirm(recruiter_client, preview)

    assert response.status_code == 302
    assert response.url == reverse("admin:screening_candidate_changelist")
    assert list(
        Candidate.objects.order_by("full_name").values_list(
            "full_name", "email", "phone", "links", "notes", "created_by"
        )
    ) == [
        (
            "Ada Lovelace",
            "ada@example.net",
            "+44 20 7946 0001",
            ["https://example.net/ada"],
            "Referred.",
            recruiter.pk,
        ),
        (
            "Charles Babbage",
            "charles@example.net",
            "",
            ["https://example.net/cb", "https://example.org/cb2"],
            "",
            recruiter.pk,
        ),
    ]


def test_confirmed_import_says_how_many_were_imported(recruiter_client):
    preview = upload(recruiter_client, GOOD_CSV)

    response = confirm(recruiter_client, preview, follow=True)

    assert messages_of(response) == [("success", "Imported 2 candidates.")]


BAD_CSV = (
    "full_name,email,phone,links,notes\n"
    "Ada Lovelace,ada@example.net,,,\n"
    "Charles Babbage,not-an-email,,,\n"
    ",dorothy@example.net,,,\n"
    "Ada Again,ADA@example.net,,,\n"
    "Mary Jackson,mary@example.net,,my site,\n"
    "Katherine Johnson,kj@example.net,,,,extra\n"
)


def test_file_with_bad_rows_lists_each_with_its_line_and_problem(recruiter_client):
    response = upload(recruiter_client, BAD_CSV)

    assert table_rows(response, "import-errors") == [
        ["3", "email “not-an-email” is not a valid address."],
        ["4", "full_name is empty."],
        ["5", "email repeats line 2."],
        ["6", "link “my” is not a URL; link “site” is not a URL."],
        ["7", "The row has more fields than the header."],
    ]
    assertContains(response, "5 problems found; nothing has been saved.")


def test_file_with_bad_rows_offers_no_confirmation(recruiter_client):
    response = upload(recruiter_client, BAD_CSV)

    assertNotContains(response, 'name="_confirm"')


def test_file_with_bad_rows_saves_nothing(recruiter_client):
    upload(recruiter_client, BAD_CSV)

    assert not Candidate.objects.exists()


def test_forced_confirmation_of_a_bad_file_saves_nothing_and_says_why(recruiter_client):
    preview = upload(recruiter_client, BAD_CSV)

    response = recruiter_client.post(
        IMPORT, {"upload": hidden_value(preview, "upload"), "_confirm": "Import"}
    )

    # A file with problems is not kept for confirmation: there is nothing to confirm.
    assert hidden_value(preview, "upload") == ""
    assert response.context["form"].errors == {"file": ["Choose a CSV or Excel (.xlsx) file."]}
    assert not Candidate.objects.exists()


def test_file_without_an_email_column_is_refused_at_its_header(recruiter_client):
    response = upload(recruiter_client, "full_name,phone\nAda Lovelace,+44 20 7946 0001\n")

    assert table_rows(response, "import-errors") == [
        [
            "1",
            "The header needs the columns email; expected full_name,email,phone,links,notes.",
        ]
    ]


def test_file_naming_an_existing_candidate_is_refused(recruiter_client):
    CandidateFactory(email="ada@example.net")

    response = upload(recruiter_client, GOOD_CSV)

    assert table_rows(response, "import-errors") == [
        ["2", "email “ada@example.net” belongs to an existing candidate."]
    ]


def test_file_naming_an_existing_candidate_in_another_case_is_refused(recruiter_client):
    CandidateFactory(email="Ada@Example.net")

    response = upload(recruiter_client, GOOD_CSV)

    assert table_rows(response, "import-errors") == [
        ["2", "email “ada@example.net” belongs to an existing candidate."]
    ]


def test_confirming_a_file_naming_an_existing_candidate_in_another_case_saves_nothing(
    recruiter_client,
):
    preview = upload(recruiter_client, GOOD_CSV)
    CandidateFactory(email="Ada@Example.net")  # added between the preview and the confirmation

    response = recruiter_client.post(
        IMPORT, {"upload": hidden_value(preview, "upload"), "_confirm": "Import"}
    )

    assert messages_of(response) == [
        ("error", "Line 2: email “ada@example.net” belongs to an existing candidate.")
    ]
    assert Candidate.objects.count() == 1


def test_file_that_is_not_utf8_is_refused(recruiter_client):
    response = recruiter_client.post(
        IMPORT,
        {
            "file": SimpleUploadedFile(
                "c.csv", "full_name,email\nJosé,jose@example.net\n".encode("latin-1")
            )
        },
    )

    assert table_rows(response, "import-errors") == [["—", "The file is not UTF-8 text."]]


# --- Excel workbooks ----------------------------------------------------------------------


def test_uploaded_workbook_is_previewed_with_its_sheet_row_numbers(recruiter_client):
    workbook = xlsx_file(
        [
            ["full_name", "email", "phone", "links", "notes"],
            ["Ada Lovelace", "ada@example.net", 442079460001, "https://example.net/ada", None],
            [None],
            ["Charles Babbage", "charles@example.net", None, None, date(2026, 11, 30)],
        ],
        first_row=2,
    )

    response = upload(recruiter_client, workbook, name="candidates.xlsx")

    assert table_rows(response, "import-rows") == [
        ["3", "Ada Lovelace", "ada@example.net", "442079460001", "https://example.net/ada"],
        ["5", "Charles Babbage", "charles@example.net", "", ""],
    ]
    assertContains(response, "Preview of the XLSX file")


def test_confirmed_workbook_import_saves_its_rows(recruiter_client):
    workbook = xlsx_file(
        [
            ["Full_Name", "Email", "Notes"],
            ["Ada Lovelace", "ada@example.net", date(2026, 11, 30)],
        ]
    )
    preview = upload(recruiter_client, workbook, name="candidates.xlsx")

    confirm(recruiter_client, preview)

    assert list(Candidate.objects.values_list("full_name", "email", "notes")) == [
        ("Ada Lovelace", "ada@example.net", "2026-11-30")
    ]


def test_workbook_with_bad_rows_lists_them_by_sheet_row(recruiter_client):
    workbook = xlsx_file(
        [
            ["full_name", "email"],
            ["Ada Lovelace", "ada@example.net"],
            ["Charles Babbage", "not-an-email"],
            ["Ada Again", "ADA@example.net"],
        ]
    )

    response = upload(recruiter_client, workbook, name="candidates.xlsx")

    assert table_rows(response, "import-errors") == [
        ["3", "email “not-an-email” is not a valid address."],
        ["4", "email repeats line 2."],
    ]


def test_workbook_named_csv_is_read_as_a_workbook(recruiter_client):
    workbook = xlsx_file([["full_name", "email"], ["Ada Lovelace", "ada@example.net"]])

    response = upload(recruiter_client, workbook, name="candidates.csv")

    assert table_rows(response, "import-rows") == [["2", "Ada Lovelace", "ada@example.net", "", ""]]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
            "The file is an old Excel workbook (.xls) or a password-protected one: "
            "save it as .xlsx or CSV, without a password, and upload it again.",
        ),
        (
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
            "The file is neither CSV text nor an Excel workbook (.xlsx).",
        ),
        (
            b"PK\x03\x04not really a zip",
            "The file is a ZIP archive but not an Excel workbook (.xlsx).",
        ),
    ],
    ids=["xls", "pdf", "broken-zip"],
)
def test_file_of_another_kind_is_refused_by_its_content(recruiter_client, content, message):
    response = upload(recruiter_client, content, name="candidates.xlsx")

    assert table_rows(response, "import-errors") == [["—", message]]
    assertNotContains(response, 'name="_confirm"')


def test_word_document_is_not_taken_for_a_workbook(recruiter_client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")

    response = upload(recruiter_client, buffer.getvalue(), name="cv.xlsx")

    assert table_rows(response, "import-errors") == [
        ["—", "The file is a ZIP archive but not an Excel workbook (.xlsx)."]
    ]


def test_file_over_2_mb_is_refused_before_it_is_read(recruiter_client):
    response = upload(recruiter_client, HEADER_LINE + "x" * (2 * 1024 * 1024))

    assert response.context["form"].errors["file"] == [
        "The file is over 2 MB; split it into smaller files."
    ]


def test_check_without_a_file_asks_for_one(recruiter_client):
    response = recruiter_client.post(IMPORT, {})

    assert response.context["form"].errors["file"] == ["Choose a CSV or Excel (.xlsx) file."]


def test_confirmation_after_the_session_lost_the_file_asks_for_it_again(recruiter_client):
    preview = upload(recruiter_client, GOOD_CSV)
    data = form_data(preview, "confirm-form")
    data["upload"] = "0" * 64

    response = recruiter_client.post(IMPORT, {**data, "_confirm": "Import"})

    assert response.context["form"].errors["file"] == [
        "The checked file is no longer at hand; upload it again."
    ]
    assert not Candidate.objects.exists()


# --- Import onto a posting, with reviewers ---------------------------------------------------

HEADER_LINE = "full_name,email,phone,links,notes\n"


@pytest.fixture
def posting():
    return published_rubric(posting=JobPostingFactory(title="Field Service Technician")).posting


def test_posting_choices_are_the_postings_open_for_applications(recruiter_client, posting):
    published_rubric(posting=JobPostingFactory(title="Draft posting", status="draft"))
    published_rubric(posting=JobPostingFactory(title="Closed posting", status="closed"))
    RubricFactory(posting=JobPostingFactory(title="Posting without a rubric"))

    response = recruiter_client.get(IMPORT)

    choices = [label for _value, label in response.context["form"].fields["posting"].choices]
    assert choices == ["None: only add the candidates", "Field Service Technician"]


def test_preview_with_a_posting_says_what_confirming_will_do(recruiter_client, posting, reviewer):
    due = timezone.localdate() + timedelta(days=7)

    response = upload(
        recruiter_client,
        GOOD_CSV,
        posting=posting.pk,
        reviewers=[reviewer.pk],
        due_date=due.isoformat(),
    )

    version = posting.rubrics.get().version
    assertContains(
        response,
        f"Confirming adds 2 candidates and opens 2 applications for Field Service Technician "
        f"(rubric v{version}), assigning {reviewer.get_full_name()} to each "
        f"(2 reviews, due {due.isoformat()}).",
    )
    assertContains(response, 'value="Import 2 candidates and open 2 applications"')


def test_preview_lists_an_existing_candidate_as_getting_an_application(recruiter_client, posting):
    CandidateFactory(full_name="Ada King", email="Ada@Example.net")

    response = upload(recruiter_client, GOOD_CSV, posting=posting.pk)

    assert table_rows(response, "import-existing") == [
        ["2", "Ada King", "ada@example.net", "existing candidate, application will be created"]
    ]
    assert [row[1] for row in table_rows(response, "import-rows")] == ["Charles Babbage"]
    assert table_rows(response, "import-errors") == []


def test_preview_refuses_a_candidate_who_already_applied_to_the_posting(recruiter_client, posting):
    ada = CandidateFactory(full_name="Ada King", email="ada@example.net")
    ApplicationFactory(candidate=ada, rubric=posting.rubrics.get(), posting=posting)

    response = upload(recruiter_client, GOOD_CSV, posting=posting.pk)

    assert table_rows(response, "import-errors") == [
        ["2", "Ada King (“ada@example.net”) already has an application for this posting."]
    ]
    assertNotContains(response, 'name="_confirm"')


def test_preview_with_a_posting_still_refuses_an_email_twice_in_the_file(recruiter_client, posting):
    response = upload(
        recruiter_client,
        HEADER_LINE + "Ada,ada@example.net,,,\nAda Again,ADA@example.net,,,\n",
        posting=posting.pk,
    )

    assert table_rows(response, "import-errors") == [["3", "email repeats line 2."]]


def test_confirmed_import_onto_a_posting_opens_applications_and_assignments(
    recruiter_client, recruiter, posting, reviewer
):
    second = ReviewerFactory(first_name="Katherine", last_name="Johnson")
    existing = CandidateFactory(email="ada@example.net")
    due = timezone.localdate() + timedelta(days=7)
    preview = upload(
        recruiter_client,
        GOOD_CSV,
        posting=posting.pk,
        reviewers=[reviewer.pk, second.pk],
        due_date=due.isoformat(),
    )

    response = confirm(recruiter_client, preview)

    rubric = posting.rubrics.get()
    assert response.status_code == 302
    assert response.url == (
        reverse("admin:screening_application_changelist") + f"?posting__id__exact={posting.pk}"
    )
    assert sorted(
        Application.objects.values_list("candidate__email", "posting", "rubric", "created_by")
    ) == [
        ("ada@example.net", posting.pk, rubric.pk, recruiter.pk),
        ("charles@example.net", posting.pk, rubric.pk, recruiter.pk),
    ]
    assert Candidate.objects.count() == 2
    assert Application.objects.get(candidate=existing)
    assert sorted(
        ReviewAssignment.objects.values_list(
            "application__candidate__email", "reviewer", "due_date", "scorecard__status"
        )
    ) == sorted(
        (email, r.pk, due, "draft")
        for email in ("ada@example.net", "charles@example.net")
        for r in (reviewer, second)
    )


def test_confirmed_import_onto_a_posting_says_what_it_made(recruiter_client, posting, reviewer):
    second = ReviewerFactory(first_name="Katherine", last_name="Johnson")
    CandidateFactory(email="ada@example.net")
    due = timezone.localdate() + timedelta(days=7)
    preview = upload(
        recruiter_client,
        GOOD_CSV,
        posting=posting.pk,
        reviewers=[reviewer.pk, second.pk],
        due_date=due.isoformat(),
    )

    response = confirm(recruiter_client, preview, follow=True)

    version = posting.rubrics.get().version
    assert messages_of(response) == [
        (
            "success",
            "Imported 1 candidate and opened 2 applications for Field Service Technician "
            f"(rubric v{version}); assigned {reviewer.get_full_name()} and Katherine Johnson "
            f"to each, due {due.isoformat()}.",
        )
    ]


def test_import_refused_at_confirmation_saves_nothing_and_says_why(
    recruiter_client, posting, reviewer
):
    ada = CandidateFactory(full_name="Ada King", email="ada@example.net")
    preview = upload(recruiter_client, GOOD_CSV, posting=posting.pk, reviewers=[reviewer.pk])
    # Between the preview and the confirmation, Ada applies by another way.
    ApplicationFactory(candidate=ada, rubric=posting.rubrics.get(), posting=posting)

    response = confirm(recruiter_client, preview)

    assert messages_of(response) == [
        (
            "error",
            "Line 2: Ada King (“ada@example.net”) already has an application for this posting.",
        )
    ]
    assert list(Candidate.objects.all()) == [ada]
    assert Application.objects.count() == 1
    assert not ReviewAssignment.objects.exists()


def test_import_onto_a_posting_closed_since_the_preview_saves_nothing(recruiter_client, posting):
    preview = upload(recruiter_client, GOOD_CSV, posting=posting.pk)
    JobPosting.objects.filter(pk=posting.pk).update(status="closed")

    response = confirm(recruiter_client, preview)

    assert response.status_code == 200
    assert response.context["form"].errors["posting"][0].startswith("Select a valid choice.")
    assert not Candidate.objects.exists()


def test_same_file_can_be_checked_again_with_a_posting_without_uploading_it(
    recruiter_client, posting
):
    first = upload(recruiter_client, GOOD_CSV)
    data = form_data(first, "import-form")
    data["posting"] = str(posting.pk)

    response = recruiter_client.post(IMPORT, data)

    assertContains(response, 'value="Import 2 candidates and open 2 applications"')


@pytest.mark.parametrize(
    ("options", "field", "message"),
    [
        (
            {"reviewers": "R"},
            "reviewers",
            "Choose a posting too: reviewers are assigned to the applications it opens.",
        ),
        ({"posting": "P", "due_date": "D+7"}, "due_date", "A due date needs reviewers to assign."),
        (
            {"posting": "P", "reviewers": "R", "due_date": "D-1"},
            "due_date",
            "The due date is in the past.",
        ),
    ],
    ids=["reviewers-without-posting", "due-date-without-reviewers", "past-due-date"],
)
def test_import_choices_that_do_not_fit_together_are_refused(
    recruiter_client, posting, reviewer, options, field, message
):
    today = timezone.localdate()
    values = {
        "R": reviewer.pk,
        "P": posting.pk,
        "D+7": (today + timedelta(days=7)).isoformat(),
        "D-1": (today - timedelta(days=1)).isoformat(),
    }

    response = upload(recruiter_client, GOOD_CSV, **{k: values[v] for k, v in options.items()})

    assert response.context["form"].errors[field] == [message]
    assert response.context["preview"] is None


def test_reviewer_cannot_open_the_import(reviewer_client):
    response = reviewer_client.get(IMPORT)

    assert response.status_code == 403


# --- Exports -------------------------------------------------------------------------------

CANDIDATES = reverse("admin:screening_candidate_changelist")


def export(client, action, candidates):
    return client.post(
        CANDIDATES, {"action": action, "_selected_action": [c.pk for c in candidates]}
    )


def read_xlsx(content: bytes) -> list[list]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def two_candidates():
    ada = CandidateFactory(
        full_name="Ada Lovelace",
        email="ada@example.net",
        phone="+44 20 7946 0001",
        links=["https://example.net/ada", "https://example.org/a"],
        notes='=HYPERLINK("http://evil.example")',
    )
    ApplicationFactory(candidate=ada)
    bo = CandidateFactory(full_name="Bo Lind", email="bo@example.net", phone="", links=[], notes="")
    return ada, bo


def test_candidates_export_as_csv(recruiter_client, two_candidates):
    ada, bo = two_candidates

    response = export(recruiter_client, "export_csv", two_candidates)

    today = timezone.localdate().isoformat()
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="candidates-{today}.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "id",
        "full_name",
        "email",
        "phone",
        "links",
        "notes",
        "applications",
        "created_at",
    ]
    assert [r[:7] for r in rows[1:]] == [
        [
            str(ada.pk),
            "Ada Lovelace",
            "ada@example.net",
            "'+44 20 7946 0001",  # a leading "+" reads as a formula too
            "https://example.net/ada; https://example.org/a",
            '\'=HYPERLINK("http://evil.example")',
            "1",
        ],
        [str(bo.pk), "Bo Lind", "bo@example.net", "", "", "", "0"],
    ]


def test_candidates_export_as_xlsx_keeps_formula_text_as_text(recruiter_client, two_candidates):
    ada, bo = two_candidates

    response = export(recruiter_client, "export_xlsx", two_candidates)

    assert response["Content-Type"] == exports.XLSX_TYPE
    assert response.content.startswith(b"PK\x03\x04")
    rows = read_xlsx(response.content)
    assert [r[:7] for r in rows[1:]] == [
        [
            ada.pk,
            "Ada Lovelace",
            "ada@example.net",
            "+44 20 7946 0001",
            "https://example.net/ada; https://example.org/a",
            '=HYPERLINK("http://evil.example")',
            1,
        ],
        [bo.pk, "Bo Lind", "bo@example.net", None, None, None, 0],
    ]
    assert isinstance(rows[1][7], datetime)


def test_candidates_export_as_xlsx_drops_characters_a_workbook_cannot_hold(
    recruiter_client, two_candidates
):
    ada, _ = two_candidates
    # (No NUL: PostgreSQL text cannot hold one.)
    ada.notes = "Form\x0cfeed and\x0b vertical tab, tab\tkept"
    ada.save()

    response = export(recruiter_client, "export_xlsx", [ada])

    assert response.status_code == 200
    assert read_xlsx(response.content)[1][5] == "Formfeed and vertical tab, tab\tkept"


def test_exported_workbook_reads_back_through_the_import(recruiter_client, two_candidates):
    content = export(recruiter_client, "export_xlsx", two_candidates).content

    response = upload(recruiter_client, content, name="candidates.xlsx")

    assert table_rows(response, "import-errors") == [
        ["2", "email “ada@example.net” belongs to an existing candidate."],
        ["3", "email “bo@example.net” belongs to an existing candidate."],
    ]


@pytest.mark.parametrize("action", ["export_csv", "export_xlsx"])
@pytest.mark.parametrize("size", [3, 30])
def test_candidates_export_costs_the_same_queries_at_any_size(
    recruiter_client, django_assert_max_num_queries, action, size
):
    candidates = CandidateFactory.create_batch(size)
    for c in candidates[::2]:
        ApplicationFactory(candidate=c)

    # session, user, the user's and the groups' permissions, the changelist's two counts
    # (filtered and total) and the rows with their application counts
    with django_assert_max_num_queries(7):
        response = export(recruiter_client, action, candidates)

    assert response.status_code == 200


def test_reviewer_cannot_export_candidates(reviewer_client, two_candidates):
    response = export(reviewer_client, "export_csv", two_candidates)

    assert response.status_code == 403
