"""The demo data job: a made-up retailer loaded through every domain app, watched on the Jobs page."""

from datetime import date

from celery import shared_task
from django.contrib.auth.models import AbstractBaseUser

from core.models import Job
from core.services import job_enqueue, job_run
from desk.demo import demo_retailer_load


@shared_task
def load_demo_data(job_id: int) -> None:
    job_run(job_id, demo_retailer_load)


def demo_data_enqueue(*, customers: int, seed: int, end: date, owner: AbstractBaseUser | None) -> Job:
    return job_enqueue(
        kind=Job.Kind.DEMO_DATA,
        title=f"Demo data: {customers:,} customers",
        owner=owner,
        task=load_demo_data,
        params={"customers": customers, "seed": seed, "end": end.isoformat()},
    )
