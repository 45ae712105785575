"""Campaigns' jobs: the audience build (its work, its job description, how it is started) and the daily
switch of released campaigns to measuring."""

from typing import Any

from celery import shared_task
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from campaigns.models import Campaign
from campaigns.services import CampaignError, audience_build, campaign_start_measuring
from core.models import Job
from core.services import JobError, JobSpec, Progress, job_run, job_submit


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


def audience_build_job(job: Job, progress: Progress) -> dict[str, Any]:
    try:
        build = audience_build(
            campaign=Campaign.objects.get(pk=job.params["campaign_id"]), user=job.owner, progress=progress
        )
    except CampaignError as error:
        raise JobError(str(error)) from None
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
