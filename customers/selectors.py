"""Reads: customers for lists and pages, their purchases, imports and their problems."""

import re
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Lower, TruncMonth
from django.shortcuts import get_object_or_404

from core.lib import bounds
from core.lib.money import format_cents
from core.models import Job
from core.roles import is_admin
from core.selectors import jobs_version
from customers.models import (
    Category,
    ConsentChannel,
    Customer,
    CustomerErasure,
    DataImport,
    EngagementEvent,
    MonthlySales,
    Purchase,
    Store,
)

CONSENTS = dict(ConsentChannel.choices)
COUNT_CAP = 10_000
WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class CustomerFilters:
    query: str = ""
    region: str = ""
    store: str = ""
    consent: str = ""

    @property
    def active(self) -> bool:
        return bool(self.query or self.region or self.store or self.consent)


def customer_search(filters: CustomerFilters) -> QuerySet[Customer]:
    """Customers matching the filters, in id order. Each filter is served by an index at a million rows."""
    customers = Customer.objects.select_related("home_store").order_by("id")
    if filters.query:
        customers = customers.filter(id__in=customers_matching(filters.query))
    if filters.region:
        customers = customers.filter(region=filters.region)
    if filters.store:
        customers = customers.filter(home_store__code=filters.store)
    if filters.consent in CONSENTS:
        customers = customers.filter(**{f"consent_{filters.consent}": True})
    return customers


def customers_matching(query: str) -> QuerySet:
    """Ids of customers whose external id or e-mail starts with the text, or whose name has every word of it.

    Three index searches glued with UNION: as one OR, the planner would walk the whole table in id order.
    """
    ids = Customer.objects.order_by()
    by_id = ids.filter(external_id__startswith=query).values("id")
    by_email = ids.annotate(email_lower=Lower("email")).filter(email_lower__startswith=query.lower()).values("id")
    words = WORD.findall(query)
    if not words:
        return by_id.union(by_email)
    search = SearchQuery(" & ".join(f"{word}:*" for word in words), config="simple", search_type="raw")
    by_name = ids.annotate(name_search=SearchVector("name", config="simple")).filter(name_search=search).values("id")
    return by_id.union(by_email, by_name)


def customer_page(filters: CustomerFilters, *, after: int | None, size: int = 50) -> tuple[list[Customer], bool]:
    """One page after the customer id `after` (keyset paging: as fast on page 20,000 as on page 1)."""
    customers = customer_search(filters)
    if after:
        customers = customers.filter(id__gt=after)
    rows = list(customers[: size + 1])
    return rows[:size], len(rows) > size


def customer_count(filters: CustomerFilters) -> tuple[int, bool]:
    """How many customers match: exact up to COUNT_CAP, the planner's estimate of the table without filters."""
    if not filters.active:
        return customers_estimate(), True
    return count_capped(customer_search(filters))


def customers_estimate() -> int:
    """The planner's estimate of the number of customers: no count of a million rows for a page's heading."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %(table)s::regclass", {"table": Customer._meta.db_table}
        )
        return max(cursor.fetchone()[0], 0)


def count_capped(customers: QuerySet[Customer]) -> tuple[int, bool]:
    """How many customers the queryset holds, counted up to COUNT_CAP; True if there are more."""
    count = customers.order_by()[: COUNT_CAP + 1].count()
    return min(count, COUNT_CAP), count > COUNT_CAP


def customers_for_grid() -> QuerySet[Customer]:
    return Customer.objects.select_related("home_store")


def customer_for_user(user: AbstractBaseUser, customer_id: int) -> Customer:
    return get_object_or_404(Customer.objects.select_related("home_store"), pk=customer_id)


@dataclass(frozen=True)
class PurchaseTotals:
    """What a customer bought in all: margin is summed over the lines whose margin is known."""

    revenue_cents: int
    orders: int
    margin_cents: int | None
    margin_revenue_cents: int

    @property
    def margin_known_share(self) -> float | None:
        return self.margin_revenue_cents / self.revenue_cents if self.revenue_cents else None


def customer_purchase_totals(customer: Customer) -> PurchaseTotals:
    totals = Purchase.objects.filter(customer=customer).aggregate(
        revenue=Sum("revenue_cents", default=0),
        orders=Count("order_ref", distinct=True),
        margin=Sum("margin_cents"),
        margin_revenue=Sum("revenue_cents", filter=Q(margin_cents__isnull=False), default=0),
    )
    return PurchaseTotals(
        revenue_cents=totals["revenue"],
        orders=totals["orders"],
        margin_cents=totals["margin"],
        margin_revenue_cents=totals["margin_revenue"],
    )


def customer_monthly_purchases(customer: Customer) -> list[dict]:
    return list(
        Purchase.objects.filter(customer=customer)
        .annotate(month=TruncMonth("purchased_at"))
        .values("month")
        .annotate(revenue_cents=Sum("revenue_cents"), orders=Count("order_ref", distinct=True))
        .order_by("month")
    )


def customer_categories(customer: Customer) -> list[dict]:
    return list(
        Purchase.objects.filter(customer=customer)
        .values("category__name")
        .annotate(revenue_cents=Sum("revenue_cents"), lines=Count("line_id"))
        .order_by("-revenue_cents")
    )


def customer_recent_purchases(customer: Customer, limit: int = 25) -> QuerySet[Purchase]:
    return (
        Purchase.objects.filter(customer=customer).select_related("store", "category").order_by("-purchased_at")[:limit]
    )


def customer_event_counts(customer: Customer) -> list[dict]:
    rows = (
        EngagementEvent.objects.filter(customer=customer)
        .values("kind")
        .annotate(events=Count("event_id"))
        .order_by("-events")
    )
    return [{**row, "label": EngagementEvent.label(row["kind"])} for row in rows]


def regions() -> list[str]:
    return list(Store.objects.exclude(region="").order_by("region").values_list("region", flat=True).distinct())


def topics() -> list[str]:
    """The topics customers subscribed to, as the customer files named them."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT unnest(topics) FROM {Customer._meta.db_table} ORDER BY 1")
        return [row[0] for row in cursor.fetchall()]


def stores() -> QuerySet[Store]:
    return Store.objects.order_by("code")


def categories() -> QuerySet[Category]:
    return Category.objects.order_by("code")


def monthly_sales() -> QuerySet[MonthlySales]:
    return MonthlySales.objects.all()


def imports_visible_to(user: AbstractBaseUser) -> QuerySet[DataImport]:
    imports = DataImport.objects.select_related("job", "created_by")
    return imports if is_admin(user) or user.has_perm("customers.view_imports") else imports.none()


def import_for_user(user: AbstractBaseUser, import_id: int) -> DataImport:
    return get_object_or_404(imports_visible_to(user), pk=import_id)


def plausible_values() -> list[tuple[str, str]]:
    """The range each kind of value must fall in, as the Imports page states it (imports and forms check it)."""
    return [
        (
            "Dates of purchases, events, contacts, sign-ups and stores",
            f"from {bounds.EARLIEST_DAY:%Y-%m-%d} to today (a day's grace for clocks)",
        ),
        (
            "Offer validity and campaign dates",
            f"from {bounds.EARLIEST_PLAN_DAY:%Y-%m-%d} to {bounds.LATEST_PLAN_DAY:%Y-%m-%d}",
        ),
        ("Revenue and margin of one purchase line", f"at most {format_cents(bounds.MAX_LINE_CENTS)} either way"),
        ("Quantity of one purchase line", f"a whole number, at most {bounds.MAX_LINE_QUANTITY:,} either way"),
        (
            "Cost per contact or per redemption, an offer's value",
            f"from 0 to {format_cents(bounds.MAX_UNIT_CENTS)}",
        ),
        ("An offer's budget cap", f"from 0 to {format_cents(bounds.MAX_BUDGET_CENTS)}"),
        ("An offer's quantity cap", f"from 0 to {bounds.MAX_OFFER_QUANTITY:,} customers"),
        ("Year of birth", "a whole number from 1900 to this year"),
        (
            "Codes, names and other text",
            "on one line (no line breaks or control characters), not starting like a spreadsheet formula "
            "(=, +, -, @) unless the whole value is a number; phone numbers may start with +",
        ),
    ]


def purchases_version() -> str:
    """The version of the purchases and the customers they belong to: only imports write them."""
    return jobs_version(Job.Kind.IMPORT, Job.Kind.DEMO_DATA)


def customers_version() -> str:
    """The version of the customers' rows: imports write them, and an erasure empties a person's consents."""
    with connection.cursor() as cursor:  # by hand: pages read it on every look
        cursor.execute(f"SELECT count(*) FROM {CustomerErasure._meta.db_table}")
        erased = cursor.fetchone()[0]
    return f"{purchases_version()}:{erased}-erased"
