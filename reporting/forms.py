from django import forms

from campaigns.forms import DeskForm
from campaigns.models import Treatment
from customers.models import Category, EngagementEvent
from reporting.selectors import event_label


class ResponseDefinitionForm(DeskForm, forms.Form):
    """What counts as a response to a treatment, and for how long; the rules are measurement_update's."""

    response_kind = forms.ChoiceField(choices=Treatment.Response.choices, label="Counts as a response")
    response_category = forms.ModelChoiceField(
        queryset=Category.objects.order_by("name"), required=False, label="Category", empty_label="(none)"
    )
    response_offer_code = forms.CharField(max_length=64, required=False, label="Offer code")
    response_event_kind = forms.ChoiceField(
        choices=[("", "(none)"), *((kind, event_label(kind)) for kind in EngagementEvent.KINDS)],
        required=False,
        label="Kind of event",
    )
    response_window_days = forms.IntegerField(min_value=1, max_value=32_767, label="Response window (days)")

    def __init__(self, *args: object, treatment: Treatment, **kwargs: object) -> None:
        kwargs.setdefault(
            "initial",
            {
                "response_kind": treatment.response_kind,
                "response_category": treatment.response_category_id,
                "response_offer_code": treatment.response_offer_code,
                "response_event_kind": treatment.response_event_kind,
                "response_window_days": treatment.response_window_days,
            },
        )
        kwargs.setdefault("auto_id", f"id_response_{treatment.pk}_%s")  # one form per treatment on the page
        super().__init__(*args, **kwargs)
        self.style_fields()
