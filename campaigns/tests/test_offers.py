"""A treatment with one fixed bank offer: set on the form, booked in the plan, sent in the contact file, measured."""

from datetime import date

import pytest
from django.urls import reverse

from campaigns.models import ContactHistory
from campaigns.services import campaign_release, treatment_save
from campaigns.services.release import planned_cost_cents
from campaigns.services.workflow import CampaignError
from campaigns.tests.conftest import population
from campaigns.tests.test_release import ready
from offers.models import Offer


@pytest.fixture
def tenoff(db) -> Offer:
    return Offer.objects.create(
        code="TENOFF",
        name="Ten off",
        kind="amount_off",
        value=10,
        valid_from=date(2026, 1, 1),
        valid_until=date(2026, 12, 31),
        cost_per_redemption_cents=300,
    )


def test_the_form_sets_the_offer_and_the_response_definition(client, marketer, make_campaign, tenoff):
    campaign = make_campaign()
    treatment = campaign.treatments.get()
    client.force_login(marketer)
    form = {
        "code": "A",
        "segment": treatment.segment_id,
        "channel": "email",
        "message_name": "Ten off",
        "offer_strategy": "fixed",
        "offer": tenoff.pk,
        "offers_per_customer": "1",
        "holdout_share": "10",
        "response_kind": "offer_code",
        "response_window_days": "21",
        "priority": "1",
        "expected_response_rate": "5",
        "expected_margin_rate": "30",
        "cost_per_contact": "0.10",
        "expected_order_value": "40",
        "cost_per_redemption": "2.50",
    }
    response = client.post(reverse("campaigns:treatment_edit", args=[campaign.pk, treatment.pk]), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    treatment.refresh_from_db()
    assert (treatment.offer_code, treatment.response_kind, treatment.response_offer_code) == (
        "TENOFF",
        "offer_code",
        "TENOFF",  # redeeming the offer they were sent
    )
    assert (treatment.response_window_days, treatment.cost_per_redemption_cents) == (21, 250)

    response = client.post(reverse("campaigns:treatment_edit", args=[campaign.pk, treatment.pk]), {**form, "offer": ""})
    assert "Choose the bank offer every treated customer receives." in response.content.decode()


def test_the_service_keeps_an_offer_only_when_fixed_and_counts_its_redemptions_by_default(make_campaign, tenoff):
    campaign = make_campaign()
    treatment = treatment_save(
        campaign=campaign, treatment=campaign.treatments.get(), offer_strategy="none", offer=tenoff
    )
    assert (treatment.offer, treatment.offer_code) == (None, "")
    treatment = treatment_save(
        campaign=campaign,
        treatment=treatment,
        offer_strategy="fixed",
        offer=tenoff,
        response_kind="offer_code",
        response_offer_code="",
    )
    treatment.refresh_from_db()
    assert (treatment.offer_code, treatment.response_offer_code) == ("TENOFF", "TENOFF")
    # Its cost per redemption comes from the bank unless the treatment says otherwise.
    assert treatment.cost_per_redemption_cents == 300


def test_a_fixed_offer_is_budgeted_sent_and_written_to_the_contact_history(
    client, no_global_control, make_campaign, marketer, tenoff
):
    population(100)
    campaign = make_campaign(
        treatments=[
            {
                "holdout_share": "0",
                "offer_strategy": "fixed",
                "offer": tenoff,
                "expected_response_rate": "0.0400",
                "cost_per_redemption_cents": 250,
            }
        ]
    )
    ready(campaign)
    # 100 contacts at 0.10, and 4% of them expected to redeem at 2.50: 10.00 + 10.00.
    assert planned_cost_cents(campaign) == 100 * 10 + 4 * 250
    campaign_release(campaign=campaign, user=campaign.owner)
    offers = list(ContactHistory.objects.filter(campaign=campaign).values_list("offer_codes", flat=True))
    assert len(offers) == 100 and all(codes == ["TENOFF"] for codes in offers)
    client.force_login(marketer)
    lines = b"".join(
        client.get(reverse("campaigns:contact_file", args=[campaign.pk, "email"])).streaming_content
    ).decode()
    assert lines.splitlines()[1].split(",")[6] == "TENOFF"


def test_a_budget_too_small_for_the_expected_redemptions_refuses_the_release(
    no_global_control, make_campaign, portfolio
):
    population(100)
    campaign = make_campaign(
        treatments=[{"holdout_share": "0", "expected_response_rate": "0.5000", "cost_per_redemption_cents": 1_000}]
    )
    ready(campaign)
    portfolio.budgets.update(amount_cents=100 * 10 + 50 * 1_000 - 1)
    with pytest.raises(CampaignError, match=r"Releasing would cost 510\.00"):
        campaign_release(campaign=campaign, user=campaign.owner)
    campaign.refresh_from_db()
    assert campaign.status == "audience_built" and not ContactHistory.objects.filter(campaign=campaign).exists()
