"""What each kind of file holds, how its rows are checked, and the table columns they become.

A kind's `prepare` takes one batch of text rows, reports every problem it sees,
and returns the rows as the table's columns. Columns a file leaves out are not
touched on rows that already exist (a customers file with only external_id and
consent_email changes only consents).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cached_property

import numpy as np
import pandas as pd
from django.utils import timezone

from core.lib.bounds import EARLIEST_DAY, MAX_LINE_CENTS, MAX_LINE_QUANTITY
from core.lib.money import format_cents
from customers.imports.fields import EMAIL, PHONE, Column
from customers.imports.problems import Problems
from customers.imports.references import Lookup, lookup
from customers.imports.source import Batch
from customers.models import Category, ConsentChannel, Customer, EngagementEvent, Purchase, Store

FUTURE_GRACE = pd.Timedelta(days=1)


class References:
    """The lookups a batch may need, read from the database once per import step."""

    @cached_property
    def customers(self) -> Lookup:
        return lookup(Customer._meta.db_table, "external_id")[0]

    @cached_property
    def _stores(self) -> tuple[Lookup, pd.DataFrame]:
        return lookup(Store._meta.db_table, "code", "region")

    @property
    def stores(self) -> Lookup:
        return self._stores[0]

    @property
    def store_regions(self) -> pd.Series:
        return self._stores[1]["region"]

    @cached_property
    def _categories(self) -> tuple[Lookup, pd.DataFrame]:
        return lookup(Category._meta.db_table, "code", "margin_rate")

    @property
    def categories(self) -> Lookup:
        return self._categories[0]

    @property
    def category_margin_rates(self) -> pd.Series:
        return self._categories[1]["margin_rate"].astype(float)


@dataclass(frozen=True)
class Kind:
    name: str
    model: type
    key: str  # the file's key column, which is also the table's key column
    required: tuple[str, ...]
    optional: tuple[str, ...]
    prepare: Callable[[Batch, References, Problems], pd.DataFrame]
    # Large tables are loaded by rewriting them when a file is big next to what they hold.
    large: bool = False
    # Kinds that are not rows of one table bring their own load table and merge.
    load_columns: str = ""
    merge: Callable | None = None

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


def _column(batch: Batch, name: str, problems: Problems) -> Column | None:
    return Column(name, batch.frame[name], batch.rows, problems) if name in batch.frame else None


def not_before(column: Column, days: pd.Series, earliest: date = EARLIEST_DAY) -> None:
    """Flag the days (dates, or instants in UTC) before `earliest`."""
    stamps = pd.to_datetime(days)
    if stamps.dt.tz is not None:
        stamps = stamps.dt.tz_convert(None)
    early = stamps.notna() & (stamps < pd.Timestamp(earliest))
    column.flag(early.to_numpy(dtype=bool), f"is before {earliest:%Y-%m-%d}")


def _dates_in_order(start: pd.Series, end: pd.Series, column: Column) -> None:
    column.flag((end.notna() & start.notna() & (end < start)).to_numpy(), "is before the opening date")


def prepare_stores(batch: Batch, refs: References, problems: Problems) -> pd.DataFrame:
    out = pd.DataFrame(index=batch.frame.index)
    for name, length in (("code", 32), ("name", 120)):
        column = _column(batch, name, problems)
        column.require()
        out[name] = column.text(max_length=length)
    if region := _column(batch, "region", problems):
        out["region"] = region.text(max_length=64)
    if opened := _column(batch, "opened_on", problems):
        out["opened_on"] = opened.day()
        not_before(opened, out["opened_on"])
    if closed := _column(batch, "closed_on", problems):
        out["closed_on"] = closed.day()
        not_before(closed, out["closed_on"])
        if "opened_on" in out:
            _dates_in_order(out["opened_on"], out["closed_on"], closed)
    _coordinates(batch, problems, out)
    return out


def _coordinates(batch: Batch, problems: Problems, out: pd.DataFrame) -> None:
    """Latitude and longitude in degrees, both or neither: a store half placed is a typing mistake."""
    given = {name: column for name in ("latitude", "longitude") if (column := _column(batch, name, problems))}
    for name, column in given.items():
        bound = 90 if name == "latitude" else 180
        degrees = column.number()
        column.flag(np.abs(degrees) > bound, f"is not between -{bound} and {bound} degrees")
        out[name] = np.round(degrees, 5)
    if len(given) == 1:
        column = next(iter(given.values()))
        column.flag(~column.empty, "comes without its partner column: give latitude and longitude together")
    elif given:
        given["longitude"].flag(
            given["latitude"].empty != given["longitude"].empty, "needs both coordinates or neither"
        )


def prepare_categories(batch: Batch, refs: References, problems: Problems) -> pd.DataFrame:
    out = pd.DataFrame(index=batch.frame.index)
    for name, length in (("code", 32), ("name", 120)):
        column = _column(batch, name, problems)
        column.require()
        out[name] = column.text(max_length=length)
    rate = _column(batch, "margin_rate", problems)
    rate.require()
    rates = rate.number()
    rate.flag((rates < 0) | (rates > 1), "is not between 0 and 1 (a margin of 35% is 0.35)")
    out["margin_rate"] = np.round(rates, 4)
    return out


def prepare_customers(batch: Batch, refs: References, problems: Problems) -> pd.DataFrame:
    out = pd.DataFrame(index=batch.frame.index)
    external_id = _column(batch, "external_id", problems)
    external_id.require()
    out["external_id"] = external_id.text(max_length=64)
    if name := _column(batch, "name", problems):
        out["name"] = name.text(max_length=200)
    if email := _column(batch, "email", problems):
        out["email"] = email.text(max_length=254).str.lower()
        email.pattern(EMAIL, "is not an e-mail address")
    if phone := _column(batch, "phone", problems):
        out["phone"] = phone.text(max_length=40, formula_safe=False)
        phone.pattern(PHONE, "is not a phone number (digits, spaces and ()-./, optionally starting with +)")
    for field, length in (("address", 200), ("postcode", 16), ("city", 80)):
        if column := _column(batch, field, problems):
            out[field] = column.text(max_length=length)
    if home_store := _column(batch, "home_store", problems):
        store_ids = refs.stores.find(home_store.array)
        home_store.flag(~home_store.empty & (store_ids < 0), "is not the code of a known store")
        out["home_store_id"] = _as_int(np.where(store_ids >= 0, store_ids, np.nan))
    if region := _column(batch, "region", problems):
        out["region"] = region.text(max_length=64)
    elif "home_store_id" in out:
        out["region"] = out["home_store_id"].map(refs.store_regions).fillna("")
    if signup := _column(batch, "signup_date", problems):
        out["signup_date"] = signup.day()
        future = pd.to_datetime(out["signup_date"]) > pd.Timestamp(timezone.localdate())
        signup.flag(future.to_numpy(), "is in the future")
        not_before(signup, out["signup_date"])
    if birth_year := _column(batch, "birth_year", problems):
        years = birth_year.whole_number()
        birth_year.flag((years < 1900) | (years > timezone.localdate().year), "is not a plausible year of birth")
        out["birth_year"] = _as_int(years)
    for channel in ConsentChannel.values:
        if consent := _column(batch, f"consent_{channel}", problems):
            out[f"consent_{channel}"] = consent.boolean()
    if topics := _column(batch, "topics", problems):
        out["topics"] = topics.topics()
    return out


def _customer_ids(batch: Batch, refs: References, problems: Problems) -> np.ndarray:
    customer = _column(batch, "customer_id", problems)
    customer.require()
    ids = refs.customers.find(customer.array)
    customer.flag(~customer.empty & (ids < 0), "is not the external id of a known customer")
    return ids


def _instants(batch: Batch, name: str, problems: Problems) -> pd.Series:
    """The checked text itself: PostgreSQL reads ISO dates faster than Python could write them out again."""
    column = _column(batch, name, problems)
    column.require()
    instants = column.timestamp()
    column.flag((instants > pd.Timestamp.now(tz="UTC") + FUTURE_GRACE).to_numpy(), "is in the future")
    not_before(column, instants)
    return column.values


def prepare_purchases(batch: Batch, refs: References, problems: Problems) -> pd.DataFrame:
    out = pd.DataFrame(index=batch.frame.index)
    line_id = _column(batch, "line_id", problems)
    line_id.require()
    out["line_id"] = line_id.text(max_length=64)
    out["customer_id"] = _customer_ids(batch, refs, problems)
    out["purchased_at"] = _instants(batch, "purchased_at", problems)

    quantity = _column(batch, "quantity", problems)
    quantity.require()
    quantities = quantity.whole_number()
    quantity.flag(quantities == 0, "is zero; a line sells (positive) or returns (negative) something")
    quantity.flag(
        np.abs(quantities) > MAX_LINE_QUANTITY,
        f"is more than {MAX_LINE_QUANTITY:,} units either way; a line holds one product's units",
    )
    revenue = _column(batch, "revenue", problems)
    revenue.require()
    revenue_cents = revenue.cents()
    _line_amount(revenue, revenue_cents)
    revenue.flag((quantities > 0) & (revenue_cents < 0), "is negative on a sale (positive quantity)")
    revenue.flag((quantities < 0) & (revenue_cents > 0), "is positive on a return (negative quantity)")

    store_ids = np.full(len(out), -1, dtype=np.int64)
    if store := _column(batch, "store", problems):
        store_ids = refs.stores.find(store.array)
        store.flag(~store.empty & (store_ids < 0), "is not the code of a known store")
    channel_values = pd.Series(np.where(store_ids >= 0, "store", "online"), index=out.index)
    if channel := _column(batch, "channel", problems):
        given = channel.values.str.lower()
        channel.flag(~given.isin(["", *Purchase.Where.values]).to_numpy(), "is not store or online")
        channel_values = given.where(~channel.empty, channel_values)
        no_store_named = store.empty if store else np.ones(len(out), dtype=bool)
        channel.flag((channel_values == "store").to_numpy() & no_store_named, "is store but the line names no store")
    out["channel"] = channel_values

    category_ids = np.full(len(out), -1, dtype=np.int64)
    if category := _column(batch, "category", problems):
        category_ids = refs.categories.find(category.array)
        category.flag(~category.empty & (category_ids < 0), "is not the code of a known category")
    margin_cents = np.full(len(out), np.nan)
    if margin := _column(batch, "margin", problems):
        margin_cents = margin.cents()
        _line_amount(margin, margin_cents)
    # A line with neither a margin nor a category to estimate one from keeps its margin unknown (NULL).
    estimated = pd.Series(category_ids).map(refs.category_margin_rates).to_numpy(dtype=float) * revenue_cents
    margin_cents = np.where(np.isnan(margin_cents), np.round(estimated), margin_cents)

    out["store_id"] = _as_int(np.where(store_ids >= 0, store_ids, np.nan))
    out["category_id"] = _as_int(np.where(category_ids >= 0, category_ids, np.nan))
    order_ref = _column(batch, "order_ref", problems)
    out["order_ref"] = (
        order_ref.text(max_length=64).where(~order_ref.empty, out["line_id"]) if order_ref else out["line_id"]
    )
    out["quantity"] = _as_int(quantities)
    out["revenue_cents"] = _as_int(revenue_cents)
    out["margin_cents"] = _as_int(margin_cents)
    offer_code = _column(batch, "offer_code", problems)
    out["offer_code"] = offer_code.text(max_length=64).where(~offer_code.empty, None) if offer_code else None
    return out


def prepare_events(batch: Batch, refs: References, problems: Problems) -> pd.DataFrame:
    out = pd.DataFrame(index=batch.frame.index)
    event_id = _column(batch, "event_id", problems)
    event_id.require()
    out["event_id"] = event_id.text(max_length=64)
    out["customer_id"] = _customer_ids(batch, refs, problems)
    out["occurred_at"] = _instants(batch, "occurred_at", problems)
    kind = _column(batch, "kind", problems)
    kind.require()
    out["kind"] = kind.values.str.lower()
    kind.flag(
        ~kind.empty & ~out["kind"].isin(EngagementEvent.KINDS).to_numpy(),
        f"is not a known kind of event ({', '.join(EngagementEvent.KINDS)})",
    )
    return out


def _line_amount(column: Column, cents: np.ndarray) -> None:
    column.flag(np.abs(cents) > MAX_LINE_CENTS, f"is more than {format_cents(MAX_LINE_CENTS)} either way for one line")


def _as_int(values: np.ndarray) -> pd.arrays.IntegerArray:
    """Whole numbers as nullable integers; anything else (already reported as a problem) as missing."""
    values = np.asarray(values, dtype=float)
    whole = np.isfinite(values) & (values == np.round(values)) & (np.abs(values) < 2.0**62)
    return pd.array(np.where(whole, values, np.nan), dtype="Int64")


KINDS = {
    kind.name: kind
    for kind in [
        Kind(
            "stores",
            Store,
            "code",
            ("code", "name"),
            ("region", "opened_on", "closed_on", "latitude", "longitude"),
            prepare_stores,
        ),
        Kind("categories", Category, "code", ("code", "name", "margin_rate"), (), prepare_categories),
        Kind(
            "customers",
            Customer,
            "external_id",
            ("external_id",),
            (
                "name",
                "email",
                "phone",
                "address",
                "postcode",
                "city",
                "home_store",
                "region",
                "signup_date",
                "birth_year",
                "consent_email",
                "consent_sms",
                "consent_push",
                "consent_direct_mail",
                "topics",
            ),
            prepare_customers,
        ),
        Kind(
            "purchases",
            Purchase,
            "line_id",
            ("line_id", "customer_id", "purchased_at", "quantity", "revenue"),
            ("order_ref", "channel", "store", "category", "margin", "offer_code"),
            prepare_purchases,
            large=True,
        ),
        Kind(
            "events",
            EngagementEvent,
            "event_id",
            ("event_id", "customer_id", "occurred_at", "kind"),
            (),
            prepare_events,
            large=True,
        ),
    ]
}
