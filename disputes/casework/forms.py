"""Forms of the case handler's workspace and of a party's answer."""

from django import forms
from django.utils.translation import gettext_lazy

from accounts.forms import PlainForm
from disputes.models import InfoRequest


class AskForm(PlainForm):
    party = forms.ChoiceField(label=gettext_lazy("Ask"), choices=InfoRequest.Party.choices)
    question = forms.CharField(
        label=gettext_lazy("Question"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    due_at = forms.DateTimeField(
        label=gettext_lazy("Answer by"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


class AnswerForm(PlainForm):
    answer = forms.CharField(
        label=gettext_lazy("Your answer"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
