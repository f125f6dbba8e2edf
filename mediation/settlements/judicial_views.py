"""Judicial confirmation on the dispute page: start, ask for a code, sign, record the court's answer.

Each view is the page counterpart of an endpoint under /api/v1/disputes/{id}/judicial/ and
calls the same service in mediation.settlements.judicial.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.services import give_id_number
from core.errors import ServiceError
from disputes.api import visible_dispute
from disputes.models import Dispute

from . import judicial
from .views import send_code_with_message


def _back(dispute: Dispute):
    return redirect(dispute.get_absolute_url() + "#judicial")


@require_POST
@login_required
def start(request, pk: int):
    dispute = visible_dispute(request, pk)
    try:
        judicial.start(dispute, request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("The application was started. Sign it now; the other party signs after you.")
        )
    return _back(dispute)


@require_POST
@login_required
def send_sign_code(request, pk: int):
    dispute = visible_dispute(request, pk)
    send_code_with_message(request, dispute, judicial.send_sign_code)
    return _back(dispute)


@require_POST
@login_required
def sign(request, pk: int):
    dispute = visible_dispute(request, pk)
    code = request.POST.get("code", "").strip()
    if request.POST.get("agree") != "on":
        messages.error(request, _("You must agree to the application to sign it."))
    elif not (len(code) == 6 and code.isdigit()):
        messages.error(request, _("Enter the 6-digit code sent to your phone."))
    else:
        try:
            if judicial.may_sign(dispute, request.user):
                give_id_number(request.user, request.POST.get("id_number", ""))
            judicial.sign(dispute, request.user, code=code)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("You signed the application for judicial confirmation."))
    return _back(dispute)


@require_POST
@login_required
def record_outcome(request, pk: int):
    dispute = visible_dispute(request, pk)
    confirmed = request.POST.get("confirmed")
    if confirmed not in ("yes", "no"):
        messages.error(request, _("Choose whether the court confirmed the agreement."))
        return _back(dispute)
    try:
        judicial.record_outcome(
            dispute, request.user, confirmed=confirmed == "yes", note=request.POST.get("note", "")[:2000]
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The court's answer was recorded."))
    return _back(dispute)
