"""Forecast inputs from measured history: what past treatments of the same channel and lifecycle stage returned.

A past treatment is one of a campaign that started before the day asked about and has published results (its
latest version counts, once). From each: its incremental response rate (treated less control), its treated
customers' average order value and margin rate. The default is the median, its spread the interquartile
range, with the number of past results behind it. Where there is none, the treatment's own planning inputs
are used, and said to be, with a range of a quarter either side of the planned response rate (an assumption,
stated on the page).
"""

import json
from dataclasses import dataclass
from datetime import date

import numpy as np
from django.db import connection

from campaigns.models import Campaign, Treatment
from reporting.models import CampaignResult
from segments.models import Portfolio

ASSUMED_SPREAD = 0.25  # without history: the response rate may be this share lower or higher

PAST_SQL = f"""
    SELECT DISTINCT ON (result.campaign_id) result.campaign_id, portfolio.stage_id, result.payload -> 'treatments'
    FROM {CampaignResult._meta.db_table} result
    JOIN {Campaign._meta.db_table} campaign ON campaign.id = result.campaign_id
    JOIN {Portfolio._meta.db_table} portfolio ON portfolio.id = campaign.portfolio_id
    WHERE result.payload IS NOT NULL AND campaign.start_date < %(before)s
    ORDER BY result.campaign_id, result.version DESC
"""


@dataclass(frozen=True)
class PastTreatment:
    campaign_id: int
    treatment_id: int
    channel: str
    stage_id: int
    response_rate: float
    order_value_cents: float | None
    margin_rate: float | None


@dataclass(frozen=True)
class Defaults:
    """Forecast inputs for a channel and stage; `results` past treatments back them (0: planning inputs)."""

    response_rate: float
    response_low: float
    response_high: float
    order_value_cents: float
    margin_rate: float
    results: int
    treatment_ids: tuple[int, ...] = ()

    @property
    def source(self) -> str:
        if not self.results:
            return (
                "Planning inputs: no measured history for this channel and stage "
                f"(range: {ASSUMED_SPREAD:.0%} either side of the planned response rate, assumed)"
            )
        return f"Median of {self.results} measured past treatment{'s' if self.results != 1 else ''}"


def past_treatments(before: date) -> list[PastTreatment]:
    """Every measured treatment of the campaigns that started before `before`, from their latest results."""
    with connection.cursor() as cursor:
        cursor.execute(PAST_SQL, {"before": before})
        rows = cursor.fetchall()
    past = []
    for campaign_id, stage_id, treatments in rows:
        for result in (json.loads(treatments) if isinstance(treatments, str) else treatments) or []:
            rate = _incremental_rate(result)
            if rate is None:
                continue
            treated = result.get("treatment") or {}
            orders, revenue = treated.get("orders") or 0, treated.get("revenue_cents") or 0
            past.append(
                PastTreatment(
                    campaign_id=campaign_id,
                    treatment_id=result["treatment_id"],
                    channel=result.get("channel", ""),
                    stage_id=stage_id,
                    response_rate=rate,
                    order_value_cents=revenue / orders if orders else None,
                    margin_rate=treated.get("margin_cents", 0) / revenue if revenue else None,
                )
            )
    return past


def _incremental_rate(result: dict) -> float | None:
    difference = (result.get("response_rate") or {}).get("difference")
    if difference is not None:
        return float(difference)
    treated, control = (result.get("treatment") or {}), (result.get("control") or {})
    if treated.get("response_rate") is None or control.get("response_rate") is None:
        return None
    return float(treated["response_rate"]) - float(control["response_rate"])


@dataclass(frozen=True)
class Measured:
    """The medians and spread of one channel and stage's past treatments."""

    response_rate: float
    response_low: float
    response_high: float
    order_value_cents: float | None
    margin_rate: float | None
    treatment_ids: tuple[int, ...]


class History:
    """Past treatments grouped by channel and stage once, so that a quarter of campaigns looks each up cheaply."""

    def __init__(self, past: list[PastTreatment]) -> None:
        groups: dict[tuple[str, int | None], list[PastTreatment]] = {}
        for one in past:
            groups.setdefault((one.channel, one.stage_id), []).append(one)
        self.groups = {key: _measured(alike) for key, alike in groups.items()}

    def defaults(self, *, channel: str, stage_id: int | None, own: Treatment) -> Defaults:
        """The median and interquartile range of the past treatments of this channel and stage, or `own` inputs."""
        measured = self.groups.get((channel, stage_id))
        if measured is None:
            rate = float(own.expected_response_rate)
            low, high = rate * (1 - ASSUMED_SPREAD), rate * (1 + ASSUMED_SPREAD)
            return Defaults(rate, low, high, float(own.expected_order_value_cents), float(own.expected_margin_rate), 0)
        return Defaults(
            response_rate=measured.response_rate,
            response_low=measured.response_low,
            response_high=measured.response_high,
            order_value_cents=(
                measured.order_value_cents
                if measured.order_value_cents is not None
                else float(own.expected_order_value_cents)
            ),
            margin_rate=measured.margin_rate if measured.margin_rate is not None else float(own.expected_margin_rate),
            results=len(measured.treatment_ids),
            treatment_ids=measured.treatment_ids,
        )


def _measured(alike: list[PastTreatment]) -> Measured:
    low, median, high = np.quantile(np.array([one.response_rate for one in alike]), [0.25, 0.5, 0.75])
    values = [one.order_value_cents for one in alike if one.order_value_cents is not None]
    margins = [one.margin_rate for one in alike if one.margin_rate is not None]
    return Measured(
        response_rate=float(median),
        response_low=float(low),
        response_high=float(high),
        order_value_cents=float(np.median(values)) if values else None,
        margin_rate=float(np.median(margins)) if margins else None,
        treatment_ids=tuple(sorted(one.treatment_id for one in alike)),
    )


def past_history(before: date) -> History:
    return History(past_treatments(before))
