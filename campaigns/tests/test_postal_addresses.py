"""Direct mail needs a postal address: customers carry one (imported, optional), the direct-mail contact file
carries it, and only the roles that send mail see it on a customer's page."""

from django.urls import reverse

from campaigns.selectors import contact_file_rows
from campaigns.services import audience_build, campaign_approve, campaign_release, campaign_submit
from campaigns.tests.conftest import population
from customers.models import Customer


def test_the_direct_mail_file_carries_each_customers_postal_address(no_global_control, make_campaign):
    customers = population(3)
    Customer.objects.update(consent_direct_mail=True)
    Customer.objects.filter(pk=customers[0].pk).update(address="12 Mill Lane", postcode="NH1 2AB", city="Northam")
    campaign = make_campaign(treatments=[{"channel": "direct_mail", "holdout_share": "0"}])
    audience_build(campaign=campaign)
    campaign_submit(campaign=campaign, user=campaign.owner)
    campaign_approve(campaign=campaign, user=campaign.portfolio.owner)
    campaign_release(campaign=campaign, user=campaign.owner)
    header, *rows = contact_file_rows(campaign, "direct_mail")
    assert header[:5] == ["external_id", "name", "address", "postcode", "city"]
    by_id = {row[0]: row for row in rows}
    assert by_id["C000000"][2:5] == ["12 Mill Lane", "NH1 2AB", "Northam"]
    assert len(rows) == 3


def test_only_those_who_send_mail_see_an_address(client, marketer, segment_owner):
    customer = Customer.objects.create(external_id="c1", name="Ann", address="12 Mill Lane", city="Northam")
    client.force_login(marketer)
    assert "12 Mill Lane" in client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    client.force_login(segment_owner)
    assert "12 Mill Lane" not in client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
