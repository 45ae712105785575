"""Values no plan could mean are refused with the field named: campaign years 1 and 9999, a cost per contact
of a billion, an offer worth 1e15 or valid until 9999; the Imports page states every range."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from campaigns.models import Campaign
from campaigns.services import campaign_create, treatment_save
from offers.models import Offer


@pytest.mark.parametrize(
    ("start", "end"), [(date(1, 1, 1), date(1, 2, 1)), (date(9999, 1, 1), date(9999, 2, 1))], ids=["year 1", "9999"]
)
def test_a_campaign_in_year_1_or_9999_is_refused(portfolio, marketer, start, end):
    with pytest.raises(ValidationError) as refused:
        campaign_create(
            owner=marketer, name="Odd", portfolio=portfolio, start_date=start, end_date=end, objective="traffic"
        )
    assert {"start_date", "end_date"} <= set(refused.value.message_dict)
    assert not Campaign.objects.exists()


@pytest.mark.parametrize("field", ["cost_per_contact_cents", "expected_order_value_cents", "cost_per_redemption_cents"])
def test_a_treatment_costing_a_billion_is_refused(make_campaign, field):
    campaign = make_campaign()
    with pytest.raises(ValidationError) as refused:
        treatment_save(campaign=campaign, code="B", channel="email", message_name="Hi", **{field: 1_000_000_000})
    assert field in refused.value.message_dict


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("value", "200000", "less than or equal to 100000"),
        ("cost_per_redemption", "1e15", "less than or equal to 100000"),
        ("budget_cap", "99999999999", "less than or equal to 1000000000"),
        ("valid_until", "9999-12-31", "less than or equal to 2099-12-31"),
        ("valid_from", "0001-01-01", "greater than or equal to 2000-01-01"),
        ("max_quantity", "2000000000", "less than or equal to 100000000"),
    ],
)
def test_the_offer_page_refuses_implausible_values(client, marketer, field, value, message):
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
    assert page.status_code == 200 and message in page.content.decode()
    assert not Offer.objects.exists()


def test_the_imports_page_states_the_plausible_values(client, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("customers:imports")).content.decode()
    ranges = page[page.index('id="plausible-values"') :]
    assert "Revenue and margin of one purchase line" in ranges and "at most 1,000,000.00 either way" in ranges
    assert "from 1970-01-01 to today" in ranges and "from 2000-01-01 to 2099-12-31" in ranges
