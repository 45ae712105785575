"""A real Celery worker takes a job from the broker and the Jobs page shows the outcome."""

import time

import pytest
from django.urls import reverse

from core.models import Job
from core.services import job_enqueue
from core.tasks import database_report

pytestmark = pytest.mark.integration


def wait_until_finished(job: Job, seconds: float = 60) -> Job:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job.pk} still {job.status} after {seconds} s")


def test_a_real_worker_runs_the_database_report(celery_worker, client, manager):
    job = job_enqueue(
        kind=Job.Kind.DATABASE_REPORT, title="Database health report", owner=manager, task=database_report
    )
    job = wait_until_finished(job)
    assert job.status == "succeeded", job.error
    assert job.result["database_bytes"] > 0
    assert "core_job" in {table["table"] for table in job.result["largest_tables"]}

    client.force_login(manager)
    page = client.get(reverse("jobs")).content.decode()
    assert 'text-bg-success">Succeeded' in page and "Database health report" in page
    detail = client.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert "Database size" in detail and "PostgreSQL" in detail
