"""A treatment with one fixed offer: set on the form, booked in the plan, sent in the contact file, measured."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from campaigns.models import ContactHistory
from campaigns.services import campaign_release, treatment_save
from campaigns.services.release import planned_cost_cents
from campaigns.services.workflow import CampaignError
from campaigns.tests.conftest import population
from campaigns.tests.test_release import ready


def test_the_form_sets_the_offer_and_the_response_definition(client, marketer, make_campaign):
    campaign = make_campaign()
    treatment = campaign.treatments.get()
    client.force_login(marketer)
    form = {
        "code": "A",
        "segment": treatment.segment_id,
        "channel": "email",
        "message_name": "Ten off",
        "offer_strategy": "fixed",
        "offer_code": "TENOFF",
        "holdout_share": "0.100",
        "response_kind": "offer_code",
        "response_window_days": "21",
        "priority": "1",
        "expected_response_rate": "0.0500",
        "expected_margin_rate": "0.3000",
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

    response = client.post(
        reverse("campaigns:treatment_edit", args=[campaign.pk, treatment.pk]), {**form, "offer_code": ""}
    )
    assert "Give the code of the offer every treated customer receives." in response.content.decode()


def test_the_service_keeps_a_code_only_with_a_fixed_offer_and_counts_its_redemptions_by_default(make_campaign):
    campaign = make_campaign()
    treatment = treatment_save(
        campaign=campaign, treatment=campaign.treatments.get(), offer_strategy="none", offer_code="STRAY"
    )
    assert treatment.offer_code == ""
    treatment = treatment_save(
        campaign=campaign,
        treatment=treatment,
        offer_strategy="fixed",
        offer_code="TENOFF",
        response_kind="offer_code",
        response_offer_code="",
    )
    treatment.refresh_from_db()
    assert (treatment.offer_code, treatment.response_offer_code) == ("TENOFF", "TENOFF")


def test_best_offers_per_customer_are_refused_until_there_is_an_offer_bank(make_campaign):
    campaign = make_campaign()
    with pytest.raises(ValidationError, match="offer bank, which is not available yet"):
        treatment_save(campaign=campaign, treatment=campaign.treatments.get(), offer_strategy="best_n")


def test_a_fixed_offer_is_budgeted_sent_and_written_to_the_contact_history(
    client, no_global_control, make_campaign, marketer
):
    population(100)
    campaign = make_campaign(
        treatments=[
            {
                "holdout_share": "0",
                "offer_strategy": "fixed",
                "offer_code": "TENOFF",
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
