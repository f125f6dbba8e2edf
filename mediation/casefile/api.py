"""The case file and the referral letter over HTTP (docs/api.md: `GET …/dossier/`)."""

from __future__ import annotations

import hashlib

from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema

from accounts.audit import record_request
from core.errors import ServiceError
from core.models import AuditEntry
from disputes import casework

from ..permissions import DisputeView, signed_in_and
from . import downloads, rendering
from .permissions import ReadsCaseFile


def _pdf(document: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _answer(request, document: str, dispute, filename: str):
    """The file when it is ready; 202 while it renders; 503 once a render hit a limit. Both carry
    Retry-After and a Refresh header, so a browser that followed the page's link asks again."""
    status, data = downloads.download(document, dispute, request.user)
    if status == "ready":
        record_request(request, AuditEntry.Action.DOWNLOAD, dispute=dispute, target=document,
                       data={"document": document, "sha256": hashlib.sha256(data).hexdigest()})  # fmt: skip
        return _pdf(data, filename)
    if status == "pending":
        body = {
            "code": "rendering",
            "detail": _("The document is being prepared. Try again in a few seconds."),
        }
        response = JsonResponse(body, status=202)
    else:
        body = {
            "code": "render_failed",
            "detail": _("The document could not be prepared in time. Try again later."),
            "reason": data.decode(),
        }
        response = JsonResponse(body, status=503, json_dumps_params={"ensure_ascii": False})
    response["Retry-After"] = str(rendering.RETRY_AFTER)
    response["Refresh"] = str(rendering.RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


# 404 if the caller cannot see the dispute, 403 if they see it but may not read its file.
class DossierView(DisputeView):
    permission_classes = signed_in_and(ReadsCaseFile)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY, 202: None, 503: None})
    def get(self, request, pk: int):
        """The case file PDF; every page names the reader, every download is on the timeline.
        202 with Retry-After while it renders (ask again), 503 with Retry-After if it failed."""
        dispute = self.dispute(request, pk)
        return _answer(request, "dossier", dispute, f"{dispute.reference}-dossier.pdf")


class ReferralLetterView(DisputeView):
    permission_classes = signed_in_and(ReadsCaseFile)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY, 202: None, 503: None})
    def get(self, request, pk: int):
        """The referral letter with the case file appended; 404 if the dispute was not referred;
        202 or 503 with Retry-After as for the case file."""
        dispute = self.dispute(request, pk)
        if casework.referral(dispute) is None:
            raise ServiceError(_("This dispute was not referred."), code="not_found", status=404)
        return _answer(request, "referral_letter", dispute, f"{dispute.reference}-referral.pdf")
