"""Campaign results: what every member did (reporting.responses), compared by reporting.statistics, stored
with a version reserved when the run starts. A run becomes the shown result only once it is complete, and only
if no newer run has completed."""

from time import monotonic

import pandas as pd
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from campaigns.models import AudienceMember, Campaign
from campaigns.services.workflow import CampaignError
from core.services import Progress
from customers.models import Channel
from reporting import statistics as stats
from reporting.models import CampaignResult
from reporting.payload import (
    ChannelResult,
    Duel,
    Methods,
    OfferResult,
    ResultsPayload,
    SegmentResult,
    StageResult,
    Totals,
    TreatmentResult,
)
from reporting.responses import members_frame, offers_frame
from segments.models import LifecycleStage


def _channel_words(reached: str) -> str:
    """ "email+push" as people read it: "E-mail and Push"."""
    return " and ".join(Channel(channel).label for channel in str(reached).split("+") if channel in Channel.values)


def results_compute(campaign: Campaign, members: pd.DataFrame, offers: pd.DataFrame | None = None) -> ResultsPayload:
    """The payload of a results run: per treatment, totals, breakdowns, head to head and response curves.

    With a shared control, `members` holds each control member once per treatment (measured by that
    treatment's definition): comparisons per treatment use those copies, counts of people use one.
    """
    treatments = list(campaign.treatments.select_related("segment", "response_category").order_by("priority", "code"))
    offers = offers if offers is not None else offers_frame(campaign)
    stage_names = dict(LifecycleStage.objects.values_list("id", "name")) | {0: "(unknown)"}
    method = {"method": campaign.mean_test, "seed": campaign.seed}
    people = members.drop_duplicates("customer_id")
    rows: list[TreatmentResult] = []
    for treatment in treatments:
        own = members[members["treatment_id"] == treatment.pk]
        comparison = stats.compare_cells(own, **method)
        rows.append(
            TreatmentResult(
                treatment_id=treatment.pk,
                code=treatment.code,
                message=treatment.message_name,
                channel=treatment.channel,
                channels=treatment.channels,
                segment=str(treatment.segment or "(imported)"),
                window_days=treatment.response_window_days,
                response=treatment.response_definition,
                **comparison,
                **stats.profit_and_loss(
                    comparison,
                    cost_per_contact_cents=treatment.cost_per_contact_cents,
                    cost_per_redemption_cents=treatment.cost_per_redemption_cents,
                ),
                cumulative=stats.cumulative_response(own, treatment.response_window_days),
            )
        )
    for key in ("response_rate", *stats.MEAN_METRICS):
        stats.adjust_p_values([row[key] for row in rows], campaign.p_adjustment)
    sums = {
        key: sum(row[key] or 0 for row in rows)
        for key in (
            "incremental_responders",
            "incremental_revenue_cents",
            "incremental_margin_cents",
            "contact_cost_cents",
            "offer_cost_cents",
            "net_cents",
        )
    }
    costs = sums["contact_cost_cents"] + sums["offer_cost_cents"]
    low, high = stats.net_interval(rows)
    revenue = people["revenue_cents"].sum()
    totals = Totals(
        **sums,
        members=len(people),
        treatment=int((~people["is_control"]).sum()),
        control=int(people["is_control"].sum()),
        roi=sums["net_cents"] / costs if costs else None,
        net_low_cents=low,
        net_high_cents=high,
        roi_low=low / costs if costs and low is not None else None,
        roi_high=high / costs if costs and high is not None else None,
        margin_unknown_share=float(people["unmargined_cents"].sum() / revenue) if revenue else 0.0,
    )
    by_stage = [
        StageResult(
            **stats.compare_cells(group, **method), code=treatment.code, stage=stage_names.get(stage_id, str(stage_id))
        )
        for treatment in treatments
        for stage_id, group in members[members["treatment_id"] == treatment.pk].groupby("stage_id")
    ]
    by_channel = [
        ChannelResult(**stats.compare_cells(group, **method), code=treatment.code, channels=_channel_words(reached))
        for treatment in treatments
        if treatment.also_channels and "channels" in members
        for reached, group in members[members["treatment_id"] == treatment.pk].groupby("channels")
    ]
    segment_of = {treatment.pk: str(treatment.segment or "(imported)") for treatment in treatments}
    by_segment = [
        SegmentResult(**stats.compare_cells(group, **method), segment=segment)
        for segment, group in people.assign(segment=people["treatment_id"].map(segment_of)).groupby("segment")
    ]
    definition = {treatment.pk: (treatment.response_definition, treatment.offer_code) for treatment in treatments}
    duels = [
        Duel(
            **stats.head_to_head(
                members[members["treatment_id"] == a.pk],
                members[members["treatment_id"] == b.pk],
                # One control measured one way for both: their rates compare outright.
                outright=campaign.shares_control and definition[a.pk] == definition[b.pk],
            ),
            a=a.code,
            b=b.code,
        )
        for position, a in enumerate(treatments)
        for b in treatments[position + 1 :]
    ]
    stats.adjust_p_values(duels, campaign.p_adjustment)
    for duel in duels:
        stats.verdict(duel)
    code_of = {treatment.pk: treatment.code for treatment in treatments}
    by_offer = [
        OfferResult(**row, treatment=code_of.get(row["treatment_id"], ""))
        for row in sorted(stats.offer_results(members, offers, **method), key=lambda row: -row["given"])
    ]
    methods = Methods(
        control=campaign.control_design,
        mean_test=campaign.mean_test,
        adjustment=campaign.p_adjustment,
        comparisons=len(rows),
    )
    return ResultsPayload(
        methods=methods,
        treatments=rows,
        totals=totals,
        by_stage=by_stage,
        by_segment=by_segment,
        head_to_head=duels,
        by_offer=by_offer,
        by_channel=by_channel,
    )


def results_version_reserve(campaign: Campaign) -> CampaignResult:
    """The next version of the campaign's results, held by a row without a payload until the run publishes."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        version = (campaign.results.aggregate(latest=Max("version"))["latest"] or 0) + 1
        return CampaignResult.objects.create(campaign=campaign, version=version, payload=None)


def results_run(*, campaign: Campaign, progress: Progress | None = None) -> CampaignResult:
    """Measure the campaign and publish its results, unless a newer run has.

    1. Reserve the next version before any work: a row without a payload, written under the campaign's
       row lock so that two runs starting together take different versions, and committed at once.
    2. Match responses and compute the statistics, holding no lock: this is the long part.
    3. Publish by filling the reserved row. Pages show the newest published version, so a run that
       finishes after a newer one (a recompute overlapping the scheduled run) never replaces it.
    4. A run that fails removes its reservation; a run whose worker dies leaves a row without a payload,
       which nothing shows.
    """
    report = progress or (lambda percent, message="": None)
    sent = AudienceMember.objects.filter(campaign=campaign).aggregate(first=Min("contacted_on"))["first"]
    if sent is None:
        raise CampaignError("There is nothing to measure yet: the campaign has not been released.")
    if sent > timezone.localdate():
        raise CampaignError(
            f"The contacts go out on {sent:%Y-%m-%d}: there is nothing to measure before then, "
            "and what customers did before is no response to them."
        )
    started = monotonic()
    reserved = results_version_reserve(campaign)
    try:
        report(10, "Matching purchases and events to every audience member")
        members = members_frame(campaign)
        report(60, "Comparing treatment with control")
        payload = results_compute(campaign, members)
    except BaseException:
        CampaignResult.objects.filter(pk=reserved.pk).delete()
        raise
    CampaignResult.objects.filter(pk=reserved.pk).update(
        payload=payload, seconds=round(monotonic() - started, 2), computed_at=timezone.now()
    )
    reserved.refresh_from_db()
    return reserved
