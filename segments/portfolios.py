"""Writes for portfolios: the portfolios themselves, their objectives, and the governance of their budgets.

A budget (PortfolioBudget) is the approved amount releases may spend. A manager changes it directly; a segment
owner asks for a change (BudgetRequest) that a manager other than them approves or rejects with a comment.
Every change keeps its history: who, when, what and why.
"""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.lib.history import recorded
from core.lib.money import format_cents as money
from core.roles import is_admin, is_manager
from segments.models import BudgetRequest, LifecycleStage, Portfolio, PortfolioBudget, PortfolioObjective

# What a portfolio's quarter has already committed, in cents: campaigns register it (from their AppConfig), so a
# budget is never lowered below what releases booked against it, without segments knowing of campaigns.
CommittedCents = Callable[[int, int, int], int]
_committed: list[CommittedCents] = []


def budget_floor_register(committed: CommittedCents) -> None:
    if committed not in _committed:
        _committed.append(committed)


class PortfolioError(Exception):
    """A change the portfolio's rules refuse; the message says why, for the user."""


class BudgetConflict(PortfolioError):
    """The budget changed since the user read it: their change would overwrite one they never saw."""


def may_manage(user: AbstractBaseUser) -> bool:
    """Create portfolios, name their owners and teams: managers, and admins who set the app up."""
    return is_manager(user) or is_admin(user)


def may_decide_budgets(user: AbstractBaseUser) -> bool:
    """Money is managers' alone: an admin's rights over the app are not a right over budgets."""
    return is_manager(user)


@transaction.atomic
def portfolio_save(
    *,
    user: AbstractBaseUser,
    why: str,
    portfolio: Portfolio | None = None,
    stage: LifecycleStage,
    name: str,
    owner: AbstractBaseUser,
    description: str = "",
    team: list[AbstractBaseUser] | None = None,
    cadence_min: int | None = None,
    cadence_max: int | None = None,
) -> Portfolio:
    """Create or change a portfolio (managers only). A stage is run as one portfolio at most."""
    if not may_manage(user):
        raise PortfolioError("Only a manager creates or changes portfolios.")
    if not why.strip():
        raise PortfolioError("Say why, for the portfolio's history.")
    portfolio = portfolio or Portfolio()
    portfolio.stage, portfolio.name, portfolio.owner, portfolio.description = stage, name.strip(), owner, description
    portfolio.cadence_min, portfolio.cadence_max = cadence_min, cadence_max
    try:
        portfolio.full_clean()
    except ValidationError as error:
        if "stage" in error.message_dict:
            raise PortfolioError(f"{stage} is already run as a portfolio: a stage has one portfolio.") from None
        raise
    recorded(portfolio, user=user, why=why).save()
    if team is not None:
        portfolio.team.set(team)
    return portfolio


def _committed_cents(portfolio: Portfolio, year: int, quarter: int) -> int:
    return sum(committed(portfolio.pk, year, quarter) for committed in _committed)


def _budget_locked(portfolio: Portfolio, year: int, quarter: int) -> PortfolioBudget | None:
    return PortfolioBudget.objects.select_for_update().filter(portfolio=portfolio, year=year, quarter=quarter).first()


def _budget_apply(
    *,
    portfolio: Portfolio,
    year: int,
    quarter: int,
    amount_cents: int,
    user: AbstractBaseUser,
    why: str,
    expected_version: int | None,
) -> PortfolioBudget:
    """Set the approved budget, the row locked: refuse a change made on an outdated reading, and an amount below
    what releases have committed."""
    if amount_cents < 0:
        raise PortfolioError("A budget cannot be negative.")
    budget = _budget_locked(portfolio, year, quarter)
    current_version = budget.version if budget else 0
    if expected_version is not None and expected_version != current_version:
        raise BudgetConflict(
            f"{portfolio}'s {year} Q{quarter} budget changed while you were editing it: it is now "
            f"{money(budget.amount_cents if budget else 0)}. Look at the new figure and change it again if needed."
        )
    committed = _committed_cents(portfolio, year, quarter)
    if amount_cents < committed:
        raise PortfolioError(
            f"Released campaigns have already committed {money(committed)} of {portfolio}'s {year} Q{quarter} "
            f"budget: it cannot be lowered to {money(amount_cents)}."
        )
    budget = budget or PortfolioBudget(portfolio=portfolio, year=year, quarter=quarter, version=0)
    budget.amount_cents, budget.version = amount_cents, budget.version + 1
    budget.full_clean()
    recorded(budget, user=user, why=why).save()
    return budget


@transaction.atomic
def budget_change(
    *,
    portfolio: Portfolio,
    year: int,
    quarter: int,
    amount_cents: int,
    user: AbstractBaseUser,
    why: str,
    expected_version: int | None = None,
) -> PortfolioBudget | BudgetRequest:
    """A manager's change applies at once; the portfolio owner's becomes a request for a manager to decide.

    `expected_version` is the budget's version the user saw (0 when there was none): a change made while
    someone else changed the budget is refused rather than silently overwriting theirs.
    """
    if not why.strip():
        raise PortfolioError("Say why the budget changes: it is kept in the budget's history.")
    if may_decide_budgets(user):
        return _budget_apply(
            portfolio=portfolio,
            year=year,
            quarter=quarter,
            amount_cents=amount_cents,
            user=user,
            why=why,
            expected_version=expected_version,
        )
    if portfolio.owner_id != user.pk:
        raise PortfolioError(f"Only {portfolio.owner} or a manager asks for a change to {portfolio}'s budget.")
    return _budget_request(
        portfolio=portfolio,
        year=year,
        quarter=quarter,
        amount_cents=amount_cents,
        user=user,
        why=why,
        expected_version=expected_version,
    )


def _budget_request(
    *,
    portfolio: Portfolio,
    year: int,
    quarter: int,
    amount_cents: int,
    user: AbstractBaseUser,
    why: str,
    expected_version: int | None,
) -> BudgetRequest:
    if amount_cents < 0:
        raise PortfolioError("A budget cannot be negative.")
    budget = _budget_locked(portfolio, year, quarter)
    if expected_version is not None and expected_version != (budget.version if budget else 0):
        raise BudgetConflict(
            f"{portfolio}'s {year} Q{quarter} budget changed while you were editing it: it is now "
            f"{money(budget.amount_cents if budget else 0)}. Look at the new figure and ask again if needed."
        )
    approved = budget.amount_cents if budget else 0
    if amount_cents == approved:
        raise PortfolioError(f"The approved {year} Q{quarter} budget is already {money(approved)}.")
    # A newer request replaces the one still waiting: the manager decides the owner's latest wish.
    BudgetRequest.objects.filter(
        portfolio=portfolio, year=year, quarter=quarter, status=BudgetRequest.Status.PENDING
    ).update(status=BudgetRequest.Status.WITHDRAWN, decided_at=timezone.now())
    request = BudgetRequest(
        portfolio=portfolio,
        year=year,
        quarter=quarter,
        amount_cents=amount_cents,
        approved_cents=approved,
        reason=why.strip(),
        requested_by=user,
    )
    request.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError:
        raise BudgetConflict(
            "Another request for this quarter was made at the same moment; look and ask again."
        ) from None
    return request


@transaction.atomic
def budget_request_decide(
    *, request: BudgetRequest, user: AbstractBaseUser, approve: bool, comment: str = ""
) -> BudgetRequest:
    """A manager other than the requester approves (the budget becomes the requested amount) or rejects."""
    request = BudgetRequest.objects.select_for_update().select_related("portfolio").get(pk=request.pk)
    if not may_decide_budgets(user):
        raise PortfolioError("Only a manager decides budget requests.")
    if request.requested_by_id == user.pk:
        raise PortfolioError("A budget request is decided by someone other than the person who made it.")
    if request.status != BudgetRequest.Status.PENDING:
        raise PortfolioError(f"This request was already decided: {request.get_status_display().lower()}.")
    if not approve and not comment.strip():
        raise PortfolioError("Say why the request is rejected: the requester reads it.")
    if approve:
        _budget_apply(
            portfolio=request.portfolio,
            year=request.year,
            quarter=request.quarter,
            amount_cents=request.amount_cents,
            user=user,
            why=f"Approved the request of {request.requested_by}: {request.reason}",
            expected_version=None,
        )
    request.status = BudgetRequest.Status.APPROVED if approve else BudgetRequest.Status.REJECTED
    request.decided_by, request.decided_at, request.decision_comment = user, timezone.now(), comment.strip()
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
    return request


@transaction.atomic
def objective_save(
    *,
    portfolio: Portfolio,
    user: AbstractBaseUser,
    why: str,
    objective: PortfolioObjective | None = None,
    **fields: Any,
) -> PortfolioObjective:
    """Add or change one of the portfolio's objectives (its owner or a manager), kept in its history."""
    if not (may_manage(user) or portfolio.owner_id == user.pk):
        raise PortfolioError(f"Only {portfolio.owner} or a manager sets {portfolio}'s objectives.")
    objective = objective or PortfolioObjective(portfolio=portfolio)
    for name, value in fields.items():
        setattr(objective, name, value)
    if objective.kind == PortfolioObjective.Kind.MOVE_TO and not objective.target_stage_id:
        raise ValidationError({"target_stage": "Say which stage the customers should move to."})
    if objective.kind != PortfolioObjective.Kind.MOVE_TO:
        objective.target_stage = None
    objective.full_clean()
    recorded(objective, user=user, why=why or "Objective set").save()
    return objective


@transaction.atomic
def objective_delete(*, objective: PortfolioObjective, user: AbstractBaseUser, why: str) -> None:
    portfolio = objective.portfolio
    if not (may_manage(user) or portfolio.owner_id == user.pk):
        raise PortfolioError(f"Only {portfolio.owner} or a manager removes {portfolio}'s objectives.")
    if not why.strip():
        raise PortfolioError("Say why the objective is removed, for the portfolio's history.")
    recorded(objective, user=user, why=why).delete()
