"""One treatment on several channels: each customer is reached on every channel of the treatment they may be
reached on, with the same offers on each; consent and caps apply per channel, and a customer reachable on one
channel only still gets the treatment there."""

from datetime import date

import pytest

from campaigns.models import AudienceMember, Campaign, ContactHistory
from campaigns.selectors import contact_file_rows
from campaigns.services import (
    audience_build,
    campaign_approve,
    campaign_release,
    campaign_submit,
    contact_policy_update,
)
from campaigns.tests.conftest import population
from campaigns.tests.test_contact_policy import contacted, numbered


@pytest.fixture
def customers(no_global_control):
    # Customer n may be e-mailed when n is even and texted when n is a multiple of 3.
    return population(60, email_every=2, sms_every=3)


def reached(campaign: Campaign) -> dict[int, list[str]]:
    return dict(AudienceMember.objects.filter(campaign=campaign).values_list("customer_id", "channels"))


def test_each_customer_is_reached_on_every_channel_they_consented_to(customers, make_campaign, bank):
    campaign = make_campaign(
        treatments=[
            {"also_channels": ["sms"], "holdout_share": "0", "offer_strategy": "fixed", "offer": bank["garden_5"]}
        ]
    )
    build = audience_build(campaign=campaign)
    channels = reached(campaign)
    both = numbered(customers, range(0, 60, 6))
    email = numbered(customers, [n for n in range(60) if n % 2 == 0 and n % 3])
    sms = numbered(customers, [n for n in range(60) if n % 3 == 0 and n % 2])
    assert {c for c, ch in channels.items() if ch == ["email", "sms"]} == both
    assert {c for c, ch in channels.items() if ch == ["email"]} == email
    assert {c for c, ch in channels.items() if ch == ["sms"]} == sms
    # Neither consent: out, counted once as "no consent".
    assert build.counts["A"]["no_consent"] == 60 - len(both | email | sms) == 20


def test_a_customer_keeps_every_combination_of_three_channels_they_may_be_reached_on(customers, make_campaign):
    campaign = make_campaign(treatments=[{"also_channels": ["sms", "in_store"], "holdout_share": "0"}])
    build = audience_build(campaign=campaign)
    channels = reached(campaign)
    expected = {
        ("email", "sms", "in_store"): numbered(customers, range(0, 60, 6)),
        ("email", "in_store"): numbered(customers, [n for n in range(60) if n % 2 == 0 and n % 3]),
        ("sms", "in_store"): numbered(customers, [n for n in range(60) if n % 3 == 0 and n % 2]),
        ("in_store",): numbered(customers, [n for n in range(60) if n % 2 and n % 3]),
    }
    found = {combination: {c for c, ch in channels.items() if tuple(ch) == combination} for combination in expected}
    assert found == expected
    assert build.counts["A"]["no_consent"] == 0  # the store needs no consent: everyone is reached there


def test_the_release_writes_a_contact_per_channel_with_the_same_offers_and_the_files_agree(
    customers, make_campaign, bank
):
    campaign = make_campaign(
        treatments=[
            {"also_channels": ["sms"], "holdout_share": "0", "offer_strategy": "fixed", "offer": bank["garden_5"]}
        ]
    )
    audience_build(campaign=campaign)
    campaign_submit(campaign=campaign, user=campaign.owner)
    campaign_approve(campaign=campaign, user=campaign.portfolio.owner)
    campaign_release(campaign=campaign, user=campaign.owner)
    history = list(
        ContactHistory.objects.filter(campaign=campaign).values_list("customer_id", "channel", "offer_codes")
    )
    assert sorted(channel for _, channel, _ in history).count("email") == 30
    assert sorted(channel for _, channel, _ in history).count("sms") == 20
    assert {tuple(codes) for _, _, codes in history} == {("GARDEN_5",)}
    files = {channel: list(contact_file_rows(campaign, channel)) for channel in ("email", "sms")}
    assert [len(rows) - 1 for rows in files.values()] == [30, 20]  # a header, then one row per contact
    offer_column = files["email"][0].index("offer_1")
    assert {row[offer_column] for rows in files.values() for row in rows[1:]} == {"GARDEN_5"}
    both = {row[0] for row in files["email"][1:]} & {row[0] for row in files["sms"][1:]}
    assert len(both) == 10  # the customers who may be e-mailed and texted appear in both files


def test_a_full_channel_leaves_the_other_and_only_then_the_customer_out(customers, make_campaign):
    contact_policy_update(channel_caps={"sms": (1, 30)})
    earlier = make_campaign(name="Earlier", treatments=[{"channel": "sms"}])
    # Customers 0 and 3 were texted a week ago: 0 may still be e-mailed, 3 may not.
    contacted(earlier, [customers[0], customers[3]], channel="sms", days_ago=7)
    Campaign.objects.filter(pk=earlier.pk).update(status=Campaign.Status.RELEASED)
    campaign = make_campaign(name="Both ways", treatments=[{"also_channels": ["sms"], "holdout_share": "0"}])
    Campaign.objects.filter(pk=campaign.pk).update(start_date=date.today(), end_date=date.today())
    build = audience_build(campaign=campaign)
    channels = reached(campaign)
    assert channels[customers[0].pk] == ["email"]
    assert customers[3].pk not in channels
    assert build.counts["A"]["channel_fatigue"] == 1
