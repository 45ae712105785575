"""The value model from the command line and as a download: its fit as of a day, its horizons, its export."""

import csv
import io
import re
from datetime import date, datetime, time, timedelta

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer, Purchase
from segments.models import CustomerFeatures, ValueModelFit
from segments.value import Horizon, log_likelihood

AS_OF = date(2026, 6, 30)


@pytest.mark.parametrize(
    ("text", "days", "label"),
    [("26w", 182, "26 weeks"), ("90d", 90, "90 days"), ("90", 90, "90 days"), ("1W", 7, "1 week")],
)
def test_a_horizon_is_read_in_weeks_or_days(text, days, label):
    horizon = Horizon.parse(text)
    assert (horizon.days, horizon.label, horizon.weeks) == (days, label, days / 7)


@pytest.mark.parametrize("text", ["", "0w", "26m", "two weeks"])
def test_a_horizon_that_is_not_one_is_refused(text):
    with pytest.raises(ValueError, match="26w"):
        Horizon.parse(text)


@pytest.fixture
def buyers(db):
    """Twenty customers, each first buying 200 to 400 days before the as-of date and then every few weeks
    for a while; the last two signed up without buying."""
    rng = np.random.default_rng(7)
    purchases = []
    for number in range(20):
        customer = Customer.objects.create(external_id=f"V{number:02d}", signup_date=date(2025, 1, 1))
        day = AS_OF - timedelta(days=int(rng.integers(200, 400)))
        for order in range(1 + number % 6):
            if day > AS_OF:
                break
            purchases.append(
                Purchase(
                    line_id=f"{customer.external_id}-{order}",
                    customer=customer,
                    purchased_at=timezone.make_aware(datetime.combine(day, time(12))),
                    channel=Purchase.Where.ONLINE,
                    order_ref=f"{customer.external_id}-{order}",
                    quantity=1,
                    revenue_cents=int(rng.integers(1_000, 9_000)),
                    margin_cents=None,
                )
            )
            day += timedelta(days=int(rng.integers(10, 60)))
    Customer.objects.bulk_create(Customer(external_id=f"W{number}") for number in range(2))
    Purchase.objects.bulk_create(purchases)
    call_command("refresh_features", "--as-of", str(AS_OF), stdout=io.StringIO())


def fit_output(*args: str) -> str:
    out = io.StringIO()
    call_command("fit_value_model", *args, stdout=out)
    return out.getvalue()


def test_the_command_prints_the_parameters_and_the_log_likelihood_of_the_fit(buyers):
    output = fit_output("--as-of", str(AS_OF), "--horizon", "26w")
    fit = ValueModelFit.objects.get()
    features = CustomerFeatures.objects.filter(orders_lifetime__gt=0, first_purchase_days__gt=0)
    orders, recency, first = np.array(
        features.values_list("orders_lifetime", "recency_days", "first_purchase_days"), dtype=float
    ).T
    expected = log_likelihood(np.array([fit.r, fit.alpha, fit.a, fit.b]), orders - 1, (first - recency) / 7, first / 7)
    printed = float(re.search(r"log-likelihood\s+(-?[\d.]+)", output)[1])
    assert printed == pytest.approx(expected.sum(), abs=1e-4)
    for name, value in (("r", fit.r), ("alpha", fit.alpha), ("a", fit.a), ("b", fit.b)):
        assert re.search(rf"^  {name} \(.*\)\s+{value:.4f}$", output, re.MULTILINE), name
    assert f"as of the end of {AS_OF}, fitted on 20 customers who bought" in output
    assert "Purchases expected over the next 26 weeks:" in output
    assert fit.horizon_days == 182


def test_the_command_refuses_a_date_the_features_are_not_as_of(buyers):
    with pytest.raises(CommandError, match="refresh them as of 2026-05-31 first"):
        fit_output("--as-of", "2026-05-31")


def test_the_export_has_one_row_per_customer_with_its_value_over_the_horizon(client, marketer, buyers):
    fit_output("--horizon", "90d")
    client.force_login(marketer)
    response = client.get(reverse("segments:value_export"), {"horizon": "26w"})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    assert f"customer-value-as-of-{AS_OF}-next-182-days.csv" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert list(rows[0]) == [
        "external_id",
        "recency_days",
        "frequency",
        "monetary",
        "age_days",
        "rfm",
        "stage",
        "expected_purchases_next_182_days",
        "p_alive",
        "expected_value_next_182_days",
    ]
    assert sorted(row["external_id"] for row in rows) == sorted(Customer.objects.values_list("external_id", flat=True))
    never_bought = next(row for row in rows if row["external_id"] == "W0")
    assert (never_bought["recency_days"], never_bought["expected_purchases_next_182_days"]) == ("", "")
    assert never_bought["stage"] == "Prospect"
    buyer = next(row for row in rows if row["external_id"] == "V05")
    assert 0 < float(buyer["p_alive"]) <= 1 and float(buyer["expected_purchases_next_182_days"]) > 0


def test_the_export_is_refused_to_a_user_who_may_not_see_customers(client, outsider, buyers):
    client.force_login(outsider)
    assert client.get(reverse("segments:value_export")).status_code == 403


def test_the_pages_name_the_horizon_of_the_expected_purchases(client, marketer, buyers):
    fit_output("--horizon", "26w")
    client.force_login(marketer)
    assert "over the next 26 weeks" in client.get(reverse("segments:value")).content.decode()
    customer = Customer.objects.get(external_id="V05")
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "orders expected in the next 26 weeks" in page
