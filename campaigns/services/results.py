"""Campaign results: responses matched to every audience member in SQL, statistics in pandas.

A purchase (or an engagement event, as the treatment defines a response) counts
when it falls inside the treatment's response window, which opens on the
contact date; control members are measured from the same date. Each run is
stored with a version and becomes the shown result only once it is complete.
"""

import io
from time import monotonic
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import Max

from campaigns.models import AudienceMember, Campaign, CampaignResult, Treatment
from campaigns.services.workflow import CampaignError
from core.models import Job
from core.services import JobError, JobSpec, Progress, job_submit
from customers.models import EngagementEvent, Purchase
from reporting import results as stats

MEMBERS_SQL = f"""
WITH members AS NOT MATERIALIZED (
    SELECT m.customer_id, m.treatment_id, m.is_control, coalesce(m.stage_id, 0) AS stage_id,
           m.contacted_on::timestamptz AS opens, m.contacted_on::timestamptz + t.response_window_days * interval '1 day'
               AS closes,
           t.response_kind, t.response_category_id, t.response_offer_code, t.response_event_kind,
           coalesce(nullif(t.offer_code, ''), t.response_offer_code) AS redeemed_code
    FROM {AudienceMember._meta.db_table} m JOIN {Treatment._meta.db_table} t ON t.id = m.treatment_id
    WHERE m.campaign_id = %(campaign)s AND m.contacted_on IS NOT NULL
), bought AS (
    SELECT mb.customer_id,
           count(DISTINCT p.order_ref) FILTER (WHERE p.quantity > 0) AS orders,
           sum(p.revenue_cents) AS revenue_cents, sum(p.margin_cents) AS margin_cents,
           count(DISTINCT p.order_ref) FILTER (WHERE p.offer_code <> '' AND p.offer_code = mb.redeemed_code)
               AS redemptions,
           min(p.purchased_at) FILTER (WHERE p.quantity > 0) AS first_at
    FROM members mb
    JOIN {Purchase._meta.db_table} p ON p.customer_id = mb.customer_id
         AND p.purchased_at >= mb.opens AND p.purchased_at < mb.closes
    WHERE mb.response_kind <> 'event' AND p.purchased_at >= %(opens)s AND p.purchased_at < %(closes)s
      AND (mb.response_kind <> 'category' OR p.category_id = mb.response_category_id)
      AND (mb.response_kind <> 'offer_code' OR p.offer_code = mb.response_offer_code)
    GROUP BY mb.customer_id
), engaged AS (
    SELECT mb.customer_id, min(e.occurred_at) AS first_at
    FROM members mb
    JOIN {EngagementEvent._meta.db_table} e ON e.customer_id = mb.customer_id
         AND e.occurred_at >= mb.opens AND e.occurred_at < mb.closes AND e.kind = mb.response_event_kind
    WHERE mb.response_kind = 'event' AND e.occurred_at >= %(opens)s AND e.occurred_at < %(closes)s
    GROUP BY mb.customer_id
)
SELECT mb.customer_id, mb.treatment_id, mb.is_control, mb.stage_id,
       CASE WHEN mb.response_kind = 'event' THEN e.first_at IS NOT NULL ELSE coalesce(b.orders, 0) > 0 END
           AS responded,
       coalesce(b.orders, 0), coalesce(b.revenue_cents, 0), coalesce(b.margin_cents, 0), coalesce(b.redemptions, 0),
       floor(extract(epoch FROM coalesce(e.first_at, b.first_at) - mb.opens) / 86400)::int AS response_day
FROM members mb
LEFT JOIN bought b ON b.customer_id = mb.customer_id
LEFT JOIN engaged e ON e.customer_id = mb.customer_id
"""
# The first and last moment any member's window covers: a plain range on the purchase and event times that
# lets PostgreSQL skip the rest of the history before it matches rows to members.
WINDOW_SQL = f"""
SELECT min(m.contacted_on)::timestamptz,
       max(m.contacted_on::timestamptz + t.response_window_days * interval '1 day')
FROM {AudienceMember._meta.db_table} m JOIN {Treatment._meta.db_table} t ON t.id = m.treatment_id
WHERE m.campaign_id = %(campaign)s AND m.contacted_on IS NOT NULL
"""


def members_frame(campaign: Campaign) -> pd.DataFrame:
    """One row per contacted audience member with what they did in the response window (read with COPY)."""
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        cursor.execute(WINDOW_SQL, {"campaign": campaign.pk})
        opens, closes = cursor.fetchone()
        if opens is None:
            return pd.DataFrame(columns=stats.MEMBER_COLUMNS)
        statement = cursor.mogrify(MEMBERS_SQL, {"campaign": campaign.pk, "opens": opens, "closes": closes}).decode()
        cursor.copy_expert(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv)", buffer)
    buffer.seek(0)
    if not buffer.getbuffer().nbytes:
        return pd.DataFrame(columns=stats.MEMBER_COLUMNS)
    table = pa_csv.read_csv(
        buffer,
        read_options=pa_csv.ReadOptions(column_names=stats.MEMBER_COLUMNS),
        # PostgreSQL writes booleans as t and f.
        convert_options=pa_csv.ConvertOptions(
            column_types={"is_control": pa.bool_(), "responded": pa.bool_(), "response_day": pa.float64()},
            true_values=["t"],
            false_values=["f"],
        ),
    )
    return table.to_pandas()


def results_compute(campaign: Campaign, members: pd.DataFrame) -> dict[str, Any]:
    """The payload of a results run: per treatment, totals, breakdowns, head to head and response curves."""
    from segments.models import LifecycleStage

    treatments = list(campaign.treatments.select_related("segment").order_by("priority", "code"))
    stage_names = dict(LifecycleStage.objects.values_list("id", "name")) | {0: "(unknown)"}
    rows = []
    for treatment in treatments:
        own = members[members["treatment_id"] == treatment.pk]
        comparison = stats.compare_cells(own)
        rows.append(
            {
                "treatment_id": treatment.pk,
                "code": treatment.code,
                "message": treatment.message_name,
                "channel": treatment.channel,
                "segment": str(treatment.segment or "(imported)"),
                "window_days": treatment.response_window_days,
                **comparison,
                **stats.profit_and_loss(
                    comparison,
                    cost_per_contact_cents=treatment.cost_per_contact_cents,
                    cost_per_redemption_cents=treatment.cost_per_redemption_cents,
                ),
                "cumulative": stats.cumulative_response(own, treatment.response_window_days),
            }
        )
    totals = {
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
    costs = totals["contact_cost_cents"] + totals["offer_cost_cents"]
    totals.update(
        members=len(members),
        treatment=int((~members["is_control"]).sum()),
        control=int(members["is_control"].sum()),
        roi=totals["net_cents"] / costs if costs else None,
    )
    by_stage = [
        {"treatment": treatment.code, "stage": stage_names.get(stage_id, str(stage_id)), **stats.compare_cells(group)}
        for treatment in treatments
        for stage_id, group in members[members["treatment_id"] == treatment.pk].groupby("stage_id")
    ]
    segment_of = {treatment.pk: str(treatment.segment or "(imported)") for treatment in treatments}
    by_segment = [
        {"segment": segment, **stats.compare_cells(group)}
        for segment, group in members.assign(segment=members["treatment_id"].map(segment_of)).groupby("segment")
    ]
    treated = members[~members["is_control"]]
    duels = [
        {
            "a": a.code,
            "b": b.code,
            **stats.head_to_head(treated[treated["treatment_id"] == a.pk], treated[treated["treatment_id"] == b.pk]),
        }
        for position, a in enumerate(treatments)
        for b in treatments[position + 1 :]
    ]
    return {"treatments": rows, "totals": totals, "by_stage": by_stage, "by_segment": by_segment, "head_to_head": duels}


def results_run(*, campaign: Campaign, progress: Progress | None = None) -> CampaignResult:
    report = progress or (lambda percent, message="": None)
    if not AudienceMember.objects.filter(campaign=campaign, contacted_on__isnull=False).exists():
        raise CampaignError("There is nothing to measure yet: the campaign has not been released.")
    started = monotonic()
    report(10, "Matching purchases and events to every audience member")
    members = members_frame(campaign)
    report(60, "Comparing treatment with control")
    payload = results_compute(campaign, members)
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        version = (campaign.results.aggregate(latest=Max("version"))["latest"] or 0) + 1
        return CampaignResult.objects.create(
            campaign=campaign, version=version, payload=payload, seconds=round(monotonic() - started, 2)
        )


def results_job(job: Job, progress: Progress) -> dict[str, Any]:
    try:
        result = results_run(campaign=Campaign.objects.get(pk=job.params["campaign_id"]), progress=progress)
    except CampaignError as error:
        raise JobError(str(error)) from None
    return {
        "campaign_id": result.campaign_id,
        "version": result.version,
        "seconds": result.seconds,
        "net_cents": round(result.payload["totals"]["net_cents"]),
    }


def results_spec(campaign: Campaign) -> JobSpec:
    from campaigns.tasks import compute_results

    return JobSpec(
        kind=Job.Kind.RESULTS,
        title=f"Results of {campaign.name}",
        task=compute_results,
        work=results_job,
        params={"campaign_id": campaign.pk},
    )


def results_enqueue(*, campaign: Campaign, owner: AbstractBaseUser | None) -> Job:
    return job_submit(results_spec(campaign), owner=owner)
