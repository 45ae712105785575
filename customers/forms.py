from django import forms

from customers.imports.presets import PRESETS
from customers.imports.source import DELIMITERS, ENCODINGS
from customers.models import DataImport

MAX_UPLOAD_BYTES = 4 << 30


class ImportForm(forms.Form):
    kind = forms.ChoiceField(choices=DataImport.Kind.choices, initial=DataImport.Kind.PURCHASES)
    file = forms.FileField(help_text="CSV, plain or gzip-compressed (.csv.gz).")
    preset = forms.ChoiceField(
        required=False,
        choices=[("", "Campaign Desk format"), *((name, preset.label) for name, preset in PRESETS.items())],
        help_text="How the file's columns map to ours.",
    )
    delimiter = forms.ChoiceField(choices=[(mark, word.capitalize()) for mark, word in DELIMITERS.items()], initial=",")
    encoding = forms.ChoiceField(choices=list(ENCODINGS.items()), initial="utf-8")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            is_select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select form-select-sm" if is_select else "form-control form-control-sm"

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 4 GB; import it with manage.py import_csv.")
        return upload

    def clean(self) -> dict:
        cleaned = super().clean()
        preset = cleaned.get("preset")
        if preset and cleaned.get("kind") not in PRESETS[preset].kinds:
            kinds = " or ".join(PRESETS[preset].kinds)
            self.add_error("preset", f"This preset reads {kinds} only.")
        return cleaned
