"""The portfolio page, served by segments, shows the campaigns that spend its budget and what they measured;
it and the results list read them in a fixed number of queries."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import Campaign
from reporting.models import CampaignResult

TOTALS = {"incremental_margin_cents": 12_345, "net_cents": -2_000, "roi": -0.5, "contact_cost_cents": 3_000}


def test_the_portfolio_shows_its_campaigns_with_their_latest_results(client, make_campaign, portfolio):
    campaign = make_campaign(name="Welcome back")
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.MEASURING, committed_cents=5_000)
    for version, offer_cost in ((1, 99_999), (2, 1_000)):
        CampaignResult.objects.create(
            campaign=campaign, version=version, payload={"totals": {**TOTALS, "offer_cost_cents": offer_cost}}
        )
    client.force_login(portfolio.owner)
    page = client.get(reverse("segments:portfolio", args=[portfolio.pk])).content.decode()
    campaigns = page[page.index('id="portfolio-campaigns"') :]
    assert "Welcome back" in campaigns and "123.45" in campaigns
    budgets = page[page.index('id="budgets"') :]
    # 2026 Q3: a budget of 10,000.00, 50.00 committed, 40.00 spent (contacts and offers of the latest results).
    assert "10,000.00" in budgets and "50.00" in budgets and "40.00" in budgets


def measured_campaigns(make_campaign, count: int, start: int = 0) -> None:
    for number in range(start, start + count):
        campaign = make_campaign(name=f"Campaign {number}")
        Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.MEASURING)
        CampaignResult.objects.create(
            campaign=campaign, version=1, payload={"totals": {**TOTALS, "offer_cost_cents": 0, "treatment": 10}}
        )


def test_the_portfolio_and_results_pages_run_as_many_queries_for_ten_campaigns_as_for_two(
    client, make_campaign, portfolio, django_assert_max_num_queries
):
    measured_campaigns(make_campaign, 2)
    client.force_login(portfolio.owner)
    pages = [reverse("segments:portfolio", args=[portfolio.pk]), reverse("campaigns:results_list")]
    queries = {}
    for url in pages:
        with CaptureQueriesContext(connection) as made:
            assert client.get(url).status_code == 200
        queries[url] = len(made)
    measured_campaigns(make_campaign, 8, start=2)
    for url in pages:
        with django_assert_max_num_queries(queries[url]):
            assert "Campaign 9" in client.get(url).content.decode()
