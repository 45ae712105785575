"""In the browser: a manager lengthens a treatment's response window on the results page and sees the new run
queued; a marketer, who may not compute this imported campaign's results, reads the definitions without Edit."""

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from core.tests.factories import PASSWORD
from reporting.services import results_run
from reporting.tests.test_imported_responses import autumn  # noqa: F401  (A: wine in 14 days, B: clicks in 7)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = settings.BASE_DIR / "test-results"


def sign_in(page: Page, live_server, user) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator(".desk-title")).to_have_text("Home")


def test_a_manager_changes_a_response_window_and_sees_the_run_queued(page: Page, live_server, autumn, manager):  # noqa: F811
    results_run(campaign=autumn)
    b = autumn.treatments.get(code="B")
    sign_in(page, live_server, manager)
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.goto(f"{live_server.url}/campaigns/{autumn.pk}/results/")
    panel = page.locator(f"#response-{b.pk}")
    expect(panel).to_contain_text("E-mail click, within 7 days of the contact.")
    page.screenshot(path=SCREENSHOTS / "response-definition-manager.png", full_page=True)

    page.click(f"#edit-response-{b.pk}")
    window = page.locator(f"#id_response_{b.pk}_response_window_days")
    expect(window).to_have_value("7")
    expect(page.locator(f"#id_response_{b.pk}_response_event_kind")).to_be_visible()
    expect(page.locator(f"#id_response_{b.pk}_response_category")).to_be_hidden()  # not asked for an event
    window.fill("10")
    page.screenshot(path=SCREENSHOTS / "response-definition-edit.png", full_page=True)

    page.click(f"#save-response-{b.pk}")
    expect(page.locator("#results-job")).to_be_visible()
    expect(panel).to_contain_text("E-mail click, within 10 days of the contact.")
    expect(panel).to_contain_text("after the results below were computed")
    page.screenshot(path=SCREENSHOTS / "response-definition-queued.png", full_page=True)


def test_a_marketer_reads_the_definitions_without_edit(page: Page, live_server, autumn, marketer):  # noqa: F811
    results_run(campaign=autumn)
    sign_in(page, live_server, marketer)
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.goto(f"{live_server.url}/campaigns/{autumn.pk}/results/")
    expect(page.locator("#response-definitions")).to_contain_text("A purchase in Wine, within 14 days of the contact.")
    expect(page.locator("#response-definitions button")).to_have_count(0)
    expect(page.locator("#compute-results")).to_have_count(0)
    page.screenshot(path=SCREENSHOTS / "response-definition-read-only.png", full_page=True)
