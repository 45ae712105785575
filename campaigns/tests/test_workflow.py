"""The campaign workflow: every illegal transition refused with a reason, and only the right people approve."""

import pytest
from django.template.defaultfilters import floatformat
from django.urls import reverse

from campaigns.models import Campaign
from campaigns.services import (
    audience_build,
    campaign_approve,
    campaign_cancel,
    campaign_close,
    campaign_reject,
    campaign_release,
    campaign_start_measuring,
    campaign_submit,
    campaign_test_design_update,
    treatment_save,
)
from campaigns.services.workflow import TRANSITIONS, CampaignError
from campaigns.tests.conftest import population

ACTIONS = {
    "submit": lambda c, u: campaign_submit(campaign=c, user=u),
    "approve": lambda c, u: campaign_approve(campaign=c, user=u),
    "reject": lambda c, u: campaign_reject(campaign=c, user=u, reason="Not now"),
    "release": lambda c, u: campaign_release(campaign=c, user=u),
    "start_measuring": lambda c, u: campaign_start_measuring(campaign=c),
    "close": lambda c, u: campaign_close(campaign=c, user=u),
    "cancel": lambda c, u: campaign_cancel(campaign=c, user=u, reason="No stock"),
}
ILLEGAL = [
    (status, action)
    for status in Campaign.Status.values
    for action, (allowed, _) in TRANSITIONS.items()
    if status not in allowed
]


@pytest.mark.parametrize(("status", "action"), ILLEGAL)
def test_every_illegal_transition_is_refused(make_campaign, status, action):
    campaign = make_campaign()
    Campaign.objects.filter(pk=campaign.pk).update(status=status)
    campaign.refresh_from_db()
    with pytest.raises(CampaignError, match=f"is {Campaign.Status(status).label.lower()}: a campaign is"):
        ACTIONS[action](campaign, campaign.owner)
    assert Campaign.objects.get(pk=campaign.pk).status == status


def test_the_happy_path_walks_every_status(no_global_control, make_campaign, manager):
    population(20)
    campaign = make_campaign()
    campaign_submit(campaign=campaign, user=campaign.owner)
    campaign_reject(campaign=campaign, user=manager, reason="Add a holdout above 10%")
    campaign.refresh_from_db()
    assert (campaign.status, campaign.rejection_reason) == ("draft", "Add a holdout above 10%")
    campaign_submit(campaign=campaign, user=campaign.owner)
    assert campaign_approve(campaign=campaign, user=manager, comment="Go").status == "approved"
    audience_build(campaign=campaign)
    assert Campaign.objects.get(pk=campaign.pk).status == "audience_built"
    assert campaign_release(campaign=campaign, user=campaign.owner).status == "released"
    assert campaign_start_measuring(campaign=campaign).status == "measuring"
    assert campaign_close(campaign=campaign, user=campaign.owner).status == "closed"
    history = list(campaign.history.order_by("history_date").values_list("status", flat=True))
    assert history[0] == "draft" and history[-1] == "closed" and "submitted" in history


def test_a_rejection_needs_a_reason(make_campaign, manager):
    campaign = make_campaign()
    campaign_submit(campaign=campaign, user=campaign.owner)
    with pytest.raises(CampaignError, match="Say why"):
        campaign_reject(campaign=campaign, user=manager, reason="  ")


def test_treatments_change_only_in_draft(make_campaign):
    campaign = make_campaign()
    campaign_submit(campaign=campaign, user=campaign.owner)
    with pytest.raises(CampaignError, match="only while the campaign is a draft"):
        treatment_save(campaign=campaign, treatment=campaign.treatments.get(), holdout_share="0.3")


@pytest.mark.parametrize(
    ("who", "may_approve"),
    [("segment_owner", True), ("manager", True), ("other_segment_owner", False), ("marketer", False)],
)
def test_only_the_portfolio_owner_or_a_manager_approves(request, client, make_campaign, who, may_approve):
    campaign = make_campaign()
    campaign_submit(campaign=campaign, user=campaign.owner)
    client.force_login(request.getfixturevalue(who))
    response = client.post(reverse("campaigns:action", args=[campaign.pk, "approve"]), {"comment": "ok"})
    assert response.status_code == (302 if may_approve else 403)
    assert Campaign.objects.get(pk=campaign.pk).status == ("approved" if may_approve else "submitted")


def test_only_marketers_and_managers_create_campaigns(client, segment_owner, marketer, portfolio):
    client.force_login(segment_owner)
    assert client.get(reverse("campaigns:new")).status_code == 403
    client.force_login(marketer)
    response = client.post(
        reverse("campaigns:new"),
        {
            "name": "Autumn",
            "portfolio": portfolio.pk,
            "objective": "traffic",
            "start_date": "2026-09-01",
            "end_date": "2026-08-01",
            "description": "",
        },
    )
    assert "cannot end before it starts" in response.content.decode()


def test_the_contact_policy_is_a_managers(client, marketer, manager, db):
    form = {
        "consent_email": "on",
        "consent_sms": "on",
        "max_contacts": 3,
        "window_days": 14,
        "global_control_share": "5",
        "global_control_salt": "x",
    }
    client.force_login(marketer)
    assert client.post(reverse("campaigns:policy"), form).status_code == 403
    client.force_login(manager)
    assert client.post(reverse("campaigns:policy"), form).status_code == 302
    from campaigns.services import contact_policy

    assert (contact_policy().max_contacts, contact_policy().consent_push) == (3, False)


def test_the_campaign_page_shows_the_audience_and_budget(client, no_global_control, make_campaign, marketer):
    population(200)  # a 10% holdout of 50 is empty once in 200 splits; of 200, never in practice
    campaign = make_campaign()
    build = audience_build(campaign=campaign)
    client.force_login(marketer)
    page = client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    assert 'data-treatment="A"' in page and "chart-waterfall-A" in page
    # The split hashes customer ids, which differ from run to run: the page must show this build's figures.
    treated = build.counts["A"]["treatment"]
    assert f'id="planned-cost">{treated * 10 / 100:.2f}<' in page  # 10 cents per treated member
    [check] = build.balance.values()
    balance = page[page.index('id="balance"') :]
    recency = f"{floatformat(check['recency']['treatment'], 1)} / {floatformat(check['recency']['control'], 1)}"
    verdict = "Balanced" if check["balanced"] else "Check the split"
    assert recency in balance and verdict in balance


def test_the_control_design_is_fixed_with_the_audience_but_the_comparison_is_not(
    client, no_global_control, make_campaign, marketer, segment_owner
):
    population(20)
    campaign = make_campaign(treatments=[{}, {}], control_design="shared", shared_control_share="0.250")
    page = client.get(reverse("campaigns:detail", args=[campaign.pk]))
    assert page.status_code == 302  # not logged in
    client.force_login(marketer)
    page = client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    assert "One control group shared by all treatments: 25% of the audience" in page
    audience_build(campaign=campaign)
    campaign_submit(campaign=campaign, user=marketer)
    url = reverse("campaigns:test_design", args=[campaign.pk])
    refused = client.post(
        url,
        {
            "control_design": "per_treatment",
            "shared_control_share": "25",
            "p_adjustment": "holm",
            "mean_test": "welch",
        },
    )
    # The design field is shown disabled once the campaign has left draft: the form keeps the stored value...
    assert refused.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.control_design, campaign.p_adjustment) == ("shared", "holm")
    # ...and the service refuses it from anyone who asks otherwise.
    with pytest.raises(CampaignError, match="changes only while the campaign is a draft"):
        campaign_test_design_update(campaign=campaign, control_design="per_treatment")
    campaign_test_design_update(campaign=campaign, mean_test="bootstrap")
    assert Campaign.objects.get(pk=campaign.pk).mean_test == "bootstrap"
    client.force_login(segment_owner)
    assert client.get(url).status_code == 403


def test_the_creator_of_a_campaign_never_approves_it(client, make_campaign, manager):
    campaign = make_campaign()
    Campaign.objects.filter(pk=campaign.pk).update(owner=manager)  # a manager who plans their own campaign
    campaign.refresh_from_db()
    campaign_submit(campaign=campaign, user=manager)
    with pytest.raises(CampaignError, match="someone else approves it"):
        campaign_approve(campaign=campaign, user=manager)
    client.force_login(manager)
    response = client.post(reverse("campaigns:action", args=[campaign.pk, "approve"]))
    assert response.status_code == 403
    campaign.refresh_from_db()
    assert campaign.status == "submitted"
    assert client.get(reverse("campaigns:detail", args=[campaign.pk])).context["may_approve"] is False


def test_a_superuser_is_not_an_approver_by_being_one(make_campaign, admin_user, marketer):
    campaign = make_campaign()
    campaign_submit(campaign=campaign, user=marketer)
    with pytest.raises(CampaignError, match="is approved by omar or a manager"):
        campaign_approve(campaign=campaign, user=admin_user)
    campaign.refresh_from_db()
    assert campaign.status == "submitted"


@pytest.mark.parametrize("status", ["draft", "submitted", "approved"])
def test_a_campaign_not_yet_built_can_be_cancelled_and_keeps_its_history(make_campaign, manager, status):
    campaign = make_campaign()
    Campaign.objects.filter(pk=campaign.pk).update(status=status)
    cancelled = campaign_cancel(campaign=campaign, user=manager, reason="Dropped from the plan")
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.CANCELLED
    latest = cancelled.history.first()
    assert (latest.status, latest.history_user, latest.history_change_reason) == (
        "cancelled",
        manager,
        "Cancelled: Dropped from the plan",
    )
