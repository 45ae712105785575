from datetime import date
from typing import Any

from django.core.management.base import CommandParser

from core.commands import JobCommand
from core.models import Job
from core.services import JobSpec
from segments.tasks import refresh_spec


class Command(JobCommand):
    help = "Give every customer one lifecycle stage as of a period end and keep it in the stage history."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("period_end", type=date.fromisoformat, help="YYYY-MM-DD, the last day of the period")
        super().add_arguments(parser)

    def job_spec(self, *, period_end: date, **options: Any) -> JobSpec:
        return refresh_spec(Job.Kind.STAGING, period_end=str(period_end))

    def describe(self, result: dict[str, Any]) -> str:
        counts = ", ".join(f"{stage} {count:,}" for stage, count in result["counts"].items())
        return f"{result['customers']:,} customers staged as of {result['period_end']}: {counts}"
