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


class AssignMediator(serializers.Serializer):
    # A user id. "auto" (automatic assignment) comes with the mediator pool.
    mediator = serializers.IntegerField(min_value=1, label=_("Mediator"))


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
