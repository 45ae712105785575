"""Audience builds: every treatment's segment, less every exclusion, split into treatment and control.

One INSERT ... SELECT builds the whole audience of a campaign inside the
transaction that deletes the previous one, so the new snapshot replaces the
old atomically and a build that fails (or whose worker dies) leaves the old
snapshot in place. Exclusions are applied in a fixed order and each candidate
is counted under the first that applies: global control, no consent, fatigue,
then a higher-priority treatment of the same campaign.
"""

from datetime import timedelta
from time import monotonic
from typing import Any

import pandas as pd
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from scipy import stats

from campaigns.models import AudienceBuild, AudienceMember, Campaign, ContactHistory, ContactPolicy, Treatment
from campaigns.services.workflow import CampaignError, contact_policy
from core.models import Job
from core.services import JobError, Progress, job_enqueue
from customers.models import Customer
from segments.features import FEATURES
from segments.models import FeatureRun
from segments.ruletree.compiler import compile_rules
from segments.services import segment_rules_lookup

BUILDABLE = {Campaign.Status.DRAFT, Campaign.Status.SUBMITTED, Campaign.Status.APPROVED, Campaign.Status.AUDIENCE_BUILT}
# Shares are compared as parts per million of a 63-bit hash: fine enough for any holdout a marketer sets.
PARTS = 1_000_000
REASONS = ["global_control", "no_consent", "fatigue", "higher_priority"]

BUILD_SQL = """
WITH candidates AS (
    {candidates}
), flagged AS (
    SELECT c.treatment_id, c.priority, c.holdout, c.customer_id,
        CASE
            WHEN (hashtextextended(%(salt)s || ':' || c.customer_id, 0) & 9223372036854775807) %% {parts}
                 < %(global_control)s THEN 'global_control'
            WHEN NOT CASE c.channel
                WHEN 'email' THEN NOT %(consent_email)s OR cu.consent_email
                WHEN 'sms' THEN NOT %(consent_sms)s OR cu.consent_sms
                WHEN 'push' THEN NOT %(consent_push)s OR cu.consent_push
                WHEN 'direct_mail' THEN NOT %(consent_direct_mail)s OR cu.consent_direct_mail
                ELSE TRUE END THEN 'no_consent'
            WHEN tired.customer_id IS NOT NULL THEN 'fatigue'
        END AS excluded
    FROM candidates c
    JOIN {customers} cu ON cu.id = c.customer_id
    LEFT JOIN (
        SELECT customer_id FROM {contacts} WHERE contacted_at >= %(fatigue_since)s
        GROUP BY customer_id HAVING count(*) >= %(max_contacts)s
    ) tired ON tired.customer_id = c.customer_id
), ranked AS (
    SELECT flagged.*, CASE WHEN excluded IS NULL THEN
        row_number() OVER (PARTITION BY customer_id, excluded IS NULL ORDER BY priority, treatment_id) END AS rank
    FROM flagged
), inserted AS (
    INSERT INTO {members} (campaign_id, customer_id, treatment_id, is_control, contacted_on)
    SELECT %(campaign)s, customer_id, treatment_id,
           (hashtextextended(customer_id::text, %(seed)s) & 9223372036854775807) %% {parts} < holdout, NULL
    FROM ranked WHERE rank = 1
    RETURNING treatment_id, is_control
), excluded AS (
    SELECT treatment_id, count(*) AS segment,
        count(*) FILTER (WHERE excluded = 'global_control') AS global_control,
        count(*) FILTER (WHERE excluded = 'no_consent') AS no_consent,
        count(*) FILTER (WHERE excluded = 'fatigue') AS fatigue,
        count(*) FILTER (WHERE rank > 1) AS higher_priority
    FROM ranked GROUP BY treatment_id
), kept AS (
    SELECT treatment_id, count(*) FILTER (WHERE NOT is_control) AS treatment,
           count(*) FILTER (WHERE is_control) AS control
    FROM inserted GROUP BY treatment_id
)
SELECT e.treatment_id, e.segment, e.global_control, e.no_consent, e.fatigue, e.higher_priority,
       coalesce(k.treatment, 0), coalesce(k.control, 0)
FROM excluded e LEFT JOIN kept k USING (treatment_id)
"""


def _candidates(treatments: list[Treatment]) -> tuple[str, list]:
    """One SELECT per treatment of its segment's members, glued with UNION ALL, and the parameters they need."""
    parts, params = [], []
    for treatment in treatments:
        condition, condition_params = compile_rules(
            treatment.segment.rules, segment_rules=segment_rules_lookup, visiting=(treatment.segment_id,)
        )
        parts.append(
            f"SELECT {int(treatment.pk)}::bigint AS treatment_id, {int(treatment.priority)} AS priority, "
            f"%s::text AS channel, {round(float(treatment.holdout_share) * PARTS)} AS holdout, "
            f"f.customer_id FROM {FEATURES} f WHERE {condition}"
        )
        params += [treatment.channel, *condition_params]
    return "\nUNION ALL\n".join(parts), params


def _named(sql_text: str, positional: list, named: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Turn the compiled rules' %s placeholders into named ones, so one statement can mix both kinds."""
    pieces = sql_text.split("%s")
    text = pieces[0]
    for number, piece in enumerate(pieces[1:]):
        text += f"%(p{number})s" + piece
        named[f"p{number}"] = positional[number]
    return text, named


def audience_build(
    *, campaign: Campaign, user: AbstractBaseUser | None = None, progress: Progress | None = None
) -> AudienceBuild:
    """Build the campaign's audience, replacing the previous one in the same transaction.

    1. Lock the campaign, so that two builds of it run one after the other.
    2. Delete its members and insert the new ones with one INSERT ... SELECT,
       which also counts each treatment's exclusions by reason.
    3. Keep the counts and a balance check of treatment against control.
    """
    report = progress or (lambda percent, message="": None)
    started = monotonic()
    if not FeatureRun.objects.exists():
        raise CampaignError("Refresh the customer features first: audiences are built from them.")
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status not in BUILDABLE:
            raise CampaignError(f"The audience of a {campaign.get_status_display().lower()} campaign is frozen.")
        treatments = list(campaign.treatments.select_related("segment").order_by("priority", "id"))
        if not treatments:
            raise CampaignError("Add a treatment before building the audience.")
        policy = contact_policy()
        report(10, "Selecting, excluding and splitting customers")
        counts = _build(campaign, treatments, policy)
        report(75, "Checking that treatment and control are alike")
        balance = audience_balance(campaign)
        version = (campaign.builds.aggregate(latest=Max("version"))["latest"] or 0) + 1
        build = AudienceBuild.objects.create(
            campaign=campaign,
            version=version,
            built_by=user,
            counts=counts,
            balance=balance,
            seconds=round(monotonic() - started, 2),
        )
        if campaign.status == Campaign.Status.APPROVED:
            campaign.status = Campaign.Status.AUDIENCE_BUILT
            campaign.save(update_fields=["status"])
    return build


def _build(campaign: Campaign, treatments: list[Treatment], policy: ContactPolicy) -> dict[str, dict[str, int]]:
    candidates, candidate_params = _candidates(treatments)
    statement = BUILD_SQL.format(
        candidates=candidates,
        parts=PARTS,
        customers=Customer._meta.db_table,
        contacts=ContactHistory._meta.db_table,
        members=AudienceMember._meta.db_table,
    )
    params = {
        "salt": policy.global_control_salt,
        "global_control": round(float(policy.global_control_share) * PARTS),
        "consent_email": policy.consent_email,
        "consent_sms": policy.consent_sms,
        "consent_push": policy.consent_push,
        "consent_direct_mail": policy.consent_direct_mail,
        "fatigue_since": timezone.now() - timedelta(days=policy.window_days),
        "max_contacts": policy.max_contacts,
        "campaign": campaign.pk,
        "seed": campaign.seed,
    }
    statement, params = _named(statement, candidate_params, params)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AudienceMember._meta.db_table} WHERE campaign_id = %s", [campaign.pk])
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    by_treatment = {row[0]: row[1:] for row in rows}
    counts = {}
    for treatment in treatments:
        segment, global_control, no_consent, fatigue, higher, kept_treatment, kept_control = by_treatment.get(
            treatment.pk, (0,) * 7
        )
        counts[treatment.code] = {
            "treatment_id": treatment.pk,
            "segment": segment,
            "global_control": global_control,
            "no_consent": no_consent,
            "fatigue": fatigue,
            "higher_priority": higher,
            "treatment": kept_treatment,
            "control": kept_control,
        }
    return counts


BALANCE_SQL = f"""
    SELECT m.treatment_id, m.is_control, count(*), avg(f.recency_days), avg(f.frequency), avg(f.revenue_cents),
           stddev(f.recency_days), stddev(f.frequency), stddev(f.revenue_cents)
    FROM {AudienceMember._meta.db_table} m JOIN {FEATURES} f ON f.customer_id = m.customer_id
    WHERE m.campaign_id = %s GROUP BY 1, 2
"""
STAGE_MIX_SQL = f"""
    SELECT m.treatment_id, m.is_control, coalesce(f.stage_id, 0), count(*)
    FROM {AudienceMember._meta.db_table} m JOIN {FEATURES} f ON f.customer_id = m.customer_id
    WHERE m.campaign_id = %s GROUP BY 1, 2, 3
"""


def audience_balance(campaign: Campaign) -> dict[str, Any]:
    """Treatment against control per treatment: means, standardised differences, and a test of the stage mix."""
    with connection.cursor() as cursor:
        cursor.execute(BALANCE_SQL, [campaign.pk])
        means = pd.DataFrame(
            cursor.fetchall(),
            columns=[
                "treatment_id",
                "is_control",
                "members",
                "recency",
                "frequency",
                "revenue_cents",
                "sd_recency",
                "sd_frequency",
                "sd_revenue_cents",
            ],
        )
        cursor.execute(STAGE_MIX_SQL, [campaign.pk])
        mix = pd.DataFrame(cursor.fetchall(), columns=["treatment_id", "is_control", "stage_id", "members"])
    balance = {}
    for treatment_id, rows in means.groupby("treatment_id"):
        cells = {bool(row.is_control): row for row in rows.itertuples()}
        if len(cells) < 2:
            continue
        treated, control = cells[False], cells[True]
        report = {"members": {"treatment": int(treated.members), "control": int(control.members)}}
        for measure in ("recency", "frequency", "revenue_cents"):
            spread = (
                (
                    float(getattr(treated, f"sd_{measure}") or 0) ** 2
                    + float(getattr(control, f"sd_{measure}") or 0) ** 2
                )
                / 2
            ) ** 0.5
            difference = float(getattr(treated, measure) or 0) - float(getattr(control, measure) or 0)
            report[measure] = {
                "treatment": round(float(getattr(treated, measure) or 0), 2),
                "control": round(float(getattr(control, measure) or 0), 2),
                "standardised_difference": round(difference / spread, 4) if spread else 0.0,
            }
        table = mix[mix.treatment_id == treatment_id].pivot_table(
            index="stage_id", columns="is_control", values="members", fill_value=0
        )
        if table.shape == (1, 2) or table.shape[1] < 2:
            report["stage_mix_p_value"] = 1.0
        else:
            report["stage_mix_p_value"] = round(float(stats.chi2_contingency(table.to_numpy())[1]), 4)
        report["balanced"] = (
            all(abs(report[m]["standardised_difference"]) < 0.1 for m in ("recency", "frequency", "revenue_cents"))
            and report["stage_mix_p_value"] > 0.01
        )
        balance[str(treatment_id)] = report
    return balance


def audience_build_job(job: Job, progress: Progress) -> dict[str, Any]:
    try:
        build = audience_build(
            campaign=Campaign.objects.get(pk=job.params["campaign_id"]), user=job.owner, progress=progress
        )
    except CampaignError as error:
        raise JobError(str(error)) from None
    return {
        "campaign_id": build.campaign_id,
        "version": build.version,
        "counts": build.counts,
        "seconds": build.seconds,
    }


def audience_build_enqueue(*, campaign: Campaign, owner: AbstractBaseUser) -> Job:
    from campaigns.tasks import build_audience

    return job_enqueue(
        kind=Job.Kind.AUDIENCE_BUILD,
        title=f"Audience of {campaign.name}",
        owner=owner,
        task=build_audience,
        params={"campaign_id": campaign.pk},
    )
