"""GET /api/v1/postings/{id}/adverse-impact/ and the demographics behind it: who may read
them, what the report flags, what is never shown, and its query budget."""

import pytest
from django.core.exceptions import ValidationError

from core.models import AuditEvent
from reports.impact import services
from reports.impact.selectors import posting_adverse_impact
from reports.models import CandidateDemographics
from screening.models import Application
from tests.factories import (
    AnalystFactory,
    CandidateFactory,
    ReviewerFactory,
    UserFactory,
    impact_posting,
)

pytestmark = pytest.mark.django_db


def url(posting):
    return f"/api/v1/postings/{posting.pk}/adverse-impact/"


@pytest.fixture
def analyst_api(api_client):
    api_client.force_login(AnalystFactory())
    return api_client


def test_analyst_reads_the_report_that_flags_the_one_criterion_with_a_difference(analyst_api):
    posting, _, _ = impact_posting()
    response = analyst_api.get(url(posting))
    assert response.status_code == 200
    gender = next(c for c in response.json()["categories"] if c["category"] == "Gender")
    flagged = {(row["subject"], row["group"]) for row in gender["criteria"] if row["flagged"]}
    assert flagged == {("Experience", "Woman"), ("Experience", "Man")}
    woman = next(r for r in gender["criteria"] if r["flagged"] and r["group"] == "Woman")
    assert woman["hedges_g"] < 0 and woman["ci_high"] < 0
    assert not any(row["flagged"] for row in gender["reviewers"])


def test_groups_under_the_minimum_appear_nowhere_in_the_answer(analyst_api):
    posting, _, _ = impact_posting(small_group=3)
    response = analyst_api.get(url(posting))
    assert "Non-binary" not in response.content.decode()
    gender = next(c for c in response.json()["categories"] if c["category"] == "Gender")
    assert gender["groups"] == [{"group": "Man", "size": 20}, {"group": "Woman", "size": 20}]
    groups = {row["group"] for stage in gender["stages"] for row in stage["rows"]}
    groups |= {row["group"] for row in gender["criteria"] + gender["reviewers"]}
    assert groups == {"Man", "Woman"}
    assert gender["hidden_count"] == 3


def test_a_group_of_exactly_the_minimum_is_shown(analyst_api):
    posting, _, _ = impact_posting(small_group=5)
    gender = next(
        c for c in analyst_api.get(url(posting)).json()["categories"] if c["category"] == "Gender"
    )
    assert {"group": "Non-binary", "size": 5} in gender["groups"]


def test_selection_rates_per_stage_with_impact_ratios(analyst_api):
    posting, _, _ = impact_posting()
    gender = next(
        c for c in analyst_api.get(url(posting)).json()["categories"] if c["category"] == "Gender"
    )
    interview = next(s for s in gender["stages"] if s["stage"] == "Interview")
    rows = {r["group"]: r for r in interview["rows"]}
    # Every fourth application reached the interview: all of them even-numbered, i.e. women.
    assert (rows["Woman"]["selected"], rows["Woman"]["total"]) == (10, 20)
    assert (rows["Man"]["selected"], rows["Man"]["total"]) == (0, 20)
    assert rows["Man"]["impact_ratio"] == 0.0
    assert rows["Man"]["below_four_fifths"] is True
    # All 10 interviewed among the 20 women: C(20,10)/C(40,10) = 0.000218, twice (two-sided).
    assert rows["Woman"]["p_value"] == pytest.approx(0.000436, abs=1e-6)


def test_a_rejected_application_counts_at_the_furthest_stage_its_history_records(analyst_api):
    from screening.services import application_set_stage

    posting, _, _ = impact_posting()
    analyst = AnalystFactory()
    man = Application.objects.filter(
        posting=posting, candidate__demographics__answers__gender="Man"
    ).first()
    application_set_stage(application=man, actor=analyst, stage=Application.Stage.INTERVIEW)
    application_set_stage(application=man, actor=analyst, stage=Application.Stage.REJECTED)
    report = posting_adverse_impact(posting)
    gender = next(c for c in report.categories if c.category == "Gender")
    interview = next(s for s in gender.stages if s.stage == "Interview")
    assert next(r for r in interview.rows if r.group == "Man").selected == 1


def test_withdrawn_applications_are_left_out():
    posting, _, _ = impact_posting()
    Application.objects.filter(posting=posting).filter(
        pk__in=Application.objects.filter(posting=posting).values("pk")[:5]
    ).update(stage=Application.Stage.WITHDRAWN)
    assert posting_adverse_impact(posting).applications == 43 - 5


def test_recruiters_are_refused(recruiter_api):
    posting, _, _ = impact_posting(per_group=5)
    response = recruiter_api.get(url(posting))
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_reviewers_are_refused_even_with_the_permission(api_client):
    from django.contrib.auth.models import Permission

    posting, _, _ = impact_posting(per_group=5)
    reviewer = ReviewerFactory()
    reviewer.user_permissions.add(Permission.objects.get(codename="view_demographics"))
    api_client.force_login(reviewer)
    assert api_client.get(url(posting)).status_code == 403


def test_anonymous_callers_are_refused(api_client):
    posting, _, _ = impact_posting(per_group=5)
    assert api_client.get(url(posting)).status_code == 403


def test_unknown_posting_is_404(analyst_api):
    assert analyst_api.get("/api/v1/postings/999999/adverse-impact/").status_code == 404


@pytest.mark.parametrize("per_group", [5, 30])
def test_the_report_takes_a_constant_number_of_queries(
    per_group, analyst_api, django_assert_max_num_queries
):
    posting, _, _ = impact_posting(per_group=per_group)
    # Session, user, permissions, posting; then applications, stage history, answers, scores.
    with django_assert_max_num_queries(10):
        assert analyst_api.get(url(posting)).status_code == 200


def test_schema_documents_the_report(analyst_api):
    schema = analyst_api.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/postings/{id}/adverse-impact/"]["get"]
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    name = ref.rsplit("/", 1)[1]
    properties = schema["components"]["schemas"][name]["properties"]
    assert set(properties) == {
        "posting",
        "minimum_group_size",
        "applications",
        "caveats",
        "categories",
    }
    difference = schema["components"]["schemas"]["ScoreDifference"]["properties"]
    assert difference["hedges_g"]["nullable"] is True


# --- Recording answers --------------------------------------------------------


def test_recording_answers_writes_an_audit_event_without_their_values():
    candidate = CandidateFactory()
    analyst = AnalystFactory()
    record = services.demographics_record(
        candidate=candidate, answers={"gender": "Woman", "disability": "Yes"}, actor=analyst
    )
    assert record.answers == {"gender": "Woman", "disability": "Yes"}
    event = AuditEvent.objects.get(event="demographics.recorded")
    assert event.changes == {"answers": "edited"}
    stored = f"{event.object_repr} {event.summary} {event.changes}"
    assert "Woman" not in stored and "Yes" not in stored
    assert candidate.full_name not in stored


def test_unknown_categories_and_answers_are_refused_with_a_message():
    candidate = CandidateFactory()
    with pytest.raises(ValidationError) as caught:
        services.demographics_record(
            candidate=candidate, answers={"gender": "Robot", "shoe_size": "9"}, actor=None
        )
    assert caught.value.message_dict["gender"] == [
        "“Robot” is not an answer: choose Woman, Man, Non-binary, Another gender, "
        "Prefer not to say."
    ]
    assert caught.value.message_dict["shoe_size"][0].startswith("“shoe_size” is not a category")
    assert not CandidateDemographics.objects.exists()


def test_categories_come_from_the_setting(settings):
    settings.IMPACT_CATEGORIES = {"veteran": ["Yes", "No"]}
    record = services.demographics_record(
        candidate=CandidateFactory(), answers={"veteran": "No"}, actor=None
    )
    assert record.answers == {"veteran": "No"}
    with pytest.raises(ValidationError):
        services.demographics_record(
            candidate=CandidateFactory(), answers={"gender": "Woman"}, actor=None
        )


def test_recording_the_same_answers_again_changes_nothing():
    candidate = CandidateFactory()
    services.demographics_record(candidate=candidate, answers={"gender": "Man"}, actor=None)
    services.demographics_record(candidate=candidate, answers={"gender": "Man"}, actor=None)
    assert AuditEvent.objects.filter(event__startswith="demographics.").count() == 1


def test_the_fairness_analyst_group_alone_holds_the_permission():
    from django.contrib.auth.models import Group

    holders = Group.objects.filter(permissions__codename="view_demographics")
    assert list(holders.values_list("name", flat=True)) == ["Fairness analyst"]
    assert not UserFactory().has_perm("reports.view_demographics")


def test_a_candidate_who_applied_elsewhere_too_counts_once_per_posting():
    from tests.factories import ApplicationFactory

    posting, _, _ = impact_posting(per_group=5)
    other = ApplicationFactory()
    for application in Application.objects.filter(posting=posting)[:3]:
        ApplicationFactory(candidate=application.candidate, rubric=other.rubric)
    report = posting_adverse_impact(posting)
    gender = next(c for c in report.categories if c.category == "Gender")
    assert dict(gender.groups) == {"Man": 5, "Woman": 5}


def test_a_withdrawn_application_with_a_stage_history_is_left_out():
    from screening.services import application_set_stage

    posting, _, _ = impact_posting(per_group=5)
    application = Application.objects.filter(posting=posting).first()
    application_set_stage(application=application, actor=None, stage=Application.Stage.OFFER)
    application_set_stage(application=application, actor=None, stage=Application.Stage.WITHDRAWN)
    report = posting_adverse_impact(posting)
    assert report.applications == 13 - 1
    gender = next(c for c in report.categories if c.category == "Gender")
    assert all(r.selected == 0 for s in gender.stages if s.stage == "Offer" for r in s.rows)
