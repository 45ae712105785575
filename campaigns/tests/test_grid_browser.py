"""In the browser: a marketer sorts the campaign grid, walks it with the arrow keys, opens and edits a campaign
from the keyboard, filters it by status, keeps that as a view and finds the view again after a reload."""

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from campaigns.models import Campaign
from core.tests.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def grid_names(page: Page) -> list[str]:
    return page.locator("#campaigns-grid-box .tabulator-row .tabulator-cell[tabulator-field=name]").all_inner_texts()


def open_grid(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator("[data-grid=campaigns][data-ready=true]")).to_be_visible()
    expect(page.locator("#campaigns-grid-box .tabulator-row").first).to_be_visible()


def test_a_marketer_sorts_walks_filters_and_keeps_a_view(page: Page, live_server, make_campaign, marketer):
    summer = make_campaign("Summer sale")
    autumn = make_campaign("Autumn mailing")
    winter = make_campaign("Winter comeback")
    Campaign.objects.filter(pk=autumn.pk).update(start_date=date(2026, 10, 5), end_date=date(2026, 10, 30))
    Campaign.objects.filter(pk=winter.pk).update(start_date=date(2026, 12, 1), end_date=date(2026, 12, 20))
    Campaign.objects.filter(pk=autumn.pk).update(status=Campaign.Status.SUBMITTED)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    sign_in(page, live_server, marketer.username)
    open_grid(page, f"{live_server.url}/campaigns/")
    assert grid_names(page) == ["Winter comeback", "Autumn mailing", "Summer sale"]  # the latest start first

    page.click("#campaigns-grid-box .tabulator-col[tabulator-field=name] .tabulator-col-title")
    expect(page.locator("#campaigns-grid-box .tabulator-row").first).to_contain_text("Autumn mailing")
    assert grid_names(page) == ["Autumn mailing", "Summer sale", "Winter comeback"]

    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.locator(".tabulator-row.grid-current")).to_contain_text("Summer sale")
    page.keyboard.press("e")
    expect(page).to_have_url(f"{live_server.url}/campaigns/{summer.pk}/edit/")
    page.go_back()
    expect(page.locator("[data-grid=campaigns][data-ready=true]")).to_be_visible()
    expect(page.locator("#campaigns-grid-box .tabulator-row").first).to_be_visible()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/campaigns/{autumn.pk}/")

    open_grid(page, f"{live_server.url}/campaigns/")
    page.click("#campaigns-grid-box .tabulator-col[tabulator-field=status] .tabulator-header-filter input")
    page.click(".tabulator-edit-list .tabulator-edit-list-item:text-is('Submitted')")
    expect(page.locator("#campaigns-grid-box .tabulator-row")).to_have_count(1)
    assert grid_names(page) == ["Autumn mailing"]
    expect(page.locator("[data-grid-status]")).to_have_text("1 row")

    page.fill("[data-grid-view-name]", "Waiting for approval")
    page.click("[data-grid-view-form] button")
    expect(page.locator("[data-grid-status]")).to_contain_text("saved")

    open_grid(page, f"{live_server.url}/campaigns/")
    expect(page.locator("#campaigns-grid-box .tabulator-row")).to_have_count(3)
    expect(page.locator("[data-grid-view] option", has_text="Waiting for approval")).to_have_count(1)
    page.select_option("[data-grid-view]", label="Waiting for approval")
    expect(page.locator("#campaigns-grid-box .tabulator-row")).to_have_count(1)
    assert grid_names(page) == ["Autumn mailing"]
    assert errors == []
