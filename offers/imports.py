"""The offer bank as a file: one row per offer, checked whole, merged offer by offer so each change has history.

Lists (channels, stores) are separated by semicolons; an empty list means every
channel or every store. A bank holds hundreds of offers, not millions of rows:
the merge saves each offer through the model, which is what records who changed
what, at a cost nobody notices.
"""

import numpy as np
import pandas as pd
import pyarrow as pa
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from core.lib.bounds import EARLIEST_PLAN_DAY, LATEST_PLAN_DAY, MAX_BUDGET_CENTS, MAX_OFFER_QUANTITY, MAX_UNIT_CENTS
from core.lib.money import format_cents
from customers.imports.kinds import Kind, References, _as_int, _column, not_before
from customers.imports.loading import Counts
from customers.imports.problems import ImportRefused, Problems
from customers.imports.source import Batch
from customers.models import Channel
from offers.models import Offer

KIND_WORDS = {
    **{value: value for value in Offer.Kind.values},
    **{label.lower(): value for value, label in Offer.Kind.choices},
    "percent": Offer.Kind.PERCENT_OFF,
    "amount": Offer.Kind.AMOUNT_OFF,
    "points multiplier": Offer.Kind.POINTS,
    "gift": Offer.Kind.GIFT,
    "free gift": Offer.Kind.GIFT,
    "buy one get one": Offer.Kind.BOGO,
    "bogof": Offer.Kind.BOGO,
}
CHANNEL_WORDS = {
    **{value: value for value in Channel.values},
    **{label.lower(): value for value, label in Channel.choices},
    "direct mail": Channel.DIRECT_MAIL,
    "in store": Channel.IN_STORE,
    "mail": Channel.DIRECT_MAIL,
}
LOAD_COLUMNS = (
    "code text, name text, kind text, category_id bigint, value numeric, expected_redemption_rate numeric, "
    "cost_per_redemption_cents bigint, valid_from date, valid_until date, channels text, stores text, "
    "max_quantity bigint, budget_cap_cents bigint, active boolean, given text, file_row bigint"
)
OPTIONAL = (
    "category",
    "value",
    "expected_redemption_rate",
    "cost_per_redemption",
    "channels",
    "stores",
    "max_quantity",
    "budget_cap",
    "active",
)
# Where a file leaves a column out, an offer it creates takes the model's default and one it updates keeps its own.
FIELDS = {
    "category": "category_id",
    "value": "value",
    "expected_redemption_rate": "expected_redemption_rate",
    "cost_per_redemption": "cost_per_redemption_cents",
    "channels": "channels",
    "stores": "stores",
    "max_quantity": "max_quantity",
    "budget_cap": "budget_cap_cents",
    "active": "active",
}


def prepare_offers(batch: Batch, refs: References, problems: Problems) -> pd.DataFrame:
    out = pd.DataFrame(index=batch.frame.index)
    for name, length in (("code", 64), ("name", 160)):
        column = _column(batch, name, problems)
        column.require()
        out[name] = column.text(max_length=length)
    kind = _column(batch, "kind", problems)
    kind.require()
    words = kind.values.str.lower().str.replace(r"[\s_-]+", " ", regex=True).str.strip()
    out["kind"] = words.map(KIND_WORDS)
    kind.flag(
        ~kind.empty & out["kind"].isna().to_numpy(),
        "is not a kind of offer (percent off, amount off, points multiplier, free gift, buy one get one)",
    )
    out["category_id"] = pd.array([None] * len(out), dtype="Int64")
    if category := _column(batch, "category", problems):
        ids = refs.categories.find(category.array)
        category.flag(~category.empty & (ids < 0), "is not the code of a known category")
        out["category_id"] = pd.array(np.where(ids >= 0, ids, np.nan), dtype="Int64")
    for name, target, scale in (("value", "value", 1), ("expected_redemption_rate", "expected_redemption_rate", 1)):
        out[target] = np.nan
        if column := _column(batch, name, problems):
            numbers = column.number() * scale
            column.flag(numbers < 0, "is negative")
            if name == "value":
                column.flag(numbers * 100 > MAX_UNIT_CENTS, f"is more than {format_cents(MAX_UNIT_CENTS)}")
            if name == "expected_redemption_rate":
                column.flag(numbers > 1, "is not between 0 and 1 (a rate of 5% is 0.05)")
            out[target] = numbers
    money = (
        ("cost_per_redemption", "cost_per_redemption_cents", MAX_UNIT_CENTS),
        ("budget_cap", "budget_cap_cents", MAX_BUDGET_CENTS),
    )
    for name, target, most in money:
        out[target] = pd.array([None] * len(out), dtype="Int64")
        if column := _column(batch, name, problems):
            cents = column.cents()
            column.flag(cents < 0, "is negative")
            column.flag(cents > most, f"is more than {format_cents(most)}")
            out[target] = _as_int(cents)
    out["max_quantity"] = pd.array([None] * len(out), dtype="Int64")
    if quantity := _column(batch, "max_quantity", problems):
        numbers = quantity.whole_number()
        quantity.flag(numbers < 0, "is negative")
        quantity.flag(numbers > MAX_OFFER_QUANTITY, f"is more than {MAX_OFFER_QUANTITY:,} customers")
        out["max_quantity"] = _as_int(numbers)
    dates = {}
    for name in ("valid_from", "valid_until"):
        column = _column(batch, name, problems)
        column.require()
        dates[name] = column.day()
        out[name] = dates[name]
        not_before(column, dates[name], EARLIEST_PLAN_DAY)
        column.flag(
            (dates[name].notna() & (dates[name] > LATEST_PLAN_DAY)).to_numpy(dtype=bool),
            f"is after {LATEST_PLAN_DAY:%Y-%m-%d}",
        )
    ends = _column(batch, "valid_until", problems)
    ends.flag(
        (
            dates["valid_until"].notna() & dates["valid_from"].notna() & (dates["valid_until"] < dates["valid_from"])
        ).to_numpy(),
        "is before valid_from: an offer ends after it starts",
    )
    out["channels"] = _channel_lists(batch, problems)
    out["stores"] = _store_lists(batch, refs, problems)
    out["active"] = None
    if active := _column(batch, "active", problems):
        out["active"] = active.boolean()
    out["given"] = ";".join(name for name in OPTIONAL if name in batch.frame)
    out["file_row"] = batch.rows
    return out


def _lists(values: pd.Series) -> pd.Series:
    return values.fillna("").str.split(";").map(lambda items: [item.strip() for item in items if item.strip()])


def _channel_lists(batch: Batch, problems: Problems) -> pd.Series:
    """Channels as PostgreSQL array literals of their stored values ({email,sms}); unknown words flagged."""
    column = _column(batch, "channels", problems)
    if column is None:
        return pd.Series([None] * len(batch.frame), index=batch.frame.index)
    lists = _lists(column.values).map(lambda items: [CHANNEL_WORDS.get(item.lower()) for item in items])
    column.flag(
        lists.map(lambda items: None in items).to_numpy(),
        f"has a channel that is not one of {', '.join(Channel.values)}",
    )
    return lists.map(lambda items: "{" + ",".join(item or "" for item in items) + "}")


def _store_lists(batch: Batch, refs: References, problems: Problems) -> pd.Series:
    """Store ids as a semicolon list; a code that is not a known store is flagged."""
    column = _column(batch, "stores", problems)
    if column is None:
        return pd.Series([None] * len(batch.frame), index=batch.frame.index)
    lists = _lists(column.values)
    codes = sorted({code for items in lists for code in items})
    ids = dict(zip(codes, refs.stores.find(pa.array(codes, type=pa.string())).tolist(), strict=True))
    column.flag(
        lists.map(lambda items: any(ids[code] < 0 for code in items)).to_numpy(), "has a store code that is not known"
    )
    return lists.map(lambda items: ";".join(str(ids[code]) for code in items if ids[code] >= 0))


def merge_offers(*, load: str, loaded: int) -> Counts:
    """Create or update each offer of the file through the model (its history records the change)."""
    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT code, array_agg(file_row ORDER BY file_row) FROM {load}
            GROUP BY code HAVING count(*) > 1 ORDER BY min(file_row) LIMIT 1000
        """)
        _refuse_repeats(cursor.fetchall())
        cursor.execute(f"SELECT {', '.join(column.split()[0] for column in LOAD_COLUMNS.split(', '))} FROM {load}")
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        cursor.execute(f"DROP TABLE {load}")
    created = changed = 0
    with transaction.atomic():
        for row in rows:
            given = set(filter(None, row["given"].split(";")))
            offer = Offer.objects.filter(code=row["code"]).first() or Offer(code=row["code"])
            before = _snapshot(offer) if offer.pk else None
            offer.name, offer.kind = row["name"], row["kind"]
            offer.valid_from, offer.valid_until = row["valid_from"], row["valid_until"]
            for column, field in FIELDS.items():
                if column in given and column != "stores":
                    setattr(offer, field, _parsed(field, row[field]))
            stores = [int(store) for store in filter(None, (row["stores"] or "").split(";"))]
            _check(offer, row["file_row"])  # the values as the model holds them, to compare
            if before is not None and before == _snapshot(offer, stores if "stores" in given else None):
                continue  # the same offer: no save, and no change in its history
            offer._change_reason = "Imported from a file"
            offer.save()
            if "stores" in given:
                offer.stores.set(stores)
            created += before is None
            changed += before is not None
    return Counts(loaded=loaded, new=created, replaced=changed, unchanged=loaded - created - changed, strategy="offers")


def _refuse_repeats(repeated: list[tuple[str, list[int]]]) -> None:
    if not repeated:
        return
    problems = Problems()
    for code, rows in repeated:
        problems.add(f"repeats the code of row {rows[0]}", row=rows[1], column="code", value=code)
    raise ImportRefused(problems)


def _check(offer: Offer, row: int) -> None:
    """The model's own rules, as a problem naming the row and column rather than an error."""
    try:
        offer.full_clean(validate_unique=False)
    except ValidationError as invalid:
        problems = Problems()
        for field, messages in invalid.message_dict.items():
            column = next((name for name, target in FIELDS.items() if target == field), field)
            for message in messages:
                problems.add(message, row=row, column=column, value=getattr(offer, field, ""))
        raise ImportRefused(problems) from None


def _parsed(field: str, value: object) -> object:
    if field == "channels":
        return [item for item in str(value or "{}").strip("{}").split(",") if item]
    if field == "value" and value is None:
        return 0
    if field == "expected_redemption_rate" and value is None:
        return Offer._meta.get_field(field).default
    if field == "cost_per_redemption_cents" and value is None:
        return 0
    return value


def _snapshot(offer: Offer, stores: list[int] | None = None) -> tuple:
    """What an offer says, to tell whether a file changes it (`stores`: as the file gives them, else as stored)."""
    stores = sorted(stores if stores is not None else offer.stores.values_list("pk", flat=True))
    fields = [
        field.attname for field in Offer._meta.concrete_fields if field.attname not in ("created_at", "updated_at")
    ]
    return (*(getattr(offer, name) for name in fields), tuple(stores))


OFFERS = Kind(
    "offers",
    Offer,
    "code",
    ("code", "name", "kind", "valid_from", "valid_until"),
    OPTIONAL,
    prepare_offers,
    load_columns=LOAD_COLUMNS,
    merge=merge_offers,
)

EXPORT_COLUMNS = [
    "code",
    "name",
    "kind",
    "category",
    "value",
    "expected_redemption_rate",
    "cost_per_redemption",
    "valid_from",
    "valid_until",
    "channels",
    "stores",
    "max_quantity",
    "budget_cap",
    "active",
]


def offer_rows(offers) -> "list[list[object]]":
    """The bank as rows of the same columns the import reads, so an exported file imports back unchanged."""
    rows = [EXPORT_COLUMNS]
    for offer in offers.select_related("category").prefetch_related("stores"):
        rows.append(
            [
                offer.code,
                offer.name,
                offer.kind,
                offer.category.code if offer.category else "",
                f"{offer.value:f}",
                f"{offer.expected_redemption_rate:f}",
                f"{offer.cost_per_redemption_cents / 100:.2f}",
                offer.valid_from.isoformat(),
                offer.valid_until.isoformat(),
                ";".join(offer.channels),
                ";".join(store.code for store in offer.stores.all()),
                "" if offer.max_quantity is None else offer.max_quantity,
                "" if offer.budget_cap_cents is None else f"{offer.budget_cap_cents / 100:.2f}",
                "yes" if offer.active else "no",
            ]
        )
    return rows
