"""The related disputes panel of the dispute page and its "link as related" form
(disputes.related; docs/features/intake.md). "Mark as duplicate" posts to the `reject`
transition's page view with `duplicate_of`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ServiceError

from . import related
from .models import Dispute


def panel(request, dispute: Dispute) -> dict | None:
    """The panel's context for staff in charge of the dispute; None for everyone else."""
    if not related.may_see(dispute, request.user):
        return None
    may_link = related.may_link(dispute, request.user)
    return {
        "items": related.related_to(dispute, request.user),
        "may_link": may_link and not dispute.is_terminal,
        "may_mark_duplicate": may_link and dispute.state == Dispute.State.FILED,
    }


@require_POST
@login_required
def link(request, pk: int):
    dispute = get_object_or_404(Dispute.objects.visible_to(request.user).select_related("grid"), pk=pk)
    other = request.POST.get("dispute", "")
    try:
        related.check_link(dispute, request.user)
        if not other.isdigit() or len(other) > 18:
            raise ServiceError(_("Choose a dispute to link."), code="invalid", field="dispute")
        related.link(dispute, int(other), by=request.user)
    except ServiceError as exc:
        if exc.status == 403:
            raise PermissionDenied from exc
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The disputes are linked."))
    return redirect(dispute)
