"""Changing how a campaign that has contacted customers is measured: what counts as a response, and for how long.

Once a campaign is released, its audience, contacts, cells and costs are the evidence and stay as they were.
What counts as a response to a treatment, and for how many days, is a choice of the analysis: it may change
after release (or after an import), is recorded in the treatment's history with who changed it, and is
measured by a new results run. The earlier versions of the results stay as they were computed.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from campaigns.models import Treatment
from campaigns.services.workflow import CampaignError
from core.models import Job
from customers.models import Category, EngagementEvent
from reporting.selectors import SPENDING_STATUSES, results_may_compute
from reporting.tasks import results_enqueue

# The only fields of a released treatment that change: everything else is what was sent and to whom.
DEFINITION_FIELDS = [
    "response_kind",
    "response_category",
    "response_offer_code",
    "response_event_kind",
    "response_window_days",
]


@transaction.atomic
def measurement_update(
    *,
    treatment: Treatment,
    user: AbstractBaseUser,
    response_kind: str,
    response_category: Category | None,
    response_offer_code: str,
    response_event_kind: str,
    response_window_days: int,
) -> Job | None:
    """Change the treatment's response definition and queue the results run that measures it.

    Returns the queued run, or None when the definition is the one the treatment already has. Raises
    PermissionDenied for someone who may not compute the campaign's results, CampaignError for a campaign
    that has not contacted anyone yet, and ValidationError for a definition the treatment could not have.
    """
    treatment = Treatment.objects.select_for_update().select_related("campaign").get(pk=treatment.pk)
    campaign = treatment.campaign
    if not results_may_compute(user, campaign):
        raise PermissionDenied("Only the campaign's owner or a manager changes how its results are counted.")
    if campaign.status not in SPENDING_STATUSES:
        raise CampaignError(
            f"{campaign.name} is {campaign.get_status_display().lower()}: until it is released, its treatments "
            "are edited on the campaign page."
        )
    if response_event_kind and response_event_kind not in EngagementEvent.KINDS:
        raise ValidationError({"response_event_kind": "This is not a kind of event the app records."})
    # As when the treatment was drafted: a response by offer code is, unless said otherwise, its own offer's.
    if response_kind == Treatment.Response.OFFER_CODE and not response_offer_code:
        response_offer_code = treatment.offer_code
    definition = {
        "response_kind": response_kind,
        "response_category_id": response_category.pk if response_category else None,
        "response_offer_code": response_offer_code,
        "response_event_kind": response_event_kind,
        "response_window_days": response_window_days,
    }
    changed = [name for name, value in definition.items() if getattr(treatment, name) != value]
    if not changed:
        return None
    for name in changed:
        setattr(treatment, name, definition[name])
    frozen = [field.name for field in Treatment._meta.fields if field.name not in DEFINITION_FIELDS]
    treatment.full_clean(exclude=frozen, validate_unique=False)
    treatment._history_user = user
    treatment._change_reason = "Response definition changed after release"
    treatment.save(update_fields=changed)
    return results_enqueue(campaign=campaign, owner=user)
