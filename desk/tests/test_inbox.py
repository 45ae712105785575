"""The inbox on the home page: what waits for each user's decision, and what became of their own requests."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign
from segments.models import BudgetRequest, LifecycleStage, Portfolio
from segments.portfolios import budget_change


@pytest.fixture
def portfolios(db, segment_owner, other_segment_owner):
    return {
        "new": Portfolio.objects.create(stage=LifecycleStage.objects.get(code="new"), name="New", owner=segment_owner),
        "lapsed": Portfolio.objects.create(
            stage=LifecycleStage.objects.get(code="lapsed"), name="Lapsed", owner=other_segment_owner
        ),
    }


def submitted(name: str, portfolio: Portfolio, owner) -> Campaign:
    return Campaign.objects.create(
        name=name,
        portfolio=portfolio,
        owner=owner,
        status=Campaign.Status.SUBMITTED,
        start_date=date(2026, 12, 7),
        end_date=date(2026, 12, 24),
        year=2026,
        quarter=4,
        objective="traffic",
        seed=1,
    )


def inbox(client, user):
    client.force_login(user)
    return client.get(reverse("home")).context["inbox"]


def test_each_user_sees_what_waits_for_their_decision(
    client, portfolios, marketer, segment_owner, other_segment_owner, manager
):
    submitted("Christmas welcome", portfolios["new"], marketer)
    submitted("Lapsed gift", portfolios["lapsed"], marketer)
    submitted("Manager's own", portfolios["new"], manager)
    budget_change(
        portfolio=portfolios["new"], year=2026, quarter=4, amount_cents=50_000, user=segment_owner, why="Christmas"
    )
    names = lambda campaigns: sorted(campaign.name for campaign in campaigns)  # noqa: E731
    assert names(inbox(client, segment_owner).campaigns_to_approve) == ["Christmas welcome", "Manager's own"]
    assert names(inbox(client, other_segment_owner).campaigns_to_approve) == ["Lapsed gift"]
    # A manager approves any portfolio's campaigns but never their own, and decides the budget requests.
    manager_inbox = inbox(client, manager)
    assert names(manager_inbox.campaigns_to_approve) == ["Christmas welcome", "Lapsed gift"]
    assert [r.reason for r in manager_inbox.budgets_to_decide] == ["Christmas"]
    assert inbox(client, marketer).waiting == 0
    assert inbox(client, segment_owner).budgets_to_decide == []


def test_approving_from_the_inbox_goes_back_to_it_and_tells_the_requester(
    client, portfolios, marketer, segment_owner, manager
):
    campaign = submitted("Christmas welcome", portfolios["new"], marketer)
    request = budget_change(
        portfolio=portfolios["new"], year=2026, quarter=4, amount_cents=50_000, user=segment_owner, why="Christmas"
    )
    client.force_login(manager)
    home = reverse("home")
    response = client.post(reverse("campaigns:action", args=[campaign.pk, "approve"]), {"comment": "Go", "next": home})
    assert response["Location"] == home
    response = client.post(
        reverse("segments:budget_decide", args=[request.pk]),
        {"decision": "reject", "comment": "Not before the plan review", "next": home},
    )
    assert response["Location"] == home
    assert inbox(client, manager).waiting == 0
    campaign.refresh_from_db()
    assert campaign.status == "approved"
    mine = inbox(client, marketer)
    assert [c.name for c in mine.my_campaigns] == ["Christmas welcome"]
    page = client.get(home).content.decode()
    assert "Approved</span> by mina" in page and "Go" in page
    owner_page = inbox(client, segment_owner)
    assert [(r.status, r.decision_comment) for r in owner_page.my_budget_requests] == [
        (BudgetRequest.Status.REJECTED, "Not before the plan review")
    ]


def test_the_inbox_never_sends_a_user_to_another_host(client, portfolios, marketer, segment_owner):
    campaign = submitted("Christmas welcome", portfolios["new"], marketer)
    client.force_login(segment_owner)
    response = client.post(
        reverse("campaigns:action", args=[campaign.pk, "approve"]), {"next": "https://elsewhere.example/"}
    )
    assert response["Location"] == reverse("campaigns:detail", args=[campaign.pk])


def test_what_a_user_asked_leaves_the_inbox_a_month_after_its_decision(
    client, portfolios, marketer, segment_owner, manager
):
    sent_back = submitted("Sent back", portfolios["new"], marketer)
    Campaign.objects.filter(pk=sent_back.pk).update(status=Campaign.Status.DRAFT, rejection_reason="Too early")
    old = submitted("Approved in the summer", portfolios["new"], marketer)
    Campaign.objects.filter(pk=old.pk).update(
        status=Campaign.Status.APPROVED, approved_by=manager, approved_at=timezone.now() - timedelta(days=31)
    )
    lately = submitted("Approved lately", portfolios["new"], marketer)
    Campaign.objects.filter(pk=lately.pk).update(
        status=Campaign.Status.APPROVED, approved_by=manager, approved_at=timezone.now() - timedelta(days=2)
    )
    waiting = submitted("Waiting", portfolios["new"], marketer)
    asked = [
        budget_change(
            portfolio=portfolios["new"],
            year=2026,
            quarter=quarter,
            amount_cents=50_000,
            user=segment_owner,
            why="Spring",
        )
        for quarter in (1, 2, 3)
    ]
    BudgetRequest.objects.filter(pk=asked[0].pk).update(status=BudgetRequest.Status.WITHDRAWN)
    BudgetRequest.objects.filter(pk=asked[1].pk).update(
        status=BudgetRequest.Status.APPROVED, decided_by=manager, decided_at=timezone.now() - timedelta(days=40)
    )

    mine = inbox(client, marketer)
    # What still waits on somebody comes first, then decisions, the newest first.
    assert [c.name for c in mine.my_campaigns] == ["Sent back", "Waiting", "Approved lately"]
    page = client.get(reverse("home")).content.decode()
    assert "Sent back</span>: Too early" in page and "Waiting for approval" in page
    assert f'href="{reverse("campaigns:detail", args=[waiting.pk])}"' in page
    owner_inbox = inbox(client, segment_owner)
    assert [r.quarter_label for r in owner_inbox.my_budget_requests] == ["2026 Q3"]
    assert "Waiting for a manager" in client.get(reverse("home")).content.decode()
    # The manager decides the one still pending, and sees who asked, for which portfolio and quarter.
    manager_inbox = inbox(client, manager)
    assert [(r.portfolio, r.quarter_label, r.requested_by) for r in manager_inbox.budgets_to_decide] == [
        ("New", "2026 Q3", segment_owner.username)
    ]
    assert [(c.name, c.portfolio, c.owner) for c in manager_inbox.campaigns_to_approve] == [
        ("Waiting", "New", marketer.username)
    ]
