"""What campaigns add to the customer page (registered in `CampaignsConfig.ready`)."""

from typing import Any

from django.http import HttpRequest

from campaigns.models import AllocationRun, OfferAllocation, Suppression
from campaigns.selectors import customer_contacts
from campaigns.services.allocation import member_offer_reasons
from customers.models import Customer


def customer_contacts_panel(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    suppression = Suppression.objects.filter(customer=customer).select_related("added_by").first()
    return {"contacts": customer_contacts(customer.pk), "suppression": suppression}


def customer_offers_panel(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    """The offers the customer's open campaigns allocated to them, each with the parts of its score."""
    runs = (
        AllocationRun.objects.filter(
            status=AllocationRun.Status.PUBLISHED,
            pk__in=OfferAllocation.objects.filter(customer_id=customer.pk).values("run_id"),
        )
        .select_related("campaign")
        .order_by("-created_at")[:5]
    )
    return {"allocations": [(run, member_offer_reasons(run, customer.pk)) for run in runs]}
