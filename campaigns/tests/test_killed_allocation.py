"""Workers killed with SIGKILL in the middle of an offer allocation, in one part or in several: the campaign
keeps its published allocation, whole, until a new one is published whole."""

import pytest
from django.db.models import Count
from django.urls import reverse

from campaigns.models import AllocationRun, OfferAllocation
from campaigns.selectors import latest_allocation
from campaigns.services import audience_build
from campaigns.tasks import offer_allocation_enqueue
from campaigns.tests.conftest import population, shares_for
from campaigns.tests.test_allocation import allocate
from core.models import Job

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def offers_given(run: AllocationRun) -> set[tuple]:
    return set(OfferAllocation.objects.filter(run=run).values_list("customer_id", "slot", "offer_id"))


@pytest.fixture
def allocated(no_global_control, make_campaign, bank):
    """A built campaign whose best two offers per member were allocated once, to 600 members."""
    shares_for(population(600))
    campaign = make_campaign(treatments=[{"offer_strategy": "best_n", "offers_per_customer": 2}])
    audience_build(campaign=campaign)
    return campaign, allocate(campaign)


def test_a_killed_allocation_publishes_nothing_and_allocates_again(fault, allocated, bank, marketer):
    campaign, first = allocated
    given = offers_given(first)
    bank["garden_15"].max_quantity = 60
    bank["garden_15"].save()

    job = fault.kill_mid_job(
        lambda: offer_allocation_enqueue(campaign=campaign, owner=marketer),
        # The old allocation's offers are removed last, once the new one is written and marked published.
        held=OfferAllocation.objects.filter(run=first),
    )

    assert latest_allocation(campaign) == first
    assert offers_given(first) == given
    assert not OfferAllocation.objects.exclude(run=first).exists()
    queued = fault.recover(job)
    assert (queued.status, queued.message) == (
        Job.Status.QUEUED,
        "Attempt 1 of 3 stopped: its worker stopped. Trying again.",
    )
    again = fault.finished(job)
    assert again.status == Job.Status.SUCCEEDED
    published = latest_allocation(campaign)
    assert published.pk == again.result["run_id"] and published.customers == first.customers
    assert set(campaign.allocation_runs.values_list("status", flat=True)) == {"published", "failed"}
    assert not OfferAllocation.objects.exclude(run=published).exists()
    per_offer = {row["code"]: row["given"] for row in published.per_offer}
    assert 20 < per_offer["GARDEN_15"] <= 60  # the cap raised since


def test_a_killed_part_fails_its_run_and_the_campaign_keeps_its_allocation(fault, allocated, marketer, client):
    campaign, first = allocated
    given = offers_given(first)

    coordinator = fault.kill_mid_job(
        lambda: offer_allocation_enqueue(campaign=campaign, owner=marketer),
        held=OfferAllocation,  # a part writes its members' offers, then reports to the run
        mode="EXCLUSIVE",
        ALLOCATION_CHUNK_CUSTOMERS="300",
    )

    run = campaign.allocation_runs.exclude(pk=first.pk).get()
    assert (run.status, run.chunks) == (AllocationRun.Status.RUNNING, 2)
    assert coordinator.status == Job.Status.SUCCEEDED  # it handed the parts to the workers
    killed = Job.objects.get(kind=Job.Kind.OFFER_ALLOCATION_CHUNK, status=Job.Status.RUNNING)
    assert latest_allocation(campaign) == first and offers_given(first) == given
    lost = fault.recover(killed)
    assert lost.status == Job.Status.FAILED
    assert lost.error == (
        "The worker running this job stopped. Nothing it was doing was saved; earlier results are unchanged. "
        "Start the job again."
    )
    other = Job.objects.get(kind=Job.Kind.OFFER_ALLOCATION_CHUNK, params__run_id=run.pk, pk__gt=killed.pk)
    fault.finished(other)
    run.refresh_from_db()
    assert run.status == AllocationRun.Status.FAILED
    assert not OfferAllocation.objects.filter(run=run).exists()
    assert latest_allocation(campaign) == first and offers_given(first) == given
    client.force_login(marketer)
    page = client.get(reverse("campaigns:offers", args=[campaign.pk])).content.decode()
    assert f"{killed.title} failed: The worker running this job stopped." in page
    assert "The offers below are still the campaign's, from the allocation before." in page

    again = fault.finished(offer_allocation_enqueue(campaign=campaign, owner=marketer))
    published = AllocationRun.objects.get(pk=again.result["run_id"])
    fault.finished(Job.objects.filter(kind=Job.Kind.OFFER_ALLOCATION_CHUNK).order_by("-pk").first())
    published.refresh_from_db()
    assert (published.status, published.chunks_done) == (AllocationRun.Status.PUBLISHED, 2)
    assert "allocation-failure" not in client.get(reverse("campaigns:offers", args=[campaign.pk])).content.decode()
    assert latest_allocation(campaign) == published
    assert not OfferAllocation.objects.exclude(run=published).exists()
    per_member = OfferAllocation.objects.filter(run=published).values("customer_id").annotate(n=Count("slot"))
    assert max(row["n"] for row in per_member) == 2
