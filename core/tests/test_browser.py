"""A real Chromium signs in and walks the shell with the keyboard."""

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from core.tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = settings.BASE_DIR / "test-results"


def sign_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/login/?next=/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator(".desk-title")).to_have_text("Home")
    page.wait_for_load_state("load")  # the shortcuts are bound once the page's scripts have run


def test_a_marketer_walks_the_shell_with_shortcuts(page: Page, live_server, marketer):
    sign_in(page, live_server, "maria")
    expect(page.locator("[data-tile='Jobs run'] .kpi-value")).to_have_text("0")
    expect(page.locator("[data-plotly='chart-jobs'] .main-svg").first).to_be_attached()

    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_be_visible()
    expect(page.locator("#shortcuts")).to_contain_text("Go to Jobs")
    page.keyboard.press("Escape")
    expect(page.locator("#shortcuts")).to_be_hidden()

    page.keyboard.press("g")
    page.keyboard.press("j")
    expect(page).to_have_url(f"{live_server.url}/jobs/")
    expect(page.locator(".desk-rail-item.active")).to_contain_text("Jobs")
    page.wait_for_load_state("load")  # the new page's shortcuts are bound once its scripts have run

    page.keyboard.press("/")
    expect(page.locator("#global-search")).to_be_focused()
    page.keyboard.type("report")
    page.keyboard.press("Enter")
    expect(page.locator(".desk-title")).to_contain_text("report")

    page.locator("body").click()
    page.keyboard.press("g")
    page.keyboard.press("h")
    expect(page.locator(".desk-title")).to_have_text("Home")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "shell-home.png", full_page=True)

    page.click("#user-menu")
    page.click("text=Sign out")
    expect(page).to_have_url(f"{live_server.url}/login/")
