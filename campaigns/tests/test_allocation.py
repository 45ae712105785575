"""Offers allocated 1:1 to a campaign's best-offer treatments: every cap and rule holds, ineligible offers are
never given, the gap to the bound is reported, and chunks agree with one run."""

import pytest
from django.db.models import Count
from django.test import override_settings

from campaigns.models import AllocationRun, AudienceMember, OfferAllocation
from campaigns.services import audience_build
from campaigns.tasks import offer_allocation_job, offer_allocation_spec
from campaigns.tests.conftest import population, shares_for
from core.models import Job
from core.services import job_run
from customers.models import Category


def allocate(campaign) -> AllocationRun:
    spec = offer_allocation_spec(campaign)
    job = Job.objects.create(kind=spec.kind, title=spec.title, params=spec.params)
    job_run(job.pk, offer_allocation_job)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    return AllocationRun.objects.get(pk=job.result["run_id"])


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


def test_results_count_redemptions_and_margin_per_offer(no_global_control, make_campaign, bank, tmp_path):
    """Sits with campaigns' fixtures; reporting reads what the release sent."""
    from datetime import timedelta

    from django.utils import timezone

    from campaigns.models import ContactHistory
    from campaigns.services import campaign_release
    from campaigns.tests.test_release import ready
    from customers.imports.run import import_file
    from reporting.services import results_run

    customers = population(300)
    shares_for(customers)
    campaign = make_campaign(
        treatments=[{"offer_strategy": "best_n", "offers_per_customer": 2, "holdout_share": "0.2"}]
    )
    ready(campaign)
    allocate(campaign)
    campaign_release(campaign=campaign, user=campaign.owner, contacted_at=timezone.now() - timedelta(days=3))
    sent = list(ContactHistory.objects.filter(campaign=campaign).values_list("customer__external_id", "offer_codes"))
    # The first five members given GARDEN_15 redeem it; one more redeems it after the window (not counted).
    redeemers = [external for external, codes in sent if "GARDEN_15" in codes][:5]
    day = (timezone.now() - timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S")
    path = tmp_path / "redemptions.csv"
    path.write_text(
        "line_id,customer_id,purchased_at,quantity,revenue,margin,offer_code,order_ref\n"
        + "".join(f"R{n},{external},{day},1,40.00,10.00,GARDEN_15,O{n}\n" for n, external in enumerate(redeemers))
    )
    import_file(kind="purchases", path=path)
    rows = {row["code"]: row for row in results_run(campaign=campaign).payload["by_offer"]}
    garden = rows["GARDEN_15"]
    assert (garden["given"], garden["redeemed"]) == (20, 5)
    assert garden["redemption_rate"] == 0.25
    # 5 of 20 holders spent 10.00 of margin, the control nothing: 2.50 a holder, 50.00 in all.
    assert garden["margin_per_member"]["difference"] == pytest.approx(250)
    assert garden["incremental_margin_cents"] == pytest.approx(5_000)
    assert sum(row["given"] for row in rows.values()) == sum(len(codes) for _, codes in sent)
    # The next campaign scores GARDEN_15 on what this one measured: 5 of 20 redeemed against 10% expected,
    # blended with 200 customers at the expected rate: (5 + 20) / (20 + 200) over 10%.
    from campaigns.services.allocation import eligible_offers, measured_rates, offer_terms
    from segments.models import LifecycleStage

    following = make_campaign("Next month", treatments=[{"offer_strategy": "best_n"}])
    offers = eligible_offers(following)
    stages = list(LifecycleStage.objects.order_by("pk").values_list("pk", flat=True))
    categories = list(Category.objects.order_by("pk").values_list("pk", "margin_rate"))
    terms = offer_terms(offers, {pk: n for n, (pk, _) in enumerate(categories)}, dict(categories))
    measured = measured_rates(following, offers, terms, stages)
    new = stages.index(LifecycleStage.objects.get(code="new").pk) + 1
    column = [offer.code for offer in offers].index("GARDEN_15")
    assert measured[new, column] == pytest.approx((5 + 20) / 220 / 0.1)
