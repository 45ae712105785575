"""What reporting adds to the portfolio page (registered in `ReportingConfig.ready`)."""

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from reporting import plan as planning
from reporting.migration import move_rates
from reporting.plan_charts import burn_chart, spend_by_channel
from reporting.selectors import portfolio_campaigns, portfolio_spending
from segments.models import Portfolio, PortfolioBudget
from segments.selectors import quarter_of


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
