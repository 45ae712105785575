"""In the browser: a segment owner asks for a bigger budget, a manager approves it from the inbox on their home
page, and the plan's budget grid shows the new figure."""

import pytest
from playwright.sync_api import Page, expect

from core.tests.browser import sign_in
from segments.models import LifecycleStage, Portfolio, PortfolioBudget

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_owner_asks_a_manager_approves_and_the_plan_shows_it(page: Page, live_server, segment_owner, manager):
    from django.utils import timezone

    today = timezone.localdate()
    quarter = (today.month - 1) // 3 + 1
    portfolio = Portfolio.objects.create(
        stage=LifecycleStage.objects.get(code="best"), name="Best customers", owner=segment_owner
    )
    PortfolioBudget.objects.create(portfolio=portfolio, year=today.year, quarter=quarter, amount_cents=1_000_000)

    sign_in(page, live_server, segment_owner.username)
    page.goto(f"{live_server.url}/portfolios/{portfolio.pk}/")
    page.fill("#id_amount", "15000")
    page.fill("#id_why", "Christmas gifts for the best customers")
    page.click("#budget-form button")
    expect(page.locator("#budget-requests")).to_contain_text("Waiting for a manager")
    page.click("#user-menu")
    page.click("text=Sign out")

    sign_in(page, live_server, manager.username)
    row = page.locator("#inbox-budgets tr[data-request]")
    expect(row).to_contain_text("Christmas gifts for the best customers")
    expect(row).to_contain_text("15,000.00")
    row.locator("input[name=comment]").fill("Agreed at the plan review")
    row.locator("button[value=approve]").click()
    expect(page.locator("#inbox-empty")).to_be_visible()

    page.goto(f"{live_server.url}/plan/")
    budget = page.locator("#budget-grid .tabulator-row", has_text="Best customers").locator(
        ".tabulator-cell[tabulator-field=budget]"
    )
    expect(budget).to_have_text("15,000.00")
