"""The digest's adverse-impact section: in the copies sent to recipients who may read
self-identified demographics only; never in the stored report recruiters read through the
API; the flagged criterion named with its figures, small groups never shown, and a link to
the admin report."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail

from core import roles
from core.models import AuditEvent
from reports.impact import digest as impact_digest
from reports.services import digest_prepare, report_send
from tests.factories import (
    FAIRNESS_ANALYST,
    ApplicationFactory,
    RecruiterFactory,
    ReviewerFactory,
    impact_posting,
)
from tests.reports.support import now_wednesday

pytestmark = pytest.mark.django_db

SITE = "https://rubrics.example.org"


def _analyst_recruiter(username: str):
    user = RecruiterFactory(username=username, email=f"{username}@example.org")
    user.groups.add(Group.objects.get(name=FAIRNESS_ANALYST))
    return user


@pytest.fixture
def posting(settings):
    settings.SITE_URL = SITE
    posting, _rubric, _reviewers = impact_posting()
    posting.recruiters.add(
        RecruiterFactory(username="rita", email="rita@example.org"), _analyst_recruiter("fay")
    )
    return posting


def copy_to(address: str):
    [message] = [m for m in mail.outbox if m.to == [address]]
    return message.alternatives[0][0], message.body


def test_only_the_permitted_recipients_copy_has_the_section(posting):
    report = digest_prepare(posting=posting, now=now_wednesday())

    assert report_send(report=report) == 2

    fay_html, fay_text = copy_to("fay@example.org")
    rita_html, rita_text = copy_to("rita@example.org")
    assert 'id="adverse-impact"' in fay_html and "ADVERSE IMPACT" in fay_text
    assert "adverse-impact" not in rita_html.replace(impact_digest.HTML_MARKER, "")
    assert "ADVERSE IMPACT" not in rita_text
    assert (rita_html, rita_text) == (report.html, report.text)


def test_the_stored_report_never_holds_the_section(posting, recruiter_api):
    report = digest_prepare(posting=posting, now=now_wednesday())
    report_send(report=report)
    report.refresh_from_db()

    assert "Adverse impact" not in report.html and "ADVERSE IMPACT" not in report.text
    served = recruiter_api.get(f"/api/v1/reports/{report.pk}/html/").content.decode()
    assert "Adverse impact" not in served


def test_the_section_names_the_flagged_criterion_with_its_figures_and_links(posting):
    section = impact_digest.digest_section(posting, site_url=SITE)

    criterion_lines = [line for line in section.text.splitlines() if "on “" in line]
    # Two groups only: each is compared with the rest, so the difference shows both ways.
    assert [line.split(" (")[0] for line in criterion_lines] == [
        "  - Gender — Man scored higher than the rest on “Experience”",
        "  - Gender — Woman scored lower than the rest on “Experience”",
    ]
    assert (
        "(mean 2.00 vs 3.20, 20 and 20 people; Hedges' g -1.65 [-2.36, -0.95]"
        in (criterion_lines[1])
    )
    assert "Certification" not in section.text and "Service software" not in section.text
    assert f"{SITE}/admin/reports/candidatedemographics/report/?posting={posting.pk}" in (
        section.html
    )
    assert "A flagged difference in scores is one unlikely to arise by chance" in section.text


def test_small_groups_are_never_shown(posting):
    # Three non-binary candidates: under the minimum of 5, merged away and not shown.
    section = impact_digest.digest_section(posting, site_url=SITE)

    assert "Non-binary" not in section.html and "Non-binary" not in section.text
    assert "Groups of fewer than 5 people are merged" in section.text


def test_a_posting_without_answers_says_there_is_nothing_to_compare():
    application = ApplicationFactory()

    section = impact_digest.digest_section(application.posting)

    assert "Too few self-identified answers to compare any groups yet." in section.text
    assert section.flags == 0


def test_a_reviewer_given_the_permission_still_gets_the_ordinary_copy(posting):
    reviewer = ReviewerFactory(username="rev", email="rev@example.org")
    reviewer.groups.add(Group.objects.get(name=FAIRNESS_ANALYST))
    report = digest_prepare(posting=posting, now=now_wednesday())

    report_send(report=report, to=["rev@example.org"])

    html, text = copy_to("rev@example.org")
    assert "ADVERSE IMPACT" not in text and 'id="adverse-impact"' not in html


def test_an_address_shared_with_someone_not_permitted_gets_the_ordinary_copy(posting):
    RecruiterFactory(username="fay-too", email="fay@example.org")
    report = digest_prepare(posting=posting, now=now_wednesday())

    report_send(report=report, to=["fay@example.org"])

    assert "ADVERSE IMPACT" not in copy_to("fay@example.org")[1]


def test_the_sent_event_says_which_copy_had_the_section(posting):
    report = digest_prepare(posting=posting, now=now_wednesday())
    report_send(report=report)

    summaries = sorted(
        AuditEvent.objects.filter(event="report.sent").values_list("summary", flat=True)
    )
    assert summaries == [
        "Sent to fay@example.org with the adverse-impact section.",
        "Sent to rita@example.org.",
    ]


def test_a_failing_analysis_still_sends_the_digest_with_a_line_saying_so(posting, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("no")

    monkeypatch.setattr(impact_digest, "posting_adverse_impact", broken)
    report = digest_prepare(posting=posting, now=now_wednesday())

    assert report_send(report=report) == 2

    assert "could not be prepared" in copy_to("fay@example.org")[1]
    assert "could not be prepared" not in copy_to("rita@example.org")[1]


def test_a_report_stored_before_the_marker_takes_the_section_before_the_body_ends():
    section = impact_digest.DigestSection(html="<div>S</div>", text="S\n", flags=0)

    html, text = impact_digest.with_section(
        "<html><body><p>x</p></body></html>", "x\nThe ranking is attached as CSV.\n", section
    )

    assert html == "<html><body><p>x</p><div>S</div></body></html>"
    assert text == "x\nS\nThe ranking is attached as CSV.\n"


def test_roles_are_as_assumed():
    # The Recruiter role alone does not carry the permission (rita's copy has no section).
    assert (
        not Group.objects.get(name=roles.RECRUITER)
        .permissions.filter(codename="view_demographics")
        .exists()
    )


def test_a_flagged_reviewer_reads_as_a_sentence_naming_them():
    from reports.impact import analysis

    people = range(24)
    gender = {p: "Woman" if p % 2 else "Man" for p in people}
    report = analysis.impact_report(
        answers={"Gender": gender},
        stages=["Applied", "Interview"],
        reached=dict.fromkeys(people, 0),
        criterion_scores={},
        reviewer_scores={
            "Ana Reviewer": {p: (1.5 if p % 2 else 3.0) + (p % 3) * 0.25 for p in people}
        },
    )

    [(kind, line), _other] = sorted(
        impact_digest._score_sentences(report), key=lambda kl: "Woman" not in kl[1]
    )
    assert kind == "reviewer"
    assert line.startswith("Gender — Woman were scored lower than the rest by Ana Reviewer")
