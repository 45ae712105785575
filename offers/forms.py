from django import forms

from core.forms import DeskForm, PercentField
from core.lib.bounds import MAX_BUDGET_CENTS, MAX_UNIT_CENTS
from customers.models import Channel, Store
from offers.models import Offer


class OfferForm(DeskForm, forms.ModelForm):
    expected_redemption_rate = PercentField(
        decimal_places=2,
        label="Expected redemption rate (%)",
        initial=5,
        help_text="The percent of the customers given it who redeem it, before any campaign has measured it.",
    )
    cost_per_redemption = forms.DecimalField(
        min_value=0, max_value=MAX_UNIT_CENTS // 100, max_digits=10, decimal_places=2, initial=0
    )
    budget_cap = forms.DecimalField(
        min_value=0,
        max_value=MAX_BUDGET_CENTS // 100,
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text="At most this much expected redemption cost in one campaign; empty for no cap.",
    )
    channels = forms.MultipleChoiceField(
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every channel.",
    )
    stores = forms.ModelMultipleChoiceField(
        queryset=Store.objects.all(), required=False, help_text="None chosen: every store."
    )

    class Meta:
        model = Offer
        fields = [
            "code",
            "name",
            "kind",
            "category",
            "value",
            "expected_redemption_rate",
            "valid_from",
            "valid_until",
            "max_quantity",
            "active",
        ]
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_until": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        offer = self.instance
        if offer.pk:
            self.fields["cost_per_redemption"].initial = f"{offer.cost_per_redemption_cents / 100:.2f}"
            self.fields["budget_cap"].initial = (
                f"{offer.budget_cap_cents / 100:.2f}" if offer.budget_cap_cents is not None else None
            )
            self.fields["channels"].initial = offer.channels
            self.fields["stores"].initial = list(offer.stores.all())
        self.percent_initials()
        self.style_fields()

    def offer_fields(self) -> dict:
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields}
        fields["cost_per_redemption_cents"] = round(self.cleaned_data["cost_per_redemption"] * 100)
        cap = self.cleaned_data["budget_cap"]
        fields["budget_cap_cents"] = round(cap * 100) if cap is not None else None
        fields["channels"] = self.cleaned_data["channels"]
        return fields


class OfferFileForm(forms.Form):
    file = forms.FileField(help_text="CSV with code, name, kind, valid_from, valid_until and any optional column.")
