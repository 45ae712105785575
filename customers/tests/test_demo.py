"""The made-up retailer: the same seed gives the same data, and its customers behave like real ones."""

import hashlib
from datetime import date, timedelta

import pandas as pd
import pytest

from customers.demo.retailer import write_retailer

END = date(2026, 6, 30)


@pytest.fixture(scope="module")
def retailer(tmp_path_factory):
    files = write_retailer(tmp_path_factory.mktemp("demo"), customers=6_000, seed=11, end=END)
    return {
        "files": files,
        "customers": pd.read_csv(files.customers, dtype=str, keep_default_na=False),
        "purchases": pd.read_csv(files.purchases, dtype={"line_id": str}, parse_dates=["purchased_at"]),
        "events": pd.read_csv(files.events),
        "stores": pd.read_csv(files.stores),
        "categories": pd.read_csv(files.categories),
    }


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_same_seed_gives_the_same_files(retailer, tmp_path):
    again = write_retailer(tmp_path, customers=6_000, seed=11, end=END)
    for name in ("stores", "categories", "customers", "purchases", "events"):
        assert digest(getattr(again, name)) == digest(getattr(retailer["files"], name)), name


def test_another_seed_gives_other_customers(retailer, tmp_path):
    other = write_retailer(tmp_path, customers=6_000, seed=12, end=END)
    assert digest(other.purchases) != digest(retailer["files"].purchases)


def test_it_has_stores_in_several_regions_and_categories_with_different_margins(retailer):
    assert len(retailer["stores"]) >= 12 and retailer["stores"]["region"].nunique() >= 4
    assert len(retailer["categories"]) >= 10 and retailer["categories"]["margin_rate"].nunique() >= 8


def orders_per_customer(retailer) -> pd.Series:
    sales = retailer["purchases"][retailer["purchases"]["quantity"] > 0]
    return sales.groupby("customer_id")["order_ref"].nunique()


def test_customers_behave_differently(retailer):
    orders = orders_per_customer(retailer)
    customers = len(retailer["customers"])
    assert (orders == 1).sum() > 0.2 * customers, "one-off buyers"
    assert (orders >= 20).sum() > 0.05 * customers, "frequent buyers"
    assert customers - len(orders) > 0.03 * customers, "customers who never bought"
    spend = retailer["purchases"].groupby("customer_id")["revenue"].sum().sort_values(ascending=False)
    assert spend.head(len(spend) // 10).sum() > 0.4 * spend.sum(), "a best-customer tail"


def test_some_regulars_lapse(retailer):
    sales = retailer["purchases"][retailer["purchases"]["quantity"] > 0]
    by_customer = sales.groupby("customer_id").agg(orders=("order_ref", "nunique"), last=("purchased_at", "max"))
    lapsed = by_customer[(by_customer["orders"] >= 3) & (by_customer["last"] < pd.Timestamp(END - timedelta(days=365)))]
    assert len(lapsed) > 0.02 * len(by_customer)


def test_sales_are_seasonal_and_both_online_and_in_store(retailer):
    sales = retailer["purchases"]
    recent = sales[sales["purchased_at"] >= pd.Timestamp(END - timedelta(days=730))]
    by_month = recent.groupby(recent["purchased_at"].dt.month)["revenue"].sum()
    assert by_month[12] > 1.3 * by_month[[2, 3, 4]].mean()
    share_online = (sales["channel"] == "online").mean()
    assert 0.1 < share_online < 0.6


def test_consents_are_not_all_yes_and_events_exist(retailer):
    customers = retailer["customers"]
    for channel in ("email", "sms", "push", "direct_mail"):
        given = (customers[f"consent_{channel}"] == "1").mean()
        assert 0.05 < given < 0.95, channel
    assert set(retailer["events"]["kind"]) >= {"web_visit", "email_open", "email_click", "app_open"}


def test_history_ends_on_the_last_day(retailer):
    assert retailer["purchases"]["purchased_at"].max() < pd.Timestamp(END + timedelta(days=1))
    assert pd.to_datetime(retailer["customers"]["signup_date"]).max() <= pd.Timestamp(END)
