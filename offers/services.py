"""Changes to the offer bank: whole offers from the edit page, and the quick changes of the bank's grid."""

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from core.services import job_run
from customers.models import DataImport, Store
from customers.tasks import data_import_submit, import_job
from offers.models import Offer

# What the grid may change in place; anything else goes through the edit page.
QUICK_FIELDS = ("active", "max_quantity", "budget_cap_cents")


class OfferError(Exception):
    """A change the bank's rules refuse; the message says why, for the user."""


@transaction.atomic
def offer_save(
    *, offer: Offer | None = None, user: AbstractBaseUser, stores: list[Store] | None = None, **fields: Any
) -> Offer:
    """Create or change an offer; the model's rules (dates in order, shares and money not negative) apply."""
    offer = offer or Offer()
    for name, value in fields.items():
        setattr(offer, name, value)
    offer.full_clean()
    offer._history_user = user
    offer.save()
    if stores is not None:
        offer.stores.set(stores)
    return offer


def offer_quick_update(*, offer: Offer, user: AbstractBaseUser, field: str, value: Any) -> Offer:
    """One cell of the grid: switch an offer on or off, or change its quantity or budget cap (empty: no cap)."""
    if field not in QUICK_FIELDS:
        raise OfferError(f"{field} is changed on the offer's page, not in the grid.")
    if field == "active":
        parsed: Any = value in (True, "true", "True", "1", 1, "yes")
    elif value in (None, ""):
        parsed = None
    else:
        try:
            number = Decimal(str(value))
        except InvalidOperation as error:
            raise OfferError(f"{value} is not a number.") from error
        if number < 0:
            raise OfferError("A cap cannot be negative; leave it empty for no cap.")
        parsed = int(number * 100) if field == "budget_cap_cents" else int(number)
    try:
        return offer_save(offer=offer, user=user, **{field: parsed})
    except ValidationError as error:
        raise OfferError("; ".join(error.messages)) from error


def offers_import(*, path: Path, file_name: str, user: AbstractBaseUser) -> DataImport:
    """Import an offer file now, whole or not at all: a bank is small, and the user waits for the answer."""
    data_import = data_import_submit(
        kind="offers", path=path, file_name=file_name, owner=user, uploaded=True, queue=False
    )
    job_run(data_import.job.pk, import_job)
    data_import.refresh_from_db()
    return data_import
