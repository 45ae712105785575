"""What every browser test does first: sign in through the login form, as a person would."""

from playwright.sync_api import Page, expect

from core.tests.factories import PASSWORD


def sign_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator(".desk-title")).to_have_text("Home")
    page.wait_for_load_state("load")  # the shortcuts are bound once the page's scripts have run
