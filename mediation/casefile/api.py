"""The case file and the referral letter over HTTP (docs/api.md: `GET …/dossier/`)."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema

from core.errors import ServiceError

from ..permissions import DisputeView, signed_in_and
from . import dossier
from .permissions import ReadsCaseFile


def _pdf(document: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


# 404 if the caller cannot see the dispute, 403 if they see it but may not read its file.
class DossierView(DisputeView):
    permission_classes = signed_in_and(ReadsCaseFile)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        """The case file PDF; every page names the reader, every download is on the timeline."""
        dispute = self.dispute(request, pk)
        return _pdf(dossier.download_dossier(dispute, request.user), f"{dispute.reference}-dossier.pdf")


class ReferralLetterView(DisputeView):
    permission_classes = signed_in_and(ReadsCaseFile)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        """The referral letter with the case file appended; 404 if the dispute was not referred."""
        dispute = self.dispute(request, pk)
        document = dossier.download_referral_letter(dispute, request.user)
        if document is None:
            raise ServiceError(_("This dispute was not referred."), code="not_found", status=404)
        return _pdf(document, f"{dispute.reference}-referral.pdf")
