"""The 1:1 offer allocation job end to end on the bench database: 1M members, a bank of 200 offers, best 3.

Run by bench/run.py inside Django (`manage.py shell`), one process per path so that each peak memory is its
own: `prepare()` makes the bank, the campaign and its audience once; `one_job()` times the allocation as one
part; `parts()` times the coordinator and four parts run by two worker processes at once.
"""

import multiprocessing
import os
import resource
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from tempfile import TemporaryDirectory
from unittest import mock

import django
import numpy as np
import pandas as pd
from django.db import connection
from django.test import override_settings

from bench.jobs import AS_OF
from bench.offers import reference_seconds
from campaigns.models import AllocationRun, AudienceMember, Campaign
from campaigns.services import allocation
from campaigns.services.members import members_analyze
from offers import allocation as solver
from offers import scoring
from offers.demo import typical_saving

CAMPAIGN = "Bench allocation"
OFFERS_PER_CATEGORY = 16
WHOLE_RANGE = 8
PER_CUSTOMER = 3
PARTS_CUSTOMERS = 250_000
WORKERS = 2
TYPICAL_DEMAND = 1_000_000 * PER_CUSTOMER / 200  # allocations of one offer in a 1M-member campaign without caps
# kind as the offer file writes it, the values it may take, expected redemption rates
KINDS = [
    ("percent off", [5, 10, 15, 20, 25], (0.03, 0.12)),
    ("amount off", [1, 2, 3, 5, 8], (0.03, 0.10)),
    ("points multiplier", [2, 3, 4], (0.05, 0.15)),
    ("free gift", [1, 2, 3, 5], (0.04, 0.10)),
    ("buy one get one", [0], (0.02, 0.08)),
]
# The pieces of the job, timed by wrapping the functions it calls (the outermost call of each piece counts).
PIECES = [
    (allocation, "inputs_load", "reading"),
    (scoring, "values", "scoring"),
    (solver, "allocate", "solving"),
    (solver, "prices_find", "solving"),
    (solver, "chunk_allocate", "solving"),
    (allocation, "_write", "writing"),
    (allocation, "_publish", "publishing"),
]


def prepare() -> None:
    """Features, the offer bank, the campaign and its audience, each made only if it is not there yet."""
    from segments.models import FeatureRun
    from segments.services import features_refresh

    if not FeatureRun.objects.exists():
        seconds = _timed(lambda: features_refresh(as_of=AS_OF, window_days=365))
        print(f"refreshed the customer features in {seconds:.1f} s")
    bank = _bank()
    campaign = _campaign()
    members = AudienceMember.objects.filter(campaign=campaign, is_control=False).count()
    print(
        f"bank: {bank['offers']} offers, {bank['quantity_caps']} with a quantity cap, {bank['budget_caps']} with "
        f"a budget cap, {bank['email_only']} on e-mail only, {bank['some_stores']} in some stores only; "
        f"campaign: one in-store treatment, best {PER_CUSTOMER}, {members:,} members"
    )


def one_job() -> None:
    campaign = Campaign.objects.get(name=CAMPAIGN)
    with override_settings(ALLOCATION_CHUNK_CUSTOMERS=2_000_000), _pieces() as pieces:
        started, cpu = time.perf_counter(), _cpu_seconds()
        run, bounds = allocation.allocation_start(campaign)
        seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    assert not bounds and run.chunks == 1
    peak = _peak_mb()
    _report("one job (one part)", run, seconds, cpu, f"{peak:,.0f} MB", pieces)


def parts() -> None:
    """The coordinator here, then the four parts on two worker processes that were started (and had set Django
    up and connected) beforehand, as two waiting workers would take the chunk jobs. The workers set Django up
    before they read this module, which needs its models."""
    campaign = Campaign.objects.get(name=CAMPAIGN)
    context = multiprocessing.get_context("spawn")
    with context.Pool(WORKERS, initializer=django.setup) as pool:
        pool.map(_worker_ready, range(WORKERS), chunksize=1)
        with override_settings(ALLOCATION_CHUNK_CUSTOMERS=PARTS_CUSTOMERS), _pieces() as pieces:
            started, cpu = time.perf_counter(), _cpu_seconds()
            run, bounds = allocation.allocation_start(campaign)
            coordinator, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
        outcomes = pool.map(_worker_part, [(run.pk, number) for number in range(len(bounds))], chunksize=1)
        seconds = time.perf_counter() - started
    run.refresh_from_db()
    assert run.status == AllocationRun.Status.PUBLISHED, run.status
    for outcome in outcomes:
        for piece, piece_seconds in outcome["pieces"].items():
            pieces[piece] += piece_seconds
    worker_peaks = {}
    for outcome in outcomes:
        worker_peaks[outcome["pid"]] = max(worker_peaks.get(outcome["pid"], 0), outcome["peak_mb"])
    peaks = ", ".join(f"{peak:,.0f}" for peak in worker_peaks.values())
    memory = f"coordinator {_peak_mb():,.0f} MB, workers {peaks} MB"
    cpu += sum(outcome["cpu_seconds"] for outcome in outcomes)
    title = f"coordinator + {len(bounds)} parts on {WORKERS} workers"
    _report(title, run, seconds, cpu, memory, pieces, coordinator=coordinator)


def _report(
    title: str,
    run: AllocationRun,
    seconds: float,
    cpu: float,
    memory: str,
    pieces: dict[str, float],
    coordinator: float | None = None,
) -> None:
    capped = [offer for offer in run.per_offer if offer["max_quantity"] is not None or offer["budget_cap_cents"]]
    binding = sum(offer["binding"] for offer in run.per_offer)
    reference = reference_seconds(run.customers, len(run.per_offer), PER_CUSTOMER, seed=1)
    print(f"\n{title} (load average over the last minute {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print(
        f"  {run.customers:,} members x {len(run.per_offer)} offers: {run.allocations:,} allocations, "
        f"value {run.value_cents / 100:,.2f}, bound {run.bound_cents / 100:,.2f}, gap {run.gap:.4%}; "
        f"{binding} of the {len(capped)} capped offers at their cap"
    )
    print(f"  {'allocation, end to end (product)':<52}{seconds:8.2f} s   peak memory {memory}")
    if coordinator is not None:
        print(f"  {'of which the coordinator (sample and prices)':<52}{coordinator:8.2f} s")
    print(f"  {'CPU time of its processes (not the database server)':<52}{cpu:8.2f} s")
    split = "  ".join(f"{piece} {pieces[piece]:.2f}" for piece in ("reading", "scoring", "solving", "writing"))
    summed = "summed over the processes, " if coordinator is not None else ""
    print(f"  time in seconds ({summed}not wall): {split}  publishing {pieces['publishing']:.2f}")
    print(f"  {'matrix product + top-3 per row (reference)':<52}{reference:8.2f} s")
    print(f"  allocation / reference = {seconds / reference:.1f}")


@contextmanager
def _pieces() -> Iterator[dict[str, float]]:
    """Seconds spent in each piece of the job while inside the block."""
    seconds: dict[str, float] = defaultdict(float)
    running: set[str] = set()

    def timing(function: Callable, piece: str) -> Callable:
        def timed_call(*args, **kwargs):
            if piece in running:  # a piece called inside itself counts once
                return function(*args, **kwargs)
            running.add(piece)
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                seconds[piece] += time.perf_counter() - started
                running.discard(piece)

        return timed_call

    with _patched([(module, name, timing(getattr(module, name), piece)) for module, name, piece in PIECES]):
        yield seconds


@contextmanager
def _patched(replacements: list[tuple]) -> Iterator[None]:
    patches = [mock.patch.object(module, name, replacement) for module, name, replacement in replacements]
    for patch in patches:
        patch.start()
    try:
        yield
    finally:
        for patch in reversed(patches):
            patch.stop()


def _worker_ready(_: int) -> int:
    connection.ensure_connection()
    time.sleep(1)  # long enough that each worker takes one
    return 0


def _worker_part(task: tuple[int, int]) -> dict:
    """One chunk job, as a worker runs it."""
    run_id, number = task
    run = AllocationRun.objects.select_related("campaign").get(pk=run_id)
    cpu = _cpu_seconds()
    with _pieces() as pieces:
        allocation.allocation_chunk(run, number)
    return {"pid": os.getpid(), "pieces": dict(pieces), "peak_mb": _peak_mb(), "cpu_seconds": _cpu_seconds() - cpu}


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _bank(seed: int = 1) -> dict[str, int]:
    """200 offers over every category and kind, imported as a user's file would be; caps on most of them are
    set well under an offer's typical demand (members x 3 / offers), so that they bind."""
    from customers.demo.retailer import CATEGORIES, STORES
    from customers.imports.run import import_file
    from offers.models import Offer

    rng = np.random.default_rng(seed)
    rows = []
    for code, name, _, unit_price in CATEGORIES:
        for number in range(OFFERS_PER_CATEGORY):
            rows.append(_offer(rng, f"BENCH-{code}-{number + 1:02d}", name, code, unit_price, len(STORES)))
    for number in range(WHOLE_RANGE):
        rows.append(_offer(rng, f"BENCH-ALL-{number + 1:02d}", "Everything", "", 20.0, len(STORES)))
    frame = pd.DataFrame(rows)
    if Offer.objects.filter(code__startswith="BENCH-").count() != len(frame):
        with TemporaryDirectory() as folder:
            path = Path(folder) / "offers.csv"
            frame.to_csv(path, index=False)
            import_file(kind="offers", path=path)
    return {
        "offers": len(frame),
        "quantity_caps": int((frame["max_quantity"] != "").sum()),
        "budget_caps": int((frame["budget_cap"] != "").sum()),
        "email_only": int((frame["channels"] == "email").sum()),
        "some_stores": int((frame["stores"] != "").sum()),
    }


def _offer(
    rng: np.random.Generator, code: str, category_name: str, category: str, unit_price: float, stores: int
) -> dict:
    kind, values, rates = KINDS[rng.integers(len(KINDS))]
    value = values[rng.integers(len(values))]
    saving = typical_saving(kind, value, unit_price)
    rate = round(float(rng.uniform(*rates)), 4)
    quantity = int(TYPICAL_DEMAND * rng.choice([0.05, 0.1, 0.2, 0.4])) if rng.random() < 0.6 else ""
    allowed = TYPICAL_DEMAND * float(rng.choice([0.1, 0.2, 0.4]))
    budget = round(rate * saving * allowed, 2) if rng.random() < 0.35 else ""  # expected cost of that many
    some_stores = ";".join(f"S{n + 1:02d}" for n in rng.choice(stores, 2, replace=False))
    return {
        "code": code,
        "name": f"{kind.capitalize()}: {category_name.lower()}",
        "kind": kind,
        "category": category,
        "value": value,
        "expected_redemption_rate": rate,
        "cost_per_redemption": round(saving, 2),
        "valid_from": "2026-01-01",
        "valid_until": "2035-12-31",
        "channels": "email" if rng.random() < 0.1 else "",
        "stores": some_stores if rng.random() < 0.08 else "",
        "max_quantity": quantity,
        "budget_cap": budget,
        "active": "yes",
    }


def _campaign() -> Campaign:
    """A draft campaign with one in-store treatment giving everyone their best three offers, no holdout and no
    global control, and its audience built once."""
    from django.contrib.auth import get_user_model

    from campaigns.services import audience_build, campaign_create, contact_policy_update, treatment_save
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
    campaign = Campaign.objects.filter(name=CAMPAIGN).first()
    if campaign is None:
        campaign = campaign_create(
            owner=marketer,
            name=CAMPAIGN,
            portfolio=portfolio,
            start_date=date(2026, 7, 6),
            end_date=date(2026, 8, 6),
            objective="traffic",
        )
        treatment_save(
            campaign=campaign,
            code="A",
            segment=everyone,
            channel="in_store",
            message_name="Your best three offers",
            holdout_share="0.000",
            without_control=True,
            offer_strategy="best_n",
            offers_per_customer=PER_CUSTOMER,
        )
    if not campaign.builds.exists():
        contact_policy_update(global_control_share="0.000")
        seconds = _timed(lambda: audience_build(campaign=campaign))
        print(f"built the audience in {seconds:.1f} s")
        with connection.cursor() as cursor:
            members_analyze(cursor, campaign.pk)
    return campaign
