from celery import shared_task

from core.services import job_run
from segments.services import features_refresh_job, segments_measure, staging_job, value_model_job


@shared_task
def refresh_features(job_id: int) -> None:
    job_run(job_id, features_refresh_job)


@shared_task
def stage_customers(job_id: int) -> None:
    job_run(job_id, staging_job)


@shared_task
def fit_value_model(job_id: int) -> None:
    job_run(job_id, value_model_job)


@shared_task
def measure_segments() -> int:
    return segments_measure()
