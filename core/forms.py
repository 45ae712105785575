"""What every form of the desk shares."""

from decimal import Decimal

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS


class DeskForm:
    """Bootstrap's small controls on every field (a list of tick boxes keeps its own look)."""

    def percent_initials(self) -> None:
        """Show the shares the instance keeps as fractions (0.15) as the percents its PercentFields take (15)."""
        for name, field in self.fields.items():
            if isinstance(field, PercentField) and self.initial.get(name) not in (None, ""):
                self.initial[name] = (Decimal(str(self.initial[name])) * 100).quantize(
                    Decimal(1).scaleb(-field.decimal_places)
                )

    def style_fields(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                continue
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                widget.attrs["class"] = "form-select form-select-sm"
            else:
                widget.attrs["class"] = "form-control form-control-sm"


class PercentField(forms.DecimalField):
    """A share typed as a percent (15 is 15%) and kept as a fraction (0.15), as the models keep shares.

    The form that uses it shows the instance's fraction as a percent with `DeskForm.percent_initials`.
    """

    def __init__(self, *, max_percent: int = 100, decimal_places: int = 1, **kwargs: object) -> None:
        super().__init__(
            min_value=0, max_value=max_percent, max_digits=3 + decimal_places, decimal_places=decimal_places, **kwargs
        )
        self.widget.attrs.update(step=str(Decimal(1).scaleb(-decimal_places)), inputmode="decimal")

    def clean(self, value: object) -> Decimal | None:
        percent = super().clean(value)
        # Kept with the model's places (12.5% is 0.125), so an unchanged share compares equal to the stored one.
        return None if percent is None else (percent / 100).quantize(Decimal(1).scaleb(-self.decimal_places - 2))


def form_problems(form: forms.BaseForm) -> str:
    """A form's errors as one sentence a person reads: each field by its label, then what is wrong with it; the
    errors of the form as a whole stand alone."""
    problems = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        text = " ".join(errors)
        if name == NON_FIELD_ERRORS:
            problems.append(text)
        else:
            label = field.label if field is not None and field.label else name.replace("_", " ").capitalize()
            problems.append(f"{label}: {text}")
    return "; ".join(problems)
