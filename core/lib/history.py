"""Who changed what, when and why: the change log kept by django-simple-history, read for people."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, QuerySet

REASON_LENGTH = 100  # the width of simple-history's reason column


def recorded(instance: Model, *, user: AbstractBaseUser | None, why: str = "") -> Model:
    """Mark the next save of `instance` in its history as made by `user`, for the reason `why`."""
    instance._history_user = user
    reason = " ".join(why.split())
    instance._change_reason = reason if len(reason) <= REASON_LENGTH else reason[: REASON_LENGTH - 1] + "…"
    return instance


@dataclass(frozen=True)
class Change:
    when: datetime
    who: str
    action: str  # "Created", "Changed", "Deleted"
    what: list[str]  # "Amount: 12,000.00 → 15,000.00"
    why: str
    subject: str  # the object's name, for logs that mix several objects


ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}


def changes(
    records: QuerySet,
    *,
    shown: dict[str, Any] | None = None,
    limit: int = 30,
    subject: Callable[[Any], str] = lambda entry: str(entry.instance),
) -> list[Change]:
    """The newest `limit` entries of a history, each with the fields it changed.

    `shown` maps the field names worth showing to a formatter of their value (or None to show it as is);
    fields not in it (versions, ids) are left out of the description. `subject` names an entry's object
    (from the entry's own fields, where the object's name would take a query per entry).
    """
    shown = shown or {}
    # Each entry is compared with the one before it of the same object, read in the same query (a history may
    # mix several objects): one query whatever the number of objects and entries.
    entries = list(records.select_related("history_user").order_by("-history_date", "-history_id")[: limit * 3])
    result = []
    for position, entry in enumerate(entries[:limit]):
        object_id = getattr(entry, entry.instance._meta.pk.attname)
        previous = next(
            (
                older
                for older in entries[position + 1 :]
                if getattr(older, older.instance._meta.pk.attname) == object_id
            ),
            None,
        )
        if entry.history_type == "~" and previous is not None:
            delta = entry.diff_against(previous, included_fields=list(shown))
            what = [
                f"{_label(entry, change.field)}: {_show(shown, change.field, change.old)} → "
                f"{_show(shown, change.field, change.new)}"
                for change in delta.changes
            ]
        else:
            what = [f"{_label(entry, name)}: {_show(shown, name, _raw(entry, name))}" for name in shown]
        if entry.history_type == "~" and not what and not entry.history_change_reason:
            continue  # saved without a change worth showing (a relation set beside it, a recount)
        result.append(
            Change(
                when=entry.history_date,
                who=str(entry.history_user or "the system"),
                action=ACTIONS[entry.history_type],
                what=what,
                why=entry.history_change_reason or "",
                subject=subject(entry),
            )
        )
    return result


def merged(*logs: list[Change], limit: int = 30) -> list[Change]:
    """Several objects' logs as one, newest first: a portfolio with its budgets and objectives."""
    return sorted((change for log in logs for change in log), key=lambda change: change.when, reverse=True)[:limit]


def _raw(entry: Any, name: str) -> Any:
    """The stored value, as a diff gives it: a related object's id, not the object."""
    try:
        return getattr(entry, entry._meta.get_field(name).attname)
    except FieldDoesNotExist:
        return None


def _label(entry: Any, name: str) -> str:
    try:
        return str(entry.instance._meta.get_field(name.removesuffix("_id")).verbose_name).capitalize()
    except FieldDoesNotExist:  # a field since removed from the model: its name is the best label left
        return name.replace("_", " ").capitalize()


def _show(shown: dict[str, Any], name: str, value: Any) -> str:
    formatter = shown.get(name)
    if value is None or value == "":
        return "none"
    return formatter(value) if formatter else str(value)
