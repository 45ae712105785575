"""The demo retailer's campaign results recover the effects the demo was made with."""

from datetime import date

import pytest

from campaigns.models import Campaign
from core.models import Job
from core.services import job_run
from reporting.demo import TRUE_LIFTS
from reporting.selectors import latest_result
from segments.models import FeatureRun, ValueModelFit
from segments.tasks import value_model_job


@pytest.mark.django_db
def test_the_true_effects_lie_within_their_confidence_intervals(demo):
    missed = []
    for (name, code), lift in TRUE_LIFTS.items():
        result = latest_result(Campaign.objects.get(name=name))
        rate = next(row for row in result.payload["treatments"] if row["code"] == code)["response_rate"]
        if not rate["low"] <= lift <= rate["high"]:
            missed.append((name, code, lift, rate))
    # A 95% interval misses the truth once in twenty by design: of fourteen, one miss is expected, two are not.
    assert len(missed) <= 1, missed


@pytest.mark.django_db
def test_the_value_model_started_from_its_page_is_dated_and_checked_with_the_features_it_fits(
    demo, client, admin_user, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    client.post("/segments/jobs/customer_value/")
    job = Job.objects.filter(kind=Job.Kind.CUSTOMER_VALUE).latest("created_at")
    job_run(job.pk, value_model_job)
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    fit = ValueModelFit.objects.latest("id")
    assert fit.as_of == FeatureRun.objects.first().as_of == date(2026, 6, 30)
    # The held-out half year ends where the features do, so it holds the orders that were really placed.
    assert fit.calibration["total_actual"] > 0


@pytest.mark.django_db
def test_the_demo_bank_is_allocated_within_its_caps_and_measured_per_offer(demo):
    from django.db.models import Count

    from campaigns.demo import BEST_OFFERS
    from campaigns.models import OfferAllocation
    from campaigns.services.release import current_allocation
    from offers.models import Offer

    assert Offer.objects.count() >= 150
    binding = 0
    for name, slots in BEST_OFFERS.items():
        campaign = Campaign.objects.get(name=name)
        run = current_allocation(campaign)
        assert run is not None and run.gap < 0.005, name
        assert all(row["max_quantity"] is None or row["given"] <= row["max_quantity"] for row in run.per_offer), name
        binding += sum(row["binding"] for row in run.per_offer)
        most = OfferAllocation.objects.filter(run=run).values("customer_id").annotate(n=Count("slot"))
        assert max(row["n"] for row in most) == slots, name
        by_offer = latest_result(campaign).payload["by_offer"]
        # Members who respond to a treatment that works mostly redeem one of their offers.
        assert by_offer, name
        if TRUE_LIFTS[(name, "A")] > 0:
            assert sum(row["redeemed"] for row in by_offer) > 0, name
    assert binding > 0  # some caps are tight enough to bind
