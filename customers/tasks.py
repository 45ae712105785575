from celery import shared_task

from core.services import job_run
from customers.services import data_import_run, monthly_sales_refresh


@shared_task
def import_csv(job_id: int) -> None:
    job_run(job_id, data_import_run)


@shared_task
def refresh_monthly_sales(job_id: int) -> None:
    job_run(job_id, monthly_sales_refresh)
