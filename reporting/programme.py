"""The whole programme: what every measured campaign of a year returned, per quarter and in total, each
treatment's reach against its response, and all campaigns together against the global control group."""

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.utils import timezone

from campaigns.models import Campaign, ContactPolicy
from campaigns.services.workflow import contact_policy
from core.lib.database import json_read
from core.lib.memo import remembered
from customers.models import Customer, Purchase
from customers.selectors import purchases_version
from reporting.models import CampaignResult

# Global control membership is the audience build's: a hash of the policy's salt and the customer, in millionths.
PARTS = 1_000_000

LATEST_SQL = f"""
    SELECT DISTINCT ON (result.campaign_id) result.campaign_id, campaign.name, campaign.year, campaign.quarter,
           result.payload -> 'totals', result.payload -> 'treatments'
    FROM {CampaignResult._meta.db_table} result
    JOIN {Campaign._meta.db_table} campaign ON campaign.id = result.campaign_id
    WHERE result.payload IS NOT NULL AND campaign.year = %(year)s
    ORDER BY result.campaign_id, result.version DESC
"""


@dataclass(frozen=True)
class Period:
    label: str
    campaigns: int
    contacts: int
    margin_cents: int
    costs_cents: int

    @property
    def net_cents(self) -> int:
        return self.margin_cents - self.costs_cents

    @property
    def roi(self) -> float | None:
        return self.net_cents / self.costs_cents if self.costs_cents else None


@dataclass(frozen=True)
class Reach:
    campaign: str
    code: str
    channel: str
    contacts: int
    response_rate: float  # incremental
    net_cents: int


@dataclass(frozen=True)
class Programme:
    year: int
    quarters: list[Period]
    year_total: Period
    reach: list[Reach]


def programme(year: int) -> Programme:
    """Each quarter's and the year's measured totals (the latest results of each campaign charged to them)."""
    with connection.cursor() as cursor:
        cursor.execute(LATEST_SQL, {"year": year})
        rows = cursor.fetchall()
    sums = {quarter: [0, 0, 0, 0] for quarter in range(1, 5)}  # campaigns, contacts, margin, costs
    reach = []
    for _, name, _, quarter, totals, treatments in rows:
        totals = json_read(totals) or {}
        line = sums[quarter]
        line[0] += 1
        line[1] += int(totals.get("treatment", 0))
        line[2] += round(totals.get("incremental_margin_cents", 0))
        line[3] += round(totals.get("contact_cost_cents", 0) + totals.get("offer_cost_cents", 0))
        for result in json_read(treatments) or []:
            rate = (result.get("response_rate") or {}).get("difference")
            members = (result.get("treatment") or {}).get("members")
            if rate is None or not members:
                continue
            reach.append(
                Reach(
                    name, result.get("code", ""), result.get("channel", ""), members, rate, round(result["net_cents"])
                )
            )
    quarters = [Period(f"Q{quarter}", *sums[quarter]) for quarter in range(1, 5)]
    year_total = Period(
        str(year),
        *(sum(getattr(period, name) for period in quarters) for name in ("campaigns", "contacts", "margin_cents")),
        sum(period.costs_cents for period in quarters),
    )
    return Programme(year, quarters, year_total, reach)


@dataclass(frozen=True)
class ControlComparison:
    """Margin per customer of everyone else against the global control group over a period, Welch's interval."""

    first: date
    last: date
    share: float
    control: int
    rest: int
    control_margin_cents: float  # per customer
    rest_margin_cents: float
    low_cents: float | None
    high_cents: float | None

    @property
    def difference_cents(self) -> float:
        return self.rest_margin_cents - self.control_margin_cents

    @property
    def incremental_cents(self) -> float:
        """The difference per customer over everyone who could be contacted."""
        return self.difference_cents * self.rest


CONTROL_SQL = f"""
    WITH spend AS (
        SELECT customer_id, sum(coalesce(margin_cents, 0)) AS margin
        FROM {Purchase._meta.db_table}
        WHERE purchased_at >= %(start)s AND purchased_at < %(stop)s
        GROUP BY customer_id
    )
    SELECT (hashtextextended(%(salt)s || ':' || customer.id, 0) & 9223372036854775807) %% {PARTS} < %(share)s,
           count(*), sum(coalesce(spend.margin, 0))::float8, sum(coalesce(spend.margin, 0)::float8 ^ 2)
    FROM {Customer._meta.db_table} customer LEFT JOIN spend ON spend.customer_id = customer.id
    GROUP BY 1
"""


def against_global_control(first: date, last: date) -> ControlComparison | None:
    """One pass over the period's purchases, made again after an import; None without a global control group."""
    policy = contact_policy()
    share = round(float(policy.global_control_share) * PARTS)
    if not share:
        return None
    key = f"programme:control:{purchases_version()}:{first}:{last}:{policy.global_control_salt}:{share}"
    return remembered(key, lambda: _compared(first, last, policy, share))


def _compared(first: date, last: date, policy: ContactPolicy, share: int) -> ControlComparison | None:
    zone = timezone.get_current_timezone()
    start = datetime.combine(first, time.min, tzinfo=zone)
    stop = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
    with connection.cursor() as cursor:
        cursor.execute(CONTROL_SQL, {"start": start, "stop": stop, "salt": policy.global_control_salt, "share": share})
        groups = {bool(control): (n, total, squares) for control, n, total, squares in cursor.fetchall()}
    if not groups.get(True) or not groups.get(False):
        return None
    (nc, sc, qc), (nr, sr, qr) = groups[True], groups[False]
    mean_c, mean_r = sc / nc, sr / nr
    low = high = None
    if nc > 1 and nr > 1:
        variance_c = max(qc - nc * mean_c**2, 0) / (nc - 1)
        variance_r = max(qr - nr * mean_r**2, 0) / (nr - 1)
        error = math.sqrt(variance_c / nc + variance_r / nr)
        low, high = mean_r - mean_c - 1.96 * error, mean_r - mean_c + 1.96 * error
    return ControlComparison(first, last, float(policy.global_control_share), nc, nr, mean_c, mean_r, low, high)
