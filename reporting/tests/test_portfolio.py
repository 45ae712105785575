"""The portfolio page, served by segments, shows the campaigns that spend its budget and what they measured."""

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
