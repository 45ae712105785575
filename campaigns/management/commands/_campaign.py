from django.core.management.base import CommandError

from campaigns.models import Campaign
from campaigns.selectors import campaign_by_reference


def campaign_argument(reference: str) -> Campaign:
    try:
        return campaign_by_reference(reference)
    except Campaign.DoesNotExist:
        raise CommandError(f"No campaign has the id or name {reference!r}.") from None
    except Campaign.MultipleObjectsReturned:
        raise CommandError(f"Several campaigns are called {reference!r}; give the campaign's id.") from None
