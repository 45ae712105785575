"""The customer page, served by customers, shows the contacts that campaigns made."""

from django.urls import reverse

from campaigns.services import audience_build, campaign_approve, campaign_release, campaign_submit
from campaigns.tests.conftest import population


def test_the_customer_page_lists_the_campaigns_that_contacted_the_customer(no_global_control, make_campaign, client):
    customers = population(20)
    campaign = make_campaign(name="Summer hello", treatments=[{"holdout_share": "0"}])
    audience_build(campaign=campaign)
    campaign_submit(campaign=campaign, user=campaign.owner)
    campaign_approve(campaign=campaign, user=campaign.portfolio.owner)
    campaign_release(campaign=campaign, user=campaign.owner)
    client.force_login(campaign.owner)
    page = client.get(reverse("customers:detail", args=[customers[0].pk])).content.decode()
    contacts = page[page.index('id="customer-contacts"') :]
    assert "Summer hello" in contacts and "Never contacted." not in contacts
    assert "Not staged yet." in page  # the stages panel, added by segments


def test_a_customer_never_contacted_says_so(db, client, marketer):
    customer = population(1)[0]
    client.force_login(marketer)
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "Never contacted." in page
    assert 'id="customer-features"' in page
