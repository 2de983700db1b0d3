"""The candidate admin (screening/admin/candidates.py), driven through the test
client: the candidate import (CSV or XLSX, optionally opening applications on a posting with
reviewers assigned) and the exports."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from screening.models import Candidate
from tests.factories import CandidateFactory
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

    assert ("error", "Line 3: email “not-an-email” is not a valid address.") in messages_of(
        response
    )
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
    CandidateFactory(email="Ada@Example.net")
    preview = upload(recruiter_client, GOOD_CSV)

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
