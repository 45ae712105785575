"""The customer list as a grid, at a million rows: every filter is served by an index, the sort is one an index
holds, and the count is exact only up to a cap (the table's estimate when nothing is filtered)."""

from typing import Any

from django.db.models import QuerySet

from core.grids import Column, Grid
from core.lib.urls import object_url
from customers.models import Customer, Store
from customers.selectors import CONSENTS, count_capped, customers_estimate, customers_matching, regions, stores


def _external_id_starts(customers: QuerySet[Customer], text: str) -> QuerySet[Customer]:
    return customers.filter(external_id__startswith=text)


def _consents_to(customers: QuerySet[Customer], channel: str) -> QuerySet[Customer]:
    return customers.filter(**{f"consent_{channel}": True})


def customer_count(customers: QuerySet[Customer], filtered: bool) -> tuple[int, bool]:
    """Exact up to COUNT_CAP; without filters, the planner's estimate of the table. True when exact."""
    if not filtered:
        return customers_estimate(), False
    count, capped = count_capped(customers)
    return count, not capped


def customer_grid() -> Grid:
    return Grid(
        name="customers",
        sort=(),  # in the order they came in: the primary key's index, as fast on page 20,000 as on page 1
        placeholder="No customer matches. Customers come in on the Imports page.",
        count=customer_count,
        keyset=True,
        columns=(
            Column(
                "external_id",
                "External id",
                lookup="external_id",
                filter="text",
                filter_by=_external_id_starts,
                format="link",
                width=130,
                tooltip="Filter: the start of the id",
            ),
            Column(
                "name",
                "Name",
                filter="text",
                filter_by=lambda customers, text: customers.filter(id__in=customers_matching(text)),
                tooltip="Filter: words of the name, the start of the e-mail address or of the external id",
            ),
            Column("email", "E-mail"),
            Column(
                "home_store",
                "Home store",
                filter="choice",
                choices=tuple((store.code, store_label(store)) for store in stores()),
                filter_by=lambda customers, code: customers.filter(home_store__code=code),
                width=180,
            ),
            Column(
                "region",
                "Region",
                lookup="region",
                filter="choice",
                choices=tuple((region, region) for region in regions()),
            ),
            Column("signup_date", "Signed up", format="date", width=100),
            Column("consents", "Consents to", filter="choice", choices=tuple(CONSENTS.items()), filter_by=_consents_to),
        ),
    )


def store_label(store: Store) -> str:
    """A store as the list shows it and its filter offers it: its code, which the files use, and its name."""
    return f"{store.code} {store.name}"


def customer_row(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.pk,
        "url": object_url("customers:detail")(customer.pk),
        "edit_url": None,
        "external_id": customer.external_id,
        "name": customer.name,
        "email": customer.email,
        "home_store": store_label(customer.home_store) if customer.home_store else "",
        "region": customer.region,
        "signup_date": customer.signup_date.isoformat() if customer.signup_date else "",
        "consents": ", ".join(label for channel, label in CONSENTS.items() if customer.has_consent(channel)),
    }
