"""A budget is never lowered below what its portfolio's released campaigns have committed."""

import re
from datetime import date

import pytest

from campaigns.models import Campaign
from segments.models import PortfolioBudget
from segments.portfolios import PortfolioError, budget_change


def released(portfolio, owner, cents: int) -> Campaign:
    return Campaign.objects.create(
        name="Released",
        portfolio=portfolio,
        owner=owner,
        status=Campaign.Status.RELEASED,
        start_date=date(2026, 7, 1),
        end_date=date(2026, 7, 31),
        year=2026,
        quarter=3,
        objective="traffic",
        seed=1,
        committed_cents=cents,
    )


def test_a_budget_is_never_lowered_below_what_releases_committed(portfolio, manager, marketer):
    def change(amount: int) -> None:
        budget_change(portfolio=portfolio, year=2026, quarter=3, amount_cents=amount, user=manager, why="Plan")

    released(portfolio, marketer, 600_000)  # the fixture's budget is 10,000.00
    with pytest.raises(PortfolioError, match=re.escape("already committed 6,000.00")):
        change(500_000)
    assert PortfolioBudget.objects.get(portfolio=portfolio, quarter=3).amount_cents == 1_000_000
    change(600_000)
    assert PortfolioBudget.objects.get(portfolio=portfolio, quarter=3).amount_cents == 600_000
