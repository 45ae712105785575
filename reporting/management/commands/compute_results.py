from typing import Any

from campaigns.management.commands._campaign import CampaignJobCommand
from reporting.tasks import results_spec


class Command(CampaignJobCommand):
    help = "Measure a released campaign: responses in the window, incremental results against control, P&L."
    spec = results_spec

    def describe(self, result: dict[str, Any]) -> str:
        return (
            f"Results version {result['version']} in {result['seconds']} s: "
            f"net incremental P&L {result['net_cents'] / 100:,.2f}"
        )
