"""The posting admin (rubrics/admin/postings.py), driven through the test client:
its pages, "Generate a draft rubric", and changes written through the services so each
is audited."""

from decimal import Decimal

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from core.models import AuditEvent
from rubrics.models import JobPosting, Rubric
from rubrics.parsing import MAX_POSTING_BYTES, PostingParseError, parse_posting
from tests.factories import JobPostingFactory, RubricFactory, UserFactory, rubric_with_criteria
from tests.support import change_url, changelist_url, delete_url, form_data, messages_of, run_action

pytestmark = pytest.mark.django_db
D = Decimal


NO_REQUIREMENTS = "We are a friendly team.\n\nBenefits\n- Free lunch.\n"


# --- Postings: pages --------------------------------------------------------


def test_posting_changelist_shows_each_posting_with_its_rubric_count(recruiter_client):
    with_rubrics = JobPostingFactory(title="Forklift Driver")
    RubricFactory(posting=with_rubrics, version=1)
    RubricFactory(posting=with_rubrics, version=2)
    JobPostingFactory(title="Night Nurse")

    response = recruiter_client.get(changelist_url(JobPosting))

    assert response.status_code == 200
    counts = {p.title: p.rubric_count for p in response.context["cl"].result_list}
    assert counts == {"Forklift Driver": 2, "Night Nurse": 0}


@pytest.mark.parametrize(
    "query", ["forklift", "warehouse", "hull"], ids=["title", "team", "location"]
)
def test_posting_changelist_searches_title_team_and_location(recruiter_client, query):
    JobPostingFactory(title="Forklift Driver", team="Warehouse", location="Hull")
    JobPostingFactory(title="Night Nurse", team="Ward 7", location="York")

    response = recruiter_client.get(changelist_url(JobPosting), {"q": query})

    assert [p.title for p in response.context["cl"].result_list] == ["Forklift Driver"]


def test_posting_changelist_filters_by_status(recruiter_client):
    JobPostingFactory(title="Open one", status=JobPosting.Status.OPEN)
    JobPostingFactory(title="Closed one", status=JobPosting.Status.CLOSED)

    response = recruiter_client.get(changelist_url(JobPosting), {"status__exact": "closed"})

    assert [p.title for p in response.context["cl"].result_list] == ["Closed one"]


def test_posting_changelist_filters_by_team(recruiter_client):
    JobPostingFactory(title="Forklift Driver", team="Warehouse")
    JobPostingFactory(title="Night Nurse", team="Ward 7")

    response = recruiter_client.get(changelist_url(JobPosting), {"team": "Ward 7"})

    assert [p.title for p in response.context["cl"].result_list] == ["Night Nurse"]


def test_posting_changelist_drills_down_by_creation_year(recruiter_client):
    old = JobPostingFactory(title="Last year's")
    JobPosting.objects.filter(pk=old.pk).update(created_at="2024-03-01T09:00:00Z")
    JobPostingFactory(title="This year's")

    response = recruiter_client.get(changelist_url(JobPosting), {"created_at__year": "2024"})

    assert [p.title for p in response.context["cl"].result_list] == ["Last year's"]


def test_posting_change_page_links_each_rubric_version(recruiter_client):
    rubric = rubric_with_criteria()

    response = recruiter_client.get(change_url(rubric.posting))

    assert response.status_code == 200
    assertContains(response, f'<a href="{change_url(rubric)}">v{rubric.version}</a>', html=True)


def test_posting_change_page_saves_an_edit(recruiter_client, recruiter):
    author = UserFactory()
    posting = JobPostingFactory(title="Forklift Driver", created_by=author)
    data = form_data(recruiter_client.get(change_url(posting)), "jobposting_form")
    data.update(title="Forklift Driver (nights)", status="closed", _save="Save")

    response = recruiter_client.post(change_url(posting), data)

    assert response.status_code == 302
    posting.refresh_from_db()
    assert (posting.title, posting.status, posting.created_by) == (
        "Forklift Driver (nights)",
        "closed",
        author,
    )


def test_posting_add_creates_the_posting_and_records_its_author(recruiter_client, recruiter):
    data = form_data(
        recruiter_client.get(reverse("admin:rubrics_jobposting_add")), "jobposting_form"
    )
    data.update(
        title="Forklift Driver",
        team="Warehouse",
        location="Hull",
        status="open",
        raw_text="Requirements\n- Licence: A counterbalance forklift licence.\n",
        _save="Save",
    )

    response = recruiter_client.post(reverse("admin:rubrics_jobposting_add"), data)

    assert response.status_code == 302
    posting = JobPosting.objects.get()
    assert (posting.title, posting.team, posting.location, posting.status) == (
        "Forklift Driver",
        "Warehouse",
        "Hull",
        "open",
    )
    assert posting.created_by == recruiter


def test_posting_add_refuses_an_oversized_posting_text(recruiter_client):
    data = form_data(
        recruiter_client.get(reverse("admin:rubrics_jobposting_add")), "jobposting_form"
    )
    data.update(title="Too long", raw_text="x" * (MAX_POSTING_BYTES + 1), _save="Save")

    response = recruiter_client.post(reverse("admin:rubrics_jobposting_add"), data)

    assert response.status_code == 200
    limit = MAX_POSTING_BYTES // 1024
    assert response.context["adminform"].form.errors == {
        "raw_text": [f"The posting is {limit + 1} KB; the limit is {limit} KB."]
    }
    assert not JobPosting.objects.exists()


def test_posting_delete_page_deletes_a_posting_without_rubrics(recruiter_client):
    posting = JobPostingFactory()
    assert recruiter_client.get(delete_url(posting)).status_code == 200

    response = recruiter_client.post(delete_url(posting), {"post": "yes"})

    assert response.status_code == 302
    assert not JobPosting.objects.exists()


def test_posting_with_rubrics_cannot_be_deleted(recruiter_client):
    rubric = RubricFactory()

    response = recruiter_client.post(delete_url(rubric.posting), {"post": "yes"})

    assert response.status_code == 200
    assertContains(response, "Cannot delete job posting")
    assert JobPosting.objects.filter(pk=rubric.posting.pk).exists()


# --- Postings: "Generate a draft rubric" ------------------------------------


def test_generate_rubric_action_creates_a_draft_from_the_posting(recruiter_client, recruiter):
    posting = JobPostingFactory()

    response = run_action(recruiter_client, JobPosting, "generate_rubric", posting)

    assert response.status_code == 302
    rubric = Rubric.objects.get(posting=posting)
    assert messages_of(response) == [
        (
            "success",
            "Generated 1 draft rubric. Review the criteria, then publish: "
            f'<a href="{change_url(rubric)}">{rubric}</a>',
        )
    ]
    assert (rubric.state, rubric.version, rubric.created_by) == ("draft", 1, recruiter)
    criteria = list(rubric.criteria.order_by("order"))
    assert [(c.kind, c.title) for c in criteria] == [
        ("must_have", "Certification"),
        ("must_have", "Experience"),
        ("bonus", "Experience with vendor service software"),
        ("screening", "Driving"),
    ]
    assert [c.weight for c in criteria] == [D("40.00"), D("40.00"), D("20.00"), D("0.00")]


def test_generate_rubric_action_names_a_posting_without_requirements(recruiter_client):
    posting = JobPostingFactory(title="Friendly team", raw_text=NO_REQUIREMENTS)
    with pytest.raises(PostingParseError) as parse_error:
        parse_posting(NO_REQUIREMENTS)

    response = run_action(recruiter_client, JobPosting, "generate_rubric", posting)

    assert response.status_code == 302
    assert messages_of(response) == [("error", f"Friendly team: {parse_error.value}")]
    assert not Rubric.objects.exists()


def test_generate_rubric_action_reports_each_posting_on_its_own(recruiter_client):
    good = JobPostingFactory()
    JobPostingFactory(title="Friendly team", raw_text=NO_REQUIREMENTS)
    with pytest.raises(PostingParseError) as parse_error:
        parse_posting(NO_REQUIREMENTS)

    response = run_action(
        recruiter_client, JobPosting, "generate_rubric", *JobPosting.objects.all()
    )

    rubric = Rubric.objects.get()
    assert sorted(messages_of(response)) == [
        ("error", f"Friendly team: {parse_error.value}"),
        (
            "success",
            "Generated 1 draft rubric. Review the criteria, then publish: "
            f'<a href="{change_url(rubric)}">{rubric}</a>',
        ),
    ]
    assert rubric.posting == good


# --- Postings: written through the services, so each change is audited --------------


def test_posting_added_in_the_admin_records_who_created_it(recruiter_client, recruiter):
    data = form_data(
        recruiter_client.get(reverse("admin:rubrics_jobposting_add")), "jobposting_form"
    )
    data.update(title="Forklift Driver", raw_text="Requirements\n- A licence.\n", _save="Save")

    recruiter_client.post(reverse("admin:rubrics_jobposting_add"), data)

    posting = JobPosting.objects.get()
    assert list(
        AuditEvent.objects.filter(object_id=str(posting.pk)).values_list("event", "actor")
    ) == [("posting.created", recruiter.pk)]


def test_posting_edited_in_the_admin_records_what_changed(recruiter_client, recruiter):
    posting = JobPostingFactory(title="Forklift Driver", raw_text="Requirements\n- A licence.")
    data = form_data(recruiter_client.get(change_url(posting)), "jobposting_form")
    data.update(title="Forklift Driver (nights)", _save="Save")

    recruiter_client.post(change_url(posting), data)

    event = AuditEvent.objects.get(event="posting.changed")
    assert (event.actor, event.changes) == (
        recruiter,
        {"title": ["Forklift Driver", "Forklift Driver (nights)"]},
    )


def test_posting_deleted_in_the_admin_is_audited(recruiter_client, recruiter):
    posting = JobPostingFactory(title="Forklift Driver")

    recruiter_client.post(delete_url(posting), {"post": "yes"})

    assert AuditEvent.objects.get(event="posting.deleted").actor == recruiter
