"""The case file and the referral letter over HTTP (DESIGN §3: `GET …/dossier/`)."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.views import APIView

from core.errors import ServiceError
from disputes import casework
from disputes.api import visible_dispute

from . import dossier


def _readable(request, pk: int):
    """404 if the caller cannot see the dispute, 403 if they see it but may not read its file."""
    dispute = visible_dispute(request, pk)
    if not casework.may_read_case_file(dispute, request.user):
        raise ServiceError(
            _("Only case handlers and grid workers can download the case file."),
            code="permission_denied",
            status=403,
        )
    return dispute


def _pdf(document: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


class DossierView(APIView):
    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        """The case file PDF; every page names the reader, every download is on the timeline."""
        dispute = _readable(request, pk)
        return _pdf(dossier.download_dossier(dispute, request.user), f"{dispute.reference}-dossier.pdf")


class ReferralLetterView(APIView):
    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        """The referral letter with the case file appended; 404 if the dispute was not referred."""
        dispute = _readable(request, pk)
        document = dossier.download_referral_letter(dispute, request.user)
        if document is None:
            raise ServiceError(_("This dispute was not referred."), code="not_found", status=404)
        return _pdf(document, f"{dispute.reference}-referral.pdf")
