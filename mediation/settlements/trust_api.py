"""Revoking a signer certificate over HTTP (docs/features/trust-services.md): superusers only,
for an account found compromised. 401 anonymous, 403 anyone else, 404 unknown serial, 409
already revoked, 400 a reason not in the list."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import ServiceError

from . import revocation, trust

SERIAL = re.compile(r"[0-9a-fA-F]{1,64}")


def certificate_data(row) -> dict:
    return {
        "serial": row.serial,
        "kind": row.kind,
        "subject": row.subject,
        "not_before": row.not_before,
        "not_after": row.not_after,
        "revoked_at": row.revoked_at,
        "revocation_reason": row.revocation_reason or None,
    }


class CertificateRevokeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=inline_serializer(
            "CertificateRevoke", {"reason": serializers.ChoiceField(choices=list(trust.CRL_REASONS))}
        ),
        responses={200: dict},
    )
    def post(self, request, serial: str):
        from ..models import IssuedCertificate

        if not request.user.is_superuser:
            raise ServiceError(_("You may not do this."), code="permission_denied", status=403)
        row = (
            IssuedCertificate.objects.filter(serial=serial.lower()).first()
            if SERIAL.fullmatch(serial)
            else None
        )
        if row is None:
            raise ServiceError(_("Not found."), code="not_found", status=404)
        reason = request.data.get("reason") if hasattr(request.data, "get") else None
        row = revocation.revoke(
            row, by=request.user, reason=str(reason or ""), ip=request.META.get("REMOTE_ADDR")
        )
        return Response(certificate_data(row))
