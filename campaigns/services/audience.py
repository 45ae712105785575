"""Audience builds: every treatment's segment, less every exclusion, split into treatment and control.

Two statements build the whole audience of a campaign (one flags every
candidate into a temporary table, one inserts the members and counts) inside
the transaction that empties the campaign's partition of the members table
(members.py), so the new snapshot replaces the old atomically and a build that
fails (or whose worker dies) leaves the old snapshot in place. Exclusions are
applied in a fixed order and each candidate is counted under the first that
applies: the suppression list (and erased customers), global control, no
consent, topic opt-out, fatigue on the treatment's channel, fatigue overall
(see pressure.py), then a higher-priority treatment of the same campaign.

A treatment on several channels reaches each customer on every one of them that
they consented to and whose cap they have room on; they are left out as "no
consent" or "fatigue on the channel" only when none is left. The channels found
are kept with the member (control members too, for results by channel).
"""

from time import monotonic
from typing import Any

import pandas as pd
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import Max
from scipy import stats

from campaigns.models import AudienceBuild, AudienceMember, Campaign, ContactPolicy, Suppression, Treatment
from campaigns.services import pressure
from campaigns.services.members import members_partition
from campaigns.services.workflow import CampaignError, contact_policy, shared_population_check
from core.services import Progress
from customers.models import Channel, ConsentChannel, Customer
from segments.features import FEATURES
from segments.models import FeatureRun
from segments.ruletree.compiler import compile_rules
from segments.services import segment_rules_lookup

BUILDABLE = {Campaign.Status.DRAFT, Campaign.Status.SUBMITTED, Campaign.Status.APPROVED, Campaign.Status.AUDIENCE_BUILT}
# Shares are compared as parts per million of a 63-bit hash: fine enough for any holdout a marketer sets.
PARTS = 1_000_000
REASONS = [
    "suppressed",
    "global_control",
    "no_consent",
    "topic_opt_out",
    "channel_fatigue",
    "fatigue",
    "higher_priority",
]
# The reasons a customer is held out of the whole build; "higher_priority" is counted by the ranking.
EXCLUSIONS = REASONS[:-1]

# A channel that needs consent reaches a customer who gave it, or anyone when the policy does not ask for it.
CONSENT_CASES = "\n".join(
    f"WHEN '{channel}' THEN NOT %(consent_{channel})s OR cu.consent_{channel}" for channel in ConsentChannel.values
)


def _consents(channel: str) -> str:
    return f"CASE {channel} {CONSENT_CASES} ELSE TRUE END"


def _several_channels(treatments: list[Treatment]) -> list[str]:
    """Every channel of the campaign's treatments, in the channels' own order, when one of them uses several."""
    if not any(treatment.also_channels for treatment in treatments):
        return []
    used = {channel for treatment in treatments for channel in treatment.channels}
    return [channel for channel in Channel.values if channel in used]


def _channel_tests(caps: dict, *, channels: list[str]) -> dict[str, str]:
    """The build's channel conditions. A treatment on one channel excludes a customer it may not reach there; one
    on several keeps everyone reachable on at least one of them, and records those channels (`reach`, as bits;
    `reached`, the same as the list a member keeps).

    For treatments on several channels the test is written out per channel of the campaign (`channels`, every
    channel any of its treatments uses, all known values), so no per-row subquery walks each candidate's list.
    """
    lists = AudienceMember._meta.get_field("channels").db_type(connection)
    if not channels:
        return {
            "no_consent": f"NOT {_consents('c.channel')}",
            "channel_fatigue": pressure.over_channel_cap(caps, channel="c.channel", counted="p"),
            "reach": "NULL::integer",
            "reached": f"NULL::{lists}",
        }
    reachable, room = [], []
    for channel in channels:
        offered = f"'{channel}' = ANY(c.channels)"
        consent = f"(NOT %(consent_{channel})s OR cu.consent_{channel})" if channel in ConsentChannel.values else "TRUE"
        space = f"coalesce(p.on_{channel}, 0) < %(cap_{channel}_max)s" if channel in caps else "TRUE"
        reachable.append(f"({offered} AND {consent})")
        room.append(f"({offered} AND {consent} AND {space})")
    # Every candidate keeps the channels it may be reached on as bits (the channel's place in `channels`); only
    # the members' are spelled out, by the statement that inserts them, as one of the lists those bits can stand
    # for, written out beforehand in the column's own type (no list built and converted for every member).
    reached = " ".join(
        f"WHEN {mask} THEN '{{{','.join(name for bit, name in enumerate(channels) if mask & 1 << bit)}}}'::{lists}"
        for mask in range(1, 1 << len(channels))
    )
    return {
        "no_consent": f"NOT ({' OR '.join(reachable)})",
        "channel_fatigue": f"NOT ({' OR '.join(room)})",
        "reach": " | ".join(f"CASE WHEN {test} THEN {1 << bit} ELSE 0 END" for bit, test in enumerate(room)),
        "reached": f"CASE reach {reached} ELSE '{{}}'::{lists} END",
    }


# The candidates, each flagged with the first exclusion that applies to it and ranked, go into a temporary table
# made by a plain SELECT, which PostgreSQL may run on several cores: it counts the contact pressure on all of them
# (a statement that also writes to a table runs on one). The members are then inserted from it and every count is
# read from it, without working it out again.
CANDIDATES = "audience_candidates"
FLAG_SQL = """
CREATE TEMPORARY TABLE {flagged_table} ON COMMIT DROP AS
WITH candidates AS (
    {candidates}
), flagged AS (
    SELECT c.*,
        CASE
            WHEN s.customer_id IS NOT NULL OR cu.erased_at IS NOT NULL THEN 'suppressed'
            WHEN (hashtextextended(%(salt)s || ':' || c.customer_id, 0) & 9223372036854775807) %% {parts}
                 < %(global_control)s THEN 'global_control'
            WHEN {no_consent} THEN 'no_consent'
            -- A customer who chose topics but not this one opted out; one who chose none has no preference.
            WHEN c.topic <> '' AND cardinality(cu.topics) > 0 AND NOT c.topic = ANY(cu.topics) THEN 'topic_opt_out'
            WHEN {channel_fatigue} THEN 'channel_fatigue'
            WHEN coalesce(p.overall, 0) >= %(max_contacts)s THEN 'fatigue'
        END AS excluded,
        {reach} AS reach
    FROM candidates c
    JOIN {customers} cu ON cu.id = c.customer_id
    LEFT JOIN {suppressions} s ON s.customer_id = c.customer_id
    LEFT JOIN ({pressure}) p ON p.customer_id = c.customer_id
), ranked AS (
    {ranked}
)
SELECT treatment_id, customer_id, excluded, rank, stage_id, reach, recency_days, frequency, revenue_cents,
       CASE WHEN excluded IS NULL AND rank = 1
            THEN (hashtextextended(customer_id::text, %(seed)s) & 9223372036854775807) %% {parts} < holdout
       END AS is_control
FROM ranked
"""
# Sorting the candidates by customer and merging them with the customers (read in key order), the suppressions
# and the contact pressure costs about a third less CPU than hashing them: the hash tables of a 60% segment and of
# the pressure outgrow the processor's caches and every lookup misses them. Hashing them on every core instead (the
# planner's choice when hash joins are allowed and handing rows between processes is cheap) takes a quarter more
# CPU in all and was no faster on two busy cores. Memory enough to sort a whole customer base in one go; both
# settings hold for that statement only, and what was in force before (a longer job's own SET LOCAL, say) is put
# back after it. A failed statement needs no putting back: it rolls back with its transaction or savepoint.
FLAG_SETTINGS_KEPT = "SELECT current_setting('enable_hashjoin'), current_setting('work_mem')"
FLAG_SETTINGS = "SELECT set_config('enable_hashjoin', %s, true), set_config('work_mem', %s, true)"
FLAG_PLAN = ("off", "256MB")
# The members (the candidates with a cell) are inserted, and every candidate is counted once, by treatment,
# exclusion, cell and stage, with the means and variances the balance check needs: two reads of the candidates,
# and a handful of groups that _counts adds up per treatment and per cell.
BUILD_SQL = """
WITH inserted AS (
    INSERT INTO {members} (campaign_id, customer_id, treatment_id, is_control, contacted_on, stage_id, channels)
    SELECT %(campaign)s, customer_id, treatment_id, is_control, NULL, stage_id, {reached}
    FROM {flagged_table} WHERE is_control IS NOT NULL
)
SELECT treatment_id, excluded, rank > 1 AS lower_priority, is_control, coalesce(stage_id, 0) AS stage,
       count(*) AS customers,
       avg(recency_days::float8) AS recency, var_samp(recency_days::float8) AS var_recency,
       avg(frequency::float8) AS frequency, var_samp(frequency::float8) AS var_frequency,
       avg(revenue_cents::float8) AS revenue_cents, var_samp(revenue_cents::float8) AS var_revenue_cents
FROM {flagged_table}
GROUP BY treatment_id, excluded, rank > 1, is_control, coalesce(stage_id, 0)
"""
MEASURES = ("recency", "frequency", "revenue_cents")
BUILD_COLUMNS = [
    "treatment_id",
    "excluded",
    "lower_priority",
    "is_control",
    "stage",
    "customers",
    *(f"{prefix}{measure}" for measure in MEASURES for prefix in ("", "var_")),
]
RANK_BY_PRIORITY = """SELECT flagged.*, CASE WHEN excluded IS NULL THEN
        row_number() OVER (PARTITION BY customer_id, excluded IS NULL ORDER BY priority, treatment_id) END AS rank
    FROM flagged"""
# With a shared control group the treatments are randomised over one population: a customer is drawn for one
# of them by a hash of the customer, the treatment and the seed, and is kept out of all of them by the first
# exclusion that applies to any (a customer without SMS consent is out of an e-mail and SMS test altogether,
# or the SMS treatment would reach a different population than the control). Control members keep the
# treatment they were drawn for; the results compare each treatment with all of them. The text hash is hashed
# again as a number: ordered by itself, its high bits gave one treatment of three 39% of a thousand customers
# and another 27% far more often than chance allows (one draw in fifty failed a 0.1% test of equal shares).
ARM_DRAW = "hashint8extended(hashtextextended(customer_id::text || ':' || treatment_id::text, %(seed)s), %(seed)s)"
RANK_RANDOMISED = """SELECT shared.*, CASE WHEN excluded IS NULL THEN
        row_number() OVER (PARTITION BY customer_id, excluded IS NULL ORDER BY {arm_draw}) END AS rank
    FROM (SELECT treatment_id, priority, channel, holdout, customer_id, recency_days, frequency, revenue_cents,
                 stage_id, reach,
                 ({exclusions})[min(array_position({exclusions}, excluded)) OVER (PARTITION BY customer_id)] AS excluded
          FROM flagged) shared""".replace(
    "{exclusions}", "ARRAY[" + ", ".join(f"'{reason}'" for reason in EXCLUSIONS) + "]"
).replace("{arm_draw}", ARM_DRAW)
# With one treatment no customer can be wanted twice: no need to sort every candidate by customer. Every
# candidate comes first (whether it is chosen is up to its exclusion): a rank worked out from the exclusion would
# have PostgreSQL work the exclusion out twice for every candidate.
RANK_ALONE = "SELECT flagged.*, 1 AS rank FROM flagged"


def _candidates(campaign: Campaign, treatments: list[Treatment]) -> tuple[str, dict[str, Any]]:
    """One SELECT per treatment of its segment's members, glued with UNION ALL, and the parameters they need."""
    parts, params = [], {}
    for treatment in treatments:
        holdout = campaign.shared_control_share if campaign.shares_control else treatment.holdout_share
        prefix = f"t{int(treatment.pk)}_"
        condition, condition_params = compile_rules(
            treatment.segment.rules,
            segment_rules=segment_rules_lookup,
            visiting=(treatment.segment_id,),
            prefix=f"{prefix}rule",
        )
        parts.append(
            f"SELECT {int(treatment.pk)}::bigint AS treatment_id, {int(treatment.priority)} AS priority, "
            f"%({prefix}channel)s::text AS channel, %({prefix}channels)s::text[] AS channels, "
            f"%({prefix}topic)s::text AS topic, "
            f"{round(float(holdout) * PARTS)} AS holdout, "
            f"f.customer_id, f.recency_days, f.frequency, f.revenue_cents, f.stage_id "
            f"FROM {FEATURES} f WHERE {condition}"
        )
        params |= {
            f"{prefix}channel": treatment.channel,
            f"{prefix}channels": treatment.channels,
            f"{prefix}topic": treatment.topic,
            **condition_params,
        }
    return "\nUNION ALL\n".join(parts), params


def audience_build(
    *, campaign: Campaign, user: AbstractBaseUser | None = None, progress: Progress | None = None
) -> AudienceBuild:
    """Build the campaign's audience, replacing the previous one in the same transaction.

    1. Lock the campaign, so that two builds of it run one after the other: the
       lock is the build's place in line, taken when it starts and held until it
       commits, so a build that waited for it reads the treatments after the
       other build and is numbered after it. The audience in place is always the
       newest build's; no older build can finish after it.
    2. Take the contact-pressure lock, which every build and release takes
       after its campaign's: builds of different campaigns run one after the
       other from here, so each counts the members the one before committed,
       and two campaigns built back to back cannot pass a cap together.
    3. Flag every candidate with its exclusion into a temporary table, empty
       the campaign's partition of the members table, and insert the new
       members from it with one INSERT ... SELECT, which also counts each
       treatment's exclusions by reason.
    4. Keep the counts and a balance check of treatment against control, under
       the next version (read under the same lock).
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
        shared_population_check(campaign, treatments)
        policy = contact_policy()
        with connection.cursor() as cursor:
            pressure.lock(cursor)
        report(10, "Selecting, excluding and splitting customers")
        counts, balance = _build(campaign, treatments, policy)
        report(75, "Keeping the counts")
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


def _build(campaign: Campaign, treatments: list[Treatment], policy: ContactPolicy) -> tuple[dict, dict]:
    """Replace the members, and return each treatment's counts and balance check, from one statement."""
    candidates, candidate_params = _candidates(campaign, treatments)
    caps = pressure.channel_caps()
    counted, pressure_params = pressure.pressure(
        campaign=campaign, on=pressure.send_date(campaign), policy=policy, caps=caps
    )
    rankings = {False: RANK_BY_PRIORITY, True: RANK_RANDOMISED}
    ranked = RANK_ALONE if len(treatments) == 1 else rankings[campaign.shares_control]
    tests = _channel_tests(caps, channels=_several_channels(treatments))
    flag = FLAG_SQL.format(
        flagged_table=CANDIDATES,
        candidates=candidates,
        ranked=ranked,
        parts=PARTS,
        customers=Customer._meta.db_table,
        suppressions=Suppression._meta.db_table,
        pressure=counted,
        no_consent=tests["no_consent"],
        channel_fatigue=tests["channel_fatigue"],
        reach=tests["reach"],
    )
    with connection.cursor() as cursor:
        members = members_partition(cursor, campaign.pk)
    build = BUILD_SQL.format(flagged_table=CANDIDATES, members=members, reached=tests["reached"])
    params = {
        "salt": policy.global_control_salt,
        "global_control": round(float(policy.global_control_share) * PARTS),
        **{f"consent_{channel}": getattr(policy, f"consent_{channel}") for channel in ConsentChannel.values},
        "max_contacts": policy.max_contacts,
        **pressure_params,
        "seed": campaign.seed,
        **candidate_params,
    }
    with connection.cursor() as cursor:
        cursor.execute(FLAG_SETTINGS_KEPT)
        kept = cursor.fetchone()
        cursor.execute(FLAG_SETTINGS, FLAG_PLAN)
        cursor.execute(flag, params)
        cursor.execute(FLAG_SETTINGS, kept)
        # Emptied only now: readers of this campaign's members wait for the build from here, not from its start.
        cursor.execute(f"TRUNCATE {members}")
        cursor.execute(build, {"campaign": campaign.pk})
        frame = pd.DataFrame(cursor.fetchall(), columns=BUILD_COLUMNS)
        # Dropped now, not only at commit: a build inside a longer transaction may be followed by another.
        cursor.execute(f"DROP TABLE {CANDIDATES}")
    return _counts(frame, treatments)


def _counts(groups: pd.DataFrame, treatments: list[Treatment]) -> tuple[dict, dict]:
    """Each treatment's counts, and its balance check when it has both cells, from the build's groups."""
    counts, balance = {}, {}
    for treatment in treatments:
        rows = groups[groups.treatment_id == treatment.pk]
        members = rows[rows.is_control.notna()]
        cells = {bool(is_control): _cell(cell) for is_control, cell in members.groupby("is_control")}
        by_reason = rows[rows.excluded.notna()].groupby("excluded").customers.sum()
        counts[treatment.code] = {
            "treatment_id": treatment.pk,
            "segment": int(rows.customers.sum()),
            **{reason: int(by_reason.get(reason, 0)) for reason in EXCLUSIONS},
            "higher_priority": int(rows[rows.excluded.isna() & rows.lower_priority].customers.sum()),
            "treatment": cells[False]["members"] if False in cells else 0,
            "control": cells[True]["members"] if True in cells else 0,
            # Treated members per stage id (0: not staged), for the plan's contact pressure by stage.
            "stages": cells[False]["stages"] if False in cells else {},
        }
        if len(cells) == 2:
            balance[str(treatment.pk)] = _balance(cells[False], cells[True])
    return counts, balance


def _cell(groups: pd.DataFrame) -> dict[str, Any]:
    """One cell's size, stage mix, and the mean and standard deviation of each measure over its stages' groups
    (the groups' variances pooled with the spread of their means)."""
    size = int(groups.customers.sum())
    cell: dict[str, Any] = {
        "members": size,
        "stages": {str(int(stage)): int(n) for stage, n in zip(groups.stage, groups.customers, strict=True)},
    }
    for measure in MEASURES:
        means = groups[measure].astype(float)
        mean = float((groups.customers * means).sum() / size)
        within = ((groups.customers - 1) * groups[f"var_{measure}"].astype(float).fillna(0)).sum()
        between = (groups.customers * (means - mean) ** 2).sum()
        cell[measure] = mean
        cell[f"sd_{measure}"] = float(((within + between) / (size - 1)) ** 0.5) if size > 1 else None
    return cell


def _balance(treated: dict[str, Any], control: dict[str, Any]) -> dict[str, Any]:
    """Treatment against control (cells as _cell makes them): standardised mean differences, and a chi-square
    test of the stage mix."""
    report: dict[str, Any] = {"members": {"treatment": treated["members"], "control": control["members"]}}
    for measure in MEASURES:
        means = [cell[measure] or 0.0 for cell in (treated, control)]
        spreads = [cell[f"sd_{measure}"] or 0.0 for cell in (treated, control)]
        pooled = ((spreads[0] ** 2 + spreads[1] ** 2) / 2) ** 0.5
        report[measure] = {
            "treatment": round(means[0], 2),
            "control": round(means[1], 2),
            "standardised_difference": round((means[0] - means[1]) / pooled, 4) if pooled else 0.0,
        }
    stages = {name: pd.Series(cell["stages"]) for name, cell in (("treatment", treated), ("control", control))}
    table = pd.DataFrame(stages).fillna(0)
    table = table[table.sum(axis=1) > 0]
    report["stage_mix_p_value"] = (
        round(float(stats.chi2_contingency(table.to_numpy())[1]), 4) if len(table) > 1 else 1.0
    )
    report["balanced"] = report["stage_mix_p_value"] > 0.01 and all(
        abs(report[measure]["standardised_difference"]) < 0.1 for measure in MEASURES
    )
    return report
