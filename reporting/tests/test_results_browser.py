"""A manager opens a campaign's results in the browser, sees the P&L waterfall and the lift, and exports them."""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from core.tests.factories import PASSWORD
from reporting.services import results_run
from reporting.tests.test_campaign_results import spring  # noqa: F401  (a hand-made measured campaign)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_reads_and_exports_the_results(page: Page, live_server, spring, manager):  # noqa: F811
    results_run(campaign=spring)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", manager.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator(".desk-title")).to_have_text("Home")
    page.wait_for_load_state("load")  # the shortcuts listen once the shell's scripts have run
    page.keyboard.press("g")
    page.keyboard.press("r")
    expect(page).to_have_url(f"{live_server.url}/results/")
    page.click("#results-grid-box .tabulator-row >> text=Spring")
    expect(page.locator("#kpi-net")).to_have_text("4.10")
    expect(page.locator("[data-plotly='chart-pnl'] .waterfalllayer .point").first).to_be_attached()
    expect(page.locator("[data-plotly='chart-lift'] .main-svg").first).to_be_attached()
    expect(page.locator("[data-plotly='chart-cumulative'] .main-svg").first).to_be_attached()
    with page.expect_download() as download:
        page.click("#export-results")
    lines = Path(download.value.path()).read_text().splitlines()
    assert lines[1].startswith("treatment,A,(imported),treatment,4,2,0.5")
    page.screenshot(path=settings.BASE_DIR / "test-results" / "campaign-results.png", full_page=True)
