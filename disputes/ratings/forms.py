"""The rating and review-answer forms of the pages."""

from django import forms
from django.utils.translation import gettext_lazy

from accounts.forms import PlainForm
from disputes.models import Review


class RatingForm(PlainForm):
    score = forms.TypedChoiceField(
        label=gettext_lazy("How satisfied are you with how this dispute was handled?"),
        choices=[
            (5, gettext_lazy("5 · very satisfied")),
            (4, gettext_lazy("4 · satisfied")),
            (3, gettext_lazy("3 · neutral")),
            (2, gettext_lazy("2 · dissatisfied")),
            (1, gettext_lazy("1 · very dissatisfied")),
        ],  # fmt: skip
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AnswerForm(PlainForm):
    finding = forms.ChoiceField(
        label=gettext_lazy("Finding"), choices=Review.Finding.choices, widget=forms.RadioSelect
    )
    answer = forms.CharField(
        label=gettext_lazy("Written answer to the resident"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    followup = forms.BooleanField(
        label=gettext_lazy("Open a follow-up dispute (only when handled badly)"), required=False
    )
