"""The statistics of campaign results, from one row per audience member: pure frame-in, frame-out, no database.

Every test statistic comes from statsmodels or scipy: a two-proportion z-test
for response rates; for orders, events, revenue and margin per member Welch's
t-test, or as a campaign chooses Student's t-test or a bootstrap percentile
interval; Holm's correction where several treatments meet one control.
"""

import math

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from reporting.payload import CellSummary, Comparison, Difference, HeadToHead, ProfitAndLoss

MEMBER_COLUMNS = [
    "customer_id",
    "treatment_id",
    "is_control",
    "stage_id",
    "responded",
    "orders",
    "revenue_cents",
    "margin_cents",
    "redemptions",
    "response_day",
    "events",
    "unmargined_cents",
    "offer_cost_cents",
    "channels",  # the channels a member of a treatment on several is reached on, joined with "+"
]
SIGNIFICANCE = 0.05
RESAMPLES = 2000  # bootstrap resamples: p-values down to 1 / 2,001


def _number(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def cell_summary(members: pd.DataFrame) -> CellSummary:
    """Members, responders and money of one cell (treatment or control)."""
    count = len(members)
    summary: dict = {
        "members": count,
        "responders": int(members["responded"].sum()),
        "orders": int(members["orders"].sum()),
        "revenue_cents": int(members["revenue_cents"].sum()),
        "margin_cents": int(members["margin_cents"].sum()),
        "redemptions": int(members["redemptions"].sum()),
        "events": int(members["events"].sum()),
        "margin_unknown_revenue_cents": int(members["unmargined_cents"].sum()),
        "offer_cost_cents": int(members["offer_cost_cents"].sum()),
    }
    for name in ("responders", "orders", "events", "revenue_cents", "margin_cents"):
        summary[f"{name}_per_member"] = summary[name] / count if count else None
    summary["response_rate"] = summary.pop("responders_per_member")
    return CellSummary(**summary)


Z = stats.norm.ppf(1 - SIGNIFICANCE / 2)  # a 95% interval spans this many standard errors either side


def wald(difference: float, error: float) -> Difference:
    """A difference's two-sided z-test and 95% interval from one standard error, so they never disagree."""
    if error == 0:  # nothing varies: the difference is certain
        p_value, low, high = (1.0 if difference == 0 else 0.0), difference, difference
    else:
        p_value = 2 * stats.norm.sf(abs(difference) / error)
        low, high = difference - Z * error, difference + Z * error
    return {"difference": difference, "low": _number(low), "high": _number(high), "p_value": _number(p_value)}


def combined_error(intervals: list[tuple[float, float]]) -> float:
    """The standard error of a sum or difference of independent estimates, from their 95% intervals.

    Each half-width is taken for Z standard errors (a Welch interval is a little wider on small cells), and
    the errors add in quadrature.
    """
    return math.sqrt(sum(((high - low) / (2 * Z)) ** 2 for low, high in intervals))


def rate_difference(treated: pd.DataFrame, control: pd.DataFrame) -> Difference:
    """Treatment minus control response rate, its 95% Wald interval and the two-sided z-test on the same
    (unpooled) standard error: the interval leaves zero out exactly when p < 0.05, so the two never disagree."""
    counts = [int(treated["responded"].sum()), int(control["responded"].sum())]
    sizes = [len(treated), len(control)]
    if min(sizes) == 0:
        return {"difference": None, "low": None, "high": None, "p_value": None}
    rates = [count / size for count, size in zip(counts, sizes, strict=True)]
    difference = rates[0] - rates[1]
    return wald(difference, math.sqrt(sum(rate * (1 - rate) / size for rate, size in zip(rates, sizes, strict=True))))


def mean_difference(treated: pd.Series, control: pd.Series, *, method: str = "welch", seed: int = 0) -> Difference:
    """Treatment minus control mean, its 95% confidence interval and p-value by `method` (a key of
    reporting.payload.MEAN_TESTS)."""
    if len(treated) < 2 or len(control) < 2:
        return {"difference": None, "low": None, "high": None, "p_value": None}
    difference = float(treated.mean() - control.mean())
    if treated.var() == 0 and control.var() == 0:
        return {"difference": difference, "low": difference, "high": difference, "p_value": 1.0}
    samples = treated.to_numpy(float), control.to_numpy(float)
    if method == "bootstrap":
        low, high, p_value = _bootstrap(*samples, seed=seed)
    else:
        result = stats.ttest_ind(*samples, equal_var=method == "student")
        interval = result.confidence_interval(confidence_level=1 - SIGNIFICANCE)
        low, high, p_value = interval.low, interval.high, result.pvalue
    return {"difference": difference, "low": _number(low), "high": _number(high), "p_value": _number(p_value)}


def _bootstrap(treated: np.ndarray, control: np.ndarray, *, seed: int) -> tuple[float, float, float]:
    """The percentile interval of the difference in means over RESAMPLES resamples of each cell, and the
    two-sided p-value read from the same resamples (the smallest level at which the interval leaves zero out)."""

    def difference(x: np.ndarray, y: np.ndarray, axis: int) -> np.ndarray:
        return x.mean(axis=axis) - y.mean(axis=axis)

    # Resamples are drawn in batches: a whole campaign's members times 2,000 would not fit in memory.
    batch = max(1, min(RESAMPLES, 20_000_000 // (len(treated) + len(control))))
    result = stats.bootstrap(
        (treated, control),
        difference,
        n_resamples=RESAMPLES,
        batch=batch,
        vectorized=True,
        method="percentile",
        confidence_level=1 - SIGNIFICANCE,
        rng=np.random.default_rng(seed),
    )
    draws = result.bootstrap_distribution
    tail = min(int((draws <= 0).sum()), int((draws >= 0).sum()))
    p_value = min(1.0, 2 * (tail + 1) / (RESAMPLES + 1))
    return result.confidence_interval.low, result.confidence_interval.high, p_value


MEAN_METRICS = {
    "orders_per_member": "orders",
    "events_per_member": "events",
    "revenue_per_member": "revenue_cents",
    "margin_per_member": "margin_cents",
}


def compare_cells(members: pd.DataFrame, *, method: str = "welch", seed: int = 0) -> Comparison:
    """Treatment against control for one group of members (a treatment, a stage, a segment)."""
    treated, control = members[~members["is_control"]], members[members["is_control"]]
    comparison = {
        "treatment": cell_summary(treated),
        "control": cell_summary(control),
        "response_rate": rate_difference(treated, control),
    }
    for key, column in MEAN_METRICS.items():
        comparison[key] = mean_difference(treated[column], control[column], method=method, seed=seed)
    return comparison


def adjust_p_values(differences: list[Difference], method: str) -> None:
    """Add each difference's p-value adjusted for all of them (`p_adjusted`), by Holm's step-down method, which
    keeps the chance of any false positive among them at 5% without assuming anything about their dependence."""
    measured = [difference for difference in differences if difference.get("p_value") is not None]
    for difference in differences:
        difference["p_adjusted"] = None
    if method != "holm" or not measured:
        return
    adjusted = multipletests([difference["p_value"] for difference in measured], method="holm")[1]
    for difference, p_value in zip(measured, adjusted, strict=True):
        difference["p_adjusted"] = float(p_value)


def decisive_p(difference: Difference) -> float | None:
    """The p-value a verdict rests on: the adjusted one where the results adjust for several comparisons."""
    adjusted = difference.get("p_adjusted")
    return adjusted if adjusted is not None else difference["p_value"]


def profit_and_loss(
    comparison: Comparison, *, cost_per_contact_cents: int, cost_per_redemption_cents: int
) -> ProfitAndLoss:
    """Incremental responders, revenue and margin over the treated members, the costs, net P&L and ROI."""
    treated = comparison["treatment"]["members"]

    def scaled(difference: float | None) -> float:
        return difference * treated if difference is not None else 0.0

    contact_cost = treated * cost_per_contact_cents
    # What the redeemed offers cost (each best offer its own cost); results stored before that was counted
    # per member priced every redemption at the treatment's cost.
    treated_cell = comparison["treatment"]
    offer_cost = treated_cell.get("offer_cost_cents", treated_cell["redemptions"] * cost_per_redemption_cents)
    margin = comparison["margin_per_member"]
    incremental_margin = scaled(margin["difference"])
    net = incremental_margin - contact_cost - offer_cost
    costs = contact_cost + offer_cost
    # The costs are known: the net P&L is as uncertain as the incremental margin, shifted by them.
    low = scaled(margin["low"]) - costs if margin["low"] is not None else None
    high = scaled(margin["high"]) - costs if margin["high"] is not None else None
    return {
        "incremental_responders": scaled(comparison["response_rate"]["difference"]),
        "incremental_revenue_cents": scaled(comparison["revenue_per_member"]["difference"]),
        "incremental_margin_cents": incremental_margin,
        "contact_cost_cents": contact_cost,
        "offer_cost_cents": offer_cost,
        "net_cents": net,
        "net_low_cents": low,
        "net_high_cents": high,
        "roi": net / costs if costs else None,
        "roi_low": low / costs if costs and low is not None else None,
        "roi_high": high / costs if costs and high is not None else None,
    }


def net_interval(treatments: list[ProfitAndLoss]) -> tuple[float | None, float | None]:
    """The 95% interval of the campaign's net P&L, the sum of its treatments' independent ones."""
    if not treatments or any(row["net_low_cents"] is None for row in treatments):
        return None, None
    error = combined_error([(row["net_low_cents"], row["net_high_cents"]) for row in treatments])
    net = sum(row["net_cents"] for row in treatments)
    return net - Z * error, net + Z * error


def head_to_head(a: pd.DataFrame, b: pd.DataFrame, *, outright: bool = False) -> HeadToHead:
    """Two treatments compared by what each added: its response rate less its control's.

    Treatments sent to different segments start from different rates, so their raw rates say nothing about
    which worked better; their lifts do. The difference of the two lifts gets a Wald interval and z-test on
    the two lifts' standard errors added in quadrature. With `outright`, the two were randomised over one
    population and measured against one control by one definition: the control then cancels out of the
    difference of lifts, which is the difference of their rates, compared outright. `verdict` names a winner.
    """
    result = HeadToHead(
        difference=None,
        low=None,
        high=None,
        p_value=None,
        winner=None,
        more_members_needed=None,
        standard_error=None,
        members=len(a) + len(b),
        outright=outright,
    )
    if outright:
        treated = [cells[~cells["is_control"]] for cells in (a, b)]
        result["members"] = len(treated[0]) + len(treated[1])
        if min(len(cells) for cells in treated) == 0:
            return result
        rates = [float(cells["responded"].mean()) for cells in treated]
        difference = rates[0] - rates[1]
        error = math.sqrt(sum(rate * (1 - rate) / len(cells) for rate, cells in zip(rates, treated, strict=True)))
    else:
        lifts = [rate_difference(cells[~cells["is_control"]], cells[cells["is_control"]]) for cells in (a, b)]
        if any(lift["difference"] is None for lift in lifts):
            return result  # a treatment without a control has no lift to compare
        difference = lifts[0]["difference"] - lifts[1]["difference"]
        error = combined_error([(lift["low"], lift["high"]) for lift in lifts])
    result.update(wald(difference, error))
    result["standard_error"] = error
    return verdict(result)


def verdict(duel: HeadToHead, *, power: float = 0.8) -> HeadToHead:
    """A winner when the difference is significant (after any adjustment); while it is not, how many more
    members (in the same proportions) would show a difference this large with the given power."""
    duel["winner"], duel["more_members_needed"] = None, None
    difference, error, p_value = duel["difference"], duel["standard_error"], decisive_p(duel)
    if difference is None or p_value is None or difference == 0:
        return duel
    if p_value < SIGNIFICANCE:
        duel["winner"] = "a" if difference > 0 else "b"
    elif error:
        # The standard error shrinks with the square root of the members: find the growth that would make
        # this difference significant with the given power.
        wanted = abs(difference) / (Z + stats.norm.ppf(power))
        duel["more_members_needed"] = max(0, math.ceil(duel["members"] * ((error / wanted) ** 2 - 1)))
    return duel


def cumulative_response(members: pd.DataFrame, days: int) -> dict[str, list[float]]:
    """Share of each cell that had responded by each day since contact (day 0 is the contact day)."""
    curves = {}
    for name, cell in (("treatment", members[~members["is_control"]]), ("control", members[members["is_control"]])):
        first_days = cell.loc[cell["responded"], "response_day"].clip(lower=0)
        counts = np.bincount(first_days.astype(int), minlength=days)[:days]
        curves[name] = (np.cumsum(counts) / len(cell)).round(6).tolist() if len(cell) else []
    return curves


def offer_results(members: pd.DataFrame, offers: pd.DataFrame, *, method: str = "welch", seed: int = 0) -> list[dict]:
    """Per treatment and offer: how many were given it and redeemed it, and the margin per member of those
    given it against the treatment's control. Members were not randomised between offers (each got the offers
    scored best for them), so an offer's difference mixes what the offer did with who was given it."""
    if offers.empty:
        return []
    rows = []
    treated = members[~members["is_control"]].set_index("customer_id")["margin_cents"]
    for (treatment_id, code), group in offers.groupby(["treatment_id", "code"], sort=True):
        control = members[(members["treatment_id"] == treatment_id) & members["is_control"]]["margin_cents"]
        holders = treated.reindex(group["customer_id"].to_numpy()).dropna()
        margin = mean_difference(holders, control, method=method, seed=seed)
        rows.append(
            {
                "treatment_id": int(treatment_id),
                "code": str(code),
                "given": len(group),
                "redeemed": int(group["redeemed"].sum()),
                "redemption_rate": float(group["redeemed"].mean()),
                "margin_per_member": margin,
                "incremental_margin_cents": margin["difference"] * len(group)
                if margin["difference"] is not None
                else None,
            }
        )
    return rows
