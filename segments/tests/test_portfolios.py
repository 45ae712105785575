"""Budget governance: owners ask, managers decide, nothing is overwritten unseen, and every change is kept."""

import re
import threading

import pytest
from django.db import connection
from django.urls import reverse

from segments.models import BudgetRequest, LifecycleStage, Portfolio, PortfolioBudget
from segments.portfolios import (
    BudgetConflict,
    PortfolioError,
    budget_change,
    budget_request_decide,
    objective_save,
    portfolio_save,
)
from segments.selectors import portfolio_history


@pytest.fixture
def portfolio(db, segment_owner):
    return Portfolio.objects.create(
        stage=LifecycleStage.objects.get(code="new"), name="New customers", owner=segment_owner
    )


def approved(portfolio: Portfolio, quarter: int = 3) -> int | None:
    budget = PortfolioBudget.objects.filter(portfolio=portfolio, year=2026, quarter=quarter).first()
    return budget.amount_cents if budget else None


def ask(portfolio: Portfolio, user, amount: int, **more) -> PortfolioBudget | BudgetRequest:
    return budget_change(
        portfolio=portfolio, year=2026, quarter=3, amount_cents=amount, user=user, why="Autumn", **more
    )


def test_an_owner_asks_and_a_manager_approves(portfolio, segment_owner, manager):
    ask(portfolio, manager, 100_000)
    request = ask(portfolio, segment_owner, 150_000)
    assert isinstance(request, BudgetRequest) and request.approved_cents == 100_000
    assert approved(portfolio) == 100_000  # nothing changes until a manager decides
    budget_request_decide(request=request, user=manager, approve=True, comment="Fine")
    assert approved(portfolio) == 150_000
    request.refresh_from_db()
    assert (request.status, request.decided_by, request.decision_comment) == ("approved", manager, "Fine")


def test_a_rejection_says_why_and_changes_nothing(portfolio, segment_owner, manager):
    request = ask(portfolio, segment_owner, 150_000)
    with pytest.raises(PortfolioError, match="Say why the request is rejected"):
        budget_request_decide(request=request, user=manager, approve=False)
    budget_request_decide(request=request, user=manager, approve=False, comment="Not this quarter")
    assert approved(portfolio) is None
    with pytest.raises(PortfolioError, match="already decided"):
        budget_request_decide(request=request, user=manager, approve=True)


@pytest.mark.parametrize("who", ["segment_owner", "other_segment_owner", "marketer", "admin_user"])
def test_only_a_manager_decides_a_budget_request(request, portfolio, segment_owner, who):
    budget_request = ask(portfolio, segment_owner, 150_000)
    with pytest.raises(PortfolioError):
        budget_request_decide(request=budget_request, user=request.getfixturevalue(who), approve=True)
    assert approved(portfolio) is None


def test_a_manager_who_asked_is_not_the_one_who_approves(portfolio, manager):
    owned = Portfolio.objects.create(stage=LifecycleStage.objects.get(code="best"), name="Best", owner=manager)
    # A manager owning a portfolio changes its budget directly: the change is theirs, kept in its history.
    assert isinstance(ask(owned, manager, 10_000), PortfolioBudget)
    other = BudgetRequest.objects.create(
        portfolio=owned, year=2026, quarter=4, amount_cents=5, approved_cents=0, reason="x", requested_by=manager
    )
    with pytest.raises(PortfolioError, match="someone other than the person who made it"):
        budget_request_decide(request=other, user=manager, approve=True)


def test_only_the_owner_asks_for_their_portfolio(portfolio, other_segment_owner, marketer):
    for user in (other_segment_owner, marketer):
        with pytest.raises(PortfolioError, match="Only omar or a manager"):
            ask(portfolio, user, 1)
    assert not BudgetRequest.objects.exists()


def test_a_newer_request_replaces_the_one_waiting(portfolio, segment_owner):
    first = ask(portfolio, segment_owner, 120_000)
    second = ask(portfolio, segment_owner, 130_000)
    first.refresh_from_db()
    assert (first.status, second.status) == ("withdrawn", "pending")


def test_a_change_made_on_an_outdated_reading_is_refused(portfolio, manager, segment_owner):
    ask(portfolio, manager, 100_000, expected_version=0)
    seen = PortfolioBudget.objects.get(portfolio=portfolio).version
    ask(portfolio, manager, 110_000, expected_version=seen)  # someone else saved first...
    with pytest.raises(BudgetConflict, match=re.escape("changed while you were editing it: it is now 1,100.00")):
        ask(portfolio, manager, 90_000, expected_version=seen)  # ...so this save is told, not applied
    with pytest.raises(BudgetConflict):
        ask(portfolio, segment_owner, 200_000, expected_version=seen)
    assert approved(portfolio) == 110_000


@pytest.mark.django_db(transaction=True)
def test_two_budget_saves_at_once_never_lose_an_update(segment_owner, manager, other_manager):
    portfolio = Portfolio.objects.create(
        stage=LifecycleStage.objects.get(code="new"), name="New customers", owner=segment_owner
    )
    ask(portfolio, manager, 100_000)
    seen = PortfolioBudget.objects.get(portfolio=portfolio).version
    barrier, outcomes = threading.Barrier(2), []

    def save(user, amount: int) -> None:
        try:
            barrier.wait()
            ask(portfolio, user, amount, expected_version=seen)
            outcomes.append("saved")
        except BudgetConflict:
            outcomes.append("told")
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=args) for args in ((manager, 120_000), (other_manager, 130_000))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["saved", "told"]
    budget = PortfolioBudget.objects.get(portfolio=portfolio)
    assert budget.amount_cents in (120_000, 130_000) and budget.version == seen + 1


@pytest.fixture
def other_manager(db):
    from core.tests.factories import UserFactory

    return UserFactory(username="max", role="Manager")


def test_every_change_is_kept_with_who_when_what_and_why(portfolio, segment_owner, manager):
    ask(portfolio, manager, 100_000)
    request = ask(portfolio, segment_owner, 150_000)
    budget_request_decide(request=request, user=manager, approve=True, comment="ok")
    objective_save(
        portfolio=portfolio,
        user=segment_owner,
        why="Board goal",
        kind="keep_below",
        target_percent=8,
        year=2026,
        quarter=3,
    )
    portfolio_save(
        user=manager, why="New owner", portfolio=portfolio, stage=portfolio.stage, name="Newcomers", owner=manager
    )
    log = portfolio_history(portfolio)
    lines = [(change.who, change.subject, change.action, change.why) for change in log]
    assert lines[0] == ("mina", "Portfolio", "Changed", "New owner")
    assert ("omar", "Objective 2026 Q3", "Created", "Board goal") in lines
    assert ("mina", "Budget 2026 Q3", "Changed", "Approved the request of omar: Autumn") in lines
    assert ("mina", "Budget 2026 Q3", "Created", "Autumn") in lines
    changed = next(change for change in log if change.action == "Changed" and change.subject == "Budget 2026 Q3")
    assert changed.what == ["Amount: 1,000.00 → 1,500.00"]
    assert "Name: New customers → Newcomers" in log[0].what


def test_only_managers_and_admins_create_portfolios(client, segment_owner, manager, marketer):
    stage = LifecycleStage.objects.get(code="best")
    form = {"name": "Best customers", "stage": stage.pk, "owner": segment_owner.pk, "why": "Grow the best"}
    for user in (segment_owner, marketer):
        client.force_login(user)
        assert client.post(reverse("segments:portfolio_new"), form).status_code == 403
    client.force_login(manager)
    response = client.post(reverse("segments:portfolio_new"), form)
    created = Portfolio.objects.get(name="Best customers")
    assert response["Location"] == reverse("segments:portfolio", args=[created.pk])
    assert created.history.first().history_user == manager


def test_a_stage_has_one_portfolio(portfolio, manager):
    with pytest.raises(PortfolioError, match="already run as a portfolio"):
        portfolio_save(user=manager, why="again", stage=portfolio.stage, name="Second", owner=manager)


def test_the_portfolio_page_lets_a_manager_decide_a_request(client, portfolio, segment_owner, manager):
    request = ask(portfolio, segment_owner, 150_000)
    client.force_login(segment_owner)
    page = client.get(reverse("segments:portfolio", args=[portfolio.pk])).content.decode()
    assert "Ask a manager" in page and "budget-decision" not in page  # the owner cannot decide their own
    client.force_login(manager)
    page = client.get(reverse("segments:portfolio", args=[portfolio.pk])).content.decode()
    assert f'data-request="{request.pk}"' in page
    client.post(reverse("segments:budget_decide", args=[request.pk]), {"decision": "approve", "comment": ""})
    assert approved(portfolio) == 150_000
    history = client.get(reverse("segments:portfolio", args=[portfolio.pk])).content.decode()
    assert "Approved the request of omar: Autumn" in history
