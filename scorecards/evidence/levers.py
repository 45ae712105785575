"""Evidence for the retail growth levers, from the customers' purchases and the offers they were sent: this
year against the one before."""

from collections.abc import Callable
from dataclasses import dataclass

from campaigns.models import ContactHistory
from core.lib.money import format_cents
from customers.models import Purchase
from offers.models import Offer
from scorecards.evidence.registry import (
    Link,
    Measure,
    Period,
    campaign_links,
    campaigns_starting,
    indicator,
    level_of_change,
    level_of_share,
    share_of,
    share_words,
    sql_rows,
)

REDEMPTION_DAYS = 30  # an offer redeemed within this many days of the contact counts as a response


@dataclass(frozen=True)
class YearOfPurchases:
    customers: int
    orders: int
    revenue_cents: int
    customer_categories: int  # distinct (customer, category) pairs
    margin_cents: int
    margin_revenue_cents: int  # revenue of the lines whose margin is known
    offer_cost_cents: int


def year_of_purchases(period: Period) -> YearOfPurchases:
    if "purchases" not in period.cache:
        period.cache["purchases"] = _year_of_purchases(period)
    return period.cache["purchases"]


def _year_of_purchases(period: Period) -> YearOfPurchases:
    purchases, offers = Purchase._meta.db_table, Offer._meta.db_table
    params = {"start": period.first_moment, "end": period.after_last_moment}
    ((customers, orders, revenue, pairs, margin, margin_revenue),) = sql_rows(
        f"""
        SELECT count(DISTINCT customer_id), count(DISTINCT (customer_id, order_ref)), coalesce(sum(revenue_cents), 0),
               count(DISTINCT (customer_id, category_id)) FILTER (WHERE category_id IS NOT NULL),
               coalesce(sum(margin_cents), 0), coalesce(sum(revenue_cents) FILTER (WHERE margin_cents IS NOT NULL), 0)
        FROM {purchases} WHERE purchased_at >= %(start)s AND purchased_at < %(end)s
        """,
        params,
    )
    ((offer_cost,),) = sql_rows(
        f"""
        SELECT coalesce(sum(o.cost_per_redemption_cents), 0)
        FROM (
            SELECT DISTINCT customer_id, order_ref, offer_code FROM {purchases}
            WHERE purchased_at >= %(start)s AND purchased_at < %(end)s AND offer_code IS NOT NULL
        ) redeemed JOIN {offers} o ON o.code = redeemed.offer_code
        """,
        params,
    )
    return YearOfPurchases(customers, orders, int(revenue), pairs, int(margin), int(margin_revenue), int(offer_cost))


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _change(now: float | None, before: float | None) -> float | None:
    return (now - before) / before if now is not None and before else None


def _lever_campaigns(period: Period, objective: str) -> list[Link]:
    rows = campaigns_starting(period).filter(objective=objective).values_list("pk", "name")
    return campaign_links([(pk, name, True) for pk, name in rows])


def _against_last_year(
    period: Period, ratio: Callable[[YearOfPurchases], float | None], words: Callable[[float], str]
) -> tuple[float | None, str, float | None]:
    now, before = ratio(year_of_purchases(period)), ratio(year_of_purchases(period.before))
    if now is None:
        return None, "No purchases in the year", None
    change = _change(now, before)
    if before is None:
        return now, f"{words(now)} (no purchases the year before)", None
    if change is None:
        return now, f"{words(now)} ({words(before)} the year before)", None
    return now, f"{words(now)} ({words(before)} the year before, {100 * change:+.1f}%)", change


@indicator("traffic", "visit-frequency", "Visits per buying customer a year", unit="number")
def visit_frequency(period: Period) -> Measure:
    value, display, change = _against_last_year(
        period, lambda year: _ratio(year.orders, year.customers), lambda v: f"{v:.2f} visits"
    )
    return Measure(
        value,
        display,
        level_of_change(change),
        "Orders per customer who bought in the year, against the year before.",
        _lever_campaigns(period, "traffic"),
    )


@indicator("conversion", "offer-response", f"Offer contacts redeemed within {REDEMPTION_DAYS} days")
def offer_response(period: Period) -> Measure:
    ((contacts, redeemed),) = sql_rows(
        f"""
        SELECT count(*), count(*) FILTER (WHERE EXISTS (
            SELECT 1 FROM {Purchase._meta.db_table} p
            WHERE p.customer_id = ch.customer_id AND p.purchased_at >= ch.contacted_at
              AND p.purchased_at < ch.contacted_at + %(days)s * interval '1 day' AND ch.offer_codes ? p.offer_code
        ))
        FROM {ContactHistory._meta.db_table} ch
        WHERE ch.contacted_at >= %(start)s AND ch.contacted_at < %(end)s AND ch.offer_codes <> '[]'::jsonb
        """,
        {"start": period.first_moment, "end": period.after_last_moment, "days": REDEMPTION_DAYS},
    )
    share = share_of(redeemed, contacts)
    return Measure(
        value=share,
        display=share_words(redeemed, contacts, "contacts with offers"),
        level=level_of_share(share, developing=0.02, advanced=0.05),
        note="Contacts in the year that carried offers, and whether the customer redeemed one of them in time.",
        links=_lever_campaigns(period, "conversion"),
    )


@indicator("basket-size", "order-value", "Revenue per order", unit="money")
def order_value(period: Period) -> Measure:
    value, display, change = _against_last_year(
        period, lambda year: _ratio(year.revenue_cents, year.orders), lambda v: format_cents(round(v))
    )
    return Measure(
        value,
        display,
        level_of_change(change),
        "Revenue of the year's orders divided by their number.",
        _lever_campaigns(period, "basket"),
    )


@indicator("basket-size", "categories-per-customer", "Categories per buying customer", unit="number")
def categories_per_customer(period: Period) -> Measure:
    value, display, change = _against_last_year(
        period, lambda year: _ratio(year.customer_categories, year.customers), lambda v: f"{v:.2f} categories"
    )
    return Measure(
        value,
        display,
        level_of_change(change),
        "Product categories each buying customer bought from in the year.",
        _lever_campaigns(period, "basket"),
    )


@indicator("margin", "margin-rate", "Margin rate")
def margin_rate(period: Period) -> Measure:
    value, display, change = _against_last_year(
        period, lambda year: _ratio(year.margin_cents, year.margin_revenue_cents), lambda v: f"{100 * v:.1f}%"
    )
    return Measure(
        value,
        display,
        level_of_change(change),
        "Margin over the revenue of the lines whose margin is known.",
        _lever_campaigns(period, "margin"),
    )


@indicator("margin", "offer-cost-share", "Offer cost as a share of revenue")
def offer_costshare_of(period: Period) -> Measure:
    value, display, change = _against_last_year(
        period, lambda year: _ratio(year.offer_cost_cents, year.revenue_cents), lambda v: f"{100 * v:.2f}%"
    )
    return Measure(
        value,
        display,
        level_of_change(change, better_when_lower=True),
        "What the redeemed bank offers cost (once per order and code) over the year's revenue.",
        _lever_campaigns(period, "margin"),
    )
