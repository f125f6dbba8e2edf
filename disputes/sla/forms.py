from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import PlainForm


class HomeVisitForm(PlainForm):
    """A grid worker's record of a visit to the respondent (disputes.sla.home_visit.record_home_visit)."""

    note = forms.CharField(
        label=_("What happened at the visit"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
