"""Work queued on a new installation, run by the worker so its progress shows on the Jobs page."""

from typing import TextIO

from django.contrib.auth import get_user_model

from core.models import Job
from core.services import job_enqueue
from core.tasks import database_report


def enqueue_if_empty(*, stdout: TextIO) -> Job | None:
    if Job.objects.exists():
        return None
    admin = get_user_model().objects.filter(username="admin").first()
    job = job_enqueue(kind=Job.Kind.DATABASE_REPORT, title="Database health report", owner=admin, task=database_report)
    stdout.write(f"First start: a database report is queued for the worker (job {job.pk}).")
    return job
