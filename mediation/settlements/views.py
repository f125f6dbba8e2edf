"""Settlement pages: public verification (GET /verify/{code}/) and asking for a signing code."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.phones import mask_name, mask_phone
from core.errors import ServiceError
from disputes.api import visible_dispute

from ..models import Settlement
from . import agreements, revocation

# The form of a verification code (mediation.models.new_verification_code: URL-safe base64).
CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")


def verify_page(request, code: str):
    """Confirms that a sealed settlement with this code exists: masked names, date, SHA-256."""
    if not CODE.fullmatch(code):  # a NUL is a server error on PostgreSQL (docs/security.md)
        raise Http404
    settlement = (
        Settlement.objects.select_related("dispute")
        .filter(verification_code=code, sealed_at__isnull=False)
        .first()
    )
    if settlement is None:
        raise Http404
    dispute = settlement.dispute
    return render(
        request,
        "mediation/settlements/verify.html",
        {
            "claimant": mask_name(dispute.claimant_name),
            "respondent": mask_name(dispute.respondent_name),
            "sealed_on": timezone.localtime(settlement.sealed_at).date(),
            "sha256": settlement.sha256,
            "code": settlement.verification_code,
            "signatures": revocation.signature_rows(settlement),
            "pki_base_url": settings.PKI_BASE_URL,
        },
    )


@require_POST
@login_required
def send_sign_code(request, pk: int):
    """The page counterpart of POST /api/v1/disputes/{id}/settlement/sign-code/."""
    dispute = visible_dispute(request, pk)
    send_code_with_message(request, dispute, agreements.send_sign_code)
    return redirect(dispute)


def send_code_with_message(request, dispute, send) -> None:
    """Send the caller a signing code with `send(dispute, user)`; the outcome as a page message."""
    try:
        with transaction.atomic():
            send(dispute, request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("A signing code was sent to %(phone)s.") % {"phone": mask_phone(request.user.phone)}
        )
