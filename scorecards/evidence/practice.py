"""Evidence for the direct-marketing maturity scorecard: how the team plans, builds, runs and learns from its
campaigns, read from campaigns, treatments, approvals, contacts, results and portfolios."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, F, Func, OuterRef, Q, QuerySet, Value

from campaigns.models import Campaign, ContactHistory, Treatment
from core.lib.money import format_cents
from core.roles import ADMIN, ALL_ROLES
from offers.models import Offer
from reporting.models import CampaignResult, Scenario
from scorecards.evidence.registry import (
    Link,
    Measure,
    Period,
    campaign_links,
    campaigns_starting,
    indicator,
    level_of_share,
    share_of,
    share_words,
    sql_rows,
)
from segments.models import Portfolio, PortfolioBudget, PortfolioObjective
from segments.selectors import objectives_progress, stage_history

APPROVAL_DAYS = 5  # an approval within this many days of the submission counts as on time
RELEASED = (Campaign.Status.RELEASED, Campaign.Status.MEASURING, Campaign.Status.CLOSED)


# --- Strategy ---------------------------------------------------------------------------------------------------


@indicator("planning-process", "planned-ahead", "Campaigns planned before their quarter began")
def planned_ahead(period: Period) -> Measure:
    quarter_start = Func(F("year"), F("quarter") * 3 - 2, Value(1), function="make_date")
    rows = list(
        campaigns_starting(period)
        .filter(imported=False)
        .annotate(quarter_start=quarter_start)
        .annotate(ahead=Q(created_at__date__lt=F("quarter_start")))
        .values_list("pk", "name", "ahead")
    )
    ahead = sum(1 for *_, ok in rows if ok)
    share = share_of(ahead, len(rows))
    return Measure(
        value=share,
        display=share_words(ahead, len(rows), "campaigns"),
        level=level_of_share(share),
        note="Campaigns starting in the year (imported ones aside) that were created before their quarter's first day.",
        links=campaign_links(rows),
    )


def quarters_with_scenario(period: Period) -> set[int] | None:
    """The quarters of the period (as year * 4 + quarter - 1) whose plan was weighed with a what-if scenario."""
    first, last = period.quarters
    quarters = Scenario.objects.values_list("year", "quarter").distinct()
    return {year * 4 + quarter - 1 for year, quarter in quarters if first <= year * 4 + quarter - 1 <= last}


@indicator("planning-process", "scenario-quarters", "Quarters planned with a what-if scenario")
def scenario_quarters(period: Period) -> Measure:
    with_scenario = quarters_with_scenario(period)
    if with_scenario is None:
        return Measure(None, "Not measured: the app has no scenarios yet", None, "", [])
    first, last = period.quarters
    quarters = last - first + 1
    planned = len({quarter for quarter in with_scenario if first <= quarter <= last})
    share = share_of(planned, quarters)
    return Measure(share, share_words(planned, quarters, "quarters"), level_of_share(share), "", [])


@indicator("segment-planning", "managed-portfolios", "Portfolios with an owner, an approved budget and objectives")
def managed_portfolios(period: Period) -> Measure:
    first, last = period.quarters
    in_period = Q(quarter_index__gte=first, quarter_index__lte=last)
    index = F("year") * 4 + F("quarter") - 1
    budgets = PortfolioBudget.objects.annotate(quarter_index=index).filter(in_period, portfolio=OuterRef("pk"))
    objectives = PortfolioObjective.objects.annotate(quarter_index=index).filter(in_period, portfolio=OuterRef("pk"))
    rows = list(
        Portfolio.objects.annotate(managed=Q(owner__is_active=True) & Exists(budgets) & Exists(objectives)).values_list(
            "pk", "name", "managed"
        )
    )
    managed = sum(1 for *_, ok in rows if ok)
    share = share_of(managed, len(rows))
    return Measure(
        value=share,
        display=share_words(managed, len(rows), "portfolios"),
        level=level_of_share(share),
        note="An approved budget and an objective for at least one quarter of the year, and an active owner.",
        links=[Link(kind="portfolio", id=pk, name=name, ok=ok) for pk, name, ok in sorted(rows, key=lambda r: r[2])],
    )


@indicator("segment-planning", "spend-in-portfolios", "Share of contact spend inside portfolios")
def spend_in_portfolios(period: Period) -> Measure:
    contacts = ContactHistory._meta.db_table
    rows = sql_rows(
        f"""
        SELECT c.id, c.name, c.portfolio_id IS NOT NULL, sum(n.contacts * t.cost_per_contact_cents)
        FROM (
            SELECT treatment_id, count(*) AS contacts FROM {contacts}
            WHERE contacted_at >= %(start)s AND contacted_at < %(end)s GROUP BY treatment_id
        ) n
        JOIN {Treatment._meta.db_table} t ON t.id = n.treatment_id
        JOIN {Campaign._meta.db_table} c ON c.id = t.campaign_id
        GROUP BY c.id, c.name, c.portfolio_id
        """,
        {"start": period.first_moment, "end": period.after_last_moment},
    )
    total = sum(int(spend) for *_, spend in rows)
    inside = sum(int(spend) for _, _, ok, spend in rows if ok)
    share = share_of(inside, total)
    display = f"{100 * share:.0f}% of {format_cents(total)} spent on contacts" if total else "No contact spend"
    return Measure(
        value=share,
        display=display,
        level=level_of_share(share, developing=0.5, advanced=0.9),
        note="What the year's contacts cost (contacts times each treatment's cost per contact), by campaign.",
        links=campaign_links([(pk, name, ok) for pk, name, ok, _ in rows]),
    )


@indicator("strategic-development", "multichannel-campaigns", "Campaigns using two or more channels")
def multichannel_campaigns(period: Period) -> Measure:
    rows = list(
        campaigns_starting(period)
        .annotate(channels=Count("treatments__channel", distinct=True))
        .filter(channels__gt=0)
        # Two channels among its treatments, or one treatment sent with the same offers on several.
        .annotate(
            multi=Q(channels__gte=2)
            | Exists(Treatment.objects.filter(campaign=OuterRef("pk")).exclude(also_channels=[]))
        )
        .values_list("pk", "name", "multi")
    )
    multi = sum(1 for *_, ok in rows if ok)
    share = share_of(multi, len(rows))
    return Measure(
        value=share,
        display=share_words(multi, len(rows), "campaigns"),
        level=level_of_share(share, developing=0.1, advanced=0.4),
        note=(
            "Campaigns starting in the year whose treatments reach customers on two or more channels, or that send "
            "one treatment on several."
        ),
        links=campaign_links(rows),
    )


@indicator("strategic-development", "offers-across-channels", "Offers sent on two or more channels")
def offers_across_channels(period: Period) -> Measure:
    treatments = Treatment.objects.filter(
        offer=OuterRef("pk"), campaign__start_date__gte=period.start, campaign__start_date__lte=period.end
    )
    channels = treatments.order_by().values("offer").annotate(n=Count("channel", distinct=True)).values("n")[:1]
    offers = list(Offer.objects.filter(Exists(treatments)).annotate(used_on=channels).values_list("pk", "used_on"))
    across = sum(1 for _, n in offers if n >= 2)
    share = share_of(across, len(offers))
    across_channels = Treatment.objects.filter(
        offer__in=[pk for pk, n in offers if n >= 2],
        campaign__start_date__gte=period.start,
        campaign__start_date__lte=period.end,
    )
    campaigns = Campaign.objects.filter(pk__in=across_channels.values("campaign")).values_list("pk", "name")
    return Measure(
        value=share,
        display=share_words(across, len(offers), "fixed offers sent"),
        level=level_of_share(share, developing=0.1, advanced=0.4),
        note="Bank offers given as a fixed offer by campaigns starting in the year, and on how many channels.",
        links=campaign_links([(pk, name, True) for pk, name in campaigns]),
    )


# --- Campaign creation ------------------------------------------------------------------------------------------


@indicator("campaign-planning", "designed-campaigns", "Campaigns with a holdout and a forecast in every treatment")
def designed_campaigns(period: Period) -> Measure:
    shared = Q(control_design=Campaign.ControlDesign.SHARED, shared_control_share__gt=0)
    undesigned = Treatment.objects.filter(campaign=OuterRef("pk")).filter(
        Q(expected_order_value_cents=0) | (Q(holdout_share=0) & ~Q(campaign__control_design="shared"))
    )
    rows = list(
        campaigns_starting(period)
        .filter(imported=False, treatments__isnull=False)
        .distinct()
        .annotate(designed=~Exists(undesigned) & (shared | ~Q(control_design=Campaign.ControlDesign.SHARED)))
        .values_list("pk", "name", "designed")
    )
    designed = sum(1 for *_, ok in rows if ok)
    share = share_of(designed, len(rows))
    return Measure(
        value=share,
        display=share_words(designed, len(rows), "campaigns"),
        level=level_of_share(share, developing=0.5, advanced=0.9),
        note="Campaigns starting in the year (imported ones aside): each treatment keeps a control group and "
        "forecasts an order value.",
        links=campaign_links(rows),
    )


@indicator("cross-channel", "customers-on-several-channels", "Customers contacted on two or more channels")
def customers_on_several_channels(period: Period) -> Measure:
    ((customers, several),) = sql_rows(
        f"""
        SELECT count(*), count(*) FILTER (WHERE channels >= 2)
        FROM (
            SELECT customer_id, count(DISTINCT channel) AS channels FROM {ContactHistory._meta.db_table}
            WHERE contacted_at >= %(start)s AND contacted_at < %(end)s GROUP BY customer_id
        ) contacted
        """,
        {"start": period.first_moment, "end": period.after_last_moment},
    )
    share = share_of(several, customers)
    multichannel = campaigns_starting(period).annotate(channels=Count("treatments__channel", distinct=True))
    return Measure(
        value=share,
        display=share_words(several, customers, "customers contacted"),
        level=level_of_share(share, developing=0.1, advanced=0.3),
        note="Customers contacted in the year, and whether they heard from the team on more than one channel.",
        links=campaign_links(
            [(pk, name, True) for pk, name in multichannel.filter(channels__gte=2).values_list("pk", "name")]
        ),
    )


# --- Campaign execution -----------------------------------------------------------------------------------------


@indicator("organisational-readiness", "approvals-on-time", f"Approvals within {APPROVAL_DAYS} days of submission")
def approvals_on_time(period: Period) -> Measure:
    history = Campaign.history.model._meta.db_table
    rows = sql_rows(
        f"""
        SELECT c.id, c.name, c.approved_at - (
            SELECT max(h.history_date) FROM {history} h
            WHERE h.id = c.id AND h.status = 'submitted' AND h.history_date <= c.approved_at
        ) AS waited
        FROM {Campaign._meta.db_table} c
        WHERE c.approved_at >= %(start)s AND c.approved_at < %(end)s AND NOT c.imported
        """,
        {"start": period.first_moment, "end": period.after_last_moment},
    )
    rows = [(pk, name, waited) for pk, name, waited in rows if waited is not None]
    on_time = [(pk, name, waited <= timedelta(days=APPROVAL_DAYS)) for pk, name, waited in rows]
    done = sum(1 for *_, ok in on_time if ok)
    share = share_of(done, len(rows))
    return Measure(
        value=share,
        display=share_words(done, len(rows), "approvals"),
        level=level_of_share(share, developing=0.5, advanced=0.9),
        note="Campaigns approved in the year, from their last submission to the approval.",
        links=campaign_links(on_time),
    )


def _role_counts() -> dict[str, int]:
    users = get_user_model().objects.filter(is_active=True)
    counts = {role: users.filter(groups__name=role).count() if role != ADMIN else 0 for role in ALL_ROLES}
    counts[ADMIN] = users.filter(Q(groups__name=ADMIN) | Q(is_superuser=True)).distinct().count()
    return counts


@indicator("organisational-readiness", "roles-filled", "Roles with someone in them")
def roles_filled(period: Period) -> Measure:
    counts = _role_counts()
    filled = sum(1 for count in counts.values() if count)
    share = filled / len(counts)
    people = ", ".join(f"{role} {count}" for role, count in counts.items())
    return Measure(
        value=share,
        display=f"{filled} of {len(counts)} roles ({people})",
        level=level_of_share(share, developing=0.5, advanced=1.0),
        note="Active users per role when measured.",
        links=[],
    )


@indicator("response-tracking", "measured-treatments", "Released treatments with a holdout and computed results")
def measured_treatments(period: Period) -> Measure:
    published = CampaignResult.objects.published().filter(campaign=OuterRef("campaign"))
    holdout = Q(campaign__control_design=Campaign.ControlDesign.SHARED, campaign__shared_control_share__gt=0) | Q(
        ~Q(campaign__control_design=Campaign.ControlDesign.SHARED), holdout_share__gt=0
    )
    rows = list(
        Treatment.objects.filter(
            campaign__start_date__gte=period.start,
            campaign__start_date__lte=period.end,
            campaign__status__in=RELEASED,
        )
        .annotate(measured=holdout & Exists(published))
        .values_list("campaign_id", "campaign__name", "measured")
    )
    measured = sum(1 for *_, ok in rows if ok)
    share = share_of(measured, len(rows))
    by_campaign: dict[int, tuple[int, str, bool]] = {}
    for pk, name, ok in rows:
        by_campaign[pk] = (pk, name, ok and by_campaign.get(pk, (pk, name, True))[2])
    return Measure(
        value=share,
        display=share_words(measured, len(rows), "released treatments"),
        level=level_of_share(share, developing=0.5, advanced=0.9),
        note="Treatments of campaigns released in the year that kept a control group and whose results were computed.",
        links=campaign_links(list(by_campaign.values())),
    )


# --- Campaign analysis ------------------------------------------------------------------------------------------


def _released(period: Period) -> QuerySet[Campaign]:
    return campaigns_starting(period).filter(status__in=RELEASED)


@indicator("pl-behaviour-goals", "net-pl", "Released campaigns measured with a net P&L")
def net_pl(period: Period) -> Measure:
    published = CampaignResult.objects.published().filter(campaign=OuterRef("pk"))
    rows = list(_released(period).annotate(measured=Exists(published)).values_list("pk", "name", "measured"))
    measured = sum(1 for *_, ok in rows if ok)
    share = share_of(measured, len(rows))
    return Measure(
        value=share,
        display=share_words(measured, len(rows), "released campaigns"),
        level=level_of_share(share, developing=0.5, advanced=0.9),
        note="Campaigns released in the year whose results (incremental margin less contact and offer costs) exist.",
        links=campaign_links(rows),
    )


@indicator("pl-behaviour-goals", "objective-move-rate", "Measured campaigns whose portfolio objective has a move rate")
def objective_move_rate(period: Period) -> Measure:
    published = CampaignResult.objects.published().filter(campaign=OuterRef("pk"))
    campaigns = list(
        _released(period).filter(Exists(published)).values_list("pk", "name", "portfolio_id", "year", "quarter")
    )
    objectives = list(
        PortfolioObjective.objects.filter(
            kind=PortfolioObjective.Kind.MOVE_TO, portfolio_id__in={row[2] for row in campaigns if row[2]}
        ).select_related("portfolio__stage", "target_stage")
    )
    measured = {
        (each.objective.portfolio_id, each.objective.year, each.objective.quarter)
        for each in objectives_progress(objectives, history=stage_history())
        if each.measured_percent is not None
    }
    rows = [(pk, name, (portfolio, year, quarter) in measured) for pk, name, portfolio, year, quarter in campaigns]
    with_rate = sum(1 for *_, ok in rows if ok)
    share = share_of(with_rate, len(rows))
    return Measure(
        value=share,
        display=share_words(with_rate, len(rows), "measured campaigns"),
        level=level_of_share(share),
        note="A 'move to' objective of the campaign's portfolio for its quarter, measured from stage history.",
        links=campaign_links(rows),
    )


def _latest_results(period: Period) -> str:
    """SQL for each campaign starting in the period: its newest published results (campaign_id, payload)."""
    return f"""
        SELECT DISTINCT ON (r.campaign_id) r.campaign_id, r.payload, r.computed_at
        FROM {CampaignResult._meta.db_table} r JOIN {Campaign._meta.db_table} c ON c.id = r.campaign_id
        WHERE r.payload IS NOT NULL AND c.start_date BETWEEN %(start)s AND %(end)s
        ORDER BY r.campaign_id, r.version DESC
    """


@indicator("continuous-improvement", "head-to-head", "Head-to-head tests concluded", unit="number")
def head_to_head(period: Period) -> Measure:
    rows = sql_rows(
        f"""
        SELECT c.id, c.name, count(*) FILTER (WHERE duel->>'winner' IS NOT NULL), count(*)
        FROM ({_latest_results(period)}) latest
        JOIN {Campaign._meta.db_table} c ON c.id = latest.campaign_id
        CROSS JOIN LATERAL jsonb_array_elements(coalesce(latest.payload->'head_to_head', '[]'::jsonb)) duel
        GROUP BY c.id, c.name
        """,
        {"start": period.start, "end": period.end},
    )
    concluded, tests = sum(row[2] for row in rows), sum(row[3] for row in rows)
    campaigns = f"{len(rows):,} campaign{'s' if len(rows) != 1 else ''}"
    display = f"{concluded:,} of {tests:,} tests found a winner, in {campaigns}" if tests else "No tests in the year"
    return Measure(
        value=float(concluded),
        display=display,
        level="advanced" if concluded >= 3 else "developing" if concluded else "basic",
        note="Treatments of one campaign compared with each other in their latest results; a winner is significant.",
        links=campaign_links([(pk, name, won > 0) for pk, name, won, _ in rows]),
    )


@indicator("continuous-improvement", "changed-after-result", "Measured campaigns followed by a changed treatment")
def changed_after_result(period: Period) -> Measure:
    treatments, campaigns = Treatment._meta.db_table, Campaign._meta.db_table
    rows = sql_rows(
        f"""
        SELECT c.id, c.name, EXISTS (
            SELECT 1 FROM {treatments} t
            JOIN {treatments} later ON later.segment_id = t.segment_id AND later.campaign_id <> t.campaign_id
            JOIN {campaigns} lc ON lc.id = later.campaign_id
            WHERE t.campaign_id = c.id AND lc.start_date > c.end_date
              AND NOT EXISTS (
                SELECT 1 FROM {treatments} same
                WHERE same.campaign_id = c.id AND same.segment_id = later.segment_id
                  AND same.channel = later.channel AND same.message_name = later.message_name
                  AND same.offer_id IS NOT DISTINCT FROM later.offer_id
              )
        )
        FROM ({_latest_results(period)}) latest JOIN {campaigns} c ON c.id = latest.campaign_id
        """,
        {"start": period.start, "end": period.end},
    )
    changed = sum(1 for *_, ok in rows if ok)
    share = share_of(changed, len(rows))
    return Measure(
        value=share,
        display=share_words(changed, len(rows), "measured campaigns"),
        level=level_of_share(share, developing=0.2, advanced=0.5),
        note=(
            "A campaign starting after a measured one ended treated one of its segments differently "
            "(another channel, message or offer)."
        ),
        links=campaign_links(rows),
    )
