"""In the browser: a manager fills this year's maturity assessment with the keyboard alone, submits it and compares
it with last year's; a marketer reads the same pages without the buttons that change them."""

import re
from datetime import date

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from core.tests.factories import PASSWORD
from scorecards.models import Assessment, ScorecardTemplate
from scorecards.services import shipped_templates_ensure
from scorecards.tests.conftest import scored

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = settings.BASE_DIR / "test-results"
LAST_YEAR = {
    "Planning process": 2,
    "Segment planning": 1,
    "Strategic development": 1,
    "Campaign planning": 2,
    "Cross-channel": 1,
    "Organisational readiness": 1,
    "Response tracking": 2,
    "P&L and behaviour goals": 1,
    "Continuous improvement": 1,
}


def sign_in(page: Page, live_server, user) -> None:
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator(".desk-title")).to_have_text("Home")


@pytest.fixture
def last_year(manager) -> Assessment:
    shipped_templates_ensure()
    maturity = ScorecardTemplate.objects.get(key="direct-marketing")
    return scored(maturity, manager, date(timezone.localdate().year - 1, 1, 15), LAST_YEAR)


def test_a_manager_scores_with_the_keyboard_submits_and_compares(page: Page, live_server, manager, last_year):
    sign_in(page, live_server, manager)
    page.wait_for_load_state()  # the shell's shortcuts listen once its script has run
    page.keyboard.press("g")
    page.keyboard.press("k")  # the Scorecards section of the rail
    expect(page.locator(".desk-title")).to_have_text("Scorecards")
    page.screenshot(path=SCREENSHOTS / "scorecards-list-manager.png", full_page=True)
    page.click("#start-assessment")
    expect(page.locator("#area-tabs .active")).to_contain_text("1. Strategy")
    processes = page.locator("[data-process]")
    expect(processes.first).to_have_class(re.compile("focused"))

    # Strategy: 3, 4, then back up to the second to make it 2, down twice for 3.
    for key in ("3", "ArrowDown", "4", "ArrowUp", "ArrowDown", "ArrowDown", "3", "ArrowUp", "2"):
        page.keyboard.press(key)
    expect(page.locator("#process-planning-process input[value='3']")).to_be_checked()
    expect(page.locator("#process-segment-planning input[value='2']")).to_be_checked()
    expect(page.locator("#process-strategic-development input[value='3']")).to_be_checked()
    expect(page.locator("#process-segment-planning .level-text.on")).to_contain_text("Basic")
    page.screenshot(path=SCREENSHOTS / "scorecards-fill-manager.png", full_page=True)
    page.keyboard.press("Enter")

    for area, keys in (("2. Campaign creation", "34"), ("3. Campaign execution", "44"), ("4. Campaign analysis", "33")):
        expect(page.locator("#area-tabs .active")).to_contain_text(area)
        expect(processes.first).to_have_class(re.compile("focused"))  # the keyboard is ready once Alpine has run
        for number, key in enumerate(keys):
            if number:
                page.keyboard.press("ArrowDown")
            page.keyboard.press(key)
        page.keyboard.press("Enter")

    expect(page.locator(".desk-title")).to_contain_text("Direct-marketing maturity")
    expect(page.locator("#overall-total")).to_have_text("29 of 45")
    page.click("#submit")
    expect(page.locator(".badge", has_text="Submitted")).to_be_visible()
    expect(page.locator("#processes")).to_contain_text("Quarters planned with a what-if scenario")
    expect(page.locator("[data-plotly=radar] .main-svg").first).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "scorecards-detail-manager.png", full_page=True)

    page.click("#compare")
    expect(page.locator("#overall-change")).to_have_text("+17")
    expect(page.locator("#change-response-tracking [data-change]")).to_have_text("+2")
    expect(page.locator("#change-response-tracking [data-change]")).to_have_class("px-1 rounded change-up")
    expect(page.locator("[data-plotly=radar] .main-svg").first).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "scorecards-compare-manager.png", full_page=True)
    submitted = Assessment.objects.get(status="submitted", assessed_on=timezone.localdate())
    assert [score.score for score in submitted.scores.order_by("process__area__position", "process__position")] == [
        3, 2, 3, 3, 4, 4, 4, 3, 3,
    ]  # fmt: skip

    page.goto(f"{live_server.url}/scorecards/{submitted.pk}/print/")
    page.emulate_media(media="print")
    expect(page.locator("#print-total")).to_have_text("29 of 45")
    page.pdf(path=SCREENSHOTS / "scorecards-print.pdf", format="A4")
    page.emulate_media(media="screen")
    page.screenshot(path=SCREENSHOTS / "scorecards-print-manager.png", full_page=True)


def test_a_marketer_reads_the_assessments_without_changing_them(page: Page, live_server, marketer, last_year):
    sign_in(page, live_server, marketer)
    page.goto(f"{live_server.url}/scorecards/")
    expect(page.locator("#assessments")).to_contain_text("Direct-marketing maturity")
    expect(page.locator("#new-assessment")).to_have_count(0)
    page.screenshot(path=SCREENSHOTS / "scorecards-list-marketer.png", full_page=True)
    page.click("#assessments a >> nth=0")
    expect(page.locator("#totals")).to_contain_text("12 of 45")
    expect(page.locator("#submit")).to_have_count(0)
    expect(page.locator("#fill")).to_have_count(0)
    expect(page.locator("[data-plotly=radar] .main-svg").first).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "scorecards-detail-marketer.png", full_page=True)
