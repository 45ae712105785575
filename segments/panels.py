"""What segments add to the customer page (registered in `SegmentsConfig.ready`)."""

from typing import Any

from django.http import HttpRequest

from customers.models import Customer
from segments import selectors


def customer_stages(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    return {"stages": selectors.customer_stage_history(customer)}


def customer_now(request: HttpRequest, customer: Customer) -> dict[str, Any] | None:
    features = selectors.customer_features(customer)
    return {"features": features} if features else None
