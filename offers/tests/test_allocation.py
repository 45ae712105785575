"""Offer allocation against hand-made optima and against scipy's exact MILP, run whole and in chunks."""

import threading
from dataclasses import replace

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from offers.allocation import (
    SAMPLE_ITERATIONS,
    OfferProblem,
    allocate,
    allocation_limits,
    cap_shares,
    chunk_allocate,
    chunk_demand,
    chunks_combine,
    prices_find,
)

NAN = np.nan
INF = np.inf


def small_problem(value: list[list[float]], **fields: list) -> OfferProblem:
    offers = len(value[0])
    return OfferProblem(
        value=np.array(value, dtype=np.float32),
        category=np.array(fields.get("category", range(offers))),
        spend=np.array(fields.get("spend", [0.0] * offers), dtype=np.float64),
        quantity_cap=np.array(fields.get("quantity_cap", [INF] * offers), dtype=np.float64),
        budget_cap=np.array(fields.get("budget_cap", [INF] * offers), dtype=np.float64),
        per_customer=np.array(fields.get("per_customer", [1] * len(value))),
    )


def random_problem(customers: int, offers: int, seed: int) -> OfferProblem:
    """Eligibility for 40% of pairs, values mostly positive, and about half the offers capped by quantity
    and half by budget, tightly enough that a greedy allocation would break them."""
    rng = np.random.default_rng(seed)
    value = (rng.normal(1.0, 1.0, (customers, offers)) + rng.normal(0.0, 1.0, offers)).astype(np.float32)
    value[rng.random((customers, offers)) < 0.6] = NAN
    spend = rng.uniform(0.5, 3.0, offers)
    askers = (value > 0).sum(axis=0)
    quantity_cap = np.where(rng.random(offers) < 0.5, np.floor(askers * rng.uniform(0.02, 0.12, offers)), INF)
    budget_cap = np.where(rng.random(offers) < 0.5, askers * spend * rng.uniform(0.02, 0.12, offers), INF)
    return OfferProblem(
        value=value,
        category=rng.integers(0, 10, offers),
        spend=spend,
        quantity_cap=quantity_cap,
        budget_cap=budget_cap,
        per_customer=rng.integers(1, 4, customers),
    )


def exact_optimum(problem: OfferProblem) -> float:
    """The best total value, from scipy's MILP over a binary x for every eligible pair of positive value."""
    customer, offer = np.nonzero(problem.value > 0)
    pairs = np.arange(len(customer))
    ones = np.ones(len(customer))
    pair_category = customer * (problem.category.max() + 1) + problem.category[offer]
    _, customer_category = np.unique(pair_category, return_inverse=True)

    def rows(row: np.ndarray, weight: np.ndarray, count: int) -> coo_matrix:
        return coo_matrix((weight, (row, pairs)), shape=(count, len(pairs)))

    constraints = [
        LinearConstraint(rows(customer, ones, problem.customers), -INF, problem.per_customer),
        LinearConstraint(rows(customer_category, ones, customer_category.max() + 1), -INF, 1),
        LinearConstraint(rows(offer, ones, problem.offers), -INF, problem.quantity_cap),
        LinearConstraint(rows(offer, problem.spend[offer], problem.offers), -INF, problem.budget_cap),
    ]
    result = milp(
        -problem.value[customer, offer].astype(np.float64),
        constraints=constraints,
        integrality=ones,
        bounds=Bounds(0, 1),
    )
    assert result.success, result.message
    return -result.fun


def assert_keeps_every_rule(problem: OfferProblem, offers: np.ndarray) -> None:
    """No cap, budget, N, category, eligibility or positivity rule is broken by the allocation."""
    customer, slot = np.nonzero(offers >= 0)
    offer = offers[customer, slot]
    given = np.bincount(offer, minlength=problem.offers)
    assert np.all(given <= problem.quantity_cap)
    assert np.all(given * problem.spend <= problem.budget_cap + 1e-9)
    assert np.all((offers >= 0).sum(axis=1) <= problem.per_customer)
    held_value = problem.value[customer, offer]
    assert not np.isnan(held_value).any(), "an ineligible offer was given"
    assert np.all(held_value > 0), "an offer of no value was given"
    pairs = customer * (problem.category.max() + 1) + problem.category[offer]
    assert len(np.unique(pairs)) == len(pairs), "a customer got two offers of one category"


def test_it_gives_a_capped_offer_to_the_customer_who_loses_least_without_it():
    # Greedy hands offer 0 to customer 0 (10) and leaves customer 1 with offer 1 (1): 10 + 1 + 5 = 16.
    # Customer 0 loses only 1 by taking offer 1 instead, so the best is 9 + 8 + 5 = 22.
    problem = small_problem([[10, 9, NAN], [8, 1, NAN], [NAN, NAN, 5]], quantity_cap=[1, INF, INF])

    allocation = allocate(problem)

    assert allocation.offers[:, 0].tolist() == [1, 0, 2]
    assert allocation.value == pytest.approx(22)
    assert allocation.bound >= 22 - 1e-4
    assert allocation.quantity_price[0] > 0


def test_it_spends_a_budget_where_each_unit_buys_most():
    # Offer 0's budget of 4 pays for two allocations at 2 each: the customers who gain most from it get it.
    problem = small_problem(
        [[5, 3], [6, 1], [7, 6.5], [3, 2.5]],
        category=[0, 0],
        spend=[2, 0],
        budget_cap=[4, INF],
    )

    allocation = allocate(problem)

    assert allocation.offers[:, 0].tolist() == [0, 0, 1, 1]
    assert allocation.value == pytest.approx(5 + 6 + 6.5 + 2.5)
    assert allocation.spent[0] == 4
    assert allocation.budget_price[0] > 0 and allocation.quantity_price[0] == 0


def test_it_never_gives_an_offer_of_no_value_or_an_ineligible_one():
    problem = small_problem(
        [[-1, 0, NAN], [NAN, NAN, NAN], [2, NAN, 3]],
        category=[0, 1, 2],
        per_customer=[3, 3, 3],
    )

    allocation = allocate(problem)

    assert allocation.offers.tolist() == [[-1, -1, -1], [-1, -1, -1], [2, 0, -1]]
    assert allocation.value == pytest.approx(5)


def test_it_gives_at_most_n_offers_and_one_per_category():
    problem = small_problem([[9, 8, 7, 6]], category=[0, 0, 1, 2], per_customer=[2])

    allocation = allocate(problem)

    assert allocation.offers.tolist() == [[0, 2]]


# The second case finds its prices on a sample of half the customers first, as a large campaign does.
@pytest.mark.parametrize(("customers", "seed", "sample_customers"), [(2_000, 1, 32_768), (4_000, 2, 2_000)])
def test_it_comes_within_half_a_percent_of_the_exact_optimum(customers, seed, sample_customers):
    problem = random_problem(customers, 50, seed)
    optimum = exact_optimum(problem)

    allocation = allocate(problem, sample_customers=sample_customers, full_passes=3)

    uncapped = allocate(replace(problem, quantity_cap=np.full(50, INF), budget_cap=np.full(50, INF)))
    assert np.sum(uncapped.given > allocation_limits(problem)) >= 10, "the caps must bind for the test to mean much"
    assert allocation.value >= optimum * (1 - 0.005)
    assert allocation.bound >= optimum * (1 - 1e-6)
    assert allocation.gap < 0.005
    assert_keeps_every_rule(problem, allocation.offers)


def test_chunks_with_shared_prices_together_keep_the_caps_and_match_a_single_run():
    problem = random_problem(60_000, 50, 3)
    single = allocate(problem)
    prices = prices_find(problem)
    chunks = [problem.rows(start, start + 15_000) for start in range(0, 60_000, 15_000)]
    shares = cap_shares(prices, [chunk_demand(chunk, prices) for chunk in chunks], [c.customers for c in chunks])

    chunked = chunks_combine(prices, [chunk_allocate(c, prices, s) for c, s in zip(chunks, shares, strict=True)])

    assert_keeps_every_rule(problem, chunked.offers)
    assert chunked.bound == pytest.approx(single.bound, rel=1e-6)
    assert abs(chunked.value - single.value) <= single.gap * single.bound + 1e-6 * single.bound
    assert chunked.gap < 0.005


def test_the_check_runs_before_every_block_on_the_threads_and_its_error_stops_the_allocation():
    """As a job past its time limit stops: the threads check between blocks of customers."""
    problem = random_problem(100_000, 8, seed=3)  # four blocks a pass over everyone, one in the sample
    calls: list[int] = []

    class Stopped(Exception):
        pass

    def check() -> None:
        calls.append(threading.get_ident())
        if len(calls) > SAMPLE_ITERATIONS + 1:  # the second block of the full pass
            raise Stopped

    with pytest.raises(Stopped):
        allocate(problem, workers=2, check=check)
    assert set(calls[:SAMPLE_ITERATIONS]) == {threading.get_ident()}  # one block a sample iteration: no threads
    assert threading.get_ident() not in calls[SAMPLE_ITERATIONS:]
    assert len(calls) <= SAMPLE_ITERATIONS + 4  # nothing after the pass it stopped in
