"""What each transition accepts (DESIGN §2), validated the same way for the API and the pages."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

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


class Reject(Reason):
    referral_advice = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, label=_("Referral advice")
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


class Conclude(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=[c for c in Dispute.Outcome.choices if c[0] != Dispute.Outcome.FULFILLED],
        label=_("Outcome"),
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, label=_("Note"))


PAYLOADS: dict[str, type[serializers.Serializer]] = {
    "accept": Note,
    "reject": Reject,
    "respondent_accept": Empty,
    "respondent_decline": Reason,
    "assign_mediator": AssignMediator,
    "mediator_accept": Empty,
    "mediator_decline": Reason,
    "replace_mediator": Reason,
    "fail_mediation": Reason,
    "escalate": Reason,
    "take_case": Empty,
    "return_to_mediation": Reason,
    "conclude": Conclude,
    "withdraw": OptionalReason,
}
