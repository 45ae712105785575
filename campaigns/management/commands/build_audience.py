from typing import Any

from campaigns.management.commands._campaign import CampaignJobCommand
from campaigns.services.audience import REASONS
from campaigns.tasks import audience_build_spec


class Command(CampaignJobCommand):
    help = "Build a campaign's audiences: each treatment's members after the exclusions, treatment and control."
    spec = audience_build_spec

    def describe(self, result: dict[str, Any]) -> str:
        lines = [f"Audience version {result['version']} built in {result['seconds']} s."]
        for code, counts in result["counts"].items():
            excluded = ", ".join(f"{reason.replace('_', ' ')} {counts[reason]:,}" for reason in REASONS)
            lines.append(
                f"  {code}: segment {counts['segment']:,}; excluded: {excluded}; "
                f"treatment {counts['treatment']:,}, control {counts['control']:,}"
            )
        return "\n".join(lines)
