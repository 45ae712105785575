from typing import Any

from campaigns.management.commands._campaign import CampaignJobCommand
from campaigns.tasks import offer_allocation_spec


class Command(CampaignJobCommand):
    help = (
        "Give every treated member of a campaign's best-offer treatments their best offers within every "
        "offer's quantity and budget cap, and print the value, the bound and the gap between them."
    )
    spec = offer_allocation_spec

    def describe(self, result: dict[str, Any]) -> str:
        return (
            f"{result['customers']:,} members in {result['chunks']} part(s): expected value "
            f"{result['value_cents'] / 100:,.2f}, bound {result['bound_cents'] / 100:,.2f}, "
            f"gap {result['gap']:.3%}."
        )
