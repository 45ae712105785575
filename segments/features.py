"""The feature refresh: every customer described as of the end of a day, computed set-based from purchases.

Every purchase made on or before the as-of date D counts (see core/lib/days.py),
and ages (recency, tenure, days since the first purchase or the last contact)
are whole calendar days to D in the app's time zone: bought on D is 0 days ago.

One statement aggregates the purchase lines per customer and ranks the
buyers into RFM quintiles; another sums spend per customer and category. Both
fill new tables, which get the old tables' indexes and take their place in
the same transaction, so readers see the old features until the new ones are
complete, and a failed refresh leaves them as they were.

The two statements each read every purchase line and PostgreSQL runs neither
in parallel (it never does for an INSERT), so when the refresh owns its
transaction the category shares are computed on a second connection while the
first computes the features: on two cores the refresh takes the time of the
longer statement instead of the sum.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from django.db import connection, transaction
from psycopg2 import sql

from core.lib import days, tables
from customers.models import Customer, Purchase
from segments.models import CustomerCategoryShare, CustomerFeatures

FEATURES = CustomerFeatures._meta.db_table
SHARES = CustomerCategoryShare._meta.db_table
# The last purchase's store and channel ride along with its time in one number, so that one max() finds all three.
# A double holds integers exactly up to 2**53: epoch seconds (2**31) times 2**20 leaves room for store ids up
# to 2**19. (Double arithmetic, unlike the numeric that extract() returns, costs next to nothing per line.)
STORE_SHIFT = 1 << 20
# Contacts in the past feed the contact features. The campaigns that write them sit above segments, so they name
# their table when the project starts (`CampaignsConfig.ready`); without them nobody has been contacted.
_contact_log: dict[str, str] = {}
CONTACT_WINDOW_DAYS = 30
NO_CONTACTS = "(SELECT NULL::bigint AS customer_id, NULL::timestamptz AS contacted_at WHERE false) AS no_contacts"

FEATURES_SQL = """
INSERT INTO {target} (
    customer_id, region, home_store_id, birth_year, consent_email, consent_sms, consent_push,
    consent_direct_mail, signup_date, first_purchase_at, last_purchase_at, recency_days, frequency,
    orders_lifetime, revenue_cents, margin_cents, margin_revenue_cents, returns_cents, aov_cents, tenure_days,
    first_purchase_days, last_store_id, last_channel, r_score, f_score, m_score, days_since_contact, contacts_30d
)
WITH bought AS (
    SELECT
        customer_id,
        min(purchased_at) FILTER (WHERE quantity > 0) AS first_at,
        max(purchased_at) FILTER (WHERE quantity > 0) AS last_at,
        count(DISTINCT order_ref) FILTER (WHERE quantity > 0) AS orders_lifetime,
        count(DISTINCT order_ref) FILTER (WHERE quantity > 0 AND purchased_at >= %(window_start)s) AS frequency,
        sum(revenue_cents) FILTER (WHERE quantity > 0 AND purchased_at >= %(window_start)s) AS revenue_cents,
        sum(margin_cents) FILTER (WHERE quantity > 0 AND purchased_at >= %(window_start)s) AS margin_cents,
        sum(revenue_cents) FILTER (WHERE quantity > 0 AND purchased_at >= %(window_start)s
                                   AND margin_cents IS NOT NULL) AS margin_revenue_cents,
        sum(revenue_cents) FILTER (WHERE quantity < 0 AND purchased_at >= %(window_start)s) AS returns_cents,
        max(date_part('epoch', purchased_at) * {shift} + coalesce(store_id, 0) * 2
            + (channel = 'online')::int) FILTER (WHERE quantity > 0) AS last_key
    FROM {purchases}
    WHERE purchased_at < %(until)s
    GROUP BY customer_id
), described AS MATERIALIZED (
    SELECT
        c.id AS customer_id, c.region, c.home_store_id, c.birth_year, c.consent_email, c.consent_sms,
        c.consent_push, c.consent_direct_mail, c.signup_date, b.first_at, b.last_at,
        %(day)s::date - (b.last_at AT TIME ZONE %(zone)s)::date AS recency_days,
        coalesce(b.frequency, 0) AS frequency,
        coalesce(b.orders_lifetime, 0) AS orders_lifetime,
        coalesce(b.revenue_cents, 0) AS revenue_cents,
        -- No sales in the window: no margin (0). Sales, none with a known margin: unknown (NULL).
        CASE WHEN coalesce(b.frequency, 0) = 0 THEN 0 ELSE b.margin_cents END AS margin_cents,
        coalesce(b.margin_revenue_cents, 0) AS margin_revenue_cents,
        coalesce(b.returns_cents, 0) AS returns_cents,
        b.revenue_cents / nullif(b.frequency, 0) AS aov_cents,
        %(day)s::date - coalesce(c.signup_date, (b.first_at AT TIME ZONE %(zone)s)::date) AS tenure_days,
        %(day)s::date - (b.first_at AT TIME ZONE %(zone)s)::date AS first_purchase_days,
        nullif((b.last_key::bigint %% {shift}) / 2, 0) AS last_store_id,
        CASE WHEN b.last_key IS NULL THEN NULL WHEN b.last_key::bigint %% 2 = 1 THEN 'online' ELSE 'store' END
            AS last_channel,
        %(day)s::date - (ch.last_at AT TIME ZONE %(zone)s)::date AS days_since_contact,
        coalesce(ch.recent, 0) AS contacts_30d
    FROM {customers} c
    LEFT JOIN bought b ON b.customer_id = c.id
    LEFT JOIN (
        SELECT customer_id, max(contacted_at) AS last_at,
               count(*) FILTER (WHERE contacted_at >= %(contacts_since)s) AS recent
        FROM {contacts} WHERE contacted_at < %(until)s GROUP BY customer_id
    ) ch ON ch.customer_id = c.id
    WHERE c.signup_date IS NULL OR c.signup_date <= %(day)s
), scores AS MATERIALIZED (
    -- RFM quintiles among buyers: three sorts of these narrow rows cost far less than of the described ones.
    -- The fifth is read from the rank, so customers who behave alike share a score whatever their ids.
    -- Materialized, the scores are what PostgreSQL hashes for the join below (it hashed the described rows,
    -- six times as wide), and the features come out in the customers' order, the order of the described rows:
    -- an audience build then reads a segment's features by the key, in the order it joins them with the
    -- customers, instead of sorting them (the UPDATEs that add stages and predictions keep that order).
    SELECT customer_id,
           1 + 5 * (rank() OVER (ORDER BY recency_days DESC) - 1) / count(*) OVER () AS r_score,
           1 + 5 * (rank() OVER (ORDER BY frequency) - 1) / count(*) OVER () AS f_score,
           1 + 5 * (rank() OVER (ORDER BY revenue_cents) - 1) / count(*) OVER () AS m_score
    FROM described WHERE last_at IS NOT NULL
)
SELECT
    d.customer_id, d.region, d.home_store_id, d.birth_year, d.consent_email, d.consent_sms, d.consent_push,
    d.consent_direct_mail, d.signup_date, d.first_at, d.last_at, d.recency_days, d.frequency, d.orders_lifetime,
    d.revenue_cents, d.margin_cents, d.margin_revenue_cents, d.returns_cents, d.aov_cents, d.tenure_days,
    d.first_purchase_days,
    d.last_store_id, d.last_channel, s.r_score, s.f_score, s.m_score, d.days_since_contact, d.contacts_30d
FROM described d LEFT JOIN scores s ON s.customer_id = d.customer_id
"""

SHARES_SQL = """
INSERT INTO {target} (customer_id, category_id, share, last_purchase_days)
SELECT customer_id, category_id,
       sum(revenue_cents)::float8 / nullif(sum(sum(revenue_cents)) OVER (PARTITION BY customer_id), 0),
       %(day)s::date - (max(purchased_at) AT TIME ZONE %(zone)s)::date
FROM {purchases}
WHERE quantity > 0 AND category_id IS NOT NULL AND purchased_at >= %(window_start)s AND purchased_at < %(until)s
GROUP BY customer_id, category_id
HAVING sum(revenue_cents) > 0
"""


def contact_log_register(*, table: str) -> None:
    """Read past contacts (one row per customer and contact, with `customer_id` and `contacted_at`) from `table`."""
    _contact_log["table"] = table


def contact_log() -> sql.Composable:
    return sql.Identifier(_contact_log["table"]) if "table" in _contact_log else sql.SQL(NO_CONTACTS)


def roomy_transaction() -> None:
    """Let this transaction's sorts and hashes of every customer use more memory than a page's queries do."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")


def as_of_params(as_of: date, window_days: int | None) -> dict[str, object]:
    """The bounds of "as of the end of `as_of`" (see core/lib/days.py), with a window of that many days ending
    on it for frequency and spend, and the 30 days ending on it for recent contacts."""
    first_day = as_of - timedelta(days=window_days - 1) if window_days else date(1900, 1, 1)
    return {
        "day": as_of,
        "until": days.day_end(as_of),
        "window_start": days.day_start(first_day),
        "contacts_since": days.day_start(as_of - timedelta(days=CONTACT_WINDOW_DAYS - 1)),
        "zone": days.zone_name(),
    }


def features_fill(target: str, *, as_of: date, window_days: int | None) -> int:
    """Compute every customer's features as of `as_of` into the empty table `target`; returns rows written."""
    statement = sql.SQL(FEATURES_SQL).format(
        target=sql.Identifier(target),
        purchases=sql.Identifier(Purchase._meta.db_table),
        customers=sql.Identifier(Customer._meta.db_table),
        contacts=contact_log(),
        shift=sql.Literal(STORE_SHIFT),
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, as_of_params(as_of, window_days))
        return cursor.rowcount


def shares_fill(target: str, *, as_of: date, window_days: int | None) -> int:
    statement = sql.SQL(SHARES_SQL).format(
        target=sql.Identifier(target), purchases=sql.Identifier(Purchase._meta.db_table)
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, as_of_params(as_of, window_days))
        return cursor.rowcount


def twin_name(table: str) -> str:
    return f"{table}__next"


def fill_twins(*, as_of: date, window_days: int | None, beside: bool) -> tuple[str, str, int]:
    """Fill the next features and shares tables; returns their names and how many customers were described.

    With `beside`, the shares are computed on a connection of their own, which
    sees only committed purchases: the caller must not be inside a transaction
    that has written any.
    """
    features_table = twin_name(FEATURES)
    tables.create_twin(FEATURES, features_table)
    if not beside:
        shares_table = twin_name(SHARES)
        tables.create_twin(SHARES, shares_table)
        customers = features_fill(features_table, as_of=as_of, window_days=window_days)
        shares_fill(shares_table, as_of=as_of, window_days=window_days)
        return features_table, shares_table, customers
    with _shares_filled_beside(as_of=as_of, window_days=window_days) as shares_table:
        customers = features_fill(features_table, as_of=as_of, window_days=window_days)
    return features_table, shares_table, customers


@contextmanager
def _shares_filled_beside(*, as_of: date, window_days: int | None) -> Iterator[str]:
    """Fill a new shares table on another connection while the body runs; it is complete and committed once
    the body is done (or its error is raised here).

    The table is named after this connection's server process, so that two
    refreshes at once never share one, and tables left by refreshes whose
    process has gone are dropped first.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        target = f"{twin_name(SHARES)}_{cursor.fetchone()[0]}"
        cursor.execute(
            """
            SELECT relname FROM pg_class WHERE relkind = 'r' AND relname LIKE %(pattern)s
               AND substring(relname FROM '_([0-9]+)$')::int NOT IN (SELECT pid FROM pg_stat_activity)
            """,
            {"pattern": f"{twin_name(SHARES)}\\_%"},
        )
        for (stale,) in cursor.fetchall():
            cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(stale)))
    failure: list[BaseException] = []

    def fill() -> None:  # in a thread of its own, so on a database connection of its own
        try:
            # One transaction that creates the table it fills: the server may then skip WAL for the rows.
            with transaction.atomic():
                roomy_transaction()
                tables.create_twin(SHARES, target)
                shares_fill(target, as_of=as_of, window_days=window_days)
        except BaseException as error:  # handed to the caller's thread
            failure.append(error)
        finally:
            connection.close()

    worker = threading.Thread(target=fill, name="shares-fill")
    worker.start()
    try:
        yield target
    finally:
        worker.join()
    if failure:
        raise failure[0]


def publish_twins(features_table: str, shares_table: str) -> None:
    """Index the new features and shares and put them in the old ones' place."""
    for table, twin in ((FEATURES, features_table), (SHARES, shares_table)):
        indexes = tables.build_indexes_like(table, twin)
        tables.swap_in(table, twin, indexes)
