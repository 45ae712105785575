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
