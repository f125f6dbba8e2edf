"""How disputes look in the API (docs/api.md). Masking depends on who is reading (disputes.contacts)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api import PhoneField
from accounts.models import Place, Region, User
from core.identifiers import is_valid_uscc

from .contacts import party_contact
from .hooks import offered
from .models import Category, Dispute, DisputeEvent, DisputeParty, Evidence
from .parties.serializers import PartySerializer


class CategorySlugField(serializers.SlugRelatedField):
    """A category by its slug; text with a NUL is refused before the lookup, which PostgreSQL
    would answer with an error (docs/security.md)."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


class CategorySerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name")

    class Meta:
        model = Category
        fields = ["slug", "name"]


class RespondentInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    phone = PhoneField(max_length=20)
    email = serializers.EmailField(required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)


USCC_ERROR = _("Enter a valid unified social credit code (18 characters, check digit per GB 32100).")
MAX_RESPONDENTS = 20


class UsccField(serializers.CharField):
    """A unified social credit code, upper-cased and checked per GB 32100 (core.identifiers)."""

    def __init__(self, **kwargs):
        super().__init__(max_length=18, min_length=18, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data.strip().upper() if isinstance(data, str) else data)
        if not is_valid_uscc(value):
            raise serializers.ValidationError(USCC_ERROR, code="invalid_uscc")
        return value


class QuietChoiceField(serializers.ChoiceField):
    """A choice whose error never echoes the input: a lone surrogate in it cannot be encoded
    into the answer."""

    default_error_messages = {"invalid_choice": _("Not one of the allowed values.")}


class PartyInput(RespondentInput):
    """One more party at filing or intake: a person, or an organisation with its USCC."""

    kind = QuietChoiceField(choices=DisputeParty.Kind.choices, default=DisputeParty.Kind.PERSON)
    org_type = QuietChoiceField(choices=DisputeParty.OrgType.choices, required=False, allow_blank=True)
    uscc = UsccField(required=False, allow_blank=True)
    contact_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    contact_title = serializers.CharField(max_length=60, required=False, allow_blank=True)

    def validate(self, attrs):
        if attrs.get("kind") == DisputeParty.Kind.ORGANISATION:
            if not attrs.get("uscc"):
                raise serializers.ValidationError(
                    {"uscc": [_("An organisation needs its unified social credit code.")]}
                )
            attrs.setdefault("org_type", DisputeParty.OrgType.COMPANY)
        elif attrs.get("uscc") or attrs.get("org_type"):
            raise serializers.ValidationError({"kind": [_("Only an organisation has a USCC.")]})
        return attrs


class ClaimantOrganisationInput(serializers.Serializer):
    """The filer is the legal representative or contact of this organisation, the claimant."""

    name = serializers.CharField(max_length=100)
    uscc = UsccField()
    org_type = serializers.ChoiceField(choices=DisputeParty.OrgType.choices)
    contact_title = serializers.CharField(max_length=60, required=False, allow_blank=True)


class OnBehalfInput(serializers.Serializer):
    full_name = serializers.CharField(max_length=100)
    phone = PhoneField(max_length=20)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)


class FileDisputeSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=10000)
    category = CategorySlugField(slug_field="slug", queryset=Category.objects.all())
    # Exactly one of: the grid, a known place (its grid), or the street when the filer does not
    # know the place (the street's intake sets the grid; docs/features/places.md).
    grid = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.filter(kind=Region.Kind.GRID), required=False
    )
    place = serializers.PrimaryKeyRelatedField(queryset=Place.objects.select_related("grid"), required=False)
    street = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.filter(kind=Region.Kind.STREET), required=False
    )
    respondent = RespondentInput(required=False)
    # Several respondents (the first is the lead, mirrored in `respondent`), organisations
    # among them; several claimants when a grid worker files for them (docs/features/parties.md).
    respondents = PartyInput(many=True, required=False, min_length=1, max_length=MAX_RESPONDENTS)
    claimant_organisation = ClaimantOrganisationInput(required=False)
    co_claimants = PartyInput(many=True, required=False, min_length=1, max_length=MAX_RESPONDENTS - 1)
    amount_claimed = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    desired_outcome = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    on_behalf_of = OnBehalfInput(required=False)
    # The language of the dispute's documents (agreement, judicial application, case file).
    language = serializers.ChoiceField(
        choices=User.Language.choices,
        required=False,
        # Never echo the input: a lone surrogate in it cannot be encoded into the answer.
        error_messages={"invalid_choice": _("Choose Simplified Chinese or English.")},
    )

    WHERE = ("grid", "place", "street")

    def to_internal_value(self, data):
        # "Where" is named among the missing fields even when others fail too (the contract:
        # an empty body names every required field).
        missing = hasattr(data, "get") and all(data.get(key) in (None, "") for key in self.WHERE)
        nobody = hasattr(data, "get") and data.get("respondent") is None and data.get("respondents") is None
        try:
            attrs = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if missing and isinstance(exc.detail, dict):
                exc.detail.setdefault("grid", [serializers.ErrorDetail(str(self.ONE_OF), code="required")])
            if nobody and isinstance(exc.detail, dict):
                exc.detail.setdefault(
                    "respondent", [serializers.ErrorDetail(str(self.REQUIRED), code="required")]
                )
            raise
        if nobody:
            raise serializers.ValidationError({"respondent": [self.REQUIRED]}, code="required")
        return attrs

    REQUIRED = _("This field is required.")

    ONE_OF = _("Give exactly one of grid, place or street.")

    def validate(self, attrs):
        if len([key for key in self.WHERE if attrs.get(key) is not None]) != 1:
            raise serializers.ValidationError({"grid": [self.ONE_OF]}, code="invalid")
        if "respondent" in attrs and "respondents" in attrs:
            raise serializers.ValidationError(
                {"respondents": [_("Give either respondent or respondents, not both.")]}, code="invalid"
            )
        if attrs.get("co_claimants") and "on_behalf_of" not in attrs:
            raise serializers.ValidationError(
                {
                    "co_claimants": [
                        _("Only a grid worker filing on behalf of residents names several claimants.")
                    ]
                },
                code="invalid",
            )
        phones = [p["phone"] for p in [*attrs.get("respondents", []), *attrs.get("co_claimants", [])]]
        if len(set(phones)) != len(phones):
            raise serializers.ValidationError(
                {"respondents": [_("Each party needs a phone number of their own.")]}, code="invalid"
            )
        return attrs

    def to_service_kwargs(self) -> dict:
        data = dict(self.validated_data)
        street = data.pop("street", None)
        if street is not None:
            data["grid"] = street
        elif "place" in data:
            data["grid"] = data["place"].grid
        respondents = data.pop("respondents", None)
        more = []
        if respondents:
            lead, *others = respondents
            respondent = {key: lead.get(key, "") for key in ("name", "phone", "email", "address")}
            if lead.get("kind") == DisputeParty.Kind.ORGANISATION:
                more.append({"side": "respondent", "lead": True, **_organisation(lead)})
            more += [{"side": "respondent", **other} for other in others]
        else:
            respondent = data.pop("respondent")
        organisation = data.pop("claimant_organisation", None)
        if organisation:
            more.insert(0, {"side": "claimant", "lead": True, "kind": DisputeParty.Kind.ORGANISATION,
                            "organisation_name": organisation["name"], "uscc": organisation["uscc"],
                            "org_type": organisation["org_type"],
                            "contact_title": organisation.get("contact_title", "")})  # fmt: skip
        more += [{"side": "claimant", **other} for other in data.pop("co_claimants", [])]
        if more:
            data["more_parties"] = more
        data.update(
            respondent_name=respondent["name"],
            respondent_phone=respondent["phone"],
            respondent_email=respondent.get("email", ""),
            respondent_address=respondent.get("address", ""),
        )
        return data


def _organisation(party: dict) -> dict:
    keys = ("kind", "org_type", "uscc", "contact_name", "contact_title")
    return {key: party.get(key, "") for key in keys}


def _person(user) -> dict | None:
    return {"id": user.pk, "name": user.display_name} if user else None


class DisputeListSerializer(serializers.ModelSerializer):
    category = CategorySerializer()
    grid = serializers.SerializerMethodField()
    claimant = serializers.SerializerMethodField()
    respondent = serializers.SerializerMethodField()
    mediator = serializers.SerializerMethodField()
    overdue = serializers.BooleanField(source="is_overdue")

    class Meta:
        model = Dispute
        fields = [
            "id", "reference", "title", "state", "level", "category", "grid", "claimant", "respondent",
            "mediator", "due_at", "overdue", "created_at",
        ]  # fmt: skip

    def get_grid(self, d: Dispute) -> dict:
        # kind "street" while unplaced (docs/features/places.md)
        return {"id": d.grid_id, "name": d.grid.display_name(), "kind": d.grid.kind}

    def _party(self, d: Dispute, party: str) -> dict:
        seen = party_contact(d, self.context["request"].user, party)
        keys = ("name", "phone", "email") if party == "respondent" else ("name", "phone")
        return {key: seen[key] for key in keys}

    def get_claimant(self, d: Dispute) -> dict:
        return self._party(d, "claimant")

    def get_respondent(self, d: Dispute) -> dict:
        return self._party(d, "respondent")

    def get_mediator(self, d: Dispute) -> dict | None:
        return _person(d.mediator)


class DisputeDetailSerializer(DisputeListSerializer):
    case_handler = serializers.SerializerMethodField()
    parties = serializers.SerializerMethodField()
    available_transitions = serializers.SerializerMethodField()
    placed = serializers.BooleanField(source="is_placed", read_only=True)
    place = serializers.SerializerMethodField()

    class Meta(DisputeListSerializer.Meta):
        fields = DisputeListSerializer.Meta.fields + [
            "description", "amount_claimed", "desired_outcome", "case_handler", "outcome",
            "outcome_note", "served_at", "updated_at", "closed_at", "available_transitions", "language",
            "placed", "place", "parties",
        ]  # fmt: skip

    @extend_schema_field(PartySerializer(many=True))
    def get_parties(self, d: Dispute) -> list[dict]:
        """Every party of both sides, masked as the reader may see them (disputes.parties.serializers)."""
        return PartySerializer(d.parties.all(), many=True, context={**self.context, "dispute": d}).data

    def get_place(self, d: Dispute) -> dict | None:
        return {"id": d.place_id, "name": d.place.name} if d.place_id else None

    def get_case_handler(self, d: Dispute) -> dict | None:
        return _person(d.case_handler)

    def get_available_transitions(self, d: Dispute) -> list[str]:
        user = self.context["request"].user
        return sorted(offered(d, user, [t.name for t in d.get_available_user_state_transitions(user)]))


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()
    from_state = serializers.SerializerMethodField()

    class Meta:
        model = DisputeEvent
        fields = ["id", "transition", "from_state", "to_state", "actor", "reason", "payload", "at"]

    def get_actor(self, e: DisputeEvent) -> dict | None:
        if e.actor is None:
            return None
        return {"id": e.actor_id, "name": e.actor.display_name, "role": e.actor_role}

    def get_from_state(self, e: DisputeEvent) -> str | None:
        return e.from_state or None


class EvidenceSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "id", "filename", "content_type", "size", "sha256", "description", "uploaded_by",
            "uploaded_at", "download_url",
        ]  # fmt: skip

    def get_uploaded_by(self, e: Evidence) -> dict:
        return _person(e.uploaded_by)

    def get_download_url(self, e: Evidence) -> str:
        return reverse("api:evidence-download", args=[e.dispute_id, e.pk])


class EvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=False, error_messages={"required": _("Attach a file.")})
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)
