"""1:1 offer allocation for a campaign's best-offer treatments: score every treated member for every eligible
offer (offers.scoring), choose within every cap (offers.allocation), and keep the result per member.

A campaign's caps hold across the whole campaign. Small campaigns are allocated in one job. Large ones are
split into chunks of customers that several workers run at once: a coordinator finds the offers' prices on
a random sample of the members and gives each chunk a share of every cap in proportion to its size, so the
chunks together never pass a cap; each chunk scores and allocates its own members, and the last one to
finish adds up the value and the bound and publishes the run. Until then the campaign's allocation is the
previous published run, and a run that fails is never published.
"""

import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from time import monotonic

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from django.conf import settings
from django.db import connection, transaction
from django.db.models import BigIntegerField, Max
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone

from campaigns.models import AllocationRun, AudienceMember, Campaign, ContactHistory, OfferAllocation, Treatment
from campaigns.services.members import members_analyze
from campaigns.services.workflow import CampaignError
from core.models import Job
from core.services import Progress
from customers.models import Category, Purchase
from offers import allocation as solver
from offers import scoring
from offers.models import Offer
from segments.models import CustomerCategoryShare, CustomerFeatures, LifecycleStage

MEMBERS_SQL = f"""
SELECT m.customer_id, m.treatment_id, f.aov_cents::float8,
       f.margin_cents::float8 / nullif(f.margin_revenue_cents, 0), coalesce(m.stage_id, f.stage_id, 0),
       coalesce(f.home_store_id, 0)
FROM {AudienceMember._meta.db_table} m
JOIN {Treatment._meta.db_table} t ON t.id = m.treatment_id AND t.offer_strategy = 'best_n'
LEFT JOIN {CustomerFeatures._meta.db_table} f ON f.customer_id = m.customer_id
WHERE m.campaign_id = %(campaign)s AND NOT m.is_control AND m.customer_id BETWEEN %(low)s AND %(high)s
  AND (%(ids)s::bigint[] IS NULL OR m.customer_id = ANY(%(ids)s::bigint[]))
ORDER BY m.customer_id
"""
SAMPLE_MEMBERS = 50_000  # the coordinator finds prices on this many members
MEMBER_COLUMNS = ["customer_id", "treatment_id", "aov_cents", "margin_rate", "stage_id", "store_id"]
SHARES_SQL = f"""
SELECT s.customer_id, s.category_id, s.share, coalesce(s.last_purchase_days, 100000)
FROM {CustomerCategoryShare._meta.db_table} s
JOIN {AudienceMember._meta.db_table} m ON m.customer_id = s.customer_id AND m.campaign_id = %(campaign)s
    AND NOT m.is_control AND m.customer_id BETWEEN %(low)s AND %(high)s
    AND (%(ids)s::bigint[] IS NULL OR m.customer_id = ANY(%(ids)s::bigint[]))
JOIN {Treatment._meta.db_table} t ON t.id = m.treatment_id AND t.offer_strategy = 'best_n'
"""
SHARE_COLUMNS = ["customer_id", "category_id", "share", "last_days"]
# Redemptions of every offer code sent before, per lifecycle stage of the customer at the build: the record
# that the scores learn from. A redemption is a purchase with the code inside the treatment's window.
MEASURED_SQL = f"""
SELECT sent.offer_code, coalesce(m.stage_id, 0) AS stage_id, count(*) AS given,
       count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM {Purchase._meta.db_table} p
           WHERE p.customer_id = h.customer_id AND p.offer_code = sent.offer_code AND p.quantity > 0
             AND p.purchased_at >= h.contacted_at
             AND p.purchased_at < h.contacted_at + t.response_window_days * interval '1 day')) AS redeemed
FROM {ContactHistory._meta.db_table} h
CROSS JOIN LATERAL jsonb_array_elements_text(h.offer_codes) AS sent(offer_code)
JOIN {Treatment._meta.db_table} t ON t.id = h.treatment_id
JOIN {AudienceMember._meta.db_table} m ON m.campaign_id = h.campaign_id AND m.customer_id = h.customer_id
WHERE h.campaign_id <> %(campaign)s
GROUP BY 1, 2
"""


@dataclass
class Inputs:
    """Everything the scores of a set of members need."""

    members: pd.DataFrame
    customers: scoring.Customers
    offers: list[Offer]
    terms: scoring.Offers
    measured: np.ndarray
    allowed: np.ndarray
    per_customer: np.ndarray

    def values(self) -> np.ndarray:
        return scoring.values(self.customers, self.terms, self.measured, self.allowed)

    def problem(self) -> solver.OfferProblem:
        return problem_of(self.terms, self.offers, self.values(), self.per_customer)


def problem_of(
    terms: scoring.Offers, offers: list[Offer], value: np.ndarray, per_customer: np.ndarray, share: float = 1.0
) -> solver.OfferProblem:
    """The allocation problem of scored members; `share` scales the caps (a sample of the members)."""
    quantity = np.array([offer.max_quantity if offer.max_quantity is not None else np.inf for offer in offers], float)
    budget = np.array(
        [offer.budget_cap_cents if offer.budget_cap_cents is not None else np.inf for offer in offers], float
    )
    return solver.OfferProblem(
        value=value,
        category=np.where(terms.category >= 0, terms.category, -1 - np.arange(len(offers))),
        spend=terms.spend.astype(float),
        quantity_cap=quantity * share,
        budget_cap=budget * share,
        per_customer=per_customer,
    )


def send_date(campaign: Campaign) -> date:
    """The day the offers must be valid on: the campaign's start, or today once it has started."""
    return max(campaign.start_date, timezone.localdate())


def eligible_offers(campaign: Campaign) -> list[Offer]:
    day = send_date(campaign)
    offers = Offer.objects.filter(active=True, valid_from__lte=day, valid_until__gte=day)
    return list(offers.select_related("category").prefetch_related("stores").order_by("pk"))


def inputs_load(
    campaign: Campaign,
    *,
    low: int = 0,
    high: int = 2**62,
    ids: list[int] | None = None,
    offers: list[Offer] | None = None,
    measured: np.ndarray | None = None,
) -> Inputs:
    """The members of the campaign's best-offer treatments with customer ids from `low` to `high` (or among
    `ids`), ready to be scored against the eligible offers (or `offers`, as a coordinator chose them)."""
    params = {"campaign": campaign.pk, "low": low, "high": high, "ids": ids}
    members = _frame(MEMBERS_SQL, params, MEMBER_COLUMNS)
    shares = _frame(SHARES_SQL, params, SHARE_COLUMNS)
    offers = offers if offers is not None else eligible_offers(campaign)
    categories = list(Category.objects.order_by("pk").values_list("pk", "margin_rate"))
    column_of = {pk: column for column, (pk, _) in enumerate(categories)}
    n, width = len(members), len(categories)
    share = np.zeros((n, width), np.float32)
    last = np.full((n, width), np.inf, np.float32)
    if len(shares):
        rows = np.searchsorted(members["customer_id"].to_numpy(), shares["customer_id"].to_numpy())
        columns = shares["category_id"].map(column_of).to_numpy(int)
        share[rows, columns] = shares["share"].to_numpy(np.float32)
        last[rows, columns] = shares["last_days"].to_numpy(np.float32)
    stages = list(LifecycleStage.objects.order_by("pk").values_list("pk", flat=True))
    stage_row = {pk: row + 1 for row, pk in enumerate(stages)}  # row 0: no stage
    treatments = {t.pk: t for t in campaign.treatments.filter(offer_strategy=Treatment.OfferStrategy.BEST_N)}
    # Eligibility depends on the member's treatment (its channel) and home store only: one row per pair.
    pairs = members[["treatment_id", "store_id"]].astype(int)
    groups = pairs.drop_duplicates().reset_index(drop=True)
    group_of = pairs.merge(groups.reset_index(), on=["treatment_id", "store_id"], how="left")["index"]
    offer_stores = [{store.pk for store in offer.stores.all()} for offer in offers]
    allowed = np.zeros((max(len(groups), 1), len(offers)), bool)
    for row, (treatment_id, store_id) in enumerate(groups.itertuples(index=False, name=None)):
        channels = treatments[treatment_id].channels  # the same offers go out on each of them
        for column, (offer, stores) in enumerate(zip(offers, offer_stores, strict=True)):
            allowed[row, column] = (not offer.channels or all(channel in offer.channels for channel in channels)) and (
                not stores or store_id in stores
            )
    customers = scoring.Customers(
        aov_cents=members["aov_cents"].to_numpy(float),
        margin_rate=members["margin_rate"].to_numpy(float),
        share=share,
        last_days=last,
        stage=members["stage_id"].map(stage_row).fillna(0).to_numpy(int),
        eligible_group=group_of.to_numpy(int),
    )
    terms = offer_terms(offers, column_of, dict(categories))
    if measured is None:
        measured = measured_rates(campaign, offers, terms, stages)
    per_customer = members["treatment_id"].map({pk: t.offers_per_customer for pk, t in treatments.items()})
    return Inputs(members, customers, offers, terms, measured, allowed, per_customer.to_numpy(int))


def offer_terms(offers: list[Offer], column_of: dict[int, int], margin_rates: dict[int, object]) -> scoring.Offers:
    return scoring.Offers(
        kind=np.array([scoring.KINDS.index(offer.kind) for offer in offers], int),
        category=np.array([column_of.get(offer.category_id, -1) for offer in offers], int),
        value=np.array(
            [float(offer.value) * (100 if offer.kind in ("amount_off", "gift") else 1) for offer in offers], float
        ),
        rate=np.array([float(offer.expected_redemption_rate) for offer in offers], float),
        cost_cents=np.array([offer.cost_per_redemption_cents for offer in offers], float),
        margin_rate=np.array(
            [float(margin_rates[offer.category_id]) if offer.category_id else np.nan for offer in offers], float
        ),
    )


def measured_rates(campaign: Campaign, offers: list[Offer], terms: scoring.Offers, stages: list[int]) -> np.ndarray:
    """(stages + 1, offers) multipliers from past campaigns' redemptions (row 0: customers without a stage)."""
    with connection.cursor() as cursor:
        cursor.execute(MEASURED_SQL, {"campaign": campaign.pk})
        record = pd.DataFrame(cursor.fetchall(), columns=["code", "stage_id", "given", "redeemed"])
    shape = (len(stages) + 1, len(offers))
    given, redeemed = np.zeros(shape), np.zeros(shape)
    category_given, category_redeemed = np.zeros(shape), np.zeros(shape)
    if len(record):
        row_of = {pk: row + 1 for row, pk in enumerate(stages)}
        record["row"] = record["stage_id"].map(row_of).fillna(0).astype(int)
        category_of_code = dict(Offer.objects.filter(code__in=record["code"].unique()).values_list("code", "category"))
        by_category = (
            record.assign(category=record["code"].map(category_of_code))
            .groupby(["category", "row"])[["given", "redeemed"]]
            .sum()
        )
        for column, offer in enumerate(offers):
            own = record[record["code"] == offer.code]
            given[own["row"], column], redeemed[own["row"], column] = own["given"], own["redeemed"]
            if offer.category_id is not None and offer.category_id in by_category.index.get_level_values(0):
                theirs = by_category.loc[offer.category_id]
                category_given[theirs.index, column] = theirs["given"]
                category_redeemed[theirs.index, column] = theirs["redeemed"]
    return scoring.measured_multiplier(given, redeemed, category_given, category_redeemed, terms.rate)


def _frame(statement: str, params: dict, columns: list[str]) -> pd.DataFrame:
    """A query's rows read with COPY into a frame (hundreds of thousands of members)."""
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY ({cursor.mogrify(statement, params).decode()}) TO STDOUT WITH (FORMAT csv)", buffer)
    if not buffer.getbuffer().nbytes:
        return pd.DataFrame({column: pd.Series(dtype=float) for column in columns})
    buffer.seek(0)
    return pa_csv.read_csv(buffer, read_options=pa_csv.ReadOptions(column_names=columns)).to_pandas()


# The run: start, chunks, publish.


def allocation_needed(campaign: Campaign) -> bool:
    """Whether anyone in the campaign's audience is due offers chosen one to one: a treated member of a
    best-offers treatment. An audience with nobody there (every customer excluded) has nothing to allocate."""
    return AudienceMember.objects.filter(
        campaign=campaign, is_control=False, treatment__offer_strategy=Treatment.OfferStrategy.BEST_N
    ).exists()


def allocation_start(
    campaign: Campaign,
    *,
    progress: Progress | None = None,
    created: Callable[[AllocationRun], None] | None = None,
) -> tuple[AllocationRun, list[tuple]]:
    """Start allocating the campaign's offers. A campaign that fits one chunk is allocated and published here;
    a larger one gets its prices and chunks, returned as (run, [(low, high), ...]) for the chunk jobs.
    `created` is told of the run as soon as it exists, so that whatever stops the work after it can fail it."""
    report = progress or (lambda percent, message="": None)
    check = progress.check if progress else None  # the job's time limit, on the solver's threads too
    started = monotonic()
    build = campaign.builds.aggregate(latest=Max("version"))["latest"]
    if build is None or not allocation_needed(campaign):
        raise CampaignError("Only treated members of a best-offers treatment in a built audience get offers.")
    offers = eligible_offers(campaign)
    if not offers:
        raise CampaignError(f"No offer in the bank is active and valid on {send_date(campaign):%Y-%m-%d}.")
    ids = (
        AudienceMember.objects.filter(
            campaign=campaign, is_control=False, treatment__offer_strategy=Treatment.OfferStrategy.BEST_N
        )
        .order_by("customer_id")
        .values_list("customer_id", flat=True)
    )
    # The build has just replaced the audience: without fresh statistics PostgreSQL plans the reads below as if
    # it still held the old one, and fetches a million members by a million index lookups.
    with connection.cursor() as cursor:
        members_analyze(cursor, campaign.pk)
    count = ids.count()
    chunk_size = settings.ALLOCATION_CHUNK_CUSTOMERS
    chunks = max(1, math.ceil(count / chunk_size))
    run = AllocationRun.objects.create(
        campaign=campaign, build_version=build, send_date=send_date(campaign), chunks=chunks, customers=count
    )
    if created is not None:
        created(run)
    if chunks == 1:
        report(10, f"Scoring {count:,} members for {len(offers)} offers")
        inputs = inputs_load(campaign, offers=offers)
        report(45, "Allocating within every cap")
        problem = inputs.problem()
        # A pass over every member costs little below a few hundred thousand: more of them tighten the prices.
        passes = max(1, min(20, 2_000_000 // max(count, 1)))
        result = solver.allocate(problem, workers=settings.ALLOCATION_THREADS, full_passes=passes, check=check)
        report(75, "Keeping every member's offers")
        with transaction.atomic():  # the members' offers and the run's publication land together, or neither
            _write(run, inputs, result.offers, problem.value)
            run.plan = {"offer_ids": [offer.pk for offer in offers], "measured": inputs.measured.tolist()}
            _publish(
                run,
                inputs.offers,
                problem,
                [_chunk_outcome(result, problem)],
                result_prices(result.prices),
                seconds=monotonic() - started,
            )
        return run, []
    report(10, f"Finding the offers' prices on a sample of {count:,} members")
    members = np.fromiter(ids.iterator(chunk_size=50_000), dtype=np.int64, count=count)
    bounds = _bounds(members, chunks)
    rng = np.random.default_rng(campaign.seed)
    sampled_ids = np.sort(rng.choice(members, size=min(count, SAMPLE_MEMBERS), replace=False))
    sample = inputs_load(campaign, ids=sampled_ids.tolist(), offers=offers)
    sampled = problem_of(sample.terms, offers, sample.values(), sample.per_customer, len(sampled_ids) / count)
    found = solver.prices_find(sampled, full_passes=3, workers=settings.ALLOCATION_THREADS, check=check)
    whole = problem_of(sample.terms, offers, sampled.value[:0], sample.per_customer[:0])
    prices = solver.Prices(
        found.price, solver.allocation_limits(whole), found.quantity_price, found.budget_price, found.iterations
    )
    sizes = [int(((members >= low) & (members <= high)).sum()) for low, high in bounds]
    shares = solver.cap_shares(prices, [np.zeros(len(offers)) for _ in bounds], sizes)
    run.plan = {
        "offer_ids": [offer.pk for offer in offers],
        "prices": result_prices(prices),
        "shares": [_json(share) for share in shares],
        "bounds": bounds,
        "measured": sample.measured.tolist(),
    }
    run.save(update_fields=["plan"])
    return run, bounds


def allocation_chunk(run: AllocationRun, number: int, *, progress: Progress | None = None) -> AllocationRun:
    """Score and allocate one chunk of a run within its share of the caps; the last chunk publishes."""
    report = progress or (lambda percent, message="": None)
    check = progress.check if progress else None
    plan = run.plan
    by_id = Offer.objects.select_related("category").prefetch_related("stores").in_bulk(plan["offer_ids"])
    offers = [by_id[pk] for pk in plan["offer_ids"]]
    low, high = plan["bounds"][number]
    report(10, f"Scoring part {number + 1} of {run.chunks}")
    inputs = inputs_load(
        run.campaign, low=low, high=high, offers=offers, measured=np.asarray(plan["measured"], np.float32)
    )
    problem = inputs.problem()
    prices = prices_of(plan["prices"])
    report(50, "Allocating within its share of every cap")
    share = _array(plan["shares"][number])
    result = solver.chunk_allocate(problem, prices, share, workers=settings.ALLOCATION_THREADS, check=check)
    report(75, "Keeping its members' offers")
    _write(run, inputs, result.offers, problem.value)
    outcome = {
        "number": number,
        "value": result.value,
        "bound_part": result.bound_part,
        "given": result.given.tolist(),
        "spent": result.spent.tolist(),
        "histogram": _member_values(result.offers, problem.value).tolist(),
    }
    with transaction.atomic():
        run = AllocationRun.objects.select_for_update().get(pk=run.pk)
        if run.status != AllocationRun.Status.RUNNING:  # another part failed: this one's rows go too
            OfferAllocation.objects.filter(run=run).delete()
            return run
        run.chunk_results = [*run.chunk_results, outcome]
        run.chunks_done = len(run.chunk_results)
        run.save(update_fields=["chunk_results", "chunks_done"])
        if run.chunks_done == run.chunks:
            whole = problem_of(inputs.terms, offers, problem.value[:0], problem.per_customer[:0])
            seconds = (timezone.now() - run.created_at).total_seconds()
            _publish(run, offers, whole, run.chunk_results, plan["prices"], seconds=seconds)
    return run


def allocation_fail(run: AllocationRun) -> None:
    """A run that cannot finish: its rows go, and the published allocation stays. A run already published
    (its last part finished before something else went wrong) stays published."""
    running = AllocationRun.objects.filter(pk=run.pk, status=AllocationRun.Status.RUNNING)
    if running.update(status=AllocationRun.Status.FAILED, finished_at=timezone.now()):
        OfferAllocation.objects.filter(run=run).delete()


def allocation_job_failed(job: Job) -> None:
    """An allocation job or one of its parts that failed for good, however it stopped (an error, its time limit,
    or its worker killed), fails its run: the other parts then skip their work or throw it away, the offers page
    says why, and the campaign keeps its published allocation. A run already published stays published."""
    run = AllocationRun.objects.filter(pk=job.params.get("run_id")).first()
    if run is not None:
        allocation_fail(run)


def allocation_runs_settle() -> None:
    """Fail every running run whose allocation job or part has failed for good. What follows such a failure
    normally does this at once; run after every recovery sweep, this does it for a failure whose follow-up did
    not finish (it raised, or its process stopped), each run in a transaction of its own."""
    kinds = [Job.Kind.OFFER_ALLOCATION, Job.Kind.OFFER_ALLOCATION_CHUNK]
    failed = (
        Job.objects.filter(kind__in=kinds, status=Job.Status.FAILED)
        .annotate(run_id=Cast(KT("params__run_id"), BigIntegerField()))
        .values("run_id")
    )
    for run in AllocationRun.objects.filter(status=AllocationRun.Status.RUNNING, pk__in=failed):
        with transaction.atomic():
            allocation_fail(run)


def _bounds(ids: np.ndarray, chunks: int) -> list[tuple[int, int]]:
    """Customer id ranges holding as many members each as can be."""
    edges = np.array_split(ids, chunks)
    return [(int(part[0]), int(part[-1])) for part in edges if len(part)]


def _write(run: AllocationRun, inputs: Inputs, offers: np.ndarray, value: np.ndarray) -> None:
    """Every member's offers, slot 1 the most valuable, with one COPY."""
    ids = inputs.members["customer_id"].to_numpy()
    if not len(ids):
        return
    # A part run again (its worker died after writing) replaces what it wrote.
    OfferAllocation.objects.filter(run=run, customer_id__gte=int(ids[0]), customer_id__lte=int(ids[-1])).delete()
    held = offers >= 0
    if not held.any():
        return
    rows, slots = np.nonzero(held)
    chosen = offers[rows, slots]
    worth = value[rows, chosen]
    order = np.lexsort((-worth, rows))
    rows, chosen, worth = rows[order], chosen[order], worth[order]
    slot = np.arange(len(rows)) - np.searchsorted(rows, rows, side="left") + 1
    offer_ids = np.array([offer.pk for offer in inputs.offers])
    frame = pa.table(
        {
            "run_id": pa.array(np.full(len(rows), run.pk)),
            "customer_id": pa.array(inputs.members["customer_id"].to_numpy()[rows]),
            "slot": pa.array(slot),
            "treatment_id": pa.array(inputs.members["treatment_id"].to_numpy()[rows]),
            "offer_id": pa.array(offer_ids[chosen]),
            "expected_value_cents": pa.array(worth.astype(float)),
        }
    )
    buffer = io.BytesIO()
    pa_csv.write_csv(frame, buffer, write_options=pa_csv.WriteOptions(include_header=False))
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.copy_expert(
            f"COPY {OfferAllocation._meta.db_table} ({', '.join(frame.column_names)}) FROM STDIN WITH (FORMAT csv)",
            buffer,
        )


def _chunk_outcome(result: solver.Allocation, problem: solver.OfferProblem) -> dict:
    return {
        "number": 0,
        "value": result.value,
        "bound_part": result.bound - result.prices.cap_value,
        "given": result.given.tolist(),
        "spent": result.spent.tolist(),
        "histogram": _member_values(result.offers, problem.value).tolist(),
    }


HISTOGRAM_EDGES = np.array([-np.inf, 0, 25, 50, 100, 200, 300, 500, 750, 1_000, 1_500, 2_000, 3_000, 5_000, np.inf])


def _member_values(offers: np.ndarray, value: np.ndarray) -> np.ndarray:
    """How many members' offers are worth how much in all (counts per HISTOGRAM_EDGES bin, in cents)."""
    held = offers >= 0
    worth = np.where(held, np.take_along_axis(value, np.where(held, offers, 0), axis=1), 0).sum(axis=1)
    return np.histogram(worth, bins=HISTOGRAM_EDGES)[0]


def _publish(
    run: AllocationRun,
    offers: list[Offer],
    problem: solver.OfferProblem,
    outcomes: list[dict],
    prices: dict,
    *,
    seconds: float,
) -> None:
    """Add up the chunks, record per offer what it gave and what its caps are worth, and make the run the
    campaign's allocation; the previous run's rows go."""
    price = prices_of(prices)
    given = np.sum([outcome["given"] for outcome in outcomes], axis=0)
    spent = np.sum([outcome["spent"] for outcome in outcomes], axis=0)
    value = float(sum(outcome["value"] for outcome in outcomes))
    # Reduced values are summed in float32: the bound may read a hair under the value it bounds.
    bound = max(value, float(sum(outcome["bound_part"] for outcome in outcomes) + price.cap_value))
    limits = solver.allocation_limits(problem)
    run.per_offer = [
        {
            "offer_id": offer.pk,
            "code": offer.code,
            "name": offer.name,
            "given": int(given[column]),
            "spent_cents": float(spent[column]),
            "max_quantity": offer.max_quantity,
            "budget_cap_cents": offer.budget_cap_cents,
            "binding": bool(np.isfinite(limits[column]) and given[column] >= limits[column] - 0.5),
            "quantity_price_cents": _finite(price.quantity_price[column]),
            "budget_price": _finite(price.budget_price[column]),
        }
        for column, offer in enumerate(offers)
    ]
    histogram = np.sum([outcome["histogram"] for outcome in outcomes], axis=0)
    run.distribution = {"edges": [_finite(edge) for edge in HISTOGRAM_EDGES], "members": histogram.tolist()}
    run.value_cents, run.bound_cents = value, bound
    run.gap = (bound - value) / bound if bound > 0 else 0.0
    run.allocations = int(given.sum())
    run.status, run.finished_at, run.seconds = AllocationRun.Status.PUBLISHED, timezone.now(), round(seconds, 2)
    run.save()
    older = AllocationRun.objects.filter(campaign=run.campaign_id).exclude(pk=run.pk)
    OfferAllocation.objects.filter(run__in=older.values("pk")).delete()
    older.filter(status=AllocationRun.Status.RUNNING, created_at__lt=run.created_at).update(
        status=AllocationRun.Status.FAILED
    )


def result_prices(prices: solver.Prices) -> dict:
    return {
        "price": _json(prices.price),
        "limit": _json(prices.limit),
        "quantity_price": _json(prices.quantity_price),
        "budget_price": _json(prices.budget_price),
        "iterations": prices.iterations,
    }


def prices_of(saved: dict) -> solver.Prices:
    return solver.Prices(
        _array(saved["price"]),
        _array(saved["limit"]),
        _array(saved["quantity_price"]),
        _array(saved["budget_price"]),
        saved["iterations"],
    )


def _json(values: np.ndarray) -> list:
    return [_finite(value) if np.isfinite(value) else ("inf" if value > 0 else "-inf") for value in values]


def _array(values: list) -> np.ndarray:
    return np.array([float(value) for value in values], float)


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def member_offer_reasons(run: AllocationRun, customer_id: int) -> list[dict]:
    """Why a member got each of their offers: the parts of its score, recomputed with the run's offers and
    measured rates on the member's current features (the same as the run's unless features were refreshed
    since); the expected value is the one the run allocated on."""
    given = list(
        OfferAllocation.objects.filter(run=run, customer_id=customer_id)
        .order_by("slot")
        .values_list("slot", "offer_id", "expected_value_cents")
    )
    if not given or "offer_ids" not in run.plan:
        return []
    by_id = Offer.objects.select_related("category").prefetch_related("stores").in_bulk(run.plan["offer_ids"])
    offers = [by_id[pk] for pk in run.plan["offer_ids"] if pk in by_id]
    measured = np.asarray(run.plan["measured"], np.float32)[:, [run.plan["offer_ids"].index(o.pk) for o in offers]]
    inputs = inputs_load(run.campaign, ids=[customer_id], offers=offers, measured=measured)
    if not len(inputs.members):
        return []
    parts = scoring.score(inputs.customers, inputs.terms, inputs.measured, inputs.allowed)
    column = {offer.pk: number for number, offer in enumerate(offers)}
    reasons = []
    for slot, offer_id, value in given:
        j = column.get(offer_id)
        if j is None:
            continue
        reasons.append(
            {
                "slot": slot,
                "offer": by_id[offer_id],
                "value_cents": value,
                "affinity": float(parts.affinity[0, j]),
                "saving": float(parts.saving[0, j]),
                "appeal": float(parts.appeal[0, j]),
                "measured": float(parts.measured[0, j]),
                "probability": float(parts.probability[0, j]),
                "order_margin_cents": float(parts.order_margin_cents[0, j]),
            }
        )
    return reasons
