"""Settlement agreements over HTTP (docs/api.md, docs/features/settlements.md): the current
version, signing codes, the PDF, and public verification of a signed file."""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from accounts.audit import record_request
from accounts.phones import mask_phone
from core.api import PayloadTooLarge
from core.errors import ServiceError
from core.models import AuditEntry
from disputes.api import visible_dispute

from ..models import JudicialApplication, Settlement, SettlementSignature
from . import agreements

VERIFY_MAX_BYTES = 20 * 1024 * 1024


def settlement_data(settlement: Settlement) -> dict:
    return {
        "version": settlement.version,
        "terms": settlement.terms,
        "amount": str(settlement.amount) if settlement.amount is not None else None,
        "performance_method": settlement.performance_method,
        "performance_deadline": settlement.performance_deadline,
        "created_at": settlement.created_at,
        "ended": settlement.end_reason or None,
        "signatures": [
            {
                "role": s.role,
                "signer": s.signer_name,
                "signed_at": s.signed_at,
                "certificate_serial": s.certificate_serial,
                "party": s.party_id,
                "capacity": s.capacity or None,
            }
            for s in settlement.signatures.all()
        ],
        "awaiting": agreements.roles_to_sign(settlement),
        "awaiting_parties": [p.pk for p in agreements.parties_to_sign(settlement)],
        "sealed_at": settlement.sealed_at,
        "verification_code": settlement.verification_code,
        "sha256": settlement.sha256 or None,
        "pdf": f"/api/v1/disputes/{settlement.dispute_id}/settlement/pdf/",
        "judicial": judicial_summary(settlement),
    }


def judicial_summary(settlement: Settlement) -> dict | None:
    """The judicial confirmation status on the settlement record (details at .../judicial/)."""
    application = JudicialApplication.objects.filter(settlement=settlement).first()
    if application is None:
        return None
    return {"status": application.status, "url": f"/api/v1/disputes/{settlement.dispute_id}/judicial/"}


class SettlementView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request, pk: int):
        """The latest settlement version of a dispute the caller may see."""
        dispute = visible_dispute(request, pk)
        settlement = agreements.latest(dispute)
        if settlement is None:
            raise ServiceError(_("No settlement has been proposed."), code="not_found", status=404)
        return Response(settlement_data(settlement))


def party_from(request) -> int | None:
    """The optional `party` id of a sign-code request, for who signs for several parties."""
    party = request.data.get("party") if hasattr(request.data, "get") else None
    if party in (None, ""):
        return None
    try:
        party = int(party)
    except (TypeError, ValueError):
        party = 0
    if party < 1:
        raise ServiceError(_("Choose a party."), code="invalid", field="party")
    return party


class SignCodeView(APIView):
    @extend_schema(
        request=inline_serializer(
            "SignCodeRequest", {"party": serializers.IntegerField(required=False, min_value=1)}
        ),
        responses={200: inline_serializer("SignCodeSent", {"sent_to": serializers.CharField()})},
    )
    def post(self, request, pk: int):
        """Send a signing code by SMS to the caller, if it is the caller's turn to sign."""
        dispute = visible_dispute(request, pk)
        party = party_from(request)
        with transaction.atomic():
            agreements.send_sign_code(dispute, request.user, party)
        return Response({"sent_to": mask_phone(request.user.phone)})


class SettlementPdfView(APIView):
    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        """The draft (watermarked) until the seal, then the signed agreement as stored."""
        from . import pdf

        dispute = visible_dispute(request, pk)
        settlement = agreements.latest(dispute)
        if settlement is None:
            raise ServiceError(_("No settlement has been proposed."), code="not_found", status=404)
        if settlement.sealed_at and settlement.pdf:
            with settlement.pdf.open("rb") as f:
                content = f.read()
            filename = f"{dispute.reference}-v{settlement.version}.pdf"
        else:
            content = pdf.settlement_pdf(settlement, draft=True)
            filename = f"{dispute.reference}-v{settlement.version}-draft.pdf"
        record_request(
            request, AuditEntry.Action.DOWNLOAD, dispute=dispute, target=f"settlement:{settlement.pk}",
            data={"document": "settlement", "version": settlement.version, "sealed": bool(settlement.sealed_at),
                  "sha256": hashlib.sha256(content).hexdigest()},
        )  # fmt: skip
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response


class VerifyThrottle(AnonRateThrottle):
    scope = "verify"
    rate = "60/min"


class VerifyView(APIView):
    """Anyone may check a PDF: are the signatures intact, was anything added after the seal,
    and is it the file on record? Answers 200 for every PDF, signed or not."""

    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [MultiPartParser]
    throttle_classes = [VerifyThrottle]

    @extend_schema(
        request={"multipart/form-data": inline_serializer("VerifyUpload", {"file": serializers.FileField()})},
        responses={200: dict},
    )
    def post(self, request):
        from . import signing

        if int(request.META.get("CONTENT_LENGTH") or 0) > VERIFY_MAX_BYTES + 64 * 1024:
            raise PayloadTooLarge()
        upload = request.FILES.get("file")
        if upload is None:
            raise ServiceError(_("Choose a PDF file."), code="invalid", field="file")
        if upload.size > VERIFY_MAX_BYTES:
            raise PayloadTooLarge()
        content = upload.read()
        if b"%PDF-" not in content[:1024]:
            raise ServiceError(
                _("Only PDF files can be verified."), code="unsupported_type", status=415, field="file"
            )
        try:
            result = signing.verify(content)
        except Exception as exc:  # unreadable structure: not a PDF we can answer for
            raise ServiceError(
                _("This file could not be read as a PDF."), code="unsupported_type", status=415, field="file"
            ) from exc
        return Response(verification_answer(content, result))


def verification_answer(content: bytes, result: dict) -> dict:
    """The public answer: only names as certified, roles, times; the code if the file is ours."""
    digest = hashlib.sha256(content).hexdigest()
    record = Settlement.objects.filter(sha256=digest, sealed_at__isnull=False).first()
    serials = [s["serial"] for s in result["signatures"] if s["serial"] and s["intact"]]
    known = {
        s.certificate_serial: s for s in SettlementSignature.objects.filter(certificate_serial__in=serials)
    } if serials else {}  # fmt: skip
    if record is None and known:
        record = next(iter(known.values())).settlement
    return {
        "valid": result["valid"],
        "verification_code": record.verification_code if record and record.sealed_at else None,
        "signatures": [
            {
                "signer": s["signer"],
                "role": known[s["serial"]].role if s["serial"] in known else None,
                "signed_at": s["signed_at"],
                "intact": s["intact"],
                "certificate_kind": s.get("certificate_kind") or None,
                "revoked_at": s.get("revoked_at"),
            }
            for s in result["signatures"]
        ],
        "modified_after_seal": result["modified_after_seal"],
        "matches_record": bool(record and record.sha256 == digest),
    }
