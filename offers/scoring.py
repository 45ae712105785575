"""How much each offer is worth to each customer: pure numpy over blocks of customers, no database.

The formula, as the offer bank's "How offers are scored" page explains it to marketers:

    affinity     how much the customer buys in the offer's category: 0.7 x their share of spend in it
                 + 0.3 x exp(-days since their last purchase in it / 90); 0.5 for an offer on the whole range
    appeal       what the offer saves them against what they usually spend: saving = percent off, or the amount
                 or gift value over their average order, or 1% per extra points multiple, or half for buy one
                 get one; appeal = 0.6 + 0.8 x min(saving / 20%, 1), from 0.6 to 1.4
    measured     once past campaigns gave the offer (or its category) to customers of the same lifecycle stage,
                 their redemption rate over the offer's expected one, shrunk towards 1 while few were given
    probability  expected redemption rate x (0.4 + 1.2 x affinity) x appeal x measured, at most 95%
    value        probability x (the order's margin - the cost per redemption), the order's margin being the
                 customer's average order times the category's margin rate (the customer's own otherwise)

An offer is eligible for a customer when it is active, valid on the send date, allowed on the treatment's
channel and redeemable in the customer's home store (an offer limited to some stores is not eligible for a
customer without a home store); the rest are NaN, never allocated.
"""

from dataclasses import dataclass

import numpy as np

KINDS = ["percent_off", "amount_off", "points", "gift", "bogo"]
SHARE_WEIGHT, RECENCY_WEIGHT, RECENCY_DAYS = 0.7, 0.3, 90.0
WHOLE_RANGE_AFFINITY = 0.5
FULL_APPEAL_SAVING = 0.2
MAX_PROBABILITY = 0.95
SHRINK_GIVEN = 200  # measured rates count as much as the expected one once this many were given


@dataclass(frozen=True)
class Offers:
    """The offers in play, one entry per offer."""

    kind: np.ndarray  # index into KINDS
    category: np.ndarray  # column of the customers' category arrays, -1 for the whole range
    value: np.ndarray  # percent (15), amount or gift value in cents, or points multiple (2)
    rate: np.ndarray  # expected redemption rate
    cost_cents: np.ndarray  # cost per redemption
    margin_rate: np.ndarray  # of the offer's category; NaN for the whole range

    @property
    def spend(self) -> np.ndarray:
        """The budget one allocation uses: the expected redemption cost at the offer's expected rate."""
        return self.rate * self.cost_cents


@dataclass(frozen=True)
class Customers:
    """The members to score, one row per member."""

    aov_cents: np.ndarray  # average order value (float; NaN without orders)
    margin_rate: np.ndarray  # the customer's own margin over revenue (NaN unknown)
    share: np.ndarray  # (customers, categories) share of spend per category
    last_days: np.ndarray  # (customers, categories) days since the last purchase in the category, inf if never
    stage: np.ndarray  # index into the measured array's rows
    eligible_group: np.ndarray  # index into `Eligibility.allowed`: the member's treatment and home store

    def rows(self, start: int, stop: int) -> "Customers":
        return Customers(
            self.aov_cents[start:stop],
            self.margin_rate[start:stop],
            self.share[start:stop],
            self.last_days[start:stop],
            self.stage[start:stop],
            self.eligible_group[start:stop],
        )


@dataclass(frozen=True)
class Scored:
    """Every part of the score of a block of customers (customers x offers), for the "why this offer" view."""

    affinity: np.ndarray
    saving: np.ndarray
    appeal: np.ndarray
    measured: np.ndarray
    probability: np.ndarray
    order_margin_cents: np.ndarray
    value: np.ndarray  # NaN where not eligible


def measured_multiplier(
    given: np.ndarray,
    redeemed: np.ndarray,
    category_given: np.ndarray,
    category_redeemed: np.ndarray,
    rate: np.ndarray,
) -> np.ndarray:
    """(stages, offers): measured redemption over expected, shrunk towards 1.

    The offer's own record counts first; where it has none, its category's in the stage does. Each is
    blended with the expected rate as if SHRINK_GIVEN customers had redeemed at it.
    """
    own = given > 0
    given = np.where(own, given, category_given).astype(float)
    redeemed = np.where(own, redeemed, category_redeemed).astype(float)
    expected = np.maximum(rate, 1e-6)[None, :]
    shrunk = (redeemed + SHRINK_GIVEN * expected) / (given + SHRINK_GIVEN)
    return (shrunk / expected).astype(np.float32)


def score(customers: Customers, offers: Offers, measured: np.ndarray, allowed: np.ndarray) -> Scored:
    """Every part of every customer's score for every offer (one block of customers at a time)."""
    n = len(customers.aov_cents)
    typical_aov = np.nanmedian(customers.aov_cents) if np.isfinite(customers.aov_cents).any() else 5_000.0
    aov = np.where(np.isfinite(customers.aov_cents) & (customers.aov_cents > 0), customers.aov_cents, typical_aov)
    aov = aov.astype(np.float32)[:, None]

    in_category = offers.category >= 0
    columns = np.where(in_category, offers.category, 0)
    # Affinity depends on the offer's category only: worked out per category, then spread over its offers.
    by_category = SHARE_WEIGHT * customers.share + RECENCY_WEIGHT * np.exp(-customers.last_days / RECENCY_DAYS)
    affinity = by_category[:, columns] if by_category.shape[1] else np.zeros((n, len(columns)), np.float32)
    affinity = np.where(in_category[None, :], affinity, WHOLE_RANGE_AFFINITY).astype(np.float32, copy=False)

    kind = offers.kind[None, :]
    value = offers.value.astype(np.float32)[None, :]
    # Only amounts off and gifts save something that depends on the customer (their average order).
    same_for_all = np.select([kind == 0, kind == 2, kind == 4], [value / 100, (value - 1) * 0.01, np.float32(0.5)])
    saving = np.where((kind == 1) | (kind == 3), value / aov, same_for_all)
    saving = np.clip(saving, 0, 1).astype(np.float32, copy=False)
    appeal = (0.6 + 0.8 * np.minimum(saving / FULL_APPEAL_SAVING, 1)).astype(np.float32, copy=False)

    measured_part = measured[customers.stage]
    probability = offers.rate.astype(np.float32)[None, :] * (0.4 + 1.2 * affinity) * appeal * measured_part
    probability = np.minimum(probability, MAX_PROBABILITY).astype(np.float32, copy=False)

    own_rate = np.where(np.isfinite(customers.margin_rate), customers.margin_rate, 0.3).astype(np.float32)[:, None]
    rate = np.where(np.isfinite(offers.margin_rate), offers.margin_rate, np.nan).astype(np.float32)[None, :]
    margin_rate = np.where(np.isfinite(rate), rate, own_rate)
    order_margin = aov * margin_rate
    worth = probability * (order_margin - offers.cost_cents.astype(np.float32)[None, :])
    worth = np.where(allowed[customers.eligible_group], worth, np.nan).astype(np.float32, copy=False)
    return Scored(affinity, saving, appeal, measured_part, probability, order_margin, worth)


def values(
    customers: Customers, offers: Offers, measured: np.ndarray, allowed: np.ndarray, *, block: int = 65_536
) -> np.ndarray:
    """The (customers, offers) float32 matrix of expected values, NaN where not eligible, built block by block."""
    out = np.empty((len(customers.aov_cents), len(offers.kind)), np.float32)
    for start in range(0, len(out), block):
        stop = min(start + block, len(out))
        out[start:stop] = score(customers.rows(start, stop), offers, measured, allowed).value
    return out
