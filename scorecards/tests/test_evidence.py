"""Every evidence indicator on a hand-made year of campaigns, portfolios and purchases, with exact values.

The year measured is 2025 (an assessment on 31 December 2025); 2024 is the year before for the growth levers.

- Spring welcome (New portfolio, Q2, created in March, closed): e-mail A and SMS B on segment Regulars, both
  with offer SAVE5; A holds out 10%, B none; submitted 20 March, approved 22 March; results with two head-to-head
  tests, one with a winner.
- Summer nudge (At-risk portfolio, Q3, created 1 July, released): e-mail A on Lapsing with offer GIFT10;
  submitted 1 June, approved 20 June; no results.
- Imported autumn (imported, no portfolio, Q4, closed): direct mail A on Movers, 20% held out; results.
- Winter follow-up (New portfolio, Q4, created in September, draft): e-mail A on Regulars, a new message.
- Old campaign (2024): outside the year.
"""

from datetime import UTC, date, datetime

import pytest

from campaigns.models import Campaign, ContactHistory, Treatment
from customers.models import Category, Customer, Purchase
from offers.models import Offer
from reporting.models import CampaignResult, Scenario
from scorecards.evidence import INDICATORS, Period, measure_processes
from segments.models import LifecycleStage, Portfolio, PortfolioBudget, PortfolioObjective, Segment, StagingRun

pytestmark = pytest.mark.django_db
DAY = date(2025, 12, 31)


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


def make_campaign(name: str, *, created: str, start: str, end: str, status: str, **fields: object) -> Campaign:
    start_day = date.fromisoformat(start)
    campaign = Campaign.objects.create(
        name=name,
        year=start_day.year,
        quarter=(start_day.month - 1) // 3 + 1,
        start_date=start_day,
        end_date=date.fromisoformat(end),
        seed=1,
        status=status,
        **fields,
    )
    Campaign.objects.filter(pk=campaign.pk).update(created_at=at(created))
    return campaign


def approve(campaign: Campaign, *, submitted: str, approved: str) -> None:
    """A submission recorded in the campaign's history on `submitted`, then its approval on `approved`."""
    campaign.refresh_from_db()
    final = campaign.status
    campaign.status = Campaign.Status.SUBMITTED
    campaign.save()
    Campaign.history.filter(id=campaign.pk, status=Campaign.Status.SUBMITTED).update(history_date=at(submitted))
    campaign.status = final
    campaign.save()
    Campaign.objects.filter(pk=campaign.pk).update(approved_at=at(approved))


def treat(campaign: Campaign, code: str, segment: Segment, channel: str, message: str, **fields: object) -> Treatment:
    return Treatment.objects.create(
        campaign=campaign, code=code, segment=segment, channel=channel, message_name=message, **fields
    )


def contact(treatment: Treatment, customers: list[Customer], day: str, codes: list[str]) -> None:
    ContactHistory.objects.bulk_create(
        ContactHistory(
            customer=customer,
            campaign=treatment.campaign,
            treatment=treatment,
            channel=treatment.channel,
            contacted_at=at(day),
            offer_codes=codes,
        )
        for customer in customers
    )


def buy(customer: Customer, order: str, day: str, category: Category, revenue: int, margin: int | None, code=None):
    line = f"{order}-{Purchase.objects.count()}"
    Purchase.objects.create(
        line_id=line,
        customer=customer,
        purchased_at=at(day),
        channel="store",
        category=category,
        order_ref=order,
        quantity=1,
        revenue_cents=revenue,
        margin_cents=margin,
        offer_code=code,
    )


@pytest.fixture
def year(marketer, segment_owner, manager, admin_user) -> dict[str, Campaign]:
    new, at_risk = LifecycleStage.objects.get(code="new"), LifecycleStage.objects.get(code="at_risk")
    repurchase = LifecycleStage.objects.get(code="repurchase")
    new_portfolio = Portfolio.objects.create(stage=new, name="New", owner=segment_owner)
    risk_portfolio = Portfolio.objects.create(stage=at_risk, name="At risk", owner=segment_owner)
    PortfolioBudget.objects.create(portfolio=new_portfolio, year=2025, quarter=2, amount_cents=100_000)
    PortfolioObjective.objects.create(
        portfolio=new_portfolio, kind="move_to", target_stage=repurchase, target_percent=10, year=2025, quarter=2
    )
    PortfolioBudget.objects.create(portfolio=risk_portfolio, year=2025, quarter=3, amount_cents=100_000)
    for period_end in (date(2025, 3, 31), date(2025, 6, 30)):
        StagingRun.objects.create(period_end=period_end, counts={"new": 0})
    regulars, lapsing, movers = (
        Segment.objects.create(name=name, owner=marketer) for name in ("Regulars", "Lapsing", "Movers")
    )
    save5 = Offer.objects.create(
        code="SAVE5",
        name="5 off",
        kind="amount_off",
        cost_per_redemption_cents=50,
        valid_from=date(2025, 1, 1),
        valid_until=date(2025, 12, 31),
    )
    gift = Offer.objects.create(
        code="GIFT10",
        name="Gift",
        kind="gift",
        cost_per_redemption_cents=100,
        valid_from=date(2025, 1, 1),
        valid_until=date(2025, 12, 31),
    )
    closed, released, draft = Campaign.Status.CLOSED, Campaign.Status.RELEASED, Campaign.Status.DRAFT
    spring = make_campaign(
        "Spring welcome",
        created="2025-03-15",
        start="2025-04-10",
        end="2025-05-10",
        status=closed,
        objective="conversion",
        portfolio=new_portfolio,
    )
    summer = make_campaign(
        "Summer nudge",
        created="2025-07-01",
        start="2025-07-05",
        end="2025-08-05",
        status=released,
        objective="traffic",
        portfolio=risk_portfolio,
    )
    autumn = make_campaign(
        "Imported autumn",
        created="2025-12-01",
        start="2025-10-01",
        end="2025-10-31",
        status=closed,
        objective="margin",
        imported=True,
    )
    winter = make_campaign(
        "Winter follow-up",
        created="2025-09-20",
        start="2025-11-15",
        end="2025-12-15",
        status=draft,
        objective="basket",
        portfolio=new_portfolio,
    )
    old = make_campaign(
        "Old campaign", created="2024-01-05", start="2024-05-01", end="2024-06-01", status=closed, objective="traffic"
    )
    approve(spring, submitted="2025-03-20", approved="2025-03-22")
    approve(summer, submitted="2025-06-01", approved="2025-06-20")
    spring_a = treat(
        spring,
        "A",
        regulars,
        "email",
        "Spring hello",
        offer=save5,
        holdout_share="0.100",
        cost_per_contact_cents=10,
        expected_order_value_cents=4_000,
    )
    spring_b = treat(
        spring, "B", regulars, "sms", "Spring text", offer=save5, holdout_share="0", cost_per_contact_cents=20
    )
    summer_a = treat(
        summer,
        "A",
        lapsing,
        "email",
        "We miss you",
        offer=gift,
        holdout_share="0.100",
        cost_per_contact_cents=5,
        expected_order_value_cents=4_000,
    )
    autumn_a = treat(autumn, "A", movers, "direct_mail", "New home", holdout_share="0.200", cost_per_contact_cents=100)
    treat(winter, "A", regulars, "email", "Winter thanks", cost_per_contact_cents=10)
    treat(old, "A", movers, "email", "Old", offer=save5, cost_per_contact_cents=1000)
    treat(old, "B", movers, "sms", "Old", offer=gift, cost_per_contact_cents=1000)
    CampaignResult.objects.create(
        campaign=spring, version=1, payload={"head_to_head": [{"winner": "a"}, {"winner": "b"}]}
    )
    CampaignResult.objects.create(
        campaign=spring, version=2, payload={"head_to_head": [{"winner": "a"}, {"winner": None}]}
    )
    CampaignResult.objects.create(campaign=autumn, version=1, payload={"head_to_head": []})
    CampaignResult.objects.create(campaign=summer, version=1, payload=None)  # a run still in progress

    people = Customer.objects.bulk_create(Customer(external_id=f"C{n}") for n in range(1, 11))
    contact(spring_a, people[0:2] + people[3:4], "2025-04-10", ["SAVE5"])
    contact(spring_b, people[4:6], "2025-04-10", ["SAVE5"])
    contact(summer_a, [people[2], *people[6:9]], "2025-07-05", ["GIFT10"])
    contact(autumn_a, people[9:10], "2025-10-01", [])
    contact(treat(old, "C", movers, "push", "Old"), people[0:1], "2024-05-01", ["SAVE5"])

    x, y = (
        Category.objects.create(code="X", name="Kitchen", margin_rate="0.3"),
        Category.objects.create(code="Y", name="Garden", margin_rate="0.2"),
    )
    one, two, three = people[0], people[1], people[2]
    buy(one, "A1", "2025-03-01", x, 1000, 300)
    buy(one, "A1", "2025-03-01", y, 500, 100)
    buy(one, "A2", "2025-04-20", x, 1500, None, "SAVE5")  # redeemed 10 days after the contact
    buy(two, "B1", "2025-05-25", x, 2000, 600, "SAVE5")  # 45 days after: too late to count as a response
    buy(three, "C1", "2025-07-10", y, 1000, 200, "GIFT10")
    buy(one, "Z1", "2024-03-01", x, 1000, 250)
    buy(two, "Z2", "2024-04-01", x, 1000, 250)
    buy(two, "Z3", "2024-05-01", y, 500, 125)
    return {"spring": spring, "summer": summer, "autumn": autumn, "winter": winter}


def measured(process_key: str) -> dict[str, dict]:
    return {figure["key"]: figure for figure in measure_processes([process_key], DAY)[process_key]}


def linked(figure: dict) -> list[tuple[str, bool]]:
    return sorted((link["name"], link["ok"]) for link in figure["links"])


def test_the_year_measured_ends_on_the_assessment_day():
    assert Period.year_to(DAY) == Period(date(2025, 1, 1), date(2025, 12, 31))
    assert Period.year_to(DAY).before == Period(date(2024, 1, 1), date(2024, 12, 31))
    assert Period.year_to(date(2024, 2, 29)).start == date(2023, 3, 1)


def test_planning_counts_campaigns_created_before_their_quarter(year):
    figures = measured("planning-process")
    ahead = figures["planned-ahead"]
    assert ahead["value"] == pytest.approx(2 / 3)
    assert ahead["display"] == "67% (2 of 3 campaigns)"
    assert ahead["level"] == "advanced"
    assert linked(ahead) == [("Spring welcome", True), ("Summer nudge", False), ("Winter follow-up", True)]


def test_the_share_of_quarters_weighed_with_a_scenario(year, manager):
    for scenario_year, quarter in ((2025, 2), (2025, 3), (2025, 3), (2024, 4)):  # 2024 Q4 is before the year
        Scenario.objects.create(name="What if", year=scenario_year, quarter=quarter, created_by=manager)
    scenario = measured("planning-process")["scenario-quarters"]
    assert scenario["value"] == pytest.approx(0.5)
    assert scenario["display"] == "50% (2 of 4 quarters)"


def test_segment_planning_counts_managed_portfolios_and_spend_inside_them(year):
    figures = measured("segment-planning")
    portfolios = figures["managed-portfolios"]
    assert (portfolios["value"], portfolios["display"], portfolios["level"]) == (
        0.5,
        "50% (1 of 2 portfolios)",
        "developing",
    )
    assert linked(portfolios) == [("At risk", False), ("New", True)]
    spend = figures["spend-in-portfolios"]
    # Spring 3 x 10 + 2 x 20, Summer 4 x 5 inside; the imported campaign's 1 x 100 outside; 2024 left out.
    assert spend["value"] == pytest.approx(90 / 190)
    assert spend["display"] == "47% of 1.90 spent on contacts"
    assert spend["level"] == "basic"
    assert linked(spend) == [("Imported autumn", False), ("Spring welcome", True), ("Summer nudge", True)]


def test_strategic_development_counts_multichannel_campaigns_and_offers(year):
    figures = measured("strategic-development")
    multi = figures["multichannel-campaigns"]
    assert (multi["value"], multi["display"], multi["level"]) == (0.25, "25% (1 of 4 campaigns)", "developing")
    offers = figures["offers-across-channels"]
    assert (offers["value"], offers["display"], offers["level"]) == (0.5, "50% (1 of 2 fixed offers sent)", "advanced")
    assert linked(offers) == [("Spring welcome", True)]


def test_campaign_planning_counts_campaigns_designed_with_a_holdout_and_a_forecast(year):
    designed = measured("campaign-planning")["designed-campaigns"]
    # Spring's B has no holdout; Summer forecasts an order value with a holdout; Winter forecasts nothing.
    assert (designed["value"], designed["display"]) == (1 / 3, "33% (1 of 3 campaigns)")
    assert designed["level"] == "basic"
    assert linked(designed) == [("Spring welcome", False), ("Summer nudge", True), ("Winter follow-up", False)]


def test_cross_channel_counts_customers_who_heard_on_two_or_more_channels(year):
    several = measured("cross-channel")["customers-on-several-channels"]
    # Ten customers contacted in 2025, each on one channel only; C1's push contact was in 2024.
    assert (several["value"], several["display"], several["level"]) == (
        0.0,
        "0% (0 of 10 customers contacted)",
        "basic",
    )
    assert linked(several) == [("Spring welcome", True)]


def test_readiness_counts_approvals_on_time_and_roles_filled(year):
    figures = measured("organisational-readiness")
    approvals = figures["approvals-on-time"]
    assert (approvals["value"], approvals["display"], approvals["level"]) == (
        0.5,
        "50% (1 of 2 approvals)",
        "developing",
    )
    assert linked(approvals) == [("Spring welcome", True), ("Summer nudge", False)]
    roles = figures["roles-filled"]
    assert roles["value"] == 1.0
    assert roles["display"] == "4 of 4 roles (Marketer 1, Segment owner 1, Manager 1, Admin 1)"
    assert roles["level"] == "advanced"


def test_response_tracking_counts_released_treatments_with_a_holdout_and_results(year):
    treatments = measured("response-tracking")["measured-treatments"]
    # Spring A (held out, measured), Spring B (no holdout), Summer A (no results), Autumn A (held out, measured).
    assert (treatments["value"], treatments["display"]) == (0.5, "50% (2 of 4 released treatments)")
    assert treatments["level"] == "developing"
    assert linked(treatments) == [("Imported autumn", True), ("Spring welcome", False), ("Summer nudge", False)]


def test_analysis_counts_net_pl_and_objective_move_rates(year):
    figures = measured("pl-behaviour-goals")
    net = figures["net-pl"]
    assert net["value"] == pytest.approx(2 / 3)
    assert (net["display"], net["level"]) == ("67% (2 of 3 released campaigns)", "developing")
    moves = figures["objective-move-rate"]
    assert (moves["value"], moves["display"], moves["level"]) == (0.5, "50% (1 of 2 measured campaigns)", "developing")
    assert linked(moves) == [("Imported autumn", False), ("Spring welcome", True)]


def test_improvement_counts_concluded_tests_and_changes_after_a_result(year):
    figures = measured("continuous-improvement")
    duels = figures["head-to-head"]
    assert (duels["value"], duels["display"], duels["level"]) == (
        1.0,
        "1 of 2 tests found a winner, in 1 campaign",
        "developing",
    )
    changed = figures["changed-after-result"]
    # Winter follow-up treats Regulars with a new message after Spring welcome ended; nobody followed up Movers.
    assert (changed["value"], changed["display"], changed["level"]) == (
        0.5,
        "50% (1 of 2 measured campaigns)",
        "advanced",
    )
    assert linked(changed) == [("Imported autumn", False), ("Spring welcome", True)]


def test_growth_levers_compare_the_year_of_purchases_with_the_one_before(year):
    traffic = measured("traffic")["visit-frequency"]
    assert traffic["value"] == pytest.approx(4 / 3)  # 4 orders by 3 customers, against 3 by 2 in 2024
    assert traffic["display"] == "1.33 visits (1.50 visits the year before, -11.1%)"
    assert traffic["level"] == "basic"
    assert linked(traffic) == [("Summer nudge", True)]


def test_conversion_counts_only_the_offers_sent_redeemed_in_time(year):
    conversion = measured("conversion")["offer-response"]
    # C1 redeemed SAVE5 ten days after the contact, C3 GIFT10 five days after; C2's SAVE5 came 45 days late.
    assert conversion["value"] == pytest.approx(2 / 9)
    assert conversion["display"] == "22% (2 of 9 contacts with offers)"
    assert conversion["level"] == "advanced"
    assert linked(conversion) == [("Spring welcome", True)]


def test_basket_size_counts_order_value_and_categories_per_customer(year):
    figures = measured("basket-size")
    value = figures["order-value"]
    assert value["value"] == 1500  # 6,000 over 4 orders; 2,500 over 3 in 2024
    assert value["display"] == "15.00 (8.33 the year before, +80.0%)"
    assert value["level"] == "advanced"
    categories = figures["categories-per-customer"]
    assert categories["value"] == pytest.approx(4 / 3)
    assert categories["display"] == "1.33 categories (1.50 categories the year before, -11.1%)"
    assert categories["level"] == "basic"
    assert linked(categories) == [("Winter follow-up", True)]


def test_margin_counts_the_known_margin_rate_and_offer_costs(year):
    figures = measured("margin")
    rate = figures["margin-rate"]
    assert rate["value"] == pytest.approx(1200 / 4500)  # the line without a margin is left out
    assert rate["display"] == "26.7% (25.0% the year before, +6.7%)"
    assert rate["level"] == "advanced"
    cost = figures["offer-cost-share"]
    assert cost["value"] == pytest.approx(200 / 6000)  # SAVE5 twice at 0.50, GIFT10 once at 1.00
    assert cost["display"] == "3.33% (0.00% the year before)"
    assert cost["level"] is None
    assert linked(cost) == [("Imported autumn", True)]


def test_every_shipped_process_with_evidence_is_covered_here():
    assert set(INDICATORS) == {
        "planning-process",
        "segment-planning",
        "strategic-development",
        "campaign-planning",
        "cross-channel",
        "organisational-readiness",
        "response-tracking",
        "pl-behaviour-goals",
        "continuous-improvement",
        "traffic",
        "conversion",
        "basket-size",
        "margin",
    }


def test_a_treatment_sent_on_several_channels_makes_a_multichannel_campaign(year):
    single = Campaign.objects.get(name="Summer nudge")
    Treatment.objects.filter(campaign=single).update(also_channels=["sms"])
    multi = measured("strategic-development")["multichannel-campaigns"]
    assert (multi["value"], multi["display"]) == (0.5, "50% (2 of 4 campaigns)")
