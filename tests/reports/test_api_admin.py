"""Stored digests over REST (`/api/v1/reports/`: list, detail, the HTML with
its charts inlined and the CSV) and in the admin (the report list, the
report page with its preview and download links, the download view), and
the beat schedules under Periodic tasks."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pytest_django.asserts import assertContains

from reports.models import Report, ReportDelivery
from reports.services import digest_prepare, report_send
from tests.factories import JobPostingFactory
from tests.reports.support import digest_world, now_wednesday, period_of_now

pytestmark = pytest.mark.django_db

REPORTS = "/api/v1/reports/"
REPORT_FIELDS = [
    "id",
    "kind",
    "posting",
    "posting_title",
    "subject",
    "period_start",
    "period_end",
    "recipients",
    "delivered_to",
    "calibration_run",
    "created_at",
    "sent_at",
]
RECRUITERS_ONLY = {"detail": "Only recruiters may do this.", "code": "permission_denied"}
CSP = "sandbox; img-src data:; style-src 'unsafe-inline'"


@pytest.fixture
def report():
    """The digest world's report for 16–22 November 2026, sent to Rita."""
    world = digest_world()
    report = digest_prepare(posting=world.posting, now=now_wednesday())
    report_send(report=report)
    report.refresh_from_db()
    return report


def make_reports(n: int) -> list[Report]:
    """`n` stored reports, each of its own posting with one delivery: what
    the list has to fetch per row without a query per row."""
    start, end = period_of_now()
    reports = []
    for i in range(n):
        posting = JobPostingFactory(title=f"Posting {i}")
        report = Report.objects.create(
            posting=posting,
            period_start=start,
            period_end=end,
            subject=f"Weekly digest: Posting {i}",
            html="<p>digest</p>",
            text="digest",
            csv="rank\n",
            recipients=[f"r{i}@example.org"],
        )
        ReportDelivery.objects.create(
            report=report, recipient=f"r{i}@example.org", sent_at=report.created_at
        )
        reports.append(report)
    return reports


# --- The API ------------------------------------------------------------------------


def test_recruiter_lists_reports_with_their_deliveries(recruiter_api, report):
    response = recruiter_api.get(REPORTS)

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert list(row) == REPORT_FIELDS
    assert {k: row[k] for k in ("id", "kind", "posting", "posting_title", "subject")} == {
        "id": report.pk,
        "kind": "weekly_digest",
        "posting": report.posting_id,
        "posting_title": "Imaging Field Engineer",
        "subject": "Weekly digest: Imaging Field Engineer (16 Nov – 22 Nov 2026)",
    }
    assert (row["recipients"], row["delivered_to"]) == (["rita@example.org"], ["rita@example.org"])


def test_recruiter_reads_one_report(recruiter_api, report):
    response = recruiter_api.get(f"{REPORTS}{report.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == report.pk
    assert body["calibration_run"] == report.calibration_run_id is not None
    assert body["delivered_to"] == ["rita@example.org"]
    assert body["sent_at"] is not None


def test_report_list_filters_by_posting(recruiter_api):
    reports = make_reports(3)

    response = recruiter_api.get(REPORTS, {"posting": reports[1].posting_id})

    assert [row["id"] for row in response.json()["results"]] == [reports[1].pk]


def test_report_list_is_newest_period_first(recruiter_api):
    older, newer = make_reports(2)
    Report.objects.filter(pk=older.pk).update(
        period_start=older.period_start - timedelta(days=7),
        period_end=older.period_end - timedelta(days=7),
    )

    response = recruiter_api.get(REPORTS)

    assert [row["id"] for row in response.json()["results"]] == [newer.pk, older.pk]


def test_reviewer_may_not_list_reports(reviewer_api, report):
    response = reviewer_api.get(REPORTS)

    assert (response.status_code, response.json()) == (403, RECRUITERS_ONLY)


@pytest.mark.parametrize("suffix", ["", "html/", "csv/"])
def test_reviewer_may_not_read_a_report(reviewer_api, report, suffix):
    response = reviewer_api.get(f"{REPORTS}{report.pk}/{suffix}")

    assert response.status_code == 403


@pytest.mark.parametrize("suffix", ["", "1/", "1/html/"])
def test_anonymous_may_not_read_reports(api_client, suffix):
    response = api_client.get(f"{REPORTS}{suffix}")

    assert response.status_code == 403
    assert response.json()["code"] == "not_authenticated"


def test_report_html_has_the_charts_inlined_as_data_uris(recruiter_api, report):
    response = recruiter_api.get(f"{REPORTS}{report.pk}/html/")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode()
    for name in ("severity", "distribution"):
        assert f'src="data:image/png;base64,{report.images[name]}"' in html
    assert "cid:" not in html


def test_report_html_is_sandboxed_by_its_content_security_policy(recruiter_api, report):
    response = recruiter_api.get(f"{REPORTS}{report.pk}/html/")

    assert response["Content-Security-Policy"] == CSP
    assert response["Content-Disposition"] == (
        f'attachment; filename="digest-{report.posting_id}-2026-11-23.html"'
    )


def test_report_csv_downloads_as_an_attachment(recruiter_api, report):
    response = recruiter_api.get(f"{REPORTS}{report.pk}/csv/")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="digest-{report.posting_id}-2026-11-23.csv"'
    )
    assert response.content.decode("utf-8") == report.csv


def test_report_csv_answers_a_client_that_accepts_text_csv(recruiter_api, report):
    response = recruiter_api.get(f"{REPORTS}{report.pk}/csv/", HTTP_ACCEPT="text/csv")

    assert response.status_code == 200


def test_report_of_unknown_id_is_404(recruiter_api):
    assert recruiter_api.get(f"{REPORTS}999999/html/").status_code == 404


def list_queries(api, user) -> int:
    # A fresh user object each time: the recruiter check is cached on it.
    api.force_authenticate(type(user).objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as captured:
        response = api.get(REPORTS)
    assert response.status_code == 200
    return len(captured)


def test_report_list_queries_do_not_grow_with_the_reports(recruiter_api, recruiter):
    make_reports(3)
    few = list_queries(recruiter_api, recruiter)
    make_reports(27)

    many = list_queries(recruiter_api, recruiter)

    # Recruiter check, count, page, deliveries.
    assert few == many <= 4


# --- The admin ------------------------------------------------------------------------


def admin_url(report, what: str = "change") -> str:
    return f"/admin/reports/report/{report.pk}/{what}/"


def test_recruiter_sees_the_report_list(recruiter_client, report):
    response = recruiter_client.get("/admin/reports/report/")

    assertContains(response, "Weekly digest: Imaging Field Engineer (16 Nov – 22 Nov 2026)")
    assertContains(response, f'href="{admin_url(report)}"')


def changelist_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/admin/reports/report/")
    assert response.status_code == 200
    return len(captured)


def test_report_changelist_queries_do_not_grow_with_the_reports(recruiter_client):
    make_reports(3)
    few = changelist_queries(recruiter_client)
    make_reports(27)

    many = changelist_queries(recruiter_client)

    assert few == many


def test_report_page_shows_the_preview_and_download_links(recruiter_client, report):
    response = recruiter_client.get(admin_url(report))

    assert response.status_code == 200
    html_url = admin_url(report, "download/html")
    assertContains(response, f'<a class="button" href="{html_url}">Download HTML</a>', html=True)
    assertContains(
        response,
        f'<a class="button" href="{admin_url(report, "download/csv")}">Download CSV</a>',
        html=True,
    )
    assertContains(response, f'<iframe title="Report" src="{html_url}?inline=1"')
    assertContains(response, "rita@example.org")  # the delivery


def test_report_page_heads_the_deliveries_in_english(recruiter_client, report):
    response = recruiter_client.get(admin_url(report))

    heading = re.search(
        r'<h2 id="deliveries-heading"[^>]*>\s*(.*?)\s*</h2>', response.content.decode(), re.S
    )
    assert heading.group(1) == "Report deliveries"


def test_report_page_is_read_only(recruiter_client, report):
    response = recruiter_client.get(admin_url(report))

    assert b'name="_save"' not in response.content
    assert recruiter_client.get("/admin/reports/report/add/").status_code == 403


def test_admin_downloads_the_html_with_charts_inlined(recruiter_client, report):
    response = recruiter_client.get(admin_url(report, "download/html"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="digest-{report.posting_id}-2026-11-23.html"'
    )
    assert response["Content-Security-Policy"] == CSP
    assert response.content.decode().count('src="data:image/png;base64,') == 2
    assert b"cid:" not in response.content


def test_admin_preview_serves_the_html_inline(recruiter_client, report):
    response = recruiter_client.get(admin_url(report, "download/html") + "?inline=1")

    assert response["Content-Disposition"] == (
        f'inline; filename="digest-{report.posting_id}-2026-11-23.html"'
    )


def test_admin_preview_may_be_framed_by_the_admin(recruiter_client, report):
    response = recruiter_client.get(admin_url(report, "download/html") + "?inline=1")

    assert response.get("X-Frame-Options") in (None, "SAMEORIGIN")


def test_admin_downloads_the_csv(recruiter_client, report):
    response = recruiter_client.get(admin_url(report, "download/csv"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="digest-{report.posting_id}-2026-11-23.csv"'
    )
    assert response.content.decode("utf-8") == report.csv


def test_admin_download_in_another_format_is_404(recruiter_client, report):
    assert recruiter_client.get(admin_url(report, "download/pdf")).status_code == 404


def test_admin_download_of_an_unknown_report_is_404(recruiter_client):
    assert recruiter_client.get("/admin/reports/report/999999/download/html/").status_code == 404


@pytest.mark.parametrize("what", ["change", "download/html", "download/csv"])
def test_reviewer_may_not_open_reports_in_the_admin(reviewer_client, report, what):
    assert reviewer_client.get(admin_url(report, what)).status_code == 403


def test_reviewer_may_not_list_reports_in_the_admin(reviewer_client, report):
    assert reviewer_client.get("/admin/reports/report/").status_code == 403


SCHEDULES = [
    "Weekly calibration digest",
    "Daily overdue-review reminders",
    "Nightly calibration of every active rubric",
]


def test_superuser_sees_the_three_schedules_under_periodic_tasks(client, superuser):
    client.force_login(superuser)

    response = client.get("/admin/django_celery_beat/periodictask/")

    for name in SCHEDULES:
        assertContains(response, name)


def test_recruiter_may_open_the_weekly_digest_schedule(recruiter_client):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(name="Weekly calibration digest")

    response = recruiter_client.get(f"/admin/django_celery_beat/periodictask/{task.pk}/change/")

    assertContains(response, "reports.tasks.send_weekly_digests")
