"""What each transition accepts (docs/state-machine.md), validated the same way for the API and the pages."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.utils import html

from .models import Dispute

REASON = {"max_length": 2000, "trim_whitespace": True}


class Empty(serializers.Serializer):
    pass


class Note(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, label=_("Note"))


class Reason(serializers.Serializer):
    reason = serializers.CharField(label=_("Reason"), **REASON)


class OptionalReason(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, label=_("Reason"), **REASON)


class ForParty(serializers.Serializer):
    """For someone who acts for several parties: which one (default: the first still open)."""

    party = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, label=_("Party"), style={"input_type": "hidden"}
    )


class Answer(ForParty):
    pass


class Decline(ForParty, Reason):
    pass


class Withdraw(ForParty, OptionalReason):
    pass


class Reject(Reason):
    referral_advice = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, label=_("Referral advice")
    )
    # A duplicate: the id of the original dispute (disputes.related.resolve_reject).
    duplicate_of = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        label=_("Duplicate of"),
        style={"input_type": "hidden"},
    )


class MediatorChoice(serializers.Field):
    """A mediator's user id, or "auto" for the top-ranked eligible mediator."""

    default_error_messages = {"invalid": _('Give a mediator\'s user id or "auto".')}

    def to_internal_value(self, data):
        if data == "auto":
            return data
        if isinstance(data, bool) or not isinstance(data, int | str) or not str(data).isdigit():
            self.fail("invalid")
        if int(data) < 1:
            self.fail("invalid")
        return int(data)

    def to_representation(self, value):
        return value


class AssignMediator(serializers.Serializer):
    mediator = MediatorChoice(label=_("Mediator"))


REFERRALS = (
    Dispute.Outcome.REFERRED_COURT,
    Dispute.Outcome.REFERRED_ARBITRATION,
    Dispute.Outcome.REFERRED_DEPARTMENT,
)


class Conclude(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=[c for c in Dispute.Outcome.choices if c[0] != Dispute.Outcome.FULFILLED],
        label=_("Outcome"),
    )
    referred_to = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        label=_("Referred to (the court, arbitration commission or department; for referrals)"),
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, label=_("Note"))

    def validate(self, attrs):
        """A referral names where it goes; other outcomes carry no destination."""
        where = attrs.pop("referred_to", "").strip()
        if attrs["outcome"] in REFERRALS:
            if not where:
                raise serializers.ValidationError(
                    {"referred_to": [_("Name the court, arbitration commission or department.")]}
                )
            attrs["referred_to"] = where
        return attrs


class TermsField(serializers.ListField):
    """The agreed terms in order: a JSON list of strings, or (from the pages) one term per line."""

    def __init__(self, **kwargs):
        super().__init__(
            child=serializers.CharField(max_length=2000, trim_whitespace=True),
            allow_empty=False,
            max_length=50,
            **kwargs,
        )

    def get_value(self, dictionary):
        # A form posts one textarea: take it whole (DRF would make it a one-item list).
        if html.is_html_input(dictionary) and self.field_name in dictionary:
            return dictionary.get(self.field_name)
        return super().get_value(dictionary)

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = [line for line in data.splitlines() if line.strip()]
        return super().to_internal_value(data)


class ProposeSettlement(serializers.Serializer):
    terms = TermsField(label=_("Terms (one per line)"))
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True, label=_("Amount")
    )
    performance_method = serializers.CharField(
        required=False, allow_blank=True, max_length=500, label=_("Performance method")
    )
    performance_deadline = serializers.DateField(
        required=False, allow_null=True, label=_("Performance deadline")
    )

    def validate(self, attrs):
        # Kept as JSON-safe text: the payload is recorded on the timeline as given.
        if attrs.get("amount") is not None:
            attrs["amount"] = str(attrs["amount"])
        if attrs.get("performance_deadline") is not None:
            attrs["performance_deadline"] = attrs["performance_deadline"].isoformat()
        return attrs


class Sign(serializers.Serializer):
    """Either the SMS code (the platform makes a key for this one signing), or a signing
    prepared for a key the signer holds and that key's signature (docs/features/held-keys.md)."""

    agree = serializers.BooleanField(label=_("I have read the agreement and sign it of my own free will"))
    code = serializers.RegexField(r"^\d{6}$", required=False, label=_("Signing code sent by SMS"))
    version = serializers.IntegerField(
        required=False, min_value=1, label=_("Version of the agreement you reviewed")
    )
    signing_id = serializers.RegexField(
        r"^[A-Za-z0-9_-]{1,40}$", required=False, style={"input_type": "hidden"}
    )
    signature = serializers.CharField(required=False, max_length=200, style={"input_type": "hidden"})
    # Who signs for several parties names the one this signature is for (docs/features/settlements.md).
    party = serializers.IntegerField(required=False, min_value=1, style={"input_type": "hidden"})

    def validate_agree(self, value):
        if value is not True:
            raise serializers.ValidationError(_("You must agree to the settlement to sign it."))
        return value

    def validate(self, attrs):
        if attrs.get("signing_id"):
            if not attrs.get("signature"):
                raise serializers.ValidationError({"signature": [_("This field is required.")]})
        elif not attrs.get("code"):
            raise serializers.ValidationError({"code": [_("This field is required.")]})
        return attrs


class RecordFulfilment(serializers.Serializer):
    note = serializers.CharField(label=_("Note on the follow-up visit"), **REASON)


PAYLOADS: dict[str, type[serializers.Serializer]] = {
    "accept": Note,
    "reject": Reject,
    "respondent_accept": Answer,
    "respondent_decline": Decline,
    "assign_mediator": AssignMediator,
    "mediator_accept": Empty,
    "mediator_decline": Reason,
    "replace_mediator": Reason,
    "fail_mediation": Reason,
    "escalate": Reason,
    "take_case": Empty,
    "return_to_mediation": Reason,
    "conclude": Conclude,
    "propose_settlement": ProposeSettlement,
    "sign": Sign,
    "decline_settlement": Reason,
    "record_fulfilment": RecordFulfilment,
    "report_breach": Decline,
    "withdraw": Withdraw,
}
