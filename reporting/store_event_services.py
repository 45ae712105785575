"""Writes to store events: a manager records what a store faces and the retention campaign that answers it."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from core.lib.history import recorded
from core.roles import is_manager
from reporting.models import StoreEvent

FIELDS = (
    "store",
    "kind",
    "event_date",
    "window_days",
    "assumed_attrition",
    "top_deciles",
    "nearest_stores",
    "channel",
    "holdout_share",
    "cost_per_contact_cents",
    "gift_cents",
    "coupon_cost_cents",
    "assumed_saved",
    "campaign",
    "notes",
)


class StoreEventError(Exception):
    """A change the rules do not allow; the message says why, for the user."""


def _checked(event: StoreEvent) -> None:
    try:
        event.full_clean()
    except ValidationError as error:
        raise StoreEventError(
            "; ".join(
                f"{StoreEvent._meta.get_field(name).verbose_name.capitalize()}: {' '.join(problems)}"
                if name != "__all__"
                else " ".join(problems)
                for name, problems in error.message_dict.items()
            )
        ) from error
    if event.kind == StoreEvent.Kind.CLOSE and event.store.closed_on and event.store.closed_on != event.event_date:
        raise StoreEventError(
            f"{event.store.name} closed on {event.store.closed_on:%d %b %Y}: a closure is on the day the store closes."
        )


@transaction.atomic
def store_event_save(*, user: AbstractBaseUser, event: StoreEvent | None = None, **fields: Any) -> StoreEvent:
    """Record a store event, or change one; its history keeps who changed what."""
    if not is_manager(user):
        raise StoreEventError("Only a manager records store events.")
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise StoreEventError(f"These are not store event fields: {', '.join(sorted(unknown))}.")
    creating = event is None
    event = event or StoreEvent(created_by=user)
    for name, value in fields.items():
        setattr(event, name, value)
    _checked(event)
    recorded(event, user=user, why="Recorded" if creating else "Changed").save()
    return event
