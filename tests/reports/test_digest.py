"""The weekly calibration digest (reports/digest.py): its period, last full week
Monday to Monday in local time, and its content, worked out by hand from the digest world."""

import base64
import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from calibration import charts
from calibration.models import CriterionCalibration
from calibration.services import calibration_run
from reports.digest import digest_period
from reports.services import digest_prepare
from screening.models import Application, Scorecard
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    assign_and_submit,
    submit_scores,
)
from tests.reports.support import (
    SITE,
    digest_world,
    local,
    now_wednesday,
    period_of_now,
    set_all_submitted_at,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def uncalibrated_world():
    return digest_world(calibrate=False)


HEADER = (
    "REVIEWERS (severity in scale points, pulled toward the others when evidence is thin, "
    "± posterior SD: + lenient, − harsh)"
)


def section(text: str, title: str) -> list[str]:
    """The lines of one section of the plain-text digest, up to the next
    blank line."""
    return text.split(f"\n{title}\n", 1)[1].split("\n\n", 1)[0].splitlines()


# --- digest_period ----------------------------------------------------------------


def test_digest_period_is_the_last_full_week_monday_to_monday():
    assert digest_period(now_wednesday()) == period_of_now()


def test_digest_period_on_monday_at_0759_is_the_week_that_just_ended():
    assert digest_period(local(2026, 11, 30, 7, 59)) == (local(2026, 11, 23), local(2026, 11, 30))


def test_digest_period_late_on_sunday_is_still_the_week_before():
    assert digest_period(local(2026, 11, 29, 23, 59, 59)) == period_of_now()


def test_digest_period_starts_and_ends_at_local_midnight_across_a_clock_change(settings):
    """Europe/London leaves summer time on Sunday 25 October 2026: the week
    runs from Monday 00:00 BST to Monday 00:00 GMT, 7 days and 1 hour."""
    settings.TIME_ZONE = "Europe/London"

    start, end = digest_period(datetime(2026, 10, 28, 10, tzinfo=ZoneInfo("Europe/London")))

    utc = ZoneInfo("UTC")
    assert (start.astimezone(utc), end.astimezone(utc)) == (
        datetime(2026, 10, 18, 23, tzinfo=utc),
        datetime(2026, 10, 26, 0, tzinfo=utc),
    )


# --- The digest's content -----------------------------------------------------------


def test_digest_subject_names_the_posting_and_the_period(world):
    report = digest_prepare(posting=world.posting, now=now_wednesday())

    assert report.subject == "Weekly digest: Imaging Field Engineer (16 Nov – 22 Nov 2026)"
    assert (report.period_start, report.period_end) == period_of_now()


def test_digest_counts_candidates_by_stage(world):
    Application.objects.filter(pk=world.applications["Candidate 0"].pk).update(stage="rejected")
    Application.objects.filter(pk=world.applications["Candidate 5"].pk).update(stage="interview")
    ApplicationFactory(rubric=world.rubric, stage=Application.Stage.APPLIED)

    report = digest_prepare(posting=world.posting, now=now_wednesday())

    assert section(report.text, "PIPELINE") == [
        "  Applied: 1",
        "  Screening: 6",
        "  Interview: 1",
        "  Offer: 0",
        "  Hired: 0",
        "  Rejected: 1",
        "  Withdrawn: 0",
    ]


def test_digest_counts_scorecards_submitted_in_the_period_only(world):
    start, end = period_of_now()
    set_all_submitted_at(world.posting, start - timedelta(seconds=1))
    cards = list(Scorecard.objects.filter(application__posting=world.posting).order_by("id"))
    Scorecard.objects.filter(pk__in=[c.pk for c in cards[:3]]).update(submitted_at=start)
    Scorecard.objects.filter(pk=cards[3].pk).update(submitted_at=end - timedelta(microseconds=1))
    Scorecard.objects.filter(pk=cards[4].pk).update(submitted_at=end)  # next week's

    report = digest_prepare(posting=world.posting, now=now_wednesday())

    assert (
        "4 scorecards submitted from Mon 16 Nov to Sun 22 Nov; 0 overdue."
        in report.text.splitlines()
    )
    assert (
        "<p>4 scorecards submitted from Mon 16 Nov to Sun 22 Nov · <strong>0</strong> overdue.</p>"
        in report.html
    )


def test_digest_lists_the_overdue_reviews_as_the_digest_is_written(world):
    today = timezone.localdate()
    dan = ReviewerFactory(username="dan", first_name="Dan", last_name="Tester")
    eve = ReviewerFactory(username="eve", first_name="Eve", last_name="Tester")

    def assignment(candidate: str, reviewer, due: date | None, posting_rubric=world.rubric):
        application = ApplicationFactory(
            rubric=posting_rubric, candidate=CandidateFactory(full_name=candidate)
        )
        return ReviewAssignmentFactory(application=application, reviewer=reviewer, due_date=due)

    assignment("Late Lou", dan, today - timedelta(days=3))
    assignment("Waiting Wes", eve, today - timedelta(days=1))
    done = assignment("Done Dee", dan, today - timedelta(days=3))
    submit_scores(done, dict.fromkeys(world.criteria, 3))
    assignment("Today Tia", dan, today)
    assignment("Someday Sam", dan, None)
    other_posting = ApplicationFactory().rubric
    assignment("Elsewhere Eli", dan, today - timedelta(days=3), posting_rubric=other_posting)

    report = digest_prepare(posting=world.posting, now=now_wednesday())

    lines = report.text.splitlines()
    at = lines.index("0 scorecards submitted from Mon 16 Nov to Sun 22 Nov; 2 overdue.")
    assert lines[at + 1 : at + 3] == [
        f"  - Dan Tester: Late Lou (due {today - timedelta(days=3):%Y-%m-%d})",
        f"  - Eve Tester: Waiting Wes (due {today - timedelta(days=1):%Y-%m-%d})",
    ]


def test_digest_top_candidates_by_raw_score(world):
    report = digest_prepare(posting=world.posting, now=now_wednesday())

    # By hand: Candidate 2 and 5 have levels 3, 3, 4 on every criterion:
    # (10/3 − 1) / 3 = 77.8. Solo Cleo: 0.75 × 100 + 0.25 × 66.7 = 91.7.
    assert section(report.text, "TOP CANDIDATES BY SCORE") == [
        "  1. Solo Cleo — 91.7",
        "  2. Candidate 2 — 77.8",
        "  3. Candidate 5 — 77.8",
        "  4. Candidate 1 — 44.4",
        "  5. Candidate 4 — 44.4",
        "  6. Solo Ada — 41.7",
        "  7. Candidate 0 — 15.3 (fails must-haves)",
        "  8. Candidate 3 — 11.1 (fails must-haves)",
    ]


def test_digest_top_candidates_adjusted_for_reviewer_severity(world):
    report = digest_prepare(posting=world.posting, now=now_wednesday())

    # Applications all three scored keep their score (the severities sum to
    # zero); Cleo's lenience comes off Solo Cleo, Ada's harshness off Solo Ada.
    assert section(report.text, "TOP CANDIDATES, SEVERITY-ADJUSTED") == [
        "  1. Candidate 2 — 77.8",
        "  2. Candidate 5 — 77.8",
        "  3. Solo Cleo — 70.3",  # the shrunk severities (issue 12) are a hair smaller
        "  4. Solo Ada — 53.3",
        "  5. Candidate 1 — 44.4",
        "  6. Candidate 4 — 44.4",
        "  7. Candidate 0 — 15.3 (fails must-haves)",
        "  8. Candidate 3 — 11.1 (fails must-haves)",
    ]


def test_digest_html_adjusted_list_keeps_the_must_have_note(world):
    report = digest_prepare(posting=world.posting, now=now_wednesday())

    adjusted = report.html.split('<ol id="top-adjusted"', 1)[1].split("</ol>", 1)[0]
    assert (
        '<li>Candidate 0 — 15.3 <span style="color:#ba2121;">(fails must-haves)</span></li>'
        in adjusted
    )
    assert adjusted.count("(fails must-haves)") == 2


def test_digest_top_candidates_stop_at_ten(world):
    for i in range(4):
        application = ApplicationFactory(
            rubric=world.rubric, candidate=CandidateFactory(full_name=f"Extra {i}")
        )
        assign_and_submit(application, world.ada, world.criteria, [1, 1, 1])
    calibration_run(rubric_id=world.rubric.pk)

    report = digest_prepare(posting=world.posting, now=now_wednesday())

    assert len(section(report.text, "TOP CANDIDATES BY SCORE")) == 10
    assert len(section(report.text, "TOP CANDIDATES, SEVERITY-ADJUSTED")) == 10


def test_digest_before_any_calibration_run_has_no_adjusted_ranking(uncalibrated_world):
    report = digest_prepare(posting=uncalibrated_world.posting, now=now_wednesday())

    assert section(report.text, "TOP CANDIDATES, SEVERITY-ADJUSTED") == [
        "  No calibration run yet."
    ]
    assert section(report.text, HEADER) == ["  No calibration run yet."]
    assert "<p>No calibration run yet for this posting.</p>" in report.html


def test_digest_reviewer_table_shows_severity_and_flags_flagged_first(world):
    cleo = world.run.reviewers.get(reviewer=world.cleo)
    assert cleo.flagged is True

    report = digest_prepare(posting=world.posting, now=now_wednesday())

    assert section(report.text, HEADER) == [
        f"  Cleo Tester: 21 ratings, severity 0.64 ± 0.04  FLAGGED: {cleo.flag_reason}",
        "  Ada Tester: 21 ratings, severity -0.35 ± 0.04",
        "  Ben Tester: 18 ratings, severity -0.29 ± 0.04",
    ]
    # The shrunk severity with its posterior SD, as in the flag's reason: not
    # the raw estimate (0.65 ± SE), which stays in the raw statistics.
    assert (round(cleo.severity_shrunk, 2), round(cleo.severity, 2)) == (0.64, 0.65)
    assert "scores 0.64 points above" in cleo.flag_reason


def test_digest_reviewer_table_in_html_marks_the_flagged_row(world):
    cleo = world.run.reviewers.get(reviewer=world.cleo)

    report = digest_prepare(posting=world.posting, now=now_wednesday())

    assert (
        '<tr style="background:#fdecea;">\n'
        '      <td style="padding:4px;">Cleo Tester</td>\n'
        '      <td style="text-align:right; padding:4px;">21</td>\n'
        '      <td style="text-align:right; padding:4px;">0.64 ± 0.04</td>\n'
        '      <td style="padding:4px; color:#ba2121; font-weight:bold;">'
        f"{cleo.flag_reason}</td>"
    ) in report.html


def test_digest_lists_the_criteria_with_low_agreement_only(world):
    experience = world.criteria[1]
    CriterionCalibration.objects.filter(run=world.run, criterion=experience).update(
        flagged=False, flag_reason=""
    )
    flagged = {
        c.criterion.title: c.flag_reason
        for c in world.run.criteria.select_related("criterion").filter(flagged=True)
    }
    assert sorted(flagged) == ["Certification", "Service software"]

    report = digest_prepare(posting=world.posting, now=now_wednesday())

    assert section(report.text, "CRITERIA WITH LOW AGREEMENT") == [
        f"  - Certification: {flagged['Certification']}",
        f"  - Service software: {flagged['Service software']}",
    ]


def test_digest_says_so_when_every_criterion_agrees(world):
    CriterionCalibration.objects.filter(run=world.run).update(flagged=False, flag_reason="")

    report = digest_prepare(posting=world.posting, now=now_wednesday())

    assert section(report.text, "CRITERIA WITH LOW AGREEMENT") == ["  None."]
    assert "<p>None: every criterion reaches alpha 0.667.</p>" in report.html


def test_digest_does_not_clear_criteria_too_little_scored_to_judge(world):
    runs = CriterionCalibration.objects.filter(run=world.run)
    runs.update(flagged=False, flag_reason="")
    first = runs.order_by("pk").first()
    runs.filter(pk=first.pk).update(
        flag_reason="Too few applications scored by two or more reviewers to judge agreement"
    )

    report = digest_prepare(posting=world.posting, now=now_wednesday())

    assert section(report.text, "CRITERIA WITH LOW AGREEMENT") == [
        "  None. 1 criterion has too few applications scored by two or more reviewers to judge yet."
    ]
    assert "every criterion reaches" not in report.html
    assert (
        "<p>None: 1 criterion has too few applications scored by two or more reviewers "
        "to judge yet.</p>"
    ) in report.html


def test_first_digest_with_calibration_results_says_so(world):
    report = digest_prepare(posting=world.posting, now=now_wednesday())

    assert section(report.text, "SINCE THE LAST DIGEST") == [
        "  - This is the first digest with calibration results."
    ]


def test_next_digest_without_a_new_run_says_so(world):
    digest_prepare(posting=world.posting, now=now_wednesday())

    report = digest_prepare(posting=world.posting, now=now_wednesday() + timedelta(days=7))

    assert section(report.text, "SINCE THE LAST DIGEST") == [
        "  - No new calibration run since the last digest."
    ]


def test_next_digest_names_reviewers_whose_severity_moved_by_at_least_0_2(world):
    """Six more applications: Ada scores one level above the quality, Ben
    and Cleo at it. On the shrunk severity (what flags use), Ada goes from −0.35 to
    +0.11 (more lenient), Cleo from +0.64 to +0.11 (harsher, and no longer flagged),
    Ben moves by less than 0.2."""
    digest_prepare(posting=world.posting, now=now_wednesday())
    for i in range(6):
        application = ApplicationFactory(
            rubric=world.rubric, candidate=CandidateFactory(full_name=f"Later {i}")
        )
        base = [1 + i % 3] * 3
        assign_and_submit(application, world.ada, world.criteria, [v + 1 for v in base])
        assign_and_submit(application, world.ben, world.criteria, base)
        assign_and_submit(application, world.cleo, world.criteria, base)
    calibration_run(rubric_id=world.rubric.pk)

    report = digest_prepare(posting=world.posting, now=now_wednesday() + timedelta(days=7))

    # Ada and Cleo end on the same severity, so the order of their lines is
    # the database's.
    lines = sorted(section(report.text, "SINCE THE LAST DIGEST"))
    # (Ben's scores in this world are too regular to be human: the rater
    # diagnostics of issue 12 flag him as muted.)
    assert [line for line in lines if not line.startswith("  - Ben Tester is newly flagged")] == [
        "  - Ada Tester grew more lenient: severity -0.35 → +0.11.",
        "  - Cleo Tester grew harsher: severity +0.64 → +0.11.",
        "  - Cleo Tester is no longer flagged.",
    ]


def test_digest_csv_has_the_ranking_header_and_one_row_per_application(world):
    ApplicationFactory(rubric=world.rubric, candidate=CandidateFactory(full_name="Unscored Una"))

    report = digest_prepare(posting=world.posting, now=now_wednesday())

    rows = list(csv.reader(io.StringIO(report.csv)))
    assert rows[0] == [
        "rank",
        "application",
        "candidate",
        "candidate_name",
        "stage",
        "rubric_version",
        "score",
        "adjusted_score",
        "passes_must_haves",
        "failed_must_haves",
        "submitted",
        "pending",
        "strong_no",
        "no",
        "yes",
        "strong_yes",
    ]
    assert sorted(row[3] for row in rows[1:]) == sorted([*world.applications, "Unscored Una"])
    solo_cleo = next(row for row in rows[1:] if row[3] == "Solo Cleo")
    assert solo_cleo[6:10] == ["91.67", "70.26", "True", ""]
    assert rows[-1][3:8] == ["Unscored Una", "screening", str(world.rubric.version), "", ""]


def test_digest_images_are_the_two_pngs_once_a_run_exists(world):
    report = digest_prepare(posting=world.posting, now=now_wednesday())

    assert sorted(report.images) == ["distribution", "severity"]
    for name, data in report.images.items():
        assert base64.b64decode(data).startswith(b"\x89PNG\r\n\x1a\n"), name
    assert 'src="cid:severity"' in report.html
    assert 'src="cid:distribution"' in report.html


def test_distribution_chart_legend_does_not_cover_the_axis_label(world, monkeypatch):
    boxes = {}
    render = charts._render

    def measure(fig, fmt):
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        ax = fig.axes[0]
        legend = ax.get_legend()
        boxes[ax.get_title()] = (
            ax.xaxis.label.get_window_extent(renderer),
            legend.get_window_extent(renderer) if legend else None,
        )
        return render(fig, fmt)

    monkeypatch.setattr(charts, "_render", measure)

    digest_prepare(posting=world.posting, now=now_wednesday())

    label, legend = boxes["Score distribution per reviewer"]
    assert not label.overlaps(legend)


def test_digest_has_no_images_before_any_run(uncalibrated_world):
    report = digest_prepare(posting=uncalibrated_world.posting, now=now_wednesday())

    assert report.images == {}
    assert "cid:" not in report.html


def test_digest_links_to_the_ranking_and_the_run_on_the_site(world, settings):
    settings.SITE_URL = SITE + "/"

    report = digest_prepare(posting=world.posting, now=now_wednesday())

    assert (
        f'<a href="{SITE}/admin/screening/application/ranking/?posting={world.posting.pk}">'
        "Open the ranking</a>"
    ) in report.html
    assert (
        f'<a href="{SITE}/admin/calibration/calibrationrun/{world.run.pk}/change/">'
        "Open the calibration run</a>"
    ) in report.html
    assert (
        f"Ranking: {SITE}/admin/screening/application/ranking/?posting={world.posting.pk}"
        in report.text.splitlines()
    )
