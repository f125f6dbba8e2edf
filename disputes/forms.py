"""Forms for the dispute pages.

Transition payloads are validated by disputes.payloads (the same serializers as the API);
the forms built here only render those payloads as HTML fields.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts import places, roles
from accounts.forms import PhoneField, PlainForm
from accounts.models import Place, Region, User
from core.errors import ServiceError

from .hooks import CHOICES, offered
from .labels import ACTION_LABELS
from .models import Category, Dispute, DisputeParty
from .parties.forms import UsccFormField
from .payloads import PAYLOADS

MAX_FILES = 10
MAX_WHERE = 40

# Actions that end, refuse or push a dispute away get a quieter, secondary button.
SECONDARY_ACTIONS = {
    "reject", "respondent_decline", "mediator_decline", "replace_mediator", "fail_mediation",
    "escalate", "withdraw", "decline_settlement", "report_breach",
}  # fmt: skip


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; cleans to a list (empty when none were chosen)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [single(f, initial) for f in files]


class GridChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return f"{obj.parent.display_name()} · {obj.display_name()}" if obj.parent else obj.display_name()


def ui_language() -> str:
    """The page's language as a document language (the filing form preselects it)."""
    return User.Language.EN if (get_language() or "").startswith("en") else User.Language.ZH_HANS


def grids() -> QuerySet[Region]:
    return Region.objects.filter(kind=Region.Kind.GRID).select_related("parent")


def _check_size(upload) -> None:
    if upload.size > settings.EVIDENCE_MAX_BYTES:
        raise forms.ValidationError(_("%(name)s is larger than 20 MB."), params={"name": upload.name})


class FileDisputeForm(PlainForm):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_(
            "One line, e.g. “Water leaking from upstairs”: how the dispute is named in lists and notices."
        ),
    )
    description = forms.CharField(
        label=_("What happened"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "The grid worker decides from this whether to take the dispute; the mediator and the other "
            "party read it. Give only the personal details the dispute needs."
        ),
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.all(),
        empty_label=_("Choose…"),
        help_text=_("Decides the deadlines and which mediators suit the dispute."),
    )
    # Where the dispute arose: a place found by the search box (static/js/places.js), or the
    # typed text searched on submit, or "I don't know" and a street (docs/features/places.md).
    where = forms.CharField(
        label=_("Where did the dispute arise?"),
        max_length=MAX_WHERE,
        required=False,
        help_text=_(
            "Type an estate, a building, a community or a street, in Chinese or pinyin initials (e.g. "
            "“ylhy” for 怡乐花园): the grid worker there takes the dispute."
        ),
    )
    place = forms.IntegerField(
        required=False,
        widget=forms.HiddenInput,
        min_value=1,
        help_text=_("The place chosen from the suggestions: it names the grid that takes the dispute."),
    )
    # A grid already known (a link or a pre-filled filing) wins over the search.
    grid = forms.ModelChoiceField(
        queryset=Region.objects.filter(kind=Region.Kind.GRID),
        required=False,
        widget=forms.HiddenInput,
        help_text=_("The grid that takes the dispute."),
    )
    unknown = forms.BooleanField(
        label=_("I don't know the exact place: send it to the street"),
        required=False,
        help_text=_("A grid worker of the street finds the right grid."),
    )
    street = forms.ModelChoiceField(
        label=_("Street"),
        queryset=Region.objects.filter(kind=Region.Kind.STREET),
        required=False,
        empty_label=_("Choose…"),
        help_text=_("The street whose grid workers find the right grid."),
    )
    respondent_name = forms.CharField(
        label=_("Respondent's name"),
        max_length=100,
        help_text=_("So that the grid worker and the mediator know whom the dispute is with."),
    )
    respondent_phone = PhoneField(
        label=_("Respondent's mobile phone"),
        help_text=_(
            "The invitation to mediation goes to this number by SMS; it is also how they see the "
            "dispute once they sign up. Staff see it partly hidden."
        ),
    )
    respondent_kind = forms.ChoiceField(
        label=_("The respondent is"),
        choices=DisputeParty.Kind.choices,
        required=False,
        initial=DisputeParty.Kind.PERSON,
        help_text=_("A company, shop or other organisation: give its registered name and its USCC."),
    )
    respondent_uscc = UsccFormField()
    respondent_org_type = forms.ChoiceField(
        label=_("Type of organisation"),
        choices=[("", "—"), *DisputeParty.OrgType.choices],
        required=False,
        help_text=_("An organisation only: how the agreement describes it."),
    )
    respondent_contact_name = forms.CharField(
        label=_("Legal representative or contact"),
        max_length=100,
        required=False,
        help_text=_("An organisation only: the person who answers for it; the phone above is theirs."),
    )
    respondent_email = forms.EmailField(
        label=_("Respondent's email (optional)"),
        required=False,
        help_text=_("Only if you know it: notices also go there."),
    )
    respondent_address = forms.CharField(
        label=_("Respondent's address (optional)"),
        max_length=200,
        required=False,
        help_text=_(
            "Only if you know it: for a home visit if they do not answer, and to check that the "
            "mediator is not their neighbour or relative."
        ),
    )
    amount_claimed = forms.DecimalField(
        label=_("Amount claimed in yuan (optional)"),
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=_("If money is at stake: the mediator and the agreement start from it."),
    )
    desired_outcome = forms.CharField(
        label=_("What outcome do you want? (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Helps the mediator prepare a proposal."),
    )
    claimant_name = forms.CharField(
        label=_("Resident's full name"),
        max_length=100,
        required=False,
        help_text=_("The resident you file for is the claimant: agreements name them."),
    )
    claimant_phone = PhoneField(
        label=_("Resident's mobile phone"),
        required=False,
        help_text=_("Notices reach the resident here; with it they can follow the dispute themselves."),
    )
    claimant_address = forms.CharField(
        label=_("Resident's address (optional)"),
        max_length=200,
        required=False,
        help_text=_("Only if needed: to check the mediator's conflicts of interest."),
    )
    language = forms.ChoiceField(
        label=_("Language of the documents"),
        choices=User.Language.choices,
        required=False,
        help_text=_("The settlement agreement and the other documents of the dispute are written in it."),
    )
    evidence = MultipleFileField(
        label=_("Evidence (optional)"),
        required=False,
        help_text=_(
            "Photos, PDF documents or audio recordings; up to 10 files of 20 MB each. The mediator and "
            "the other party can see them."
        ),
    )

    ON_BEHALF = ("claimant_name", "claimant_phone", "claimant_address")

    def __init__(self, *args, on_behalf: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = ui_language()
        if not on_behalf:
            for name in self.ON_BEHALF:
                del self.fields[name]

    def clean_evidence(self):
        files = self.cleaned_data["evidence"]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(_("Attach at most 10 files."))
        for upload in files:
            _check_size(upload)
        return files

    def clean(self):
        data = super().clean()
        self._clean_where(data)
        on_behalf = "claimant_name" in self.fields and "claimant_phone" not in self.errors
        if on_behalf and bool(data.get("claimant_name")) != bool(data.get("claimant_phone")):
            self.add_error(
                None, _("To file for a resident, give both their full name and their mobile phone.")
            )
        if data.get("respondent_kind") == DisputeParty.Kind.ORGANISATION:
            if not data.get("respondent_uscc") and "respondent_uscc" not in self.errors:
                self.add_error("respondent_uscc", _("An organisation needs its unified social credit code."))
        elif data.get("respondent_uscc"):
            self.add_error("respondent_uscc", _("Only an organisation has a USCC."))
        return data

    def _clean_where(self, data) -> None:
        """Decide `grid` (a grid, or a street when unplaced) and `place` from what was given."""
        self.candidates = []
        if (
            "place" in self.errors
            or "where" in self.errors
            or "street" in self.errors
            or "grid" in self.errors
        ):
            return
        if data.get("grid") is not None:
            data["place"] = None
            return
        if data.get("place"):
            found = Place.objects.select_related("grid").filter(pk=data["place"]).first()
            if found is None:
                self.add_error("where", _("Choose a place from the list."))
            data["place"], data["grid"] = found, found.grid if found else None
            return
        data["place"] = None
        if data.get("unknown"):
            if data.get("street") is None:
                self.add_error("street", _("Choose the street where the dispute arose."))
            data["grid"] = data.get("street")
            return
        text = data.get("where", "")
        if not text:
            self.add_error(
                "where", _("Say where the dispute arose, or tick “I don't know” and choose the street.")
            )
            return
        try:
            found = [r for r in places.suggest(text) if r["kind"] == "place"]
        except ServiceError as exc:
            self.add_error("where", exc.message)
            return
        exact = [r for r in found if r["name"] == text]
        if len(found) == 1 or len(exact) == 1:
            chosen = (exact or found)[0]
            data["place"] = Place.objects.select_related("grid").get(pk=chosen["id"])
            data["grid"] = data["place"].grid
            return
        self.candidates = found
        self.add_error(
            "where",
            _("Choose one of the places below.")
            if found
            else _("No known place matches: try other words, or tick “I don't know” and choose the street."),
        )

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {
            key: data[key]
            for key in (
                "title", "description", "category", "grid", "place", "respondent_name", "respondent_phone",
                "respondent_email", "respondent_address", "amount_claimed", "desired_outcome",
            )
        }  # fmt: skip
        kwargs["language"] = data.get("language") or ui_language()
        if data.get("respondent_kind") == DisputeParty.Kind.ORGANISATION:
            kwargs["more_parties"] = [{
                "side": "respondent", "lead": True, "kind": DisputeParty.Kind.ORGANISATION,
                "uscc": data["respondent_uscc"], "contact_name": data.get("respondent_contact_name", ""),
                "org_type": data.get("respondent_org_type") or DisputeParty.OrgType.COMPANY, "contact_title": "",
            }]  # fmt: skip
        if data.get("claimant_phone"):
            kwargs["on_behalf_of"] = {
                "full_name": data["claimant_name"],
                "phone": data["claimant_phone"],
                "address": data["claimant_address"],
            }
        return kwargs

    def field_for(self, service_field: str | None) -> str | None:
        """Where a ServiceError about `service_field` is shown."""
        name = {"respondent": "respondent_phone", "grid": "where"}.get(service_field or "", service_field)
        return name if name in self.fields else None


class EvidenceForm(PlainForm):
    file = forms.FileField(label=_("Choose a file"))
    description = forms.CharField(label=_("Description (optional)"), max_length=500, required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        _check_size(upload)
        return upload


class AreaFilterForm(PlainForm):
    """The filter fields shown above the "all disputes in my area" list.

    Display only: the list is filtered by disputes.filters.DisputeFilter, which reads these
    parameters (overdue "yes"/"no" included) as the API does.
    """

    state = forms.ChoiceField(label=_("State"), required=False)
    grid = GridChoiceField(
        label=_("Grid"), queryset=Region.objects.none(), required=False, empty_label=_("Any grid")
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.all(), to_field_name="slug", required=False,
        empty_label=_("Any category"),
    )  # fmt: skip
    overdue = forms.ChoiceField(
        label=_("Deadline"),
        required=False,
        choices=[("", _("Any deadline")), ("yes", _("Overdue")), ("no", _("Not overdue"))],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("Any state")), *Dispute.State.choices]
        self.fields["grid"].queryset = grids().filter(pk__in=roles.staff_grids(user))


# --- transitions ------------------------------------------------------------------------------
def payload_form(dispute: Dispute, name: str) -> forms.Form:
    """An HTML form for the payload of transition `name`, built from its serializer's fields.

    Only for rendering: the action view validates what comes back with PAYLOADS[name].
    """
    fields = {key: _html_field(dispute, key, field) for key, field in PAYLOADS[name]().fields.items()}
    return type("PayloadForm", (PlainForm,), fields)(auto_id=f"id_{name}_%s")


def _html_field(dispute: Dispute, key: str, field: serializers.Field) -> forms.Field:
    common = {"label": field.label, "required": field.required}
    if field.style.get("input_type") == "hidden":  # filled in by the page's script
        return forms.CharField(widget=forms.HiddenInput, required=False)
    if key == "mediator":
        auto = (
            []
            if isinstance(field, serializers.IntegerField)
            else [("auto", _("Automatic: the best-ranked mediator"))]
        )
        # The app that owns the rule offers exactly the mediators its resolver accepts.
        offer = CHOICES.get("mediator")
        mediators = offer(dispute) if offer else []
        return forms.ChoiceField(choices=[("", _("Choose…")), *auto, *mediators], **common)
    if isinstance(field, serializers.ChoiceField):
        return forms.ChoiceField(choices=[("", _("Choose…")), *field.choices.items()], **common)
    if isinstance(field, serializers.BooleanField):
        return forms.BooleanField(**common)
    if isinstance(field, serializers.DateField):
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if isinstance(field, serializers.IntegerField):
        return forms.IntegerField(min_value=1, **common)
    if isinstance(field, serializers.DecimalField):
        return forms.DecimalField(min_value=0, **common)
    common["required"] = field.required and not getattr(field, "allow_blank", False)
    return forms.CharField(
        max_length=getattr(field, "max_length", None), widget=forms.Textarea(attrs={"rows": 3}), **common
    )


def available_actions(dispute: Dispute, user) -> list[dict]:
    """One entry per transition the user may fire now, in the order of PAYLOADS."""
    names = set(offered(dispute, user, [t.name for t in dispute.get_available_user_state_transitions(user)]))
    return [
        {
            "name": name,
            "label": ACTION_LABELS.get(name, name),
            "form": payload_form(dispute, name),
            "secondary": name in SECONDARY_ACTIONS,
        }
        for name in PAYLOADS
        if name in names
    ]
