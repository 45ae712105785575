"""The store-event what-if on hand-made stores, customers and purchases: the store's customers and their value
deciles, the nearest open stores to the kilometre, doing nothing against a retention campaign to the cent,
attrition measured on a past closure, and the after-event report of the retention campaign's audience."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import AudienceMember, Campaign
from customers.models import Customer, Purchase, Store
from reporting.models import StoreEvent
from reporting.store_event_services import StoreEventError, store_event_save
from reporting.store_events import (
    after_event,
    kept_share,
    measured_attrition,
    nearest_stores,
    store_customers,
    what_if,
)
from reporting.tests.test_plan import campaign, treatment
from reporting.tests.test_scenarios import measured

TODAY = date(2026, 11, 30)
CLOSING = date(2026, 3, 31)


def bought(customer: Customer, day: date, revenue: int, *, store: Store | None = None, hour: int = 12) -> None:
    """A sales line of `revenue` whole units at a 30% margin, in `store` (online without one)."""
    at = datetime.combine(day, time(hour), tzinfo=ZoneInfo(settings.TIME_ZONE))
    Purchase.objects.create(
        line_id=f"{customer.external_id}-{day}-{hour}-{revenue}",
        customer=customer,
        purchased_at=at,
        channel="store" if store else "online",
        store=store,
        order_ref=f"{customer.external_id}-{day}",
        quantity=1,
        revenue_cents=revenue * 100,
        margin_cents=revenue * 30,
    )


@pytest.fixture
def stores(db) -> dict[str, Store]:
    """The closing store at 51.5 N 0.0 E; others 6.9 km east, 11.1 km north, 111.2 km north; one 2.6 km away
    that closed before, one with no coordinates and one that opens after the event."""
    return {
        "closing": Store.objects.create(code="A", name="Closing", latitude=51.5, longitude=0.0),
        "east": Store.objects.create(code="B", name="East", latitude=51.5, longitude=0.1),
        "north": Store.objects.create(code="C", name="North", latitude=51.6, longitude=0.0),
        "far": Store.objects.create(code="F", name="Far", latitude=52.5, longitude=0.0),
        "gone": Store.objects.create(
            code="D", name="Gone", latitude=51.52, longitude=0.02, closed_on=date(2025, 1, 31)
        ),
        "unplaced": Store.objects.create(code="E", name="Unplaced"),
        "later": Store.objects.create(
            code="G", name="Later", latitude=51.5, longitude=0.01, opened_on=date(2026, 6, 1)
        ),
    }


@pytest.fixture
def buyers(stores) -> dict[str, Customer]:
    """Ten buyers in the year to the closing day spending 100 to 1,000 (one per value decile); the closing
    store is home to those spending 1,000, 900 and 300, and to two who did not buy that year."""
    people = {}
    for number in range(1, 11):
        home = stores["closing"] if number in (10, 9, 3) else stores["east"]
        people[number] = Customer.objects.create(external_id=f"B{number:02d}", home_store=home)
        bought(people[number], date(2025, 10, number), number * 100, store=home)
    earlier = Customer.objects.create(external_id="EARLIER", home_store=stores["closing"])
    bought(earlier, date(2025, 3, 31), 5_000, store=stores["closing"])  # a day before the year
    Customer.objects.create(external_id="NEVER", home_store=stores["closing"])
    return people


def test_the_stores_customers_are_those_who_bought_in_the_year_by_value_decile(stores, buyers):
    customers = store_customers(stores["closing"].pk, CLOSING)

    assert customers.customers == 3
    assert customers.revenue_cents == 220_000
    assert customers.margin_cents == 66_000
    assert [(one.decile, one.customers) for one in customers.deciles] == [(3, 1), (9, 1), (10, 1)]
    assert customers.top(2).customers == 2 and customers.top(2).revenue_cents == 190_000


def test_the_nearest_stores_are_the_open_ones_by_computed_distance(stores):
    nearest = nearest_stores(stores["closing"].pk, CLOSING)

    assert [(one.name, round(one.km)) for one in nearest] == [("East", 7), ("North", 11), ("Far", 111)]
    assert [(one.name, round(one.km)) for one in nearest_stores(stores["closing"].pk, date(2026, 7, 1), 2)] == [
        ("Later", 1),
        ("East", 7),
    ]


def test_without_a_past_closure_doing_nothing_is_the_stated_assumption_to_the_cent(stores, buyers, manager):
    event = store_event_save(
        user=manager,
        store=stores["closing"],
        kind=StoreEvent.Kind.CLOSE,
        event_date=CLOSING,
        assumed_attrition=20,
        assumed_saved=10,
        top_deciles=2,
        holdout_share="0.500",
        cost_per_contact_cents=60,
        gift_cents=500,
        coupon_cost_cents=300,
    )

    result = what_if(event, TODAY)

    # Do nothing: 3 customers x 20% = 0.6 lost, each with a year of 733.33 at a 30% margin: 132.00.
    assert not result.attrition.measured and result.attrition.excess == pytest.approx(0.2)
    assert result.do_nothing.responders == pytest.approx(0.6)
    assert result.do_nothing.margin_cents == 13_200
    # The campaign: the two of deciles 9 and 10, half held out: 1 reached, keeping 10% of them (assumed),
    # each with a year of 950.00 at 30%: 28.50 kept; costs 1 x (0.60 + 5.00) + 0.1 x 3.00 = 5.90.
    assert result.reached == 1 and not result.kept.measured
    assert result.campaign.responders == pytest.approx(0.1)
    assert result.campaign.margin_cents == 2_850
    assert result.campaign.costs_cents == 590
    assert result.campaign.net_cents == 2_260
    assert [one.name for one in result.coupon_stores] == ["East", "North"]


@pytest.fixture
def past_closure(stores) -> Store:
    """The store "Gone" closed on 31 Jan 2025: of its four customers, one bought at another store and one
    online in the 90 days after, two bought nowhere (50%); of the four customers of open stores who bought in
    the year before, one bought nowhere (25%)."""
    gone = stores["gone"]
    for number, after in enumerate([stores["east"], "online", None, None]):
        customer = Customer.objects.create(external_id=f"G{number}", home_store=gone)
        bought(customer, date(2024, 12, 1), 50, store=gone)
        if after == "online":
            bought(customer, date(2025, 3, 1), 40)
        elif after:
            bought(customer, date(2025, 2, 10), 40, store=after)
    for number, again in enumerate([True, True, True, False]):
        customer = Customer.objects.create(external_id=f"O{number}", home_store=stores["north"])
        bought(customer, date(2024, 11, 1), 50, store=stores["north"])
        if again:
            bought(customer, date(2025, 4, 1), 40, store=stores["north"])
    late = Customer.objects.create(external_id="LATE", home_store=stores["north"])
    bought(late, date(2024, 11, 1), 50, store=stores["north"])
    bought(late, date(2025, 5, 2), 40, store=stores["north"])  # day 91 after: too late, lost
    return gone


def test_attrition_is_measured_on_a_past_closure_against_the_stores_that_stayed_open(stores, past_closure, manager):
    attrition = measured_attrition(before=CLOSING, window_days=90, today=TODAY)

    assert (attrition.customers, attrition.lost) == (4, 2)
    assert (attrition.baseline_customers, attrition.baseline_lost) == (5, 2)
    assert attrition.excess == pytest.approx(0.5 - 0.4)
    assert attrition.closures == ["Gone (closed 31 Jan 2025)"]
    # A closure whose window has not passed yet measures nothing.
    assert not measured_attrition(before=CLOSING, window_days=90, today=date(2025, 4, 30)).measured

    event = store_event_save(user=manager, store=stores["closing"], event_date=CLOSING, assumed_attrition=30)
    assert what_if(event, TODAY).attrition.excess == pytest.approx(0.1)
    works = store_event_save(user=manager, store=stores["closing"], kind=StoreEvent.Kind.RENOVATION, event_date=CLOSING)
    assert what_if(works, TODAY).attrition.excess == pytest.approx(0.2)  # past closures do not measure works


@pytest.fixture
def retention(stores, portfolio, marketer) -> Campaign:
    """The retention campaign's audience: four treated (two bought at another store, one online, one only after
    the window) and two control (one bought at another store, one only at the closing store on its last day)."""
    farewell = campaign(portfolio, marketer, "Farewell", Campaign.Status.CLOSED, start=date(2026, 4, 1))
    cell = treatment(farewell, "A", "direct_mail", 6)
    plan = {
        "T1": (False, [(date(2026, 4, 10), stores["east"])]),
        "T2": (False, [(date(2026, 5, 1), stores["north"])]),
        "T3": (False, [(date(2026, 4, 20), None)]),
        "T4": (False, [(date(2026, 7, 15), stores["east"])]),
        "K1": (True, [(date(2026, 6, 1), stores["north"])]),
        "K2": (True, [(CLOSING, stores["closing"])]),
    }
    for code, (is_control, purchases) in plan.items():
        customer = Customer.objects.create(external_id=code, home_store=stores["closing"])
        AudienceMember.objects.create(campaign=farewell, customer=customer, treatment=cell, is_control=is_control)
        for day, store in purchases:
            bought(customer, day, 30, store=store)
    return farewell


def test_after_the_event_the_report_compares_treated_with_control(stores, retention, manager):
    event = store_event_save(user=manager, store=stores["closing"], event_date=CLOSING, campaign=retention)

    report = after_event(event, TODAY)

    assert (report.first, report.last, report.complete) == (date(2026, 4, 1), date(2026, 6, 29), True)
    assert (report.treated.members, report.treated.other_stores, report.treated.anywhere) == (4, 2, 3)
    assert (report.control.members, report.control.other_stores, report.control.anywhere) == (2, 1, 1)
    assert report.other_stores["difference"] == pytest.approx(0.0)
    assert report.kept["difference"] == pytest.approx(0.25)
    assert after_event(event, date(2026, 3, 31)) is None  # not before the day has passed
    # The next event's retention campaign is forecast from this one's measured effect.
    later = store_event_save(user=manager, store=stores["east"], event_date=date(2026, 10, 31))
    kept = what_if(later, TODAY).kept
    assert kept.measured and kept.rate == pytest.approx(0.25) and "Closing" in kept.source


def test_a_closure_is_on_the_day_the_store_closed(stores, manager, marketer):
    with pytest.raises(StoreEventError, match="closed on 31 Jan 2025"):
        store_event_save(user=manager, store=stores["gone"], event_date=date(2025, 2, 1))
    with pytest.raises(StoreEventError, match="Only a manager"):
        store_event_save(user=marketer, store=stores["closing"], event_date=CLOSING)


def test_the_page_shows_the_stakes_and_says_what_is_assumed(client, stores, buyers, manager, marketer):
    event = store_event_save(user=manager, store=stores["closing"], event_date=CLOSING, assumed_attrition=20)
    client.force_login(marketer)

    page = client.get(reverse("reporting:store_event", args=[event.pk])).content.decode()

    assert 'id="store-customer-count">3<' in page
    assert "6.9 km" in page and "11.1 km" in page and "Gone" not in page
    assert "Assumption" in page and "20.0%" in page
    assert "Change the event" not in page  # a marketer reads, a manager changes
    assert reverse("reporting:store_events") in client.get(reverse("reporting:scenarios")).content.decode()
    refused = client.post(reverse("reporting:store_event_edit", args=[event.pk]), {"window_days": 30})
    assert refused.status_code == 403

    client.force_login(manager)
    form = {
        "store": stores["closing"].pk,
        "kind": "close",
        "event_date": "2026-03-31",
        "window_days": 60,
        "assumed_attrition": "25",
        "top_deciles": 3,
        "nearest_stores": 2,
        "channel": "direct_mail",
        "holdout_share": "20",
        "cost_per_contact": "0.60",
        "gift": "5.00",
        "coupon_cost": "3.00",
        "assumed_saved": "5",
        "notes": "",
    }
    client.post(reverse("reporting:store_event_edit", args=[event.pk]), form)
    event.refresh_from_db()
    assert (event.window_days, event.assumed_attrition, event.gift_cents) == (60, 25, 500)
    assert "25.0%" in client.get(reverse("reporting:store_event", args=[event.pk])).content.decode()


def test_without_an_earlier_event_the_share_kept_is_past_treatments_of_the_channel_but_its_own(
    stores, portfolio, marketer, manager
):
    for number, rate in enumerate([0.02, 0.04, 0.09]):
        past = campaign(portfolio, marketer, f"Letter {number}", Campaign.Status.CLOSED, start=date(2026, 1, 5))
        measured(past, treatment(past, "A", "direct_mail", 100), rate)
    own = campaign(portfolio, marketer, "Own farewell", Campaign.Status.CLOSED, start=date(2026, 3, 20))
    measured(own, treatment(own, "A", "direct_mail", 100), 0.5)
    event = store_event_save(user=manager, store=stores["closing"], event_date=CLOSING, campaign=own)

    kept = what_if(event, TODAY).kept

    assert kept.measured and kept.rate == pytest.approx(0.04)
    assert kept.source.startswith("Median incremental response of 3 measured past treatments on Direct mail")


def test_the_share_kept_reads_earlier_campaigns_without_measuring_their_stores_attrition(stores, retention, manager):
    earlier = store_event_save(user=manager, store=stores["closing"], event_date=CLOSING, campaign=retention)
    later = store_event_save(user=manager, store=stores["east"], event_date=date(2026, 10, 31))

    with CaptureQueriesContext(connection) as queries:
        kept = kept_share(later, TODAY)

    assert kept.measured and kept.rate == pytest.approx(0.25)
    assert not [query for query in queries.captured_queries if "WITH closure AS" in query["sql"]]
    assert after_event(earlier, TODAY, attrition=False).attrition is None
    assert after_event(earlier, TODAY).attrition.customers == 1  # K2, the only one who bought there that year


def test_a_window_ending_today_has_not_passed_for_today_is_not_over(stores, past_closure, retention, manager):
    # Gone closed on 31 Jan 2025: its 90 days run to 1 May 2025.
    assert not measured_attrition(before=CLOSING, window_days=90, today=date(2025, 5, 1)).measured
    assert measured_attrition(before=CLOSING, window_days=90, today=date(2025, 5, 2)).measured
    event = store_event_save(user=manager, store=stores["closing"], event_date=CLOSING, campaign=retention)

    on_the_last_day = after_event(event, date(2026, 6, 29))
    the_day_after = after_event(event, date(2026, 6, 30))

    assert (on_the_last_day.last, on_the_last_day.complete) == (date(2026, 6, 28), False)
    assert (the_day_after.last, the_day_after.complete) == (date(2026, 6, 29), True)
    assert after_event(event, date(2026, 4, 1)) is None  # the first day after is not over
    assert after_event(event, date(2026, 4, 2)).last == date(2026, 4, 1)


def test_a_retention_campaign_that_measured_a_loss_is_forecast_to_keep_nobody(client, stores, retention, manager):
    """Three more control customers bought elsewhere: the control kept 4 of 5 (80%) against the treated's 3 of 4
    (75%). The next event's campaign is not forecast to keep a negative number of customers: it keeps nobody,
    its best case is the measured upside, and its net is its cost."""
    cell = retention.treatments.get()
    for code in ("K3", "K4", "K5"):
        customer = Customer.objects.create(external_id=code, home_store=stores["closing"])
        AudienceMember.objects.create(campaign=retention, customer=customer, treatment=cell, is_control=True)
        bought(customer, date(2026, 5, 15), 30, store=stores["north"])
    event = store_event_save(user=manager, store=stores["closing"], event_date=CLOSING, campaign=retention)
    assert after_event(event, TODAY).kept["difference"] == pytest.approx(0.75 - 0.8)

    later = store_event_save(user=manager, store=stores["east"], event_date=date(2026, 10, 31))
    result = what_if(later, TODAY)
    assert result.kept.no_effect_measured and result.kept.measured_difference == pytest.approx(-0.05)
    assert (result.kept.rate, result.kept.low) == (0.0, 0.0) and result.kept.high > 0
    assert result.campaign.responders == 0
    assert result.campaign.net_cents == -result.campaign.costs_cents
    client.force_login(manager)
    page = client.get(reverse("reporting:store_event", args=[later.pk])).content.decode()
    assert "None measured, of" in page and "showed no gain (-5.0 pts, treated against control)" in page
