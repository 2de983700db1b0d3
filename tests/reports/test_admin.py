"""Stored digests in the admin: the report list, the report page with its preview
and download links, the download view, and the beat schedules under Periodic tasks."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pytest_django.asserts import assertContains

from tests.reports.support import CSP, make_reports

pytestmark = pytest.mark.django_db


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
