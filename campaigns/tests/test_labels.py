"""Channels, offers and events show as words on the campaign and customer pages, never as codes."""

from django.urls import reverse

from campaigns.services import campaign_release
from campaigns.tests.conftest import population
from campaigns.tests.test_offers import tenoff  # noqa: F401  (a bank offer)
from campaigns.tests.test_release import ready
from customers.models import EngagementEvent


def test_contact_files_are_named_by_channel_and_offers_by_name(
    client,
    no_global_control,
    make_campaign,
    marketer,
    tenoff,  # noqa: F811
):
    population(20)
    campaign = make_campaign(
        treatments=[{"holdout_share": "0.2", "offer_strategy": "fixed", "offer": tenoff, "channel": "sms"}]
    )
    ready(campaign)
    campaign_release(campaign=campaign, user=marketer)
    client.force_login(marketer)
    page = client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    assert "SMS contact file" in page and "sms.csv</a>" not in page
    treatments = page[page.index('id="treatment-table"') : page.index("</table>", page.index('id="treatment-table"'))]
    assert "Ten off" in treatments and "TENOFF" not in treatments


def test_a_customers_events_are_named_in_words(client, marketer):
    [customer] = population(1)
    EngagementEvent.objects.create(event_id="e1", customer=customer, occurred_at="2026-06-01T10:00Z", kind="email_open")
    client.force_login(marketer)
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "<td>E-mail open</td>" in page and "email_open" not in page
