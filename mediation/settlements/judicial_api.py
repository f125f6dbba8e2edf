"""Judicial confirmation over HTTP: status, start, signing code, signing, the PDF, the court's answer.

Errors follow docs/api.md: 404 for a dispute the caller cannot see, 403 for someone who may
never do this, 409 for the wrong moment, 400 for a bad payload.
"""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.audit import record_request
from accounts.phones import mask_phone
from accounts.services import give_id_number
from core.errors import ServiceError
from core.models import AuditEntry
from disputes.api import visible_dispute
from disputes.models import Dispute

from ..models import JudicialApplication
from . import judicial
from .agreements import read_file
from .api import party_from


def status_data(dispute: Dispute, user) -> dict:
    """What the case record shows about judicial confirmation, and what this caller may do now."""
    now = timezone.now()
    settlement = judicial.sealed_settlement(dispute)
    application = judicial.application_for(dispute)
    data = {
        "status": application.status if application else None,
        "window_closes_at": settlement.sealed_at + judicial.window() if settlement else None,
        "may_start": judicial.may_start(dispute, user, now),
        "may_sign": bool(application) and judicial.may_sign(dispute, user, now),
        "may_record_outcome": bool(application)
        and application.status == JudicialApplication.Status.READY
        and judicial.may_record_outcome(dispute, user),
    }
    if application is None:
        return data
    return data | {
        "settlement_version": application.settlement.version,
        "initiator_role": application.initiator_role,
        "created_at": application.created_at,
        "signatures": [
            {
                "role": s.role,
                "signer": s.signer_name,
                "signed_at": s.signed_at,
                "certificate_serial": s.certificate_serial,
                "party": s.party_id,
                "capacity": s.capacity or None,
            }
            for s in application.signatures.all()
        ],  # fmt: skip
        "awaiting": judicial.awaiting_roles(application),
        "ready_at": application.ready_at,
        "sha256": application.sha256 or None,
        "expired_at": application.expired_at,
        "outcome": None
        if application.outcome_at is None
        else {
            "confirmed": application.status == JudicialApplication.Status.CONFIRMED,
            "note": application.outcome_note,
            "recorded_at": application.outcome_at,
        },
        "pdf": f"/api/v1/disputes/{dispute.pk}/judicial/pdf/",
    }


class JudicialView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request, pk: int):
        """The judicial confirmation status of a dispute the caller may see."""
        dispute = visible_dispute(request, pk)
        return Response(status_data(dispute, request.user))

    @extend_schema(request=None, responses={201: dict})
    def post(self, request, pk: int):
        """A party starts the joint application (then signs it through sign-code/ and sign/)."""
        dispute = visible_dispute(request, pk)
        judicial.start(dispute, request.user)
        return Response(status_data(dispute, request.user), status=201)


class JudicialSignCodeView(APIView):
    @extend_schema(
        request=inline_serializer(
            "JudicialSignCodeRequest", {"party": serializers.IntegerField(required=False, min_value=1)}
        ),
        responses={200: inline_serializer("JudicialCodeSent", {"sent_to": serializers.CharField()})},
    )
    def post(self, request, pk: int):
        """A signing code by SMS, good for this application only, if it is the caller's turn."""
        dispute = visible_dispute(request, pk)
        with transaction.atomic():
            judicial.send_sign_code(dispute, request.user, party=party_from(request))
        return Response({"sent_to": mask_phone(request.user.phone)})


class JudicialSign(serializers.Serializer):
    agree = serializers.BooleanField(
        label=gettext_lazy("I have read the application and sign it of my own free will")
    )
    code = serializers.RegexField(r"^\d{6}$", label=gettext_lazy("Signing code sent by SMS"))
    # Who signs for several parties names the one this signature is for.
    party = serializers.IntegerField(required=False, min_value=1)
    # Asked here and nowhere before (docs/personal-data-rights.md): kept on the account if it
    # has none; the first signature renders the application with the numbers known then.
    id_number = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=30,
        label=gettext_lazy("Your ID number (optional)"),
        help_text=gettext_lazy(
            "The court checks the applicants' identity: give it here, or show your ID card at the court."
        ),
    )

    def validate_agree(self, value):
        if value is not True:
            raise serializers.ValidationError(_("You must agree to the application to sign it."))
        return value


class JudicialSignView(APIView):
    @extend_schema(request=JudicialSign, responses={200: dict})
    def post(self, request, pk: int):
        """Sign the application: the starter first, then the other party."""
        dispute = visible_dispute(request, pk)
        payload = JudicialSign(data=request.data)
        payload.is_valid(raise_exception=True)
        party = payload.validated_data.get("party")
        if judicial.may_sign(dispute, request.user, party=party):
            give_id_number(request.user, payload.validated_data.get("id_number", ""))
        judicial.sign(dispute, request.user, code=payload.validated_data["code"], party=party)
        return Response(status_data(dispute, request.user))


class JudicialOutcome(serializers.Serializer):
    confirmed = serializers.BooleanField(label=gettext_lazy("The court confirmed the agreement"))
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, label=gettext_lazy("Note (ruling number, reasons)")
    )


class JudicialOutcomeView(APIView):
    @extend_schema(request=JudicialOutcome, responses={200: dict})
    def post(self, request, pk: int):
        """Staff (grid worker of the grid, case handler) record the court's answer."""
        dispute = visible_dispute(request, pk)
        payload = JudicialOutcome(data=request.data)
        payload.is_valid(raise_exception=True)
        judicial.record_outcome(
            dispute, request.user, confirmed=payload.validated_data["confirmed"],
            note=payload.validated_data.get("note", ""),
        )  # fmt: skip
        return Response(status_data(dispute, request.user))


class JudicialPdfView(APIView):
    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        """The application as signed so far (unsigned before the first signature)."""
        from . import pdf

        dispute = visible_dispute(request, pk)
        application = judicial.application_for(dispute)
        if application is None:
            raise ServiceError(
                _("No application for judicial confirmation has been started."), code="not_found", status=404
            )
        content = read_file(application.pdf) if application.pdf else pdf.judicial_pdf(application)
        suffix = "" if application.ready_at else "-unsigned" if not application.pdf else "-partial"
        record_request(
            request, AuditEntry.Action.DOWNLOAD, dispute=dispute, target=f"judicial:{application.pk}",
            data={"document": "judicial", "sha256": hashlib.sha256(content).hexdigest()},
        )  # fmt: skip
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{dispute.reference}-judicial{suffix}.pdf"'
        response["X-Content-Type-Options"] = "nosniff"
        return response
