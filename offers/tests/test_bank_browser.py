"""In the browser: the offer bank walks from the keyboard like every list, and keeps the user's views."""

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from core.tests.browser import sign_in
from offers.models import Offer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_marketer_opens_an_offer_from_the_keyboard_and_hides_a_column(page: Page, live_server, marketer):
    for code, name in (("TEN", "Ten off"), ("GIFT", "A gift")):
        valid = {"valid_from": date(2026, 1, 1), "valid_until": date(2027, 1, 1)}
        Offer.objects.create(code=code, name=name, kind="percent_off", value=10, **valid)
    sign_in(page, live_server, marketer.username)
    page.goto(f"{live_server.url}/offers/")
    expect(page.locator("#offers-grid-box[data-ready=true]")).to_be_visible()

    page.click("[data-grid-columns-button]")
    page.uncheck("[data-grid-columns] input[data-field=stores]")
    expect(page.locator("#offer-grid .tabulator-col[tabulator-field=stores]")).to_be_hidden()
    page.fill("[data-grid-view-name]", "Without stores")
    page.click("[data-grid-view-form] button")
    expect(page.locator("[data-grid-status]")).to_contain_text("saved")

    page.reload()
    expect(page.locator("#offers-grid-box[data-ready=true]")).to_be_visible()
    expect(page.locator("#offer-grid .tabulator-col[tabulator-field=stores]")).to_be_visible()
    page.select_option("[data-grid-view]", label="Without stores")
    expect(page.locator("#offer-grid .tabulator-col[tabulator-field=stores]")).to_be_hidden()

    page.keyboard.press("ArrowDown")
    expect(page.locator(".tabulator-row.grid-current")).to_contain_text("GIFT")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/offers/{Offer.objects.get(code='GIFT').pk}/")
