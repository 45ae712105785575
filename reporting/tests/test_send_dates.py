"""Results measure from the day the contacts go out: never before, and provisional until the window closes."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.models import AudienceMember, Campaign, ContactHistory
from campaigns.services import audience_build, campaign_approve, campaign_release, campaign_submit
from campaigns.services.workflow import CampaignError
from campaigns.tests.conftest import population
from reporting.services import results_run


def released(campaign: Campaign) -> Campaign:
    audience_build(campaign=campaign)
    campaign_submit(campaign=campaign, user=campaign.owner)
    campaign_approve(campaign=campaign, user=campaign.portfolio.owner)
    return campaign_release(campaign=campaign, user=campaign.owner)


def test_a_campaign_released_before_it_starts_is_sent_on_its_start_and_not_measured_before(
    no_global_control, make_campaign
):
    population(200)
    campaign = make_campaign(treatments=[{"holdout_share": "0.2"}])
    start = timezone.localdate() + timedelta(days=7)
    Campaign.objects.filter(pk=campaign.pk).update(start_date=start, end_date=start + timedelta(days=30))
    campaign.refresh_from_db()
    released(campaign)

    assert set(AudienceMember.objects.filter(campaign=campaign).values_list("contacted_on", flat=True)) == {start}
    sent = {timezone.localtime(at).date() for at in ContactHistory.objects.values_list("contacted_at", flat=True)}
    assert sent == {start}
    with pytest.raises(CampaignError, match=f"The contacts go out on {start:%Y-%m-%d}"):
        results_run(campaign=campaign)


def test_results_inside_the_window_say_they_are_provisional(no_global_control, make_campaign, client, manager):
    population(200)
    campaign = released(make_campaign(treatments=[{"holdout_share": "0.2", "response_window_days": 30}]))
    six_days_ago = timezone.localdate() - timedelta(days=6)
    AudienceMember.objects.filter(campaign=campaign).update(contacted_on=six_days_ago)
    results_run(campaign=campaign)
    client.force_login(manager)
    page = client.get(f"/campaigns/{campaign.pk}/results/").content.decode()
    assert "computed 6 of the 30 days into the response window" in page
    assert f"closes on {six_days_ago + timedelta(days=30):%Y-%m-%d}" in page

    AudienceMember.objects.filter(campaign=campaign).update(contacted_on=six_days_ago - timedelta(days=30))
    assert 'id="provisional"' not in client.get(f"/campaigns/{campaign.pk}/results/").content.decode()
