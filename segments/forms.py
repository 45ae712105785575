from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import MinValueValidator
from django.utils import timezone

from core.forms import DeskForm
from core.lib.bounds import EARLIEST_DAY
from segments.models import LifecycleStage, Portfolio, PortfolioObjective, Segment
from segments.ruletree.validation import RuleError, load, validate


class RulesField(forms.CharField):
    """A rule tree, posted as JSON text and checked against the rules schema."""

    def to_python(self, value: str | None) -> dict:
        text = super().to_python(value) or '{"all": []}'
        try:
            rules = load(text)
            validate(rules)
        except RuleError as error:
            raise forms.ValidationError(str(error)) from None
        return rules


class SegmentForm(forms.ModelForm):
    rules = RulesField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Segment
        fields = ["name", "description", "rules"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class RulesOnlyForm(forms.Form):
    rules = RulesField(required=False)


class StageForm(forms.ModelForm):
    rules = RulesField(widget=forms.Textarea(attrs={"rows": 4, "class": "font-monospace"}))
    colour = forms.RegexField(
        regex=r"^#[0-9a-fA-F]{6}$", error_messages={"invalid": "Give the colour as # and six hex digits (#1f77b4)."}
    )

    class Meta:
        model = LifecycleStage
        fields = ["name", "position", "description", "colour", "rules"]


class BudgetForm(DeskForm, forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(choices=[(q, f"Q{q}") for q in range(1, 5)], coerce=int)
    amount = forms.DecimalField(min_value=0, max_digits=14, decimal_places=2)
    why = forms.CharField(max_length=500, label="Why", help_text="Kept in the budget's history.")
    # The budget's version the user saw (0: none yet), so that a change made meanwhile is not overwritten.
    version = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.style_fields()


class ObjectiveForm(DeskForm, forms.ModelForm):
    why = forms.CharField(max_length=500, required=False, label="Why")

    class Meta:
        model = PortfolioObjective
        fields = ["kind", "target_stage", "target_percent", "year", "quarter"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.style_fields()


class PortfolioForm(DeskForm, forms.ModelForm):
    why = forms.CharField(max_length=500, label="Why", help_text="Kept in the portfolio's history.")

    class Meta:
        model = Portfolio
        fields = ["name", "stage", "owner", "team", "cadence_min", "cadence_max", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2}), "team": forms.SelectMultiple(attrs={"size": 5})}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.filter(is_active=True).order_by("username")
        self.fields["owner"].queryset = users
        self.fields["team"].queryset = users
        self.style_fields()


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    comment = forms.CharField(max_length=1000, required=False)


class PeriodsForm(forms.Form):
    start = forms.DateField()
    end = forms.DateField()


class StagingForm(forms.Form):
    """The period end a staging run is asked for: a real day, not before the data can start, not in the future."""

    period_end = forms.DateField(
        required=False,
        validators=[MinValueValidator(EARLIEST_DAY)],
        error_messages={"invalid": "The period end is not a date (use YYYY-MM-DD)."},
    )

    def clean_period_end(self) -> object:
        day = self.cleaned_data["period_end"]
        if day and day > timezone.localdate():
            raise forms.ValidationError("The period end is in the future; stage a day that has ended.")
        return day
