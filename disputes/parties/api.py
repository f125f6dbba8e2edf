"""Parties API (docs/api.md, "Parties"): list and add parties, add agents and guardians with
their authorisation, check an authorisation, download it. Visibility as every dispute route
(404), then the intake rules (403, 409; disputes.parties.rules)."""

from __future__ import annotations

import filetype
from django.conf import settings
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import PhoneField
from accounts.audit import record_request
from core.api import PayloadTooLarge
from core.errors import ServiceError
from core.models import AuditEntry
from disputes import services as dispute_services
from disputes.api import visible_dispute
from disputes.models import Dispute, DisputeParty, Representative, Side
from disputes.serializers import PartyInput, QuietChoiceField

from . import intake
from .serializers import PartySerializer, RepresentativeSerializer


class AddPartyInput(PartyInput):
    side = QuietChoiceField(choices=Side.choices)


class RepresentativeInput(serializers.Serializer):
    kind = QuietChoiceField(choices=Representative.Kind.choices)
    relation = QuietChoiceField(choices=Representative.Relation.choices)
    name = serializers.CharField(max_length=100)
    phone = PhoneField(max_length=20)
    may_answer = serializers.BooleanField(required=False, default=True)
    may_chat = serializers.BooleanField(required=False, default=True)
    may_sign = serializers.BooleanField(required=False, default=True)
    file = serializers.FileField(
        allow_empty_file=False,
        error_messages={"required": _("Attach the power of attorney or proof of guardianship.")},
    )


class CheckInput(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


def _parties_body(request, dispute: Dispute) -> list[dict]:
    parties = DisputeParty.objects.filter(dispute=dispute).prefetch_related("representatives")
    return PartySerializer(parties, many=True, context={"request": request, "dispute": dispute}).data


class PartyListView(APIView):
    @extend_schema(responses={200: PartySerializer(many=True)})
    def get(self, request, pk: int):
        dispute = visible_dispute(request, pk)
        return Response(_parties_body(request, dispute))

    @extend_schema(request=AddPartyInput, responses={201: PartySerializer})
    def post(self, request, pk: int):
        dispute = visible_dispute(request, pk)
        if not intake.rules.may_manage(dispute, request.user):
            raise intake._denied()
        data = AddPartyInput(data=request.data)
        data.is_valid(raise_exception=True)
        party = intake.add_party(dispute, by=request.user, **data.validated_data)
        body = PartySerializer(party, context={"request": request, "dispute": dispute}).data
        return Response(body, status=status.HTTP_201_CREATED)


class RepresentativeListView(APIView):
    @extend_schema(
        request={"multipart/form-data": RepresentativeInput}, responses={201: RepresentativeSerializer}
    )
    def post(self, request, pk: int, party_id: int):
        if dispute_services.upload_too_large(request):
            raise PayloadTooLarge()
        dispute = visible_dispute(request, pk)
        party = get_object_or_404(dispute.parties.select_related("dispute__grid"), pk=party_id)
        if not intake.rules.may_add_representative(party, request.user):
            raise intake._denied()
        data = RepresentativeInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        upload = fields.pop("file")
        if upload.size > settings.EVIDENCE_MAX_BYTES:
            raise ServiceError(
                _("The file is larger than 20 MB."), code="too_large", status=413, field="file"
            )
        upload.seek(0)
        rep = intake.add_representative(
            party,
            by=request.user,
            authorisation=upload.read(),
            filename=upload.name or "authorisation",
            **fields,
        )
        body = RepresentativeSerializer(rep, context={"request": request, "dispute": dispute}).data
        return Response(body, status=status.HTTP_201_CREATED)


def _representative(dispute: Dispute, rep_id: int) -> Representative:
    return get_object_or_404(
        Representative.objects.select_related("party__dispute__grid"), pk=rep_id, party__dispute=dispute
    )


class CheckView(APIView):
    @extend_schema(request=CheckInput, responses={200: RepresentativeSerializer})
    def post(self, request, pk: int, rep_id: int):
        dispute = visible_dispute(request, pk)
        rep = _representative(dispute, rep_id)
        if not intake.rules.may_manage(dispute, request.user):
            raise intake._denied()
        data = CheckInput(data=request.data)
        data.is_valid(raise_exception=True)
        rep = intake.check_representative(rep, by=request.user, **data.validated_data)
        return Response(RepresentativeSerializer(rep, context={"request": request, "dispute": dispute}).data)


class RevokeInput(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class RevokeView(APIView):
    """The grid worker, or the party itself, ends an agent's or guardian's authorisation."""

    @extend_schema(request=RevokeInput, responses={200: RepresentativeSerializer})
    def post(self, request, pk: int, rep_id: int):
        dispute = visible_dispute(request, pk)
        rep = _representative(dispute, rep_id)
        data = RevokeInput(data=request.data)
        data.is_valid(raise_exception=True)
        rep = intake.revoke_representative(rep, by=request.user, **data.validated_data)
        return Response(RepresentativeSerializer(rep, context={"request": request, "dispute": dispute}).data)


class AuthorisationDownloadView(APIView):
    """The power of attorney or proof of guardianship: for whoever may see the dispute, as evidence."""

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, pk: int, rep_id: int):
        dispute = visible_dispute(request, pk)
        rep = _representative(dispute, rep_id)
        if not rep.authorisation:
            raise ServiceError(_("Not found."), code="not_found", status=404)
        handle = rep.authorisation.open("rb")
        kind = filetype.guess(handle.read(8192))
        handle.seek(0)
        response = FileResponse(handle, content_type=kind.mime if kind else "application/octet-stream")
        record_request(request, AuditEntry.Action.DOWNLOAD, dispute=dispute, target=f"authorisation:{rep.pk}",
                       data={"document": "authorisation", "representative_id": rep.pk,
                             "sha256": rep.authorisation_sha256})  # fmt: skip
        response["Content-Disposition"] = dispute_services.attachment_header(rep.authorisation_filename)
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "sandbox; default-src 'none'"
        return response
