"""A marketer plans a campaign in the browser, a segment owner approves it, the marketer releases it."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from campaigns.models import AudienceMember
from campaigns.tests.conftest import population
from core.tests.browser import sign_in
from segments.models import Segment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_out(page: Page) -> None:
    page.click("#user-menu")
    page.click("text=Sign out")


def add_treatment(page: Page, code: str, segment: str, channel: str, priority: int) -> None:
    page.click("#add-treatment")
    page.fill("#id_code", code)
    page.select_option("#id_segment", label=segment)
    page.select_option("#id_channel", channel)
    page.fill("#id_message_name", f"Message {code}")
    page.fill("#id_holdout_share", "20")
    page.fill("#id_cost_per_contact", "0.05")
    page.fill("#id_priority", str(priority))
    page.click("#treatment-form button[type=submit]")
    expect(page.locator("#treatment-table")).to_contain_text(f"Message {code}")


def test_plan_build_approve_release_download(
    page: Page, live_server, celery_worker, no_global_control, portfolio, marketer, segment_owner
):
    population(300, email_every=2)
    Segment.objects.create(
        name="Recent buyers", owner=marketer, rules={"field": "recency_days", "op": "lt", "value": 100}
    )
    Segment.objects.create(name="Everyone", owner=marketer, rules={"all": []})

    sign_in(page, live_server, marketer.username)
    page.keyboard.press("g")
    page.keyboard.press("c")
    expect(page).to_have_url(f"{live_server.url}/campaigns/")
    page.click("#new-campaign")
    page.fill("#id_name", "Autumn comeback")
    page.select_option("#id_portfolio", label=portfolio.name)
    page.select_option("#id_objective", "traffic")
    page.fill("#id_start_date", "2026-07-06")
    page.fill("#id_end_date", "2026-08-06")
    page.click("#campaign-form button[type=submit]")
    expect(page.locator(".desk-title")).to_contain_text("Autumn comeback")
    add_treatment(page, "A", "Recent buyers", "email", 1)
    add_treatment(page, "B", "Everyone", "in_store", 2)

    page.click("#build-audience")
    expect(page.locator("#build-job [data-status]")).to_have_attribute("data-status", "succeeded", timeout=60_000)
    page.click("#audience-tab")
    expect(page.locator("[data-plotly='chart-waterfall-A'] .main-svg").first).to_be_attached()
    # Customer n was last seen n % 200 days ago: 200 recent buyers, half of whom consent to e-mail (A);
    # everyone else goes to B in the store.
    expect(page.locator("#exclusions tr[data-treatment='A'] td").nth(1)).to_have_text("200")
    expect(page.locator("#exclusions tr[data-treatment='A'] td[data-reason='no_consent']")).to_have_text("100")
    expect(page.locator("#exclusions tr[data-treatment='B'] td[data-reason='higher_priority']")).to_have_text("100")
    page.click("#submit-campaign")
    expect(page.locator("[data-status=submitted]")).to_be_visible()
    sign_out(page)

    sign_in(page, live_server, segment_owner.username)
    page.goto(f"{live_server.url}/campaigns/")
    page.click("text=Autumn comeback")
    page.fill("#approval-form textarea", "Within budget, go.")
    page.click("#approve-campaign")
    expect(page.locator("[data-status=audience_built]")).to_be_visible()
    sign_out(page)

    sign_in(page, live_server, marketer.username)
    page.goto(f"{live_server.url}/campaigns/")
    page.click("text=Autumn comeback")
    page.click("#release-campaign")
    dialog = page.locator("#confirm-release")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("to the contact history")
    expect(dialog).to_contain_text("contact files to send: E-mail")
    page.screenshot(path="test-results/campaign-release-dialog.png")
    page.click("#release-campaign-confirm")
    expect(page.locator("[data-status=released]")).to_be_visible()
    page.click("#contacts-tab")
    with page.expect_download() as download:
        page.click("#contact-files >> text=E-mail contact file")
    lines = Path(download.value.path()).read_text().splitlines()
    assert lines[0].startswith("external_id,name,email,")
    treated = AudienceMember.objects.filter(treatment__code="A", is_control=False).count()
    assert 65 <= treated <= 95 and len(lines) == 1 + treated  # 100 in A, about 20% held back
    page.screenshot(path="test-results/campaign-released.png", full_page=True)
