"""Management commands that run a background job in the terminal, or hand it to a worker."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.models import Job
from core.services import JobSpec, job_run, job_submit


class JobCommand(BaseCommand):
    """Runs the job here and prints its result; `--queue` sends it to a worker instead.

    Either way the job is recorded like one started from a page, so the Jobs
    page shows it with its progress and outcome.
    """

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue", action="store_true", help="hand the job to a worker instead of running it here")

    def job_spec(self, **options: Any) -> JobSpec:
        raise NotImplementedError

    def describe(self, result: dict[str, Any]) -> str:
        return ", ".join(f"{key} {value}" for key, value in result.items())

    def handle(self, *args: object, queue: bool, **options: Any) -> None:
        spec = self.job_spec(**options)
        if queue:
            job = job_submit(spec, owner=None)
            self.stdout.write(f"Queued as job {job.pk}.")
            return
        job = Job.objects.create(kind=spec.kind, title=spec.title, owner=None, params=spec.params)
        job_run(job.pk, spec.work)
        job.refresh_from_db()
        if job.status != Job.Status.SUCCEEDED:
            raise CommandError(f"{job.error} (job {job.pk})")
        self.stdout.write(self.describe(job.result))
        self.stdout.write(self.style.SUCCESS(f"{spec.title}: done (job {job.pk})."))
