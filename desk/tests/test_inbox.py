"""The inbox on the home page: what waits for each user's decision, and what became of their own requests."""

from datetime import date

import pytest
from django.urls import reverse

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
