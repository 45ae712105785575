"""The forms of the scorecard pages: a new assessment, one area's scores, and a template's text."""

from django import forms
from django.utils import timezone

from core.forms import DeskForm
from scorecards.models import Process, ScorecardTemplate
from scorecards.services import ScoreInput
from scorecards.shipped import AreaText


class AssessmentStartForm(DeskForm, forms.Form):
    template = forms.ModelChoiceField(queryset=ScorecardTemplate.objects.all(), empty_label=None, label="Scorecard")
    assessed_on = forms.DateField(label="Assessed on", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assessed_on"].initial = timezone.localdate()
        self.style_fields()


class AreaScoresForm(forms.Form):
    """A score (1 to 5), a comment and the assessor's evidence for each process of one area."""

    def __init__(self, *args: object, processes: list[Process], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.processes = processes
        for process in processes:
            self.fields[f"score-{process.pk}"] = forms.TypedChoiceField(
                choices=[(n, str(n)) for n in range(1, 6)], coerce=int, required=False, empty_value=None
            )
            self.fields[f"comment-{process.pk}"] = forms.CharField(required=False, max_length=2000)
            self.fields[f"evidence-{process.pk}"] = forms.CharField(required=False, max_length=2000)

    def scores(self) -> dict[int, ScoreInput]:
        data = self.cleaned_data
        return {
            process.pk: ScoreInput(
                score=data[f"score-{process.pk}"],
                comment=data[f"comment-{process.pk}"],
                evidence=data[f"evidence-{process.pk}"],
            )
            for process in self.processes
        }


class TemplateForm(DeskForm, forms.Form):
    name = forms.CharField(max_length=120)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.style_fields()


class ProcessRowForm(DeskForm, forms.Form):
    """One process of a template as a row: its area, name and what each level looks like."""

    area = forms.CharField(max_length=120, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    key = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)
    name = forms.CharField(max_length=120, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    basic = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    developing = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    advanced = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.style_fields()


ProcessRows = forms.formset_factory(ProcessRowForm, extra=3, can_delete=True)


def process_rows_initial(areas: list) -> list[dict]:
    return [
        {
            "area": area.name,
            "key": process.key,
            "name": process.name,
            "basic": process.basic,
            "developing": process.developing,
            "advanced": process.advanced,
        }
        for area in areas
        for process in area.processes.all()
    ]


def areas_from_rows(rows: forms.BaseFormSet) -> list[AreaText]:
    """The rows grouped into areas in the order their area first appears; empty and removed rows left out."""
    areas: dict[str, AreaText] = {}
    for row in rows.forms:
        data = row.cleaned_data
        if not data or data.get("DELETE"):
            continue
        text = {field: data[field] for field in ("name", "basic", "developing", "advanced")}
        if not any(value.strip() for value in text.values()) and not data["area"].strip():
            continue
        area = areas.setdefault(data["area"].strip(), {"name": data["area"], "processes": []})
        area["processes"].append({"key": data["key"], **text})
    return list(areas.values())
