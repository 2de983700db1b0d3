"""The demo recruiter opens a candidate's application and finds their résumé in the
Documents section, read and ready, with the way to add another document; at 1366 px."""

from pathlib import Path

from django.core.management import call_command
from playwright.sync_api import expect

from screening.models import Application
from tests.browser.support import Screenshots, assert_fits, demo_password, log_in


def test_the_application_page_lists_the_demo_resume(page, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", allow_production=True, verbosity=0)
    application = Application.objects.select_related("candidate").order_by("pk").first()
    shots = Screenshots(Path(settings.TEST_ARTIFACTS_DIR) / "browser", "documents-")

    log_in(page, "recruiter", demo_password("recruiter"))
    page.goto(f"/admin/screening/application/{application.pk}/change/")
    section = page.locator("#application-documents")
    expect(section.locator("tr.document-row")).to_have_count(1)
    expect(section.locator("tr.document-row")).to_contain_text("Résumé")
    expect(section.locator("tr.document-row .document-status")).to_have_text("Ready")
    section.scroll_into_view_if_needed()
    assert_fits(page)
    shots(page, "application")

    section.get_by_role("link", name="Add document").click()
    expect(page.locator("#id_application")).to_have_value(str(application.pk))
    assert_fits(page)
    shots(page, "add-document")
