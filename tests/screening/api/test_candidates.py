"""The candidates endpoint of the screening API (`/api/v1/candidates/`), used by
the role it is for; the errors it gives carry a field key and a machine-readable code."""

import pytest

from screening.models import Candidate
from tests.factories import CandidateFactory
from tests.screening.api.support import CANDIDATES

pytestmark = pytest.mark.django_db


# --- Candidates -----------------------------------------------------------------


def test_create_candidate_returns_it_with_its_personal_data(recruiter_api, recruiter):
    response = recruiter_api.post(
        CANDIDATES,
        {
            "full_name": " Katherine Johnson ",
            "email": "katherine@example.net",
            "phone": "+44 113 496 0000",
            "links": ["https://example.net/kj"],
            "notes": "Met at a careers fair.",
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert {k: v for k, v in body.items() if k not in {"id", "created_at"}} == {
        "full_name": "Katherine Johnson",
        "email": "katherine@example.net",
        "phone": "+44 113 496 0000",
        "links": ["https://example.net/kj"],
        "notes": "Met at a careers fair.",
    }
    assert Candidate.objects.get(pk=body["id"]).created_by == recruiter


@pytest.mark.parametrize("email", ["ada@example.net", "ADA@Example.NET"])
def test_create_candidate_with_a_taken_email_is_a_field_error(recruiter_api, email):
    CandidateFactory(email="ada@example.net")

    response = recruiter_api.post(CANDIDATES, {"full_name": "Ada King", "email": email})

    assert response.status_code == 400
    assert response.json() == {
        "email": ["A candidate with this email already exists."],
        "code": "invalid",
    }
    assert Candidate.objects.count() == 1


def test_create_candidate_with_an_invalid_email_is_a_field_error(recruiter_api):
    response = recruiter_api.post(CANDIDATES, {"full_name": "Ada King", "email": "ada@"})

    assert response.status_code == 400
    assert response.json() == {"email": ["Enter a valid email address."], "code": "invalid"}


def test_create_candidate_with_a_link_that_is_not_a_url_is_a_field_error(recruiter_api):
    response = recruiter_api.post(
        CANDIDATES, {"full_name": "Ada King", "email": "ada@example.net", "links": ["my site"]}
    )

    assert response.status_code == 400
    assert response.json() == {"links[0]": ["Enter a valid URL."], "code": "invalid"}


def test_update_candidate_changes_the_given_fields(recruiter_api):
    candidate = CandidateFactory(full_name="Ada Lovelace", phone="+44 20 7946 0000")

    response = recruiter_api.patch(f"{CANDIDATES}{candidate.pk}/", {"phone": "+44 113 496 0001"})

    assert response.status_code == 200
    assert (response.json()["full_name"], response.json()["phone"]) == (
        "Ada Lovelace",
        "+44 113 496 0001",
    )
    candidate.refresh_from_db()
    assert candidate.phone == "+44 113 496 0001"


def test_update_candidate_to_another_candidates_email_is_a_field_error(recruiter_api):
    CandidateFactory(email="charles@example.net")
    candidate = CandidateFactory(email="ada@example.net")

    response = recruiter_api.patch(f"{CANDIDATES}{candidate.pk}/", {"email": "Charles@Example.net"})

    assert response.status_code == 400
    assert response.json() == {
        "email": ["A candidate with this email already exists."],
        "code": "invalid",
    }
    candidate.refresh_from_db()
    assert candidate.email == "ada@example.net"


def test_update_candidate_keeping_its_own_email_in_another_case_is_accepted(recruiter_api):
    candidate = CandidateFactory(email="ada@example.net")

    response = recruiter_api.patch(f"{CANDIDATES}{candidate.pk}/", {"email": "Ada@example.net"})

    assert response.status_code == 200
    candidate.refresh_from_db()
    assert candidate.email == "Ada@example.net"


def test_delete_candidate_with_an_application_is_a_conflict(recruiter_api, assignment):
    candidate = assignment.application.candidate

    response = recruiter_api.delete(f"{CANDIDATES}{candidate.pk}/")

    assert response.status_code == 409
    assert response.json()["code"] == "erase_instead"
    assert f"/api/v1/candidates/{candidate.pk}/erase/" in response.json()["detail"]
    assert Candidate.objects.filter(pk=candidate.pk).exists()


def test_candidate_list_searches_names_for_a_recruiter(recruiter_api):
    CandidateFactory(full_name="Ada Lovelace")
    CandidateFactory(full_name="Charles Babbage")

    response = recruiter_api.get(CANDIDATES, {"search": "lovelace"})

    assert [c["full_name"] for c in response.json()["results"]] == ["Ada Lovelace"]
