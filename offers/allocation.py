"""1:1 offer allocation: which offers each customer of a treatment gets, within every offer's caps.

The problem
    `value[i, j]` is the expected value of giving offer j to customer i (NaN where j is not eligible for i).
    Each customer gets at most `per_customer[i]` offers, at most one per category, and only offers of
    positive value; offer j goes to at most `quantity_cap[j]` customers and spends at most `budget_cap[j]`,
    each allocation using `spend[j]` of it. Maximise the total value.

    Because an allocation of j spends the same `spend[j]` for every customer, j's budget cap is a cap on
    its count, `budget_cap[j] / spend[j]`; the tighter of the two is j's *allocation limit* and carries
    the offer's one price. `Prices.quantity_price` and `Prices.budget_price` say which cap it belongs to.

The method (dual prices)
    With a price `p[j] >= 0` per allocation of j, each customer's choice separates: take the best offer of
    each category at its reduced value `value - p`, then the best `per_customer[i]` of those that are
    positive. Summed over customers, plus `sum_j p[j] * limit[j]`, that is the Lagrangian dual: an upper
    bound on the best total value for any prices, reported as `bound`.

    1. `prices_find` looks for prices whose demand meets the limits: a per-offer sign step (Rprop) that
       raises the price of an offer asked for more than its limit and lowers a positive price of one asked
       for less, growing the step while the sign holds and halving it when it turns. It runs first on a
       uniform sample of customers against limits scaled by the sample's share, then for a few passes over
       every customer.
    2. `chunk_allocate` gives each customer of a chunk its choice at those prices, then repairs the
       chunk's allocation so that it keeps within its share of every limit exactly: where an offer is over,
       the holders who value it least lose it; customers who lost one are refilled, in rounds, with their
       best remaining offer of a new category that still has room.
    3. `allocate` does both for a whole problem and reports the value, the bound at the final prices on
       every customer, and the relative gap `(bound - value) / bound`.

Chunked runs
    A coordinator finds prices once, asks every chunk for its demand at them (`chunk_demand`), splits the
    limits in proportion (`cap_shares`), lets worker processes run `chunk_allocate` on their chunks, and
    adds the results up with `chunks_combine`: value is the sum of the chunks' values, bound the sum of
    their `bound_part`s plus `Prices.cap_value`. The shares add up to at most one, so the chunks together
    never pass a cap.

Every pass runs over blocks of customers (`BLOCK_CUSTOMERS` at a time, on `workers` threads: numpy
releases the GIL), so the memory beyond the value matrix stays a few blocks' worth.
"""

import math
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

BLOCK_CUSTOMERS = 32_768
SAMPLE_CUSTOMERS = 32_768
SAMPLE_ITERATIONS = 60
FULL_PASSES = 1
STEP_GROWTH = 1.2
STEP_SHRINK = 0.5
FIRST_STEP = 0.05  # of an offer's typical positive value
# Called before every block of customers, on the thread that computes it: it stops the allocation by raising
# (a job past its time limit).
Check = Callable[[], None]


@dataclass(frozen=True)
class OfferProblem:
    value: np.ndarray  # (customers, offers) float32, NaN = not eligible
    category: np.ndarray  # (offers,) int
    spend: np.ndarray  # (offers,) float >= 0, budget used by one allocation
    quantity_cap: np.ndarray  # (offers,) float, inf = none
    budget_cap: np.ndarray  # (offers,) float, inf = none
    per_customer: np.ndarray  # (customers,) int, the treatment's N

    @property
    def customers(self) -> int:
        return self.value.shape[0]

    @property
    def offers(self) -> int:
        return self.value.shape[1]

    def rows(self, start: int, stop: int) -> "OfferProblem":
        """The customers start..stop with the same offers and caps (a view: a chunk for one worker)."""
        return OfferProblem(
            self.value[start:stop],
            self.category,
            self.spend,
            self.quantity_cap,
            self.budget_cap,
            self.per_customer[start:stop],
        )


@dataclass(frozen=True)
class Prices:
    price: np.ndarray  # (offers,) value of one allocation of the offer's tighter cap; inf = never given
    limit: np.ndarray  # (offers,) allocations allowed by the tighter cap (float, inf = none)
    quantity_price: np.ndarray  # (offers,) what one more allowed customer is worth
    budget_price: np.ndarray  # (offers,) what one more unit of budget is worth
    iterations: int

    @property
    def cap_value(self) -> float:
        """The dual bound's term for the caps, sum_j price_j * limit_j."""
        return _cap_value(self.price, self.limit)


@dataclass
class ChunkResult:
    offers: np.ndarray  # (chunk customers, max N) int32 offer index, -1 = empty slot
    value: float  # total value allocated in the chunk
    bound_part: float  # sum over the chunk's customers of their best reduced value at the prices
    given: np.ndarray  # (offers,) allocations
    spent: np.ndarray  # (offers,) budget used


@dataclass
class Allocation:
    offers: np.ndarray  # (customers, max N) int32 offer index, -1 = empty slot, best first before repair
    value: float
    bound: float
    gap: float
    quantity_price: np.ndarray
    budget_price: np.ndarray
    given: np.ndarray
    spent: np.ndarray
    iterations: int
    seconds: float
    prices: Prices = field(repr=False)


@dataclass(frozen=True)
class _CategoryLayout:
    """Offers sorted by category, so that each category is one block of columns."""

    order: np.ndarray  # sorted column -> offer
    starts: np.ndarray  # first sorted column of each category
    stops: np.ndarray
    offer_category: np.ndarray  # offer -> category number 0..categories-1

    @classmethod
    def of(cls, category: np.ndarray) -> "_CategoryLayout":
        order = np.argsort(category, kind="stable")
        labels, starts, counts = np.unique(category[order], return_index=True, return_counts=True)
        offer_category = np.searchsorted(labels, category)
        return cls(order, starts, starts + counts, offer_category)

    @property
    def categories(self) -> int:
        return len(self.starts)


@dataclass(frozen=True)
class _Customers:
    """The customers a pass runs over: the problem's own value matrix, or a cleaned copy in category order.

    A sample is visited many times, so it pays to sort its offers by category and mark the ineligible
    pairs once; the whole matrix is visited a few times and is not copied.
    """

    value: np.ndarray
    per_customer: np.ndarray
    presorted: bool

    @classmethod
    def sorted_copy(cls, value: np.ndarray, per_customer: np.ndarray, layout: _CategoryLayout) -> "_Customers":
        ordered = np.take(value, layout.order, axis=1).astype(np.float32, copy=False)
        np.fmax(ordered, -np.inf, out=ordered)
        return cls(ordered, per_customer, presorted=True)

    @property
    def count(self) -> int:
        return self.value.shape[0]

    def reduced(self, start: int, stop: int, sorted_price: np.ndarray, layout: _CategoryLayout) -> np.ndarray:
        """Value minus price for customers start..stop, offers in category order, -inf where not eligible."""
        if self.presorted:
            return self.value[start:stop] - sorted_price
        reduced = np.take(self.value[start:stop], layout.order, axis=1).astype(np.float32, copy=False)
        reduced -= sorted_price
        np.fmax(reduced, -np.inf, out=reduced)  # NaN (not eligible) becomes -inf
        return reduced


@dataclass
class _Choices:
    """Each customer's best choice at given prices."""

    offers: np.ndarray  # (customers, max N) int32, -1 = empty
    reduced: np.ndarray  # (customers, max N) float32 reduced value of each slot, 0 when empty
    demand: np.ndarray  # (offers,) int64
    reduced_total: float  # the customers' part of the dual bound


def allocation_limits(problem: OfferProblem) -> np.ndarray:
    """Allocations each offer may have: the tighter of its quantity cap and its budget over its spend."""
    quantity = np.floor(np.asarray(problem.quantity_cap, dtype=np.float64))
    spend = np.asarray(problem.spend, dtype=np.float64)
    budget_cap = np.asarray(problem.budget_cap, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        by_budget = np.where(spend > 0, np.floor(budget_cap / spend + 1e-9), np.inf)
        # The division may round up across an integer: one fewer keeps count * spend within the budget.
        by_budget = np.where(np.isfinite(by_budget) & (by_budget * spend > budget_cap), by_budget - 1, by_budget)
    return np.maximum(np.minimum(quantity, by_budget), 0)


def prices_find(
    problem: OfferProblem,
    *,
    sample_customers: int = SAMPLE_CUSTOMERS,
    sample_iterations: int = SAMPLE_ITERATIONS,
    full_passes: int = FULL_PASSES,
    seed: int = 0,
    workers: int = 2,
    check: Check | None = None,
) -> Prices:
    """Prices per offer at which the customers' demand meets the limits, from a sample then full passes.

    The sample makes the many early iterations cheap; its limits are the full ones times its share, so the
    prices it finds are the whole problem's to within sampling noise, which the full passes then remove.
    """
    limit = allocation_limits(problem)
    layout = _CategoryLayout.of(problem.category)
    rng = np.random.default_rng(seed)
    if problem.customers > sample_customers:
        rows = np.sort(rng.choice(problem.customers, sample_customers, replace=False))
        sample = _Customers.sorted_copy(problem.value[rows], problem.per_customer[rows], layout)
    else:
        sample = _Customers.sorted_copy(problem.value, problem.per_customer, layout)
        full_passes, sample_iterations = 0, sample_iterations + full_passes
    everyone = _Customers(problem.value, problem.per_customer, presorted=False)
    share = sample.count / problem.customers
    price = np.where(limit < 1, np.inf, 0.0)
    step = FIRST_STEP * _typical_value(sample.value)[np.argsort(layout.order)]
    last_move = np.zeros(problem.offers)
    rounds = [(sample, limit * share)] * sample_iterations + [(everyone, limit)] * full_passes
    for customers, target in rounds:
        demand = _choose(customers, price, layout, workers, keep_choices=False, check=check).demand
        price, step, last_move = _price_step(price, step, last_move, demand, target)
    iterations = len(rounds)
    return _prices(problem, price, limit, iterations)


def chunk_demand(
    chunk_problem: OfferProblem, prices: Prices, *, workers: int = 2, check: Check | None = None
) -> np.ndarray:
    """How many of the chunk's customers would take each offer at the prices (for `cap_shares`)."""
    layout = _CategoryLayout.of(chunk_problem.category)
    customers = _Customers(chunk_problem.value, chunk_problem.per_customer, presorted=False)
    return _choose(customers, prices.price, layout, workers, keep_choices=False, check=check).demand


def cap_shares(prices: Prices, demands: list[np.ndarray], customers: list[int]) -> list[np.ndarray]:
    """Each chunk's share of every cap, in proportion to its demand at the prices (or its size if none).

    A finite limit is split into whole allocations by largest remainder, so that the chunks' rooms add up
    to the limit exactly: nothing is lost to rounding and together they never pass it.
    """
    demand = np.asarray(demands, dtype=np.float64)
    sizes = np.asarray(customers, dtype=np.float64)[:, None]
    total = demand.sum(axis=0)
    by_size = np.broadcast_to(sizes / sizes.sum(), demand.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = np.where(total > 0, demand / total, by_size)
    limit = np.where(np.isfinite(prices.limit), prices.limit, 0.0)
    exact = shares * limit
    whole = np.floor(exact)
    left_over = (limit - whole.sum(axis=0)).round().astype(np.int64)
    # The chunks with the largest remainders get the allocations that flooring left over, one each.
    by_remainder = np.argsort(-(exact - whole), axis=0, kind="stable")
    extra = np.arange(len(demands))[:, None] < left_over[None, :]
    np.put_along_axis(whole, by_remainder, np.take_along_axis(whole, by_remainder, axis=0) + extra, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        counted = np.where(limit > 0, whole / limit, 0.0)
    return list(np.where(np.isfinite(prices.limit), counted, shares))


def chunk_allocate(
    chunk_problem: OfferProblem,
    prices: Prices,
    cap_share: np.ndarray | float = 1.0,
    *,
    workers: int = 2,
    check: Check | None = None,
) -> ChunkResult:
    """The chunk's allocation at the shared prices, repaired to keep within its share of every cap."""
    layout = _CategoryLayout.of(chunk_problem.category)
    customers = _Customers(chunk_problem.value, chunk_problem.per_customer, presorted=False)
    choices = _choose(customers, prices.price, layout, workers, keep_choices=True, check=check)
    room = np.floor(np.asarray(cap_share, dtype=np.float64) * prices.limit + 1e-6)
    room = np.where(np.isfinite(prices.limit), np.minimum(room, prices.limit), np.inf)
    offers = _repair(chunk_problem, choices.offers, room, layout)
    held = offers >= 0
    given = np.bincount(offers[held], minlength=chunk_problem.offers)
    value = _allocated_value(chunk_problem.value, offers)
    return ChunkResult(
        offers=offers,
        value=value,
        bound_part=choices.reduced_total,
        given=given,
        spent=given * np.asarray(chunk_problem.spend, dtype=np.float64),
    )


def chunks_combine(prices: Prices, results: list[ChunkResult], seconds: float = 0.0) -> Allocation:
    """One allocation from the chunks' results: their values and bound parts add up."""
    width = max(result.offers.shape[1] for result in results)
    offers = np.concatenate(
        [np.pad(result.offers, ((0, 0), (0, width - result.offers.shape[1])), constant_values=-1) for result in results]
    )
    value = sum(result.value for result in results)
    bound = sum(result.bound_part for result in results) + prices.cap_value
    return Allocation(
        offers=offers,
        value=value,
        bound=bound,
        gap=_gap(value, bound),
        quantity_price=prices.quantity_price,
        budget_price=prices.budget_price,
        given=sum(result.given for result in results),
        spent=sum(result.spent for result in results),
        iterations=prices.iterations,
        seconds=seconds,
        prices=prices,
    )


def allocate(
    problem: OfferProblem, *, workers: int = 2, seed: int = 0, check: Check | None = None, **price_options: int
) -> Allocation:
    """The allocation of a whole problem in this process: prices, then the repaired choice at them."""
    started = time.perf_counter()
    prices = prices_find(problem, workers=workers, seed=seed, check=check, **price_options)
    result = chunk_allocate(problem, prices, 1.0, workers=workers, check=check)
    return chunks_combine(prices, [result], seconds=time.perf_counter() - started)


def _prices(problem: OfferProblem, price: np.ndarray, limit: np.ndarray, iterations: int) -> Prices:
    """The offer prices split by the cap that set each offer's limit."""
    quantity = np.floor(np.asarray(problem.quantity_cap, dtype=np.float64))
    spend = np.asarray(problem.spend, dtype=np.float64)
    priced = np.isfinite(price) & (price > 0)
    by_quantity = priced & (quantity <= limit)
    by_budget = priced & ~by_quantity & (spend > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        budget_price = np.where(by_budget, price / spend, 0.0)
    return Prices(
        price=price,
        limit=limit,
        quantity_price=np.where(by_quantity, price, 0.0),
        budget_price=budget_price,
        iterations=iterations,
    )


def _price_step(
    price: np.ndarray, step: np.ndarray, last_move: np.ndarray, demand: np.ndarray, target: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One Rprop move: every price goes up if its offer is over its limit, down if under and priced.

    Only the sign of the excess counts, so an offer with a small limit moves as surely as a large one, and
    the step adapts per offer: it grows while the direction holds and halves when the price overshoots.
    """
    excess = demand - target
    move = np.sign(excess) * (np.abs(excess) > 0.5)
    move = np.where((price <= 0) & (move < 0), 0.0, move)
    move = np.where(np.isfinite(target) & np.isfinite(price), move, 0.0)
    agreement = move * last_move
    step = np.where(agreement > 0, step * STEP_GROWTH, np.where(agreement < 0, step * STEP_SHRINK, step))
    with np.errstate(invalid="ignore"):
        new_price = np.where(np.isfinite(price), np.maximum(price + step * move, 0.0), price)
    # After a turn, the next move starts afresh rather than shrinking the step twice.
    return new_price, step, np.where(agreement < 0, 0.0, move)


def _typical_value(value: np.ndarray) -> np.ndarray:
    """Each offer's mean positive value, the scale of its price (the overall mean where it has none)."""
    positive = np.where(value > 0, value, 0.0).astype(np.float64)
    counts = (value > 0).sum(axis=0)
    overall = positive.sum() / max(counts.sum(), 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_offer = positive.sum(axis=0) / counts
    return np.where(counts > 0, per_offer, overall if overall > 0 else 1.0)


def _blocks(customers: int) -> Iterator[tuple[int, int]]:
    for start in range(0, customers, BLOCK_CUSTOMERS):
        yield start, min(start + BLOCK_CUSTOMERS, customers)


def _in_blocks(customers: int, workers: int, work: Callable[[int, int], object], check: Check | None) -> list:
    """`work` on every block of customers, on `workers` threads; `check` runs before each block on the thread
    that takes it, so that raising there stops every thread within a block."""

    def checked(block: tuple[int, int]) -> object:
        if check is not None:
            check()
        return work(*block)

    blocks = list(_blocks(customers))
    if workers <= 1 or len(blocks) == 1:
        return [checked(block) for block in blocks]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(checked, blocks))


def _choose(
    customers: "_Customers",
    price: np.ndarray,
    layout: _CategoryLayout,
    workers: int,
    *,
    keep_choices: bool,
    check: Check | None = None,
) -> _Choices:
    """Every customer's best offers at the prices: the separable subproblem of the dual."""
    width = int(customers.per_customer.max(initial=0))
    sorted_price = price[layout.order].astype(np.float32)
    offer_count = len(layout.order)

    def block(start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        reduced = customers.reduced(start, stop, sorted_price, layout)
        return _choose_block(reduced, customers.per_customer[start:stop], layout, width)

    parts = _in_blocks(customers.count, workers, block, check)
    demand = np.zeros(offer_count, dtype=np.int64)
    reduced_total = 0.0
    for offers, reduced in parts:
        demand += np.bincount(offers[offers >= 0], minlength=offer_count)
        reduced_total += float(reduced.sum(dtype=np.float64))
    if keep_choices and parts:
        offers = np.concatenate([offers for offers, _ in parts])
        reduced = np.concatenate([reduced for _, reduced in parts])
    else:
        offers = reduced = np.empty((0, width))
    return _Choices(offers, reduced, demand, reduced_total)


def _choose_block(
    reduced: np.ndarray, per_customer: np.ndarray, layout: _CategoryLayout, width: int
) -> tuple[np.ndarray, np.ndarray]:
    """The best offer of each category, then the best `per_customer` positive ones, for a block of customers.

    `reduced` holds the block's reduced values with the offers in category order, -inf where not eligible.
    """
    customers = reduced.shape[0]
    categories = layout.categories
    if categories == reduced.shape[1]:
        best, pick = reduced, None
    else:
        best = np.empty((customers, categories), dtype=np.float32)
        pick = np.empty((customers, categories), dtype=np.int32)
        everyone = np.arange(customers)
        for number, (start, stop) in enumerate(zip(layout.starts, layout.stops, strict=True)):
            column = start + np.argmax(reduced[:, start:stop], axis=1) if stop - start > 1 else start
            pick[:, number] = column
            best[:, number] = reduced[everyone, column]
    taken = min(width, categories)
    if taken < categories:
        top = np.argpartition(best, categories - taken, axis=1)[:, categories - taken :]
    else:
        top = np.broadcast_to(np.arange(categories), (customers, categories))
    top_value = np.take_along_axis(best, top, axis=1)
    best_first = np.argsort(-top_value, axis=1)
    top = np.take_along_axis(top, best_first, axis=1)
    top_value = np.take_along_axis(top_value, best_first, axis=1)
    column = top if pick is None else np.take_along_axis(pick, top, axis=1)
    kept = (top_value > 0) & (np.arange(taken) < per_customer[:, None])
    offers = np.full((customers, width), -1, dtype=np.int32)
    offers[:, :taken] = np.where(kept, layout.order[column], -1)
    slot_value = np.zeros((customers, width), dtype=np.float32)
    slot_value[:, :taken] = np.where(kept, top_value, 0)
    return offers, slot_value


def _allocated_value(value: np.ndarray, offers: np.ndarray) -> float:
    held = offers >= 0
    customers = np.nonzero(held)[0]
    return float(value[customers, offers[held]].sum(dtype=np.float64))


def _repair(problem: OfferProblem, offers: np.ndarray, room: np.ndarray, layout: _CategoryLayout) -> np.ndarray:
    """The allocation brought within `room` per offer: drop the weakest holders, then refill their slots."""
    offers = offers.copy()
    customer, slot = np.nonzero(offers >= 0)
    offer = offers[customer, slot]
    given = np.bincount(offer, minlength=problem.offers)
    over = np.maximum(given - room, 0)
    if not over.any():
        return offers
    held_value = problem.value[customer, offer]
    # Holders of each offer from the lowest value up: the first `over` of them lose it.
    order = np.lexsort((held_value, offer))
    rank = np.arange(len(order)) - np.searchsorted(offer[order], offer[order])
    dropped = order[rank < over[offer[order]]]
    offers[customer[dropped], slot[dropped]] = -1
    left = room - np.bincount(offer, minlength=problem.offers) + np.bincount(offer[dropped], minlength=problem.offers)
    _refill(problem, offers, np.unique(customer[dropped]), left, layout)
    return offers


def _refill(
    problem: OfferProblem, offers: np.ndarray, customers: np.ndarray, room: np.ndarray, layout: _CategoryLayout
) -> None:
    """Give customers who lost an offer their best remaining one, in rounds, while offers have room.

    Each round every such customer with a free slot asks for the best offer it may still take; an offer
    asked for by more customers than its room takes the ones who value it most, and the others ask for
    their next best in the next round. Each round fills an offer or ends the refilling, so there are at
    most as many rounds as offers, each vectorised over the customers.
    """
    if len(customers) == 0:
        return
    mine = offers[customers]
    candidate = problem.value[customers].astype(np.float32, copy=True)
    candidate[~(candidate > 0)] = -np.inf
    held_category = np.zeros((len(customers), layout.categories), dtype=bool)
    holder, held_slot = np.nonzero(mine >= 0)
    held_category[holder, layout.offer_category[mine[holder, held_slot]]] = True
    candidate[held_category[:, layout.offer_category]] = -np.inf
    free = (mine < 0) & (np.arange(mine.shape[1]) < problem.per_customer[customers][:, None])
    room = room.copy()
    while True:
        candidate[:, room < 1] = -np.inf
        asking = np.nonzero(free.any(axis=1) & np.isfinite(candidate.max(axis=1, initial=-np.inf)))[0]
        if len(asking) == 0:
            break
        wanted = np.argmax(candidate[asking], axis=1)
        wanted_value = candidate[asking, wanted]
        order = np.lexsort((-wanted_value, wanted))
        rank = np.arange(len(order)) - np.searchsorted(wanted[order], wanted[order])
        accepted = order[rank < room[wanted[order]]]
        granted, offer = asking[accepted], wanted[accepted]
        first_free = np.argmax(free[granted], axis=1)
        mine[granted, first_free] = offer
        free[granted, first_free] = False
        room -= np.bincount(offer, minlength=problem.offers)
        same_category = layout.offer_category[offer][:, None] == layout.offer_category[None, :]
        candidate[granted] = np.where(same_category, -np.inf, candidate[granted])
    offers[customers] = mine


def _cap_value(price: np.ndarray, limit: np.ndarray) -> float:
    counted = np.isfinite(price) & np.isfinite(limit) & (limit > 0)
    return float(np.sum(price[counted] * limit[counted]))


def _gap(value: float, bound: float) -> float:
    return (bound - value) / bound if bound > 0 and math.isfinite(bound) else 0.0
