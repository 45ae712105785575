from celery import shared_task

from core import health
from core.services import job_run


@shared_task
def database_report(job_id: int) -> None:
    job_run(job_id, health.database_report)
