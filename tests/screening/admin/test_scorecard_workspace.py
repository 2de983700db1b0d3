"""The scorecard page as a workspace (screening/admin/reviews.py, the selector
scorecard_documents): the application's documents beside the criteria with the passages that
mention each criterion, the autosave endpoint and the documents' status for the page's poll."""

import json
import re

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from rubrics.models import Criterion, Rubric
from screening import selectors, services
from screening.documents.samples import resume_pdf, scanned_pdf
from screening.models import CriterionScore, Document, Scorecard
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    CriterionFactory,
    ReviewAssignmentFactory,
    RubricFactory,
    submit_scores,
)
from tests.support import form_data

pytestmark = pytest.mark.django_db

AJAX = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}
SECTIONS = [
    ("Education", ["PhD candidate in Computer Science, University of Edinburgh"]),
    ("Skills", ["Python, Go and SQL every day; some Rust."]),
    ("Other", ["Holds a work permit for the UK."]),
]


@pytest.fixture
def skills_rubric():
    rubric = RubricFactory()
    for order, (kind, title, keywords) in enumerate(
        [
            (Criterion.Kind.SCREENING, "Work permit", ["work permit"]),
            (Criterion.Kind.MUST_HAVE, "Programming", ["Python", "Go", "SQL"]),
            (Criterion.Kind.BONUS, "Kubernetes", ["Kubernetes"]),
        ],
        start=1,
    ):
        CriterionFactory(
            rubric=rubric, kind=kind, title=title, keywords=keywords, order=order, description=title
        )
    Rubric.objects.filter(pk=rubric.pk).update(state=Rubric.State.PUBLISHED)
    rubric.refresh_from_db()
    return rubric


@pytest.fixture
def assignment(reviewer, skills_rubric):
    return ReviewAssignmentFactory(
        application=ApplicationFactory(
            candidate=CandidateFactory(full_name="Ada Lovelace"), rubric=skills_rubric
        ),
        reviewer=reviewer,
    )


def criterion(assignment, title) -> Criterion:
    return assignment.application.rubric.criteria.get(title=title)


def upload(application, recruiter, capture, name="Ada CV.pdf", data=None, role="resume"):
    with capture(execute=True):
        return services.document_upload(
            application=application,
            actor=recruiter,
            name=name,
            data=data or resume_pdf("Ada Lovelace", SECTIONS),
            role=role,
        )


def url(assignment) -> str:
    return reverse("admin:screening_myreview_scorecard", args=[assignment.pk])


def passage_marks(html: str, criterion_id: int) -> list[str]:
    block = html[html.index(f'id="evidence-{criterion_id}"') :]
    block = block[: block.index("</div>")]
    return re.findall(r'data-mark="([^"]+)"', block)


def test_the_scorecard_shows_the_documents_and_each_criterions_passages(
    reviewer_client, recruiter, assignment, django_capture_on_commit_callbacks
):
    document = upload(assignment.application, recruiter, django_capture_on_commit_callbacks)
    assert Document.objects.get(pk=document.pk).status == Document.Status.READY

    response = reviewer_client.get(url(assignment))

    html = response.content.decode()
    assertContains(response, 'id="workspace"')
    assertContains(response, "Ada CV.pdf")
    assertContains(response, "you decide the level")
    programming = passage_marks(html, criterion(assignment, "Programming").pk)
    assert programming, "Programming lists no passage"
    for mark in programming:
        assert f'<mark id="{mark}">' in html
    text = re.sub(r"<[^>]+>", "", html)
    assert "p.1 ‘" in text
    # Every language the criterion names is highlighted in the document.
    marked = re.findall(r'<mark id="ev-[^"]+">([^<]+)</mark>', html)
    for language in ("Python", "Go", "SQL"):
        assert any(language in m for m in marked), language
    # The screening question shows its passage too; a criterion with none says so.
    assert passage_marks(html, criterion(assignment, "Work permit").pk)
    block = html[html.index(f'id="evidence-{criterion(assignment, "Kubernetes").pk}"') :]
    assert block[: block.index("</div>")].count("No passage of the documents mentions it")


def test_the_page_text_is_kept_whole_around_the_marks(
    recruiter, assignment, django_capture_on_commit_callbacks
):
    document = upload(assignment.application, recruiter, django_capture_on_commit_callbacks)

    workspace = selectors.scorecard_documents(assignment.application)

    (item,) = workspace.documents
    page = document.pages.get(number=1)
    assert "".join(s.text for s in item.pages[0].segments) == page.text
    assert [s for s in item.pages[0].segments if s.mark]


def test_a_reviewer_sees_only_the_documents_of_this_application(
    reviewer_client, recruiter, assignment, skills_rubric, django_capture_on_commit_callbacks
):
    other = ApplicationFactory(rubric=skills_rubric)
    upload(other, recruiter, django_capture_on_commit_callbacks, name="Someone else.pdf")
    upload(assignment.application, recruiter, django_capture_on_commit_callbacks)

    response = reviewer_client.get(url(assignment))

    assertContains(response, "Ada CV.pdf")
    assertNotContains(response, "Someone else.pdf")


def test_without_documents_the_page_has_one_column(reviewer_client, assignment):
    response = reviewer_client.get(url(assignment))

    assertNotContains(response, 'id="workspace"')
    assertContains(response, 'id="scorecard-form"')
    assertContains(response, 'id="shortcuts"')


def test_a_pending_a_scanned_and_a_failed_document_say_so(
    reviewer_client, recruiter, assignment, django_capture_on_commit_callbacks
):
    # Not run on commit: still being read.
    services.document_upload(
        application=assignment.application,
        actor=recruiter,
        name="Pending.pdf",
        data=resume_pdf("Ada", SECTIONS),
        role="other",
    )
    upload(
        assignment.application,
        recruiter,
        django_capture_on_commit_callbacks,
        name="Scan.pdf",
        data=scanned_pdf(),
        role="other",
    )
    broken = upload(
        assignment.application, recruiter, django_capture_on_commit_callbacks, name="Broken.pdf"
    )
    Document.objects.filter(pk=broken.pk).update(
        status=Document.Status.FAILED, error="The file ends too early."
    )

    response = reviewer_client.get(url(assignment))

    assertContains(response, "Reading the document…")
    assertContains(response, "data-pending")
    assertContains(response, "No text could be read from this document (a scanned image?)")
    assertContains(response, "This document could not be read: The file ends too early.")


def test_the_status_endpoint_lists_the_documents_for_the_poll(
    reviewer_client, recruiter, assignment
):
    document = services.document_upload(
        application=assignment.application,
        actor=recruiter,
        name="Pending.pdf",
        data=resume_pdf("Ada", SECTIONS),
        role="resume",
    )
    status_url = reverse("admin:screening_myreview_documents_status", args=[assignment.pk])

    response = reviewer_client.get(status_url)

    assert response.json() == {"documents": [{"id": document.pk, "status": "pending"}]}


def test_the_status_endpoint_is_404_for_another_reviewers_assignment(
    client, assignment, skills_rubric
):
    stranger = ReviewAssignmentFactory(application=ApplicationFactory(rubric=skills_rubric))
    client.force_login(stranger.reviewer)

    response = client.get(
        reverse("admin:screening_myreview_documents_status", args=[assignment.pk])
    )

    assert response.status_code == 404


# --- Autosave -------------------------------------------------------------------------------


def drafted(client, assignment, **values) -> dict:
    data = form_data(client.get(url(assignment)), "scorecard-form")
    data.update(values)
    data["_save_draft"] = "1"
    return data


def test_autosave_saves_a_draft_and_answers_json(reviewer_client, assignment):
    programming = criterion(assignment, "Programming")
    data = drafted(
        reviewer_client, assignment, **{f"score_{programming.pk}": "3", "summary": "So far"}
    )

    response = reviewer_client.post(url(assignment), data, **AJAX)

    assert response.status_code == 200
    body = response.json()
    assert body["saved"] is True and re.fullmatch(r"\d\d:\d\d", body["at_display"])
    card = Scorecard.objects.get(assignment=assignment)
    assert card.status == Scorecard.Status.DRAFT and card.summary == "So far"
    assert CriterionScore.objects.get(scorecard=card, criterion=programming).value == 3


def test_autosave_never_submits(reviewer_client, assignment):
    data = drafted(reviewer_client, assignment, _submit="Submit")

    response = reviewer_client.post(url(assignment), data, **AJAX)

    assert response.json()["saved"] is True
    assert Scorecard.objects.get(assignment=assignment).status == Scorecard.Status.DRAFT


def test_autosave_answers_400_with_the_errors_of_invalid_data(reviewer_client, assignment):
    programming = criterion(assignment, "Programming")
    data = drafted(reviewer_client, assignment, **{f"score_{programming.pk}": "9"})

    response = reviewer_client.post(url(assignment), data, **AJAX)

    assert response.status_code == 400
    body = json.loads(response.content)
    assert body["saved"] is False and f"score_{programming.pk}" in body["errors"]
    assert not CriterionScore.objects.filter(criterion=programming).exists()


def test_autosave_refuses_a_submitted_scorecard(reviewer_client, assignment):
    programming = criterion(assignment, "Programming")
    submit_scores(assignment, {programming: 3})
    data = drafted(reviewer_client, assignment, **{f"score_{programming.pk}": "1"})

    response = reviewer_client.post(url(assignment), data, **AJAX)

    assert response.status_code == 409
    assert response.json()["saved"] is False
    assert CriterionScore.objects.get(criterion=programming).value == 3


def test_a_submitted_scorecard_does_not_autosave(reviewer_client, assignment):
    submit_scores(assignment, {criterion(assignment, "Programming"): 3})

    response = reviewer_client.get(url(assignment))

    assertContains(response, 'data-autosave="off"')
    assertNotContains(response, 'id="autosave-status"')


# --- Query counts -------------------------------------------------------------------------


@pytest.mark.parametrize("documents", [1, 3])
def test_the_workspace_costs_the_same_queries_whatever_the_documents(
    documents,
    reviewer_client,
    recruiter,
    assignment,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    for n in range(documents):
        upload(
            assignment.application,
            recruiter,
            django_capture_on_commit_callbacks,
            name=f"CV {n}.pdf",
            data=resume_pdf(f"Ada {n}", SECTIONS * 2),
        )

    with django_assert_max_num_queries(QUERIES):
        response = reviewer_client.get(url(assignment))

    assert response.content.decode().count('role="tabpanel"') == documents


def test_the_selector_costs_three_queries(
    recruiter, assignment, django_capture_on_commit_callbacks, django_assert_num_queries
):
    for n in range(3):
        upload(assignment.application, recruiter, django_capture_on_commit_callbacks, name=f"{n}")

    with django_assert_num_queries(3):
        workspace = selectors.scorecard_documents(assignment.application)

    assert len(workspace.documents) == 3


# The page as it was (session, user, assignment, scores, criteria, ...) plus the selector's three.
QUERIES = 11
