"""The demo's store events: the Old Mill store that closed, the farewell campaign its regulars were sent and what
they did after, and a closure planned for next quarter, weighed from what the first one measured."""

from datetime import date, datetime, time, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np
import pandas as pd
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from campaigns.demo import demo_seed, described_as_of, workflow_dated
from campaigns.models import AudienceMember, Campaign
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
from core.lib.days import day_start
from core.lib.quarters import quarter_bounds, quarter_of
from customers.imports.run import import_file
from customers.models import Customer, Purchase, Store
from reporting.models import StoreEvent
from reporting.services import results_run
from reporting.store_event_services import store_event_save
from reporting.store_events import nearest_stores
from segments.models import Portfolio, PortfolioBudget, Segment
from segments.services import segment_save

CLOSED_CODE = "S02"  # the retailer's history closes it (customers.demo.retailer.CLOSED_STORE)
PLANNED_CODE = "S13"
FAREWELL = "Old Mill farewell"
WINDOW_DAYS = 90
COUPON_WEEKS = 6
# The farewell keeps this share of its treated members buying, at the nearest store: they would otherwise
# have bought nowhere in the 90 days after the closing. (The retailer's history sends the closed store's
# orders online, so the closing itself costs no more customers than usual: the event's report says so.)
KEPT = 0.12
FEWEST_CUSTOMERS = 50


def store_event_demo_load(*, end: date, seed: int) -> dict:
    """The closed store's event with its retention campaign and after-event report, and a planned closure."""
    closed = Store.objects.filter(code=CLOSED_CODE, closed_on__isnull=False).first()
    if closed is None or StoreEvent.objects.filter(store=closed).exists():
        return {"store_events": 0}
    if closed.closed_on + timedelta(days=WINDOW_DAYS) > end:
        return {"store_events": 0}  # a history too short to have seen what came after
    sent = closed.closed_on - timedelta(days=7)
    before = Purchase.objects.filter(customer__home_store=closed, purchased_at__lt=day_start(sent))
    if before.values("customer_id").distinct().count() < FEWEST_CUSTOMERS:
        return {"store_events": 0}  # a retailer too small for the store to have regulars worth a campaign
    manager = get_user_model().objects.get(username="manager")
    farewell = _farewell_campaign(closed, end=end, seed=seed)
    kept = _farewell_responses(farewell, closed, seed=seed)
    results_run(campaign=farewell)
    store_event_save(
        user=manager,
        store=closed,
        kind=StoreEvent.Kind.CLOSE,
        event_date=closed.closed_on,
        window_days=WINDOW_DAYS,
        top_deciles=3,
        nearest_stores=1,  # the only other store in the North; the next is 130 km away
        channel="direct_mail",
        holdout_share="0.300",
        cost_per_contact_cents=60,
        gift_cents=500,
        coupon_cost_cents=300,
        campaign=farewell,
        notes="The lease ended. Regulars were thanked with a gift and six weeks of coupons at the nearest stores.",
    )
    planned = Store.objects.filter(code=PLANNED_CODE).first()
    if planned is not None:
        year, quarter = (end.year + 1, 1) if end.month > 9 else (end.year, (end.month - 1) // 3 + 2)
        store_event_save(
            user=manager,
            store=planned,
            kind=StoreEvent.Kind.CLOSE,
            event_date=quarter_bounds(year, quarter)[0] + timedelta(weeks=8),
            window_days=WINDOW_DAYS,
            top_deciles=3,
            nearest_stores=2,
            channel="direct_mail",
            notes="The landlord will not renew. Weighed before we decide on a farewell like Old Mill's.",
        )
    return {"store_events": 2 if planned else 1, "farewell_kept_lines": kept}


def _farewell_campaign(closed: Store, *, end: date, seed: int) -> Campaign:
    """A direct-mail thank-you to the closed store's regulars who were members before it closed, sent a week
    before the closing, built, approved, released and closed as any campaign is."""
    user_model = get_user_model()
    marketer, manager = user_model.objects.get(username="marketer"), user_model.objects.get(username="manager")
    start = closed.closed_on - timedelta(days=7)
    # Built from the customers as they were described at the end of the quarter before it went out: nobody who
    # had not signed up, or bought, by then.
    described_as_of(quarter_bounds(*quarter_of(start))[0] - timedelta(days=1))
    segment = Segment.objects.filter(name=f"{closed.name} customers").first()
    segment = segment_save(
        segment=segment,
        owner=manager,
        name=f"{closed.name} customers",
        description=f"Home store {closed.name}, bought at least once before it closed.",
        rules={
            "all": [
                {"field": "home_store", "op": "in", "value": [closed.code]},
                {"field": "orders_lifetime", "op": "gte", "value": 1},
            ]
        },
    )
    best = Portfolio.objects.get(stage__code="best")
    first_year, first_quarter = start.year, (start.month - 1) // 3 + 1
    last = closed.closed_on + timedelta(weeks=COUPON_WEEKS)
    for year, quarter in {(first_year, first_quarter), (last.year, (last.month - 1) // 3 + 1)}:
        budget, made = PortfolioBudget.objects.get_or_create(
            portfolio=best, year=year, quarter=quarter, defaults={"amount_cents": 6_000_000}
        )
        if made:
            budget.history.update(history_date=_at(start - timedelta(days=60), 11), history_user=manager)
    segment.history.update(history_date=_at(start - timedelta(days=35), 10), history_user=manager)
    campaign = campaign_create(
        owner=marketer,
        name=FAREWELL,
        portfolio=best,
        start_date=start,
        end_date=last,
        objective="traffic",
        description=f"Thank you from {closed.name}: a gift, and six weeks of coupons at the nearest store.",
        seed=demo_seed(seed, FAREWELL),
    )
    treatment_save(
        campaign=campaign,
        code="A",
        segment=segment,
        channel="direct_mail",
        message_name="Thank you, and see you nearby",
        content_ref="farewell-letter",
        holdout_share="0.300",
        cost_per_contact_cents=560,  # postage 0.60 and the gift 5.00
        cost_per_redemption_cents=300,
        response_window_days=COUPON_WEEKS * 7,
        expected_response_rate="0.0600",
        expected_order_value_cents=4_500,
    )
    campaign_submit(campaign=campaign, user=marketer)
    approver = best.owner
    campaign_approve(campaign=campaign, user=approver, comment="Keep the regulars.")
    audience_build(campaign=campaign, user=marketer)
    contacted_at = timezone.make_aware(datetime.combine(start, time(9, 0)))
    campaign_release(campaign=campaign, user=marketer, contacted_at=contacted_at)
    campaign_start_measuring(campaign=campaign)
    campaign_close(campaign=campaign, user=marketer)
    closes = last + timedelta(days=1)
    workflow_dated(
        campaign,
        {
            Campaign.Status.DRAFT: (_at(start - timedelta(days=28), 10), marketer),
            Campaign.Status.SUBMITTED: (_at(start - timedelta(days=21), 11), marketer),
            Campaign.Status.APPROVED: (_at(start - timedelta(days=18), 15), approver),
            Campaign.Status.AUDIENCE_BUILT: (_at(start - timedelta(days=3), 9), marketer),
            Campaign.Status.RELEASED: (contacted_at, marketer),
            Campaign.Status.MEASURING: (contacted_at + timedelta(minutes=5), None),
            Campaign.Status.CLOSED: (_at(closes, 10), marketer),
        },
    )
    described_as_of(end)
    return campaign


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


QUIET_SQL = f"""
SELECT m.customer_id FROM {AudienceMember._meta.db_table} m
WHERE m.campaign_id = %(campaign)s AND NOT m.is_control
  AND NOT EXISTS (
      SELECT 1 FROM {Purchase._meta.db_table} p
      WHERE p.customer_id = m.customer_id AND p.revenue_cents > 0 AND p.purchased_at >= %(first)s
        AND p.purchased_at < %(stop)s
  )
ORDER BY m.customer_id
"""


def _farewell_responses(campaign: Campaign, closed: Store, *, seed: int) -> int:
    """Purchases that make the farewell keep KEPT of its treated members: some who would have bought nowhere
    after the closing buy, with a coupon, at the nearest store in the six weeks after."""
    first = closed.closed_on + timedelta(days=1)
    with connection.cursor() as cursor:
        cursor.execute(
            QUIET_SQL,
            {"campaign": campaign.pk, "first": day_start(first), "stop": day_start(first + timedelta(WINDOW_DAYS))},
        )
        quiet = np.array([row[0] for row in cursor.fetchall()], dtype=np.int64)
    treated = AudienceMember.objects.filter(campaign=campaign, is_control=False).count()
    nearby = [near.code for near in nearest_stores(closed.pk, closed.closed_on, 1)]
    if not len(quiet) or not nearby:
        return 0
    rng = np.random.default_rng(demo_seed(seed, f"{FAREWELL} responses"))
    chosen = quiet[rng.random(len(quiet)) < min(1.0, KEPT * treated / len(quiet))]
    if not len(chosen):
        return 0
    external = dict(Customer.objects.filter(pk__in=chosen.tolist()).values_list("pk", "external_id"))
    at = (
        pd.Timestamp(datetime.combine(first, time(10)))
        + pd.to_timedelta(rng.integers(2, COUPON_WEEKS * 7, len(chosen)), unit="D")
        + pd.to_timedelta(rng.integers(0, 9, len(chosen)), unit="h")
    )
    lines = pd.DataFrame(
        {
            "line_id": [f"F{campaign.pk}-{customer}" for customer in chosen],
            "order_ref": [f"F{campaign.pk}-{customer}" for customer in chosen],
            "customer_id": [external[customer] for customer in chosen],
            "purchased_at": at.strftime("%Y-%m-%d %H:%M:%S"),
            "channel": "store",
            "store": np.array(nearby)[rng.integers(0, len(nearby), len(chosen))],
            "category": "GRO",
            "quantity": 1,
            "revenue": np.round(rng.lognormal(3.5, 0.5, len(chosen)), 2),
            "offer_code": "OLDMILL",
        }
    )
    with TemporaryDirectory() as folder:
        path = Path(folder) / "farewell.csv"
        lines.to_csv(path, index=False)
        import_file(kind="purchases", path=path)
    return len(lines)
