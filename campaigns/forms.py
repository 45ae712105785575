from django import forms

from campaigns.models import Campaign, Channel, ChannelCap, ContactPolicy, Treatment
from core.forms import DeskForm, PercentField
from core.lib.bounds import MAX_LINE_CENTS, MAX_UNIT_CENTS
from offers.models import Offer

SHARED_CONTROL_HELP = "With a shared control group: the percent of the audience held out as control."


class CampaignForm(DeskForm, forms.ModelForm):
    shared_control_share = PercentField(
        max_percent=90, label="Shared control group (%)", initial=10, help_text=SHARED_CONTROL_HELP
    )

    class Meta:
        model = Campaign
        fields = [
            "name",
            "portfolio",
            "objective",
            "start_date",
            "end_date",
            "description",
            "control_design",
            "shared_control_share",
            "p_adjustment",
            "mean_test",
        ]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["portfolio"].required = True
        self.fields["portfolio"].help_text = "Whose budget the campaign spends; it cannot be released without one."
        self.percent_initials()
        self.style_fields()

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The campaign cannot end before it starts.")
        return cleaned


class CampaignCopyForm(DeskForm, forms.Form):
    """The new draft's name and dates; everything else comes from the campaign copied."""

    name = forms.CharField(max_length=160)
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.style_fields()


class TestDesignForm(DeskForm, forms.ModelForm):
    """How a campaign is tested; the service decides which choices its status still allows."""

    shared_control_share = PercentField(max_percent=90, label="Shared control group (%)", help_text=SHARED_CONTROL_HELP)

    class Meta:
        model = Campaign
        fields = ["control_design", "shared_control_share", "p_adjustment", "mean_test"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.percent_initials()
        if not self.instance.editable:
            for name in ("control_design", "shared_control_share"):
                self.fields[name].disabled = True
        self.style_fields()


class TreatmentForm(DeskForm, forms.ModelForm):
    also_channels = forms.MultipleChoiceField(
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Also on",
        help_text=Treatment._meta.get_field("also_channels").help_text,
    )
    cost_per_contact = forms.DecimalField(
        min_value=0, max_value=MAX_UNIT_CENTS // 100, max_digits=10, decimal_places=2, initial=0
    )
    expected_order_value = forms.DecimalField(
        min_value=0, max_value=MAX_LINE_CENTS // 100, max_digits=10, decimal_places=2, initial=0
    )
    cost_per_redemption = forms.DecimalField(
        min_value=0, max_value=MAX_UNIT_CENTS // 100, max_digits=10, decimal_places=2, initial=0
    )
    holdout_share = PercentField(
        max_percent=90,
        label="Holdout (%)",
        initial=10,
        help_text="The percent of the treatment's audience kept as control, never contacted: 10 is 10%.",
    )
    no_control_group = forms.BooleanField(
        required=False,
        label="No control group: results cannot be measured",
        help_text="Needed with a holdout of 0%: with no control group, nothing shows what the treatment changed.",
    )
    expected_response_rate = PercentField(decimal_places=2, label="Expected response rate (%)", initial=5)
    expected_margin_rate = PercentField(decimal_places=2, label="Expected margin rate (%)", initial=30)

    class Meta:
        model = Treatment
        fields = [
            "code",
            "segment",
            "channel",
            "also_channels",
            "topic",
            "message_name",
            "content_ref",
            "offer_strategy",
            "offer",
            "offers_per_customer",
            "holdout_share",
            "response_kind",
            "response_category",
            "response_offer_code",
            "response_event_kind",
            "response_window_days",
            "priority",
            "expected_response_rate",
            "expected_margin_rate",
        ]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["cost_per_contact"].initial = self.instance.cost_per_contact_cents / 100
            self.fields["expected_order_value"].initial = self.instance.expected_order_value_cents / 100
            self.fields["cost_per_redemption"].initial = self.instance.cost_per_redemption_cents / 100
            self.fields["no_control_group"].initial = self.instance.holdout_share == 0
        self.percent_initials()
        self.fields["segment"].required = True
        self.fields["topic"].widget.attrs["list"] = "topics-carried"
        self.fields["offer"].queryset = Offer.objects.filter(active=True) | Offer.objects.filter(
            pk=self.instance.offer_id or 0
        )
        self.style_fields()

    def treatment_fields(self) -> dict:
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields}
        fields["cost_per_contact_cents"] = round(self.cleaned_data["cost_per_contact"] * 100)
        fields["expected_order_value_cents"] = round(self.cleaned_data["expected_order_value"] * 100)
        fields["cost_per_redemption_cents"] = round(self.cleaned_data["cost_per_redemption"] * 100)
        return fields

    def without_control(self) -> bool:
        return self.cleaned_data["no_control_group"]


class CommentForm(forms.Form):
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ContactPolicyForm(DeskForm, forms.ModelForm):
    global_control_share = PercentField(
        max_percent=50,
        label="Global control group (%)",
        help_text="The percent of all customers no campaign ever contacts, to measure marketing as a whole.",
    )

    class Meta:
        model = ContactPolicy
        fields = [
            "consent_email",
            "consent_sms",
            "consent_push",
            "consent_direct_mail",
            "max_contacts",
            "window_days",
            "global_control_share",
            "global_control_salt",
        ]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.percent_initials()
        self.style_fields()


class ChannelCapsForm(DeskForm, forms.Form):
    """Per channel: at most so many contacts in so many days; both empty leaves only the overall cap."""

    def __init__(self, *args: object, caps: dict[str, ChannelCap], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.rows = []
        for channel, label in Channel.choices:
            cap = caps.get(channel)
            contacts = forms.IntegerField(
                required=False, min_value=1, max_value=32_767, initial=cap and cap.max_contacts, label="contacts"
            )
            days = forms.IntegerField(
                required=False, min_value=1, max_value=32_767, initial=cap and cap.window_days, label="days"
            )
            self.fields[f"{channel}_max"], self.fields[f"{channel}_days"] = contacts, days
            self.rows.append((label, channel))
        self.style_fields()

    def bound_rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [(label, self[f"{channel}_max"], self[f"{channel}_days"]) for label, channel in self.rows]

    def clean(self) -> dict:
        cleaned = super().clean()
        for label, channel in self.rows:
            contacts, days = cleaned.get(f"{channel}_max"), cleaned.get(f"{channel}_days")
            if (contacts is None) != (days is None):
                self.add_error(f"{channel}_max", f"Give {label} both a number of contacts and of days, or neither.")
        return cleaned

    def channel_caps(self) -> dict[str, tuple[int, int] | None]:
        caps = {}
        for _, channel in self.rows:
            contacts, days = self.cleaned_data[f"{channel}_max"], self.cleaned_data[f"{channel}_days"]
            caps[channel] = None if contacts is None else (contacts, days)
        return caps


class SuppressionForm(DeskForm, forms.Form):
    customer = forms.CharField(max_length=64, label="Customer id", help_text="As the customer files name them.")
    reason = forms.CharField(max_length=200, help_text="A complaint, a legal hold, a member of staff...")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.style_fields()
