"""The store-event what-if: what a store's closing (or works, or a competitor next door) puts at stake, what doing
nothing is expected to cost, what a retention campaign is expected to save, and what the customers did after.

Definitions, the same everywhere below:

- A store's customers on a day: those whose home store it is and who bought anything (a sales line, any
  channel) in the 365 days to the end of that day. Their revenue and margin are those 365 days' sales.
- Value decile: the rank of that year's revenue among every customer who bought in the year (10 is the most
  valuable tenth), so that a store's mix reads against the whole customer base.
- Lost: a customer who bought nowhere (no store, not online) in the window of days after the event. A closure
  costs the share lost beyond the baseline: the share of the customers of stores that stayed open who were lost
  over the same days.

Every count is one set-based statement in PostgreSQL; distances are computed from the stores' coordinates
(haversine), never typed. Money is in integer cents; the forecast arithmetic is `reporting.forecast`'s.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection

from campaigns.models import AudienceMember
from core.lib.days import zone_name
from customers.models import Channel, Customer, Purchase, Store
from reporting.forecast import Forecast, Inputs, forecast
from reporting.history import past_treatments
from reporting.models import StoreEvent
from reporting.statistics import wald

YEAR_DAYS = 365
EARTH_KM = 6371.0  # the mean radius
NEAREST_SHOWN = 5

PURCHASES, CUSTOMERS, STORES = Purchase._meta.db_table, Customer._meta.db_table, Store._meta.db_table

# The start of a day, and of the day after, in the app's time zone, as SQL over a date expression.
START = "(({day})::timestamp AT TIME ZONE %(zone)s)"


def _start(day: str) -> str:
    return START.format(day=day)


DECILES_SQL = f"""
WITH spend AS (
    SELECT customer_id, sum(revenue_cents) AS revenue, sum(coalesce(margin_cents, 0)) AS margin
    FROM {PURCHASES}
    WHERE revenue_cents > 0
      AND purchased_at >= {_start("%(first)s::date")} AND purchased_at < {_start("%(day)s::date + 1")}
    GROUP BY customer_id
), ranked AS (
    SELECT customer_id, revenue, margin, ntile(10) OVER (ORDER BY revenue, customer_id) AS decile FROM spend
)
SELECT r.decile, count(*), sum(r.revenue), sum(r.margin)
FROM ranked r JOIN {CUSTOMERS} c ON c.id = r.customer_id
WHERE c.home_store_id = %(store)s
GROUP BY r.decile
ORDER BY r.decile
"""

NEAREST_SQL = f"""
SELECT o.id, o.code, o.name,
       2 * {EARTH_KM} * asin(sqrt(
           power(sin(radians(o.latitude::float8 - s.latitude::float8) / 2), 2)
           + cos(radians(s.latitude::float8)) * cos(radians(o.latitude::float8))
             * power(sin(radians(o.longitude::float8 - s.longitude::float8) / 2), 2)
       )) AS km
FROM {STORES} s JOIN {STORES} o ON o.id <> s.id
WHERE s.id = %(store)s AND s.latitude IS NOT NULL AND o.latitude IS NOT NULL
  AND (o.opened_on IS NULL OR o.opened_on <= %(day)s) AND (o.closed_on IS NULL OR o.closed_on > %(day)s)
ORDER BY km, o.code
LIMIT %(count)s
"""

# Per closure (a store and its day): its own customers and the customers of stores open through the window, and
# how many of each bought nowhere in the window after the day.
ATTRITION_SQL = f"""
WITH closure AS ({{closures}}), buyers AS (
    SELECT DISTINCT k.id AS closure_id, k.closed_on, p.customer_id
    FROM closure k JOIN {PURCHASES} p
      ON p.revenue_cents > 0
     AND p.purchased_at >= {_start("k.closed_on - " + str(YEAR_DAYS - 1))}
     AND p.purchased_at < {_start("k.closed_on + 1")}
)
SELECT b.closure_id, c.home_store_id = b.closure_id AS own, count(*),
       count(*) FILTER (WHERE NOT EXISTS (
           SELECT 1 FROM {PURCHASES} q
           WHERE q.customer_id = b.customer_id AND q.revenue_cents > 0
             AND q.purchased_at >= {_start("b.closed_on + 1")}
             AND q.purchased_at < {_start("b.closed_on + 1 + %(window)s")}
       ))
FROM buyers b
JOIN {CUSTOMERS} c ON c.id = b.customer_id
JOIN {STORES} home ON home.id = c.home_store_id
WHERE home.id = b.closure_id OR home.closed_on IS NULL OR home.closed_on > b.closed_on + %(window)s
GROUP BY 1, 2
"""
PAST_CLOSURES = f"""
    SELECT id, closed_on FROM {STORES}
    WHERE closed_on IS NOT NULL AND closed_on < %(before)s AND closed_on + %(window)s < %(today)s AND id <> %(store)s
"""
ONE_DAY = "SELECT %(store)s::bigint AS id, %(before)s::date AS closed_on"

# The retention campaign's audience after the event: who bought at another store, and who bought anywhere.
AFTER_SQL = f"""
SELECT m.is_control, count(*),
       count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM {PURCHASES} p
           WHERE p.customer_id = m.customer_id AND p.revenue_cents > 0 AND p.channel = 'store'
             AND p.store_id <> %(store)s
             AND p.purchased_at >= {_start("%(day)s::date + 1")} AND p.purchased_at < {_start("%(stop)s::date")}
       )),
       count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM {PURCHASES} p
           WHERE p.customer_id = m.customer_id AND p.revenue_cents > 0
             AND p.purchased_at >= {_start("%(day)s::date + 1")} AND p.purchased_at < {_start("%(stop)s::date")}
       ))
FROM {AudienceMember._meta.db_table} m
WHERE m.campaign_id = %(campaign)s
GROUP BY m.is_control
"""


def _rows(statement: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(statement, {"zone": zone_name(), **params})
        return cursor.fetchall()


# What is at stake


@dataclass(frozen=True)
class Decile:
    decile: int  # 1 is the least valuable tenth of all buyers, 10 the most valuable
    customers: int
    revenue_cents: int
    margin_cents: int


@dataclass(frozen=True)
class StoreCustomers:
    """The store's customers on `day`, by value decile."""

    day: date
    deciles: list[Decile]

    @property
    def customers(self) -> int:
        return sum(one.customers for one in self.deciles)

    @property
    def revenue_cents(self) -> int:
        return sum(one.revenue_cents for one in self.deciles)

    @property
    def margin_cents(self) -> int:
        return sum(one.margin_cents for one in self.deciles)

    def top(self, deciles: int) -> "StoreCustomers":
        """Those in the `deciles` most valuable deciles."""
        return StoreCustomers(self.day, [one for one in self.deciles if one.decile > 10 - deciles])


def store_customers(store_id: int, day: date) -> StoreCustomers:
    first = day - timedelta(days=YEAR_DAYS - 1)
    rows = _rows(DECILES_SQL, {"store": store_id, "first": first, "day": day})
    return StoreCustomers(day, [Decile(int(d), int(n), int(revenue), int(margin)) for d, n, revenue, margin in rows])


@dataclass(frozen=True)
class NearStore:
    store_id: int
    code: str
    name: str
    km: float


def nearest_stores(store_id: int, day: date, count: int = NEAREST_SHOWN) -> list[NearStore]:
    """The other stores open on `day` nearest to the store, by great-circle distance; none without coordinates."""
    rows = _rows(NEAREST_SQL, {"store": store_id, "day": day, "count": count})
    return [NearStore(pk, code, name, float(km)) for pk, code, name, km in rows]


# Doing nothing


@dataclass(frozen=True)
class Attrition:
    """The share of a store's customers a closure loses beyond the baseline: measured, or assumed."""

    closures: list[str]  # the past closures it is measured on, in words; empty: assumed
    customers: int = 0
    lost: int = 0
    baseline_customers: int = 0
    baseline_lost: int = 0
    assumed: float = 0.0

    @property
    def measured(self) -> bool:
        return bool(self.customers and self.baseline_customers)

    @property
    def lost_rate(self) -> float | None:
        return self.lost / self.customers if self.customers else None

    @property
    def baseline_rate(self) -> float | None:
        return self.baseline_lost / self.baseline_customers if self.baseline_customers else None

    @property
    def excess(self) -> float:
        if not self.measured:
            return self.assumed
        return max(self.lost_rate - self.baseline_rate, 0.0)


def _attrition(rows: list[tuple], closures: list[str]) -> Attrition:
    own, others = [row for row in rows if row[1]], [row for row in rows if not row[1]]
    return Attrition(
        closures=closures,
        customers=sum(row[2] for row in own),
        lost=sum(row[3] for row in own),
        baseline_customers=sum(row[2] for row in others),
        baseline_lost=sum(row[3] for row in others),
    )


def measured_attrition(*, before: date, window_days: int, today: date, excluding: int | None = None) -> Attrition:
    """Pooled over every store closed before `before` whose window has passed by `today` (today is not over, so
    a window ending today has not)."""
    params = {"before": before, "window": window_days, "today": today, "store": excluding or 0}
    rows = _rows(ATTRITION_SQL.format(closures=PAST_CLOSURES), params)
    stores = Store.objects.filter(pk__in={row[0] for row in rows if row[1]}).order_by("closed_on", "code")
    return _attrition(rows, [f"{store.name} (closed {store.closed_on:%d %b %Y})" for store in stores])


def attrition_at(*, store_id: int, day: date, window_days: int) -> Attrition:
    """The store's customers on `day` lost in the window after it, against the customers of the stores open
    through the window: what an event on that day measurably cost."""
    params = {"before": day, "window": window_days, "store": store_id}
    return _attrition(_rows(ATTRITION_SQL.format(closures=ONE_DAY), params), [])


def attrition_for(event: StoreEvent, today: date) -> Attrition:
    """What the event is expected to cost in customers: measured on past closures for a closure, the stated
    assumption for works or a competitor (or where no store has closed)."""
    assumed = float(event.assumed_attrition) / 100
    if event.kind != StoreEvent.Kind.CLOSE:
        return Attrition(closures=[], assumed=assumed)
    measured = measured_attrition(
        before=event.event_date, window_days=event.window_days, today=today, excluding=event.store_id
    )
    if not measured.measured:
        return Attrition(closures=[], assumed=assumed)
    return measured


# The retention campaign


@dataclass(frozen=True)
class Kept:
    """The share of the customers a retention campaign reaches that it keeps, and where that comes from."""

    rate: float
    low: float
    high: float
    source: str
    measured: bool
    # What earlier retention campaigns measured when it was no gain at all (treated less control, at most zero):
    # the forecast then keeps nobody, rather than a negative number of customers, and says so.
    measured_difference: float | None = None

    @property
    def no_effect_measured(self) -> bool:
        return self.measured_difference is not None


def kept_share(event: StoreEvent, today: date) -> Kept:
    """Measured first on earlier events' retention campaigns (treated less control, bought anywhere after), then
    on past treatments of the channel (their median incremental response), else the stated assumption."""
    earlier = [
        report
        for other in StoreEvent.objects.filter(event_date__lt=event.event_date, campaign__isnull=False)
        .exclude(pk=event.pk)
        .select_related("store")
        if (report := after_event(other, today, attrition=False)) is not None
        and report.kept.get("difference") is not None
    ]
    if earlier:
        rates = sorted(report.kept["difference"] for report in earlier)
        middle = rates[len(rates) // 2]
        low = min(report.kept["low"] for report in earlier)
        high = max(report.kept["high"] for report in earlier)
        names = ", ".join(report.event_label for report in earlier)
        source = f"Measured on the retention campaign{'s' if len(earlier) > 1 else ''} of {names}"
        if middle <= 0:
            # A campaign cannot keep fewer than no customers: a measured loss is noise or harm, and either way the
            # forecast counts on keeping nobody, with the measured upside as the best case.
            return Kept(0.0, 0.0, max(high, 0.0), source, True, measured_difference=middle)
        return Kept(middle, low, high, source, True)
    alike = [
        one.response_rate
        for one in past_treatments(event.event_date)
        if one.channel == event.channel and one.campaign_id != event.campaign_id
    ]
    if alike:
        alike.sort()
        quartile = max(len(alike) // 4, 0)
        label = Channel(event.channel).label
        return Kept(
            alike[len(alike) // 2],
            alike[quartile],
            alike[len(alike) - 1 - quartile],
            f"Median incremental response of {len(alike)} measured past treatment"
            f"{'s' if len(alike) != 1 else ''} on {label}, taken as the share kept",
            True,
        )
    rate = float(event.assumed_saved) / 100
    return Kept(rate, rate * 0.75, rate * 1.25, "Assumed: no past campaign measures it", False)


@dataclass(frozen=True)
class WhatIf:
    event: StoreEvent
    customers: StoreCustomers
    nearest: list[NearStore]
    attrition: Attrition
    kept: Kept
    do_nothing: Forecast  # responders: customers lost; margin: the year's margin they take with them
    campaign: Forecast  # responders: customers kept; margin: their year's margin; net: against doing nothing
    reached: int

    @property
    def decile_rows(self) -> list[tuple[int, int, float, bool, int]]:
        """Every decile, 10 first: its customers, their share of the store's, whether the campaign reaches it,
        and its bar's width in pixels (the largest decile 160)."""
        counts = {one.decile: one.customers for one in self.customers.deciles}
        total, largest = self.customers.customers, max(counts.values(), default=0)
        return [
            (
                decile,
                counts.get(decile, 0),
                counts.get(decile, 0) / total if total else 0.0,
                decile > 10 - self.event.top_deciles,
                round(160 * counts.get(decile, 0) / largest) if largest else 0,
            )
            for decile in range(10, 0, -1)
        ]

    @property
    def coupon_stores(self) -> list[NearStore]:
        return self.nearest[: self.event.nearest_stores]


def _per_customer(customers: StoreCustomers) -> tuple[float, float]:
    """A customer's year of revenue (cents) and its margin rate."""
    if not customers.customers or not customers.revenue_cents:
        return 0.0, 0.0
    return customers.revenue_cents / customers.customers, customers.margin_cents / customers.revenue_cents


def what_if(event: StoreEvent, today: date) -> WhatIf:
    """The event's stakes, and doing nothing against the retention campaign, with what was known on the day."""
    day = min(event.event_date, today)
    customers = store_customers(event.store_id, day)
    attrition = attrition_for(event, today)
    kept = kept_share(event, today)
    revenue, margin_rate = _per_customer(customers)
    do_nothing = forecast(
        Inputs(
            contacts=customers.customers,
            response_rate=attrition.excess,
            order_value_cents=revenue,
            margin_rate=margin_rate,
            cost_per_contact_cents=0,
        )
    )
    top = customers.top(event.top_deciles)
    top_revenue, top_margin_rate = _per_customer(top)
    reached = round(top.customers * (1 - float(event.holdout_share)))
    # What the campaign keeps is measured against its own control group, so it holds whether or not the
    # event costs customers beyond the usual: customers who would have lapsed anyway can be kept too.
    campaign = forecast(
        Inputs(
            contacts=reached,
            response_rate=kept.rate,
            response_low=kept.low,
            response_high=kept.high,
            order_value_cents=top_revenue,
            margin_rate=top_margin_rate,
            cost_per_contact_cents=event.cost_per_contact_cents + event.gift_cents,
            cost_per_redemption_cents=event.coupon_cost_cents,
        )
    )
    nearest = nearest_stores(event.store_id, event.event_date)
    return WhatIf(event, customers, nearest, attrition, kept, do_nothing, campaign, reached)


# After the event


@dataclass(frozen=True)
class Cell:
    members: int
    other_stores: int  # bought at another store in the window
    anywhere: int  # bought at all (a store or online)

    @property
    def other_stores_share(self) -> float | None:
        return self.other_stores / self.members if self.members else None

    @property
    def anywhere_share(self) -> float | None:
        return self.anywhere / self.members if self.members else None

    @property
    def lost_share(self) -> float | None:
        return 1 - self.anywhere / self.members if self.members else None


@dataclass(frozen=True)
class AfterEvent:
    event_label: str
    first: date
    last: date
    complete: bool  # the whole window has passed
    treated: Cell
    control: Cell
    other_stores: dict  # treated less control, bought at another store: difference, low, high, p_value
    kept: dict  # treated less control, bought anywhere
    attrition: Attrition | None  # all the store's customers lost so far, against the other stores' customers


def _difference(treated: int, treated_n: int, control: int, control_n: int) -> dict:
    if not treated_n or not control_n:
        return {"difference": None, "low": None, "high": None, "p_value": None}
    a, b = treated / treated_n, control / control_n
    return wald(a - b, (a * (1 - a) / treated_n + b * (1 - b) / control_n) ** 0.5)


def after_event(event: StoreEvent, today: date, *, attrition: bool = True) -> AfterEvent | None:
    """What the retention campaign's audience did in the window after the event, treated against control, and
    (with `attrition`) what the event cost all the store's customers; None until a whole day after the event has
    passed, or without a campaign. Today is not over, so the window runs at most to yesterday."""
    yesterday = today - timedelta(days=1)
    if event.campaign_id is None or event.event_date >= yesterday:
        return None
    last = min(event.event_date + timedelta(days=event.window_days), yesterday)
    rows = _rows(
        AFTER_SQL,
        {
            "store": event.store_id,
            "day": event.event_date,
            "stop": last + timedelta(days=1),
            "campaign": event.campaign_id,
        },
    )
    cells = {bool(is_control): Cell(int(n), int(other), int(anywhere)) for is_control, n, other, anywhere in rows}
    treated, control = cells.get(False, Cell(0, 0, 0)), cells.get(True, Cell(0, 0, 0))
    return AfterEvent(
        event_label=str(event),
        first=event.event_date + timedelta(days=1),
        last=last,
        complete=last == event.event_date + timedelta(days=event.window_days),
        treated=treated,
        control=control,
        other_stores=_difference(treated.other_stores, treated.members, control.other_stores, control.members),
        kept=_difference(treated.anywhere, treated.members, control.anywhere, control.members),
        attrition=(
            attrition_at(store_id=event.store_id, day=event.event_date, window_days=(last - event.event_date).days)
            if attrition
            else None
        ),
    )
