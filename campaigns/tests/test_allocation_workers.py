"""A large allocation split into parts that two real worker processes run: the same totals as one run, within
its gap, and no cap passed."""

import pytest
from django.db.models import Count

from campaigns.models import AllocationRun, OfferAllocation
from campaigns.services import audience_build
from campaigns.tasks import offer_allocation_enqueue
from campaigns.tests.conftest import population, shares_for
from campaigns.tests.test_allocation import allocate
from core.models import Job
from core.tests.workers import kill_group, wait_for, worker_process

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_two_workers_on_parts_agree_with_one_run(no_global_control, make_campaign, bank, marketer):
    shares_for(population(1_200))
    campaign = make_campaign(treatments=[{"offer_strategy": "best_n", "offers_per_customer": 2}])
    audience_build(campaign=campaign)
    single = allocate(campaign)  # one part, in this process

    workers = [worker_process(pool="solo", ALLOCATION_CHUNK_CUSTOMERS="300") for _ in range(2)]
    try:
        offer_allocation_enqueue(campaign=campaign, owner=marketer)
        wait_for(
            lambda: AllocationRun.objects.filter(campaign=campaign, status="published").exclude(pk=single.pk).exists(),
            seconds=120,
            what="the parted allocation to be published",
        )
        # The part that publishes marks its job done just after its work commits.
        wait_for(
            lambda: not Job.objects.filter(kind=Job.Kind.OFFER_ALLOCATION_CHUNK).exclude(status__in=Job.FINISHED),
            seconds=30,
            what="every part's job to finish",
        )
    finally:
        for worker in workers:
            kill_group(worker)
    parted = AllocationRun.objects.filter(campaign=campaign, status="published").exclude(pk=single.pk).get()
    assert parted.chunks == 4 and parted.chunks_done == 4
    parts = Job.objects.filter(kind=Job.Kind.OFFER_ALLOCATION_CHUNK, params__run_id=parted.pk)
    assert parts.count() == 4 and set(parts.values_list("status", flat=True)) == {"succeeded"}
    tolerance = single.gap * single.bound_cents + parted.gap * parted.bound_cents + 1e-6 * single.value_cents
    assert abs(parted.value_cents - single.value_cents) <= tolerance
    given = dict(OfferAllocation.objects.filter(run=parted).values_list("offer__code").annotate(n=Count("customer")))
    assert given["GARDEN_15"] <= 20
    spent = {row["code"]: row["spent_cents"] for row in parted.per_offer}
    assert spent["FOOD_10"] <= 3_000
    per_member = OfferAllocation.objects.filter(run=parted).values("customer_id").annotate(n=Count("slot"))
    assert max(row["n"] for row in per_member) == 2
