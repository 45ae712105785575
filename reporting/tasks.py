"""Results jobs: the tasks, and the glue that turns a campaign into a job and a job back into a run."""

from typing import Any

from celery import shared_task
from django.contrib.auth.models import AbstractBaseUser

from campaigns.models import Campaign
from campaigns.services.workflow import CampaignError
from core.models import Job
from core.services import JobError, JobSpec, Progress, job_run, job_submit
from reporting.services import results_run


def results_job(job: Job, progress: Progress) -> dict[str, Any]:
    try:
        result = results_run(campaign=Campaign.objects.get(pk=job.params["campaign_id"]), progress=progress)
    except CampaignError as error:
        raise JobError(str(error)) from None
    return {
        "campaign_id": result.campaign_id,
        "version": result.version,
        "seconds": result.seconds,
        "net_cents": round(result.payload["totals"]["net_cents"]),
    }


@shared_task
def compute_results(job_id: int) -> None:
    job_run(job_id, results_job)


def results_spec(campaign: Campaign) -> JobSpec:
    return JobSpec(
        kind=Job.Kind.RESULTS,
        title=f"Results of {campaign.name}",
        task=compute_results,
        work=results_job,
        params={"campaign_id": campaign.pk},
    )


def results_enqueue(*, campaign: Campaign, owner: AbstractBaseUser | None) -> Job:
    return job_submit(results_spec(campaign), owner=owner)


@shared_task
def measure_campaigns() -> int:
    """Daily: fresh results for every campaign being measured."""
    measuring = Campaign.objects.filter(status=Campaign.Status.MEASURING)
    for campaign in measuring:
        results_enqueue(campaign=campaign, owner=None)
    return len(measuring)
