"""The posting's change page: its status in words, and the links to what the apps
above rubrics keep about it, with counts (rubrics/admin/posting_links.py, filled by
screening, calibration and reports from their AppConfig.ready())."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from calibration.models import CalibrationRun
from reports.models import Report
from rubrics.admin import posting_links
from rubrics.admin.posting_links import PostingLink
from rubrics.models import JobPosting
from tests.factories import ApplicationFactory, JobPostingFactory, published_rubric
from tests.support import change_url, readonly_value

pytestmark = pytest.mark.django_db


def links_of(response) -> list[tuple[str, str]]:
    return [(link.text, link.url) for link in response.context["posting_links"]]


def add_report(posting, weeks_ago: int) -> Report:
    start = timezone.now() - timedelta(weeks=weeks_ago + 1)
    return Report.objects.create(
        posting=posting,
        period_start=start,
        period_end=start + timedelta(weeks=1),
        subject="Weekly digest",
        html="<p>digest</p>",
        text="digest",
        csv="",
    )


def posting_with(applications: int, runs: int, reports: int) -> JobPosting:
    rubric = published_rubric()
    posting = rubric.posting
    for _ in range(applications):
        ApplicationFactory(rubric=rubric, posting=posting)
    for _ in range(runs):
        CalibrationRun.objects.create(rubric=rubric, status=CalibrationRun.Status.SUCCEEDED)
    for week in range(reports):
        add_report(posting, week)
    return posting


def test_recruiter_sees_links_with_counts(recruiter_client):
    posting = posting_with(applications=2, runs=1, reports=3)
    posting_with(applications=1, runs=2, reports=1)  # another posting's: not counted

    response = recruiter_client.get(change_url(posting))

    applications = reverse("admin:screening_application_changelist")
    assert links_of(response) == [
        ("2 applications", f"{applications}?posting__id__exact={posting.pk}"),
        ("Ranking", f"{reverse('admin:screening_application_ranking')}?posting={posting.pk}"),
        (
            "1 calibration run",
            f"{reverse('admin:calibration_calibrationrun_changelist')}"
            f"?rubric__posting__id__exact={posting.pk}",
        ),
        (
            "3 reports",
            f"{reverse('admin:reports_report_changelist')}?posting__id__exact={posting.pk}",
        ),
        (
            "Preview or send a digest",
            f"{reverse('admin:reports_report_digest')}?posting={posting.pk}",
        ),
    ]
    assertContains(
        response,
        f'<a href="{applications}?posting__id__exact={posting.pk}">2 applications</a>',
        html=True,
    )


def test_each_link_opens_a_list_filtered_to_the_posting(recruiter_client):
    posting = posting_with(applications=2, runs=1, reports=1)
    posting_with(applications=1, runs=2, reports=2)

    response = recruiter_client.get(change_url(posting))

    counts = []
    for text, url in links_of(response):
        page = recruiter_client.get(url)
        assert page.status_code == 200, (text, url)
        if "cl" in page.context:
            counts.append(page.context["cl"].result_count)
    assert counts == [2, 1, 1]


def test_links_of_a_posting_with_nothing_yet_say_zero(recruiter_client):
    posting = JobPostingFactory()

    response = recruiter_client.get(change_url(posting))

    assert [text for text, _ in links_of(response)] == [
        "0 applications",
        "Ranking",
        "0 calibration runs",
        "0 reports",
        "Preview or send a digest",
    ]


def test_reviewer_sees_no_links_to_applications_runs_or_reports(reviewer_client):
    posting = posting_with(applications=1, runs=1, reports=1)

    response = reviewer_client.get(change_url(posting))

    assert response.status_code == 200
    assert links_of(response) == []
    assertNotContains(response, 'class="posting-links"')
    assertNotContains(response, "application_ranking")


def test_posting_page_query_count_does_not_grow_with_what_hangs_off_it(
    recruiter_client, django_assert_max_num_queries
):
    few = posting_with(applications=1, runs=1, reports=1)
    many = posting_with(applications=12, runs=6, reports=5)

    def measure(posting) -> int:
        recruiter_client.get(change_url(posting))
        with django_assert_max_num_queries(16) as captured:
            assert recruiter_client.get(change_url(posting)).status_code == 200
        return len(captured)

    assert measure(few) == measure(many)


@pytest.mark.parametrize(
    ("status", "says"),
    [
        ("draft", "This posting is a draft: it refuses applications."),
        ("open", "Open: takes applications."),
        ("closed", "Closed: takes no new applications."),
    ],
)
def test_posting_page_says_what_its_status_means(recruiter_client, status, says):
    posting = JobPostingFactory(status=status)

    response = recruiter_client.get(change_url(posting))

    assertContains(response, says)
    assertContains(response, f'class="posting-status status-{status}"')


def test_posting_link_text_agrees_with_its_count():
    link = PostingLink("/x/", "calibration run", "calibration runs")
    assert [PostingLink(link.url, link.one, link.many, n).text for n in (0, 1, 2)] == [
        "0 calibration runs",
        "1 calibration run",
        "2 calibration runs",
    ]
    assert link.text == "calibration run"


def test_a_provider_registered_twice_gives_its_links_once():
    def provider(*, posting, user):
        return [PostingLink(f"/somewhere/{posting.pk}/", "Somewhere")]

    posting = JobPostingFactory()
    posting_links.register(provider)
    try:
        posting_links.register(provider)
        texts = [
            link.text for link in posting_links.links_for(posting=posting, user=AnonymousUser())
        ]
    finally:
        posting_links.unregister(provider)
    assert texts.count("Somewhere") == 1


def test_posting_page_shows_the_text_rendered_and_inert(recruiter_client):
    posting = JobPostingFactory(
        raw_text="## Requirements\n- **Baking**: two years.\n\n"
        '<script>alert("x")</script> [apply](javascript:alert(1))\n'
    )

    response = recruiter_client.get(change_url(posting))

    rendered = readonly_value(response, "rendered_text")
    assert "<h2>Requirements</h2>" in rendered
    assert "<li><strong>Baking</strong>: two years.</li>" in rendered
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in rendered
    assert "[apply](javascript:alert(1))" in rendered
    assert "<script" not in rendered and 'href="javascript' not in rendered
