from typing import Any

from django.core.management.base import CommandParser

from campaigns.management.commands._campaign import campaign_argument
from campaigns.services.results import results_job
from campaigns.tasks import compute_results
from core.commands import JobCommand, JobSpec
from core.models import Job


class Command(JobCommand):
    help = "Measure a released campaign: responses in the window, incremental results against control, P&L."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("campaign", help="the campaign's id or name")
        super().add_arguments(parser)

    def job_spec(self, *, campaign: str, **options: Any) -> JobSpec:
        found = campaign_argument(campaign)
        return JobSpec(
            kind=Job.Kind.RESULTS,
            title=f"Results of {found.name}",
            task=compute_results,
            work=results_job,
            params={"campaign_id": found.pk},
        )

    def describe(self, result: dict[str, Any]) -> str:
        return (
            f"Results version {result['version']} in {result['seconds']} s: "
            f"net incremental P&L {result['net_cents'] / 100:,.2f}"
        )
