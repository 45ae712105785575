from datetime import date
from typing import Any

from django.core.management.base import CommandParser

from core.commands import JobCommand, JobSpec
from core.models import Job
from segments.services import staging_job
from segments.tasks import stage_customers


class Command(JobCommand):
    help = "Give every customer one lifecycle stage as of a period end and keep it in the stage history."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("period_end", type=date.fromisoformat, help="YYYY-MM-DD, the last day of the period")
        super().add_arguments(parser)

    def job_spec(self, *, period_end: date, **options: Any) -> JobSpec:
        return JobSpec(
            kind=Job.Kind.STAGING,
            title=f"Lifecycle stages as of {period_end}",
            task=stage_customers,
            work=staging_job,
            params={"period_end": str(period_end)},
        )

    def describe(self, result: dict[str, Any]) -> str:
        counts = ", ".join(f"{stage} {count:,}" for stage, count in result["counts"].items())
        return f"{result['customers']:,} customers staged as of {result['period_end']}: {counts}"
