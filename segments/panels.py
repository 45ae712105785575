"""What segments add to the customer page (registered in `SegmentsConfig.ready`)."""

from typing import Any

from django.http import HttpRequest

from customers.models import Customer
from segments import selectors
from segments.value import Horizon


def customer_stages(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    return {"stages": selectors.customer_stage_history(customer)}


def customer_now(request: HttpRequest, customer: Customer) -> dict[str, Any] | None:
    features = selectors.customer_features(customer)
    if not features:
        return None
    fit = selectors.latest_value_fit()
    return {"features": features, "horizon": Horizon(fit.horizon_days) if fit else None}
