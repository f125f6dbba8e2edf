"""Preparing a settlement signature for a key the signer holds (docs/features/held-keys.md):
POST /api/v1/disputes/{id}/settlement/sign/prepare/. The signature is completed through the
sign transition with the returned `signing_id` and the device's signature value."""

from __future__ import annotations

import base64

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from disputes.api import visible_dispute

from . import held


class PrepareRequest(serializers.Serializer):
    agree = serializers.BooleanField(label=_("I have read the agreement and sign it of my own free will"))
    code = serializers.RegexField(r"^\d{6}$", label=_("Signing code sent by SMS"))
    public_key = serializers.CharField(
        max_length=held.MAX_PUBLIC_KEY_CHARS, trim_whitespace=True,
        help_text="base64 DER SubjectPublicKeyInfo of an ECDSA P-256 key",
    )  # fmt: skip
    version = serializers.IntegerField(required=False, min_value=1)
    party = serializers.IntegerField(required=False, min_value=1)

    def validate_agree(self, value):
        if value is not True:
            raise serializers.ValidationError(_("You must agree to the settlement to sign it."))
        return value


PREPARED = inline_serializer(
    "HeldSigningPrepared",
    {
        "signing_id": serializers.CharField(),
        "to_be_signed": serializers.CharField(help_text="base64 DER of the CMS signed attributes"),
        "algorithm": serializers.CharField(),
        "certificate": serializers.CharField(help_text="base64 DER"),
        "expires_at": serializers.DateTimeField(),
    },
)


class PrepareSignView(APIView):
    @extend_schema(request=PrepareRequest, responses={200: PREPARED})
    def post(self, request, pk: int):
        """Check the turn and the SMS code, certify the public key, and return the bytes the
        signer's device signs (ECDSA P-256 with SHA-256)."""
        dispute = visible_dispute(request, pk)
        body = PrepareRequest(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        prepared = held.prepare(
            dispute,
            request.user,
            code=data["code"],
            public_key=data["public_key"],
            version=data.get("version"),
            party=data.get("party"),
        )
        return Response(
            {
                "signing_id": prepared.pending.pk,
                "to_be_signed": base64.b64encode(prepared.to_be_signed).decode(),
                "algorithm": held.ALGORITHM,
                "certificate": base64.b64encode(prepared.certificate).decode(),
                "expires_at": prepared.pending.expires_at,
            }
        )
