"""seed_demo's self-identified demographics: most demo candidates answer (some "prefer not
to say", a few not at all), recorded through the service once however often the command
runs; the built-in difference on one criterion is what the adverse-impact report flags,
and nothing else; the demo's analyst sees the flag in the admin."""

from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from core.models import AuditEvent
from reports.demo.demographics import BIASED_CRITERION, demo_answers, score_shift
from reports.impact.categories import PREFER_NOT_TO_SAY
from reports.impact.selectors import posting_adverse_impact
from reports.models import CandidateDemographics
from rubrics.models import JobPosting

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo_settings(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.DEBUG = True


@pytest.fixture
def seeded():
    call_command("seed_demo", stdout=StringIO())
    return JobPosting.objects.get()


def test_most_demo_candidates_answered_some_prefer_not_to_say(seeded):
    answers = list(CandidateDemographics.objects.values_list("answers", flat=True))

    assert len(answers) == 36  # of 40: four did not answer
    genders = Counter(a["gender"] for a in answers)
    assert genders == {"Woman": 14, "Man": 14, PREFER_NOT_TO_SAY: 6, "Non-binary": 2}
    assert AuditEvent.objects.filter(event="demographics.recorded").count() == 36
    # The audit trail says they were recorded, never what they are.
    assert not AuditEvent.objects.filter(changes__icontains="Woman").exists()


def test_running_the_demo_again_records_nothing_more(seeded):
    out = StringIO()
    call_command("seed_demo", stdout=out)

    assert CandidateDemographics.objects.count() == 36
    assert AuditEvent.objects.filter(event="demographics.recorded").count() == 36
    assert "Self-identified demographics recorded for 0 more candidate(s)" in out.getvalue()


def test_the_report_flags_the_built_in_criterion_and_nothing_else(seeded, client):
    report = posting_adverse_impact(seeded)

    flagged = sorted((c, kind, row.subject, row.group) for c, kind, row in report.flagged)
    assert flagged == [
        ("Gender", "criterion", BIASED_CRITERION, "Man"),
        ("Gender", "criterion", BIASED_CRITERION, "Woman"),
    ]
    woman = next(row for _c, _k, row in report.flagged if row.group == "Woman")
    assert woman.comparison.effect.g < -1
    # Two non-binary candidates: under the minimum, merged and, still too few, not shown.
    gender = next(c for c in report.categories if c.category == "Gender")
    assert [group for group, _size in gender.groups] == ["Man", "Woman"]
    assert gender.hidden_count == 2

    # The demo's analyst opens the admin page and sees the flag.
    client.force_login(get_user_model().objects.get(username="analyst"))
    page = client.get(reverse("admin:reports_adverse_impact"), {"posting": seeded.pk})
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('<tr class="flagged">') == 2
    assert "scored lower" in html and "Non-binary" not in html


def test_only_women_on_the_one_criterion_are_scored_down():
    shifted = {
        (i, title)
        for i in range(40)
        for title in (BIASED_CRITERION, "Education")
        if score_shift(i, title)
    }

    assert {title for _i, title in shifted} == {BIASED_CRITERION}
    assert all((demo_answers(i) or {}).get("gender") == "Woman" for i, _t in shifted)


def test_the_other_answers_hold_both_genders_evenly():
    """Only gender carries the difference: every other group has as many women as men,
    give or take the one who answered "Non-binary"."""
    for category in ("ethnicity", "age_band", "disability"):
        by_group = {}
        for i in range(40):
            answers = demo_answers(i)
            if answers and answers["gender"] in ("Woman", "Man"):
                by_group.setdefault(answers[category], Counter())[answers["gender"]] += 1
        for group, genders in by_group.items():
            assert abs(genders["Woman"] - genders["Man"]) <= 1, (category, group, genders)
