"""The demo campaigns' responses and results: purchases with known effects, then every campaign measured."""

from datetime import date, datetime, time, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np
import pandas as pd
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from campaigns.demo import CAMPAIGNS, demo_seed
from campaigns.models import Campaign, ContactHistory
from core.lib.quarters import quarter_bounds
from core.services import Progress
from customers.imports.run import import_file
from customers.models import Customer, Purchase
from reporting.models import Scenario
from reporting.responses import members_frame
from reporting.scenario_services import (
    scenario_assumptions_update,
    scenario_campaign_add,
    scenario_create,
    scenario_portfolio_drop,
)
from reporting.services import results_run
from segments.models import Portfolio

# The true effect of each demo treatment on its response rate (extra responders per treated member). The
# demo writes purchases that produce exactly these effects on average, so that its results tell a true story:
# most treatments work, some do nothing, and the bundle e-mail to online-first customers puts them off.
TRUE_LIFTS = {
    ("Welcome series", "A"): 0.04,
    ("Second order nudge", "A"): 0.03,
    ("Second order nudge", "B"): 0.0,
    ("Beauty week", "A"): 0.02,
    ("Win-back: at risk", "A"): 0.05,
    ("Best customer preview", "A"): 0.0,
    ("Garden season", "A"): 0.02,
    ("Garden season", "B"): 0.0,
    ("Reactivation letter", "A"): 0.03,
    ("App users first", "A"): 0.01,
    ("High spender thanks", "A"): 0.0,
    ("North and Central events", "A"): 0.02,
    ("Online-first bundle", "A"): -0.04,
    ("Autumn return", "A"): 0.04,
}


# Treated members who shop in the window anyway often use an offer they were sent: the discount they did not need
# is what makes offers the dearest part of most campaigns, and what a holdout shows.
REDEEMED_BY_SHOPPERS = 0.5

# Each chosen shopper's first purchase line in their window, with no code yet, carries the offer they redeemed.
REDEEM_SQL = f"""
UPDATE {Purchase._meta.db_table} p SET offer_code = chosen.code
FROM (
    SELECT DISTINCT ON (r.customer_id, r.opens) line.line_id, r.code
    FROM unnest(%(customers)s::bigint[], %(codes)s::text[], %(opens)s::date[], %(days)s::int[])
         AS r (customer_id, code, opens, days)
    JOIN {Purchase._meta.db_table} line ON line.customer_id = r.customer_id AND line.quantity > 0
         AND line.purchased_at >= r.opens::timestamptz AND line.purchased_at < (r.opens + r.days)::timestamptz
         AND coalesce(line.offer_code, '') = ''
    ORDER BY r.customer_id, r.opens, line.purchased_at
) chosen
WHERE p.line_id = chosen.line_id
"""


def results_demo_load(*, end: date, seed: int, progress: Progress) -> dict:
    """Customers respond to the demo campaigns as TRUE_LIFTS says, then each campaign is measured."""
    progress(0, "Customers respond to the campaigns")
    responses = responses_load(end=end, seed=seed)
    # A retailer so small that a campaign reached nobody has nothing of it to measure.
    demo_campaigns = Campaign.objects.filter(
        name__in=[name for name, *_ in CAMPAIGNS], treatments__members__contacted_on__isnull=False
    ).distinct()
    for number, campaign in enumerate(demo_campaigns):
        progress(20 + 80 * number / len(CAMPAIGNS), f"Results of {campaign.name}")
        results_run(campaign=campaign)
    return {"response_lines": responses}


def responses_load(*, end: date, seed: int) -> int:
    """Purchases that give each demo treatment its true effect, imported like any purchase file.

    A positive effect turns non-responding treated members into responders with
    the probability that adds `lift` responders per treated member; a negative
    one does the same to control members, which is what a treatment that puts
    customers off looks like against its holdout. Half the treated members who
    shop in their window anyway redeem an offer they were sent, which is what
    offers cost a retailer: a campaign's costs are then of the size of what it
    can add, not pennies beside it.
    """
    lines, redeemed = [], []
    external_ids = dict(Customer.objects.values_list("id", "external_id"))
    for campaign in Campaign.objects.filter(name__in=[name for name, *_ in CAMPAIGNS]).prefetch_related(
        "treatments__response_category"
    ):
        members = members_frame(campaign)
        rng = np.random.default_rng(demo_seed(seed, campaign.name))
        # Most responders to a treatment that sent offers redeem one of theirs.
        sent = dict(
            ContactHistory.objects.filter(campaign=campaign)
            .exclude(offer_codes=[])
            .values_list("customer_id", "offer_codes")
        )
        redeeming = np.random.default_rng(demo_seed(seed, f"{campaign.name}: redemptions"))
        sent_on = timezone.localtime(campaign.released_at).date()
        first_code = pd.Series(sent, dtype=object).str[0]
        for treatment in campaign.treatments.all():
            lift = TRUE_LIFTS.get((campaign.name, treatment.code), 0.0)
            own = members[members["treatment_id"] == treatment.pk]
            shoppers = own.loc[~own["is_control"] & own["responded"], "customer_id"]
            redeems = redeeming.random(len(shoppers)) < REDEEMED_BY_SHOPPERS
            shoppers = shoppers[shoppers.isin(first_code.index) & redeems]
            redeemed.append(
                pd.DataFrame(
                    {
                        "customers": shoppers,
                        "codes": shoppers.map(first_code),
                        "opens": sent_on,
                        "days": treatment.response_window_days,
                    }
                )
            )
            if not lift or own.empty:
                continue
            target = own[own["is_control"] == (lift < 0)]
            quiet = target[~target["responded"]]
            probability = min(1.0, abs(lift) * len(target) / max(len(quiet), 1))
            chosen = quiet[rng.random(len(quiet)) < probability]
            category = treatment.response_category.code if treatment.response_category else "GRO"
            days_left = max(1, min(treatment.response_window_days, (end - campaign.start_date).days))
            for customer_id in chosen["customer_id"].tolist():
                at = datetime.combine(campaign.start_date, time(10)) + timedelta(
                    days=int(rng.integers(0, days_left)), hours=int(rng.integers(0, 9))
                )
                lines.append(
                    {
                        "line_id": f"R{campaign.pk}-{customer_id}",
                        "customer_id": external_ids[customer_id],
                        "purchased_at": at.isoformat(sep=" "),
                        "quantity": 1,
                        "revenue": f"{rng.lognormal(3.5, 0.5):.2f}",
                        "category": category,
                        "offer_code": sent[customer_id][0] if customer_id in sent and rng.random() < 0.7 else "",
                    }
                )
    if lines:
        with TemporaryDirectory() as folder:
            path = Path(folder) / "responses.csv"
            pd.DataFrame(lines).to_csv(path, index=False)
            import_file(kind="purchases", path=path)
    redemptions = pd.concat(redeemed) if redeemed else pd.DataFrame()
    if not redemptions.empty:
        with connection.cursor() as cursor:
            cursor.execute(REDEEM_SQL, {column: redemptions[column].tolist() for column in redemptions})
    return len(lines)


def scenarios_demo_load(*, end: date) -> dict:
    """Three versions of next quarter's plan for the manager to weigh: as planned, response falling 15%, and
    dearer e-mail with the lapsed letter dropped and a win-back like last quarter's added instead."""
    manager = get_user_model().objects.get(username="manager")
    year, quarter = (end.year + 1, 1) if end.month > 9 else (end.year, (end.month - 1) // 3 + 2)
    if Scenario.objects.filter(year=year, quarter=quarter).exists():
        return {"scenarios": 0}
    planned = scenario_create(
        user=manager, name="As planned", year=year, quarter=quarter, description="The plan as it stands."
    )
    weaker = scenario_create(
        user=manager, name="Response falls 15%", copy_of=planned, description="A harder quarter for every campaign."
    )
    scenario_assumptions_update(scenario=weaker, user=manager, response_change=-15)
    refocus = scenario_create(
        user=manager,
        name="Dearer e-mail, win back instead of the letter",
        copy_of=planned,
        description="The e-mail provider's new prices, and the lapsed letter's money spent on a win-back.",
    )
    scenario_assumptions_update(scenario=refocus, user=manager, cost_changes={"email": 20})
    lapsed = Portfolio.objects.filter(stage__code="lapsed").first()
    if lapsed:
        scenario_portfolio_drop(scenario=refocus, user=manager, portfolio_id=lapsed.pk)
    template = Campaign.objects.filter(name="Win-back: at risk").first()
    if template:
        first, _ = quarter_bounds(year, quarter)
        scenario_campaign_add(
            scenario=refocus, user=manager, template=template, name="Spring win-back", start=first + timedelta(weeks=6)
        )
    return {"scenarios": 3}
