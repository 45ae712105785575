"""The shape of a results run as it is stored (`CampaignResult.payload`) and read by the pages and the export."""

from typing import TypedDict


class Difference(TypedDict):
    """Treatment minus control, its 95% confidence interval and two-sided p-value (None where not defined)."""

    difference: float | None
    low: float | None
    high: float | None
    p_value: float | None


class CellSummary(TypedDict):
    members: int
    responders: int
    orders: int
    revenue_cents: int
    margin_cents: int
    redemptions: int
    response_rate: float | None
    orders_per_member: float | None
    revenue_cents_per_member: float | None
    margin_cents_per_member: float | None


class Comparison(TypedDict):
    treatment: CellSummary
    control: CellSummary
    response_rate: Difference
    revenue_per_member: Difference
    margin_per_member: Difference
    orders_per_member: Difference


class ProfitAndLoss(TypedDict):
    incremental_responders: float
    incremental_revenue_cents: float
    incremental_margin_cents: float
    contact_cost_cents: int
    offer_cost_cents: int
    net_cents: float
    net_low_cents: float | None  # the 95% interval of the net P&L
    net_high_cents: float | None
    roi: float | None
    roi_low: float | None
    roi_high: float | None


class HeadToHead(Difference):
    winner: str | None  # "a", "b", or None while the difference is not significant
    more_members_needed: int | None


class TreatmentResult(Comparison, ProfitAndLoss):
    treatment_id: int
    code: str
    message: str
    channel: str
    segment: str
    window_days: int
    cumulative: dict[str, list[float]]  # per cell, the share responded by each day since contact


class StageResult(Comparison):
    code: str  # the treatment's
    stage: str


class SegmentResult(Comparison):
    segment: str


class Duel(HeadToHead):
    a: str
    b: str


class Totals(TypedDict):
    incremental_responders: float
    incremental_revenue_cents: float
    incremental_margin_cents: float
    contact_cost_cents: float
    offer_cost_cents: float
    net_cents: float
    members: int
    treatment: int
    control: int
    roi: float | None
    net_low_cents: float | None  # the 95% interval of the net P&L, and of the ROI
    net_high_cents: float | None
    roi_low: float | None
    roi_high: float | None


class ResultsPayload(TypedDict):
    treatments: list[TreatmentResult]
    totals: Totals
    by_stage: list[StageResult]
    by_segment: list[SegmentResult]
    head_to_head: list[Duel]
