"""What reporting adds to the portfolio page (registered in `ReportingConfig.ready`)."""

from typing import Any

from django.http import HttpRequest

from reporting.selectors import portfolio_campaigns, portfolio_spending
from segments.models import Portfolio


def portfolio_campaigns_panel(request: HttpRequest, portfolio: Portfolio) -> dict[str, Any]:
    return {"campaigns": portfolio_campaigns(portfolio.pk)}


def portfolio_budgets_panel(request: HttpRequest, portfolio: Portfolio) -> dict[str, Any]:
    spending = portfolio_spending(portfolio_campaigns(portfolio.pk))
    budgets = portfolio.budgets.all()
    return {"budgets": [(budget, spending.get((budget.year, budget.quarter), {})) for budget in budgets]}
