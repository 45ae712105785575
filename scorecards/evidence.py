"""Evidence measured from the team's own work in the app, beside each process of a scorecard.

Each indicator belongs to one process (by its key, which stays the same across template versions) and measures
the year up to the assessment's date: a value, the level of practice it suggests, how it was measured and the
campaigns (or portfolios) behind it. Every indicator is a handful of set-based queries whatever the data's size.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, NotRequired, TypedDict

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Exists, F, Func, OuterRef, Q, QuerySet, Value
from django.utils import timezone

from campaigns.models import Campaign, ContactHistory, Treatment
from core.lib.money import format_cents
from core.roles import ADMIN, ALL_ROLES
from customers.models import Purchase
from offers.models import Offer
from reporting.models import CampaignResult
from segments.models import Portfolio, PortfolioBudget, PortfolioObjective
from segments.selectors import objectives_progress, stage_history

APPROVAL_DAYS = 5  # an approval within this many days of the submission counts as on time
REDEMPTION_DAYS = 30  # an offer redeemed within this many days of the contact counts as a response
RELEASED = (Campaign.Status.RELEASED, Campaign.Status.MEASURING, Campaign.Status.CLOSED)
LINKS_SHOWN = 60


class Link(TypedDict):
    kind: str  # "campaign" or "portfolio"
    id: int
    name: str
    ok: bool  # whether this one counts towards the figure (a campaign planned ahead, a portfolio fully managed)


class Figure(TypedDict):
    key: str
    label: str
    unit: str  # "share", "number" or "money" (cents); the comparison counts shares' changes in points
    value: float | None  # None: not measured
    display: str
    level: str | None  # "basic", "developing", "advanced", or None when the figure suggests none
    note: str
    links: list[Link]
    links_more: NotRequired[int]


@dataclass(frozen=True)
class Period:
    """The year an assessment looks back over: from `start` to `end`, both days included."""

    start: date
    end: date
    # What several indicators read (a year of purchases), measured once per assessment.
    cache: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def year_to(cls, day: date) -> "Period":
        return cls(start=years_before(day, 1) + timedelta(days=1), end=day)

    @property
    def before(self) -> "Period":
        if "before" not in self.cache:
            self.cache["before"] = Period(start=years_before(self.start, 1), end=self.start - timedelta(days=1))
        return self.cache["before"]

    @property
    def first_moment(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def after_last_moment(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    @property
    def quarters(self) -> tuple[int, int]:
        """The first and last quarter the period touches, each as year * 4 + quarter - 1."""
        return _quarter_index(self.start), _quarter_index(self.end)


@dataclass(frozen=True)
class Measure:
    value: float | None
    display: str
    level: str | None
    note: str
    links: list[Link]


@dataclass(frozen=True)
class Indicator:
    process_key: str
    key: str
    label: str
    unit: str
    measure: Callable[[Period], Measure]


INDICATORS: dict[str, list[Indicator]] = {}


def indicator(process_key: str, key: str, label: str, unit: str = "share") -> Callable:
    def register(measure: Callable[[Period], Measure]) -> Callable[[Period], Measure]:
        INDICATORS.setdefault(process_key, []).append(Indicator(process_key, key, label, unit, measure))
        return measure

    return register


def measure_processes(process_keys: list[str], day: date) -> dict[str, list[Figure]]:
    """Every indicator of the given processes, over the year up to `day`."""
    period = Period.year_to(day)
    return {key: [_figure(each, period) for each in INDICATORS.get(key, [])] for key in process_keys}


def _figure(each: Indicator, period: Period) -> Figure:
    measured = each.measure(period)
    figure = Figure(
        key=each.key,
        label=each.label,
        unit=each.unit,
        value=measured.value,
        display=measured.display,
        level=measured.level,
        note=measured.note,
        links=measured.links[:LINKS_SHOWN],
    )
    if len(measured.links) > LINKS_SHOWN:
        figure["links_more"] = len(measured.links) - LINKS_SHOWN
    return figure


# --- levels -----------------------------------------------------------------------------------------------------


def level_of_share(share: float | None, *, developing: float = 1 / 3, advanced: float = 2 / 3) -> str | None:
    if share is None:
        return None
    return "advanced" if share >= advanced else "developing" if share >= developing else "basic"


def level_of_change(change: float | None, *, better_when_lower: bool = False) -> str | None:
    """A relative change against the year before: up by 2% or more is advanced, within 2% developing."""
    if change is None:
        return None
    change = -change if better_when_lower else change
    return "advanced" if change >= 0.02 else "developing" if change > -0.02 else "basic"


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _share_words(part: int, whole: int, things: str) -> str:
    if not whole:
        return f"No {things} in the year"
    return f"{100 * part / whole:.0f}% ({part:,} of {whole:,} {things})"


def _campaign_links(rows: list[tuple[int, str, bool]]) -> list[Link]:
    """Campaigns that fall short first: they are the ones to argue about."""
    return [Link(kind="campaign", id=pk, name=name, ok=ok) for pk, name, ok in sorted(rows, key=lambda row: row[2])]


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _quarter_index(day: date) -> int:
    return day.year * 4 + (day.month - 1) // 3


def _campaigns_starting(period: Period) -> QuerySet[Campaign]:
    return Campaign.objects.filter(start_date__gte=period.start, start_date__lte=period.end)


def _rows(sql: str, params: dict[str, Any]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# --- Strategy ---------------------------------------------------------------------------------------------------


@indicator("planning-process", "planned-ahead", "Campaigns planned before their quarter began")
def planned_ahead(period: Period) -> Measure:
    quarter_start = Func(F("year"), F("quarter") * 3 - 2, Value(1), function="make_date")
    rows = list(
        _campaigns_starting(period)
        .filter(imported=False)
        .annotate(quarter_start=quarter_start)
        .annotate(ahead=Q(created_at__date__lt=F("quarter_start")))
        .values_list("pk", "name", "ahead")
    )
    ahead = sum(1 for *_, ok in rows if ok)
    share = _share(ahead, len(rows))
    return Measure(
        value=share,
        display=_share_words(ahead, len(rows), "campaigns"),
        level=level_of_share(share),
        note="Campaigns starting in the year (imported ones aside) that were created before their quarter's first day.",
        links=_campaign_links(rows),
    )


def quarters_with_scenario(period: Period) -> set[int] | None:
    """The quarters of the period (as year * 4 + quarter - 1) whose plan has a what-if scenario; None while the app
    keeps no scenarios. A scenario model answers here, and the indicator below measures it from then on."""
    return None


@indicator("planning-process", "scenario-quarters", "Quarters planned with a what-if scenario")
def scenario_quarters(period: Period) -> Measure:
    with_scenario = quarters_with_scenario(period)
    if with_scenario is None:
        return Measure(None, "Not measured: the app has no scenarios yet", None, "", [])
    first, last = period.quarters
    quarters = last - first + 1
    planned = len({quarter for quarter in with_scenario if first <= quarter <= last})
    share = _share(planned, quarters)
    return Measure(share, _share_words(planned, quarters, "quarters"), level_of_share(share), "", [])


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
    share = _share(managed, len(rows))
    return Measure(
        value=share,
        display=_share_words(managed, len(rows), "portfolios"),
        level=level_of_share(share),
        note="An approved budget and an objective for at least one quarter of the year, and an active owner.",
        links=[Link(kind="portfolio", id=pk, name=name, ok=ok) for pk, name, ok in sorted(rows, key=lambda r: r[2])],
    )


@indicator("segment-planning", "spend-in-portfolios", "Share of contact spend inside portfolios")
def spend_in_portfolios(period: Period) -> Measure:
    contacts = ContactHistory._meta.db_table
    rows = _rows(
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
    share = _share(inside, total)
    display = f"{100 * share:.0f}% of {format_cents(total)} spent on contacts" if total else "No contact spend"
    return Measure(
        value=share,
        display=display,
        level=level_of_share(share, developing=0.5, advanced=0.9),
        note="What the year's contacts cost (contacts times each treatment's cost per contact), by campaign.",
        links=_campaign_links([(pk, name, ok) for pk, name, ok, _ in rows]),
    )


@indicator("strategic-development", "multichannel-campaigns", "Campaigns using two or more channels")
def multichannel_campaigns(period: Period) -> Measure:
    rows = list(
        _campaigns_starting(period)
        .annotate(channels=Count("treatments__channel", distinct=True))
        .filter(channels__gt=0)
        .annotate(multi=Q(channels__gte=2))
        .values_list("pk", "name", "multi")
    )
    multi = sum(1 for *_, ok in rows if ok)
    share = _share(multi, len(rows))
    return Measure(
        value=share,
        display=_share_words(multi, len(rows), "campaigns"),
        level=level_of_share(share, developing=0.1, advanced=0.4),
        note="Campaigns starting in the year whose treatments reach customers on two or more channels.",
        links=_campaign_links(rows),
    )


@indicator("strategic-development", "offers-across-channels", "Offers sent on two or more channels")
def offers_across_channels(period: Period) -> Measure:
    treatments = Treatment.objects.filter(
        offer=OuterRef("pk"), campaign__start_date__gte=period.start, campaign__start_date__lte=period.end
    )
    channels = treatments.order_by().values("offer").annotate(n=Count("channel", distinct=True)).values("n")[:1]
    offers = list(Offer.objects.filter(Exists(treatments)).annotate(used_on=channels).values_list("pk", "used_on"))
    across = sum(1 for _, n in offers if n >= 2)
    share = _share(across, len(offers))
    across_channels = Treatment.objects.filter(
        offer__in=[pk for pk, n in offers if n >= 2],
        campaign__start_date__gte=period.start,
        campaign__start_date__lte=period.end,
    )
    campaigns = Campaign.objects.filter(pk__in=across_channels.values("campaign")).values_list("pk", "name")
    return Measure(
        value=share,
        display=_share_words(across, len(offers), "fixed offers sent"),
        level=level_of_share(share, developing=0.1, advanced=0.4),
        note="Bank offers given as a fixed offer by campaigns starting in the year, and on how many channels.",
        links=_campaign_links([(pk, name, True) for pk, name in campaigns]),
    )


# --- Campaign creation ------------------------------------------------------------------------------------------


@indicator("campaign-planning", "designed-campaigns", "Campaigns with a holdout and a forecast in every treatment")
def designed_campaigns(period: Period) -> Measure:
    shared = Q(control_design=Campaign.ControlDesign.SHARED, shared_control_share__gt=0)
    undesigned = Treatment.objects.filter(campaign=OuterRef("pk")).filter(
        Q(expected_order_value_cents=0) | (Q(holdout_share=0) & ~Q(campaign__control_design="shared"))
    )
    rows = list(
        _campaigns_starting(period)
        .filter(imported=False, treatments__isnull=False)
        .distinct()
        .annotate(designed=~Exists(undesigned) & (shared | ~Q(control_design=Campaign.ControlDesign.SHARED)))
        .values_list("pk", "name", "designed")
    )
    designed = sum(1 for *_, ok in rows if ok)
    share = _share(designed, len(rows))
    return Measure(
        value=share,
        display=_share_words(designed, len(rows), "campaigns"),
        level=level_of_share(share, developing=0.5, advanced=0.9),
        note="Campaigns starting in the year (imported ones aside): each treatment keeps a control group and "
        "forecasts an order value.",
        links=_campaign_links(rows),
    )


@indicator("cross-channel", "customers-on-several-channels", "Customers contacted on two or more channels")
def customers_on_several_channels(period: Period) -> Measure:
    ((customers, several),) = _rows(
        f"""
        SELECT count(*), count(*) FILTER (WHERE channels >= 2)
        FROM (
            SELECT customer_id, count(DISTINCT channel) AS channels FROM {ContactHistory._meta.db_table}
            WHERE contacted_at >= %(start)s AND contacted_at < %(end)s GROUP BY customer_id
        ) contacted
        """,
        {"start": period.first_moment, "end": period.after_last_moment},
    )
    share = _share(several, customers)
    multichannel = _campaigns_starting(period).annotate(channels=Count("treatments__channel", distinct=True))
    return Measure(
        value=share,
        display=_share_words(several, customers, "customers contacted"),
        level=level_of_share(share, developing=0.1, advanced=0.3),
        note="Customers contacted in the year, and whether they heard from the team on more than one channel.",
        links=_campaign_links(
            [(pk, name, True) for pk, name in multichannel.filter(channels__gte=2).values_list("pk", "name")]
        ),
    )


# --- Campaign execution -----------------------------------------------------------------------------------------


@indicator("organisational-readiness", "approvals-on-time", f"Approvals within {APPROVAL_DAYS} days of submission")
def approvals_on_time(period: Period) -> Measure:
    history = Campaign.history.model._meta.db_table
    rows = _rows(
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
    share = _share(done, len(rows))
    return Measure(
        value=share,
        display=_share_words(done, len(rows), "approvals"),
        level=level_of_share(share, developing=0.5, advanced=0.9),
        note="Campaigns approved in the year, from their last submission to the approval.",
        links=_campaign_links(on_time),
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
    share = _share(measured, len(rows))
    by_campaign: dict[int, tuple[int, str, bool]] = {}
    for pk, name, ok in rows:
        by_campaign[pk] = (pk, name, ok and by_campaign.get(pk, (pk, name, True))[2])
    return Measure(
        value=share,
        display=_share_words(measured, len(rows), "released treatments"),
        level=level_of_share(share, developing=0.5, advanced=0.9),
        note="Treatments of campaigns released in the year that kept a control group and whose results were computed.",
        links=_campaign_links(list(by_campaign.values())),
    )


# --- Campaign analysis ------------------------------------------------------------------------------------------


def _released(period: Period) -> QuerySet[Campaign]:
    return _campaigns_starting(period).filter(status__in=RELEASED)


@indicator("pl-behaviour-goals", "net-pl", "Released campaigns measured with a net P&L")
def net_pl(period: Period) -> Measure:
    published = CampaignResult.objects.published().filter(campaign=OuterRef("pk"))
    rows = list(_released(period).annotate(measured=Exists(published)).values_list("pk", "name", "measured"))
    measured = sum(1 for *_, ok in rows if ok)
    share = _share(measured, len(rows))
    return Measure(
        value=share,
        display=_share_words(measured, len(rows), "released campaigns"),
        level=level_of_share(share, developing=0.5, advanced=0.9),
        note="Campaigns released in the year whose results (incremental margin less contact and offer costs) exist.",
        links=_campaign_links(rows),
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
    share = _share(with_rate, len(rows))
    return Measure(
        value=share,
        display=_share_words(with_rate, len(rows), "measured campaigns"),
        level=level_of_share(share),
        note="A 'move to' objective of the campaign's portfolio for its quarter, measured from stage history.",
        links=_campaign_links(rows),
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
    rows = _rows(
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
        links=_campaign_links([(pk, name, won > 0) for pk, name, won, _ in rows]),
    )


@indicator("continuous-improvement", "changed-after-result", "Measured campaigns followed by a changed treatment")
def changed_after_result(period: Period) -> Measure:
    treatments, campaigns = Treatment._meta.db_table, Campaign._meta.db_table
    rows = _rows(
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
    share = _share(changed, len(rows))
    return Measure(
        value=share,
        display=_share_words(changed, len(rows), "measured campaigns"),
        level=level_of_share(share, developing=0.2, advanced=0.5),
        note=(
            "A campaign starting after a measured one ended treated one of its segments differently "
            "(another channel, message or offer)."
        ),
        links=_campaign_links(rows),
    )


# --- Retail growth levers, from the purchases ---------------------------------------------------------------------


@dataclass(frozen=True)
class YearOfPurchases:
    customers: int
    orders: int
    revenue_cents: int
    customer_categories: int  # distinct (customer, category) pairs
    margin_cents: int
    margin_revenue_cents: int  # revenue of the lines whose margin is known
    offer_cost_cents: int


def year_of_purchases(period: Period) -> YearOfPurchases:
    if "purchases" not in period.cache:
        period.cache["purchases"] = _year_of_purchases(period)
    return period.cache["purchases"]


def _year_of_purchases(period: Period) -> YearOfPurchases:
    purchases, offers = Purchase._meta.db_table, Offer._meta.db_table
    params = {"start": period.first_moment, "end": period.after_last_moment}
    ((customers, orders, revenue, pairs, margin, margin_revenue),) = _rows(
        f"""
        SELECT count(DISTINCT customer_id), count(DISTINCT (customer_id, order_ref)), coalesce(sum(revenue_cents), 0),
               count(DISTINCT (customer_id, category_id)) FILTER (WHERE category_id IS NOT NULL),
               coalesce(sum(margin_cents), 0), coalesce(sum(revenue_cents) FILTER (WHERE margin_cents IS NOT NULL), 0)
        FROM {purchases} WHERE purchased_at >= %(start)s AND purchased_at < %(end)s
        """,
        params,
    )
    ((offer_cost,),) = _rows(
        f"""
        SELECT coalesce(sum(o.cost_per_redemption_cents), 0)
        FROM (
            SELECT DISTINCT customer_id, order_ref, offer_code FROM {purchases}
            WHERE purchased_at >= %(start)s AND purchased_at < %(end)s AND offer_code IS NOT NULL
        ) redeemed JOIN {offers} o ON o.code = redeemed.offer_code
        """,
        params,
    )
    return YearOfPurchases(customers, orders, int(revenue), pairs, int(margin), int(margin_revenue), int(offer_cost))


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _change(now: float | None, before: float | None) -> float | None:
    return (now - before) / before if now is not None and before else None


def _lever_campaigns(period: Period, objective: str) -> list[Link]:
    rows = _campaigns_starting(period).filter(objective=objective).values_list("pk", "name")
    return _campaign_links([(pk, name, True) for pk, name in rows])


def _against_last_year(
    period: Period, ratio: Callable[[YearOfPurchases], float | None], words: Callable[[float], str]
) -> tuple[float | None, str, float | None]:
    now, before = ratio(year_of_purchases(period)), ratio(year_of_purchases(period.before))
    if now is None:
        return None, "No purchases in the year", None
    change = _change(now, before)
    if before is None:
        return now, f"{words(now)} (no purchases the year before)", None
    if change is None:
        return now, f"{words(now)} ({words(before)} the year before)", None
    return now, f"{words(now)} ({words(before)} the year before, {100 * change:+.1f}%)", change


@indicator("traffic", "visit-frequency", "Visits per buying customer a year", unit="number")
def visit_frequency(period: Period) -> Measure:
    value, display, change = _against_last_year(
        period, lambda year: _ratio(year.orders, year.customers), lambda v: f"{v:.2f} visits"
    )
    return Measure(
        value,
        display,
        level_of_change(change),
        "Orders per customer who bought in the year, against the year before.",
        _lever_campaigns(period, "traffic"),
    )


@indicator("conversion", "offer-response", f"Offer contacts redeemed within {REDEMPTION_DAYS} days")
def offer_response(period: Period) -> Measure:
    ((contacts, redeemed),) = _rows(
        f"""
        SELECT count(*), count(*) FILTER (WHERE EXISTS (
            SELECT 1 FROM {Purchase._meta.db_table} p
            WHERE p.customer_id = ch.customer_id AND p.purchased_at >= ch.contacted_at
              AND p.purchased_at < ch.contacted_at + %(days)s * interval '1 day' AND ch.offer_codes ? p.offer_code
        ))
        FROM {ContactHistory._meta.db_table} ch
        WHERE ch.contacted_at >= %(start)s AND ch.contacted_at < %(end)s AND ch.offer_codes <> '[]'::jsonb
        """,
        {"start": period.first_moment, "end": period.after_last_moment, "days": REDEMPTION_DAYS},
    )
    share = _share(redeemed, contacts)
    return Measure(
        value=share,
        display=_share_words(redeemed, contacts, "contacts with offers"),
        level=level_of_share(share, developing=0.02, advanced=0.05),
        note="Contacts in the year that carried offers, and whether the customer redeemed one of them in time.",
        links=_lever_campaigns(period, "conversion"),
    )


@indicator("basket-size", "order-value", "Revenue per order", unit="money")
def order_value(period: Period) -> Measure:
    value, display, change = _against_last_year(
        period, lambda year: _ratio(year.revenue_cents, year.orders), lambda v: format_cents(round(v))
    )
    return Measure(
        value,
        display,
        level_of_change(change),
        "Revenue of the year's orders divided by their number.",
        _lever_campaigns(period, "basket"),
    )


@indicator("basket-size", "categories-per-customer", "Categories per buying customer", unit="number")
def categories_per_customer(period: Period) -> Measure:
    value, display, change = _against_last_year(
        period, lambda year: _ratio(year.customer_categories, year.customers), lambda v: f"{v:.2f} categories"
    )
    return Measure(
        value,
        display,
        level_of_change(change),
        "Product categories each buying customer bought from in the year.",
        _lever_campaigns(period, "basket"),
    )


@indicator("margin", "margin-rate", "Margin rate")
def margin_rate(period: Period) -> Measure:
    value, display, change = _against_last_year(
        period, lambda year: _ratio(year.margin_cents, year.margin_revenue_cents), lambda v: f"{100 * v:.1f}%"
    )
    return Measure(
        value,
        display,
        level_of_change(change),
        "Margin over the revenue of the lines whose margin is known.",
        _lever_campaigns(period, "margin"),
    )


@indicator("margin", "offer-cost-share", "Offer cost as a share of revenue")
def offer_cost_share(period: Period) -> Measure:
    value, display, change = _against_last_year(
        period, lambda year: _ratio(year.offer_cost_cents, year.revenue_cents), lambda v: f"{100 * v:.2f}%"
    )
    return Measure(
        value,
        display,
        level_of_change(change, better_when_lower=True),
        "What the redeemed bank offers cost (once per order and code) over the year's revenue.",
        _lever_campaigns(period, "margin"),
    )
