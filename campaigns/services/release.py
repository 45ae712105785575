"""Releasing a campaign: the budget check, the contact history and the status, in one transaction."""

from datetime import date, datetime, time

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from campaigns.models import (
    AllocationRun,
    AudienceMember,
    Campaign,
    Channel,
    ContactHistory,
    OfferAllocation,
    Suppression,
    Treatment,
)
from campaigns.services import pressure
from campaigns.services.members import members_analyze
from campaigns.services.workflow import CampaignError, check_transition, contact_policy
from core.lib.money import format_cents as money
from core.lib.quarters import prorate, quarter_bounds
from offers.models import Offer
from segments.models import PortfolioBudget

RELEASE_SQL = f"""
    INSERT INTO {ContactHistory._meta.db_table} (customer_id, campaign_id, treatment_id, channel, contacted_at,
                                                 offer_codes)
    SELECT m.customer_id, m.campaign_id, m.treatment_id, reached.channel, %(at)s,
           CASE t.offer_strategy
               WHEN 'fixed' THEN jsonb_build_array(t.offer_code)
               WHEN 'best_n' THEN coalesce(given.codes, '[]'::jsonb)
               ELSE '[]'::jsonb END
    FROM {AudienceMember._meta.db_table} m JOIN {Treatment._meta.db_table} t ON t.id = m.treatment_id
    -- One contact per channel the member is reached on, each with the same offers.
    CROSS JOIN LATERAL unnest(coalesce(m.channels, ARRAY[t.channel]::varchar[])) AS reached (channel)
    LEFT JOIN (
        SELECT a.customer_id, jsonb_agg(o.code ORDER BY a.slot) AS codes
        FROM {OfferAllocation._meta.db_table} a JOIN {Offer._meta.db_table} o ON o.id = a.offer_id
        WHERE a.run_id = %(run)s GROUP BY a.customer_id
    ) given ON given.customer_id = m.customer_id
    WHERE m.campaign_id = %(campaign)s AND NOT m.is_control
"""


# The release's members against the policy as it stands on the send date: suppressed since the build, or past a
# cap because the send date moved or other campaigns were released or planned around it.
RECHECK_SQL = f"""
    SELECT reached.channel,
           count(*) FILTER (WHERE s.customer_id IS NOT NULL) AS suppressed,
           count(*) FILTER (WHERE {{over_channel_cap}}) AS channel_fatigue,
           count(*) FILTER (WHERE coalesce(p.overall, 0) >= %(max_contacts)s) AS fatigue
    FROM {AudienceMember._meta.db_table} m
    JOIN {Treatment._meta.db_table} t ON t.id = m.treatment_id
    CROSS JOIN LATERAL unnest(coalesce(m.channels, ARRAY[t.channel]::varchar[])) AS reached (channel)
    LEFT JOIN {Suppression._meta.db_table} s ON s.customer_id = m.customer_id
    LEFT JOIN ({{pressure}}) p ON p.customer_id = m.customer_id
    WHERE m.campaign_id = %(campaign)s AND NOT m.is_control
    GROUP BY reached.channel
"""


def policy_check(campaign: Campaign, on: date) -> None:
    """Refuse, naming how many customers and which rule, a release whose members the policy now excludes."""
    policy, caps = contact_policy(), pressure.channel_caps()
    counted, params = pressure.pressure(campaign=campaign, on=on, policy=policy, caps=caps)
    statement = RECHECK_SQL.format(
        pressure=counted, over_channel_cap=pressure.over_channel_cap(caps, channel="reached.channel", counted="p")
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, {**params, "campaign": campaign.pk, "max_contacts": policy.max_contacts})
        rows = cursor.fetchall()
    problems = []
    suppressed = sum(row[1] for row in rows)
    if suppressed:
        problems.append(f"{_customers(suppressed)} on the suppression list")
    for channel, _, over_channel, _ in rows:
        if over_channel:
            cap = caps[channel]
            problems.append(
                f"{_customers(over_channel)} past the {Channel(channel).label} cap of "
                f"{_plural(cap.max_contacts, 'contact')} in {cap.window_days} days"
            )
    overall = sum(row[3] for row in rows)
    if overall:
        problems.append(
            f"{_customers(overall)} past the overall cap of {_plural(policy.max_contacts, 'contact')} "
            f"in {policy.window_days} days"
        )
    if problems:
        raise CampaignError(
            f"Sending {campaign.name} on {on:%d %b %Y} would contact {'; '.join(problems)}, counting the contacts "
            "released and planned around that day. Build the audience again: the build leaves them out."
        )


def _customers(count: int) -> str:
    return _plural(count, "customer")


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'s' if count != 1 else ''}"


def planned_cost_cents(campaign: Campaign) -> int:
    """What releasing would cost: per treatment, its treated members times the cost per contact, plus the
    redemptions its expected response rate predicts times the cost per redemption; for best-offer
    treatments, the expected redemption cost of the offers allocated instead."""
    members = (
        AudienceMember.objects.filter(campaign=campaign, is_control=False)
        .values(
            "treatment__offer_strategy",
            "treatment__cost_per_contact_cents",
            "treatment__expected_response_rate",
            "treatment__cost_per_redemption_cents",
        )
        .annotate(contacts=Count("customer"))
    )
    allocated = current_allocation(campaign)
    offers = round(sum(row["spent_cents"] for row in allocated.per_offer)) if allocated else 0
    return offers + sum(
        row["contacts"] * row["treatment__cost_per_contact_cents"]
        + (
            0
            if row["treatment__offer_strategy"] == Treatment.OfferStrategy.BEST_N
            else round(
                row["contacts"] * row["treatment__expected_response_rate"] * row["treatment__cost_per_redemption_cents"]
            )
        )
        for row in members
    )


def current_allocation(campaign: Campaign) -> AllocationRun | None:
    """The published allocation of the campaign's current audience, if its offers were allocated."""
    build = campaign.builds.order_by("-version").values_list("version", flat=True).first()
    runs = campaign.allocation_runs.filter(status=AllocationRun.Status.PUBLISHED, build_version=build)
    return runs.order_by("-created_at").first()


def committed_cents(*, portfolio_id: int, year: int, quarter: int, excluding: int | None = None) -> int:
    """What the portfolio's released campaigns booked against the quarter: each campaign's committed cost is
    charged to the quarters it runs in, pro rata to its days in each."""
    first, last = quarter_bounds(year, quarter)
    released = (
        Campaign.objects.filter(portfolio_id=portfolio_id, start_date__lte=last, end_date__gte=first)
        .filter(status__in=[Campaign.Status.RELEASED, Campaign.Status.MEASURING, Campaign.Status.CLOSED])
        .exclude(pk=excluding)
        .values_list("committed_cents", "start_date", "end_date")
    )
    return sum(prorate(cents, start, end).get((year, quarter), 0) for cents, start, end in released)


def campaign_release(
    *, campaign: Campaign, user: AbstractBaseUser | None, contacted_at: datetime | None = None
) -> Campaign:
    """Release an approved campaign with a built audience, if its planned cost fits the quarters' budgets.

    1. Lock the portfolio's budget rows of the quarters the campaign runs in,
       in date order: a second release against one of them waits here until
       this one commits, and then sees its cost as committed.
    2. Refuse if the planned cost, charged to those quarters pro rata to the
       campaign's days in each, does not fit what remains of each budget.
    3. Take the contact-pressure lock (after the campaign's, as builds do) and
       refuse if, on the send date, members are suppressed or would pass a
       contact cap: a campaign released later than planned is checked again
       against what was released and planned around its new date.
    4. Write one contact-history row per treatment member (never control),
       date every member of the audience with the send date, and book the cost.

    The send date is the campaign's start, or now for a campaign released once it has started: results
    measure from the day the contacts go out, not from the day they were approved for it.
    """
    contacted_at = contacted_at or max(
        timezone.now(), timezone.make_aware(datetime.combine(campaign.start_date, time.min))
    )
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        check_transition(campaign, "release")
        if not campaign.builds.exists():
            raise CampaignError("Build the audience before releasing the campaign.")
        if campaign.portfolio_id is None:
            raise CampaignError("Choose the portfolio whose budget the campaign spends before releasing it.")
        allocated = current_allocation(campaign)
        if (
            allocated is None
            and AudienceMember.objects.filter(
                campaign=campaign, is_control=False, treatment__offer_strategy=Treatment.OfferStrategy.BEST_N
            ).exists()
        ):
            raise CampaignError(
                "The best-offer treatments have no offers for this audience yet: wait for the allocation that "
                "follows the audience build, or allocate the offers again."
            )
        planned = planned_cost_cents(campaign)
        _budget_check(campaign, planned)
        with connection.cursor() as cursor:
            pressure.lock(cursor)
        policy_check(campaign, timezone.localtime(contacted_at).date())
        with connection.cursor() as cursor:
            cursor.execute(
                RELEASE_SQL, {"at": contacted_at, "campaign": campaign.pk, "run": allocated.pk if allocated else 0}
            )
        AudienceMember.objects.filter(campaign=campaign).update(contacted_on=contacted_at.date())
        # Results plan their matching on how many members have a contact date: with the statistics of before
        # the release PostgreSQL would expect none and pick nested loops that run for hours.
        with connection.cursor() as cursor:
            members_analyze(cursor, campaign.pk)
        campaign.status = check_transition(campaign, "release")
        campaign.released_at, campaign.committed_cents = contacted_at, planned
        campaign.save(update_fields=["status", "released_at", "committed_cents"])
    return campaign


def _budget_check(campaign: Campaign, planned: int) -> None:
    """Lock the budget of every quarter the campaign runs in (in order, as every release does) and refuse if
    its share of the planned cost does not fit what remains of any of them."""
    shares = prorate(planned, campaign.start_date, campaign.end_date)
    budgets = {
        (budget.year, budget.quarter): budget
        for budget in PortfolioBudget.objects.select_for_update()
        .filter(portfolio_id=campaign.portfolio_id)
        .filter(_quarters_q(shares))
        .order_by("year", "quarter")
    }
    for (year, quarter), share in shares.items():
        budget = budgets.get((year, quarter))
        if budget is None:
            raise CampaignError(
                f"{campaign.portfolio} has no budget for {year} Q{quarter}, a quarter the campaign runs in; "
                "its owner or a manager sets one first."
            )
        committed = committed_cents(
            portfolio_id=campaign.portfolio_id, year=year, quarter=quarter, excluding=campaign.pk
        )
        remaining = budget.amount_cents - committed
        if share > remaining:
            spread = "" if len(shares) == 1 else f" ({money(share)} of {money(planned)} falls in {year} Q{quarter})"
            raise CampaignError(
                f"Releasing would cost {money(share if len(shares) > 1 else planned)}{spread} but only "
                f"{money(remaining)} of {campaign.portfolio}'s {year} Q{quarter} budget of "
                f"{money(budget.amount_cents)} is left."
            )


def _quarters_q(shares: dict) -> Q:
    condition = Q(pk__in=[])
    for year, quarter in shares:
        condition |= Q(year=year, quarter=quarter)
    return condition


def budget_position(*, portfolio_id: int, year: int, quarter: int) -> dict[str, int]:
    budget = PortfolioBudget.objects.filter(portfolio_id=portfolio_id, year=year, quarter=quarter).first()
    committed = committed_cents(portfolio_id=portfolio_id, year=year, quarter=quarter)
    amount = budget.amount_cents if budget else 0
    return {"budget": amount, "committed": committed, "remaining": amount - committed}
