"""A manager makes a scenario of the quarter in the browser, lowers response by 15% and compares it with the plan."""

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from core.tests.factories import PASSWORD
from reporting.tests.test_plan import quarter  # noqa: F401  (the hand-made 2026 Q3)
from reporting.tests.test_scenarios import measured_past  # noqa: F401  (and its measured past)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_lowers_response_in_a_scenario_and_sees_the_totals_fall(
    page: Page,
    live_server,
    measured_past,  # noqa: F811
    manager,
):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", manager.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator(".desk-title")).to_have_text("Home")
    page.goto(f"{live_server.url}/plan/?year=2026&quarter=3")
    page.click("#plan-scenarios")
    page.fill("#id_name", "Response falls 15%")
    page.select_option("#id_source", "plan")
    page.fill("#id_year", "2026")
    page.fill("#id_quarter", "3")
    page.click("#create-scenario")
    expect(page.locator(".desk-title")).to_contain_text("Response falls 15%")
    planned_net = page.locator("#scenario-total [data-net]").get_attribute("data-net")

    page.fill("#id_response_change", "-15")
    page.click("#save-assumptions")
    expect(page.locator("#scenario-assumptions")).to_contain_text("Response rate -15%")
    lower_net = page.locator("#scenario-total [data-net]").get_attribute("data-net")
    assert int(lower_net) < int(planned_net)

    page.click("#compare-with-plan")
    margin = page.locator("#compare-totals tr[data-line='Incremental margin'] td")
    expect(margin.nth(2)).to_have_class("num table-danger")
    net = page.locator("#compare-totals tr[data-line='Net P&L'] td")
    assert int(net.nth(1).get_attribute("data-value")) == int(planned_net)
    assert int(net.nth(2).get_attribute("data-value")) == int(lower_net)
    expect(page.locator("[data-plotly='chart-compare'] .main-svg").first).to_be_attached()
    page.screenshot(path=settings.BASE_DIR / "test-results" / "scenario-compare.png", full_page=True)
