"""Both commands that describe customers as of a day count the same purchases: all of that day, in the app's
time zone, and nothing of the next."""

from datetime import date, datetime, time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from customers.models import Customer, Purchase
from segments.models import CustomerFeatures, StageAssignment

DAY = date(2026, 6, 30)


def bought(customer: Customer, when: datetime) -> Purchase:
    return Purchase(
        line_id=f"{customer.external_id}-1",
        customer=customer,
        purchased_at=when,
        channel=Purchase.Where.ONLINE,
        order_ref=f"{customer.external_id}-1",
        quantity=1,
        revenue_cents=1_000,
        margin_cents=300,
    )


@pytest.fixture(params=["America/New_York", "UTC"])
def boundary_day(request, db, settings):
    """Four customers who bought once: the day before, the first moment of the day, its last half hour (the
    next day already in UTC when the zone is New York's) and the first moment of the next day."""
    settings.TIME_ZONE = request.param
    zone = ZoneInfo(request.param)
    moments = {
        "day_before": datetime.combine(DAY - timedelta(days=1), time(12), tzinfo=zone),
        "first_moment": datetime.combine(DAY, time.min, tzinfo=zone),
        "last_half_hour": datetime.combine(DAY, time(23, 30), tzinfo=zone),
        "next_day": datetime.combine(DAY + timedelta(days=1), time.min, tzinfo=zone),
    }
    customers = {name: Customer.objects.create(external_id=name, signup_date=date(2026, 1, 1)) for name in moments}
    Purchase.objects.bulk_create(bought(customers[name], when) for name, when in moments.items())


def test_features_and_stages_as_of_a_day_count_every_purchase_of_that_day_and_none_of_the_next(boundary_day):
    call_command("stage_customers", str(DAY), stdout=StringIO())
    call_command("refresh_features", "--as-of", str(DAY), stdout=StringIO())
    described = {
        row.customer.external_id: (row.orders_lifetime, row.recency_days, row.stage.code)
        for row in CustomerFeatures.objects.select_related("customer", "stage")
    }
    assert described == {
        "day_before": (1, 1, "new"),
        "first_moment": (1, 0, "new"),
        "last_half_hour": (1, 0, "new"),
        "next_day": (0, None, "prospect"),
    }
    staged = dict(StageAssignment.objects.filter(period_end=DAY).values_list("customer__external_id", "stage__code"))
    assert staged == {name: stage for name, (_, _, stage) in described.items()}
