"""A campaign is edited while a draft, copied to a new draft with its treatments, cancelled, or deleted while a
draft; each change shows in its history. A campaign without a portfolio is never created."""

from datetime import date

import pytest
from django.urls import reverse

from campaigns.models import AudienceMember, Campaign, Treatment
from campaigns.services import audience_build, campaign_create, campaign_release
from campaigns.services.drafts import campaign_cancel, campaign_copy, campaign_delete, campaign_update
from campaigns.services.workflow import CampaignError
from campaigns.tests.conftest import population
from campaigns.tests.test_release import ready


def campaign_form(portfolio, **changes) -> dict:
    return {
        "name": "Winter comeback",
        "portfolio": portfolio.pk if portfolio else "",
        "objective": "traffic",
        "start_date": "2026-07-06",
        "end_date": "2026-08-06",
        "control_design": "per_treatment",
        "shared_control_share": "10",
        "p_adjustment": "none",
        "mean_test": "welch",
        **changes,
    }


def test_a_campaign_without_a_portfolio_is_refused_on_the_form_and_by_the_service(client, marketer):
    client.force_login(marketer)
    page = client.post(reverse("campaigns:new"), campaign_form(None)).content.decode()
    assert "This field is required." in page
    assert not Campaign.objects.exists()
    with pytest.raises(CampaignError, match="could never be released"):
        campaign_create(
            owner=marketer,
            name="Orphan",
            portfolio=None,
            start_date=date(2026, 7, 1),
            end_date=date(2026, 7, 30),
            objective="traffic",
        )


def test_a_draft_is_edited_on_its_own_page_and_the_history_says_so(client, make_campaign, marketer, portfolio):
    campaign = make_campaign()
    client.force_login(marketer)
    url = reverse("campaigns:edit", args=[campaign.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, campaign_form(portfolio, start_date="2026-10-05", end_date="2026-11-05"))
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.name, campaign.quarter_label, campaign.objective) == ("Winter comeback", "2026 Q4", "traffic")
    page = client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    assert "<td>Edited</td>" in page[page.index('id="campaign-history"') :]


def test_only_a_draft_is_edited_or_deleted(no_global_control, make_campaign, marketer):
    population(20)
    campaign = make_campaign()
    ready(campaign)
    with pytest.raises(CampaignError, match=r"only while it is a draft.*Copy it to a new draft instead"):
        campaign_update(campaign=campaign, user=marketer, name="Other")
    with pytest.raises(CampaignError, match="deleted only while it is a draft"):
        campaign_delete(campaign=campaign, user=marketer)
    assert Campaign.objects.get(pk=campaign.pk).name == "Welcome back"


def test_a_copy_is_a_new_draft_with_the_treatments_of_a_released_campaign(
    client, no_global_control, make_campaign, marketer
):
    population(30)
    campaign = make_campaign(treatments=[{"holdout_share": "0.2"}, {"channel": "sms", "message_name": "Text"}])
    ready(campaign)
    campaign_release(campaign=campaign, user=marketer)
    client.force_login(marketer)
    response = client.post(
        reverse("campaigns:copy", args=[campaign.pk]),
        {"name": "Welcome back again", "start_date": "2026-10-01", "end_date": "2026-10-31"},
    )
    copy = Campaign.objects.get(name="Welcome back again")
    assert response["Location"] == reverse("campaigns:detail", args=[copy.pk])
    assert (copy.status, copy.portfolio, copy.quarter_label, copy.owner) == (
        "draft",
        campaign.portfolio,
        "2026 Q4",
        marketer,
    )
    assert copy.seed != campaign.seed or copy.pk != campaign.pk
    copied = list(copy.treatments.values_list("code", "channel", "message_name", "holdout_share", "segment"))
    original = list(campaign.treatments.values_list("code", "channel", "message_name", "holdout_share", "segment"))
    assert copied == original
    assert not AudienceMember.objects.filter(campaign=copy).exists()
    page = client.get(reverse("campaigns:detail", args=[copy.pk])).content.decode()
    assert f"Copied from Welcome back (#{campaign.pk})" in page


def test_a_cancelled_campaign_keeps_its_reason_in_the_history_and_is_never_released(
    client, no_global_control, make_campaign, marketer
):
    population(20)
    campaign = make_campaign()
    ready(campaign)
    client.force_login(marketer)
    client.post(reverse("campaigns:action", args=[campaign.pk, "cancel"]), {"comment": "Stock shortage"})
    campaign.refresh_from_db()
    assert campaign.status == "cancelled"
    assert "Cancelled: Stock shortage" in client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    with pytest.raises(CampaignError, match="released only when it is approved or audience built"):
        campaign_release(campaign=campaign, user=marketer)
    with pytest.raises(CampaignError, match="Say why"):
        campaign_cancel(campaign=make_campaign("Other"), user=marketer, reason=" ")


def test_a_draft_is_deleted_with_its_treatments_and_audience_and_the_history_keeps_it(
    client, no_global_control, make_campaign, marketer
):
    population(20)
    campaign = make_campaign()
    audience_build(campaign=campaign)
    client.force_login(marketer)
    response = client.post(reverse("campaigns:delete", args=[campaign.pk]))
    assert response["Location"] == reverse("campaigns:list")
    assert not Campaign.objects.filter(pk=campaign.pk).exists()
    assert not Treatment.objects.filter(campaign_id=campaign.pk).exists()
    assert not AudienceMember.objects.filter(campaign_id=campaign.pk).exists()
    deleted = Campaign.history.filter(id=campaign.pk).latest("history_date")
    assert (deleted.history_type, deleted.history_change_reason, deleted.history_user) == ("-", "Deleted", marketer)


def test_a_segment_owner_may_not_edit_copy_or_delete_a_marketers_campaign(client, make_campaign, segment_owner):
    campaign = make_campaign()
    client.force_login(segment_owner)
    assert client.get(reverse("campaigns:edit", args=[campaign.pk])).status_code == 403
    assert client.get(reverse("campaigns:copy", args=[campaign.pk])).status_code == 403
    assert client.post(reverse("campaigns:delete", args=[campaign.pk])).status_code == 403
    assert Campaign.objects.filter(pk=campaign.pk).exists()


def test_the_service_copies_with_new_dates(make_campaign, marketer):
    campaign = make_campaign()
    copy = campaign_copy(
        campaign=campaign, user=marketer, name="Again", start_date=date(2027, 1, 4), end_date=date(2027, 2, 1)
    )
    assert (copy.quarter_label, copy.treatments.count()) == ("2027 Q1", 1)
