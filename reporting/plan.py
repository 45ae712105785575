"""The quarter's plan: every campaign and treatment with its contacts and money, planned against measured.

One read of the quarter (`quarter_plan`) in a fixed number of queries whatever the number of campaigns, then
pure arithmetic for the budget grid and the weekly contact pressure. Money is in integer cents and every row of
the grid is the sum of the rows below it, so a total is always the sum of what is shown.

Where the figures come from:
- contacts: the treated members of the latest audience build; before a build, the segment's last count less
  the holdout (an estimate, marked as one), spread over stages as the segment's last count was;
- planned cost (campaigns not yet released): contacts times the cost per contact, plus the redemptions the
  expected response rate predicts times the cost per redemption, or, for best-offer treatments once offers are
  allocated, what the allocated offers are expected to cost;
- committed: the cost booked when the campaign was released, shared over its treatments by their planned cost;
- every amount is charged to the quarters the campaign runs in, pro rata to its days in each;
- spent: the contact and offer costs measured by the campaign's latest results;
- forecast net: expected incremental margin (contacts x response rate x order value x margin rate) less the
  planned or committed cost;
- measured net and ROI: the latest results' incremental margin less costs.
"""

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cached_property

from django.db import connection

from campaigns.models import AllocationRun, AudienceBuild, Campaign, ContactPolicy, Treatment
from campaigns.services.pressure import channel_caps
from campaigns.services.workflow import contact_policy
from core.lib.database import json_read
from core.lib.memo import remembered
from core.lib.quarters import prorate, quarter_bounds
from customers.models import Channel, ConsentChannel, Customer
from customers.selectors import customers_version
from reporting.models import CampaignResult
from segments.models import BudgetRequest, LifecycleStage, Portfolio, PortfolioBudget, Segment, StagingRun

RELEASED = (Campaign.Status.RELEASED, Campaign.Status.MEASURING, Campaign.Status.CLOSED)
NO_PORTFOLIO = 0


@dataclass
class PlannedTreatment:
    campaign: Campaign
    treatment: Treatment
    contacts: int
    exact: bool  # counted from the audience build, not estimated from the segment
    stages: dict[int, int]  # contacts per stage id, where the build counted them
    planned_cents: int = 0
    committed_cents: int = 0
    spent_cents: int = 0
    forecast_net_cents: int = 0
    measured_margin_cents: int | None = None
    measured_net_cents: int | None = None

    @property
    def released(self) -> bool:
        return self.campaign.status in RELEASED


@dataclass
class QuarterPlan:
    year: int
    quarter: int
    first: date
    last: date
    campaigns: list[Campaign]
    treatments: list[PlannedTreatment]
    portfolios: list[Portfolio]
    budgets: dict[int, PortfolioBudget]
    pending: dict[int, BudgetRequest]
    measured: dict[int, dict] = field(default_factory=dict)  # campaign id: totals of its latest results

    # Read when the contact pressure is asked for: the portfolios page, which shows none, does not read them.
    @cached_property
    def policy(self) -> ContactPolicy:
        return contact_policy()

    @cached_property
    def caps(self) -> dict:
        return channel_caps()

    def by_campaign(self) -> dict[int, list[PlannedTreatment]]:
        """The treatments of each campaign, by campaign id, in one pass over the quarter."""
        grouped: dict[int, list[PlannedTreatment]] = defaultdict(list)
        for row in self.treatments:
            grouped[row.treatment.campaign_id].append(row)
        return grouped


# The quarter's campaigns, treatments and segments are read by hand-written statements into models (`raw`): built
# by the ORM, the plan's queries cost more CPU to compile than the rest of the page, and the plan is the page the
# desk opens most after the home page. Each campaign's portfolio is the one read for the portfolio rows.
QUARTER_CAMPAIGNS_SQL = f"""
    SELECT * FROM {Campaign._meta.db_table}
    -- A campaign belongs to the quarter it is charged to; one that only runs into it is shown on the calendar.
    WHERE ((year = %(year)s AND quarter = %(quarter)s) OR (start_date <= %(last)s AND end_date >= %(first)s))
      AND status <> %(cancelled)s  -- dropped from the plan: it spends and contacts nothing
    ORDER BY start_date, name, id
"""
QUARTER_TREATMENTS_SQL = f"""
    SELECT * FROM {Treatment._meta.db_table} WHERE campaign_id = ANY(%(ids)s) ORDER BY campaign_id, priority, id
"""
QUARTER_SEGMENTS_SQL = f"""
    SELECT * FROM {Segment._meta.db_table}
    WHERE id IN (SELECT segment_id FROM {Treatment._meta.db_table} WHERE campaign_id = ANY(%(ids)s))
"""
QUARTER_BUDGETS_SQL = f"SELECT * FROM {PortfolioBudget._meta.db_table} WHERE year = %(year)s AND quarter = %(quarter)s"
QUARTER_PENDING_SQL = f"""
    SELECT * FROM {BudgetRequest._meta.db_table}
    WHERE year = %(year)s AND quarter = %(quarter)s AND status = %(pending)s ORDER BY requested_at
"""
LATEST_BUILDS_SQL = f"""
    SELECT DISTINCT ON (campaign_id) campaign_id, version, counts FROM {AudienceBuild._meta.db_table}
    WHERE campaign_id = ANY(%(ids)s) ORDER BY campaign_id, version DESC
"""


def quarter_plan(year: int, quarter: int) -> QuarterPlan:
    first, last = quarter_bounds(year, quarter)
    params = {
        "year": year,
        "quarter": quarter,
        "first": first,
        "last": last,
        "cancelled": Campaign.Status.CANCELLED,
        "pending": BudgetRequest.Status.PENDING,
    }
    portfolios = list(Portfolio.objects.select_related("stage", "owner"))
    portfolio_by_id = {portfolio.pk: portfolio for portfolio in portfolios}
    campaigns = list(Campaign.objects.raw(QUARTER_CAMPAIGNS_SQL, params))
    for campaign in campaigns:
        if campaign.portfolio_id is not None:
            campaign.portfolio = portfolio_by_id[campaign.portfolio_id]
    ids = [campaign.pk for campaign in campaigns]
    treatments = list(Treatment.objects.raw(QUARTER_TREATMENTS_SQL, {"ids": ids})) if ids else []
    segments = {segment.pk: segment for segment in Segment.objects.raw(QUARTER_SEGMENTS_SQL, {"ids": ids})}
    for treatment in treatments:
        treatment.segment = segments.get(treatment.segment_id)
    builds = _latest_builds(ids)
    allocated = _allocated_cost(ids, builds)
    measured, measured_treatments = _measured(ids)
    by_id = {campaign.pk: campaign for campaign in campaigns}
    arms: dict[int, int] = defaultdict(int)
    for treatment in treatments:
        arms[treatment.campaign_id] += 1
    rows = []
    for treatment in treatments:
        campaign = by_id[treatment.campaign_id]
        build = builds.get(campaign.pk)
        counted = (build or {}).get(treatment.code)
        if counted is not None:
            contacts, exact = int(counted.get("treatment", 0)), True
            stages = {int(stage): int(n) for stage, n in counted.get("stages", {}).items()}
        else:
            contacts, exact = _estimate(campaign, treatment, arms[campaign.pk]), False
            stages = _spread(contacts, treatment.segment.stage_counts if treatment.segment else {})
        if not stages and campaign.portfolio_id:
            stages = {campaign.portfolio.stage_id: contacts}
        rows.append(PlannedTreatment(campaign, treatment, contacts, exact, stages))
    _share_offer_costs(rows, allocated)
    for row in rows:
        figures = measured_treatments.get(row.treatment.pk)
        if figures:
            row.spent_cents = round(figures["cost"])
            row.measured_margin_cents = round(figures["margin"])
            row.measured_net_cents = round(figures["net"])
    _share_commitments(rows, campaigns)
    for row in rows:
        cost = row.committed_cents if row.released else row.planned_cents
        row.forecast_net_cents = round(_expected_margin(row)) - cost
    return QuarterPlan(
        year=year,
        quarter=quarter,
        first=first,
        last=last,
        campaigns=campaigns,
        treatments=rows,
        portfolios=portfolios,
        budgets={budget.portfolio_id: budget for budget in PortfolioBudget.objects.raw(QUARTER_BUDGETS_SQL, params)},
        pending={request.portfolio_id: request for request in BudgetRequest.objects.raw(QUARTER_PENDING_SQL, params)},
        measured=measured,
    )


def _latest_builds(campaign_ids: list[int]) -> dict[int, dict]:
    """Each campaign's latest audience build counts, per treatment code."""
    if not campaign_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(LATEST_BUILDS_SQL, {"ids": campaign_ids})
        rows = cursor.fetchall()
    return {campaign_id: {**json_read(counts), "_version": version} for campaign_id, version, counts in rows}


ALLOCATED_COST_SQL = f"""
    SELECT DISTINCT ON (run.campaign_id) run.campaign_id,
           (SELECT COALESCE(SUM((offer ->> 'spent_cents')::float8), 0) FROM jsonb_array_elements(run.per_offer) offer)
    FROM {AllocationRun._meta.db_table} run
    JOIN unnest(%(ids)s::bigint[], %(versions)s::bigint[]) AS latest (campaign_id, version)
      ON latest.campaign_id = run.campaign_id AND latest.version = run.build_version
    WHERE run.status = %(published)s
    ORDER BY run.campaign_id, run.created_at DESC
"""


def _allocated_cost(campaign_ids: list[int], builds: dict[int, dict]) -> dict[int, float]:
    """Per campaign: the expected cost of the offers allocated to its current build's best-offer members (the
    newest published allocation of that build), summed where the runs are kept: a run lists every offer."""
    current = [(campaign_id, builds[campaign_id]["_version"]) for campaign_id in campaign_ids if campaign_id in builds]
    if not current:
        return {}
    ids, versions = zip(*current, strict=True)
    with connection.cursor() as cursor:
        cursor.execute(
            ALLOCATED_COST_SQL,
            {"ids": list(ids), "versions": list(versions), "published": AllocationRun.Status.PUBLISHED},
        )
        return {campaign_id: cost for campaign_id, cost in cursor.fetchall()}


MEASURED_SQL = f"""
    SELECT DISTINCT ON (campaign_id) campaign_id, payload -> 'totals', payload -> 'treatments'
    FROM {CampaignResult._meta.db_table}
    WHERE campaign_id = ANY(%(ids)s) AND payload IS NOT NULL
    ORDER BY campaign_id, version DESC
"""


def _measured(campaign_ids: list[int]) -> tuple[dict[int, dict], dict[int, dict]]:
    """The latest results' totals per campaign, and cost, incremental margin and net per treatment."""
    if not campaign_ids:
        return {}, {}
    with connection.cursor() as cursor:
        cursor.execute(MEASURED_SQL, {"ids": campaign_ids})
        rows = cursor.fetchall()
    totals, treatments = {}, {}
    for campaign_id, campaign_totals, campaign_treatments in rows:
        totals[campaign_id] = json_read(campaign_totals)
        for result in json_read(campaign_treatments) or []:
            cost = result.get("contact_cost_cents", 0) + result.get("offer_cost_cents", 0)
            treatments[result["treatment_id"]] = {
                "cost": cost,
                "margin": result.get("incremental_margin_cents", 0),
                "net": result.get("net_cents", 0),
            }
    return totals, treatments


def _holdout(campaign: Campaign, treatment: Treatment) -> float:
    share = campaign.shared_control_share if campaign.shares_control else treatment.holdout_share
    return float(share)


def _estimate(campaign: Campaign, treatment: Treatment, arms: int) -> int:
    """Treated contacts before a build: the segment's last count less the holdout (and, with a shared
    control, spread evenly over the campaign's `arms` treatments)."""
    size = (treatment.segment.size or 0) if treatment.segment else 0
    spread = arms if campaign.shares_control and arms else 1
    return round(size * (1 - _holdout(campaign, treatment)) / spread)


def _spread(contacts: int, stage_counts: dict[str, int]) -> dict[int, int]:
    """Estimated contacts shared over the stages of the segment's last count, in proportion."""
    total = sum(stage_counts.values())
    if not total:
        return {}
    return {int(stage): round(contacts * count / total) for stage, count in stage_counts.items() if count}


def _share_offer_costs(rows: list[PlannedTreatment], allocated: dict[int, float]) -> None:
    """Planned cost per treatment; a campaign's allocated offers are shared over its best-offer treatments by
    their contacts (the allocation prices offers for the campaign as a whole)."""
    best_contacts: dict[int, int] = defaultdict(int)
    for row in rows:
        if row.treatment.offer_strategy == Treatment.OfferStrategy.BEST_N:
            best_contacts[row.campaign.pk] += row.contacts
    for row in rows:
        treatment, campaign_id = row.treatment, row.campaign.pk
        contact = row.contacts * treatment.cost_per_contact_cents
        if treatment.offer_strategy == Treatment.OfferStrategy.BEST_N and campaign_id in allocated:
            share = row.contacts / best_contacts[campaign_id] if best_contacts[campaign_id] else 0
            row.planned_cents = round(contact + allocated[campaign_id] * share)
            continue
        redemptions = row.contacts * float(treatment.expected_response_rate) * treatment.cost_per_redemption_cents
        row.planned_cents = round(contact + redemptions)


def _expected_margin(row: PlannedTreatment) -> float:
    treatment = row.treatment
    responders = row.contacts * float(treatment.expected_response_rate)
    return responders * treatment.expected_order_value_cents * float(treatment.expected_margin_rate)


def _share_commitments(rows: list[PlannedTreatment], campaigns: list[Campaign]) -> None:
    """Share each released campaign's committed cost over its treatments by their planned cost, to the cent."""
    by_campaign: dict[int, list[PlannedTreatment]] = defaultdict(list)
    for row in rows:
        by_campaign[row.treatment.campaign_id].append(row)
    for campaign in campaigns:
        if campaign.status not in RELEASED:
            continue
        mine = by_campaign.get(campaign.pk)
        if not mine:
            continue
        weights = [max(row.planned_cents, 0) for row in mine]
        if not sum(weights):
            weights = [1] * len(mine)
        shares = [campaign.committed_cents * weight // sum(weights) for weight in weights]
        remainder = campaign.committed_cents - sum(shares)
        order = sorted(range(len(mine)), key=lambda i: -(campaign.committed_cents * weights[i] % sum(weights)))
        for index in order[:remainder]:
            shares[index] += 1
        for row, share in zip(mine, shares, strict=True):
            row.committed_cents = share


# The budget grid


@dataclass
class GridRow:
    key: str
    label: str
    budget: int | None  # None on channel rows: budgets are set per portfolio
    planned: int
    committed: int
    spent: int
    forecast_net: int
    measured_net: int | None
    pending: int | None = None  # a budget change waiting for a manager
    portfolio_id: int | None = None
    children: list["GridRow"] = field(default_factory=list)

    @property
    def remaining(self) -> int | None:
        return None if self.budget is None else self.budget - self.committed - self.planned

    def as_dict(self) -> dict:
        row = {
            "key": self.key,
            "label": self.label,
            "budget": self.budget,
            "planned": self.planned,
            "committed": self.committed,
            "spent": self.spent,
            "forecast_net": self.forecast_net,
            "measured_net": self.measured_net,
            "remaining": self.remaining,
            "pending": self.pending,
            "portfolio_id": self.portfolio_id,
        }
        if self.children:
            row["_children"] = [child.as_dict() for child in self.children]
        return row


def _sum_rows(key: str, label: str, rows: list[PlannedTreatment]) -> GridRow:
    measured = [row.measured_net_cents for row in rows if row.measured_net_cents is not None]
    return GridRow(
        key=key,
        label=label,
        budget=None,
        planned=sum(row.planned_cents for row in rows if not row.released),
        committed=sum(row.committed_cents for row in rows if row.released),
        spent=sum(row.spent_cents for row in rows),
        forecast_net=sum(row.forecast_net_cents for row in rows),
        measured_net=sum(measured) if measured else None,
    )


MONEY = ("planned_cents", "committed_cents", "spent_cents", "forecast_net_cents", "measured_net_cents")


def _in_quarter(row: PlannedTreatment, plan: QuarterPlan) -> PlannedTreatment:
    """The row's money charged to the plan's quarter: a campaign is charged to the quarters it runs in, pro
    rata to its days in each (as releases book it)."""
    campaign = row.campaign
    share = {
        name: prorate(getattr(row, name), campaign.start_date, campaign.end_date).get((plan.year, plan.quarter), 0)
        for name in MONEY
        if getattr(row, name) is not None
    }
    return replace(row, **share)


def budget_grid(plan: QuarterPlan) -> tuple[list[GridRow], GridRow]:
    """A row per portfolio with a row per channel inside it, and the totals row (the sum of the portfolios)."""
    charged = [_in_quarter(row, plan) for row in plan.treatments]
    by_portfolio: dict[int, list[PlannedTreatment]] = defaultdict(list)
    for row in charged:
        by_portfolio[row.campaign.portfolio_id or NO_PORTFOLIO].append(row)
    grid = []
    for portfolio in plan.portfolios:
        grid.append(_portfolio_row(plan, portfolio.pk, str(portfolio), by_portfolio.get(portfolio.pk, [])))
    if by_portfolio.get(NO_PORTFOLIO):
        grid.append(_portfolio_row(plan, NO_PORTFOLIO, "No portfolio", by_portfolio[NO_PORTFOLIO]))
    measured = [row.measured_net for row in grid if row.measured_net is not None]
    total = GridRow(
        key="total",
        label="Total",
        budget=sum(row.budget or 0 for row in grid),
        planned=sum(row.planned for row in grid),
        committed=sum(row.committed for row in grid),
        spent=sum(row.spent for row in grid),
        forecast_net=sum(row.forecast_net for row in grid),
        measured_net=sum(measured) if measured else None,
    )
    return grid, total


def _portfolio_row(plan: QuarterPlan, portfolio_id: int, label: str, rows: list[PlannedTreatment]) -> GridRow:
    channels: dict[str, list[PlannedTreatment]] = defaultdict(list)
    for row in rows:
        channels[row.treatment.channel].append(row)
    children = [
        _sum_rows(f"{portfolio_id}-{channel}", Channel(channel).label, channels[channel])
        for channel in Channel.values
        if channel in channels
    ]
    measured = [child.measured_net for child in children if child.measured_net is not None]
    budget = plan.budgets.get(portfolio_id)
    pending = plan.pending.get(portfolio_id)
    return GridRow(
        key=str(portfolio_id),
        label=label,
        budget=budget.amount_cents if budget else 0,
        planned=sum(child.planned for child in children),
        committed=sum(child.committed for child in children),
        spent=sum(child.spent for child in children),
        forecast_net=sum(child.forecast_net for child in children),
        measured_net=sum(measured) if measured else None,
        pending=pending.amount_cents if pending else None,
        portfolio_id=portfolio_id or None,
        children=children,
    )


# Contact pressure


def weeks(plan: QuarterPlan) -> list[date]:
    """The Mondays of the weeks that touch the quarter."""
    monday = plan.first - timedelta(days=plan.first.weekday())
    result = []
    while monday <= plan.last:
        result.append(monday)
        monday += timedelta(days=7)
    return result


def send_day(row: PlannedTreatment) -> date:
    campaign = row.campaign
    return campaign.released_at.date() if campaign.released_at else campaign.start_date


@dataclass(frozen=True)
class Pressure:
    """Contacts per week, and contacts per customer over the cap's window ending each week, for one key."""

    key: str
    label: str
    per_week: list[int]
    per_customer: list[float]
    estimated: list[int]  # of per_week, the contacts estimated from segment counts
    cap: float | None


def pressure_by_channel(plan: QuarterPlan, consenting: dict[str, int]) -> list[Pressure]:
    result = []
    for channel in Channel.values:
        rows = [row for row in plan.treatments if row.treatment.channel == channel]
        if not rows:
            continue
        cap = plan.caps.get(channel)
        window = cap.window_days if cap else plan.policy.window_days
        limit = cap.max_contacts if cap else plan.policy.max_contacts
        contacts = [(send_day(row), row.contacts, row.exact) for row in rows]
        label = Channel(channel).label
        result.append(_pressure(plan, channel, label, contacts, consenting.get(channel), window, limit))
    return result


def pressure_by_stage(plan: QuarterPlan, stages: dict[int, tuple[str, int]]) -> list[Pressure]:
    """Per lifecycle stage: `stages` maps stage id to its name and size."""
    per_stage: dict[int, list[tuple[date, int, bool]]] = defaultdict(list)
    for row in plan.treatments:
        for stage_id, contacts in row.stages.items():
            per_stage[stage_id].append((send_day(row), contacts, row.exact))
    window, limit = plan.policy.window_days, plan.policy.max_contacts
    return [
        _pressure(plan, str(stage_id), name, per_stage[stage_id], size, window, limit)
        for stage_id, (name, size) in stages.items()
        if per_stage.get(stage_id)
    ]


def _pressure(
    plan: QuarterPlan,
    key: str,
    label: str,
    contacts: list[tuple[date, int, bool]],
    base: int | None,
    window_days: int,
    limit: int,
) -> Pressure:
    mondays = weeks(plan)
    per_week, estimated, per_customer = [], [], []
    for monday in mondays:
        sunday = monday + timedelta(days=6)
        per_week.append(sum(n for day, n, _ in contacts if monday <= day <= sunday))
        estimated.append(sum(n for day, n, exact in contacts if monday <= day <= sunday and not exact))
        in_window = sum(n for day, n, _ in contacts if sunday - timedelta(days=window_days - 1) <= day <= sunday)
        per_customer.append(in_window / base if base else 0.0)
    return Pressure(key, label, per_week, per_customer, estimated, float(limit))


def consenting_customers() -> dict[str, int]:
    """Customers each channel may reach (consent where the channel needs it): one scan of the customers, made
    again when an import or an erasure changed them. An edit in the admin site is no job: it shows within ten
    minutes."""
    return remembered(f"plan:consenting:{customers_version()}", _consenting_counted, seconds=600)


def _consenting_counted() -> dict[str, int]:
    columns = ", ".join(f"count(*) FILTER (WHERE consent_{channel})" for channel in ConsentChannel.values)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*), {columns} FROM {Customer._meta.db_table}")
        everyone, *consents = cursor.fetchone()
    counts = {channel: everyone for channel in Channel.values}
    counts.update(dict(zip(ConsentChannel.values, consents, strict=True)))
    return counts


STAGE_SIZES_SQL = f"""
    SELECT stage.id, stage.name, coalesce((latest.counts ->> stage.code)::bigint, 0)
    FROM {LifecycleStage._meta.db_table} stage
    LEFT JOIN (SELECT counts FROM {StagingRun._meta.db_table} ORDER BY period_end DESC LIMIT 1) latest ON TRUE
    ORDER BY stage.position, stage.id
"""


def stage_sizes() -> dict[int, tuple[str, int]]:
    """Stage id: name and customers, from the latest staging (one hand-written statement: the plan reads it on
    every look)."""
    with connection.cursor() as cursor:
        cursor.execute(STAGE_SIZES_SQL)
        return {stage_id: (name, int(customers)) for stage_id, name, customers in cursor.fetchall()}


@dataclass(frozen=True)
class Cadence:
    """A portfolio's planned contacts per customer of its stage in the quarter, against its cadence goals."""

    portfolio: Portfolio
    contacts: int
    customers: int
    least: int | None
    most: int | None

    @property
    def per_customer(self) -> float | None:
        return self.contacts / self.customers if self.customers else None

    @property
    def verdict(self) -> str:
        rate = self.per_customer
        if rate is None or (self.least is None and self.most is None):
            return ""
        if self.least is not None and rate < self.least:
            return "below"
        if self.most is not None and rate > self.most:
            return "above"
        return "within"


def cadence(plan: QuarterPlan, stages: dict[int, tuple[str, int]]) -> list[Cadence]:
    """Contacts sent in the quarter to each portfolio's stage (by every campaign, whatever its portfolio)."""
    contacts: dict[int, int] = defaultdict(int)
    for row in plan.treatments:
        if plan.first <= send_day(row) <= plan.last:
            for stage_id, count in row.stages.items():
                contacts[stage_id] += count
    return [
        Cadence(
            portfolio,
            contacts.get(portfolio.stage_id, 0),
            stages.get(portfolio.stage_id, ("", 0))[1],
            portfolio.cadence_min,
            portfolio.cadence_max,
        )
        for portfolio in plan.portfolios
    ]
