"""The demo retailer's campaigns: a dozen across the last quarters, with audiences built and released."""

import hashlib
from datetime import date, datetime, time, timedelta

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
from campaigns.services.allocation import allocation_needed, allocation_start
from core.services import Progress
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

# Campaigns tested differently from the default (a control group per treatment, no correction, Welch): the
# garden e-mail and the garden app offer are a champion and a challenger against one holdout.
TEST_DESIGNS = {
    "Garden season": {"control_design": "shared", "shared_control_share": "0.100", "p_adjustment": "holm"},
}

# Treatments that give each customer their best offers from the bank, and how many.
BEST_OFFERS = {"Beauty week": 2, "High spender thanks": 3, "Online-first bundle": 3, "Autumn return": 2}


# Next quarter's plan, in every state a plan goes through before release: name, portfolio stage, objective,
# weeks into the quarter, treatments (as above), and how far it has gone.
NEXT_QUARTER = [
    (
        "New year welcome",
        "new",
        "conversion",
        1,
        [("Never bought", "email", "Start the year with 10% off", 2, "0.10")],
        "built",
    ),
    (
        "January second order",
        "one_time",
        "traffic",
        2,
        [("Emailable regulars", "email", "Your next order, on us", 2, "0.10")],
        "approved",
    ),
    (
        "Spring best preview",
        "best",
        "margin",
        5,
        [("Top RFM", "email", "First look at spring", 2, "0.10")],
        "submitted",
    ),
    (
        "Lapsed spring letter",
        "lapsed",
        "traffic",
        6,
        [("Fading regulars", "direct_mail", "Spring is back, so are we", 60, "0.20")],
        "submitted",
    ),
    (
        "At-risk SMS reminder",
        "at_risk",
        "traffic",
        8,
        [("Likely to return", "sms", "Double points this week", 5, "0.20")],
        "draft",
    ),
    (
        "Home and garden week",
        "repurchase",
        "basket",
        9,
        [
            ("Garden and home", "email", "Home and garden week", 2, "0.10"),
            ("Garden and home", "push", "Home and garden week in the app", 1, "0.10"),
        ],
        "draft",
    ),
]


def demo_seed(seed: int, name: str) -> int:
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
        campaign = _campaign_make(
            marketer=marketer,
            name=name,
            stage=stage,
            objective=objective,
            start=start,
            days=28,
            treatments=treatments,
            seed=seed,
            template=f"template-{number}",
            description=f"Demo campaign: {treatments[0][2]}.",
            design=TEST_DESIGNS.get(name, {}),
            response_rate="0.0600",
            **({"offer_strategy": "best_n", "offers_per_customer": BEST_OFFERS[name]} if name in BEST_OFFERS else {}),
        )
        audience_build(campaign=campaign, user=marketer)
        if allocation_needed(campaign):
            allocation_start(campaign)
        campaign_submit(campaign=campaign, user=marketer)
        campaign_approve(campaign=campaign, user=manager, comment="Fits the quarter's plan.")
        contacted_at = timezone.make_aware(datetime.combine(start, time(9, 0)))
        campaign_release(campaign=campaign, user=marketer, contacted_at=contacted_at)
        campaign_start_measuring(campaign=campaign)
        if campaign.end_date + timedelta(days=30) < end:
            campaign_close(campaign=campaign, user=marketer)
        released += 1
    planned = _next_quarter_load(end=end, seed=seed, marketer=marketer, manager=manager)
    return {"campaigns": released, "planned_campaigns": planned}


def _campaign_make(
    *,
    marketer,
    name: str,
    stage: str,
    objective: str,
    start: date,
    days: int,
    treatments: list[tuple],
    seed: int,
    template: str,
    description: str,
    design: dict,
    response_rate: str,
    **offers: object,
) -> Campaign:
    """A demo campaign of `days` days in the stage's portfolio, with a treatment per (segment, channel, message,
    cost per contact in cents, holdout share)."""
    campaign = campaign_create(
        owner=marketer,
        name=name,
        portfolio=Portfolio.objects.get(stage__code=stage),
        start_date=start,
        end_date=start + timedelta(days=days - 1),
        objective=objective,
        description=description,
        seed=demo_seed(seed, name),
        **design,
    )
    for position, (segment, channel, message, cost, holdout) in enumerate(treatments):
        treatment_save(
            campaign=campaign,
            code=chr(65 + position),
            segment=Segment.objects.get(name=segment),
            channel=channel,
            message_name=message,
            content_ref=f"{template}-{position}",
            holdout_share=holdout,
            cost_per_contact_cents=cost,
            priority=position + 1,
            response_window_days=30,
            expected_response_rate=response_rate,
            expected_order_value_cents=4_500,
            **offers,
        )
    return campaign


def _next_quarter_load(*, end: date, seed: int, marketer, manager) -> int:
    """The quarter after the history's: drafts, campaigns waiting for their portfolio owner, approved ones and
    one whose audience is built, so that the plan and the inboxes have something to show."""
    year, quarter = (end.year + 1, 1) if end.month > 9 else (end.year, (end.month - 1) // 3 + 2)
    first = date(year, 3 * quarter - 2, 1)
    planned = 0
    for number, (name, stage, objective, week, treatments, state) in enumerate(NEXT_QUARTER):
        if Campaign.objects.filter(name=name).exists():
            continue
        start = first + timedelta(weeks=week)
        campaign = _campaign_make(
            marketer=marketer,
            name=name,
            stage=stage,
            objective=objective,
            start=start,
            days=21,
            treatments=treatments,
            seed=seed,
            template=f"template-next-{number}",
            description=f"Planned: {treatments[0][2]}.",
            design={"control_design": "shared"} if len(treatments) > 1 else {},
            response_rate="0.0500",
        )
        if state in ("submitted", "approved", "built"):
            campaign_submit(campaign=campaign, user=marketer)
        if state in ("approved", "built"):
            campaign_approve(campaign=campaign, user=manager, comment="In the plan we agreed.")
        if state == "built":
            audience_build(campaign=campaign, user=marketer)
        planned += 1
    return planned
