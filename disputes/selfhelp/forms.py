"""The letter form: only the facts a letter's placeholders need (disputes/selfhelp/content.py)."""

from __future__ import annotations

from django import forms

from accounts.forms import PlainForm

from .content import LETTER_FIELDS, clean_value


class LetterForm(PlainForm):
    def __init__(self, *args, names: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        for name in names:
            label, longest, multi = LETTER_FIELDS[name]
            widget = forms.Textarea(attrs={"rows": 4}) if multi else forms.TextInput
            self.fields[name] = forms.CharField(
                label=label, max_length=longest, required=False, widget=widget
            )

    def clean(self):
        data = super().clean()
        return {name: clean_value(name, value or "") for name, value in data.items()}
