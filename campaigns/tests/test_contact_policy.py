"""The contact policy in depth: topic opt-outs, caps per channel and overall counting planned campaigns around
the send date, the check again at a late release, and the suppression list."""

import threading
import time as clock
from datetime import datetime, time, timedelta

import pytest
from django.db import connections
from django.utils import timezone

from campaigns.models import AudienceMember, Campaign, ContactHistory, Suppression
from campaigns.services import (
    audience_build,
    campaign_approve,
    campaign_release,
    campaign_submit,
    contact_policy_update,
    suppression_add,
)
from campaigns.services.workflow import CampaignError
from campaigns.tests.conftest import population
from campaigns.tests.test_contacts_import import run_import
from customers.models import Customer, ImportProblem


def members(campaign) -> set[int]:
    return set(AudienceMember.objects.filter(campaign=campaign, is_control=False).values_list("customer", flat=True))


def numbered(customers, numbers) -> set[int]:
    return {customers[n].pk for n in numbers}


def starting_in(campaign: Campaign, days: int) -> Campaign:
    """Move a campaign's send date `days` from today (its quarter and budget stay as they were)."""
    start = timezone.localdate() + timedelta(days=days)
    Campaign.objects.filter(pk=campaign.pk).update(start_date=start, end_date=start + timedelta(days=30))
    campaign.refresh_from_db()
    return campaign


def contacted(campaign: Campaign, customers: list[Customer], *, channel: str, days_ago: int) -> None:
    """Contact history written by hand: each customer contacted once by `campaign` on `channel`."""
    treatment = campaign.treatments.get()
    at = timezone.make_aware(datetime.combine(timezone.localdate() - timedelta(days=days_ago), time(10)))
    ContactHistory.objects.bulk_create(
        ContactHistory(customer=customer, campaign=campaign, treatment=treatment, channel=channel, contacted_at=at)
        for customer in customers
    )


def approved_and_built(campaign: Campaign) -> Campaign:
    """A campaign planned but not sent: submitted, approved, its audience built."""
    campaign_submit(campaign=campaign, user=campaign.owner)
    campaign_approve(campaign=campaign, user=campaign.portfolio.owner)
    audience_build(campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.AUDIENCE_BUILT
    return campaign


def under(days: int) -> dict:
    return {"field": "recency_days", "op": "lt", "value": days}  # population: customer n has recency n


# Preferences


def test_a_topic_opt_out_excludes_exactly_those_who_chose_other_topics(no_global_control, make_campaign, client):
    customers = population(12)
    Customer.objects.filter(pk__in=numbered(customers, range(0, 4))).update(topics=["recipes", "offers"])
    Customer.objects.filter(pk__in=numbered(customers, range(4, 8))).update(topics=["style"])
    # Customers 8-11 chose no topics: no preference, so they stay in.
    campaign = make_campaign(treatments=[{"topic": "recipes", "holdout_share": "0"}])
    counts = audience_build(campaign=campaign).counts["A"]
    assert (counts["segment"], counts["topic_opt_out"], counts["treatment"]) == (12, 4, 8)
    assert members(campaign) == numbered(customers, [*range(0, 4), *range(8, 12)])

    client.force_login(campaign.owner)
    page = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert '<th class="num">Topic opt-out</th>' in page
    assert '<td class="num" data-reason="topic_opt_out">4</td>' in page
    assert "Topic opt-out" in page.split("chart-waterfall-A")[-1]  # the waterfall has its step


def test_a_treatment_without_a_topic_reaches_everyone_and_an_unknown_topic_is_refused(no_global_control, make_campaign):
    customers = population(4)
    Customer.objects.filter(pk=customers[0].pk).update(topics=["style"])
    assert audience_build(campaign=make_campaign()).counts["A"]["topic_opt_out"] == 0
    with pytest.raises(CampaignError, match="No customer subscribed to the topic 'recipe'"):
        make_campaign("Typo", treatments=[{"topic": "recipe"}])


# Caps per channel and overall


def test_the_cap_of_the_treatments_channel_and_the_overall_cap_each_exclude_their_customers(
    no_global_control, make_campaign
):
    customers = population(12)
    earlier = make_campaign("Earlier")
    contact_policy_update(max_contacts=2, window_days=30, channel_caps={"sms": (1, 7)})
    contacted(earlier, customers[0:3], channel="sms", days_ago=3)  # within the SMS week
    contacted(earlier, customers[3:6], channel="sms", days_ago=10)  # outside it, within the 30 days
    contacted(earlier, customers[6:9], channel="email", days_ago=1)
    contacted(earlier, customers[6:9], channel="email", days_ago=20)  # two in 30 days: the overall cap
    texts = make_campaign("Texts", treatments=[{"channel": "sms", "holdout_share": "0"}])
    counts = audience_build(campaign=texts).counts["A"]
    assert (counts["channel_fatigue"], counts["fatigue"], counts["treatment"]) == (3, 3, 6)
    assert members(texts) == numbered(customers, [*range(3, 6), *range(9, 12)])
    # E-mail has no cap of its own: only the overall cap applies to it.
    mails = make_campaign("Mails", treatments=[{"holdout_share": "0"}])
    counts = audience_build(campaign=mails).counts["A"]
    assert (counts["channel_fatigue"], counts["fatigue"], counts["treatment"]) == (0, 3, 9)


def test_planned_campaigns_count_in_a_window_around_a_future_send_date(no_global_control, make_campaign):
    customers = population(12)
    contact_policy_update(max_contacts=1, window_days=10)
    # Customers 0-7 are planned 5 days after the new campaign's send, half of them as control (not contacted),
    # 4-5 again 15 days after it (outside the 10 days), 8-9 by a draft (not counted), 10-11 were contacted
    # today, 20 days before it.
    near = make_campaign("Near", treatments=[{"rules": under(8), "holdout_share": "0.5"}], seed=7)
    approved_and_built(starting_in(near, 25))
    far = make_campaign("Far", treatments=[{"rules": {"field": "recency_days", "op": "between", "value": [4, 5]}}])
    approved_and_built(starting_in(far, 35))
    draft = make_campaign("Sketch", treatments=[{"rules": {"field": "recency_days", "op": "between", "value": [8, 9]}}])
    audience_build(campaign=starting_in(draft, 20))
    contacted(make_campaign("Today"), customers[10:12], channel="email", days_ago=0)

    later = starting_in(make_campaign("Later", treatments=[{"holdout_share": "0"}]), 20)
    counts = audience_build(campaign=later).counts["A"]
    near_treated = members(near)
    assert 0 < len(near_treated) < 8  # some of "Near" are its control
    assert counts["fatigue"] == len(near_treated)
    assert members(later) == {customer.pk for customer in customers} - near_treated


def test_two_campaigns_built_back_to_back_never_pass_a_cap_together(no_global_control, make_campaign):
    customers = population(10)
    contact_policy_update(max_contacts=1, window_days=30, channel_caps={"email": (1, 30)})
    first = approved_and_built(make_campaign("First", treatments=[{"rules": under(6), "holdout_share": "0"}]))
    second = approved_and_built(make_campaign("Second", treatments=[{"holdout_share": "0"}]))
    assert members(first) == numbered(customers, range(6))
    assert members(second) == numbered(customers, range(6, 10))
    counts = second.builds.get().counts["A"]
    assert (counts["channel_fatigue"], counts["fatigue"]) == (6, 0)  # the channel's cap comes first
    # Building the first again counts the second's members now: each customer is planned once either way.
    audience_build(campaign=first)
    assert members(first).isdisjoint(members(second))


def test_a_campaign_released_later_than_planned_is_checked_again(no_global_control, make_campaign):
    customers = population(8)
    contact_policy_update(max_contacts=1, window_days=10)
    planned = approved_and_built(starting_in(make_campaign("Planned", treatments=[{"holdout_share": "0"}]), 20))
    assert len(members(planned)) == 8
    # Since the build, four customers were contacted today, 20 days before the planned send: no matter then.
    contacted(make_campaign("Since"), customers[:4], channel="email", days_ago=0)
    with pytest.raises(CampaignError) as refused:
        campaign_release(campaign=planned, user=planned.owner, contacted_at=timezone.now())
    assert str(refused.value) == (
        f"Sending Planned on {timezone.localdate():%d %b %Y} would contact 4 customers past the overall cap of 1 "
        "contact in 10 days, counting the contacts released and planned around that day. Build the audience "
        "again: the build leaves them out."
    )
    assert not ContactHistory.objects.filter(campaign=planned).exists()
    # Sent on the planned day the same audience passes.
    campaign_release(campaign=planned, user=planned.owner, contacted_at=timezone.now() + timedelta(days=20))
    assert ContactHistory.objects.filter(campaign=planned).count() == 8


# The suppression list


def test_suppressed_customers_are_excluded_first(make_campaign, manager):
    customers = population(10, email_every=2)
    contact_policy_update(global_control_share="0.5")
    for customer in customers[:3]:
        suppression_add(external_id=customer.external_id, reason="Complained", user=manager)
    campaign = make_campaign(treatments=[{"holdout_share": "0"}])
    counts = audience_build(campaign=campaign).counts["A"]
    assert counts["suppressed"] == 3  # customers 1 lacks consent and some are in the global control: still here
    assert not members(campaign) & numbered(customers, range(3))
    assert counts["segment"] == 3 + counts["global_control"] + counts["no_consent"] + counts["treatment"]


def test_a_suppressed_customers_page_says_they_are_never_contacted_and_why(client, make_campaign, manager):
    customers = population(2)
    suppression_add(external_id=customers[0].external_id, reason="Legal hold", user=manager)
    client.force_login(manager)
    page = client.get(f"/customers/{customers[0].pk}/").content.decode()
    assert "Never contacted:" in page and "(Legal hold), added by" in page and manager.username in page
    assert "Never contacted:" not in client.get(f"/customers/{customers[1].pk}/").content.decode()


def test_a_customer_suppressed_after_the_build_stops_the_release(no_global_control, make_campaign, manager):
    customers = population(5)
    campaign = approved_and_built(make_campaign(treatments=[{"holdout_share": "0"}]))
    suppression_add(external_id=customers[2].external_id, reason="Legal hold", user=manager)
    with pytest.raises(CampaignError, match="would contact 1 customer on the suppression list"):
        campaign_release(campaign=campaign, user=campaign.owner)


def test_a_suppressions_file_adds_its_customers_and_a_bad_one_is_refused_with_every_problem(db, tmp_path):
    population(3)
    good = tmp_path / "suppressions.csv"
    good.write_text("customer_id,reason\nC000000,Complaint by phone\nC000001,Staff\n")
    assert run_import(good, kind="suppressions").status == "succeeded"
    assert sorted(Suppression.objects.values_list("customer__external_id", "reason", "added_by")) == [
        ("C000000", "Complaint by phone", None),
        ("C000001", "Staff", None),
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text("customer_id,reason\nC000002,Staff\nNOBODY,Complaint\nC000002,\n")
    job = run_import(bad, kind="suppressions")
    assert job.status == "failed"
    problems = list(ImportProblem.objects.order_by("row", "column").values_list("row", "column", "value"))
    assert problems == [(3, "customer_id", "NOBODY"), (4, "reason", "")]
    assert Suppression.objects.count() == 2  # nothing of the bad file was written
    twice = tmp_path / "twice.csv"
    twice.write_text("customer_id,reason\nC000002,Staff\nC000002,Complaint\n")
    job = run_import(twice, kind="suppressions")
    assert "customer C000002 is listed more than once (rows 2, 3)" in job.error
    assert Suppression.objects.count() == 2


# Pages


def test_a_manager_sets_caps_per_channel_on_the_policy_page_and_reads_the_rules(client, manager, marketer):
    client.force_login(manager)
    page = client.get("/campaigns/policy/").content.decode()
    assert "No channel has a cap of its own." in page
    assert "Customers who subscribed to no topic have no preference and stay in." in page
    form = {
        "consent_email": "on",
        "consent_sms": "on",
        "max_contacts": 5,
        "window_days": 30,
        "global_control_share": "5",
        "global_control_salt": "campaign-desk",
        "cap-sms_max": 2,
        "cap-sms_days": 14,
        "cap-email_max": "",
        "cap-email_days": "",
    }
    assert client.post("/campaigns/policy/", form).status_code == 302
    page = client.get("/campaigns/policy/").content.decode()
    assert "Per channel, at most 2 contacts on SMS in 14 days." in page
    assert "Across all channels, at most 5 contacts in any 30 days." in page
    half = client.post("/campaigns/policy/", {**form, "cap-sms_days": ""}).content.decode()
    assert "Give SMS both a number of contacts and of days, or neither." in half
    client.force_login(marketer)
    assert "Per channel, at most 2 contacts on SMS in 14 days." in client.get("/campaigns/policy/").content.decode()
    assert client.post("/campaigns/policy/", {**form, "cap-sms_max": 9}).status_code == 403


def test_managers_keep_the_suppression_list_and_marketers_read_it(client, manager, marketer):
    customers = population(2)
    client.force_login(marketer)
    assert client.post("/campaigns/suppressions/", {"customer": "C000000", "reason": "Staff"}).status_code == 403
    client.force_login(manager)
    client.post("/campaigns/suppressions/", {"customer": "C000000", "reason": "Staff"})
    again = client.post("/campaigns/suppressions/", {"customer": "C000000", "reason": "Twice"}).content.decode()
    assert "Customer C000000 is already on the suppression list." in again
    unknown = client.post("/campaigns/suppressions/", {"customer": "X9", "reason": "Staff"}).content.decode()
    assert "There is no customer &#x27;X9&#x27;." in unknown
    client.force_login(marketer)
    page = client.get("/campaigns/suppressions/").content.decode()
    assert '<tr data-customer="C000000">' in page and "mina" in page and "Remove" not in page
    suppression = Suppression.objects.get(customer=customers[0])
    assert client.post(f"/campaigns/suppressions/{suppression.pk}/remove/").status_code == 403
    client.force_login(manager)
    client.post(f"/campaigns/suppressions/{suppression.pk}/remove/")
    assert not Suppression.objects.exists()
    assert suppression.history.latest().history_user == manager  # who removed the customer, and when


def test_the_treatment_form_states_the_topic_rule(client, make_campaign):
    population(2)
    campaign = make_campaign()
    client.force_login(campaign.owner)
    page = client.get(f"/campaigns/{campaign.pk}/treatments/new/").content.decode()
    assert "a customer who chose no topics has no preference and stays in" in page


@pytest.mark.django_db(transaction=True)
def test_two_campaigns_built_at_the_same_moment_take_turns_and_never_pass_a_cap(no_global_control, make_campaign):
    population(50)
    contact_policy_update(max_contacts=1, window_days=30)
    campaigns = {}
    for name in ("One", "Two"):
        campaign = make_campaign(name, treatments=[{"holdout_share": "0"}])
        campaign_submit(campaign=campaign, user=campaign.owner)
        campaigns[name] = campaign_approve(campaign=campaign, user=campaign.portfolio.owner)
    one_counting, one_may_go = threading.Event(), threading.Event()

    def build(name: str, progress=None) -> None:
        try:
            audience_build(campaign=campaigns[name], progress=progress)
        finally:
            connections.close_all()

    def hold(percent: float, message: str = "") -> None:
        if percent == 10:  # "One" holds the contact-pressure lock here
            one_counting.set()
            one_may_go.wait(timeout=30)

    one = threading.Thread(target=build, args=("One", hold))
    one.start()
    assert one_counting.wait(timeout=30)
    two = threading.Thread(target=build, args=("Two",))
    two.start()
    clock.sleep(0.5)  # "Two" waits for "One" to commit
    one_may_go.set()
    one.join()
    two.join()
    assert len(members(campaigns["One"])) == 50
    assert members(campaigns["Two"]) == set()
    assert campaigns["Two"].builds.get().counts["A"]["fatigue"] == 50
