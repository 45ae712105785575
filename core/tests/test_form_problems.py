"""A form that is refused says what is wrong in words: each field by its label, never by its code."""

from django import forms

from core.forms import form_problems


class Dates(forms.Form):
    start_date = forms.DateField(label="Starts")
    holdout_share = forms.DecimalField()

    def clean(self):
        raise forms.ValidationError("A campaign ends after it starts.")


def test_a_refused_form_names_its_fields_by_label_and_its_own_errors_alone():
    form = Dates({"start_date": "someday", "holdout_share": "a lot"})
    assert not form.is_valid()
    assert form_problems(form) == (
        "Starts: Enter a valid date.; Holdout share: Enter a number.; A campaign ends after it starts."
    )
