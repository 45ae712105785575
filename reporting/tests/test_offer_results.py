"""Results of a best-offer campaign per offer: given, redeemed inside the window, and the margin of the holders
against the control; later campaigns score the offer on what this one measured."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.models import ContactHistory
from campaigns.services import campaign_release
from campaigns.services.allocation import eligible_offers, measured_rates, offer_terms
from campaigns.tests.conftest import population, shares_for
from campaigns.tests.test_allocation import allocate
from campaigns.tests.test_release import ready
from customers.imports.run import import_file
from customers.models import Category
from reporting.services import results_run
from segments.models import LifecycleStage


def test_results_count_redemptions_and_margin_per_offer(no_global_control, make_campaign, bank, tmp_path):
    customers = population(300)
    shares_for(customers)
    campaign = make_campaign(
        treatments=[{"offer_strategy": "best_n", "offers_per_customer": 2, "holdout_share": "0.2"}]
    )
    ready(campaign)
    allocate(campaign)
    campaign_release(campaign=campaign, user=campaign.owner, contacted_at=timezone.now() - timedelta(days=3))
    sent = list(ContactHistory.objects.filter(campaign=campaign).values_list("customer__external_id", "offer_codes"))
    # The first five members given GARDEN_15 redeem it; one more redeems it after the window (not counted).
    redeemers = [external for external, codes in sent if "GARDEN_15" in codes][:5]
    day = (timezone.now() - timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S")
    path = tmp_path / "redemptions.csv"
    path.write_text(
        "line_id,customer_id,purchased_at,quantity,revenue,margin,offer_code,order_ref\n"
        + "".join(f"R{n},{external},{day},1,40.00,10.00,GARDEN_15,O{n}\n" for n, external in enumerate(redeemers))
    )
    import_file(kind="purchases", path=path)
    rows = {row["code"]: row for row in results_run(campaign=campaign).payload["by_offer"]}
    garden = rows["GARDEN_15"]
    assert (garden["given"], garden["redeemed"]) == (20, 5)
    assert garden["redemption_rate"] == 0.25
    # 5 of 20 holders spent 10.00 of margin, the control nothing: 2.50 a holder, 50.00 in all.
    assert garden["margin_per_member"]["difference"] == pytest.approx(250)
    assert garden["incremental_margin_cents"] == pytest.approx(5_000)
    assert sum(row["given"] for row in rows.values()) == sum(len(codes) for _, codes in sent)
    # The next campaign scores GARDEN_15 on what this one measured: 5 of 20 redeemed against 10% expected,
    # blended with 200 customers at the expected rate: (5 + 20) / (20 + 200) over 10%.
    following = make_campaign("Next month", treatments=[{"offer_strategy": "best_n"}])
    offers = eligible_offers(following)
    stages = list(LifecycleStage.objects.order_by("pk").values_list("pk", flat=True))
    categories = list(Category.objects.order_by("pk").values_list("pk", "margin_rate"))
    terms = offer_terms(offers, {pk: n for n, (pk, _) in enumerate(categories)}, dict(categories))
    measured = measured_rates(following, offers, terms, stages)
    new = stages.index(LifecycleStage.objects.get(code="new").pk) + 1
    column = [offer.code for offer in offers].index("GARDEN_15")
    assert measured[new, column] == pytest.approx((5 + 20) / 220 / 0.1)


def test_best_offers_cost_what_each_redeemed_offer_costs(no_global_control, make_campaign, bank, tmp_path):
    customers = population(200)
    shares_for(customers)
    campaign = make_campaign(
        treatments=[
            {
                "offer_strategy": "best_n",
                "offers_per_customer": 2,
                "holdout_share": "0.2",
                "response_kind": "offer_code",
                "cost_per_redemption_cents": 999,  # not what a best offer costs: each offer has its own cost
            }
        ]
    )
    for code, cost in (("GARDEN_5", 500), ("FOOD_10", 250)):
        bank[code.lower()].cost_per_redemption_cents = cost
        bank[code.lower()].save()
    ready(campaign)
    allocate(campaign)
    campaign_release(campaign=campaign, user=campaign.owner, contacted_at=timezone.now() - timedelta(days=3))
    sent = dict(ContactHistory.objects.filter(campaign=campaign).values_list("customer__external_id", "offer_codes"))
    garden = [external for external, codes in sent.items() if "GARDEN_5" in codes][:3]
    food = [external for external, codes in sent.items() if "FOOD_10" in codes and external not in garden][:2]
    day = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
    lines = [(external, "GARDEN_5") for external in garden] + [(external, "FOOD_10") for external in food]
    path = tmp_path / "redemptions.csv"
    path.write_text(
        "line_id,customer_id,purchased_at,quantity,revenue,margin,offer_code,order_ref\n"
        + "".join(f"R{n},{external},{day},1,30.00,9.00,{code},O{n}\n" for n, (external, code) in enumerate(lines))
    )
    import_file(kind="purchases", path=path)
    row = results_run(campaign=campaign).payload["treatments"][0]
    assert row["response"] == "A purchase redeeming one of the offers sent within 30 days of contact"
    # Redeeming any of one's own best offers is a response to them; the control was sent none.
    assert (row["treatment"]["responders"], row["control"]["responders"]) == (5, 0)
    assert row["treatment"]["redemptions"] == 5
    assert row["offer_cost_cents"] == 3 * 500 + 2 * 250
