"""The authorization matrix's walk (every API endpoint, found by walking the URL resolver)
on an anonymised posting: reviewer A, with a draft scorecard for a candidate whose name,
email and phone are unique markers (and a résumé that spells them out), gets no body that
holds any of them, document text and downloads included. After A submits, the name shows;
a recruiter sees it all along."""

import pytest

from calibration import sessions
from screening import services
from screening.anonymity import candidate_code
from screening.models import Candidate, Document
from tests.contract.routes import api_endpoints
from tests.contract.test_authorization_matrix import TARGETS, _body, _request
from tests.factories import ApplicationFactory, CandidateFactory

pytestmark = pytest.mark.django_db

NAME, EMAIL, PHONE = "Xanthe Wolfsbergen", "mk-anon-mail@example.net", "+44 20 7946 0777"
ITEM_NAME = "Quirinus Abernathy-Mk"
MARKERS = ("Xanthe", "Wolfsbergen", "mk-anon-mail", "7946 0777", "Quirinus", "Abernathy")
RESUME = (
    f"{NAME}\n{EMAIL} · {PHONE} · https://mk-anon-site.example.net\n\n"
    "Certification: certified biomedical service technician.\n"
    "Experience: six years of service software support.\n"
)


@pytest.fixture
def anonymised(world, django_capture_on_commit_callbacks):
    """The world's posting anonymised; the application A is still scoring (shared with B)
    given a marked candidate and a résumé; a calibration session for A on the posting."""
    shared = world.ids["application_shared"]
    Candidate.objects.filter(pk=world.ids["candidate_shared"]).update(
        full_name=NAME, email=EMAIL, phone=PHONE, links=["https://mk-anon-site.example.net"]
    )
    from screening.models import Application

    application = Application.objects.select_related("posting", "rubric").get(pk=shared)
    application.posting.anonymised_review = True
    application.posting.save()
    with django_capture_on_commit_callbacks(execute=True):
        document = services.document_upload(
            application=application,
            actor=world.users["recruiter"],
            name=f"{NAME} CV.txt",
            data=RESUME.encode(),
            role=Document.Role.RESUME,
        )
    criteria = list(application.rubric.criteria.order_by("order", "id"))
    item = ApplicationFactory(
        rubric=application.rubric, candidate=CandidateFactory(full_name=ITEM_NAME)
    )
    session = sessions.session_create(
        posting=application.posting,
        title="Anonymised session",
        key_agreed_by="Leads",
        actor=world.users["recruiter"],
        reviewers=[world.users["reviewer_a"]],
        items=[
            sessions.ItemInput(application=a, key={c.pk: 2 for c in criteria})
            for a in (item, ApplicationFactory(rubric=application.rubric))
        ],
        open_now=True,
    )
    return {
        "applications": shared,
        "assignments": world.ids["assignment_a_shared"],
        "scorecards": world.ids["scorecard_a_draft"],
        "candidates": world.ids["candidate_shared"],
        "documents": document.pk,
        "calibration-sessions": session.pk,
        "postings": world.ids["posting"],
    }


def _url(endpoint, world, targets) -> str:
    if endpoint.collection in targets:
        pk = targets[endpoint.collection]
    else:
        target = TARGETS.get(endpoint.collection)
        pk = world.ids[target[0]] if target else 1
    return endpoint.url({"pk": pk, "token_key": "notakey", "number": 1})


def _walk(client, world, targets, role):
    """(url, status, body) of every endpoint as `role`, each in a savepoint rolled back."""
    token = world.token(role)
    for endpoint in api_endpoints():
        url = _url(endpoint, world, targets)
        response = _request(client, endpoint, url, token)
        yield f"{endpoint.method} {url}", response.status_code, _body(response)


def test_reviewer_a_with_a_draft_reads_no_marker_in_any_answer(world, anonymised, client):
    leaks, errors, reached = [], [], 0
    for what, status, body in _walk(client, world, anonymised, "reviewer_a"):
        if status >= 500:
            errors.append(f"{what}: {status}")
        if status < 400:
            reached += 1
        leaks += [f"{what}: {m}" for m in MARKERS if m.lower() in body.lower()]
    assert not errors
    assert not leaks, "\n".join(leaks)
    assert reached > 20


def test_what_reviewer_a_reads_instead(world, anonymised, client):
    token = world.token("reviewer_a")
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"}
    code = candidate_code(world.ids["candidate_shared"])
    application = client.get(f"/api/v1/applications/{anonymised['applications']}/", **headers)
    assert application.json()["candidate_name"] == code
    candidate = client.get(f"/api/v1/candidates/{anonymised['candidates']}/", **headers).json()
    assert (candidate["full_name"], candidate["links"]) == (code, [])
    document = client.get(f"/api/v1/documents/{anonymised['documents']}/", **headers).json()
    assert document["original_name"] == "Résumé (redacted text)"
    download = client.get(f"/api/v1/documents/{anonymised['documents']}/file/", **headers)
    text = _body(download)
    assert download["Content-Type"] == "text/plain; charset=utf-8"
    assert "certified biomedical service technician" in text
    image = client.get(f"/api/v1/documents/{anonymised['documents']}/pages/1/image/", **headers)
    assert image.status_code == 404
    evidence = client.get(
        f"/api/v1/applications/{anonymised['applications']}/evidence/", **headers
    ).json()
    snippets = [p["snippet"] for row in evidence for d in row["documents"] for p in d["passages"]]
    assert any("biomedical" in s for s in snippets)
    session = client.get(
        f"/api/v1/calibration-sessions/{anonymised['calibration-sessions']}/", **headers
    ).json()
    labels = {item["label"] for item in session["items"]}
    assert all(label.startswith("Candidate ") for label in labels)


def test_after_submitting_reviewer_a_reads_the_name(world, anonymised, client):
    token = world.token("reviewer_a")
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"}
    card = anonymised["scorecards"]
    submitted = client.post(
        f"/api/v1/scorecards/{card}/submit/",
        data={"recommendation": 3},
        content_type="application/json",
        **headers,
    )
    assert submitted.status_code == 200, submitted.content
    application = client.get(f"/api/v1/applications/{anonymised['applications']}/", **headers)
    assert application.json()["candidate_name"] == NAME
    download = client.get(f"/api/v1/documents/{anonymised['documents']}/file/", **headers)
    assert NAME in _body(download)


def test_a_recruiter_reads_the_name_all_along(world, anonymised, client):
    bodies = "".join(body for _, _, body in _walk(client, world, anonymised, "recruiter"))
    for marker in MARKERS:
        assert marker.lower() in bodies.lower(), marker


def test_searching_candidates_by_name_tells_reviewer_a_nothing(world, anonymised, client):
    headers = {"HTTP_AUTHORIZATION": f"Token {world.token('reviewer_a')}"}

    def found(term):
        return client.get("/api/v1/candidates/", {"search": term}, **headers).json()["count"]

    assert found("Wolfsbergen") == found("no such words")
