"""The reviewer's and the recruiter's shortest paths in a real browser at 1366×768:

- a reviewer works through "My reviews" with "Submit and go to the next review": one click
  per review after the first, ending on My reviews with "That was your last pending review";
- a recruiter imports a CSV onto a posting with two reviewers assigned, in one form, and
  lands on the posting's applications; an existing candidate gets an application too.

No page scrolls sideways. Screenshots go to TEST_ARTIFACTS_DIR/browser/next-*.png and
import-*.png."""

from datetime import timedelta

from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from screening.models import Application, ReviewAssignment, Scorecard
from tests.browser.support import assert_fits, log_in
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    JobPostingFactory,
    RecruiterFactory,
    ReviewAssignmentFactory,
    ReviewerFactory,
    published_rubric,
)


def score_everything(page, application) -> None:
    for criterion in application.rubric.criteria.all():
        page.check(f'input[name="score_{criterion.pk}"][value="3"]')
    page.check('input[name="recommendation"][value="3"]')


def test_reviewer_goes_from_one_review_to_the_next(page, screenshots):
    screenshots.prefix = "next-"
    reviewer = ReviewerFactory(first_name="Grace", last_name="Hopper")
    rubric = published_rubric()
    today = timezone.localdate()
    reviews = {}
    for name, due in (
        ("Charles Babbage", today + timedelta(days=4)),
        ("Ada Lovelace", today - timedelta(days=1)),
    ):
        reviews[name] = ReviewAssignmentFactory(
            application=ApplicationFactory(
                candidate=CandidateFactory(full_name=name), rubric=rubric
            ),
            reviewer=reviewer,
            due_date=due,
        )
    clicks = 0

    log_in(page, reviewer)
    page.goto("/admin/screening/myreview/")
    expect(page.locator("h1")).to_have_text("My reviews")
    expect(page.locator("p.paginator")).to_contain_text("2 reviews")
    assert_fits(page)
    screenshots(page, "my-reviews")

    # The overdue review comes first; open it.
    first = page.locator("#result_list tbody tr").first
    expect(first).to_contain_text("Ada Lovelace")
    first.get_by_role("link", name="Score").click()
    clicks += 1
    score_everything(page, reviews["Ada Lovelace"].application)
    assert_fits(page)
    screenshots(page, "scorecard")

    page.get_by_role("button", name="Submit and go to the next review").click()
    clicks += 1
    expect(page.locator(".messagelist")).to_contain_text(
        "Submitted your scorecard for Ada Lovelace. Read the debrief. Next: Charles Babbage for "
        f"{rubric.posting.title}, due {(today + timedelta(days=4)).isoformat()}."
    )
    expect(page.locator("#candidate")).to_contain_text("Charles Babbage")
    expect(page.locator("#scorecard-status")).to_have_text("Draft")
    assert_fits(page)
    screenshots(page, "next-scorecard")

    score_everything(page, reviews["Charles Babbage"].application)
    page.get_by_role("button", name="Submit and go to the next review").click()
    clicks += 1
    expect(page.locator(".messagelist")).to_contain_text(
        "Submitted your scorecard for Charles Babbage. Read the debrief. "
        "That was your last pending review."
    )
    expect(page.locator("h1")).to_have_text("My reviews")
    expect(page.locator("#result_list tbody tr", has_text="Submitted")).to_have_count(2)
    assert_fits(page)
    screenshots(page, "last-review")
    assert Scorecard.objects.filter(status="submitted").count() == 2
    # Open the first review, then one click per review: 3 for two reviews (it was 4, with
    # a trip back to My reviews between them).
    assert clicks == 3

    # A submitted scorecard shows the way on.
    page.goto(f"/admin/screening/myreview/{reviews['Ada Lovelace'].pk}/scorecard/")
    expect(page.locator("#after-submit")).to_contain_text("No review of yours is pending.")
    assert_fits(page)
    screenshots(page, "submitted")


def test_recruiter_imports_a_csv_onto_a_posting_with_reviewers(page, screenshots):
    screenshots.prefix = "import-"
    recruiter = RecruiterFactory()
    grace = ReviewerFactory(first_name="Grace", last_name="Hopper")
    katherine = ReviewerFactory(first_name="Katherine", last_name="Johnson")
    posting = published_rubric(posting=JobPostingFactory(title="Field Service Technician")).posting
    CandidateFactory(full_name="Dorothy Vaughan", email="dorothy@example.net")
    csv_text = (
        "full_name,email,phone,links,notes\n"
        "Ada Lovelace,ada@example.net,+44 20 7946 0001,https://example.net/ada,Referred.\n"
        "Charles Babbage,charles@example.net,,,\n"
        "Dorothy Vaughan,dorothy@example.net,,,\n"
    )
    due = timezone.localdate() + timedelta(days=7)
    clicks = 0

    log_in(page, recruiter)
    page.goto("/admin/screening/candidate/")
    page.get_by_role("link", name="Import CSV / XLSX").click()
    clicks += 1
    expect(page.locator("h1")).to_have_text("Import candidates")
    assert_fits(page)
    screenshots(page, "form")

    page.set_input_files(
        "#id_file",
        files=[{"name": "candidates.csv", "mimeType": "text/csv", "buffer": csv_text.encode()}],
    )
    page.select_option("#id_posting", label="Field Service Technician")
    page.check(f'#import-form input[name="reviewers"][value="{grace.pk}"]')
    page.check(f'#import-form input[name="reviewers"][value="{katherine.pk}"]')
    page.fill("#id_due_date", due.isoformat())
    clicks += 5  # file, posting, two reviewers, due date
    page.get_by_role("button", name="Check the file").click()
    clicks += 1

    expect(page.locator("#import-plan")).to_contain_text(
        "Confirming adds 2 candidates and opens 3 applications for Field Service Technician"
    )
    expect(page.locator("#import-existing")).to_contain_text(
        "existing candidate, application will be created"
    )
    assert_fits(page)
    screenshots(page, "preview")

    page.get_by_role("button", name="Import 2 candidates and open 3 applications").click()
    clicks += 1
    expect(page.locator(".messagelist")).to_contain_text(
        "Imported 2 candidates and opened 3 applications for Field Service Technician"
    )
    expect(page.locator("#result_list tbody tr")).to_have_count(3)
    assert_fits(page)
    screenshots(page, "applications")

    assert Application.objects.filter(posting=posting).count() == 3
    assert ReviewAssignment.objects.filter(due_date=due).count() == 6
    # From the candidates list: 8 clicks whatever the number of rows (it was the import's
    # 3, then about 5 per candidate to add an application, then 5 or more to assign).
    assert clicks == 8

    # The six new assignments, exported as a workbook from their list.
    page.goto("/admin/screening/reviewassignment/")
    expect(page.locator("#result_list tbody tr")).to_have_count(6)
    page.check("#action-toggle")
    page.select_option("select[name=action]", label="Export the selected assignments as XLSX")
    assert_fits(page)
    screenshots(page, "assignments-export")
    with page.expect_download() as download:
        page.get_by_role("button", name="Go").click()
    path = download.value.path()
    assert download.value.suggested_filename == (
        f"review-assignments-{timezone.localdate().isoformat()}.xlsx"
    )
    with open(path, "rb") as workbook:
        rows = list(load_workbook(workbook, read_only=True).worksheets[0].values)
    assert len(rows) == 7
    assert sorted(r[0] for r in rows[1:]) == sorted(
        ["Ada Lovelace", "Charles Babbage", "Dorothy Vaughan"] * 2
    )
