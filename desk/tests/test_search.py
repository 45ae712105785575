"""The toolbar's search finds campaigns, segments, portfolios, offers, customers and jobs, grouped, and the
arrow keys walk the matches."""

from datetime import date

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from campaigns.services import campaign_create
from core.models import Job
from core.tests.test_browser import sign_in
from customers.tests.factories import CustomerFactory
from offers.models import Offer
from segments.models import LifecycleStage, Portfolio, Segment


@pytest.fixture
def harvest(marketer, segment_owner):
    """One of each thing, all named after the harvest."""
    portfolio = Portfolio.objects.create(
        stage=LifecycleStage.objects.get(code="new"), name="Harvest newcomers", owner=segment_owner
    )
    campaign_create(
        owner=marketer,
        name="Harvest festival",
        portfolio=portfolio,
        start_date=date(2026, 9, 1),
        end_date=date(2026, 9, 30),
        objective="traffic",
    )
    Segment.objects.create(name="Harvest shoppers", owner=marketer, rules={"all": []}, size=1234)
    Offer.objects.create(
        code="HARV10",
        name="Ten off the harvest box",
        kind="amount_off",
        value=10,
        valid_from=date(2026, 9, 1),
        valid_until=date(2026, 9, 30),
    )
    CustomerFactory(name="Hannah Harvest")
    Job.objects.create(kind=Job.Kind.DATABASE_REPORT, title="Harvest report", owner=marketer)


def groups_of(client, query: str) -> dict[str, list[str]]:
    groups = client.get(reverse("search"), {"q": query}).context["groups"]
    return {name: [hit.label for hit in hits] for name, hits in groups}


def test_search_finds_every_kind_of_thing_grouped_in_order(client, marketer, harvest):
    client.force_login(marketer)
    assert groups_of(client, "harvest") == {
        "Campaigns": ["Harvest festival"],
        "Segments": ["Harvest shoppers"],
        "Portfolios": ["Harvest newcomers"],
        "Offers": ["Ten off the harvest box"],
        "Customers": ["Hannah Harvest"],
        "Jobs": ["Harvest report"],
    }
    page = client.get(reverse("search"), {"q": "harvest"}).content.decode()
    assert "1,234 customers · owned by maria" in page
    assert "Amount off · code HARV10" in page


def test_an_offer_is_found_by_its_code_and_a_portfolio_by_its_stage(client, marketer, harvest):
    client.force_login(marketer)
    assert groups_of(client, "harv10") == {"Offers": ["Ten off the harvest box"]}
    assert groups_of(client, "New")["Portfolios"] == ["Harvest newcomers"]


def test_another_users_job_is_found_only_by_those_who_follow_every_job(client, harvest, segment_owner, manager):
    client.force_login(segment_owner)
    assert "Jobs" not in groups_of(client, "harvest")
    client.force_login(manager)
    assert groups_of(client, "harvest")["Jobs"] == ["Harvest report"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_arrow_keys_walk_the_matches_and_enter_opens_one(page: Page, live_server, marketer, harvest):
    sign_in(page, live_server, "maria")
    page.keyboard.press("/")
    page.keyboard.type("harvest")
    page.keyboard.press("Enter")
    expect(page.locator("[data-search-group]")).to_have_count(6)
    page.keyboard.press("ArrowDown")
    expect(page.locator("a.search-hit", has_text="Harvest festival")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.locator("a.search-hit", has_text="Harvest shoppers")).to_be_focused()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(page.locator("#global-search")).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.screenshot(path="test-results/search.png")
    page.keyboard.press("Enter")
    expect(page.locator(".desk-title")).to_contain_text("Harvest shoppers")
