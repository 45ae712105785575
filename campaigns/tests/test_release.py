"""Releases: the budget holds under concurrency, contact history is written once and never changed."""

import threading
from datetime import date

import pytest
from django.db import DatabaseError, connection, connections
from django.urls import reverse

from campaigns.models import AudienceMember, Campaign, ContactHistory
from campaigns.services import (
    audience_build,
    campaign_approve,
    campaign_release,
    campaign_submit,
    contact_policy_update,
)
from campaigns.services.workflow import CampaignError
from campaigns.tests.conftest import population
from segments.models import CustomerFeatures, PortfolioBudget
from segments.services import features_refresh


def ready(campaign) -> None:
    audience_build(campaign=campaign)
    campaign_submit(campaign=campaign, user=campaign.owner)
    campaign_approve(campaign=campaign, user=campaign.portfolio.owner)


def test_release_writes_one_contact_per_treatment_member_and_none_for_control(no_global_control, make_campaign):
    population(1_000)
    campaign = make_campaign(treatments=[{"holdout_share": "0.2"}])
    ready(campaign)
    campaign_release(campaign=campaign, user=campaign.owner)
    treated = set(
        AudienceMember.objects.filter(campaign=campaign, is_control=False).values_list("customer_id", flat=True)
    )
    contacted = list(ContactHistory.objects.filter(campaign=campaign).values_list("customer_id", flat=True))
    assert sorted(contacted) == sorted(treated)
    assert not set(contacted) & set(
        AudienceMember.objects.filter(campaign=campaign, is_control=True).values_list("customer_id", flat=True)
    )
    campaign.refresh_from_db()
    assert (campaign.status, campaign.committed_cents) == ("released", len(treated) * 10)
    assert not AudienceMember.objects.filter(campaign=campaign, contacted_on__isnull=True).exists()


def test_the_global_control_group_is_never_released(make_campaign):
    population(2_000)
    contact_policy_update(global_control_share="0.200")
    campaign = make_campaign(treatments=[{"holdout_share": "0"}])
    ready(campaign)
    campaign_release(campaign=campaign, user=campaign.owner)
    build = campaign.builds.get()
    held_back = build.counts["A"]["global_control"]
    assert held_back > 0
    assert ContactHistory.objects.filter(campaign=campaign).count() == 2_000 - held_back


def test_a_release_over_budget_is_refused_and_changes_nothing(no_global_control, make_campaign, portfolio):
    population(500)
    campaign = make_campaign(treatments=[{"holdout_share": "0", "cost_per_contact_cents": 5_000}])
    ready(campaign)
    with pytest.raises(CampaignError, match=r"cost 25,000.00 but only 10,000.00 .* is left"):
        campaign_release(campaign=campaign, user=campaign.owner)
    campaign.refresh_from_db()
    assert campaign.status == "audience_built"
    assert not ContactHistory.objects.exists()


def test_a_quarter_without_a_budget_cannot_be_spent(no_global_control, make_campaign, portfolio):
    population(10)
    PortfolioBudget.objects.all().delete()
    campaign = make_campaign()
    ready(campaign)
    with pytest.raises(CampaignError, match="has no budget for 2026 Q3"):
        campaign_release(campaign=campaign, user=campaign.owner)


@pytest.mark.django_db(transaction=True)
def test_concurrent_releases_never_overspend_the_budget(no_global_control, make_campaign, portfolio):
    population(400)
    PortfolioBudget.objects.filter(portfolio=portfolio).update(amount_cents=50_000)
    # Each campaign costs 400 x 70 = 28,000 of the 50,000: either fits alone, both do not.
    campaigns = [
        make_campaign(f"Race {n}", treatments=[{"holdout_share": "0", "cost_per_contact_cents": 70}]) for n in range(4)
    ]
    for campaign in campaigns:
        ready(campaign)
    outcomes: list[str] = []
    start = threading.Barrier(len(campaigns))

    def release(campaign: Campaign) -> None:
        start.wait()
        try:
            campaign_release(campaign=campaign, user=campaign.owner)
            outcomes.append("released")
        except CampaignError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=release, args=(campaign,)) for campaign in campaigns]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "refused", "refused", "released"]
    committed = sum(Campaign.objects.filter(status="released").values_list("committed_cents", flat=True))
    assert committed == 28_000  # one campaign's cost, of the 50,000: the other three were refused
    assert ContactHistory.objects.count() == 400


def test_contact_history_cannot_be_changed_or_deleted(no_global_control, make_campaign):
    population(5)
    campaign = make_campaign()
    ready(campaign)
    campaign_release(campaign=campaign, user=campaign.owner)
    contact = ContactHistory.objects.first()
    for attempt in (
        lambda: ContactHistory.objects.filter(pk=contact.pk).delete(),
        lambda: ContactHistory.objects.filter(pk=contact.pk).update(channel="sms"),
    ):
        with pytest.raises(DatabaseError, match="append-only"), connection.cursor():
            from django.db import transaction

            with transaction.atomic():
                attempt()
    assert ContactHistory.objects.filter(pk=contact.pk, channel="email").exists()


def test_the_features_count_contacts_after_a_release(no_global_control, make_campaign, history):
    from datetime import datetime

    from django.utils import timezone

    features_refresh(as_of=date(2026, 7, 1), window_days=365)
    campaign = make_campaign(treatments=[{"holdout_share": "0"}])
    ready(campaign)
    campaign_release(
        campaign=campaign, user=campaign.owner, contacted_at=timezone.make_aware(datetime(2026, 6, 20, 9, 0))
    )
    features_refresh(as_of=date(2026, 7, 1), window_days=365)
    contacted = CustomerFeatures.objects.filter(contacts_30d=1)
    assert contacted.count() == ContactHistory.objects.count() > 0
    # Contacted on 20 June; features as of the end of 1 July count 11 whole days since.
    assert set(contacted.values_list("days_since_contact", flat=True)) == {11}


def test_a_contact_file_per_channel_for_the_owner_only(
    client, no_global_control, make_campaign, marketer, other_segment_owner
):
    population(6)
    campaign = make_campaign(treatments=[{"holdout_share": "0"}])
    ready(campaign)
    campaign_release(campaign=campaign, user=campaign.owner)
    client.force_login(marketer)
    response = client.get(reverse("campaigns:contact_file", args=[campaign.pk, "email"]))
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0] == "external_id,name,email,treatment,message,content_ref,contacted_at"  # no offers: no column
    assert len(lines) == 7 and lines[1].startswith("C000000,Customer 0,c0@example.com,A,Hello,")
    client.force_login(other_segment_owner)
    assert client.get(reverse("campaigns:contact_file", args=[campaign.pk, "email"])).status_code == 403


def test_a_release_spends_only_the_approved_budget_while_an_increase_waits(
    no_global_control, make_campaign, portfolio, segment_owner
):
    from segments.portfolios import budget_change

    population(1_000)
    PortfolioBudget.objects.filter(portfolio=portfolio).update(amount_cents=5_000)
    campaign = make_campaign(treatments=[{"holdout_share": "0"}])  # 1,000 contacts at 0.10: 100.00
    ready(campaign)
    budget_change(portfolio=portfolio, year=2026, quarter=3, amount_cents=50_000, user=segment_owner, why="More")
    with pytest.raises(CampaignError, match=r"budget of 50\.00"):
        campaign_release(campaign=campaign, user=campaign.owner)
    assert not ContactHistory.objects.filter(campaign=campaign).exists()


def test_a_release_across_two_quarters_needs_room_in_both_budgets(no_global_control, make_campaign, portfolio):
    population(1_000)
    campaign = make_campaign(treatments=[{"holdout_share": "0"}])  # 1,000 contacts at 0.10: 100.00
    # 16 September to 15 October: 15 days in Q3 and 15 in Q4, so 50.00 in each.
    Campaign.objects.filter(pk=campaign.pk).update(start_date=date(2026, 9, 16), end_date=date(2026, 10, 15))
    PortfolioBudget.objects.filter(portfolio=portfolio, year=2026, quarter=4).update(amount_cents=4_999)
    ready(campaign)
    with pytest.raises(CampaignError, match=r"50\.00 of 100\.00 falls in 2026 Q4\) but only 49\.99"):
        campaign_release(campaign=campaign, user=campaign.owner, contacted_at=None)
    PortfolioBudget.objects.filter(portfolio=portfolio, quarter=4).update(amount_cents=5_000)
    campaign_release(campaign=campaign, user=campaign.owner)
    campaign.refresh_from_db()
    assert campaign.status == "released"
