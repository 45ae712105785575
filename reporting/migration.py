"""Did a campaign move customers? Treated against control members who reached the portfolio objective's target
stage by the first staging after the release: the portfolio's answer to "did we move customers"."""

import math
from dataclasses import dataclass
from datetime import date

from django.db import connection

from campaigns.models import AudienceMember, Campaign
from reporting.payload import Difference
from reporting.statistics import wald
from segments.models import LifecycleStage, PortfolioObjective, StageAssignment, StagingRun

RELEASED = (Campaign.Status.RELEASED, Campaign.Status.MEASURING, Campaign.Status.CLOSED)

# Members not already in the target stage at the build, and staged again at the period measured: how many
# of each cell are in the target stage then.
MOVES_SQL = f"""
    SELECT measured.campaign_id, m.is_control, count(*), count(*) FILTER (WHERE later.stage_id = measured.target)
    FROM unnest(%(campaigns)s::bigint[], %(periods)s::date[], %(targets)s::bigint[])
        AS measured (campaign_id, period_end, target)
    JOIN {AudienceMember._meta.db_table} m ON m.campaign_id = measured.campaign_id
    JOIN {StageAssignment._meta.db_table} later
        ON later.customer_id = m.customer_id AND later.period_end = measured.period_end
    -- Named again as constants: only those campaigns' partitions of the members table are read, so a page never
    -- waits for an audience build of another campaign.
    WHERE m.campaign_id = ANY(%(campaigns)s::bigint[]) AND m.stage_id IS DISTINCT FROM measured.target
    GROUP BY 1, 2
"""


@dataclass(frozen=True)
class MoveRate:
    campaign: Campaign
    target: LifecycleStage | None
    period_end: date | None  # the staging measured; None while there is none after the release
    treated: int
    treated_moved: int
    control: int
    control_moved: int
    difference: Difference | None

    @property
    def treated_rate(self) -> float | None:
        return self.treated_moved / self.treated if self.treated else None

    @property
    def control_rate(self) -> float | None:
        return self.control_moved / self.control if self.control else None

    @property
    def explanation(self) -> str:
        if self.target is None:
            return "The portfolio has no objective to move customers to another stage."
        if self.period_end is None:
            return "Measured at the first staging after the release; there is none yet."
        return f"Moved to {self.target} by the staging of {self.period_end:%d %b %Y}."


def move_rates(campaigns: list[Campaign]) -> list[MoveRate]:
    """For each released campaign: its objective's target stage (the "move to" objective of its quarter, or the
    portfolio's latest one), the first staging after its release, and the share of each cell that moved there."""
    released = [campaign for campaign in campaigns if campaign.status in RELEASED and campaign.released_at]
    portfolio_ids = {campaign.portfolio_id for campaign in released}
    objectives = list(
        PortfolioObjective.objects.filter(portfolio_id__in=portfolio_ids, kind=PortfolioObjective.Kind.MOVE_TO)
        .select_related("target_stage")
        .order_by("year", "quarter", "id")
    )
    periods = sorted(StagingRun.objects.values_list("period_end", flat=True))
    plans = []
    for campaign in released:
        mine = [objective for objective in objectives if objective.portfolio_id == campaign.portfolio_id]
        same_quarter = [o for o in mine if (o.year, o.quarter) == (campaign.year, campaign.quarter)]
        objective = (same_quarter or mine or [None])[-1]
        released_on = campaign.released_at.date()
        period = next((period for period in periods if period >= released_on), None)
        plans.append((campaign, objective.target_stage if objective else None, period))
    measurable = [(c, target, period) for c, target, period in plans if target is not None and period is not None]
    counts: dict[tuple[int, bool], tuple[int, int]] = {}
    if measurable:
        with connection.cursor() as cursor:
            cursor.execute(
                MOVES_SQL,
                {
                    "campaigns": [campaign.pk for campaign, _, _ in measurable],
                    "periods": [period for _, _, period in measurable],
                    "targets": [target.pk for _, target, _ in measurable],
                },
            )
            counts = {(campaign_id, is_control): (n, moved) for campaign_id, is_control, n, moved in cursor.fetchall()}
    result = []
    for campaign, target, period in plans:
        treated, treated_moved = counts.get((campaign.pk, False), (0, 0))
        control, control_moved = counts.get((campaign.pk, True), (0, 0))
        result.append(
            MoveRate(
                campaign=campaign,
                target=target,
                period_end=period if target else None,
                treated=treated,
                treated_moved=treated_moved,
                control=control,
                control_moved=control_moved,
                difference=_difference(treated, treated_moved, control, control_moved),
            )
        )
    return result


def _difference(treated: int, treated_moved: int, control: int, control_moved: int) -> Difference | None:
    if not treated or not control:
        return None
    rates = (treated_moved / treated, control_moved / control)
    error = math.sqrt(rates[0] * (1 - rates[0]) / treated + rates[1] * (1 - rates[1]) / control)
    return wald(rates[0] - rates[1], error)
