"""How parties, agents and guardians look in the API, masked as disputes.contacts masks the
lead parties (docs/personal-data-masking.md): a phone in full only for its owner; a USCC in
full for the organisation itself, those acting for it, and the staff in charge; names never
masked."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from accounts.phones import mask_id_number, mask_phone
from disputes.contacts import may_reveal
from disputes.models import Dispute, DisputeParty, Representative, Side
from disputes.models.parties import index_of


def mask_uscc(code: str) -> str:
    """91350100M000100Y43 → 913***********0Y43: the same rule as an ID number."""
    return mask_id_number(code) if code else ""


class Reader:
    """What one reader is to one dispute, computed once per dispute (no query per party)."""

    def __init__(self, dispute: Dispute, user):
        self.index = index_of(user) if user.is_authenticated and user.phone_verified else None
        self.acting = {party.pk for party, _ in dispute.acting_for(user)} if self.index else set()
        self.staff = may_reveal(dispute, user)
        self.served = dispute.served_at is not None

    def owns(self, party: DisputeParty) -> bool:
        return (
            bool(self.index)
            and party.phone_index == self.index
            and (party.side == Side.CLAIMANT or self.served)
        )

    def sees_uscc(self, party: DisputeParty) -> bool:
        return self.staff or party.pk in self.acting


def reader_for(context: dict, dispute: Dispute) -> Reader:
    cache = context.setdefault("_readers", {})
    if dispute.pk not in cache:
        cache[dispute.pk] = Reader(dispute, context["request"].user)
    return cache[dispute.pk]


class RepresentativeSerializer(serializers.ModelSerializer):
    phone = serializers.SerializerMethodField()
    authorisation_url = serializers.SerializerMethodField()

    class Meta:
        model = Representative
        fields = [
            "id", "kind", "relation", "name", "phone", "status", "may_answer", "may_chat", "may_sign",
            "checked_at", "check_note", "authorisation_filename", "authorisation_url",
        ]  # fmt: skip

    def get_phone(self, rep: Representative) -> str:
        reader = reader_for(self.context, self.context["dispute"])
        return rep.phone if reader.index and rep.phone_index == reader.index else mask_phone(rep.phone)

    def get_authorisation_url(self, rep: Representative) -> str:
        return reverse("api:authorisation", args=[self.context["dispute"].pk, rep.pk])


class PartySerializer(serializers.ModelSerializer):
    phone = serializers.SerializerMethodField()
    uscc = serializers.SerializerMethodField()
    withdrawn = serializers.SerializerMethodField()
    representatives = serializers.SerializerMethodField()

    class Meta:
        model = DisputeParty
        fields = [
            "id", "side", "position", "kind", "name", "phone", "org_type", "uscc", "contact_name",
            "contact_title", "answer", "answered_at", "withdrawn", "withdrawn_at", "representatives",
        ]  # fmt: skip

    def _reader(self) -> Reader:
        return reader_for(self.context, self.context["dispute"])

    def get_phone(self, party: DisputeParty) -> str:
        return party.phone if self._reader().owns(party) else mask_phone(party.phone)

    def get_uscc(self, party: DisputeParty) -> str:
        return party.uscc if self._reader().sees_uscc(party) else mask_uscc(party.uscc)

    def get_withdrawn(self, party: DisputeParty) -> bool:
        return party.withdrawn_at is not None

    def get_representatives(self, party: DisputeParty) -> list[dict]:
        return RepresentativeSerializer(party.representatives.all(), many=True, context=self.context).data
