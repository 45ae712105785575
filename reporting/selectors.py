"""Reads: what campaigns measured, per campaign and rolled up for portfolios."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Max, Min, OuterRef, QuerySet, Subquery
from django.utils import timezone

from campaigns.models import AudienceMember, Campaign
from campaigns.selectors import campaigns_list
from core.models import Job
from core.selectors import jobs_visible_to
from reporting.models import CampaignResult
from reporting.payload import Totals

SPENDING_STATUSES = (Campaign.Status.RELEASED, Campaign.Status.MEASURING, Campaign.Status.CLOSED)


@dataclass(frozen=True)
class Measured:
    """The totals of a campaign's shown results, and when they were computed."""

    totals: Totals
    computed_at: datetime


def latest_result(campaign: Campaign) -> CampaignResult | None:
    """The results shown for the campaign: its newest published run."""
    return CampaignResult.objects.published().filter(campaign=campaign).order_by("-version").first()


def with_latest_totals(campaigns: QuerySet[Campaign]) -> list[tuple[Campaign, Measured | None]]:
    """Each campaign with the totals of its shown results (None where not measured), in one query."""
    latest = CampaignResult.objects.published().filter(campaign=OuterRef("pk")).order_by("-version")
    campaigns = campaigns.annotate(
        latest_totals=Subquery(latest.values("payload__totals")[:1]),
        latest_computed_at=Subquery(latest.values("computed_at")[:1]),
    )
    return [
        (campaign, Measured(campaign.latest_totals, campaign.latest_computed_at) if campaign.latest_totals else None)
        for campaign in campaigns
    ]


def measured_campaigns() -> list[tuple[Campaign, Measured | None]]:
    """The campaigns that have contacted customers, for the results list."""
    return with_latest_totals(campaigns_list().filter(status__in=SPENDING_STATUSES))


def portfolio_campaigns(portfolio_id: int) -> list[tuple[Campaign, Measured | None]]:
    return with_latest_totals(Campaign.objects.filter(portfolio_id=portfolio_id))


def portfolio_spending(campaigns: list[tuple[Campaign, Measured | None]]) -> dict[tuple[int, int], dict[str, int]]:
    """Per quarter of these campaigns: the cost booked by releases (committed) and the cost measured (spent)."""
    spending: dict[tuple[int, int], dict[str, int]] = {}
    for campaign, measured in campaigns:
        if campaign.status not in SPENDING_STATUSES:
            continue
        quarter = spending.setdefault((campaign.year, campaign.quarter), {"committed": 0, "spent": 0})
        quarter["committed"] += campaign.committed_cents
        if measured:
            quarter["spent"] += round(measured.totals["contact_cost_cents"] + measured.totals["offer_cost_cents"])
    return spending


def results_job_pending(campaign: Campaign, user: AbstractBaseUser) -> Job | None:
    """The newest results job of the campaign that has not ended, if the user may follow it."""
    pending = jobs_visible_to(user).filter(kind=Job.Kind.RESULTS, params__campaign_id=campaign.pk)
    return pending.exclude(status__in=Job.FINISHED).order_by("-created_at", "-id").first()


@dataclass(frozen=True)
class ResponseWindow:
    """How much of a campaign's response window had passed when its shown results were computed."""

    opened: date
    days: int
    elapsed: int

    @property
    def closes(self) -> date:
        return self.opened + timedelta(days=self.days)

    @property
    def provisional(self) -> bool:
        return self.elapsed < self.days


def response_window(campaign: Campaign, *, computed_at: datetime) -> ResponseWindow | None:
    """The window from the first send date to the longest treatment window, as of `computed_at`."""
    opened = AudienceMember.objects.filter(campaign=campaign).aggregate(first=Min("contacted_on"))["first"]
    days = campaign.treatments.aggregate(longest=Max("response_window_days"))["longest"]
    if opened is None or days is None:
        return None
    elapsed = (timezone.localdate(computed_at) - opened).days
    return ResponseWindow(opened=opened, days=days, elapsed=max(0, min(elapsed, days)))
