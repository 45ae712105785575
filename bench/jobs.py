"""Benchmarks of the background jobs, run by bench/run.py inside Django on the bench database."""

import statistics
import time
from datetime import date, timedelta

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
    reference_seconds()  # once to warm the cache for both, so neither pays for the first read from disk
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


AUDIENCE_REFERENCE_SQL = """
    CREATE TABLE bench_audience_reference AS
    SELECT f.customer_id,
           (hashtextextended(f.customer_id::text, %(seed)s) & 9223372036854775807) %% 1000000 < 100000 AS is_control
    FROM segments_customerfeatures f JOIN customers_customer c ON c.id = f.customer_id
    WHERE f.recency_days <= %(recency)s AND c.consent_email
      AND (hashtextextended(%(salt)s || ':' || f.customer_id, 0) & 9223372036854775807) %% 1000000 >= 50000
      AND f.customer_id NOT IN (SELECT customer_id FROM campaigns_contacthistory WHERE contacted_at >= %(since)s
                                GROUP BY customer_id HAVING count(*) >= 3)
"""


def _audience_campaign(recency: int):
    """A campaign whose one e-mail treatment covers 60% of customers, with a bench segment and budget."""
    from django.contrib.auth import get_user_model

    from campaigns.models import Campaign
    from campaigns.services import campaign_create, contact_policy_update, treatment_save
    from core.services import demo_users_ensure
    from segments.models import LifecycleStage, Portfolio, Segment

    demo_users_ensure()
    marketer = get_user_model().objects.get(username="marketer")
    contact_policy_update(global_control_share="0.050", max_contacts=3, window_days=30, consent_email=True)
    portfolio, _ = Portfolio.objects.get_or_create(
        stage=LifecycleStage.objects.get(code="repurchase"), defaults={"name": "Bench", "owner": marketer}
    )
    segment, _ = Segment.objects.update_or_create(
        name="Bench 60%",
        defaults={"owner": marketer, "rules": {"field": "recency_days", "op": "lte", "value": recency}},
    )
    campaign = Campaign.objects.filter(name="Bench audience").first()
    if campaign is None:  # kept between runs: the fatigue contacts refer to it
        campaign = campaign_create(
            owner=marketer,
            name="Bench audience",
            portfolio=portfolio,
            start_date=date(2026, 7, 6),
            end_date=date(2026, 8, 6),
            objective="traffic",
        )
        treatment_save(
            campaign=campaign,
            code="A",
            segment=segment,
            channel="email",
            message_name="Bench",
            holdout_share="0.100",
            cost_per_contact_cents=1,
        )
    return campaign


def _tire_some_customers() -> None:
    """Three recent contacts for every 20th customer, so that fatigue excludes someone."""
    from campaigns.models import ContactHistory

    if ContactHistory.objects.exists():
        return
    with connection.cursor() as cursor:
        cursor.execute("""
            WITH bench AS (SELECT id FROM campaigns_campaign WHERE name = 'Bench audience'),
                 treatment AS (SELECT t.id, t.campaign_id FROM campaigns_treatment t
                               JOIN bench b ON b.id = t.campaign_id)
            INSERT INTO campaigns_contacthistory (customer_id, campaign_id, treatment_id, channel, contacted_at,
                                                  offer_codes)
            SELECT c.id, t.campaign_id, t.id, 'email', now() - (n || ' days')::interval, '[]'
            FROM customers_customer c, treatment t, generate_series(1, 3) n WHERE c.id % 20 = 0
        """)


def audience() -> None:
    from django.utils import timezone

    from campaigns.services import audience_build, contact_policy

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM segments_customerfeatures")
        total = cursor.fetchone()[0]
        cursor.execute(
            "SELECT recency_days FROM segments_customerfeatures WHERE recency_days IS NOT NULL "
            "ORDER BY recency_days OFFSET %s LIMIT 1",
            [int(total * 0.6)],
        )
        recency = cursor.fetchone()[0]
    campaign = _audience_campaign(recency)
    _tire_some_customers()
    build = None

    def product() -> None:
        nonlocal build
        build = audience_build(campaign=campaign)

    seconds = timed(product)
    counts = build.counts["A"]
    policy = contact_policy()

    def reference() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_audience_reference")
            cursor.execute(
                AUDIENCE_REFERENCE_SQL,
                {
                    "seed": campaign.seed,
                    "recency": recency,
                    "salt": policy.global_control_salt,
                    "since": timezone.now() - timezone.timedelta(days=30),
                },
            )
            cursor.execute("SELECT count(*) FROM bench_audience_reference")
            assert cursor.fetchone()[0] == counts["treatment"] + counts["control"], "reference and product differ"
            cursor.execute("DROP TABLE bench_audience_reference")

    reference_seconds = timed(reference)
    sample = 20_000
    naive = timed(lambda: _naive_loop(campaign, recency, sample))
    scaled = naive * counts["segment"] / sample
    print(
        f"segment covers {counts['segment']:,} of {total:,} customers ({counts['segment'] / total:.0%}); "
        f"exclusions: global control {counts['global_control']:,}, no consent {counts['no_consent']:,}, "
        f"fatigue {counts['fatigue']:,}; treatment {counts['treatment']:,}, control {counts['control']:,}"
    )
    print(f"{'audience build (product)':<46}{seconds:8.2f} s")
    print(f"{'single CREATE TABLE AS of the members (reference)':<46}{reference_seconds:8.2f} s")
    print(f"{'naive ORM loop, 20,000 customers, scaled':<46}{scaled:8.1f} s  ({naive:.1f} s measured)")
    print(f"product / reference = {seconds / reference_seconds:.2f}; naive / product = {scaled / seconds:.0f}x")


def _naive_loop(campaign, recency: int, sample: int) -> None:
    """What a per-customer implementation does: one query or more per customer, rolled back afterwards."""
    import hashlib

    from django.utils import timezone

    from campaigns.models import AudienceMember, ContactHistory
    from campaigns.services import contact_policy
    from segments.models import CustomerFeatures

    policy = contact_policy()
    treatment = campaign.treatments.get()
    since = timezone.now() - timezone.timedelta(days=policy.window_days)
    with transaction.atomic():
        for features in CustomerFeatures.objects.filter(recency_days__lte=recency).select_related("customer")[:sample]:
            customer = features.customer
            digest = int(hashlib.sha256(f"{policy.global_control_salt}:{customer.pk}".encode()).hexdigest(), 16)
            if digest % 1_000_000 < 50_000 or not customer.consent_email:
                continue
            if ContactHistory.objects.filter(customer=customer, contacted_at__gte=since).count() >= 3:
                continue
            AudienceMember.objects.update_or_create(
                campaign=campaign, customer=customer, defaults={"treatment": treatment, "is_control": digest % 10 == 0}
            )
        transaction.set_rollback(True)


RESULTS_CONTACT_DATE = date(2026, 5, 15)
RESULTS_REFERENCE_SQL = """
    SELECT treatment_id, is_control, count(*) AS members, count(*) FILTER (WHERE orders > 0) AS responders,
           sum(revenue_cents) AS revenue_cents, sum(margin_cents) AS margin_cents
    FROM (
        SELECT m.customer_id, m.treatment_id, m.is_control,
               count(DISTINCT p.order_ref) FILTER (WHERE p.quantity > 0) AS orders,
               coalesce(sum(p.revenue_cents), 0) AS revenue_cents, coalesce(sum(p.margin_cents), 0) AS margin_cents
        FROM campaigns_audiencemember m
        LEFT JOIN customers_purchase p ON p.customer_id = m.customer_id
             AND p.purchased_at >= m.contacted_on::timestamptz
             AND p.purchased_at < m.contacted_on::timestamptz + interval '30 days' {bounds}
        WHERE m.campaign_id = %(campaign)s
        GROUP BY m.customer_id, m.treatment_id, m.is_control
    ) per_member
    GROUP BY treatment_id, is_control ORDER BY treatment_id, is_control
"""
# The same statement told the first and last day of the campaign's windows, as the product is.
RESULTS_BOUNDS = "AND p.purchased_at >= %(opens)s AND p.purchased_at < %(closes)s"


def _results_campaign():
    """A released campaign with every customer as a member: two e-mail treatments, 10% holdouts, 30-day window.

    The audience is written straight into the table as a release leaves it (members with their contact date
    and their stage at the last staging), so the benchmark times the results and nothing else.
    """
    from django.contrib.auth import get_user_model

    from campaigns.models import Campaign
    from campaigns.services import campaign_create, treatment_save
    from core.services import demo_users_ensure
    from segments.models import LifecycleStage, Portfolio, Segment

    demo_users_ensure()
    marketer = get_user_model().objects.get(username="marketer")
    portfolio, _ = Portfolio.objects.get_or_create(
        stage=LifecycleStage.objects.get(code="repurchase"), defaults={"name": "Bench", "owner": marketer}
    )
    everyone, _ = Segment.objects.update_or_create(
        name="Bench everyone", defaults={"owner": marketer, "rules": {"all": []}}
    )
    campaign = Campaign.objects.filter(name="Bench results").first()
    if campaign is None:
        campaign = campaign_create(
            owner=marketer,
            name="Bench results",
            portfolio=portfolio,
            start_date=RESULTS_CONTACT_DATE,
            end_date=date(2026, 6, 14),
            objective="traffic",
        )
        for code, message in (("A", "Ten percent off"), ("B", "Free delivery")):
            treatment_save(
                campaign=campaign,
                code=code,
                segment=everyone,
                channel="email",
                message_name=message,
                holdout_share="0.100",
                cost_per_contact_cents=2,
                response_window_days=30,
            )
    a, b = campaign.treatments.order_by("code").values_list("id", flat=True)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM campaigns_audiencemember WHERE campaign_id = %s", [campaign.pk])
        cursor.execute(
            """
            INSERT INTO campaigns_audiencemember (campaign_id, customer_id, treatment_id, is_control, contacted_on,
                                                  stage_id)
            SELECT %(campaign)s, c.id, CASE WHEN c.id %% 2 = 0 THEN %(a)s ELSE %(b)s END,
                   (hashtextextended(c.id::text, %(seed)s) & 9223372036854775807) %% 1000 < 100, %(contacted)s,
                   s.stage_id
            FROM customers_customer c
            LEFT JOIN segments_stageassignment s ON s.customer_id = c.id
                 AND s.period_end = (SELECT max(period_end) FROM segments_stageassignment)
            """,
            {"campaign": campaign.pk, "a": a, "b": b, "seed": campaign.seed, "contacted": RESULTS_CONTACT_DATE},
        )
        cursor.execute("ANALYZE campaigns_audiencemember")
    return campaign


def results() -> None:
    from reporting.services import results_run

    campaign = _results_campaign()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM customers_purchase")
        lines = cursor.fetchone()[0]
    reference_rows = None
    window = {"campaign": campaign.pk, "opens": RESULTS_CONTACT_DATE, "closes": RESULTS_CONTACT_DATE + timedelta(30)}

    def reference(bounds: str) -> None:
        nonlocal reference_rows
        with connection.cursor() as cursor:
            cursor.execute(RESULTS_REFERENCE_SQL.format(bounds=bounds), window)
            reference_rows = cursor.fetchall()

    result = None

    def product() -> None:
        nonlocal result
        result = results_run(campaign=campaign)

    reference("")  # once to warm the cache for all, so none pays for the first read from disk
    plain_seconds = statistics.median(timed(lambda: reference("")) for _ in range(3))
    bounded_seconds = statistics.median(timed(lambda: reference(RESULTS_BOUNDS)) for _ in range(3))
    product_seconds = statistics.median(timed(product) for _ in range(3))

    by_cell = {(row["treatment_id"], row["cell"]): row for row in _cells(result.payload)}
    for treatment_id, is_control, members, responders, revenue_cents, _margin in reference_rows:
        cell = by_cell[(treatment_id, "control" if is_control else "treatment")]
        assert (cell["members"], cell["responders"], cell["revenue_cents"]) == (members, responders, revenue_cents), (
            f"the product and the reference disagree: {cell} against {members, responders, revenue_cents}"
        )
    totals = result.payload["totals"]
    print(
        f"{totals['members']:,} members ({totals['treatment']:,} treatment, {totals['control']:,} control), "
        f"30-day window over {lines:,} purchase lines; net incremental P&L {totals['net_cents'] / 100:,.2f}"
    )
    print(f"{'results run (product, median of 3)':<58}{product_seconds:8.2f} s")
    print(f"{'single SQL aggregate per cell (reference, median of 3)':<58}{plain_seconds:8.2f} s")
    print(f"{'the same, told the window dates (reference, median of 3)':<58}{bounded_seconds:8.2f} s")
    print(
        f"product / reference = {product_seconds / plain_seconds:.2f}; "
        f"product / reference told the dates = {product_seconds / bounded_seconds:.2f}"
    )


def _cells(payload: dict) -> list[dict]:
    """Members, responders and revenue per treatment and cell, from a results payload."""
    return [
        {"treatment_id": row["treatment_id"], "cell": cell, **row[cell]}
        for row in payload["treatments"]
        for cell in ("treatment", "control")
    ]
