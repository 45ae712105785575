"""Reading the offer bank."""

from datetime import date

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Q, QuerySet

from offers.models import Offer


def offer_list() -> QuerySet[Offer]:
    return Offer.objects.select_related("category").prefetch_related("stores").order_by("code")


def offer_grid_rows(offers: QuerySet[Offer], *, today: date) -> list[dict]:
    """One row per offer for the bank's grid, with labels for people and raw values for sorting and editing.

    The stores come as codes aggregated in the same query: a prefetch would make a model of every store of
    every offer, which cost the bank's page more than all the rest of it.
    """
    offers = offers.prefetch_related(None).annotate(
        store_codes=ArrayAgg("stores__code", filter=Q(stores__isnull=False), ordering="stores__code", default=[])
    )
    return [
        {
            "id": offer.pk,
            "code": offer.code,
            "name": offer.name,
            "kind": offer.get_kind_display(),
            "value": offer.value_label,
            "category": offer.category.name if offer.category else "Whole range",
            "redemption_rate": float(offer.expected_redemption_rate) * 100,
            "cost": offer.cost_per_redemption_cents / 100,
            "valid_from": offer.valid_from.isoformat(),
            "valid_until": offer.valid_until.isoformat(),
            "valid_now": offer.valid_from <= today <= offer.valid_until,
            "channels": offer.channel_labels,
            "stores": ", ".join(offer.store_codes) or "All stores",
            "max_quantity": offer.max_quantity,
            "budget_cap": offer.budget_cap_cents / 100 if offer.budget_cap_cents is not None else None,
            "active": offer.active,
        }
        for offer in offers
    ]
