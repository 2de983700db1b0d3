"""Stored digests over REST (`/api/v1/reports/`): the list, the detail, the HTML
with its charts inlined and the CSV, and what the list costs in queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.models import Report
from tests.reports.support import CSP, make_reports

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
