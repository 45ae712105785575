"""Reading scenarios: a quarter's plan, or a scenario of it, as plain lines, and what they are forecast to return.

The plan and every scenario come down to the same lines (campaigns, each with its treatments' forecast inputs),
so the plan, a scenario and a comparison of several are forecast by the same arithmetic (`reporting.forecast`).
Inputs of a campaign copied from the plan are its treatments' medians of measured history where there is some
(`reporting.history`), its own planning inputs otherwise; a released campaign's costs are what it committed.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from campaigns.models import Campaign
from campaigns.services.pressure import channel_caps
from campaigns.services.workflow import contact_policy
from core.lib.quarters import quarter_bounds
from customers.models import Channel
from reporting import plan as planning
from reporting.forecast import Assumptions, Forecast, Inputs, adjusted, forecast, total
from reporting.history import past_history
from reporting.models import Scenario, ScenarioCampaign, ScenarioTreatment
from segments.models import Portfolio, PortfolioBudget

NO_PORTFOLIO = 0


@dataclass
class TreatmentLine:
    code: str
    channel: str
    stage_id: int | None
    inputs: Inputs
    exact: bool
    results: int  # past measured treatments behind the inputs; 0 for planning inputs
    treatment_id: int | None = None
    pk: int | None = None  # the scenario's row
    changed: bool = False
    holdout_share: Decimal | None = None
    changed_inputs: tuple[str, ...] = ()  # what was changed in the scenario, for promotion to write back

    @property
    def channel_label(self) -> str:
        return Channel(self.channel).label


@dataclass
class CampaignLine:
    name: str
    campaign_id: int | None
    portfolio_id: int | None
    start_date: date
    end_date: date
    send_date: date
    status: str  # empty for a campaign a scenario adds
    released: bool
    treatments: list[TreatmentLine]
    dropped: bool = False
    template_id: int | None = None
    pk: int | None = None
    dates_changed: bool = False

    @property
    def key(self) -> str:
        """The same campaign in the plan and in every scenario copied from it; an added one by its name."""
        return f"campaign-{self.campaign_id}" if self.campaign_id else f"added-{self.name}"

    @property
    def added(self) -> bool:
        return not self.status

    @property
    def status_label(self) -> str:
        return Campaign.Status(self.status).label if self.status else ""


@dataclass
class Version:
    """The plan or one scenario of a quarter, as lines."""

    label: str
    year: int
    quarter: int
    campaigns: list[CampaignLine]
    assumptions: Assumptions = field(default_factory=Assumptions)
    scenario: Scenario | None = None


def plan_version(year: int, quarter: int) -> Version:
    """The quarter's plan as it stands: the campaigns charged to it, with history's inputs where there is some."""
    plan = planning.quarter_plan(year, quarter)
    history = past_history(plan.first)
    by_campaign: dict[int, list[TreatmentLine]] = defaultdict(list)
    for row in plan.treatments:
        campaign = row.campaign
        if (campaign.year, campaign.quarter) != (year, quarter):
            continue
        stage_id = campaign.portfolio.stage_id if campaign.portfolio_id else None
        defaults = history.defaults(channel=row.treatment.channel, stage_id=stage_id, own=row.treatment)
        inputs = Inputs(
            contacts=row.contacts,
            response_rate=defaults.response_rate,
            response_low=defaults.response_low,
            response_high=defaults.response_high,
            order_value_cents=defaults.order_value_cents,
            margin_rate=defaults.margin_rate,
            cost_per_contact_cents=row.treatment.cost_per_contact_cents,
            cost_per_redemption_cents=row.treatment.cost_per_redemption_cents,
            committed_cents=row.committed_cents if row.released else None,
        )
        by_campaign[campaign.pk].append(
            TreatmentLine(
                code=row.treatment.code,
                channel=row.treatment.channel,
                stage_id=stage_id,
                inputs=inputs,
                exact=row.exact,
                results=defaults.results,
                treatment_id=row.treatment.pk,
                holdout_share=row.treatment.holdout_share,
            )
        )
    lines = [
        CampaignLine(
            name=campaign.name,
            campaign_id=campaign.pk,
            portfolio_id=campaign.portfolio_id,
            start_date=campaign.start_date,
            end_date=campaign.end_date,
            send_date=campaign.released_at.date() if campaign.released_at else campaign.start_date,
            status=campaign.status,
            released=campaign.status in planning.RELEASED,
            treatments=by_campaign[campaign.pk],
        )
        for campaign in plan.campaigns
        if (campaign.year, campaign.quarter) == (year, quarter)
    ]
    return Version(label="The plan", year=year, quarter=quarter, campaigns=lines)


def scenario_version(scenario: Scenario) -> Version:
    """A scenario as lines: two queries whatever its size."""
    campaigns = list(ScenarioCampaign.objects.filter(scenario=scenario))
    treatments: dict[int, list[TreatmentLine]] = defaultdict(list)
    for row in ScenarioTreatment.objects.filter(scenario_campaign__scenario=scenario):
        treatments[row.scenario_campaign_id].append(
            TreatmentLine(
                code=row.code,
                channel=row.channel,
                stage_id=row.stage_id,
                inputs=Inputs(
                    contacts=row.contacts,
                    response_rate=row.response_rate,
                    response_low=row.response_low,
                    response_high=row.response_high,
                    order_value_cents=row.order_value_cents,
                    margin_rate=row.margin_rate,
                    cost_per_contact_cents=row.cost_per_contact_cents,
                    cost_per_redemption_cents=row.cost_per_redemption_cents,
                    committed_cents=row.committed_cents,
                ),
                exact=row.exact,
                results=row.results,
                treatment_id=row.treatment_id,
                pk=row.pk,
                changed=row.changed,
                holdout_share=row.holdout_share,
                changed_inputs=tuple(row.changed_inputs or ()),
            )
        )
    lines = [
        CampaignLine(
            name=line.name,
            campaign_id=line.campaign_id,
            portfolio_id=line.portfolio_id,
            start_date=line.start_date,
            end_date=line.end_date,
            send_date=line.send_date,
            status=line.status,
            released=line.released,
            treatments=treatments[line.pk],
            dropped=line.dropped,
            template_id=line.template_id,
            pk=line.pk,
            dates_changed=line.dates_changed,
        )
        for line in campaigns
    ]
    return Version(
        label=scenario.name,
        year=scenario.year,
        quarter=scenario.quarter,
        campaigns=lines,
        assumptions=assumptions_of(scenario),
        scenario=scenario,
    )


def assumptions_of(scenario: Scenario) -> Assumptions:
    return Assumptions(
        response=float(scenario.response_change) / 100,
        order_value=float(scenario.order_value_change) / 100,
        margin=float(scenario.margin_change) / 100,
        cost_per_channel={channel: float(change) / 100 for channel, change in (scenario.cost_changes or {}).items()},
    )


# The forecast of a version


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    forecast: Forecast
    budget_cents: int | None = None
    dropped: bool = False
    added: bool = False

    @property
    def budget_left_cents(self) -> int | None:
        return None if self.budget_cents is None else self.budget_cents - self.forecast.costs_cents


@dataclass(frozen=True)
class ChannelPressure:
    """Contacts per week on a channel, and per reachable customer in the cap's window, against the cap."""

    channel: str
    label: str
    per_week: list[int]
    per_customer: list[float]
    cap: float

    @property
    def peak(self) -> float:
        return max(self.per_customer, default=0.0)

    @property
    def busiest(self) -> int:
        return max(self.per_week, default=0)

    @property
    def weeks_over(self) -> int:
        return sum(1 for rate in self.per_customer if rate > self.cap)


@dataclass(frozen=True)
class Outlook:
    version: Version
    campaigns: list[Row]
    portfolios: list[Row]
    total: Row
    mondays: list[date]
    pressure: list[ChannelPressure]


@dataclass(frozen=True)
class QuarterFacts:
    """What a forecast needs besides the lines: the quarter's budgets, portfolios, caps and reachable customers."""

    first: date
    last: date
    portfolios: dict[int, str]
    budgets: dict[int, int]
    caps: dict[str, tuple[int, int]]  # channel: at most so many contacts in so many days
    reachable: dict[str, int]


def quarter_facts(year: int, quarter: int) -> QuarterFacts:
    first, last = quarter_bounds(year, quarter)
    policy = contact_policy()
    caps = {channel: (policy.max_contacts, policy.window_days) for channel in Channel.values}
    caps.update({channel: (cap.max_contacts, cap.window_days) for channel, cap in channel_caps().items()})
    return QuarterFacts(
        first=first,
        last=last,
        portfolios={portfolio.pk: str(portfolio) for portfolio in Portfolio.objects.all()},
        budgets=dict(
            PortfolioBudget.objects.filter(year=year, quarter=quarter).values_list("portfolio_id", "amount_cents")
        ),
        caps=caps,
        reachable=planning.consenting_customers(),
    )


def outlook(version: Version, facts: QuarterFacts) -> Outlook:
    """The version's forecast per campaign, per portfolio and in total, and its contact pressure per week."""
    campaign_rows, by_portfolio = [], defaultdict(list)
    for line in version.campaigns:
        figures = total([forecast(adjusted(one.inputs, version.assumptions, one.channel)) for one in line.treatments])
        campaign_rows.append(Row(line.key, line.name, figures, dropped=line.dropped, added=line.added))
        if not line.dropped:
            by_portfolio[line.portfolio_id or NO_PORTFOLIO].append(figures)
    portfolio_rows = [
        Row(str(pk), name, total(by_portfolio.get(pk, [])), facts.budgets.get(pk, 0))
        for pk, name in facts.portfolios.items()
    ]
    if by_portfolio.get(NO_PORTFOLIO):
        portfolio_rows.append(Row("none", "No portfolio", total(by_portfolio[NO_PORTFOLIO]), 0))
    grand = Row(
        "total",
        "Total",
        total([row.forecast for row in portfolio_rows]),
        sum(row.budget_cents or 0 for row in portfolio_rows),
    )
    mondays = _mondays(facts.first, facts.last)
    return Outlook(version, campaign_rows, portfolio_rows, grand, mondays, _pressure(version, facts, mondays))


def _mondays(first: date, last: date) -> list[date]:
    monday, result = first - timedelta(days=first.weekday()), []
    while monday <= last:
        result.append(monday)
        monday += timedelta(days=7)
    return result


def _pressure(version: Version, facts: QuarterFacts, mondays: list[date]) -> list[ChannelPressure]:
    sends: dict[str, list[tuple[date, int]]] = defaultdict(list)
    for line in version.campaigns:
        if not line.dropped:
            for one in line.treatments:
                sends[one.channel].append((line.send_date, one.inputs.contacts))
    result = []
    for channel in Channel.values:
        if channel not in sends:
            continue
        limit, window = facts.caps[channel]
        reachable = facts.reachable.get(channel) or 0
        per_week, per_customer = [], []
        for monday in mondays:
            sunday = monday + timedelta(days=6)
            per_week.append(sum(n for day, n in sends[channel] if monday <= day <= sunday))
            in_window = sum(n for day, n in sends[channel] if sunday - timedelta(days=window - 1) <= day <= sunday)
            per_customer.append(in_window / reachable if reachable else 0.0)
        result.append(ChannelPressure(channel, Channel(channel).label, per_week, per_customer, float(limit)))
    return result


# Comparing versions side by side


@dataclass(frozen=True)
class Cell:
    value: float | int | None
    difference: float | int | None = None  # from the first version; None in the first column
    better: bool | None = None  # whether the difference is good news (None: no difference)


@dataclass(frozen=True)
class Line:
    label: str
    kind: str  # "money", "count", "ratio", "rate"
    cells: list[Cell]


TOTAL_METRICS = [
    ("Contacts", "count", lambda row: row.forecast.contacts, None),
    ("Incremental responders", "count", lambda row: round(row.forecast.responders), True),
    ("Incremental margin", "money", lambda row: row.forecast.margin_cents, True),
    ("Costs", "money", lambda row: row.forecast.costs_cents, False),
    ("Net P&L", "money", lambda row: row.forecast.net_cents, True),
    ("Net P&L, low", "money", lambda row: row.forecast.net_low_cents, True),
    ("Net P&L, high", "money", lambda row: row.forecast.net_high_cents, True),
    ("ROI", "ratio", lambda row: row.forecast.roi, True),
    ("Budget left", "money", lambda row: row.budget_left_cents, True),
]


def _cells(values: list, higher_is_better: bool | None) -> list[Cell]:
    first = values[0]
    cells = [Cell(first)]
    for value in values[1:]:
        if value is None or first is None:
            cells.append(Cell(value))
            continue
        difference = value - first
        if abs(difference) < 1e-9:
            cells.append(Cell(value, 0))
            continue
        better = None if higher_is_better is None else (difference > 0) == higher_is_better
        cells.append(Cell(value, difference, better))
    return cells


def comparison(outlooks: list[Outlook]) -> dict[str, list[Line]]:
    """Totals, portfolios' net P&L, campaigns' net P&L and channels' peak pressure, each version in a column,
    each figure with its difference from the first version's."""
    totals = [
        Line(label, kind, _cells([metric(one.total) for one in outlooks], better))
        for label, kind, metric, better in TOTAL_METRICS
    ]
    portfolio_labels = list(dict.fromkeys(row.label for one in outlooks for row in one.portfolios))
    portfolios = []
    for label in portfolio_labels:
        values = [next((row.forecast.net_cents for row in one.portfolios if row.label == label), 0) for one in outlooks]
        portfolios.append(Line(label, "money", _cells(values, True)))
    campaign_keys = list(dict.fromkeys((row.key, row.label) for one in outlooks for row in one.campaigns))
    campaigns = []
    for key, label in campaign_keys:
        values = []
        for one in outlooks:
            row = next((row for row in one.campaigns if row.key == key), None)
            values.append(None if row is None or row.dropped else row.forecast.net_cents)
        campaigns.append(Line(label, "money", _cells(values, True)))
    channels = list(
        dict.fromkeys((one_channel.channel, one_channel.label) for one in outlooks for one_channel in one.pressure)
    )
    pressure = []
    for channel, label in channels:
        values = [next((p.peak for p in one.pressure if p.channel == channel), 0.0) for one in outlooks]
        pressure.append(Line(f"{label}: peak contacts per customer in the cap window", "rate", _cells(values, None)))
    return {"totals": totals, "portfolios": portfolios, "campaigns": campaigns, "pressure": pressure}
