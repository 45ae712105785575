"""A believable retailer, made up: stores, categories, customers who behave differently, and what they did.

Everything comes from one random seed and the last day of the history, so the
same seed gives the same files. Customers are made in chunks with a random
stream of their own each, so a million customers and twenty million purchase
lines are written with bounded memory.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

REGIONS = ["North", "South", "East", "West", "Central"]
STORES = [
    ("S01", "Harbour Street", "North", "2012-03-01"),
    ("S02", "Old Mill", "North", "2015-06-15"),
    ("S03", "Riverside", "South", "2010-09-01"),
    ("S04", "Market Square", "South", "2018-04-20"),
    ("S05", "Station Road", "South", "2019-11-02"),
    ("S06", "Eastgate", "East", "2011-02-14"),
    ("S07", "Castle Walk", "East", "2016-08-08"),
    ("S08", "Westfield", "West", "2013-05-30"),
    ("S09", "Hill Top", "West", "2020-03-03"),
    ("S10", "Bay Parade", "West", "2014-10-10"),
    ("S11", "Central Arcade", "Central", "2009-01-12"),
    ("S12", "Park Lane", "Central", "2017-07-07"),
    ("S13", "University Quarter", "Central", "2021-09-01"),
    ("S14", "Docklands", "East", "2022-05-16"),
]
CLOSED_STORE = ("S02", "2024-01-31")
# Where each region's stores gather (degrees); a store stands a few kilometres from the centre, placed by its
# position in STORES (see _store_places), so that the retailer's map draws nothing from the random generator.
REGION_CENTRES = {
    "North": (53.80, -1.55),
    "South": (50.90, -1.40),
    "East": (52.63, 1.29),
    "West": (51.45, -2.59),
    "Central": (52.48, -1.90),
}
# code, name, margin rate, typical unit price
CATEGORIES = [
    ("GRO", "Grocery", 0.22, 4.5),
    ("FRE", "Fresh food", 0.28, 6.0),
    ("BAK", "Bakery", 0.45, 3.2),
    ("BEA", "Beauty", 0.55, 14.0),
    ("HOM", "Home", 0.40, 22.0),
    ("APP", "Apparel", 0.50, 28.0),
    ("ELE", "Electronics", 0.15, 85.0),
    ("TOY", "Toys", 0.35, 18.0),
    ("GAR", "Garden", 0.38, 16.0),
    ("PET", "Pet care", 0.30, 11.0),
    ("BOO", "Books", 0.25, 12.0),
    ("WEL", "Wellness", 0.48, 15.0),
]
CATEGORY_WEIGHTS = np.array([18, 15, 12, 8, 9, 9, 4, 5, 5, 6, 4, 5], dtype=float)
FIRST_NAMES = np.array(
    [
        "Olivia",
        "Noah",
        "Amelia",
        "Oliver",
        "Isla",
        "George",
        "Ava",
        "Arthur",
        "Mia",
        "Leo",
        "Freya",
        "Harry",
        "Lily",
        "Oscar",
        "Grace",
        "Jack",
        "Sofia",
        "Theo",
        "Ella",
        "Muhammad",
        "Ivy",
        "Charlie",
        "Florence",
        "Jacob",
        "Willow",
        "Alfie",
        "Rosie",
        "Thomas",
        "Aisha",
        "Sam",
    ]
)
LAST_NAMES = np.array(
    [
        "Smith",
        "Jones",
        "Taylor",
        "Brown",
        "Williams",
        "Wilson",
        "Johnson",
        "Davies",
        "Patel",
        "Robinson",
        "Wright",
        "Thompson",
        "Evans",
        "Walker",
        "White",
        "Roberts",
        "Green",
        "Hall",
        "Khan",
        "Clarke",
        "Lewis",
        "Young",
        "Hughes",
        "Edwards",
        "Wood",
        "Harris",
        "Martin",
        "Kaur",
    ]
)
TOPICS = np.array(["offers", "new_arrivals", "recipes", "style", "events", "family"])
OFFER_CODES = np.array(["WELCOME10", "SPRING15", "SUMMER5", "BACK2SCHOOL", "WINTER20", "LOYAL25"])
# Orders per active year by behaviour; the share of customers of each behaviour.
BEHAVIOURS = {
    "prospect": (0.0, 0.05),
    "one_off": (0.0, 0.30),
    "occasional": (3.0, 0.36),
    "regular": (11.0, 0.21),
    "best": (36.0, 0.08),
}
MONTH_WEIGHT = np.array([0.8, 0.75, 0.9, 0.95, 1.0, 1.0, 1.1, 1.05, 0.95, 1.0, 1.3, 1.7])
WEEKDAY_WEIGHT = np.array([0.85, 0.85, 0.9, 0.95, 1.1, 1.35, 1.0])  # Monday first
# Every set of topics as text, indexed by its bit mask.
_TOPIC_SETS = np.array(
    [";".join(TOPICS[[bool(mask >> bit & 1) for bit in range(len(TOPICS))]]) for mask in range(1 << len(TOPICS))]
)
HISTORY_YEARS = 4
CHUNK = 50_000


@dataclass(frozen=True)
class Files:
    stores: Path
    categories: Path
    customers: Path
    purchases: Path
    events: Path


def write_retailer(folder: Path, *, customers: int, seed: int, end: date) -> Files:
    """Write the five CSV files of a retailer with `customers` customers whose history ends on `end`."""
    folder.mkdir(parents=True, exist_ok=True)
    files = Files(*(folder / f"{name}.csv" for name in ("stores", "categories", "customers", "purchases", "events")))
    _write(files.stores, _stores_table())
    _write(files.categories, _categories_table())
    streams = np.random.SeedSequence(seed).spawn((customers + CHUNK - 1) // CHUNK)
    writers: dict[str, pa_csv.CSVWriter] = {}
    try:
        for number, stream in enumerate(streams):
            first = number * CHUNK
            tables = _chunk(np.random.default_rng(stream), number, min(CHUNK, customers - first), end)
            for name, table in tables.items():
                if name not in writers:
                    writers[name] = pa_csv.CSVWriter(str(getattr(files, name)), table.schema)
                writers[name].write_table(table)
    finally:
        for writer in writers.values():
            writer.close()
    return files


def _write(path: Path, table: pa.Table) -> None:
    pa_csv.write_csv(table, str(path))


def _stores_table() -> pa.Table:
    codes, names, regions, opened = zip(*STORES, strict=True)
    closed = [CLOSED_STORE[1] if code == CLOSED_STORE[0] else None for code in codes]
    latitude, longitude = _store_places()
    return pa.table(
        {
            "code": codes,
            "name": names,
            "region": regions,
            "opened_on": opened,
            "closed_on": closed,
            "latitude": latitude,
            "longitude": longitude,
        }
    )


def _store_places() -> tuple[list[str], list[str]]:
    """Each store's latitude and longitude: around its region's centre, turned by the golden angle per store
    and 6 to 17 km out, worked out from its position alone."""
    index = np.arange(len(STORES))
    centres = np.array([REGION_CENTRES[region] for _, _, region, _ in STORES])
    angle = index * 2.39996
    reach = 0.055 + 0.05 * (index % 3)  # degrees of latitude
    latitude = centres[:, 0] + reach * np.cos(angle)
    longitude = centres[:, 1] + reach * np.sin(angle) / np.cos(np.radians(centres[:, 0]))
    return [f"{value:.5f}" for value in latitude], [f"{value:.5f}" for value in longitude]


def _categories_table() -> pa.Table:
    codes, names, margins, _ = zip(*CATEGORIES, strict=True)
    return pa.table({"code": codes, "name": names, "margin_rate": [f"{m:.2f}" for m in margins]})


def _chunk(rng: np.random.Generator, chunk: int, count: int, end: date) -> dict[str, pa.Table]:
    people = _customers(rng, chunk, count, end)
    orders = _orders(rng, people, end)
    return {
        "customers": people["table"],
        "purchases": _lines(rng, people, orders),
        "events": _events(rng, people, orders, end),
    }


def _days(values: np.ndarray) -> np.ndarray:
    return values.astype("datetime64[D]")


STREETS = np.array(
    [
        "Mill Lane",
        "Church Street",
        "Station Road",
        "Victoria Road",
        "Park Avenue",
        "Queens Road",
        "High Street",
        "Orchard Close",
        "Meadow Way",
        "Kings Road",
        "Bridge Street",
        "Chapel Lane",
        "School Lane",
        "The Green",
    ]
)
# The town of each store, in the order of STORES, and its postcode area.
TOWNS = [
    ("Northam", "NH"),
    ("Millbrook", "MB"),
    ("Southport", "SP"),
    ("Marketon", "MK"),
    ("Stanfield", "SF"),
    ("Eastwick", "EW"),
    ("Castleford", "CF"),
    ("Westbury", "WB"),
    ("Hillcrest", "HC"),
    ("Baybridge", "BB"),
    ("Centrum", "CT"),
    ("Parkstone", "PK"),
    ("Unity", "UN"),
    ("Dockside", "DK"),
]


def _addresses(numbers: np.ndarray, store_index: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A made-up postal address near each customer's home store, worked out from their number (it draws nothing
    from the random generator, so the rest of the retailer stays as it was)."""
    house = (numbers * 7919 % 180 + 1).astype(str)
    street = STREETS[numbers * 31 % len(STREETS)]
    towns = np.array([town for town, _ in TOWNS])[store_index]
    areas = np.array([area for _, area in TOWNS])[store_index]
    district = (numbers % 9 + 1).astype(str)
    unit = np.char.add((numbers % 9 + 1).astype(str), np.array(list("ABDEFGHJLNPQRSTUWXYZ"))[numbers % 20])
    postcode = np.char.add(np.char.add(np.char.add(areas, district), " "), unit)
    return np.char.add(np.char.add(house, " "), street), postcode, towns


def _customers(rng: np.random.Generator, chunk: int, count: int, end: date) -> dict:
    numbers = np.arange(chunk * CHUNK, chunk * CHUNK + count)
    external = _join("L0", numbers + 10_000_001)
    given = FIRST_NAMES[rng.integers(0, len(FIRST_NAMES), count)]
    family = LAST_NAMES[rng.integers(0, len(LAST_NAMES), count)]
    email = np.char.add(np.char.add(np.char.lower(given), "."), np.char.lower(family))
    email = np.char.add(np.char.add(email, numbers.astype(str)), "@example.com")
    has_email = rng.random(count) < 0.9
    phone = np.char.add("+44 7700 ", np.char.zfill(rng.integers(0, 1_000_000, count).astype(str), 6))
    has_phone = rng.random(count) < 0.7
    # More customers joined recently than long ago: the programme grows.
    history_days = HISTORY_YEARS * 365
    joined_ago = (history_days * (1 - np.sqrt(rng.random(count)))).astype(int)
    end_day = np.datetime64(end, "D")
    signup = end_day - joined_ago
    store_index = rng.choice(len(STORES), count, p=_store_weights())
    home_store = np.array([code for code, *_ in STORES])[store_index]
    region = np.array([region for _, _, region, _ in STORES])[store_index]
    birth_year = np.clip(np.round(rng.normal(1978, 15, count)), 1935, end.year - 18).astype(int)
    young = birth_year > 1985
    consent_email = has_email & (rng.random(count) < 0.72)
    consent_sms = has_phone & (rng.random(count) < np.where(young, 0.5, 0.3))
    uses_app = rng.random(count) < np.where(young, 0.55, 0.2)
    consent_push = uses_app & (rng.random(count) < 0.8)
    consent_mail = rng.random(count) < np.where(young, 0.35, 0.65)
    topic_bits = (rng.random((count, len(TOPICS))) < 0.3) @ (1 << np.arange(len(TOPICS)))
    topics = _TOPIC_SETS[topic_bits]

    names = list(BEHAVIOURS)
    behaviour = rng.choice(len(names), count, p=[BEHAVIOURS[name][1] for name in names])
    rate = np.array([BEHAVIOURS[name][0] for name in names])[behaviour] * rng.lognormal(0, 0.35, count)
    # A share of customers stop buying at some point: they lapse.
    lapses = (behaviour >= names.index("occasional")) & (rng.random(count) < 0.3)
    lapse_after = (rng.random(count) * joined_ago).astype(int)
    active_until = np.where(lapses, signup + lapse_after, end_day)
    favourite = rng.choice(len(CATEGORIES), count, p=CATEGORY_WEIGHTS / CATEGORY_WEIGHTS.sum())
    online_share = rng.beta(1.2, 3.5, count)

    address, postcode, city = _addresses(numbers, store_index)
    table = pa.table(
        {
            "external_id": external,
            "name": np.char.add(np.char.add(given, " "), family),
            "email": np.where(has_email, email, ""),
            "phone": np.where(has_phone, phone, ""),
            "address": address,
            "postcode": postcode,
            "city": city,
            "home_store": home_store,
            "region": region,
            "signup_date": np.datetime_as_string(signup),
            "birth_year": birth_year,
            "consent_email": consent_email.astype(int),
            "consent_sms": consent_sms.astype(int),
            "consent_push": consent_push.astype(int),
            "consent_direct_mail": consent_mail.astype(int),
            "topics": topics,
        }
    )
    return {
        "table": table,
        "external": external,
        "signup": signup,
        "active_until": active_until,
        "behaviour": behaviour,
        "one_off": behaviour == names.index("one_off"),
        "rate": rate,
        "store_index": store_index,
        "favourite": favourite,
        "online_share": online_share,
        "consent_email": consent_email,
        "uses_app": uses_app,
        "count": count,
        "chunk": chunk,
        "last_second": (end_day + 1).astype("datetime64[s]") - 1,
    }


def _store_weights() -> np.ndarray:
    weights = np.linspace(1.4, 0.6, len(STORES))
    return weights / weights.sum()


def _orders(rng: np.random.Generator, people: dict, end: date) -> dict:
    active_days = np.maximum((people["active_until"] - people["signup"]).astype(int), 1)
    expected = people["rate"] * active_days / 365
    counts = rng.poisson(expected)
    counts = np.where(people["one_off"], 1, counts)
    customer = np.repeat(np.arange(people["count"]), counts)
    day = _seasonal_days(rng, people["signup"][customer], active_days[customer])
    seconds = rng.integers(8 * 3600, 21 * 3600, len(customer))
    at = day.astype("datetime64[s]") + seconds
    online = rng.random(len(customer)) < people["online_share"][customer]
    other_store = rng.random(len(customer)) < 0.15
    store = np.where(other_store, rng.integers(0, len(STORES), len(customer)), people["store_index"][customer])
    open_stores = _open_store_mask(store, day)
    online |= ~open_stores
    return {"customer": customer, "at": at, "online": online, "store": store}


def _seasonal_days(rng: np.random.Generator, start: np.ndarray, span: np.ndarray) -> np.ndarray:
    """Days within each [start, start + span), more often in busy months and at weekends."""
    days = np.empty(len(start), dtype="datetime64[D]")
    pending = np.arange(len(start))
    peak = MONTH_WEIGHT.max() * WEEKDAY_WEIGHT.max()
    while len(pending):
        offered = start[pending] + (rng.random(len(pending)) * span[pending]).astype(int)
        month = offered.astype("datetime64[M]").astype(int) % 12
        weekday = (offered.astype(int) - 4) % 7  # 1970-01-01 was a Thursday
        keep = rng.random(len(pending)) < MONTH_WEIGHT[month] * WEEKDAY_WEIGHT[weekday] / peak
        days[pending[keep]] = offered[keep]
        pending = pending[~keep]
    return days


def _open_store_mask(store: np.ndarray, day: np.ndarray) -> np.ndarray:
    opened = np.array([np.datetime64(opened_on) for *_, opened_on in STORES])[store]
    closed_index = [code for code, *_ in STORES].index(CLOSED_STORE[0])
    after_closing = (store == closed_index) & (day > np.datetime64(CLOSED_STORE[1]))
    return (day >= opened) & ~after_closing


def _lines(rng: np.random.Generator, people: dict, orders: dict) -> pa.Table:
    order_count = len(orders["customer"])
    per_order = 1 + rng.poisson(1.4, order_count)
    order = np.repeat(np.arange(order_count), per_order)
    count = len(order)
    customer = orders["customer"][order]
    favourite = rng.random(count) < 0.5
    category = np.where(
        favourite,
        people["favourite"][customer],
        rng.choice(len(CATEGORIES), count, p=CATEGORY_WEIGHTS / CATEGORY_WEIGHTS.sum()),
    )
    price = np.array([price for *_, price in CATEGORIES])[category] * rng.lognormal(0, 0.45, count)
    quantity = 1 + rng.poisson(0.35, count)
    revenue = np.round(price * quantity, 2)
    margin_rate = np.array([margin for _, _, margin, _ in CATEGORIES])[category]
    margin = np.round(revenue * margin_rate * rng.uniform(0.8, 1.2, count), 2)
    is_return = rng.random(count) < 0.015
    quantity = np.where(is_return, -quantity, quantity)
    revenue = np.where(is_return, -revenue, revenue)
    margin = np.where(is_return, -margin, margin)
    returned_later = orders["at"][order] + np.where(is_return, rng.integers(1, 20, count) * 86400, 0)
    at = np.minimum(returned_later, people["last_second"])
    online = orders["online"][order]
    codes = np.array([code for code, *_ in STORES])
    with_code = rng.random(count) < 0.04
    order_ref = _join(f"O{people['chunk']}.", order)
    line_number = np.arange(count) - np.repeat(np.cumsum(per_order) - per_order, per_order)
    return pa.table(
        {
            "line_id": _join(order_ref, "-", line_number + 1),
            "order_ref": order_ref,
            "customer_id": people["external"].take(pa.array(customer)),
            "purchased_at": _timestamps(at),
            "channel": np.where(online, "online", "store"),
            "store": np.where(online, "", codes[orders["store"][order]]),
            "category": np.array([code for code, *_ in CATEGORIES])[category],
            "quantity": quantity,
            "revenue": revenue,
            "margin": margin,
            "offer_code": np.where(with_code, OFFER_CODES[rng.integers(0, len(OFFER_CODES), count)], ""),
        }
    )


def _events(rng: np.random.Generator, people: dict, orders: dict, end: date) -> pa.Table:
    """Web visits before some orders, e-mail opens and clicks for consenting customers, app opens for app users."""
    order_count = len(orders["customer"])
    before_order = rng.random(order_count) < 0.6
    visit_customer = orders["customer"][before_order]
    visit_at = orders["at"][before_order] - rng.integers(600, 3 * 86400, len(visit_customer))

    end_second = np.datetime64(datetime.combine(end, datetime.min.time()) + timedelta(days=1), "s")
    emailable = np.flatnonzero(people["consent_email"])
    opens_per = rng.poisson(6, len(emailable))
    open_customer = np.repeat(emailable, opens_per)
    open_at = end_second - rng.integers(1, 365 * 86400, len(open_customer))
    clicked = rng.random(len(open_customer)) < 0.25

    app_users = np.flatnonzero(people["uses_app"])
    app_per = rng.poisson(10, len(app_users))
    app_customer = np.repeat(app_users, app_per)
    app_at = end_second - rng.integers(1, 365 * 86400, len(app_customer))

    customer = np.concatenate([visit_customer, open_customer, open_customer[clicked], app_customer])
    at = np.concatenate([visit_at, open_at, open_at[clicked] + 120, app_at])
    kind = np.concatenate(
        [
            np.full(len(visit_customer), "web_visit"),
            np.full(len(open_customer), "email_open"),
            np.full(int(clicked.sum()), "email_click"),
            np.full(len(app_customer), "app_open"),
        ]
    )
    signed_up = at >= people["signup"][customer].astype("datetime64[s]")
    customer, at, kind = customer[signed_up], at[signed_up], kind[signed_up]
    return pa.table(
        {
            "event_id": _join(f"E{people['chunk']}.", np.arange(len(customer))),
            "customer_id": people["external"].take(pa.array(customer)),
            "occurred_at": _timestamps(at),
            "kind": kind,
        }
    )


def _timestamps(at: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(at.astype("datetime64[s]"))


def _join(*parts: object) -> pa.Array:
    """Strings joined element-wise; numbers become their digits."""
    arrays = [part if isinstance(part, str) else pa.array(part).cast(pa.string()) for part in parts]
    return pc.binary_join_element_wise(*arrays, "")
