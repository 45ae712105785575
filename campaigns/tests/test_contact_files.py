"""Contact files are read by the channels' systems: they carry the data as held, and nothing that could run
as a spreadsheet formula gets into them, because such text is refused where it comes in."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from campaigns.services import campaign_release, treatment_save
from campaigns.tests.conftest import population
from campaigns.tests.test_release import ready
from offers.models import Offer


def contact_file(client, campaign, channel: str) -> list[str]:
    response = client.get(reverse("campaigns:contact_file", args=[campaign.pk, channel]))
    return b"".join(response.streaming_content).decode().splitlines()


def test_it_writes_phone_numbers_in_an_sms_file_as_they_are(client, no_global_control, make_campaign, marketer):
    population(3)
    campaign = make_campaign(treatments=[{"holdout_share": "0", "channel": "sms"}])
    ready(campaign)
    campaign_release(campaign=campaign, user=campaign.owner)
    client.force_login(marketer)
    lines = contact_file(client, campaign, "sms")
    assert lines[0].startswith("external_id,name,phone,")
    assert lines[1].startswith("C000000,Customer 0,+447000000000,A,Hello,")
    assert "'" not in "".join(lines)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("code", '=HYPERLINK("http://example.com","Claim")'),
        ("code", "-2+3+cmd|' /C calc'!A0"),
        ("name", "@SUM(1+1)"),
        ("code", "TEN\nOFF"),
    ],
)
def test_the_offer_page_refuses_a_code_or_name_a_spreadsheet_would_run(db, client, marketer, field, value):
    client.force_login(marketer)
    form = {
        "code": "TENOFF",
        "name": "Ten off",
        "kind": "amount_off",
        "value": "10",
        "expected_redemption_rate": "0.1000",
        "valid_from": "2026-01-01",
        "valid_until": "2026-12-31",
        "cost_per_redemption": "1.00",
        field: value,
    }
    page = client.post(reverse("offers:new"), form)
    assert page.status_code == 200
    assert "spreadsheet formula" in page.content.decode() or "keep it on one line" in page.content.decode()
    assert not Offer.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("code", "=1+1"), ("message_name", "+cmd"), ("content_ref", "@import"), ("code", "B\r\n")],
)
def test_a_treatment_refuses_a_code_or_message_a_spreadsheet_would_run(make_campaign, field, value):
    campaign = make_campaign()
    with pytest.raises(ValidationError) as refused:
        treatment_save(
            campaign=campaign,
            **{"code": "B", "channel": "email", "message_name": "Hello", field: value},
        )
    assert field in refused.value.message_dict
    assert campaign.treatments.count() == 1


def test_negative_numbers_and_phone_numbers_are_not_formulas(make_campaign):
    campaign = make_campaign()
    treatment = treatment_save(campaign=campaign, code="-1", channel="email", message_name="Hello")
    assert treatment.code == "-1"
