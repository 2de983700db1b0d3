"""A posting's digest from the admin: the period it covers (this week so far, last
week, a custom range), the form's messages, the preview (nothing stored, sandboxed),
"Send now" (stored and sent as the weekly task sends), and who may use it."""

import re
from datetime import date, datetime, timedelta
from html import unescape

import pytest
from django.core import mail
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from core.models import AuditEvent
from reports.digest import day_range, last_week, this_week_so_far
from reports.models import Report
from reports.services import digest_prepare
from screening.models import Scorecard
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    JobPostingFactory,
    assign_and_submit,
)
from tests.reports.support import SITE, local

pytestmark = pytest.mark.django_db

URL = "/admin/reports/report/digest/"


def day(d: date, year: bool = False) -> str:
    """ "Tue 1 Dec", written out by hand rather than by the code under test."""
    return f"{d:%a} {d.day} {d:%b}" + (f" {d.year}" if year else "")


def iframe_html(response) -> str:
    """The digest the preview frame shows (its srcdoc, unescaped)."""
    match = re.search(
        r'<iframe title="Digest preview"[^>]*srcdoc="([^"]*)"', response.content.decode()
    )
    assert match, "no preview frame"
    return unescape(match.group(1))


# --- The periods ---------------------------------------------------------------------


def test_this_week_so_far_runs_from_monday_midnight_to_now():
    period = this_week_so_far(local(2026, 12, 1, 10, 0))

    assert (period.start, period.end, period.so_far) == (
        local(2026, 11, 30),
        local(2026, 12, 1, 10, 0),
        True,
    )
    assert period.wording == "from Mon 30 Nov to Tue 1 Dec (so far)"
    assert period.label == "30 Nov – 1 Dec 2026, so far"


def test_this_week_so_far_ends_at_the_next_whole_minute_so_a_double_click_is_one_period():
    first = this_week_so_far(local(2026, 12, 1, 10, 0, 5))
    second = this_week_so_far(local(2026, 12, 1, 10, 0, 55))

    assert first == second
    assert first.end == local(2026, 12, 1, 10, 1)


def test_this_week_so_far_on_a_monday_is_one_day():
    assert this_week_so_far(local(2026, 11, 30, 9, 0)).wording == "on Mon 30 Nov (so far)"


def test_last_week_is_the_previous_monday_to_sunday():
    period = last_week(local(2026, 12, 1, 10, 0))

    assert (period.start, period.end, period.so_far) == (
        local(2026, 11, 23),
        local(2026, 11, 30),
        False,
    )
    assert period.wording == "from Mon 23 Nov to Sun 29 Nov"


def test_a_past_day_range_includes_its_last_day():
    period = day_range(date(2026, 11, 2), date(2026, 11, 4), local(2026, 12, 1, 10, 0))

    assert (period.start, period.end, period.so_far) == (
        local(2026, 11, 2),
        local(2026, 11, 5),
        False,
    )
    assert period.wording == "from Mon 2 Nov to Wed 4 Nov"


def test_a_day_range_up_to_today_stops_at_now():
    period = day_range(date(2026, 11, 26), date(2026, 12, 1), local(2026, 12, 1, 10, 0))

    assert (period.end, period.so_far) == (local(2026, 12, 1, 10, 0), True)
    assert period.wording == "from Thu 26 Nov to Tue 1 Dec (so far)"


def test_a_range_across_new_year_names_the_years():
    period = day_range(date(2026, 12, 28), date(2027, 1, 8), local(2027, 2, 1, 10, 0))

    assert period.wording == "from Mon 28 Dec 2026 to Fri 8 Jan 2027"


# --- Done when: the preview counts today's submissions and links to SITE_URL --------------


def test_digest_previewed_from_the_admin_for_this_week_so_far_counts_todays_submissions_and_links_use_site_url(  # noqa: E501
    recruiter_client, world, settings
):
    settings.SITE_URL = SITE
    # The digest world's 20 scorecards were submitted just now; one is moved to
    # the Sunday before this week, which the period leaves out.
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    before_monday = timezone.make_aware(datetime.combine(monday, datetime.min.time())) - (
        timedelta(seconds=1)
    )
    Scorecard.objects.filter(
        pk=Scorecard.objects.filter(application__posting=world.posting).order_by("id")[0].pk
    ).update(submitted_at=before_monday)

    response = recruiter_client.get(URL, {"posting": world.posting.pk, "period": "this_week"})

    assert response.status_code == 200
    years = monday.year != today.year
    days = (
        f"on {day(today)}"
        if monday == today
        else f"from {day(monday, years)} to {day(today, years)}"
    )
    html = iframe_html(response)
    assert f"<p>19 scorecards submitted {days} (so far) · <strong>0</strong> overdue.</p>" in html
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert hrefs == [
        f"{SITE}/admin/screening/application/ranking/?posting={world.posting.pk}",
        f"{SITE}/admin/calibration/calibrationrun/{world.run.pk}/change/",
    ]
    assert "127.0.0.1" not in html
    assert Report.objects.count() == 0
    assert mail.outbox == []


# --- The page -------------------------------------------------------------------------


def test_report_list_links_to_the_digest_page(recruiter_client):
    response = recruiter_client.get("/admin/reports/report/")

    assertContains(
        response,
        f'<a href="{URL}" class="viewlink">Preview or send a digest</a>',
        html=True,
    )


def test_digest_page_without_a_posting_shows_the_form_only(recruiter_client, world):
    response = recruiter_client.get(URL)

    assertContains(response, '<option value="" selected>Choose a posting</option>', html=True)
    assertContains(response, f'<option value="{world.posting.pk}">Imaging Field Engineer</option>')
    assertNotContains(response, "<iframe")


def test_posting_link_previews_this_week_so_far(recruiter_client, world):
    response = recruiter_client.get(URL, {"posting": world.posting.pk})

    assert response.context["form"].cleaned_data["period"] == "this_week"
    assertContains(response, "<h2>Digest: Imaging Field Engineer (")
    assert "so far" in iframe_html(response)


def test_period_choices_name_their_days(recruiter_client):
    response = recruiter_client.get(URL)

    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    last_monday, last_sunday = monday - timedelta(days=7), monday - timedelta(days=1)
    years = last_monday.year != last_sunday.year
    assertContains(
        response,
        f"Last week (from {day(last_monday, years)} to {day(last_sunday, years)})",
    )


def test_preview_of_last_week_words_the_counts_by_that_week(recruiter_client, world):
    response = recruiter_client.get(URL, {"posting": world.posting.pk, "period": "last_week"})

    html = iframe_html(response)
    assert "0 scorecards submitted from Mon " in html
    assert "(so far)" not in html


def test_preview_of_a_custom_range_counts_its_days(recruiter_client, world):
    today = timezone.localdate()

    response = recruiter_client.get(
        URL,
        {
            "posting": world.posting.pk,
            "period": "custom",
            "date_from": (today - timedelta(days=2)).isoformat(),
            "date_to": today.isoformat(),
        },
    )

    assert "<p>20 scorecards submitted from " in iframe_html(response)


def test_preview_frame_is_sandboxed_without_scripts(recruiter_client, world):
    world.posting.title = "<script>alert(1)</script> Engineer"
    world.posting.save()

    response = recruiter_client.get(URL, {"posting": world.posting.pk})

    frame = re.search(r"<iframe [^>]*>", response.content.decode()).group(0)
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in frame
    assert "allow-scripts" not in frame and "allow-same-origin" not in frame
    assert "<script>alert" not in response.content.decode()
    html = iframe_html(response)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Engineer" in html
    # Links open in a new tab; the base goes inside the head, so the digest
    # keeps its doctype (and standards mode).
    assert html.startswith("<!DOCTYPE html>")
    assert '<head><base target="_blank">' in html


def test_preview_queries_do_not_grow_with_the_applications(
    recruiter_client, world, django_assert_max_num_queries
):
    # 25 at 8 applications: session and user, the postings of the form, then
    # the digest's counts, ranking, calibration run and sessions, each one query
    # whatever the number of rows.
    # (and the readers: recipients and their applications in progress)
    with django_assert_max_num_queries(25):
        recruiter_client.get(URL, {"posting": world.posting.pk})
    for i in range(22):
        application = ApplicationFactory(
            rubric=world.rubric, candidate=CandidateFactory(full_name=f"Extra {i}")
        )
        assign_and_submit(application, world.ada, world.criteria, [2, 2, 2])

    with django_assert_max_num_queries(25):
        response = recruiter_client.get(URL, {"posting": world.posting.pk})

    assert "<p>42 scorecards submitted " in iframe_html(response)


# --- The form's messages ----------------------------------------------------------------


def form_errors(response) -> dict[str, list[str]]:
    assert response.status_code == 200
    return response.context["form"].errors


def test_custom_range_without_dates_names_both_fields(recruiter_client, world):
    response = recruiter_client.get(URL, {"posting": world.posting.pk, "period": "custom"})

    assert form_errors(response) == {
        "date_from": ["Give the first day of the range."],
        "date_to": ["Give the last day of the range."],
    }
    assertNotContains(response, "<iframe")


def custom_range_errors(client, world, date_from: str, date_to: str) -> dict[str, list[str]]:
    response = client.get(
        URL,
        {
            "posting": world.posting.pk,
            "period": "custom",
            "date_from": date_from,
            "date_to": date_to,
        },
    )
    return form_errors(response)


def test_custom_range_ending_before_it_starts_is_refused(recruiter_client, world):
    errors = custom_range_errors(recruiter_client, world, "2026-11-20", "2026-11-18")

    assert errors == {
        "date_to": ["The last day (Wed 18 Nov 2026) is before the first (Fri 20 Nov 2026)."]
    }


def test_custom_range_ending_in_the_future_is_refused(recruiter_client, world):
    today = timezone.localdate()
    tomorrow = today + timedelta(days=1)

    errors = custom_range_errors(recruiter_client, world, today.isoformat(), tomorrow.isoformat())

    assert errors == {
        "date_to": [f"The range cannot end in the future: today is {day(today, True)}."]
    }


def test_custom_range_longer_than_366_days_is_refused(recruiter_client, world):
    errors = custom_range_errors(recruiter_client, world, "2025-01-01", "2026-01-02")

    assert errors == {"date_to": ["A range covers at most 366 days; this one covers 367."]}


def test_custom_range_of_exactly_366_days_is_accepted(recruiter_client, world):
    # 2024 is a leap year.
    assert custom_range_errors(recruiter_client, world, "2024-01-01", "2024-12-31") == {}


def test_a_date_that_is_not_a_date_gets_a_field_message(recruiter_client, world):
    response = recruiter_client.get(
        URL,
        {"posting": world.posting.pk, "period": "custom", "date_from": "soon", "date_to": "x"},
    )

    assert form_errors(response) == {
        "date_from": ["Enter a valid date."],
        "date_to": ["Enter a valid date."],
    }


@pytest.mark.parametrize("posting", ["999999", "abc"])
def test_an_unknown_posting_gets_a_field_message(recruiter_client, posting):
    response = recruiter_client.get(URL, {"posting": posting})

    assert form_errors(response) == {
        "posting": ["No posting has this id; choose one from the list."]
    }


def test_an_unknown_period_gets_a_field_message(recruiter_client, world):
    response = recruiter_client.get(URL, {"posting": world.posting.pk, "period": "fortnight"})

    assert form_errors(response) == {
        "period": ["Select a valid choice. fortnight is not one of the available choices."]
    }


# --- Send now ---------------------------------------------------------------------------


def send_now(client, posting, **data):
    return client.post(URL, {"posting": posting.pk, "period": "last_week", **data})


def test_send_now_stores_the_digest_sends_it_and_opens_the_report(recruiter_client, world):
    response = send_now(recruiter_client, world.posting, period="this_week")

    report = Report.objects.get()
    assert report.kind == Report.Kind.DIGEST_ON_DEMAND
    assert response.status_code == 302
    assert response["Location"] == f"/admin/reports/report/{report.pk}/change/"
    assert [m.to for m in mail.outbox] == [["rita@example.org"]]
    assert mail.outbox[0].subject == report.subject
    assert report.subject.startswith("Digest: Imaging Field Engineer (")
    assert report.subject.endswith(", so far)")
    assert "20 scorecards submitted " in report.text
    assert list(report.deliveries.values_list("recipient", flat=True)) == ["rita@example.org"]


def test_send_now_says_so_with_a_link_to_the_report(recruiter_client, world):
    response = send_now(recruiter_client, world.posting)

    report = Report.objects.get()
    page = recruiter_client.get(response["Location"])
    assertContains(
        page,
        f'“<a href="/admin/reports/report/{report.pk}/change/">{report.subject}</a>” '
        "sent to rita@example.org.",
    )


def test_send_now_records_who_prepared_and_sent_it(recruiter_client, recruiter, world):
    send_now(recruiter_client, world.posting)

    report = Report.objects.get()
    events = AuditEvent.objects.filter(
        event__startswith="report.", object_id=str(report.pk)
    ).order_by("id")
    assert [(e.event, e.actor) for e in events] == [
        ("report.prepared", recruiter),
        ("report.sent", recruiter),
    ]


def test_send_now_twice_for_one_period_stores_and_sends_once(recruiter_client, world):
    send_now(recruiter_client, world.posting)

    response = send_now(recruiter_client, world.posting)

    assert Report.objects.count() == 1
    assert len(mail.outbox) == 1
    page = recruiter_client.get(response["Location"])
    assertContains(page, "had already gone to every recipient; nothing was sent again.")


def test_send_now_of_last_week_leaves_the_weekly_digest_to_the_schedule(recruiter_client, world):
    send_now(recruiter_client, world.posting)

    weekly = digest_prepare(posting=world.posting)

    assert weekly.kind == Report.Kind.WEEKLY_DIGEST
    assert sorted(Report.objects.values_list("kind", flat=True)) == [
        Report.Kind.DIGEST_ON_DEMAND,
        Report.Kind.WEEKLY_DIGEST,
    ]
    assert weekly.subject.startswith("Weekly digest: ")


def test_send_now_with_nobody_to_send_to_says_so_and_stores_nothing(recruiter_client, recruiter):
    # No recruiter of the posting, no creator, and no recruiter with an email.
    recruiter.email = ""
    recruiter.save()
    posting = JobPostingFactory(title="Quiet posting", created_by=None)

    response = send_now(recruiter_client, posting)

    assert response.status_code == 200
    assertContains(
        response,
        "Nobody to send the digest of “Quiet posting” to: add a recruiter with an email "
        "address to the posting.",
    )
    assert Report.objects.count() == 0
    assert mail.outbox == []


def test_send_now_with_a_bad_range_shows_the_message_and_sends_nothing(recruiter_client, world):
    response = send_now(
        recruiter_client,
        world.posting,
        period="custom",
        date_from="2026-11-20",
        date_to="2026-11-18",
    )

    assert form_errors(response) == {
        "date_to": ["The last day (Wed 18 Nov 2026) is before the first (Fri 20 Nov 2026)."]
    }
    assert Report.objects.count() == 0


def test_send_now_when_the_mail_server_fails_keeps_the_report_and_says_so(
    recruiter_client, world, flaky_mail
):
    flaky_mail.reset(fail_at=1)

    response = send_now(recruiter_client, world.posting)

    report = Report.objects.get()
    assert response["Location"] == f"/admin/reports/report/{report.pk}/change/"
    page = recruiter_client.get(response["Location"])
    assertContains(page, "is stored, but the mail server failed: Connection unexpectedly closed")
    assert report.deliveries.count() == 0


# --- Who may ----------------------------------------------------------------------------


def test_reviewer_may_not_preview_a_digest(reviewer_client, world):
    assert reviewer_client.get(URL, {"posting": world.posting.pk}).status_code == 403


def test_reviewer_may_not_send_a_digest(reviewer_client, world):
    assert send_now(reviewer_client, world.posting).status_code == 403
    assert Report.objects.count() == 0
    assert mail.outbox == []


def test_custom_range_before_2000_is_refused_not_a_500_east_of_utc(
    recruiter_client, world, settings
):
    # The year 1 has no local midnight in a zone ahead of UTC.
    settings.TIME_ZONE = "Asia/Tokyo"

    errors = custom_range_errors(recruiter_client, world, "0001-01-01", "0001-01-07")

    assert errors == {
        "date_from": ["The range cannot start before 2000."],
        "date_to": ["The range cannot end before 2000."],
    }
