"""The demo retailer's campaigns: a dozen across the last quarters, with audiences built and released."""

import hashlib
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser

from campaigns.models import Campaign, Treatment
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
from core.lib.days import day_start
from core.lib.quarters import quarter_bounds, quarter_of
from core.services import Progress
from customers.models import Category
from segments.models import FeatureRun, Portfolio, Segment
from segments.services import features_refresh

# name, portfolio stage, objective, weeks before the history ends, treatments: (segment, channel, message,
# cost per contact in cents, holdout share)
CAMPAIGNS = [
    (
        "Welcome series",
        "new",
        "conversion",
        46,
        [("Never bought", "email", "Welcome: 10% off your first order", 2, "0.30")],
    ),
    (
        "Second order nudge",
        "one_time",
        "traffic",
        42,
        [
            ("One order so far", "email", "We miss you already", 2, "0.20"),
            ("One order so far", "direct_mail", "A card for your next visit", 55, "0.20"),
        ],
    ),
    (
        "Beauty week",
        "repurchase",
        "basket",
        38,
        [("Beauty lovers", "direct_mail", "Beauty week booklet with samples", 90, "0.30")],
    ),
    (
        "Win-back: at risk",
        "at_risk",
        "traffic",
        34,
        [("Likely to return", "sms", "Come back for double points", 5, "0.20")],
    ),
    (
        "Best customer preview",
        "best",
        "margin",
        30,
        [("Top RFM", "direct_mail", "A printed invitation to a private preview", 120, "0.30")],
    ),
    (
        "Garden season",
        "repurchase",
        "basket",
        26,
        [
            ("Garden and home", "email", "Garden season starts", 2, "0.20"),
            ("Garden and home", "push", "Garden season: app offer", 1, "0.20"),
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
        [("Young app users", "push", "Early access in the app", 1, "0.20")],
    ),
    ("High spender thanks", "best", "margin", 14, [("High spenders", "email", "A thank-you gift", 2, "0.30")]),
    (
        "North and Central events",
        "repurchase",
        "traffic",
        10,
        [("North and Central", "in_store", "Store event invite", 0, "0.20")],
    ),
    ("Online-first bundle", "one_time", "basket", 6, [("Online-first", "email", "Bundle and save", 2, "0.20")]),
    ("Autumn return", "at_risk", "traffic", 3, [("Likely to return", "email", "Autumn comeback offer", 2, "0.20")]),
]

PAST_CAMPAIGN_DAYS = 28
RESPONSE_WINDOW_DAYS = 30
# Best customers buy every week or two, and a beauty week lasts a week: a fortnight tells a response from their
# habit, a month drowns it.
RESPONSE_WINDOWS = {"Beauty week": 14, "Best customer preview": 14, "High spender thanks": 14}
# Campaigns about one category count a purchase in it as the response: their customers shop anyway.
RESPONSE_CATEGORIES = {"Beauty week": "BEA", "Best customer preview": "APP"}

# Campaigns tested differently from the default (a control group per treatment, no correction, Welch): the
# garden e-mail and the garden app offer are a champion and a challenger against one holdout.
TEST_DESIGNS = {
    "Garden season": {"control_design": "shared", "shared_control_share": "0.200", "p_adjustment": "holm"},
}

# Campaigns whose treatments give each customer their best offers from the bank, and how many: as at most
# retailers, nearly every campaign carries an offer (the store event invites people in without one).
BEST_OFFERS = {
    "Welcome series": 1,
    "Second order nudge": 1,
    "Beauty week": 2,
    "Win-back: at risk": 1,
    "Best customer preview": 1,
    "Garden season": 1,
    "Reactivation letter": 1,
    "App users first": 1,
    "High spender thanks": 3,
    "Online-first bundle": 3,
    "Autumn return": 2,
}


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
        [("One order so far", "email", "Your next order, on us", 2, "0.10")],
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
    """Create, build and release the demo campaigns, each on its start date, and close the finished ones.

    The demo's history is played forward: each campaign's audience is built from the customers as they were
    described at the end of the quarter before it (no one who had not signed up or bought yet), its workflow is
    dated as it happened, and the customers are described as of the history's end again afterwards.
    """
    user_model = get_user_model()
    marketer, manager = user_model.objects.get(username="marketer"), user_model.objects.get(username="manager")
    released = 0
    for number, (name, stage, objective, weeks_before, treatments) in enumerate(CAMPAIGNS):
        progress(100 * number / len(CAMPAIGNS), f"Campaign {name}")
        if Campaign.objects.filter(name=name).exists():
            continue
        start = within_its_quarter(end - timedelta(weeks=weeks_before), days=PAST_CAMPAIGN_DAYS)
        described_as_of(quarter_bounds(*quarter_of(start))[0] - timedelta(days=1))
        campaign = _campaign_make(
            marketer=marketer,
            name=name,
            stage=stage,
            objective=objective,
            start=start,
            days=PAST_CAMPAIGN_DAYS,
            treatments=treatments,
            seed=seed,
            template=f"template-{number}",
            description=f"Demo campaign: {treatments[0][2]}.",
            design=TEST_DESIGNS.get(name, {}),
            response_rate="0.0600",
            **({"offer_strategy": "best_n", "offers_per_customer": BEST_OFFERS[name]} if name in BEST_OFFERS else {}),
        )
        approver = campaign.portfolio.owner
        campaign_submit(campaign=campaign, user=marketer)
        campaign_approve(campaign=campaign, user=approver, comment="Fits the quarter's plan.")
        audience_build(campaign=campaign, user=marketer)
        if allocation_needed(campaign):
            allocation_start(campaign)
        campaign_release(campaign=campaign, user=marketer, contacted_at=_at(start, 9))
        campaign_start_measuring(campaign=campaign)
        closes = campaign.end_date + timedelta(days=RESPONSE_WINDOW_DAYS + 1)
        if closes < end:
            campaign_close(campaign=campaign, user=marketer)
        workflow_dated(
            campaign,
            {
                Campaign.Status.DRAFT: (_at(start - timedelta(days=28), 10), marketer),
                Campaign.Status.SUBMITTED: (_at(start - timedelta(days=21), 11), marketer),
                Campaign.Status.APPROVED: (_at(start - timedelta(days=18), 15), approver),
                Campaign.Status.AUDIENCE_BUILT: (_at(start - timedelta(days=3), 9, 30), marketer),
                Campaign.Status.RELEASED: (_at(start, 9), marketer),
                Campaign.Status.MEASURING: (_at(start, 9, 5), None),
                Campaign.Status.CLOSED: (_at(closes, 10), marketer),
            },
        )
        released += 1
    described_as_of(end)
    planned = _next_quarter_load(end=end, seed=seed, marketer=marketer, manager=manager)
    return {"campaigns": released, "planned_campaigns": planned}


def within_its_quarter(start: date, *, days: int) -> date:
    """The start of a campaign of `days` days planned for `start`, moved earlier if it would run past its
    quarter's end: a campaign is planned, budgeted and reported in one quarter."""
    first, last = quarter_bounds(*quarter_of(start))
    return max(first, min(start, last - timedelta(days=days - 1)))


def described_as_of(day: date) -> None:
    """Publish the customers' features as of `day`, unless they already are: audiences are built from them."""
    latest = FeatureRun.objects.first()
    if latest is None or latest.as_of != day:
        features_refresh(as_of=day, window_days=365)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return day_start(day) + timedelta(hours=hour, minutes=minute)


def workflow_dated(campaign: Campaign, steps: dict[str, tuple[datetime, AbstractBaseUser | None]]) -> None:
    """Date the campaign's workflow as it happened rather than when the demo was loaded: its change log (each
    status at its moment, by whoever took the step), its approval, its audience build and its offers."""
    for status, (moment, user) in steps.items():
        Campaign.history.filter(id=campaign.pk, status=status).update(history_date=moment, history_user=user)
    created, author = steps[Campaign.Status.DRAFT]
    Treatment.history.filter(campaign_id=campaign.pk).update(history_date=created, history_user=author)
    Campaign.objects.filter(pk=campaign.pk).update(created_at=created)
    approved = steps[Campaign.Status.APPROVED][0]
    Campaign.objects.filter(pk=campaign.pk, approved_by__isnull=False).update(approved_at=approved)
    built = steps[Campaign.Status.AUDIENCE_BUILT][0]
    campaign.builds.update(built_at=built)
    campaign.allocation_runs.update(created_at=built, finished_at=built + timedelta(minutes=2))


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
            response_window_days=RESPONSE_WINDOWS.get(name, RESPONSE_WINDOW_DAYS),
            **_response_by_category(name),
            expected_response_rate=response_rate,
            expected_order_value_cents=4_500,
            **offers,
        )
    return campaign


def _response_by_category(name: str) -> dict:
    code = RESPONSE_CATEGORIES.get(name)
    if code is None:
        return {}
    return {"response_kind": Treatment.Response.CATEGORY, "response_category": Category.objects.get(code=code)}


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
        # Planned in the last fortnight of the history, each step a few days after the one before.
        workflow_dated(
            campaign,
            {
                Campaign.Status.DRAFT: (_at(end - timedelta(days=14 - number), 10), marketer),
                Campaign.Status.SUBMITTED: (_at(end - timedelta(days=7 - number // 2), 11), marketer),
                Campaign.Status.APPROVED: (_at(end - timedelta(days=4), 15), manager),
                Campaign.Status.AUDIENCE_BUILT: (_at(end - timedelta(days=1), 9, 30), marketer),
            },
        )
        planned += 1
    return planned
