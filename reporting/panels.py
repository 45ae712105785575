"""What reporting adds to the portfolio page (registered in `ReportingConfig.ready`)."""

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from campaigns.models import Campaign
from core.lib.quarters import quarter_of
from reporting import plan as planning
from reporting.forecast import Inputs, forecast, total
from reporting.history import past_history
from reporting.migration import move_rates
from reporting.models import CampaignResult
from reporting.plan_charts import burn_chart, spend_by_channel
from reporting.selectors import portfolio_campaigns, portfolio_spending
from segments.models import Portfolio, PortfolioBudget


def portfolio_campaigns_panel(request: HttpRequest, portfolio: Portfolio) -> dict[str, Any]:
    return {"campaigns": portfolio_campaigns(portfolio.pk)}


def portfolio_budgets_panel(request: HttpRequest, portfolio: Portfolio) -> dict[str, Any]:
    spending = portfolio_spending(portfolio_campaigns(portfolio.pk))
    budgets = portfolio.budgets.all()
    return {"budgets": [(budget, spending.get((budget.year, budget.quarter), {})) for budget in budgets]}


def portfolio_burn_panel(request: HttpRequest, portfolio: Portfolio) -> dict[str, Any]:
    """This quarter's budget against what releases committed and results measured, and spend by channel."""
    year, quarter = quarter_of(timezone.localdate())
    plan = planning.quarter_plan(year, quarter)
    grid, _ = planning.budget_grid(plan)
    row = next((row for row in grid if row.portfolio_id == portfolio.pk), None)
    mine = [
        campaign
        for campaign in plan.campaigns
        if campaign.portfolio_id == portfolio.pk and (campaign.year, campaign.quarter) == (year, quarter)
    ]
    committed = [(campaign.released_at.date(), campaign.committed_cents) for campaign in mine if campaign.released_at]
    spent = []
    for campaign in mine:
        measured = plan.measured.get(campaign.pk)
        if measured and campaign.released_at:
            cost = round(measured.get("contact_cost_cents", 0) + measured.get("offer_cost_cents", 0))
            spent.append((campaign.released_at.date(), cost))
    charts = [
        {
            "id": "chart-burn",
            "figure": burn_chart(
                first=plan.first,
                last=plan.last,
                budget_steps=_budget_steps(portfolio, year, quarter, plan.first),
                committed=committed,
                spent=spent,
            ),
        }
    ]
    if row and row.children:
        charts.append({"id": "chart-channel-spend", "figure": spend_by_channel([c.as_dict() for c in row.children])})
    return {"charts": charts, "quarter_label": f"{year} Q{quarter}"}


def _budget_steps(portfolio: Portfolio, year: int, quarter: int, first: date) -> list[tuple[date, int]]:
    """The approved budget as it changed: one step per change in its history."""
    entries = PortfolioBudget.history.filter(portfolio_id=portfolio.pk, year=year, quarter=quarter).order_by(
        "history_date"
    )
    return [(max(first, timezone.localdate(entry.history_date)), entry.amount_cents) for entry in entries]


def portfolio_moves_panel(request: HttpRequest, portfolio: Portfolio) -> dict[str, Any] | None:
    campaigns = [campaign for campaign, _ in portfolio_campaigns(portfolio.pk)]
    return {"moves": move_rates(campaigns)}


def campaign_forecast_panel(request: HttpRequest, campaign: Campaign) -> dict[str, Any] | None:
    """Each treatment's forecast (from measured history of its channel and stage before the campaign started,
    or its planning inputs), beside what its latest results measured."""
    rows = planning.quarter_plan(campaign.year, campaign.quarter).by_campaign().get(campaign.pk, [])
    if not rows:
        return None
    history = past_history(campaign.start_date)
    stage_id = campaign.portfolio.stage_id if campaign.portfolio_id else None
    latest = CampaignResult.objects.published().filter(campaign=campaign).order_by("-version").first()
    measured = {result["treatment_id"]: result for result in (latest.payload.get("treatments", []) if latest else [])}
    lines, forecasts = [], []
    for row in rows:
        treatment = row.treatment
        defaults = history.defaults(channel=treatment.channel, stage_id=stage_id, own=treatment)
        expected = forecast(
            Inputs(
                contacts=row.contacts,
                response_rate=defaults.response_rate,
                response_low=defaults.response_low,
                response_high=defaults.response_high,
                order_value_cents=defaults.order_value_cents,
                margin_rate=defaults.margin_rate,
                cost_per_contact_cents=treatment.cost_per_contact_cents,
                cost_per_redemption_cents=treatment.cost_per_redemption_cents,
                committed_cents=row.committed_cents if row.released else None,
            )
        )
        forecasts.append(expected)
        lines.append(
            {
                "treatment": treatment,
                "row": row,
                "defaults": defaults,
                "forecast": expected,
                "actual": _actual(measured.get(treatment.pk)),
            }
        )
    actuals = [line["actual"] for line in lines if line["actual"]]
    return {
        "lines": lines,
        "total": total(forecasts),
        "actual_total": {
            key: sum(actual[key] for actual in actuals)
            for key in ("responders", "margin_cents", "costs_cents", "net_cents")
        }
        if actuals
        else None,
        "measured_version": latest.version if latest else None,
    }


def _actual(result: dict | None) -> dict[str, Any] | None:
    if not result:
        return None
    costs = round(result.get("contact_cost_cents", 0) + result.get("offer_cost_cents", 0))
    return {
        "responders": result.get("incremental_responders", 0),
        "response_rate": (result.get("response_rate") or {}).get("difference"),
        "margin_cents": round(result.get("incremental_margin_cents", 0)),
        "costs_cents": costs,
        "net_cents": round(result.get("net_cents", 0)),
        "roi": result.get("roi"),
    }
