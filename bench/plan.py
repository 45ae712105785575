"""The plan page of a full quarter on the bench database: 200 campaigns over 12 portfolios, 1M customers.

Run by bench/run.py inside Django (`manage.py shell`). `plan()` makes the quarter once (rows written straight
with bulk_create, as the workflow would have left them: no audience is built), then times the page through
Django's test client as a manager, counts its queries at 100 and at 200 campaigns, and times beside it one
hand-written statement that reads the same campaigns, treatments, latest builds and latest results.
"""

import os
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from unittest import mock

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from campaigns.models import AudienceBuild, Campaign, Objective, Treatment
from core.lib.quarters import quarter_bounds
from customers.models import Channel
from reporting import plan as planning
from reporting import plan_charts, plan_views
from reporting.models import CampaignResult
from segments.models import LifecycleStage, Portfolio, PortfolioBudget, Segment, StagingRun

YEAR, QUARTER, CAMPAIGNS = 2026, 4, 200
SMALL_YEAR, SMALL_QUARTER, SMALL_CAMPAIGNS = 2027, 1, 100  # the same plan at half the size, for the query count
PORTFOLIOS = 12
WARM_UPS, RUNS = 3, 30
TARGET_MS = 300
PREFIX = "Bench plan"
STATUSES = list(Campaign.Status)
BUILT = {Campaign.Status.AUDIENCE_BUILT, *planning.RELEASED}
MEASURED = {Campaign.Status.MEASURING, Campaign.Status.CLOSED}
CHANNELS = list(Channel.values)
OBJECTIVES = list(Objective.values)

# Where the page spends its time: the functions the view calls, timed while it runs (figure_data, which applies
# the house layout and template and turns a figure into JSON, is inside the two chart pieces).
PIECES = [
    (planning, "quarter_plan", "quarter_plan (reads)"),
    (planning, "budget_grid", "budget grid"),
    (planning, "consenting_customers", "consenting customers"),
    (planning, "stage_sizes", "stage sizes"),
    (planning, "pressure_by_channel", "pressure by channel"),
    (planning, "pressure_by_stage", "pressure by stage"),
    (plan_views, "calendar", "calendar chart"),
    (plan_views, "pressure_chart", "pressure charts"),
    (plan_charts, "figure_data", "  of the charts: house layout"),
    (plan_views, "_results_rows", "plan against actual rows"),
    (plan_views, "render", "template"),
]

REFERENCE_SQL = f"""
    SELECT c.id, c.name, c.status, c.start_date, c.end_date, c.year, c.quarter, c.portfolio_id, c.committed_cents,
           c.released_at, c.control_design, c.shared_control_share,
           t.id, t.code, t.channel, t.priority, t.holdout_share, t.cost_per_contact_cents,
           t.cost_per_redemption_cents, t.expected_response_rate, t.expected_order_value_cents,
           t.expected_margin_rate, t.offer_strategy, s.size,
           b.version, b.counts, r.payload -> 'totals', r.payload -> 'treatments'
    FROM {Campaign._meta.db_table} c
    JOIN {Treatment._meta.db_table} t ON t.campaign_id = c.id
    LEFT JOIN {Segment._meta.db_table} s ON s.id = t.segment_id
    LEFT JOIN (
        SELECT DISTINCT ON (campaign_id) campaign_id, version, counts FROM {AudienceBuild._meta.db_table}
        ORDER BY campaign_id, version DESC
    ) b ON b.campaign_id = c.id
    LEFT JOIN (
        SELECT DISTINCT ON (campaign_id) campaign_id, payload FROM {CampaignResult._meta.db_table}
        WHERE payload IS NOT NULL ORDER BY campaign_id, version DESC
    ) r ON r.campaign_id = c.id
    WHERE (c.year = %(year)s AND c.quarter = %(quarter)s) OR (c.start_date <= %(last)s AND c.end_date >= %(first)s)
    ORDER BY c.start_date, c.name, t.priority
"""


def plan() -> None:
    with transaction.atomic():
        portfolios = _portfolios()
        _staging_run()
        made = [
            _quarter(portfolios, YEAR, QUARTER, CAMPAIGNS),
            _quarter(portfolios, SMALL_YEAR, SMALL_QUARTER, SMALL_CAMPAIGNS),
        ]
    for line in made:
        print(line)
    client = _client()
    times, cpu, queries = _time_page(client, YEAR, QUARTER)
    small_times, small_cpu, small_queries = _time_page(client, SMALL_YEAR, SMALL_QUARTER)
    reference = _time_reference()
    with _pieces() as pieces:
        for _ in range(RUNS):
            _get(client, YEAR, QUARTER)
    product = statistics.median(times)
    print(f"\nload average {_load()} on {os.cpu_count()} cores; {_customers():,} customers")
    for label, wall, own in (
        (f"{CAMPAIGNS} campaigns (product)", times, cpu),
        (f"{SMALL_CAMPAIGNS} campaigns", small_times, small_cpu),
    ):
        print(
            f"{'plan page, ' + label:<52}median {statistics.median(wall):7.1f} ms   p95 {_p95(wall):7.1f} ms   "
            f"CPU median {statistics.median(own):6.1f} ms"
        )
    same = "the same" if queries == small_queries else "NOT the same"
    print(f"queries: {queries} with {CAMPAIGNS} campaigns, {small_queries} with {SMALL_CAMPAIGNS} ({same})")
    print(f"{'one SQL statement, join + DISTINCT ON (reference)':<52}median {reference:7.1f} ms")
    met = "met" if product < TARGET_MS else "NOT met"
    print(f"page / reference = {product / reference:.1f}; target {TARGET_MS} ms (median server time): {met}")
    print(f"\nwhere the time goes (ms per request, mean of {RUNS}; the rest is middleware, session and user):")
    print(f"  {'':<30}{'wall':>8}{'CPU':>8}")
    for piece, (wall, own) in pieces.items():
        print(f"  {piece:<30}{wall * 1000 / RUNS:8.1f}{own * 1000 / RUNS:8.1f}")
    whole = statistics.median(cpu)
    print(f"  {'whole request (median)':<30}{product:8.1f}{whole:8.1f}")
    print(f"load average {_load()}")


# The quarter


def _portfolios() -> list[Portfolio]:
    """Twelve portfolios, each on a stage of its own: extra stages, placed after the stage that takes everyone
    left, so that they change nobody's stage."""
    from core.services import demo_users_ensure

    if not get_user_model().objects.filter(username="manager").exists():
        demo_users_ensure()
    owner = get_user_model().objects.get(username="owner")
    missing = PORTFOLIOS - Portfolio.objects.count()
    free = list(LifecycleStage.objects.filter(portfolio__isnull=True).order_by("position", "id"))
    last = max(LifecycleStage.objects.values_list("position", flat=True), default=0)
    for number in range(max(0, missing - len(free))):
        free.append(
            LifecycleStage.objects.create(
                code=f"bench_{number + 1}",
                name=f"Bench stage {number + 1}",
                position=last + 1 + number,
                rules={"field": "orders_lifetime", "op": "gte", "value": 10_000},
                description="Made by the plan benchmark.",
            )
        )
    for stage in free[: max(0, missing)]:
        Portfolio.objects.create(stage=stage, name=f"{stage.name} portfolio", owner=owner)
    return list(Portfolio.objects.select_related("stage").order_by("stage__position", "id")[:PORTFOLIOS])


def _staging_run() -> None:
    """A staging to size the stages by, if none was run: the customers shared over the stages."""
    if StagingRun.objects.exists():
        return
    stages = list(LifecycleStage.objects.values_list("code", flat=True))
    customers = _customers()
    counts = {code: customers // len(stages) for code in stages}
    counts[stages[-1]] += customers - sum(counts.values())
    StagingRun.objects.create(period_end=date(2026, 6, 30), customers=customers, counts=counts)


def _quarter(portfolios: list[Portfolio], year: int, quarter: int, count: int) -> str:
    """`count` campaigns charged to the quarter, in every status, with budgets, builds and results; made once."""
    prefix = f"{PREFIX} {year} Q{quarter} "
    existing = Campaign.objects.filter(name__startswith=prefix)
    if existing.count() == count:
        return f"{year} Q{quarter}: reused {count} campaigns"
    existing.delete()
    User = get_user_model()
    marketer, manager = User.objects.get(username="marketer"), User.objects.get(username="manager")
    first, last = quarter_bounds(year, quarter)
    for index, portfolio in enumerate(portfolios):
        PortfolioBudget.objects.get_or_create(
            portfolio=portfolio, year=year, quarter=quarter, defaults={"amount_cents": 2_000_000 + 250_000 * index}
        )
    segments = _segments(marketer)
    campaigns = []
    for number in range(count):
        status = STATUSES[number % len(STATUSES)]
        released = status in planning.RELEASED
        # Released campaigns early in the quarter, drafts later; two to five weeks each, within the quarter.
        offset = (number * 37) % 45 + (0 if released else 30)
        start = min(first + timedelta(days=offset), last - timedelta(days=7))
        end = min(start + timedelta(days=14 + (number * 11) % 22), last)
        campaigns.append(
            Campaign(
                name=f"{prefix}{number + 1:03d}",
                year=year,
                quarter=quarter,
                start_date=start,
                end_date=end,
                objective=OBJECTIVES[number % len(OBJECTIVES)],
                portfolio=portfolios[number % len(portfolios)],
                owner=marketer,
                status=status,
                seed=1000 + number,
                control_design=Campaign.ControlDesign.SHARED
                if number % 5 == 0
                else Campaign.ControlDesign.PER_TREATMENT,
                approved_by=manager if status not in (Campaign.Status.DRAFT, Campaign.Status.SUBMITTED) else None,
                approved_at=datetime.combine(start - timedelta(days=7), datetime.min.time(), UTC)
                if status not in (Campaign.Status.DRAFT, Campaign.Status.SUBMITTED)
                else None,
                released_at=datetime.combine(start, datetime.min.time(), UTC) + timedelta(hours=9)
                if released
                else None,
            )
        )
    campaigns = Campaign.objects.bulk_create(campaigns)
    treatments = []
    for number, campaign in enumerate(campaigns):
        for arm in range(1 + number % 3):
            treatments.append(
                Treatment(
                    campaign=campaign,
                    code="ABC"[arm],
                    segment=segments[(number * 3 + arm) % len(segments)],
                    channel=CHANNELS[(number + arm) % len(CHANNELS)],
                    message_name=f"Message {arm + 1}",
                    holdout_share="0.100",
                    cost_per_contact_cents=[1, 5, 25, 60, 0, 2][(number + arm) % 6],
                    cost_per_redemption_cents=[0, 200, 500][arm],
                    priority=arm + 1,
                    expected_response_rate="0.0400",
                    expected_order_value_cents=4_500,
                    expected_margin_rate="0.3000",
                )
            )
    treatments = Treatment.objects.bulk_create(treatments)
    by_campaign: dict[int, list[Treatment]] = defaultdict(list)
    for treatment in treatments:
        by_campaign[treatment.campaign_id].append(treatment)
    stage_ids = [portfolio.stage_id for portfolio in portfolios]
    builds, results = [], []
    for campaign in campaigns:
        if campaign.status not in BUILT:
            continue
        mine = by_campaign[campaign.pk]
        for version in (1, 2):
            counts = {t.code: _counts(t, campaign, stage_ids, version) for t in mine}
            builds.append(AudienceBuild(campaign=campaign, version=version, built_by=manager, counts=counts))
        if campaign.status in planning.RELEASED:
            campaign.committed_cents = sum(counts[t.code]["treatment"] * t.cost_per_contact_cents for t in mine)
        if campaign.status in MEASURED:
            for version in (1, 2):
                results.append(
                    CampaignResult(campaign=campaign, version=version, payload=_payload(mine, counts, version))
                )
    AudienceBuild.objects.bulk_create(builds)
    CampaignResult.objects.bulk_create(results)
    Campaign.objects.bulk_update([c for c in campaigns if c.committed_cents], ["committed_cents"])
    with connection.cursor() as cursor:
        for model in (Campaign, Treatment, AudienceBuild, CampaignResult, Segment):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    return (
        f"{year} Q{quarter}: made {count} campaigns with {len(treatments)} treatments, {len(builds)} audience builds "
        f"and {len(results)} results"
    )


def _segments(owner) -> list[Segment]:
    """Forty segments with a size from their last count."""
    segments = []
    for number in range(40):
        segment, _ = Segment.objects.get_or_create(
            name=f"{PREFIX} segment {number + 1:02d}",
            defaults={
                "owner": owner,
                "rules": {"field": "recency_days", "op": "lte", "value": 30 + 10 * number},
                "size": 20_000 + (number * 14_983) % 580_000,
                "counted_at": datetime(2026, 9, 30, tzinfo=UTC),
            },
        )
        segments.append(segment)
    return segments


def _counts(treatment: Treatment, campaign: Campaign, stage_ids: list[int], version: int) -> dict:
    """An audience build's counts for one treatment: most in the portfolio's stage, the rest in two others."""
    size = treatment.segment.size
    members = round(size * (0.93 if version == 2 else 0.95))
    control = round(members * 0.1)
    treated = members - control
    own = campaign.portfolio.stage_id
    others = [stage for stage in stage_ids if stage != own]
    second, third = others[campaign.seed % len(others)], others[(campaign.seed + 5) % len(others)]
    main, middle = round(treated * 0.7), round(treated * 0.2)
    return {
        "segment": size,
        "global_control": round(size * 0.05),
        "no_consent": size - members - round(size * 0.05),
        "fatigue": 0,
        "treatment": treated,
        "control": control,
        "stages": {str(own): main, str(second): middle, str(third): treated - main - middle},
    }


def _payload(treatments: list[Treatment], counts: dict, version: int) -> dict:
    """A results payload of the stored shape, with the cells, intervals and daily curves a run writes."""
    rows, totals = [], defaultdict(float)
    for treatment in treatments:
        counted = counts[treatment.code]
        treated, control = counted["treatment"], counted["control"]
        contact = treated * treatment.cost_per_contact_cents
        offer = round(treated * 0.04 * treatment.cost_per_redemption_cents)
        margin = round(treated * (0.011 + 0.001 * version) * 4_500 * 0.3)
        net = margin - contact - offer
        rows.append(
            {
                "treatment_id": treatment.pk,
                "code": treatment.code,
                "message": treatment.message_name,
                "channel": treatment.channel,
                "segment": treatment.segment.name,
                "window_days": treatment.response_window_days,
                "treatment": _cell(treated, 0.052),
                "control": _cell(control, 0.041),
                "response_rate": _difference(0.011),
                "revenue_per_member": _difference(49.5),
                "margin_per_member": _difference(14.8),
                "orders_per_member": _difference(0.012),
                "incremental_responders": treated * 0.011,
                "incremental_revenue_cents": margin / 0.3,
                "incremental_margin_cents": margin,
                "contact_cost_cents": contact,
                "offer_cost_cents": offer,
                "net_cents": net,
                "net_low_cents": net * 0.6,
                "net_high_cents": net * 1.4,
                "roi": net / (contact + offer) if contact + offer else None,
                "roi_low": None,
                "roi_high": None,
                "cumulative": {
                    cell: [round(rate * day / treatment.response_window_days, 5) for day in range(1, 31)]
                    for cell, rate in (("treatment", 0.052), ("control", 0.041))
                },
            }
        )
        for key in ("incremental_margin_cents", "contact_cost_cents", "offer_cost_cents", "net_cents"):
            totals[key] += rows[-1][key]
        totals["treatment"] += treated
        totals["control"] += control
    cost = totals["contact_cost_cents"] + totals["offer_cost_cents"]
    totals["members"] = totals["treatment"] + totals["control"]
    totals["roi"] = totals["net_cents"] / cost if cost else None
    return {
        "methods": {"control": "per_treatment", "mean_test": "welch", "adjustment": "none", "comparisons": 0},
        "treatments": rows,
        "totals": dict(totals),
        "by_stage": [
            {"code": row["code"], "stage": stage, "treatment": row["treatment"], "control": row["control"]}
            for row in rows
            for stage in ("New", "Repurchase", "At risk")
        ],
        "by_segment": [],
        "head_to_head": [],
    }


def _cell(members: int, rate: float) -> dict:
    responders = round(members * rate)
    return {
        "members": members,
        "responders": responders,
        "orders": round(responders * 1.2),
        "revenue_cents": responders * 4_500,
        "margin_cents": responders * 1_350,
        "redemptions": round(responders * 0.5),
        "response_rate": rate,
        "orders_per_member": rate * 1.2,
        "revenue_cents_per_member": rate * 4_500,
        "margin_cents_per_member": rate * 1_350,
    }


def _difference(value: float) -> dict:
    return {"difference": value, "low": value * 0.5, "high": value * 1.5, "p_value": 0.01}


# The timings


def _client() -> Client:
    client = Client(HTTP_HOST="localhost")
    client.force_login(get_user_model().objects.get(username="manager"))
    return client


def _get(client: Client, year: int, quarter: int) -> None:
    response = client.get("/plan/", {"year": year, "quarter": quarter})
    assert response.status_code == 200, response.status_code


def _time_page(client: Client, year: int, quarter: int) -> tuple[list[float], list[float], int]:
    """Milliseconds of each of RUNS requests after WARM_UPS, wall and CPU of this process (which a busy machine
    stretches less), and the queries of one request."""
    for _ in range(WARM_UPS):
        _get(client, year, quarter)
    connection.queries_log.clear()  # with DEBUG on it may be full, and a full log counts no new query
    with CaptureQueriesContext(connection) as captured:
        _get(client, year, quarter)
    times, cpu = [], []
    for _ in range(RUNS):
        started, started_cpu = time.perf_counter(), time.process_time()
        _get(client, year, quarter)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return times, cpu, len(captured.captured_queries)


def _time_reference() -> float:
    first, last = quarter_bounds(YEAR, QUARTER)
    parameters = {"year": YEAR, "quarter": QUARTER, "first": first, "last": last}
    times = []
    with connection.cursor() as cursor:
        for run in range(WARM_UPS + RUNS):
            started = time.perf_counter()
            cursor.execute(REFERENCE_SQL, parameters)
            rows = cursor.fetchall()
            if run >= WARM_UPS:
                times.append((time.perf_counter() - started) * 1000)
    assert len({row[0] for row in rows}) >= CAMPAIGNS, len(rows)
    return statistics.median(times)


@contextmanager
def _pieces() -> Iterator[dict[str, list[float]]]:
    """Seconds spent in each function the view calls while inside the block: wall, and CPU of this process."""
    seconds: dict[str, list[float]] = {piece: [0.0, 0.0] for _, _, piece in PIECES}

    def timing(function: Callable, piece: str) -> Callable:
        def timed_call(*args, **kwargs):
            started, started_cpu = time.perf_counter(), time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                seconds[piece][0] += time.perf_counter() - started
                seconds[piece][1] += time.process_time() - started_cpu

        return timed_call

    patches = [mock.patch.object(module, name, timing(getattr(module, name), piece)) for module, name, piece in PIECES]
    for patch in patches:
        patch.start()
    try:
        yield seconds
    finally:
        for patch in reversed(patches):
            patch.stop()


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[-1]


def _customers() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM customers_customer")
        return cursor.fetchone()[0]


def _load() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())
