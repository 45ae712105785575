"""Offer allocation at 1M customers x 200 offers, beside a bare numpy scoring of the same size.

Runs without Django or a database: `.venv/bin/python -m bench.offers` (or `bench/run.py offers`, which runs
this in a process of its own so that the peak memory is the allocation's).
"""

import argparse
import resource
import time
import tracemalloc

import numpy as np

from offers.allocation import OfferProblem, allocate, allocation_limits

RANK = 32
CATEGORIES = 20
GENERATION_BLOCK = 65_536


def synthetic_problem(customers: int, offers: int, per_customer: int, seed: int) -> OfferProblem:
    """Low-rank customer-by-offer scores plus noise, a fifth of the pairs ineligible, tight caps on most offers.

    Caps are set against the demand of an uncapped campaign (about per_customer / CATEGORIES of customers
    ask for each offer), so that most of them bind.
    """
    rng = np.random.default_rng(seed)
    taste = rng.standard_normal((RANK, offers), dtype=np.float32) / np.sqrt(RANK)
    appeal = rng.normal(0.0, 0.5, offers).astype(np.float32)
    value = np.empty((customers, offers), dtype=np.float32)
    for start in range(0, customers, GENERATION_BLOCK):
        stop = min(start + GENERATION_BLOCK, customers)
        block = rng.standard_normal((stop - start, RANK), dtype=np.float32) @ taste
        block += appeal
        block += 0.5 * rng.standard_normal(block.shape, dtype=np.float32)
        block[rng.random(block.shape, dtype=np.float32) < 0.2] = np.nan
        value[start:stop] = block
    category = rng.permutation(np.arange(offers) % CATEGORIES)
    spend = rng.uniform(0.05, 0.5, offers)
    typical_demand = customers * per_customer / offers
    quantity_cap = np.where(rng.random(offers) < 0.6, np.floor(typical_demand * rng.uniform(0.2, 1.5, offers)), np.inf)
    budget_cap = np.where(rng.random(offers) < 0.4, typical_demand * spend * rng.uniform(0.2, 1.5, offers), np.inf)
    return OfferProblem(
        value=value,
        category=category,
        spend=spend,
        quantity_cap=quantity_cap,
        budget_cap=budget_cap,
        per_customer=np.full(customers, per_customer, dtype=np.int32),
    )


def reference_seconds(customers: int, offers: int, per_customer: int, seed: int) -> float:
    """The floor: one float32 scoring product of the same size and a top-N per row, no caps."""
    rng = np.random.default_rng(seed)
    features = rng.standard_normal((customers, RANK), dtype=np.float32)
    weights = rng.standard_normal((RANK, offers), dtype=np.float32)
    started = time.perf_counter()
    scores = features @ weights
    top = np.argpartition(scores, offers - per_customer, axis=1)[:, offers - per_customer :]
    seconds = time.perf_counter() - started
    assert top.shape == (customers, per_customer)
    return seconds


def main(customers: int = 1_000_000, offers: int = 200, per_customer: int = 3, seed: int = 1) -> None:
    started = time.perf_counter()
    problem = synthetic_problem(customers, offers, per_customer, seed)
    print(f"generated {customers:,} customers x {offers} offers in {time.perf_counter() - started:.1f} s")
    data_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tracemalloc.start()
    allocation = allocate(problem)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    process_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    reference = reference_seconds(customers, offers, per_customer, seed)

    limit = allocation_limits(problem)
    binding = int(np.sum(np.isfinite(limit) & (allocation.given >= limit)))
    capped = int(np.sum(np.isfinite(limit)))
    print(
        f"offers with a cap: {capped}, at their cap: {binding}; allocations {int(allocation.given.sum()):,}; "
        f"price iterations {allocation.iterations}"
    )
    print(f"value {allocation.value:,.1f}   bound {allocation.bound:,.1f}   gap {allocation.gap:.4%}")
    print(f"{'allocation (product)':<48}{allocation.seconds:8.2f} s")
    print(f"{'matrix product + top-3 per row (reference)':<48}{reference:8.2f} s")
    print(f"allocation / reference = {allocation.seconds / reference:.1f}")
    print(
        f"peak memory: process {process_peak:,.0f} MB (value matrix and generation {data_peak:,.0f} MB), "
        f"allocation's own arrays {traced_peak / 2**20:,.0f} MB beyond the value matrix"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--offers", type=int, default=200)
    parser.add_argument("--per-customer", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args()
    main(arguments.customers, arguments.offers, arguments.per_customer, arguments.seed)
