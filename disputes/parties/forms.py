"""Forms of the dispute page for parties, agents and guardians (docs/features/parties.md)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import PHONE_ATTRS, PhoneField, PlainForm
from core.identifiers import validate_uscc
from disputes.models import DisputeParty, Representative, Side

# Another person's phone: no example number (a page must show no full phone but the reader's own)
# and no autofill with the reader's own.
OTHER_PHONE_ATTRS = {**PHONE_ATTRS, "placeholder": "", "autocomplete": "off"}


def other_phone(**kwargs) -> PhoneField:
    field = PhoneField(**kwargs)
    field.widget.attrs = dict(OTHER_PHONE_ATTRS)
    return field


class UsccFormField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Unified social credit code"))
        kwargs.setdefault("help_text", _("18 characters, for an organisation only."))
        super().__init__(max_length=18, required=False, validators=[validate_uscc], **kwargs)

    def to_python(self, value):
        return (super().to_python(value) or "").strip().upper()


class PartyFieldsMixin(forms.Form):
    """A party's fields: a person, or an organisation with its USCC and contact."""

    kind = forms.ChoiceField(label=_("Kind of party"), choices=DisputeParty.Kind.choices, initial="person")
    name = forms.CharField(
        label=_("Name (a person's, or the organisation's registered name)"), max_length=100
    )
    phone = other_phone(help_text=_("An organisation: its contact's mobile phone."))
    org_type = forms.ChoiceField(
        label=_("Type of organisation"), choices=[("", "—"), *DisputeParty.OrgType.choices], required=False
    )
    uscc = UsccFormField()
    contact_name = forms.CharField(label=_("Legal representative or contact"), max_length=100, required=False)

    def clean(self):
        data = super().clean()
        if data.get("kind") == DisputeParty.Kind.ORGANISATION:
            if not data.get("uscc") and "uscc" not in self.errors:
                self.add_error("uscc", _("An organisation needs its unified social credit code."))
            data["org_type"] = data.get("org_type") or DisputeParty.OrgType.COMPANY
        elif data.get("uscc"):
            self.add_error("uscc", _("Only an organisation has a USCC."))
        return data


class AddPartyForm(PartyFieldsMixin, PlainForm):
    side = forms.ChoiceField(label=_("Side"), choices=Side.choices)
    field_order = ["side", "kind", "name", "phone", "org_type", "uscc", "contact_name"]


class RepresentativeForm(PlainForm):
    party = forms.TypedChoiceField(label=_("For party"), coerce=int)
    kind = forms.ChoiceField(label=_("Agent or guardian"), choices=Representative.Kind.choices)
    relation = forms.ChoiceField(label=_("Relation to the party"), choices=Representative.Relation.choices)
    name = forms.CharField(label=_("Name"), max_length=100)
    phone = other_phone()
    may_answer = forms.BooleanField(label=_("May answer the invitation"), required=False, initial=True)
    may_chat = forms.BooleanField(
        label=_("May take part in the mediation chat"), required=False, initial=True
    )
    may_sign = forms.BooleanField(label=_("May sign the settlement"), required=False, initial=True)
    file = forms.FileField(label=_("Power of attorney or proof of guardianship (PDF or photo)"))

    def __init__(self, *args, parties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].choices = [(p.pk, f"{p.get_side_display()} · {p.name}") for p in parties]


class CheckForm(PlainForm):
    approve = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1")
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class OtherRespondentForm(PartyFieldsMixin, PlainForm):
    """One more respondent on the filing page (the first is the form's own respondent)."""

    email = forms.EmailField(label=_("Email (optional)"), required=False)
    field_order = ["kind", "name", "phone", "email", "org_type", "uscc", "contact_name"]

    def as_party(self) -> dict:
        data = self.cleaned_data
        keys = ("kind", "name", "phone", "email", "org_type", "uscc", "contact_name")
        return {"side": Side.RESPONDENT, **{key: data.get(key) or "" for key in keys}}


MAX_MORE_RESPONDENTS = 19
OtherRespondentFormSet = forms.formset_factory(
    OtherRespondentForm,
    extra=0,
    max_num=MAX_MORE_RESPONDENTS,
    validate_max=True,
    absolute_max=MAX_MORE_RESPONDENTS,
)


def more_respondents(data=None, *, add: bool = False):
    """The formset of further respondents; `add`: with one more blank form (the "add another
    respondent" button, which works without JavaScript)."""
    if data is not None and "more-TOTAL_FORMS" not in data and not add:
        data = None  # a filing posted without the formset (an older page, a script): none
    if data is not None and add:
        data = data.copy()
        try:
            count = int(data.get("more-TOTAL_FORMS", 0))
        except ValueError:
            count = 0
        data["more-TOTAL_FORMS"] = str(min(max(count, 0) + 1, MAX_MORE_RESPONDENTS))
    return OtherRespondentFormSet(data, prefix="more")
