"""Customers' jobs: imports and the monthly sales summary, the work each runs, and how they are started."""

from pathlib import Path
from typing import Any

from celery import shared_task
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from core.models import Job
from core.services import Progress, job_enqueue, job_run
from customers.models import DataImport
from customers.services import data_import_create, data_import_run, monthly_sales_refresh, shown_file_name


def import_job(job: Job, progress: Progress) -> dict[str, Any]:
    """Load the job's file; the monthly sales summary follows any import of purchases.

    On a worker the summary is a job of its own; an import run in a terminal sums it there and then, since
    no worker may be running to take a queued one.
    """
    result = data_import_run(data_import=DataImport.objects.get(job=job), progress=progress)
    if any(step["kind"] == "purchases" for step in result["steps"]):
        if job.task_name:
            transaction.on_commit(lambda: monthly_sales_enqueue(owner=job.owner))
        else:
            progress(99, "Summing the monthly sales")
            monthly_sales_refresh()
    return result


def monthly_sales_job(job: Job, progress: Progress) -> dict[str, Any]:
    return monthly_sales_refresh()


@shared_task
def import_csv(job_id: int) -> None:
    job_run(job_id, import_job)


@shared_task
def refresh_monthly_sales(job_id: int) -> None:
    job_run(job_id, monthly_sales_job)


@transaction.atomic
def data_import_submit(
    *,
    kind: str,
    path: Path,
    file_name: str,
    owner: AbstractBaseUser | None,
    preset: str = "",
    delimiter: str = ",",
    encoding: str = "utf-8",
    uploaded: bool = False,
    queue: bool = True,
) -> DataImport:
    """Record the import and its job; with `queue`, a worker runs it once this transaction commits, otherwise
    the caller runs `import_job` itself."""
    title = f"Import {DataImport.Kind(kind).label.lower()} from {shown_file_name(file_name, 120)}"
    params = {"kind": kind, "preset": preset, "file": shown_file_name(file_name)}
    # An upload is the job's own file, kept while the import may be tried again and removed after.
    files = [path.parent] if uploaded else []
    if queue:
        job = job_enqueue(kind=Job.Kind.IMPORT, title=title, owner=owner, task=import_csv, params=params, files=files)
    else:
        job = Job.objects.create(
            kind=Job.Kind.IMPORT, title=title, owner=owner, params=params, files=[str(file) for file in files]
        )
    return data_import_create(
        job=job,
        kind=kind,
        path=path,
        file_name=file_name,
        preset=preset,
        delimiter=delimiter,
        encoding=encoding,
        uploaded=uploaded,
    )


def monthly_sales_enqueue(*, owner: AbstractBaseUser | None) -> Job:
    return job_enqueue(
        kind=Job.Kind.SALES_SUMMARY, title="Monthly sales summary", owner=owner, task=refresh_monthly_sales
    )
