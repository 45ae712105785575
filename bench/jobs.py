"""Benchmarks of the background jobs, run by bench/run.py inside Django on the bench database."""

import os
import statistics
import time
from datetime import date, datetime, timedelta

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


# The contact policy the audience benchmark builds under, set before every run.
TOPIC = "offers"
GLOBAL_CONTROL, MAX_CONTACTS, WINDOW_DAYS = "0.050", 3, 30
EMAIL_CAP = (2, 14)  # at most 2 e-mails in any 14 days
HOLDOUT = "0.100"
PLANNED_NAME = "Bench audience planned"
AUDIENCE_REFERENCE_SQL = """
    CREATE TABLE bench_audience_reference AS
    WITH contact AS (
        SELECT customer_id, channel, (contacted_at AT TIME ZONE %(zone)s)::date AS day
        FROM campaigns_contacthistory
        WHERE contacted_at >= %(history_from)s AND contacted_at < %(history_until)s
        UNION ALL
        SELECT m.customer_id, reached.channel, greatest(pc.start_date, %(today)s)
        FROM campaigns_campaign pc
        JOIN campaigns_audiencemember m ON m.campaign_id = pc.id AND NOT m.is_control
        JOIN campaigns_treatment t ON t.id = m.treatment_id
        CROSS JOIN LATERAL unnest(coalesce(m.channels, ARRAY[t.channel]::varchar[])) AS reached (channel)
        WHERE pc.status IN ('submitted', 'approved', 'audience_built') AND pc.id <> %(campaign)s
          AND greatest(pc.start_date, %(today)s) BETWEEN %(overall_first)s AND %(overall_last)s
    ), pressure AS (
        SELECT customer_id,
               count(*) FILTER (WHERE day BETWEEN %(overall_first)s AND %(overall_last)s) AS overall,
               count(*) FILTER (WHERE channel = 'email' AND day BETWEEN %(email_first)s AND %(email_last)s) AS email
        FROM contact GROUP BY customer_id
    )
    SELECT f.customer_id,
           (hashtextextended(f.customer_id::text, %(seed)s) & 9223372036854775807) %% 1000000 < 100000 AS is_control
    FROM segments_customerfeatures f
    JOIN customers_customer c ON c.id = f.customer_id
    LEFT JOIN pressure p ON p.customer_id = f.customer_id
    WHERE f.recency_days <= %(recency)s
      AND c.erased_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM campaigns_suppression s WHERE s.customer_id = f.customer_id)
      AND (hashtextextended(%(salt)s || ':' || f.customer_id, 0) & 9223372036854775807) %% 1000000 >= 50000
      AND (cardinality(c.topics) = 0 OR %(topic)s = ANY(c.topics))
      AND ({reachable})
      AND coalesce(p.overall, 0) < %(max_contacts)s
"""
# Where a customer can still be reached: e-mail needs consent and room under its cap; SMS (uncapped) consent.
REACHABLE = {
    ("email",): "c.consent_email AND coalesce(p.email, 0) < %(email_max)s",
    ("email", "sms"): "(c.consent_email AND coalesce(p.email, 0) < %(email_max)s) OR c.consent_sms",
}
MEMBERS_DIFFER_SQL = """
    SELECT count(*) FILTER (WHERE m.customer_id IS NULL), count(*) FILTER (WHERE r.customer_id IS NULL),
           count(*) FILTER (WHERE m.is_control <> r.is_control)
    FROM bench_audience_reference r
    FULL JOIN (SELECT customer_id, is_control FROM campaigns_audiencemember WHERE campaign_id = %s) m
         ON m.customer_id = r.customer_id
"""


def _audience_setup(recency: int) -> dict:
    """The policy, topics, suppressions, the bench campaigns (one e-mail treatment, and one on e-mail and SMS, on
    the same 60% segment) and a planned campaign whose members press on them. Kept between runs."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from campaigns.models import Campaign
    from campaigns.services import (
        audience_build,
        campaign_approve,
        campaign_create,
        campaign_submit,
        contact_policy_update,
    )
    from core.services import demo_users_ensure
    from customers.models import Customer
    from segments.models import LifecycleStage, Portfolio, Segment

    demo_users_ensure()
    users = get_user_model().objects
    marketer, manager = users.get(username="marketer"), users.get(username="manager")
    contact_policy_update(
        global_control_share=GLOBAL_CONTROL,
        max_contacts=MAX_CONTACTS,
        window_days=WINDOW_DAYS,
        consent_email=True,
        consent_sms=True,
        channel_caps={"email": EMAIL_CAP},
    )
    with connection.cursor() as cursor:
        if not Customer.objects.filter(topics__contains=[TOPIC]).exists():  # retailers made before topics existed
            cursor.execute(
                "UPDATE customers_customer SET topics = CASE WHEN id %% 14 = 0 THEN ARRAY[%s] ELSE ARRAY['recipes'] "
                "END WHERE id %% 7 = 0",
                [TOPIC],
            )
        cursor.execute("""
            INSERT INTO campaigns_suppression (customer_id, reason, added_at)
            SELECT id, 'Bench: every 500th customer', now() FROM customers_customer WHERE id % 500 = 0
            ON CONFLICT (customer_id) DO NOTHING
        """)
    portfolio, _ = Portfolio.objects.get_or_create(
        stage=LifecycleStage.objects.get(code="repurchase"), defaults={"name": "Bench", "owner": marketer}
    )
    segment, _ = Segment.objects.update_or_create(
        name="Bench 60%",
        defaults={"owner": marketer, "rules": {"field": "recency_days", "op": "lte", "value": recency}},
    )
    campaigns = {
        channels: _bench_campaign(name, channels, marketer=marketer, portfolio=portfolio, segment=segment)
        for name, channels in (("Bench audience", ("email",)), ("Bench audience, e-mail and SMS", ("email", "sms")))
    }
    planned = Campaign.objects.filter(name=PLANNED_NAME).first()
    if planned is None:
        # Repeat buyers, e-mailed a few days after the bench campaign's send date: they overlap its segment.
        repeat, _ = Segment.objects.update_or_create(
            name="Bench repeat buyers",
            defaults={"owner": marketer, "rules": {"field": "frequency", "op": "gte", "value": 2}},
        )
        start = timezone.localdate() + timedelta(days=5)
        planned = campaign_create(
            owner=marketer,
            name=PLANNED_NAME,
            portfolio=portfolio,
            start_date=start,
            end_date=start + timedelta(days=30),
            objective="traffic",
        )
        _treatment(planned, segment=repeat, channels=("email",), topic="")
        campaign_submit(campaign=planned, user=marketer)
        campaign_approve(campaign=planned, user=manager)
        audience_build(campaign=planned)  # the approved campaign becomes "audience built": planned pressure
        planned.refresh_from_db()
    return {"campaigns": campaigns, "planned": planned, "last_contact": _contacts_recent()}


def _bench_campaign(name: str, channels: tuple[str, ...], *, marketer, portfolio, segment):
    from campaigns.models import Campaign
    from campaigns.services import campaign_create

    campaign = Campaign.objects.filter(name=name).first()
    if campaign is None:  # kept between runs: the contact history refers to it
        campaign = campaign_create(
            owner=marketer,
            name=name,
            portfolio=portfolio,
            start_date=date(2026, 7, 6),
            end_date=date(2026, 8, 6),
            objective="traffic",
        )
    _treatment(campaign, segment=segment, channels=channels, topic=TOPIC)  # a draft: its treatment follows the bench
    return campaign


def _treatment(campaign, *, segment, channels: tuple[str, ...], topic: str):
    from campaigns.services import treatment_save

    return treatment_save(
        campaign=campaign,
        treatment=campaign.treatments.first(),
        code="A",
        segment=segment,
        channel=channels[0],
        also_channels=list(channels[1:]),
        topic=topic,
        message_name="Bench",
        holdout_share=HOLDOUT,
        cost_per_contact_cents=1,
    )


def _contacts_recent() -> datetime:
    """Contacts of the last days, so that the caps bite: three e-mails for every 20th customer (over both caps on
    their own), one e-mail for every 9th (over the e-mail cap with the planned e-mail) and two SMS for every 13th
    (over the overall cap with the planned e-mail). Contact history is append-only: a new set is added only once
    the last one is older than the overall window, so two sets never count together."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH bench AS (SELECT t.id, t.campaign_id FROM campaigns_treatment t
                           JOIN campaigns_campaign c ON c.id = t.campaign_id WHERE c.name = 'Bench audience')
            INSERT INTO campaigns_contacthistory (customer_id, campaign_id, treatment_id, channel, contacted_at,
                                                  offer_codes)
            SELECT c.id, b.campaign_id, b.id, contact.channel, now() - (contact.days || ' days')::interval, '[]'
            FROM customers_customer c
            CROSS JOIN bench b
            JOIN (VALUES (20, 'email', 1), (20, 'email', 2), (20, 'email', 3), (9, 'email', 5),
                         (13, 'sms', 10), (13, 'sms', 20)) AS contact (every, channel, days)
                 ON c.id %% contact.every = 0
            WHERE NOT EXISTS (SELECT 1 FROM campaigns_contacthistory h
                              WHERE h.campaign_id = b.campaign_id AND h.contacted_at >= now() - %s * interval '1 day')
            """,
            [WINDOW_DAYS],
        )
        cursor.execute("ANALYZE campaigns_contacthistory")
        cursor.execute("ANALYZE campaigns_suppression")
        cursor.execute(
            "SELECT max(h.contacted_at) FROM campaigns_contacthistory h "
            "JOIN campaigns_campaign c ON c.id = h.campaign_id WHERE c.name = 'Bench audience'"
        )
        return cursor.fetchone()[0]


def _reference_params(campaign, recency: int) -> dict:
    from django.utils import timezone

    from campaigns.services import contact_policy, pressure

    on = pressure.send_date(campaign)
    reach = max(WINDOW_DAYS, EMAIL_CAP[1])

    def midnight(day: date):
        return timezone.make_aware(datetime.combine(day, datetime.min.time()))

    return {
        "zone": timezone.get_current_timezone_name(),
        "today": timezone.localdate(),
        "history_from": midnight(on - timedelta(days=reach - 1)),
        "history_until": midnight(on + timedelta(days=reach)),
        "overall_first": on - timedelta(days=WINDOW_DAYS - 1),
        "overall_last": on + timedelta(days=WINDOW_DAYS - 1),
        "email_first": on - timedelta(days=EMAIL_CAP[1] - 1),
        "email_last": on + timedelta(days=EMAIL_CAP[1] - 1),
        "email_max": EMAIL_CAP[0],
        "max_contacts": MAX_CONTACTS,
        "campaign": campaign.pk,
        "seed": campaign.seed,
        "recency": recency,
        "salt": contact_policy().global_control_salt,
        "topic": TOPIC,
    }


ROUNDS = 3


def _audience_measure(campaign, channels: tuple[str, ...], recency: int) -> tuple[dict, list, list, int]:
    """The product's build and the reference, each timed ROUNDS times in turn; the reference's members must be the
    product's, customer by customer and cell by cell."""
    from campaigns.services import audience_build

    statement = AUDIENCE_REFERENCE_SQL.replace("{reachable}", REACHABLE[channels])
    params = _reference_params(campaign, recency)

    def reference() -> None:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_audience_reference")
            cursor.execute(statement, params)

    reference()  # once to warm the cache for both, so neither pays for the first read from disk
    build = None

    def product() -> None:
        nonlocal build
        build = audience_build(campaign=campaign)

    seconds, reference_seconds = [], []
    for _ in range(ROUNDS):
        seconds.append(timed(product))
        reference_seconds.append(timed(reference))
    counts = build.counts["A"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_audience_reference")
        reference_members = cursor.fetchone()[0]
        cursor.execute(MEMBERS_DIFFER_SQL, [campaign.pk])
        only_reference, only_product, other_cell = cursor.fetchone()
        cursor.execute("DROP TABLE bench_audience_reference")
    assert reference_members == counts["treatment"] + counts["control"], "reference and product differ"
    assert (only_reference, only_product, other_cell) == (0, 0, 0), (
        f"{only_reference:,} members only in the reference, {only_product:,} only in the product, "
        f"{other_cell:,} in the other cell"
    )
    return counts, seconds, reference_seconds, reference_members


def audience() -> None:
    from segments.models import FeatureRun

    if not FeatureRun.objects.exists():
        seconds = timed(lambda: features_refresh(as_of=AS_OF, window_days=365))
        print(f"refreshed the customer features in {seconds:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM segments_customerfeatures")
        total = cursor.fetchone()[0]
        cursor.execute(
            "SELECT recency_days FROM segments_customerfeatures WHERE recency_days IS NOT NULL "
            "ORDER BY recency_days OFFSET %s LIMIT 1",
            [int(total * 0.6)],
        )
        recency = cursor.fetchone()[0]
    setup = _audience_setup(recency)
    planned = setup["planned"]
    load_before = os.getloadavg()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE f.recency_days <= %s) FROM campaigns_audiencemember m "
            "JOIN segments_customerfeatures f ON f.customer_id = m.customer_id "
            "WHERE m.campaign_id = %s AND NOT m.is_control",
            [recency, planned.pk],
        )
        planned_members, in_segment = cursor.fetchone()
    status = planned.get_status_display().lower()
    print(
        f"planned pressure: {planned.name} ({status}, starts {planned.start_date:%d %b %Y}) e-mails "
        f"{planned_members:,} customers, {in_segment:,} of them in the bench segment; policy: "
        f"{GLOBAL_CONTROL} global control, {MAX_CONTACTS} contacts in {WINDOW_DAYS} days, {EMAIL_CAP[0]} e-mails in "
        f"{EMAIL_CAP[1]} days, topic {TOPIC!r}, every 500th customer suppressed; "
        f"the newest bench contact in the history: {setup['last_contact']:%d %b %Y %H:%M}"
    )
    rows = []
    for channels, campaign in setup["campaigns"].items():
        counts, seconds, reference_seconds, reference_members = _audience_measure(campaign, channels, recency)
        label = " + ".join("e-mail" if channel == "email" else channel.upper() for channel in channels)
        print(
            f"{label}: segment {counts['segment']:,} of {total:,} customers ({counts['segment'] / total:.0%}); "
            f"excluded: suppressed {counts['suppressed']:,}, global control {counts['global_control']:,}, "
            f"no consent {counts['no_consent']:,}, topic opt-out {counts['topic_opt_out']:,}, "
            f"fatigue on the channel {counts['channel_fatigue']:,}, fatigue overall {counts['fatigue']:,}; "
            f"treatment {counts['treatment']:,}, control {counts['control']:,} "
            f"(reference {reference_members:,}: the same customers in the same cells)"
        )
        rows.append((label, counts, seconds, reference_seconds))
    print()
    print(f"{'seconds, median of ' + str(ROUNDS):<66}{'median':>8}{'fastest':>9}{'slowest':>9}")
    for label, _counts, seconds, reference_seconds in rows:
        for what, times in (
            (f"audience build, {label} (product)", seconds),
            (f"single CREATE TABLE AS of the members, {label} (reference)", reference_seconds),
        ):
            print(f"{what:<66}{statistics.median(times):8.2f}{min(times):9.2f}{max(times):9.2f}")
        print(f"{label}: product / reference = {statistics.median(seconds) / statistics.median(reference_seconds):.2f}")
    sample = 20_000
    campaign = setup["campaigns"][("email",)]
    naive = timed(lambda: _naive_loop(campaign, recency, sample))
    label, counts, times, _ = rows[0]
    seconds = statistics.median(times)
    scaled = naive * counts["segment"] / sample
    print(f"{'naive ORM loop, e-mail, 20,000 customers, scaled':<66}{scaled:8.1f}  ({naive:.1f} s measured)")
    print(f"naive / product = {scaled / seconds:.0f}x")
    load_after = os.getloadavg()
    print(
        "load average (1, 5, 15 min): before "
        + ", ".join(f"{value:.2f}" for value in load_before)
        + "; after "
        + ", ".join(f"{value:.2f}" for value in load_after)
        + f" ({os.cpu_count()} cores)"
    )


def _naive_loop(campaign, recency: int, sample: int) -> None:
    """What a per-customer implementation does: several queries per customer, rolled back afterwards."""
    import hashlib

    from campaigns.models import AudienceMember, ContactHistory, Suppression
    from campaigns.services import contact_policy, pressure
    from segments.models import CustomerFeatures

    policy = contact_policy()
    treatment = campaign.treatments.get()
    params = _reference_params(campaign, recency)
    planned = AudienceMember.objects.filter(
        campaign__status__in=pressure.PLANNED, is_control=False, campaign__start_date__lte=params["overall_last"]
    ).exclude(campaign=campaign)
    with transaction.atomic():
        for features in CustomerFeatures.objects.filter(recency_days__lte=recency).select_related("customer")[:sample]:
            customer = features.customer
            if customer.erased_at or Suppression.objects.filter(customer=customer).exists():
                continue
            digest = int(hashlib.sha256(f"{policy.global_control_salt}:{customer.pk}".encode()).hexdigest(), 16)
            if digest % 1_000_000 < 50_000 or not customer.consent_email:
                continue
            if customer.topics and TOPIC not in customer.topics:
                continue
            history = ContactHistory.objects.filter(
                customer=customer, contacted_at__gte=params["history_from"], contacted_at__lt=params["history_until"]
            )
            others = planned.filter(customer=customer).count()
            if history.filter(channel="email").count() + others >= EMAIL_CAP[0]:
                continue
            if history.count() + others >= MAX_CONTACTS:
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
    from campaigns.services.members import members_partition
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
        members = members_partition(cursor, campaign.pk)
        cursor.execute(f"TRUNCATE {members}")
        cursor.execute(
            f"""
            INSERT INTO {members} (campaign_id, customer_id, treatment_id, is_control, contacted_on, stage_id)
            SELECT %(campaign)s, c.id, CASE WHEN c.id %% 2 = 0 THEN %(a)s ELSE %(b)s END,
                   (hashtextextended(c.id::text, %(seed)s) & 9223372036854775807) %% 1000 < 100, %(contacted)s,
                   s.stage_id
            FROM customers_customer c
            LEFT JOIN segments_stageassignment s ON s.customer_id = c.id
                 AND s.period_end = (SELECT max(period_end) FROM segments_stageassignment)
            """,
            {"campaign": campaign.pk, "a": a, "b": b, "seed": campaign.seed, "contacted": RESULTS_CONTACT_DATE},
        )
        cursor.execute(f"ANALYZE {members}")
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
    print(f"{'results run (product, median of 3)':<66}{product_seconds:8.2f} s")
    print(f"{'single SQL aggregate per cell (reference, median of 3)':<66}{plain_seconds:8.2f} s")
    print(f"{'the same, told the window dates (reference, median of 3)':<66}{bounded_seconds:8.2f} s")
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
