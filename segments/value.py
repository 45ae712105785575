"""The BG/NBD model of repeat buying (Fader, Hardie and Lee, 2005), fitted by maximum likelihood.

Each customer is summarised by x (repeat orders), t_x (weeks from the first
to the last order) and T (weeks from the first order to the as-of date). The
fit finds r, alpha, a and b; from them come each customer's probability of
still being active and the orders to expect in the next weeks.
"""

import re
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import gammaln, hyp2f1

HORIZON = re.compile(r"^\s*(\d+)\s*([wd]?)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Horizon:
    """How far ahead purchases are expected: a whole number of days, written "26w" or "90d" (or "90")."""

    days: int

    @classmethod
    def parse(cls, text: str) -> "Horizon":
        match = HORIZON.match(text)
        if not match or int(match[1]) == 0:
            raise ValueError(f"{text!r} is not a horizon: write weeks as 26w or days as 90d.")
        return cls(days=int(match[1]) * (7 if match[2].lower() == "w" else 1))

    @property
    def weeks(self) -> float:
        return self.days / 7

    @property
    def label(self) -> str:
        """How a page names it: 26 weeks, 90 days, 1 week."""
        count, unit = (self.days // 7, "week") if self.days % 7 == 0 else (self.days, "day")
        return f"{count} {unit}{'' if count == 1 else 's'}"


@dataclass(frozen=True)
class BgNbd:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float = 0.0

    def p_active(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
        x, t_x, T = (np.asarray(value, dtype=float) for value in (x, t_x, T))
        ratio = np.exp((self.r + x) * (np.log(self.alpha + T) - np.log(self.alpha + t_x)))
        dropout = np.where(x > 0, self.a / np.maximum(self.b + x - 1, 1e-12) * ratio, 0.0)
        return 1.0 / (1.0 + dropout)

    def expected_orders(self, weeks: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
        """Orders each customer is expected to place in the next `weeks` weeks."""
        x, t_x, T = (np.asarray(value, dtype=float) for value in (x, t_x, T))
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        z = weeks / (alpha + T + weeks)
        hyper = hyp2f1(r + x, b + x, a + b + x - 1, z)
        head = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + weeks)) ** (r + x) * hyper)
        return head * self.p_active(x, t_x, T)


def log_likelihood(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Each customer's log-likelihood under (r, alpha, a, b)."""
    r, alpha, a, b = params
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    beta_part = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    stays = -(r + x) * np.log(alpha + T)
    leaves = np.where(
        x > 0,
        np.log(a) - np.log(np.maximum(b + x - 1, 1e-12)) - (r + x) * np.log(alpha + t_x),
        -np.inf,
    )
    return common + beta_part + np.logaddexp(stays, leaves)


def fit(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> BgNbd:
    """Maximum-likelihood parameters, searched on their logarithms so that they stay positive."""
    x, t_x, T = (np.asarray(value, dtype=float) for value in (x, t_x, T))
    if len(x) < 10:
        raise ValueError("The value model needs at least ten customers who bought.")

    def negative(log_params: np.ndarray) -> float:
        return -float(np.sum(log_likelihood(np.exp(log_params), x, t_x, T))) / len(x)

    best = minimize(
        negative,
        x0=np.log([0.5, max(float(np.mean(T)), 1.0), 1.0, 2.0]),
        method="Nelder-Mead",
        options={"maxiter": 4000, "xatol": 1e-6, "fatol": 1e-10},
    )
    refined = minimize(negative, best.x, method="L-BFGS-B")
    chosen = refined if refined.success and refined.fun <= best.fun else best
    r, alpha, a, b = np.exp(chosen.x)
    return BgNbd(r=r, alpha=alpha, a=a, b=b, log_likelihood=-chosen.fun * len(x))


def simulate(
    model: BgNbd, T: np.ndarray, rng: np.random.Generator, *, then_weeks: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Simulate customers watched for T weeks after their first order (for testing fits).

    Returns the repeat orders x, the time t_x of the last one, and the orders
    placed in the `then_weeks` after T (the hold-out a prediction is tested on).
    """
    T = np.asarray(T, dtype=float)
    count = len(T)
    rates = rng.gamma(model.r, 1 / model.alpha, count)
    dropout = rng.beta(model.a, model.b, count)
    x, t_x, later = np.zeros(count), np.zeros(count), np.zeros(count)
    now = np.zeros(count)
    alive = np.ones(count, dtype=bool)
    end = T + then_weeks
    while alive.any():
        index = np.flatnonzero(alive)
        candidate = now[index] + rng.exponential(1 / rates[index])
        inside = candidate < end[index]
        alive[index[~inside]] = False
        bought, when = index[inside], candidate[inside]
        watched = when < T[bought]
        x[bought[watched]] += 1
        t_x[bought[watched]] = when[watched]
        later[bought[~watched]] += 1
        now[bought] = when
        # After each repeat order the customer leaves for good with probability p.
        alive[bought[rng.random(len(bought)) < dropout[bought]]] = False
    return x, t_x, later
