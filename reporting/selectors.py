"""Reads: what campaigns measured, per campaign and rolled up for portfolios."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Max, Min
from django.utils import timezone

from campaigns.models import AudienceMember, Campaign, Treatment
from core.lib.database import json_read
from core.lib.quarters import prorate
from core.models import Job
from core.selectors import jobs_visible_to
from customers.models import EngagementEvent
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


# Campaigns with the totals of their shown results, read by one hand-written statement into models: the ORM's
# version (for the results list, the campaign list's query with portfolios, owners and treatment counts, and two
# subqueries into the results' JSON) cost the page more CPU to compile than everything else it does.
CAMPAIGNS_MEASURED_SQL = f"""
    SELECT c.*, latest.totals AS latest_totals, latest.computed_at AS latest_computed_at
    FROM {Campaign._meta.db_table} c
    LEFT JOIN LATERAL (
        SELECT payload -> 'totals' AS totals, computed_at FROM {CampaignResult._meta.db_table} result
        WHERE result.campaign_id = c.id AND result.payload IS NOT NULL  -- published: a run in progress has none
        ORDER BY result.version DESC LIMIT 1
    ) latest ON TRUE
    WHERE (%(statuses)s::text[] IS NULL OR c.status = ANY(%(statuses)s))
      AND (%(portfolio)s::bigint IS NULL OR c.portfolio_id = %(portfolio)s)
    ORDER BY c.year DESC, c.quarter DESC, c.start_date, c.name, c.id
"""


def _with_latest_totals(
    *, statuses: tuple[str, ...] | None = None, portfolio_id: int | None = None
) -> list[tuple[Campaign, Measured | None]]:
    """Each campaign asked for with the totals of its shown results (None where not measured)."""
    params = {"statuses": list(statuses) if statuses else None, "portfolio": portfolio_id}
    measured = []
    for campaign in Campaign.objects.raw(CAMPAIGNS_MEASURED_SQL, params):
        totals = json_read(campaign.latest_totals)
        measured.append((campaign, Measured(totals, campaign.latest_computed_at) if totals else None))
    return measured


def measured_campaigns() -> list[tuple[Campaign, Measured | None]]:
    """The campaigns that have contacted customers, for the results list."""
    return _with_latest_totals(statuses=SPENDING_STATUSES)


def portfolio_campaigns(portfolio_id: int) -> list[tuple[Campaign, Measured | None]]:
    return _with_latest_totals(portfolio_id=portfolio_id)


def portfolio_spending(campaigns: list[tuple[Campaign, Measured | None]]) -> dict[tuple[int, int], dict[str, int]]:
    """Per quarter: the cost booked by releases (committed) and the cost measured (spent), each campaign's
    charged to the quarters it runs in, pro rata to its days in each."""
    spending: dict[tuple[int, int], dict[str, int]] = {}
    for campaign, measured in campaigns:
        if campaign.status not in SPENDING_STATUSES:
            continue
        spent = round(measured.totals["contact_cost_cents"] + measured.totals["offer_cost_cents"]) if measured else 0
        days = (campaign.start_date, campaign.end_date)
        for key, amount in (("committed", campaign.committed_cents), ("spent", spent)):
            for quarter, share in prorate(amount, *days).items():
                spending.setdefault(quarter, {"committed": 0, "spent": 0})[key] += share
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


def results_may_compute(user: AbstractBaseUser, campaign: Campaign) -> bool:
    """Who computes a campaign's results, and so decides what they count: its owner or a manager."""
    return user.has_perm("campaigns.change_campaign", campaign)


def response_definition_editable(user: AbstractBaseUser, campaign: Campaign) -> bool:
    """Whether the user may change how the campaign's responses are counted now (it has contacted customers)."""
    return campaign.status in SPENDING_STATUSES and results_may_compute(user, campaign)


# Engagement events as the page names them.


def event_label(kind: str) -> str:
    return EngagementEvent.label(kind)


@dataclass(frozen=True)
class ResponseDefinition:
    """What counts as a response to one treatment, in words, and when its definition last changed."""

    treatment: Treatment
    counts: str
    changed_at: datetime | None


def response_counts(treatment: Treatment) -> str:
    """The treatment's response definition as a marketer would say it."""
    Response = Treatment.Response
    if treatment.response_kind == Response.CATEGORY:
        return f"A purchase in {treatment.response_category.name if treatment.response_category else '(no category)'}"
    if treatment.response_kind == Response.OFFER_CODE:
        return f"A purchase redeeming {treatment.response_offer_code or '(no code)'}"
    if treatment.response_kind == Response.EVENT:
        return event_label(treatment.response_event_kind) if treatment.response_event_kind else "(no event)"
    return "Any purchase"


def response_definitions(campaign: Campaign) -> list[ResponseDefinition]:
    """Every treatment's response definition, with the time of its last recorded change (two queries)."""
    treatments = campaign.treatments.select_related("response_category").order_by("priority", "code")
    changed = dict(
        Treatment.history.filter(campaign_id=campaign.pk)
        .values("id")
        .annotate(last=Max("history_date"))
        .values_list("id", "last")
    )
    return [
        ResponseDefinition(treatment=treatment, counts=response_counts(treatment), changed_at=changed.get(treatment.pk))
        for treatment in treatments
    ]
