"""Every share on a form is typed as a percent, and a holdout of 0% is refused unless the marketer says why."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from campaigns.services import treatment_save
from campaigns.services.workflow import contact_policy


def treatment_form(treatment, **changes: str) -> dict:
    return {
        "code": treatment.code,
        "segment": treatment.segment_id,
        "channel": "email",
        "message_name": "Hello",
        "offer_strategy": "none",
        "offers_per_customer": "1",
        "holdout_share": "15",
        "response_kind": "purchase",
        "response_window_days": "30",
        "priority": "1",
        "expected_response_rate": "4.5",
        "expected_margin_rate": "30",
        "cost_per_contact": "0.10",
        "expected_order_value": "40",
        "cost_per_redemption": "0",
        **changes,
    }


@pytest.fixture
def treatment(make_campaign):
    return make_campaign().treatments.get()


def test_a_holdout_typed_as_15_is_15_percent(client, marketer, treatment):
    client.force_login(marketer)
    url = reverse("campaigns:treatment_edit", args=[treatment.campaign_id, treatment.pk])
    assert client.post(url, treatment_form(treatment)).status_code == 302
    treatment.refresh_from_db()
    assert (str(treatment.holdout_share), str(treatment.expected_response_rate)) == ("0.150", "0.0450")
    page = client.get(url).content.decode()
    assert 'name="holdout_share" value="15.0"' in page
    assert "Holdout (%)" in page


def test_a_holdout_of_0_is_refused_with_the_reason_and_nothing_changes(client, marketer, treatment):
    client.force_login(marketer)
    url = reverse("campaigns:treatment_edit", args=[treatment.campaign_id, treatment.pk])
    page = client.post(url, treatment_form(treatment, holdout_share="0")).content.decode()
    assert "leaves no control group, so the treatment&#x27;s results cannot be measured" in page
    treatment.refresh_from_db()
    assert str(treatment.holdout_share) == "0.100"


def test_a_holdout_of_0_is_saved_once_the_marketer_confirms_there_is_no_control_group(client, marketer, treatment):
    client.force_login(marketer)
    url = reverse("campaigns:treatment_edit", args=[treatment.campaign_id, treatment.pk])
    form = treatment_form(treatment, holdout_share="0", no_control_group="on")
    assert client.post(url, form).status_code == 302
    treatment.refresh_from_db()
    assert treatment.holdout_share == 0
    assert re.search(r'<input[^>]*name="no_control_group"[^>]*checked', client.get(url).content.decode())


def test_the_service_refuses_a_holdout_of_0_without_the_confirmation(treatment):
    with pytest.raises(ValidationError, match="no control group"):
        treatment_save(campaign=treatment.campaign, treatment=treatment, holdout_share="0")
    treatment_save(campaign=treatment.campaign, treatment=treatment, holdout_share="0", without_control=True)


def test_a_holdout_above_90_percent_is_refused(client, marketer, treatment):
    client.force_login(marketer)
    url = reverse("campaigns:treatment_edit", args=[treatment.campaign_id, treatment.pk])
    page = client.post(url, treatment_form(treatment, holdout_share="95")).content.decode()
    assert "less than or equal to 90" in page


def test_the_global_control_group_is_a_percent_on_the_policy_page(client, manager):
    client.force_login(manager)
    form = {"max_contacts": 3, "window_days": 14, "global_control_share": "7.5", "global_control_salt": "x"}
    assert client.post(reverse("campaigns:policy"), form).status_code == 302
    assert str(contact_policy().global_control_share) == "0.075"
    assert 'value="7.5"' in client.get(reverse("campaigns:policy")).content.decode()
