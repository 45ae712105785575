from celery import shared_task
from django.utils import timezone

from campaigns.models import Campaign
from campaigns.services import audience_build_job, campaign_start_measuring
from campaigns.services.results import results_enqueue, results_job
from core.services import job_run


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
def compute_results(job_id: int) -> None:
    job_run(job_id, results_job)


@shared_task
def measure_campaigns() -> int:
    """Daily: fresh results for every campaign being measured."""
    measuring = Campaign.objects.filter(status=Campaign.Status.MEASURING)
    for campaign in measuring:
        results_enqueue(campaign=campaign, owner=None)
    return len(measuring)
