"""The demo's store events tell a coherent story: the closed store's customers buy only elsewhere after it
closed, its farewell campaign went out around the closing and kept the share it was made to keep, and the
closure planned for next quarter is weighed from what that one measured."""

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse

from conftest import committed_for_the_module
from customers.models import Purchase, Store
from reporting.models import StoreEvent
from reporting.store_event_demo import KEPT
from reporting.store_events import after_event, what_if

END = date(2026, 6, 30)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with committed_for_the_module(django_db_blocker):
        call_command("seed_demo", customers=8_000, seed=5, as_of=END, stdout=io.StringIO())
        yield


@pytest.mark.django_db
def test_the_closed_stores_customers_buy_only_elsewhere_after_it_closed(demo):
    closed = Store.objects.get(code="S02")
    event = StoreEvent.objects.select_related("campaign").get(store=closed)

    assert event.event_date == closed.closed_on < END
    assert not Purchase.objects.filter(store=closed, purchased_at__date__gt=closed.closed_on).exists()
    farewell = event.campaign
    assert farewell.start_date <= event.event_date <= farewell.end_date and farewell.status == "closed"


@pytest.mark.django_db
def test_the_farewell_kept_what_it_was_made_to_keep_and_the_next_closure_is_weighed_from_it(demo):
    event = StoreEvent.objects.get(store__code="S02")
    report = after_event(event, END)

    assert report.complete and report.treated.members >= 10 and report.control.members >= 3
    assert report.kept["low"] <= KEPT <= report.kept["high"]
    assert report.attrition.measured and report.attrition.lost_rate > report.attrition.baseline_rate

    planned = StoreEvent.objects.get(store__code="S13")
    weighed = what_if(planned, END)
    assert weighed.attrition.closures == ["Old Mill (closed 31 Jan 2024)"]
    assert weighed.kept.measured and "Old Mill" in weighed.kept.source
    assert weighed.customers.customers > 100 and [near.code for near in weighed.coupon_stores] == ["S11", "S12"]
    assert weighed.campaign.costs_cents > 0 and weighed.do_nothing.margin_cents > 0


@pytest.mark.django_db
def test_a_manager_reads_the_closed_store_from_the_scenarios(demo, client, manager):
    client.force_login(manager)
    listing = client.get(reverse("reporting:store_events")).content.decode()
    assert "Old Mill" in listing and "University Quarter" in listing
    event = StoreEvent.objects.get(store__code="S02")
    page = client.get(reverse("reporting:store_event", args=[event.pk])).content.decode()
    assert "Old Mill farewell" in page and "Harbour Street" in page and 'id="after-treated"' in page
