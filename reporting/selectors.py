"""Reads: what campaigns measured, rolled up for portfolios."""

from django.db.models import OuterRef, Subquery

from campaigns.models import Campaign
from reporting.models import CampaignResult

SPENDING_STATUSES = (Campaign.Status.RELEASED, Campaign.Status.MEASURING, Campaign.Status.CLOSED)


def portfolio_campaigns(portfolio_id: int) -> list[tuple[Campaign, dict | None]]:
    """The portfolio's campaigns with the totals of their latest results (None where not measured), in one query."""
    latest_totals = (
        CampaignResult.objects.filter(campaign=OuterRef("pk")).order_by("-version").values("payload__totals")[:1]
    )
    campaigns = Campaign.objects.filter(portfolio_id=portfolio_id).annotate(latest_totals=Subquery(latest_totals))
    return [(campaign, campaign.latest_totals) for campaign in campaigns]


def portfolio_spending(campaigns: list[tuple[Campaign, dict | None]]) -> dict[tuple[int, int], dict[str, int]]:
    """Per quarter of these campaigns: the cost booked by releases (committed) and the cost measured (spent)."""
    spending: dict[tuple[int, int], dict[str, int]] = {}
    for campaign, totals in campaigns:
        if campaign.status not in SPENDING_STATUSES:
            continue
        quarter = spending.setdefault((campaign.year, campaign.quarter), {"committed": 0, "spent": 0})
        quarter["committed"] += campaign.committed_cents
        if totals:
            quarter["spent"] += round(totals["contact_cost_cents"] + totals["offer_cost_cents"])
    return spending
