"""What waits for each user, and what became of what they asked: the inbox on the home page."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from campaigns.models import Campaign
from core.roles import is_manager
from segments.models import BudgetRequest

RECENT = timedelta(days=30)


@dataclass(frozen=True)
class Inbox:
    campaigns_to_approve: list[Campaign]
    budgets_to_decide: list[BudgetRequest]
    my_campaigns: list[Campaign]  # submitted and waiting, or decided lately
    my_budget_requests: list[BudgetRequest]

    @property
    def waiting(self) -> int:
        return len(self.campaigns_to_approve) + len(self.budgets_to_decide)


def campaigns_to_approve(user: AbstractBaseUser) -> QuerySet[Campaign]:
    """Submitted campaigns this user may approve: a manager any, an owner their portfolio's; never their own."""
    submitted = Campaign.objects.filter(status=Campaign.Status.SUBMITTED).exclude(owner=user)
    if not is_manager(user):
        submitted = submitted.filter(portfolio__owner=user)
    return submitted.select_related("portfolio", "owner").order_by("start_date")


def budgets_to_decide(user: AbstractBaseUser) -> QuerySet[BudgetRequest]:
    if not is_manager(user):
        return BudgetRequest.objects.none()
    pending = BudgetRequest.objects.filter(status=BudgetRequest.Status.PENDING).exclude(requested_by=user)
    return pending.select_related("portfolio", "requested_by").order_by("requested_at")


def inbox(user: AbstractBaseUser) -> Inbox:
    since = timezone.now() - RECENT
    mine = (
        Campaign.objects.filter(owner=user)
        .filter(
            Q(status=Campaign.Status.SUBMITTED)
            | Q(approved_at__gte=since)
            | Q(status=Campaign.Status.DRAFT, rejection_reason__gt="")
        )
        .select_related("portfolio", "approved_by")
        .order_by("-approved_at", "start_date")
    )
    requests = (
        BudgetRequest.objects.filter(requested_by=user)
        .filter(Q(status=BudgetRequest.Status.PENDING) | Q(decided_at__gte=since))
        .exclude(status=BudgetRequest.Status.WITHDRAWN)
        .select_related("portfolio", "decided_by")
    )
    return Inbox(
        campaigns_to_approve=list(campaigns_to_approve(user)[:20]),
        budgets_to_decide=list(budgets_to_decide(user)[:20]),
        my_campaigns=list(mine[:10]),
        my_budget_requests=list(requests[:10]),
    )
