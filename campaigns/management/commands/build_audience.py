from typing import Any

from django.core.management.base import CommandParser

from campaigns.management.commands._campaign import campaign_argument
from campaigns.services import audience_build_job
from campaigns.services.audience import REASONS
from campaigns.tasks import build_audience
from core.commands import JobCommand, JobSpec
from core.models import Job


class Command(JobCommand):
    help = "Build a campaign's audiences: each treatment's members after the exclusions, treatment and control."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("campaign", help="the campaign's id or name")
        super().add_arguments(parser)

    def job_spec(self, *, campaign: str, **options: Any) -> JobSpec:
        found = campaign_argument(campaign)
        return JobSpec(
            kind=Job.Kind.AUDIENCE_BUILD,
            title=f"Audience of {found.name}",
            task=build_audience,
            work=audience_build_job,
            params={"campaign_id": found.pk},
        )

    def describe(self, result: dict[str, Any]) -> str:
        lines = [f"Audience version {result['version']} built in {result['seconds']} s."]
        for code, counts in result["counts"].items():
            excluded = ", ".join(f"{reason.replace('_', ' ')} {counts[reason]:,}" for reason in REASONS)
            lines.append(
                f"  {code}: segment {counts['segment']:,}; excluded: {excluded}; "
                f"treatment {counts['treatment']:,}, control {counts['control']:,}"
            )
        return "\n".join(lines)
