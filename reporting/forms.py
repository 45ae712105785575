from decimal import Decimal

from django import forms

from campaigns.forms import DeskForm
from campaigns.models import Campaign, Treatment
from core.forms import PercentField
from customers.models import Category, Channel, EngagementEvent, Store
from reporting.models import Scenario, ScenarioTreatment, StoreEvent
from reporting.selectors import event_label
from segments.models import Portfolio


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


class ScenarioForm(DeskForm, forms.Form):
    name = forms.CharField(max_length=120)
    source = forms.ChoiceField(label="Start from")
    year = forms.IntegerField(min_value=2000, max_value=2100)
    quarter = forms.IntegerField(min_value=1, max_value=4)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: object, scenarios: list[Scenario], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [
            ("plan", "The quarter's plan as it stands"),
            *((str(scenario.pk), f"A copy of {scenario.name} ({scenario.quarter_label})") for scenario in scenarios),
        ]
        self.fields["year"].help_text = "With a copy, the quarter is the copied scenario's."
        self.style_fields()


class AssumptionsForm(DeskForm, forms.Form):
    """Percentage changes to every campaign of the scenario: -15 is 15% less."""

    response_change = forms.DecimalField(label="Response rate, % change", max_digits=5, decimal_places=1)
    order_value_change = forms.DecimalField(label="Order value, % change", max_digits=5, decimal_places=1)
    margin_change = forms.DecimalField(label="Margin rate, % change", max_digits=5, decimal_places=1)

    def __init__(self, *args: object, scenario: Scenario, **kwargs: object) -> None:
        initial = {
            "response_change": scenario.response_change,
            "order_value_change": scenario.order_value_change,
            "margin_change": scenario.margin_change,
        }
        for channel in Channel.values:
            initial[f"cost_{channel}"] = (scenario.cost_changes or {}).get(channel, 0)
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        for channel, label in Channel.choices:
            self.fields[f"cost_{channel}"] = forms.DecimalField(
                label=f"Cost per contact, {label}, % change", max_digits=5, decimal_places=1
            )
        self.style_fields()

    def cost_changes(self) -> dict[str, object]:
        return {channel: self.cleaned_data[f"cost_{channel}"] for channel in Channel.values}


class TreatmentInputsForm(DeskForm, forms.Form):
    """A treatment's forecast inputs as people write them: rates in percent, money in the currency."""

    contacts = forms.IntegerField(min_value=0)
    response_rate = forms.DecimalField(label="Incremental response, %", max_digits=7, decimal_places=3)
    order_value = forms.DecimalField(label="Order value", max_digits=12, decimal_places=2, min_value=0)
    margin_rate = forms.DecimalField(label="Margin, %", max_digits=6, decimal_places=2, min_value=0, max_value=100)
    cost_per_contact = forms.DecimalField(label="Cost per contact", max_digits=10, decimal_places=4, min_value=0)
    holdout = PercentField(max_percent=90, label="Holdout, %", required=False)

    def __init__(self, *args: object, treatment: ScenarioTreatment | None = None, **kwargs: object) -> None:
        if treatment is not None:
            kwargs.setdefault(
                "initial",
                {
                    "contacts": treatment.contacts,
                    "response_rate": round(treatment.response_rate * 100, 3),
                    "order_value": round(treatment.order_value_cents / 100, 2),
                    "margin_rate": round(treatment.margin_rate * 100, 2),
                    "cost_per_contact": round(treatment.cost_per_contact_cents / 100, 4),
                    "holdout": treatment.holdout_share,
                },
            )
            kwargs.setdefault("auto_id", f"id_inputs_{treatment.pk}_%s")
        super().__init__(*args, **kwargs)
        self.percent_initials()
        self.style_fields()

    def inputs(self) -> dict[str, float]:
        """In the units the forecast counts in: shares and cents."""
        data = self.cleaned_data
        return {
            "contacts": data["contacts"],
            "response_rate": float(data["response_rate"]) / 100,
            "order_value_cents": float(data["order_value"]) * 100,
            "margin_rate": float(data["margin_rate"]) / 100,
            "cost_per_contact_cents": float(data["cost_per_contact"]) * 100,
            "holdout_share": None if data.get("holdout") is None else float(data["holdout"]),
        }


class CampaignDatesForm(DeskForm, forms.Form):
    """A campaign's dates in a scenario."""

    start = forms.DateField(label="Starts", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="Ends", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: object, line: object | None = None, **kwargs: object) -> None:
        if line is not None:
            kwargs.setdefault("initial", {"start": line.start_date, "end": line.end_date})
            kwargs.setdefault("auto_id", f"id_dates_{line.pk}_%s")
        super().__init__(*args, **kwargs)
        self.style_fields()


class AddCampaignForm(DeskForm, forms.Form):
    template = forms.ModelChoiceField(
        queryset=Campaign.objects.none(), label="Made like", help_text="Its portfolio, treatments and planning inputs."
    )
    name = forms.CharField(max_length=160)
    start = forms.DateField(label="Starts", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = (
            Campaign.objects.exclude(status=Campaign.Status.CANCELLED)
            .filter(treatments__isnull=False)
            .distinct()
            .order_by("name")
        )
        self.style_fields()


class PortfolioChangeForm(DeskForm, forms.Form):
    """Percentage changes to the inputs of one portfolio's campaigns in a scenario."""

    portfolio = forms.ModelChoiceField(queryset=Portfolio.objects.order_by("name"))
    response_change = forms.DecimalField(label="Response rate, % change", max_digits=5, decimal_places=1, initial=0)
    order_value_change = forms.DecimalField(label="Order value, % change", max_digits=5, decimal_places=1, initial=0)
    cost_change = forms.DecimalField(label="Cost per contact, % change", max_digits=5, decimal_places=1, initial=0)

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("auto_id", "id_portfolio_%s")  # beside the assumptions' fields of the same names
        super().__init__(*args, **kwargs)
        self.style_fields()


CENT = Decimal("0.01")


class StoreEventForm(DeskForm, forms.Form):
    """A store event and the retention campaign weighed against doing nothing; money in the currency's units."""

    store = forms.ModelChoiceField(queryset=Store.objects.order_by("code"))
    kind = forms.ChoiceField(choices=StoreEvent.Kind.choices, label="What happens")
    event_date = forms.DateField(label="On", widget=forms.DateInput(attrs={"type": "date"}))
    window_days = forms.IntegerField(min_value=14, max_value=365, label="Lost if no purchase within (days)")
    assumed_attrition = forms.DecimalField(
        min_value=0, max_value=100, decimal_places=1, label="Assumed extra customers lost, % (without a past closure)"
    )
    top_deciles = forms.IntegerField(min_value=1, max_value=10, label="Reach the most valuable deciles (how many)")
    nearest_stores = forms.IntegerField(min_value=1, max_value=5, label="Coupons good at the nearest stores (how many)")
    channel = forms.ChoiceField(choices=Channel.choices)
    holdout_share = PercentField(max_percent=90, label="Holdout, %")
    cost_per_contact = forms.DecimalField(min_value=0, max_value=100_000, decimal_places=2, label="Cost per contact")
    gift = forms.DecimalField(min_value=0, max_value=100_000, decimal_places=2, label="Thank-you gift per contact")
    coupon_cost = forms.DecimalField(
        min_value=0, max_value=100_000, decimal_places=2, label="Coupons' cost per kept customer"
    )
    assumed_saved = forms.DecimalField(
        min_value=0, max_value=100, decimal_places=1, label="Assumed share kept, % (without a past campaign)"
    )
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.order_by("-start_date", "name"),
        required=False,
        label="Retention campaign",
        empty_label="(none yet)",
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    MONEY = {"cost_per_contact": "cost_per_contact_cents", "gift": "gift_cents", "coupon_cost": "coupon_cost_cents"}

    def __init__(self, *args: object, event: StoreEvent | None = None, **kwargs: object) -> None:
        event = event or StoreEvent()
        initial = {name: getattr(event, name) for name in ("kind", "window_days", "assumed_attrition", "top_deciles")}
        initial.update(
            {name: getattr(event, name) for name in ("nearest_stores", "channel", "holdout_share", "assumed_saved")}
        )
        initial.update(store=event.store_id, event_date=event.event_date, campaign=event.campaign_id, notes=event.notes)
        initial.update(
            {field: (Decimal(getattr(event, cents)) / 100).quantize(CENT) for field, cents in self.MONEY.items()}
        )
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.percent_initials()
        self.style_fields()

    def fields_for_save(self) -> dict[str, object]:
        """The cleaned values under the model's names, money in cents."""
        values = {name: value for name, value in self.cleaned_data.items() if name not in self.MONEY}
        values.update({cents: round(self.cleaned_data[field] * 100) for field, cents in self.MONEY.items()})
        return values
