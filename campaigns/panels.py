"""What campaigns add to the customer page (registered in `CampaignsConfig.ready`)."""

from typing import Any

from django.http import HttpRequest

from campaigns.selectors import customer_contacts
from customers.models import Customer


def customer_contacts_panel(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    return {"contacts": customer_contacts(customer.pk)}
