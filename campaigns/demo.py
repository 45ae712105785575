"""The demo retailer's campaigns: a dozen across the last quarters, with audiences built and released."""

import hashlib
from datetime import date, datetime, time, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np
import pandas as pd
from django.contrib.auth import get_user_model
from django.utils import timezone

from campaigns.models import Campaign
from campaigns.services import (
    audience_build,
    campaign_approve,
    campaign_close,
    campaign_create,
    campaign_release,
    campaign_start_measuring,
    campaign_submit,
    treatment_save,
)
from campaigns.services.results import members_frame, results_run
from core.services import Progress
from customers.imports.run import import_file
from customers.models import Customer
from segments.models import Portfolio, Segment

# name, portfolio stage, objective, weeks before the history ends, treatments: (segment, channel, message,
# cost per contact in cents, holdout share)
CAMPAIGNS = [
    (
        "Welcome series",
        "new",
        "conversion",
        46,
        [("Never bought", "email", "Welcome: 10% off your first order", 2, "0.10")],
    ),
    (
        "Second order nudge",
        "one_time",
        "traffic",
        42,
        [
            ("Emailable regulars", "email", "We miss you already", 2, "0.10"),
            ("Mail only", "direct_mail", "A card for your next visit", 55, "0.15"),
        ],
    ),
    ("Beauty week", "repurchase", "basket", 38, [("Beauty lovers", "email", "Beauty week picks", 2, "0.10")]),
    (
        "Win-back: at risk",
        "at_risk",
        "traffic",
        34,
        [("Likely to return", "sms", "Come back for double points", 5, "0.20")],
    ),
    ("Best customer preview", "best", "margin", 30, [("Top RFM", "email", "Private preview", 2, "0.10")]),
    (
        "Garden season",
        "repurchase",
        "basket",
        26,
        [
            ("Garden and home", "email", "Garden season starts", 2, "0.10"),
            ("Garden and home", "push", "Garden season: app offer", 1, "0.10"),
        ],
    ),
    (
        "Reactivation letter",
        "lapsed",
        "traffic",
        22,
        [("Fading regulars", "direct_mail", "It has been a while", 60, "0.20")],
    ),
    (
        "App users first",
        "repurchase",
        "conversion",
        18,
        [("Young app users", "push", "Early access in the app", 1, "0.10")],
    ),
    ("High spender thanks", "best", "margin", 14, [("High spenders", "email", "A thank-you gift", 2, "0.10")]),
    (
        "North and Central events",
        "repurchase",
        "traffic",
        10,
        [("North and Central", "in_store", "Store event invite", 0, "0.10")],
    ),
    ("Online-first bundle", "one_time", "basket", 6, [("Online-first", "email", "Bundle and save", 2, "0.10")]),
    ("Autumn return", "at_risk", "traffic", 3, [("Likely to return", "email", "Autumn comeback offer", 2, "0.15")]),
]


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


def _demo_seed(seed: int, name: str) -> int:
    """A campaign's own seed, from the demo's and its name: the same demo splits and responds the same way."""
    return int(hashlib.sha256(f"{seed}:{name}".encode()).hexdigest()[:8], 16) & 0x7FFFFFFF


def campaigns_load(*, end: date, seed: int, progress: Progress) -> dict:
    """Create, build and release the demo campaigns, each on its start date, and close the finished ones."""
    user_model = get_user_model()
    marketer, manager = user_model.objects.get(username="marketer"), user_model.objects.get(username="manager")
    released = 0
    for number, (name, stage, objective, weeks_before, treatments) in enumerate(CAMPAIGNS):
        progress(100 * number / len(CAMPAIGNS), f"Campaign {name}")
        if Campaign.objects.filter(name=name).exists():
            continue
        start = end - timedelta(weeks=weeks_before)
        campaign = campaign_create(
            owner=marketer,
            name=name,
            portfolio=Portfolio.objects.get(stage__code=stage),
            start_date=start,
            end_date=start + timedelta(days=27),
            objective=objective,
            description=f"Demo campaign: {treatments[0][2]}.",
            seed=_demo_seed(seed, name),
        )
        for position, (segment, channel, message, cost, holdout) in enumerate(treatments):
            treatment_save(
                campaign=campaign,
                code=chr(65 + position),
                segment=Segment.objects.get(name=segment),
                channel=channel,
                message_name=message,
                content_ref=f"template-{number}-{position}",
                holdout_share=holdout,
                cost_per_contact_cents=cost,
                priority=position + 1,
                response_window_days=30,
                expected_response_rate="0.0600",
                expected_order_value_cents=4_500,
            )
        audience_build(campaign=campaign, user=marketer)
        campaign_submit(campaign=campaign, user=marketer)
        campaign_approve(campaign=campaign, user=manager, comment="Fits the quarter's plan.")
        contacted_at = timezone.make_aware(datetime.combine(start, time(9, 0)))
        campaign_release(campaign=campaign, user=marketer, contacted_at=contacted_at)
        campaign_start_measuring(campaign=campaign)
        if campaign.end_date + timedelta(days=30) < end:
            campaign_close(campaign=campaign, user=marketer)
        released += 1
    progress(90, "Customers respond to the campaigns")
    responses = responses_load(end=end, seed=seed)
    for campaign in Campaign.objects.filter(name__in=[name for name, *_ in CAMPAIGNS]):
        results_run(campaign=campaign)
    return {"campaigns": released, "response_lines": responses}


def responses_load(*, end: date, seed: int) -> int:
    """Purchases that give each demo treatment its true effect, imported like any purchase file.

    A positive effect turns non-responding treated members into responders with
    the probability that adds `lift` responders per treated member; a negative
    one does the same to control members, which is what a treatment that puts
    customers off looks like against its holdout.
    """
    lines = []
    external_ids = dict(Customer.objects.values_list("id", "external_id"))
    for campaign in Campaign.objects.filter(name__in=[name for name, *_ in CAMPAIGNS]).prefetch_related("treatments"):
        members = members_frame(campaign)
        rng = np.random.default_rng(_demo_seed(seed, campaign.name))
        for treatment in campaign.treatments.all():
            lift = TRUE_LIFTS.get((campaign.name, treatment.code), 0.0)
            own = members[members["treatment_id"] == treatment.pk]
            if not lift or own.empty:
                continue
            target = own[own["is_control"] == (lift < 0)]
            quiet = target[~target["responded"]]
            probability = min(1.0, abs(lift) * len(target) / max(len(quiet), 1))
            chosen = quiet[rng.random(len(quiet)) < probability]
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
                        "category": "GRO",
                    }
                )
    if not lines:
        return 0
    with TemporaryDirectory() as folder:
        path = Path(folder) / "responses.csv"
        pd.DataFrame(lines).to_csv(path, index=False)
        import_file(kind="purchases", path=path)
    return len(lines)
