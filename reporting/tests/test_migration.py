"""Did a campaign move customers: treated against control members who reached the objective's target stage by
the first staging after the release, on a stage history made by hand."""

import math
from datetime import UTC, date, datetime

import pytest
from django.urls import reverse

from campaigns.models import AudienceMember, Campaign, Treatment
from customers.models import Customer
from reporting.migration import move_rates
from segments.models import LifecycleStage, PortfolioObjective, StageAssignment, StagingRun


@pytest.fixture
def released(db, portfolio, marketer):
    """Released 10 July 2026 to 11 treated and 5 control members of New; staged 30 June and 30 September.

    Treated: 10 were New at the build, 4 are Repurchase on 30 September, 5 still New, 1 no longer staged; an
    11th was already Repurchase at the build and cannot move there. Control: 5 New, 1 is Repurchase later.
    """
    new, repurchase = LifecycleStage.objects.get(code="new"), LifecycleStage.objects.get(code="repurchase")
    PortfolioObjective.objects.create(
        portfolio=portfolio, kind="move_to", target_stage=repurchase, target_percent=10, year=2026, quarter=3
    )
    campaign = Campaign.objects.create(
        name="Second order",
        portfolio=portfolio,
        owner=marketer,
        status=Campaign.Status.MEASURING,
        start_date=date(2026, 7, 10),
        end_date=date(2026, 8, 10),
        year=2026,
        quarter=3,
        objective="conversion",
        seed=1,
        released_at=datetime(2026, 7, 10, 8, tzinfo=UTC),
    )
    treatment = Treatment.objects.create(campaign=campaign, code="A", channel="email", message_name="Hi")
    customers = Customer.objects.bulk_create(Customer(external_id=f"c{n}", name=f"C {n}") for n in range(16))
    later = [repurchase] * 4 + [new] * 5 + [None] + [repurchase] + [repurchase] + [new] * 4
    at_build = [new] * 10 + [repurchase] + [new] * 5
    for period in (date(2026, 6, 30), date(2026, 9, 30)):
        StagingRun.objects.create(period_end=period)
    StageAssignment.objects.bulk_create(
        [
            StageAssignment(period_end=date(2026, 6, 30), customer=c, stage=s)
            for c, s in zip(customers, at_build, strict=True)
        ]
        + [
            StageAssignment(period_end=date(2026, 9, 30), customer=c, stage=s)
            for c, s in zip(customers, later, strict=True)
            if s
        ]
    )
    AudienceMember.objects.bulk_create(
        AudienceMember(campaign=campaign, customer=c, treatment=treatment, is_control=n >= 11, stage=at_build[n])
        for n, c in enumerate(customers)
    )
    return campaign


def test_move_rates_are_counted_exactly(released):
    (move,) = move_rates([released])
    assert (move.target.code, move.period_end) == ("repurchase", date(2026, 9, 30))
    assert (move.treated, move.treated_moved, move.control, move.control_moved) == (9, 4, 5, 1)
    difference = 4 / 9 - 1 / 5
    error = math.sqrt((4 / 9) * (5 / 9) / 9 + 0.2 * 0.8 / 5)
    assert move.difference["difference"] == pytest.approx(difference)
    assert move.difference["low"] == pytest.approx(difference - 1.959964 * error, abs=1e-6)
    assert move.difference["high"] == pytest.approx(difference + 1.959964 * error, abs=1e-6)


def test_a_campaign_without_a_staging_since_its_release_is_not_measured_yet(released):
    StagingRun.objects.filter(period_end=date(2026, 9, 30)).delete()
    (move,) = move_rates([released])
    assert move.period_end is None and move.difference is None
    assert "there is none yet" in move.explanation


def test_the_portfolio_page_answers_did_we_move_customers(client, released, portfolio):
    client.force_login(portfolio.owner)
    page = client.get(reverse("segments:portfolio", args=[portfolio.pk])).content.decode()
    panel = page[page.index('id="portfolio-moves"') :]
    assert "Second order" in panel and "44.4%" in panel and "20.0%" in panel and "+24.4 pts" in panel
