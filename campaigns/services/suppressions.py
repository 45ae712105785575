"""The suppression list: customers no campaign contacts, added and removed by managers and admins or by file."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from campaigns.models import Suppression
from campaigns.services.workflow import CampaignError
from customers.models import Customer


@transaction.atomic
def suppression_add(*, external_id: str, reason: str, user: AbstractBaseUser) -> Suppression:
    """Put a customer, named by their id in the source system, on the list; the next builds leave them out and
    a release that still holds them is refused."""
    reason = reason.strip()
    if not reason:
        raise CampaignError("Say why the customer must not be contacted.")
    customer = Customer.objects.filter(external_id=external_id.strip()).first()
    if customer is None:
        raise CampaignError(f"There is no customer {external_id.strip()!r}.")
    suppression = Suppression(customer=customer, reason=reason, added_by=user)
    suppression._history_user = user
    suppression.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            suppression.save()
    except IntegrityError:
        raise CampaignError(f"Customer {customer.external_id} is already on the suppression list.") from None
    return suppression


@transaction.atomic
def suppression_remove(*, suppression: Suppression, user: AbstractBaseUser) -> None:
    """Take a customer off the list; the list's history keeps who removed them and when."""
    suppression._history_user = user
    suppression.delete()
