"""Under the Content-Security-Policy every page carries, the front end still works: htmx swaps in forms and
counts, Alpine.js shows the fields a choice asks for, plotly draws, and the browser reports no violation."""

import pytest
from playwright.sync_api import Page, expect

from reporting.services import results_run
from reporting.tests.test_imported_responses import autumn  # noqa: F401  (A: wine in 14 days, B: clicks in 7)
from reporting.tests.test_measurement_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_pages_work_under_the_content_security_policy(page: Page, live_server, autumn, manager):  # noqa: F811
    complaints: list[str] = []
    page.on("console", lambda message: complaints.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: complaints.append(str(error)))
    results_run(campaign=autumn)
    b = autumn.treatments.get(code="B")
    sign_in(page, live_server, manager)
    expect(page.locator("[data-plotly='chart-jobs'] .main-svg").first).to_be_attached()

    response = page.goto(f"{live_server.url}/campaigns/{autumn.pk}/results/")
    assert "default-src 'self'; script-src 'self' 'unsafe-eval'" in response.headers["content-security-policy"]
    page.click(f"#edit-response-{b.pk}")  # htmx fetches the form
    category = page.locator(f"#id_response_{b.pk}_response_category")
    expect(category).to_be_hidden()
    page.select_option(f"#id_response_{b.pk}_response_kind", "category")
    expect(category).to_be_visible()  # Alpine evaluated the form's expressions
    expect(page.locator(f"#id_response_{b.pk}_response_event_kind")).to_be_hidden()

    page.goto(f"{live_server.url}/segments/new/")
    expect(page.locator("#segment-count")).to_be_visible()  # htmx posted the rules and swapped in the count
    violations = [text for text in complaints if "Content Security Policy" in text or "Refused" in text]
    assert not violations, "\n".join(violations)
