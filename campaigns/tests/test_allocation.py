"""Offers allocated 1:1 to a campaign's best-offer treatments: every cap and rule holds, ineligible offers are
never given, the gap to the bound is reported, and chunks agree with one run."""

import pytest
from django.db.models import Count
from django.test import override_settings

from campaigns.models import AllocationRun, AudienceMember, Campaign, OfferAllocation
from campaigns.selectors import latest_allocation
from campaigns.services import audience_build
from campaigns.tasks import offer_allocation_chunk_job, offer_allocation_job, offer_allocation_spec
from campaigns.tests.conftest import population, shares_for
from core.models import Job
from core.services import job_run, jobs_recover


def allocate(campaign) -> AllocationRun:
    spec = offer_allocation_spec(campaign)
    job = Job.objects.create(kind=spec.kind, title=spec.title, params=spec.params)
    job_run(job.pk, offer_allocation_job)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    return AllocationRun.objects.get(pk=job.result["run_id"])


def allocated_again_in_two_parts(make_campaign, settings) -> tuple[Campaign, AllocationRun, AllocationRun]:
    """A campaign of 600 best-offer members with a published allocation, and a second allocation whose
    coordinator has run and handed two parts of 300 customers to the workers, neither of them run yet."""
    shares_for(population(600))
    campaign = make_campaign(treatments=[{"offer_strategy": "best_n", "offers_per_customer": 2}])
    audience_build(campaign=campaign)
    published = allocate(campaign)
    settings.ALLOCATION_CHUNK_CUSTOMERS = 300
    spec = offer_allocation_spec(campaign, in_place=False)
    coordinator = Job.objects.create(kind=spec.kind, title=spec.title, params=spec.params)
    job_run(coordinator.pk, offer_allocation_job)
    run = AllocationRun.objects.get(pk=Job.objects.get(pk=coordinator.pk).result["run_id"])
    return campaign, published, run


def test_members_get_their_best_offers_within_every_cap_and_rule(no_global_control, make_campaign, bank):
    customers = population(400)
    shares_for(customers)
    campaign = make_campaign(treatments=[{"offer_strategy": "best_n", "offers_per_customer": 2}])
    audience_build(campaign=campaign)
    run = allocate(campaign)
    assert run.status == "published" and 0 <= run.gap < 0.005
    given = OfferAllocation.objects.filter(run=run)
    treated = set(
        AudienceMember.objects.filter(campaign=campaign, is_control=False).values_list("customer_id", flat=True)
    )
    assert set(given.values_list("customer_id", flat=True)) <= treated  # the control group gets nothing
    per_member = given.values("customer_id").annotate(
        offers=Count("offer"), categories=Count("offer__category", distinct=True)
    )
    assert max(row["offers"] for row in per_member) == 2
    assert all(
        row["categories"] >= row["offers"] - 1 for row in per_member
    )  # at most one per category (and one whole-range)
    codes = set(given.values_list("offer__code", flat=True))
    assert not codes & {"EXPIRED", "INACTIVE", "SMS_ONLY", "ONE_STORE"}
    counts = dict(given.values_list("offer__code").annotate(n=Count("customer")))
    assert counts["GARDEN_15"] == 20  # its cap binds: everyone wants 15% off garden
    per_offer = {row["code"]: row for row in run.per_offer}
    assert per_offer["GARDEN_15"]["binding"] and per_offer["GARDEN_15"]["quantity_price_cents"] > 0
    # 3,000 of expected redemption cost at 10% x 1.00 each: at most 300 food_10 offers.
    assert counts.get("FOOD_10", 0) <= 300 and per_offer["FOOD_10"]["spent_cents"] <= 3_000
    assert run.value_cents <= run.bound_cents
    assert abs(sum(given.values_list("expected_value_cents", flat=True)) - run.value_cents) < 1


def test_chunks_agree_with_one_run_and_never_pass_a_cap(no_global_control, make_campaign, bank):
    customers = population(900)
    shares_for(customers)
    campaign = make_campaign(treatments=[{"offer_strategy": "best_n", "offers_per_customer": 2}])
    audience_build(campaign=campaign)
    single = allocate(campaign)
    with override_settings(ALLOCATION_CHUNK_CUSTOMERS=300):
        chunked = allocate(campaign)
    assert (single.chunks, chunked.chunks) == (1, 3) and chunked.status == "published"
    assert (
        abs(chunked.value_cents - single.value_cents)
        <= single.gap * single.bound_cents + 1e-6 * single.value_cents + chunked.gap * chunked.bound_cents
    )
    counts = dict(OfferAllocation.objects.filter(run=chunked).values_list("offer__code").annotate(n=Count("customer")))
    assert counts["GARDEN_15"] <= 20
    # The newest published run is the campaign's allocation; the older one's rows are gone.
    assert not OfferAllocation.objects.filter(run=single).exists()


def test_a_part_past_the_job_time_limit_fails_its_run_and_the_allocation_stays(
    no_global_control, make_campaign, bank, settings
):
    campaign, published, run = allocated_again_in_two_parts(make_campaign, settings)
    first_part = Job.objects.filter(kind=Job.Kind.OFFER_ALLOCATION_CHUNK).order_by("pk").first()

    settings.JOB_TIME_LIMIT_SECONDS = 0  # past already when the part starts
    job_run(first_part.pk, offer_allocation_chunk_job)

    first_part.refresh_from_db()
    run.refresh_from_db()
    assert first_part.status == "failed" and "(JOB_TIME_LIMIT_SECONDS) and was stopped" in first_part.error
    assert run.status == AllocationRun.Status.FAILED and not OfferAllocation.objects.filter(run=run).exists()
    assert latest_allocation(campaign) == published


def test_an_audience_that_reached_nobody_needs_no_offers_and_can_be_released(no_global_control, make_campaign, bank):
    """A segment nobody is in: nothing to allocate, and the release is not held up waiting for offers that can
    never come."""
    from campaigns.models import Campaign
    from campaigns.services import campaign_release
    from campaigns.services.allocation import allocation_needed, allocation_start
    from campaigns.services.workflow import CampaignError
    from campaigns.tests.test_release import ready

    population(20)  # all in the North
    nobody = {"all": [{"field": "region", "op": "in", "value": ["South"]}]}
    campaign = make_campaign(treatments=[{"offer_strategy": "best_n", "offers_per_customer": 2, "rules": nobody}])
    ready(campaign)
    assert not allocation_needed(campaign)
    with pytest.raises(CampaignError, match="get offers"):
        allocation_start(campaign)
    campaign_release(campaign=campaign, user=campaign.owner)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.RELEASED and not AllocationRun.objects.filter(campaign=campaign).exists()


def test_the_release_sends_each_member_their_offers_in_one_column_per_slot(
    client, no_global_control, make_campaign, bank, marketer
):
    from campaigns.models import ContactHistory
    from campaigns.services import campaign_release
    from campaigns.services.workflow import CampaignError
    from campaigns.tests.test_release import ready

    customers = population(200)
    shares_for(customers)
    campaign = make_campaign(treatments=[{"offer_strategy": "best_n", "offers_per_customer": 3, "holdout_share": "0"}])
    ready(campaign)
    with pytest.raises(CampaignError, match="no offers for this audience yet"):
        campaign_release(campaign=campaign, user=campaign.owner)
    run = allocate(campaign)
    campaign_release(campaign=campaign, user=campaign.owner)
    sent = dict(ContactHistory.objects.filter(campaign=campaign).values_list("customer_id", "offer_codes"))
    given = {}
    for customer_id, code in (
        OfferAllocation.objects.filter(run=run).order_by("slot").values_list("customer_id", "offer__code")
    ):
        given.setdefault(customer_id, []).append(code)
    assert sent == {customer_id: given.get(customer_id, []) for customer_id in sent}
    assert max(len(codes) for codes in sent.values()) == 3
    client.force_login(marketer)
    lines = b"".join(client.get(f"/campaigns/{campaign.pk}/contacts/email.csv").streaming_content).decode().splitlines()
    header = lines[0].split(",")
    assert header[-4:] == ["offer_1", "offer_2", "offer_3", "contacted_at"]
    first = dict(zip(header, lines[1].split(","), strict=True))
    assert [first["offer_1"], first["offer_2"], first["offer_3"]] == [
        *sent[customers[0].pk][:3],
        *[""] * (3 - len(sent[customers[0].pk])),
    ]


def test_the_pages_show_the_allocation_and_each_customers_reasons(
    client, no_global_control, make_campaign, bank, marketer, segment_owner
):
    customers = population(300)
    shares_for(customers)
    campaign = make_campaign(treatments=[{"offer_strategy": "best_n", "offers_per_customer": 2}])
    audience_build(campaign=campaign)
    run = allocate(campaign)
    client.force_login(segment_owner)  # may read, not allocate
    page = client.get(f"/campaigns/{campaign.pk}/offers/").content.decode()
    assert (
        (f"{run.gap:.2%}" if run.gap >= 0.00005 else "&lt; 0.01%") in page
        and "Binding" in page
        and 'id="allocate-offers"' not in page
    )
    assert "one more customer allowed would add" in page
    assert client.post(f"/campaigns/{campaign.pk}/offers/allocate/").status_code == 403
    client.force_login(marketer)
    assert 'id="allocate-offers"' in client.get(f"/campaigns/{campaign.pk}/offers/").content.decode()
    first = OfferAllocation.objects.filter(run=run, slot=1).order_by("customer_id").first()
    page = client.get(f"/customers/{first.customer_id}/").content.decode()
    assert "Offers allocated, and why" in page and first.offer.code in page
    # The reasons recompute the score the allocation used: same expected value.
    from campaigns.services.allocation import member_offer_reasons

    [best, *_] = member_offer_reasons(run, first.customer_id)
    expected = best["probability"] * (best["order_margin_cents"] - best["offer"].cost_per_redemption_cents)
    assert best["value_cents"] == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize("chunk_customers", [1_000, 300], ids=["one chunk", "parts in place"])
def test_an_allocation_past_the_job_time_limit_fails_its_run_and_the_page_says_so(
    client, no_global_control, make_campaign, bank, marketer, settings, chunk_customers
):
    shares_for(population(600))
    campaign = make_campaign(treatments=[{"offer_strategy": "best_n", "offers_per_customer": 2}])
    audience_build(campaign=campaign)
    published = allocate(campaign)
    settings.ALLOCATION_CHUNK_CUSTOMERS = chunk_customers
    spec = offer_allocation_spec(campaign)  # in place: the job allocates every part itself
    job = Job.objects.create(kind=spec.kind, title=spec.title, params=spec.params)

    settings.JOB_TIME_LIMIT_SECONDS = 0  # past once its run has been created
    job_run(job.pk, offer_allocation_job)

    job.refresh_from_db()
    run = campaign.allocation_runs.exclude(pk=published.pk).get()
    assert job.status == "failed" and "(JOB_TIME_LIMIT_SECONDS) and was stopped" in job.error
    assert run.status == AllocationRun.Status.FAILED and not OfferAllocation.objects.filter(run=run).exists()
    assert latest_allocation(campaign) == published
    client.force_login(marketer)
    page = client.get(f"/campaigns/{campaign.pk}/offers/").content.decode()
    assert 'id="allocation-failure"' in page and f"{job.title} failed: The job ran longer" in page


def test_a_failed_part_whose_run_was_left_running_is_settled_by_the_next_sweep(
    client, no_global_control, make_campaign, bank, marketer, settings
):
    """What follows a part's failure may not finish (it raised, or its process stopped): the recovery sweep that
    every worker runs fails the run then, so the page does not wait forever for it."""
    campaign, published, run = allocated_again_in_two_parts(make_campaign, settings)
    first, second = Job.objects.filter(kind=Job.Kind.OFFER_ALLOCATION_CHUNK).order_by("pk")
    job_run(second.pk, offer_allocation_chunk_job)
    assert OfferAllocation.objects.filter(run=run).exists()
    Job.objects.filter(pk=first.pk).update(status=Job.Status.FAILED, error="Its worker stopped.")  # nothing followed

    jobs_recover()

    run.refresh_from_db()
    assert run.status == AllocationRun.Status.FAILED and not OfferAllocation.objects.filter(run=run).exists()
    assert latest_allocation(campaign) == published
    client.force_login(marketer)
    page = client.get(f"/campaigns/{campaign.pk}/offers/").content.decode()
    assert f"{first.title} failed: Its worker stopped." in page
