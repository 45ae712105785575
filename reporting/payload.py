"""The shape of a results run as it is stored (`CampaignResult.payload`) and read by the pages and the export."""

from typing import NotRequired, TypedDict


class Difference(TypedDict):
    """Treatment minus control, its 95% confidence interval and two-sided p-value (None where not defined)."""

    difference: float | None
    low: float | None
    high: float | None
    p_value: float | None
    p_adjusted: NotRequired[float | None]  # where the results adjust for several comparisons (Holm)


class CellSummary(TypedDict):
    members: int
    responders: int
    orders: int
    revenue_cents: int
    margin_cents: int
    redemptions: int
    events: NotRequired[int]  # engagement events of the response kind, for event responses
    margin_unknown_revenue_cents: NotRequired[int]  # revenue of lines imported without a margin
    offer_cost_cents: NotRequired[int]  # what the offers redeemed in the window cost
    response_rate: float | None
    orders_per_member: float | None
    events_per_member: NotRequired[float | None]
    revenue_cents_per_member: float | None
    margin_cents_per_member: float | None


class Comparison(TypedDict):
    treatment: CellSummary
    control: CellSummary
    response_rate: Difference
    revenue_per_member: Difference
    margin_per_member: Difference
    orders_per_member: Difference
    events_per_member: NotRequired[Difference]


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
    standard_error: NotRequired[float | None]
    members: NotRequired[int]
    outright: NotRequired[bool]  # randomised over one population against one control: rates compared outright


class TreatmentResult(Comparison, ProfitAndLoss):
    treatment_id: int
    code: str
    message: str
    channel: str
    channels: NotRequired[list[str]]  # every channel of a treatment on several
    segment: str
    window_days: int
    response: NotRequired[str]  # what counted as a response, in words, when the run was made
    cumulative: dict[str, list[float]]  # per cell, the share responded by each day since contact


class StageResult(Comparison):
    code: str  # the treatment's
    stage: str


class SegmentResult(Comparison):
    segment: str


class ChannelResult(Comparison):
    """A treatment on several channels, its members grouped by the channels they were reached on (control
    members by those they would have been): each customer counts once, in one group."""

    code: str  # the treatment's
    channels: str  # "E-mail and Push"


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


class OfferResult(TypedDict):
    """One offer of one treatment: given, redeemed, and the margin of those given it against the control."""

    treatment_id: int
    treatment: str
    code: str
    given: int
    redeemed: int
    redemption_rate: float
    margin_per_member: Difference
    incremental_margin_cents: float | None


class Methods(TypedDict):
    """How a run compared its cells, so that every version names its own methods."""

    control: str  # "shared" or "per_treatment"
    mean_test: str  # a key of reporting.statistics.METHOD_NAMES
    adjustment: str  # "none" or "holm"
    comparisons: int  # treatments compared with control (each metric adjusted over these)


class ResultsPayload(TypedDict):
    methods: NotRequired[Methods]
    treatments: list[TreatmentResult]
    totals: Totals
    by_stage: list[StageResult]
    by_segment: list[SegmentResult]
    head_to_head: list[Duel]
    by_offer: NotRequired[list[OfferResult]]
    by_channel: NotRequired[list[ChannelResult]]


MEAN_TESTS = {
    "welch": "Welch's t-test and its interval",
    "student": "Student's t-test (equal variances) and its interval",
    "bootstrap": (
        "a bootstrap percentile interval (2,000 resamples of each cell) and the p-value from the same resamples"
    ),
}
PER_TREATMENT = Methods(control="per_treatment", mean_test="welch", adjustment="none", comparisons=0)


def methods_statement(payload: ResultsPayload) -> list[str]:
    """How a results version compared its cells, in sentences for the page (versions before the choice
    existed used Welch, per-treatment controls and no adjustment)."""
    methods = payload.get("methods", PER_TREATMENT)
    sentences = [
        "Differences with 95% intervals. Response rate: Wald interval and z-test on the same standard error, so "
        "an unadjusted interval that leaves zero out always has p < 0.05.",
        f"Orders, events, revenue and margin per member: {MEAN_TESTS[methods['mean_test']]}.",
    ]
    if methods["control"] == "shared":
        sentences.append(
            "Every treatment is compared with the one control group they share, measured by that treatment's "
            "response definition and window."
        )
    if methods["adjustment"] == "holm":
        sentences.append(
            f"P-values are also given adjusted by Holm's method for the {methods['comparisons']} treatments compared "
            "with control (per metric) and for the treatments head to head, so that the chance of any false "
            "winner stays at 5%; verdicts use the adjusted values. Intervals are not adjusted, so one may leave "
            "zero out while its adjusted p-value is above 0.05. Breakdowns by stage and segment are not adjusted."
        )
    return sentences
