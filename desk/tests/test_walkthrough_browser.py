"""Each role opens every page its navigation offers, and a few pages under them, in a real Chromium.

A page fails on a console error, an element wider than the window, a raw dict or a snake_case code in its
visible text, or a link to another host.
"""

import io
import re
from collections.abc import Iterator
from datetime import date
from urllib.parse import urljoin, urlparse

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from campaigns.models import Campaign, ContactHistory
from campaigns.services.drafts import campaign_copy
from conftest import committed_for_the_module
from core.selectors import jobs_visible_to
from segments.models import Portfolio, Segment

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

User = get_user_model()
SCREENSHOTS = settings.BASE_DIR / "test-results" / "walkthrough"
DEMO_PASSWORD = "campaign-desk"
WIDTH, HEIGHT = 1366, 800
RAW_DICT = re.compile(r"\{\s*['\"][A-Za-z_]+['\"]\s*:")
SNAKE_CASE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")

OVERFLOW_SCRIPT = """() => {
  const width = document.documentElement.clientWidth;
  // Inside a box that scrolls or clips within the window, an element may be as wide as it likes.
  const clipped = (element) => {
    for (let parent = element.parentElement; parent; parent = parent.parentElement) {
      const box = parent.getBoundingClientRect();
      if (getComputedStyle(parent).overflowX !== "visible" && box.right <= width + 1 && box.left >= -1) return true;
    }
    return false;
  };
  const wide = [];
  for (const element of document.querySelectorAll("body *")) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || getComputedStyle(element).visibility === "hidden") continue;
    if (element.closest("#js-plotly-tester")) continue;  // plotly's own measuring box, off screen on purpose
    if ((box.right > width + 1 || box.left < -1) && !clipped(element)) {
      const name = `${element.tagName.toLowerCase()}#${element.id}.${element.className}`;
      wide.push(`${name} (${Math.round(box.left)}..${Math.round(box.right)})`);
    }
  }
  // A panel whose content needs a sideways scroll to be read is clipped.
  for (const box of document.querySelectorAll(".desk-side, .panel, .kpi")) {
    if (box.scrollWidth > box.clientWidth + 1) {
      wide.push(`clipped: ${box.className} #${box.id} ${box.scrollWidth} > ${box.clientWidth}`);
    }
  }
  return {page: document.documentElement.scrollWidth, width: width, wide: wide.slice(0, 5)};
}"""


# The page's words, less what is meant to be typed as written (file columns, keys) and the charts' own text.
VISIBLE_TEXT_SCRIPT = """() => {
  const copy = document.body.cloneNode(true);
  copy.querySelectorAll("code, kbd, script, style, .chart, [hidden]").forEach((node) => node.remove());
  document.body.appendChild(copy);
  copy.style.position = "absolute";
  const text = copy.innerText;
  copy.remove();
  return text;
}"""


@pytest.fixture(scope="module")
def desk_server(django_db_setup, django_db_blocker) -> Iterator[LiveServer]:
    """The demo retailer, committed for the module, served on a live server of its own (a test's
    `live_server` would empty the tables after each test)."""
    with committed_for_the_module(django_db_blocker):
        call_command("seed_demo", customers=1_000, seed=5, as_of=date(2026, 6, 30), stdout=io.StringIO())
        # A winning campaign copied to a new draft, as a marketer reruns one.
        campaign_copy(
            campaign=Campaign.objects.filter(status=Campaign.Status.CLOSED).order_by("pk").first(),
            user=User.objects.get(username="marketer"),
            name="Welcome series again",
            start_date=date(2026, 9, 7),
            end_date=date(2026, 10, 4),
        )
        server = LiveServer("localhost")
        try:
            yield server
        finally:
            server.stop()


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def problems_on(page: Page, base: str, path: str, errors: list[str]) -> list[str]:
    errors.clear()
    response = page.goto(urljoin(base, path))
    page.wait_for_load_state("networkidle")
    found = [f"{path}: answered {response.status}"] if response.status >= 400 else []
    found += [f"{path}: console: {error}" for error in errors]
    layout = page.evaluate(OVERFLOW_SCRIPT)
    if layout["page"] > layout["width"] + 1:
        found.append(f"{path}: the page is {layout['page']} px wide in a {layout['width']} px window")
    found += [f"{path}: wider than the window: {element}" for element in layout["wide"]]
    text = page.evaluate(VISIBLE_TEXT_SCRIPT)
    found += [f"{path}: raw dict: {match.group(0)}" for match in RAW_DICT.finditer(text)][:3]
    found += [f"{path}: code in the text: {word}" for word in sorted(set(SNAKE_CASE.findall(text)))][:5]
    host = urlparse(base).netloc
    for attribute in ("href", "src", "action"):
        for value in page.eval_on_selector_all(
            f"[{attribute}]", f"nodes => nodes.map(n => n.getAttribute('{attribute}'))"
        ):
            target = urlparse(urljoin(page.url, value))
            if target.scheme in ("http", "https") and target.netloc != host:
                found.append(f"{path}: link to another host: {value}")
    return found


def screenshot(page: Page, username: str, path: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^a-z0-9]+", "-", path.strip("/").lower()) or "home"
    page.screenshot(path=SCREENSHOTS / f"{username}-{name}.png", full_page=True)


def pages_under_the_navigation(username: str) -> list[str]:
    campaign = Campaign.objects.filter(status=Campaign.Status.CLOSED).order_by("pk").first()
    draft = Campaign.objects.filter(status=Campaign.Status.DRAFT).order_by("pk").first()
    pages = [
        f"/campaigns/{campaign.pk}/",
        f"/campaigns/{campaign.pk}/copy/",
        f"/campaigns/{campaign.pk}/results/",
        f"/customers/{ContactHistory.objects.order_by('pk').first().customer_id}/",
        "/segments/lifecycle/",
        "/campaigns/policy/",
        f"/segments/{Segment.objects.order_by('pk').first().pk}/",
        f"/portfolios/{Portfolio.objects.order_by('pk').first().pk}/",
        "/search/?q=back",
        "/no-such-page/",
    ]
    if draft:
        pages += [f"/campaigns/{draft.pk}/", f"/campaigns/{draft.pk}/edit/"]
    job = jobs_visible_to(User.objects.get(username=username)).order_by("pk").first()
    if job:
        pages.append(f"/jobs/{job.pk}/")
    return pages


@pytest.mark.parametrize("username", ["marketer", "owner", "manager", "admin"])
def test_every_page_in_the_navigation_is_clean(desk_server, page: Page, username: str):
    base = desk_server.url
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, base, username)
    sections = page.eval_on_selector_all(
        ".desk-rail a[data-shortcut]", "links => links.map(a => a.getAttribute('href'))"
    )
    assert sections
    problems = []
    for path in ["/", *sections, *pages_under_the_navigation(username)]:
        if path.startswith("/admin/"):
            continue  # Django's own admin, styled its own way
        found = problems_on(page, base, path, errors)
        if path == "/no-such-page/":
            found = [problem for problem in found if "404" not in problem]
        elif "answered 403" in " ".join(found):
            found = [problem for problem in found if "answered 403" not in problem and "console" not in problem]
        problems += found
        screenshot(page, username, path)
    assert not problems, "\n".join(problems)
