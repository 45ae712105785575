"""Benchmarks of the background jobs, run by bench/run.py inside Django on the bench database."""

import statistics
import time
from datetime import date

from django.db import connection, transaction

from segments.services import features_refresh, segment_count, staging_run
from segments.stages import history_record

AS_OF = date(2026, 7, 1)
FIVE_CONDITIONS = {
    "all": [
        {"field": "recency_days", "op": "lte", "value": 180},
        {"field": "frequency", "op": "gte", "value": 2},
        {"field": "consent", "op": "has", "value": "email"},
        {"field": "region", "op": "in", "value": ["North", "South", "Central"]},
        {"field": "category_share", "op": "gte", "value": {"category": "FRE", "share": 0.2}},
    ]
}
REFERENCE_SQL = """
    CREATE TABLE bench_reference AS
    SELECT customer_id, max(purchased_at) AS last_at, count(DISTINCT order_ref) AS orders,
           sum(revenue_cents) AS revenue_cents, sum(margin_cents) AS margin_cents
    FROM customers_purchase WHERE purchased_at < %s GROUP BY customer_id
"""


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def reference_seconds() -> float:
    def run() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_reference")
            cursor.execute(REFERENCE_SQL, [AS_OF])
            cursor.execute("DROP TABLE bench_reference")

    return timed(run)


def features() -> None:
    reference = reference_seconds()
    refresh = timed(lambda: features_refresh(as_of=AS_OF, window_days=365))
    print(f"{'feature refresh (product)':<44}{refresh:8.1f} s")
    print(f"{'single CREATE TABLE AS aggregate (reference)':<44}{reference:8.1f} s")
    print(f"refresh / reference = {refresh / reference:.2f}")

    counts = []
    for _ in range(7):
        started = time.perf_counter()
        size = segment_count(FIVE_CONDITIONS)
        counts.append(time.perf_counter() - started)
    print(
        f"segment live count, 5 conditions: median {statistics.median(counts) * 1000:.0f} ms, "
        f"slowest {max(counts) * 1000:.0f} ms ({size:,} customers)"
    )

    def stage_everyone() -> None:
        with transaction.atomic():
            history_record(date(2026, 6, 30), "segments_customerfeatures", "segments_customercategoryshare")

    print(f"staging all customers (stage rules over the features, into the history): {timed(stage_everyone):.1f} s")
    print(
        f"staging a past quarter end (features as of then + stages): "
        f"{timed(lambda: staging_run(period_end=date(2026, 3, 31))):.1f} s"
    )
