from datetime import date
from typing import Any

from django.core.management.base import CommandParser

from core.commands import JobCommand
from core.lib.days import as_of_words
from core.models import Job
from core.services import JobSpec
from segments.tasks import refresh_spec


class Command(JobCommand):
    help = (
        "Give every customer one lifecycle stage as of the end of a period's last day (purchases made at any "
        "time on that day count) and keep it in the stage history."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "period_end", type=date.fromisoformat, help="YYYY-MM-DD, the last day of the period, counted whole"
        )
        super().add_arguments(parser)

    def job_spec(self, *, period_end: date, **options: Any) -> JobSpec:
        return refresh_spec(Job.Kind.STAGING, period_end=str(period_end))

    def describe(self, result: dict[str, Any]) -> str:
        counts = ", ".join(f"{stage} {count:,}" for stage, count in result["counts"].items())
        as_of = as_of_words(date.fromisoformat(result["period_end"]))
        return f"{result['customers']:,} customers staged {as_of}: {counts}"
