from datetime import date, timedelta
from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone

from core.commands import JobCommand
from core.lib.days import as_of_words
from core.models import Job
from core.services import JobSpec
from segments.tasks import refresh_spec


class Command(JobCommand):
    help = (
        "Recompute every customer's features (recency, frequency, monetary, RFM...) as of the end of a day: "
        "purchases made at any time on that day count, and a purchase on it is 0 days old."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--as-of",
            type=date.fromisoformat,
            default=None,
            help="YYYY-MM-DD: the last day whose purchases count (default: yesterday, the last whole day)",
        )
        parser.add_argument("--window-days", type=int, default=365, help="frequency and monetary window")
        super().add_arguments(parser)

    def job_spec(self, *, as_of: date | None, window_days: int, **options: Any) -> JobSpec:
        as_of = as_of or timezone.localdate() - timedelta(days=1)
        return refresh_spec(Job.Kind.FEATURES, as_of=str(as_of), window_days=window_days)

    def describe(self, result: dict[str, Any]) -> str:
        as_of = as_of_words(date.fromisoformat(result["as_of"]))
        return (
            f"Features version {result['version']} of {result['customers']:,} customers {as_of}, "
            f"in {result['seconds']} s."
        )
