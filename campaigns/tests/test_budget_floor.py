"""A budget is never lowered below what its portfolio's released campaigns have committed."""

import re
from datetime import date

import pytest
from django.core.exceptions import ValidationError

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


def test_a_campaign_across_two_quarters_is_charged_to_each_pro_rata(portfolio, marketer):
    from campaigns.services.release import committed_cents

    # 2 September to 31 October: 29 days in Q3 and 31 in Q4.
    Campaign.objects.create(
        name="Across",
        portfolio=portfolio,
        owner=marketer,
        status=Campaign.Status.RELEASED,
        start_date=date(2026, 9, 2),
        end_date=date(2026, 10, 31),
        year=2026,
        quarter=3,
        objective="traffic",
        seed=1,
        committed_cents=6_000,
    )
    q3 = committed_cents(portfolio_id=portfolio.pk, year=2026, quarter=3)
    q4 = committed_cents(portfolio_id=portfolio.pk, year=2026, quarter=4)
    assert (q3, q4) == (2_900, 3_100)


def test_dates_are_bounded_and_names_are_unique_in_a_quarter(portfolio, marketer, settings):
    from campaigns.services import campaign_create
    from campaigns.services.workflow import CampaignError

    def create(name: str, start: date, end: date) -> Campaign:
        return campaign_create(
            owner=marketer, name=name, portfolio=portfolio, start_date=start, end_date=end, objective="traffic"
        )

    with pytest.raises(ValidationError, match="2000-01-01"):
        create("Old", date(1900, 1, 1), date(1900, 2, 1))
    with pytest.raises(CampaignError, match="a campaign lasts at most 366 days"):
        create("Far", date(2026, 1, 1), date(9999, 1, 1))
    with pytest.raises(CampaignError, match="1,826 days; a campaign lasts at most 366 days"):
        create("Five years", date(2026, 1, 1), date(2030, 12, 31))
    settings.CAMPAIGN_MAX_DAYS = 2_000
    create("Five years", date(2026, 1, 1), date(2030, 12, 31))
    create("Spring", date(2026, 4, 1), date(2026, 4, 20))
    with pytest.raises(CampaignError, match="2026 Q2 already has a campaign called spring"):
        create("spring", date(2026, 5, 1), date(2026, 5, 20))
    create("Spring", date(2027, 4, 1), date(2027, 4, 20))  # another year's quarter
