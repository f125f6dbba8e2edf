"""Pages for the mediator pool: recusal requests and decisions, a mediator's caseload."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework import serializers

from core.errors import ServiceError
from disputes.api import visible_dispute
from disputes.models import Dispute

from ..models import MediatorProfile
from . import recusal, services
from .api import AvailabilityInput, DecisionInput, RecusalInput
from .ranking import OPEN_STATES


def _run(request, validator: serializers.Serializer, action) -> None:
    """Validate a form post with the API's serializer, run the action, report as a message."""
    if not validator.is_valid():
        for problems in validator.errors.values():
            messages.error(request, " ".join(str(p) for p in problems))
        return
    try:
        action(validator.validated_data)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Saved."))


@require_POST
@login_required
def request_recusal(request, pk: int):
    dispute = visible_dispute(request, pk)
    _run(request, RecusalInput(data=request.POST),
         lambda data: recusal.request_recusal(dispute, by=request.user, reason=data["reason"]))  # fmt: skip
    return redirect(dispute)


@require_POST
@login_required
def decide_recusal(request, pk: int, recusal_id: int):
    dispute = visible_dispute(request, pk)
    asked = get_object_or_404(dispute.recusals, pk=recusal_id)
    _run(request, DecisionInput(data=request.POST),
         lambda data: recusal.decide_recusal(asked.pk, by=request.user, **data))  # fmt: skip
    return redirect(dispute)


@login_required
def caseload(request):
    """A mediator's pending acceptances, open cases and leave."""
    profile = get_object_or_404(MediatorProfile, user=request.user)
    if request.method == "POST":
        _run(request, AvailabilityInput(data={k: request.POST.get(k) or None for k in ("on_leave_from", "on_leave_until")}),
             lambda data: services.set_availability(profile, **data))  # fmt: skip
        return redirect("mediation-pool:caseload")
    mine = Dispute.objects.filter(mediator=request.user, state__in=OPEN_STATES).select_related(
        "category", "grid"
    )
    # One page each: a caseload is bounded by max_caseload.
    pending = Paginator(mine.filter(state=Dispute.State.MEDIATOR_ASSIGNED).order_by("due_at"), 100).get_page(
        1
    )
    open_cases = Paginator(
        mine.exclude(state=Dispute.State.MEDIATOR_ASSIGNED).order_by("due_at"), 100
    ).get_page(1)
    return render(request, "mediation/pool/caseload.html", {
        "profile": profile,
        "pending": pending,
        "open_cases": open_cases,
        "open_count": len(pending.object_list) + len(open_cases.object_list),
    })  # fmt: skip
