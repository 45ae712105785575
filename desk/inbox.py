"""What waits for each user, and what became of what they asked: the inbox on the home page.

The home page is the page people open most, so its inbox is read by two hand-written statements, one for
campaigns and one for budget requests, each giving both of its lists. Built with the ORM, its four queries cost
about 2 ms of CPU each to compile and to turn into models with their portfolios and people, for a handful of rows.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.utils import timezone

from campaigns.models import Campaign
from core.roles import is_manager
from segments.models import BudgetRequest, Portfolio

RECENT = timedelta(days=30)
TO_DECIDE, MINE = 20, 10
PEOPLE = get_user_model()._meta.db_table


@dataclass(frozen=True)
class CampaignItem:
    pk: int
    name: str
    portfolio: str | None
    owner: str | None
    start_date: date
    end_date: date
    status: str
    rejection_reason: str
    approved_by: str | None
    approved_at: datetime | None
    approval_comment: str


@dataclass(frozen=True)
class BudgetRequestItem:
    pk: int
    portfolio_id: int
    portfolio: str
    year: int
    quarter: int
    amount_cents: int
    approved_cents: int
    reason: str
    status: str
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_comment: str

    @property
    def quarter_label(self) -> str:
        return f"{self.year} Q{self.quarter}"

    @property
    def status_label(self) -> str:
        return BudgetRequest.Status(self.status).label


@dataclass(frozen=True)
class Inbox:
    campaigns_to_approve: list[CampaignItem]
    budgets_to_decide: list[BudgetRequestItem]
    my_campaigns: list[CampaignItem]  # submitted and waiting, or decided lately
    my_budget_requests: list[BudgetRequestItem]

    @property
    def waiting(self) -> int:
        return len(self.campaigns_to_approve) + len(self.budgets_to_decide)


_CAMPAIGN_COLUMNS = """c.id, c.name, p.name, owner.username, c.start_date, c.end_date, c.status, c.rejection_reason,
           approver.username, c.approved_at, c.approval_comment"""
_CAMPAIGN_FROM = f"""{Campaign._meta.db_table} c
    LEFT JOIN {Portfolio._meta.db_table} p ON p.id = c.portfolio_id
    LEFT JOIN {PEOPLE} owner ON owner.id = c.owner_id
    LEFT JOIN {PEOPLE} approver ON approver.id = c.approved_by_id"""
# Submitted campaigns this user may approve: a manager any, an owner their portfolio's; never their own. Then the
# user's own campaigns that wait for approval, were decided lately or were sent back.
CAMPAIGNS_SQL = f"""
    (SELECT 'approve', {_CAMPAIGN_COLUMNS}
     FROM {_CAMPAIGN_FROM}
     WHERE c.status = %(submitted)s AND c.owner_id IS DISTINCT FROM %(user)s AND (%(manager)s OR p.owner_id = %(user)s)
     ORDER BY c.start_date, c.id LIMIT {TO_DECIDE})
    UNION ALL
    (SELECT 'mine', {_CAMPAIGN_COLUMNS}
     FROM {_CAMPAIGN_FROM}
     WHERE c.owner_id = %(user)s
       AND (c.status = %(submitted)s OR c.approved_at >= %(since)s
            OR (c.status = %(draft)s AND c.rejection_reason > ''))
     ORDER BY c.approved_at DESC, c.start_date, c.id LIMIT {MINE})
"""
_REQUEST_COLUMNS = """r.id, r.portfolio_id, p.name, r.year, r.quarter, r.amount_cents, r.approved_cents, r.reason,
           r.status, asker.username, r.requested_at, decider.username, r.decided_at, r.decision_comment"""
_REQUEST_FROM = f"""{BudgetRequest._meta.db_table} r
    JOIN {Portfolio._meta.db_table} p ON p.id = r.portfolio_id
    JOIN {PEOPLE} asker ON asker.id = r.requested_by_id
    LEFT JOIN {PEOPLE} decider ON decider.id = r.decided_by_id"""
# Budget requests only a manager decides, never their own; then the user's own, pending or decided lately.
REQUESTS_SQL = f"""
    (SELECT 'decide', {_REQUEST_COLUMNS}
     FROM {_REQUEST_FROM}
     WHERE %(manager)s AND r.status = %(pending)s AND r.requested_by_id <> %(user)s
     ORDER BY r.requested_at, r.id LIMIT {TO_DECIDE})
    UNION ALL
    (SELECT 'mine', {_REQUEST_COLUMNS}
     FROM {_REQUEST_FROM}
     WHERE r.requested_by_id = %(user)s AND r.status <> %(withdrawn)s
       AND (r.status = %(pending)s OR r.decided_at >= %(since)s)
     ORDER BY r.requested_at DESC, r.id DESC LIMIT {MINE})
"""


def inbox(user: AbstractBaseUser) -> Inbox:
    params = {
        "user": user.pk,
        "manager": is_manager(user),
        "since": timezone.now() - RECENT,
        "submitted": Campaign.Status.SUBMITTED,
        "draft": Campaign.Status.DRAFT,
        "pending": BudgetRequest.Status.PENDING,
        "withdrawn": BudgetRequest.Status.WITHDRAWN,
    }
    lists: dict[str, list] = {"approve": [], "mine": [], "decide": [], "asked": []}
    with connection.cursor() as cursor:
        cursor.execute(CAMPAIGNS_SQL, params)
        for kind, *row in cursor.fetchall():
            lists[kind].append(CampaignItem(*row))
        cursor.execute(REQUESTS_SQL, params)
        for kind, *row in cursor.fetchall():
            lists["decide" if kind == "decide" else "asked"].append(BudgetRequestItem(*row))
    return Inbox(
        campaigns_to_approve=lists["approve"],
        budgets_to_decide=lists["decide"],
        my_campaigns=lists["mine"],
        my_budget_requests=lists["asked"],
    )
