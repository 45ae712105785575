from collections.abc import Callable
from typing import Any

from django.core.management.base import CommandError, CommandParser

from campaigns.models import Campaign
from campaigns.selectors import campaign_by_reference
from core.commands import JobCommand
from core.services import JobSpec


class CampaignJobCommand(JobCommand):
    """A job about one campaign, named by its id or its name."""

    spec: Callable[[Campaign], JobSpec]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("campaign", help="the campaign's id or name")
        super().add_arguments(parser)

    def job_spec(self, *, campaign: str, **options: Any) -> JobSpec:
        try:
            found = campaign_by_reference(campaign)
        except Campaign.DoesNotExist:
            raise CommandError(f"No campaign has the id or name {campaign!r}.") from None
        except Campaign.MultipleObjectsReturned:
            raise CommandError(f"Several campaigns are called {campaign!r}; give the campaign's id.") from None
        return type(self).spec(found)
