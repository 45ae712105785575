"""Results of a treatment on several channels: each customer counts once, with a breakdown by the channels
they were reached on (control members by those they would have been)."""

import pytest

from campaigns.models import AudienceMember
from campaigns.services import audience_build, campaign_approve, campaign_release, campaign_submit
from campaigns.tests.conftest import population
from reporting.responses import members_frame
from reporting.services import results_compute


@pytest.mark.usefixtures("no_global_control")
def test_results_count_each_customer_once_with_a_breakdown_by_channel(make_campaign):
    population(60, email_every=2, sms_every=3)
    campaign = make_campaign(treatments=[{"also_channels": ["sms"], "holdout_share": "0.5"}])
    audience_build(campaign=campaign)
    campaign_submit(campaign=campaign, user=campaign.owner)
    campaign_approve(campaign=campaign, user=campaign.portfolio.owner)
    campaign_release(campaign=campaign, user=campaign.owner)
    payload = results_compute(campaign, members_frame(campaign))
    assert payload["totals"]["members"] == AudienceMember.objects.filter(campaign=campaign).count() == 40
    assert payload["treatments"][0]["channels"] == ["email", "sms"]
    groups = {row["channels"]: row for row in payload["by_channel"]}
    assert set(groups) == {"E-mail", "SMS", "E-mail and SMS"}
    sizes = {name: row["treatment"]["members"] + row["control"]["members"] for name, row in groups.items()}
    assert sizes == {"E-mail": 20, "SMS": 10, "E-mail and SMS": 10}
