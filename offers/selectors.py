"""Reading the offer bank."""

from datetime import date

from django.db.models import QuerySet

from offers.models import Offer


def offer_list() -> QuerySet[Offer]:
    return Offer.objects.select_related("category").prefetch_related("stores").order_by("code")


_STORES = Offer.stores.through
# Read from a dict: get_kind_display() builds the dict of every kind again for each offer.
KIND_LABELS = dict(Offer.Kind.choices)
OFFER_ROWS_SQL = f"""
    SELECT o.*, category.name AS category_name,
           ARRAY(SELECT store.code FROM {_STORES._meta.db_table} link
                 JOIN {Offer.stores.field.related_model._meta.db_table} store ON store.id = link.store_id
                 WHERE link.offer_id = o.id ORDER BY store.code) AS store_codes
    FROM {Offer._meta.db_table} o
    LEFT JOIN {Offer.category.field.related_model._meta.db_table} category ON category.id = o.category_id
    WHERE %(offer)s::bigint IS NULL OR o.id = %(offer)s
    ORDER BY o.code
"""


def offer_grid_rows(*, today: date, offer_id: int | None = None) -> list[dict]:
    """One row per offer of the bank (or the one offer asked for) for its grid, with labels for people and raw
    values for sorting and editing.

    One hand-written statement reads the offers into models with their category's name and their stores' codes:
    built by the ORM, with a model for every store of every offer, it cost the bank's page more than all the
    rest of it.
    """
    offers = Offer.objects.raw(OFFER_ROWS_SQL, {"offer": offer_id})
    return [
        {
            "id": offer.pk,
            "code": offer.code,
            "name": offer.name,
            "kind": KIND_LABELS.get(offer.kind, offer.kind),
            "value": offer.value_label,
            "category": offer.category_name or "Whole range",
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
