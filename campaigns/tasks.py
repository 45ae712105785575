"""Campaigns' jobs: the audience build (its work, its job description, how it is started), the offer
allocation that follows it for best-offer treatments, and the daily switch of released campaigns to
measuring."""

from typing import Any

from celery import shared_task
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from campaigns.models import AllocationRun, Campaign
from campaigns.services import CampaignError, audience_build, campaign_start_measuring
from campaigns.services.allocation import allocation_chunk, allocation_needed, allocation_start
from core.models import Job
from core.services import JobError, JobSpec, Progress, job_params_add, job_run, job_submit


@shared_task
def build_audience(job_id: int) -> None:
    job_run(job_id, audience_build_job)


@shared_task
def start_measuring_released() -> int:
    """Daily: released campaigns whose start date has come are now being measured."""
    due = Campaign.objects.filter(status=Campaign.Status.RELEASED, start_date__lte=timezone.localdate())
    for campaign in due:
        campaign_start_measuring(campaign=campaign)
    return len(due)


@shared_task
def allocate_offers(job_id: int) -> None:
    job_run(job_id, offer_allocation_job)


@shared_task
def allocate_offers_chunk(job_id: int) -> None:
    job_run(job_id, offer_allocation_chunk_job)


def audience_build_job(job: Job, progress: Progress) -> dict[str, Any]:
    try:
        campaign = Campaign.objects.get(pk=job.params["campaign_id"])
        build = audience_build(campaign=campaign, user=job.owner, progress=progress)
    except CampaignError as error:
        raise JobError(str(error)) from None
    if allocation_needed(campaign):
        # Best-offer treatments get their offers for the new audience; the allocation is a job of its own.
        transaction.on_commit(lambda: offer_allocation_enqueue(campaign=campaign, owner=job.owner))
    return {
        "campaign_id": build.campaign_id,
        "version": build.version,
        "counts": build.counts,
        "seconds": build.seconds,
    }


def audience_build_spec(campaign: Campaign) -> JobSpec:
    return JobSpec(
        kind=Job.Kind.AUDIENCE_BUILD,
        title=f"Audience of {campaign.name}",
        task=build_audience,
        work=audience_build_job,
        params={"campaign_id": campaign.pk},
    )


def audience_build_enqueue(*, campaign: Campaign, owner: AbstractBaseUser) -> Job:
    return job_submit(audience_build_spec(campaign), owner=owner)


def offer_allocation_job(job: Job, progress: Progress) -> dict[str, Any]:
    """Allocate the campaign's offers: here when it fits one chunk, else by one chunk job per part, which
    workers run at once (or here, one after the other, when the command runs it without a worker)."""
    campaign = Campaign.objects.get(pk=job.params["campaign_id"])
    try:
        # The run is kept on the job: if anything stops the work from here on, its failure fails the run too.
        run, bounds = allocation_start(
            campaign, progress=progress, created=lambda run: job_params_add(job, run_id=run.pk)
        )
    except CampaignError as error:
        raise JobError(str(error)) from None
    if bounds and job.params.get("in_place"):
        for number in range(len(bounds)):
            part = progress.span(20 + 75 * number / len(bounds), 20 + 75 * (number + 1) / len(bounds))
            run = allocation_chunk(run, number, progress=part)
    elif bounds:
        for number in range(len(bounds)):
            job_submit(offer_allocation_chunk_spec(run, number), owner=job.owner)
    run.refresh_from_db()
    return {
        "campaign_id": campaign.pk,
        "run_id": run.pk,
        "customers": run.customers,
        "chunks": run.chunks,
        "status": run.status,
        "value_cents": run.value_cents,
        "bound_cents": run.bound_cents,
        "gap": run.gap,
    }


def offer_allocation_chunk_job(job: Job, progress: Progress) -> dict[str, Any]:
    run = AllocationRun.objects.select_related("campaign").get(pk=job.params["run_id"])
    if run.status != AllocationRun.Status.RUNNING:
        return {"run_id": run.pk, "skipped": f"the run is {run.get_status_display().lower()}"}
    run = allocation_chunk(run, job.params["number"], progress=progress)  # a failure fails the run: see apps.py
    return {"run_id": run.pk, "number": job.params["number"], "status": run.status}


def offer_allocation_spec(campaign: Campaign, *, in_place: bool = True) -> JobSpec:
    return JobSpec(
        kind=Job.Kind.OFFER_ALLOCATION,
        title=f"Offers for {campaign.name}",
        task=allocate_offers,
        work=offer_allocation_job,
        params={"campaign_id": campaign.pk, "in_place": in_place},
    )


def offer_allocation_chunk_spec(run: AllocationRun, number: int) -> JobSpec:
    return JobSpec(
        kind=Job.Kind.OFFER_ALLOCATION_CHUNK,
        title=f"Offers for {run.campaign.name}: part {number + 1} of {run.chunks}",
        task=allocate_offers_chunk,
        work=offer_allocation_chunk_job,
        params={"run_id": run.pk, "number": number},
        repeatable=False,
    )


def offer_allocation_enqueue(*, campaign: Campaign, owner: AbstractBaseUser | None) -> Job:
    return job_submit(offer_allocation_spec(campaign, in_place=False), owner=owner)
