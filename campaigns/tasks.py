from celery import shared_task
from django.utils import timezone

from campaigns.models import Campaign
from campaigns.services import audience_build_job, campaign_start_measuring
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
