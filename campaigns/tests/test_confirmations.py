"""Release and close ask first, in a dialog that says what will happen, with the numbers."""

import re

from django.urls import reverse

from campaigns.models import AudienceMember
from campaigns.services import campaign_release
from campaigns.tests.conftest import population
from campaigns.tests.test_release import ready


def dialog(page: str, name: str) -> str:
    return re.search(rf'<div class="modal" id="{name}".*?</form>', page, re.S).group(0)


def test_the_release_dialog_counts_contacts_files_and_budget(client, no_global_control, make_campaign, marketer):
    population(200, sms_every=2)
    campaign = make_campaign(
        treatments=[{"holdout_share": "0.2", "cost_per_contact_cents": 10}, {"channel": "sms", "holdout_share": "0.2"}],
        control_design="shared",
        shared_control_share="0.250",
    )
    ready(campaign)
    treated = AudienceMember.objects.filter(campaign=campaign, is_control=False)
    email, sms = treated.filter(treatment__code="A").count(), treated.filter(treatment__code="B").count()
    control = AudienceMember.objects.filter(campaign=campaign, is_control=True).count()
    client.force_login(marketer)
    page = client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    text = dialog(page, "confirm-release")
    assert f"Write {email + sms:,} contacts to the contact history" in text
    assert f"{control:,} customers of the control group are never contacted" in text
    assert f"Make 2 contact files to send: E-mail ({email:,} contacts), SMS ({sms:,} contacts)" in text
    cost = (email + sms) * 10 / 100
    budget = f"Commit {cost:,.2f} of the 2026 Q3 budget of New customers (10,000.00), leaving {10_000 - cost:,.2f}"
    assert budget in text
    assert 'action="/campaigns/' in text and "release" in text


def test_the_release_button_only_opens_the_dialog(client, no_global_control, make_campaign, marketer):
    population(50)
    campaign = make_campaign()
    ready(campaign)
    client.force_login(marketer)
    page = client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    button = re.search(r'<button[^>]*id="release-campaign"[^>]*>', page).group(0)
    assert 'type="button"' in button and 'data-bs-target="#confirm-release"' in button


def test_the_close_dialog_says_what_stays_and_what_stops(client, no_global_control, make_campaign, marketer):
    population(40)
    campaign = make_campaign(treatments=[{"holdout_share": "0.5", "cost_per_contact_cents": 100}])
    ready(campaign)
    campaign_release(campaign=campaign, user=marketer)
    campaign.refresh_from_db()
    client.force_login(marketer)
    text = dialog(client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode(), "confirm-close")
    contacts = campaign.contacts.count()
    assert "Stop the nightly measurement" in text
    assert f"Keep its {contacts:,} contacts in the contact history and its {contacts:,}.00 charged" in text
