"""The cockpit page and the risk alert page: thin views over disputes.reports.cockpit and
disputes.reports.alerts."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.errors import ServiceError
from disputes import selectors

from . import alerts, scope
from .cockpit import cockpit_context, cockpit_filters, scope_filters


@login_required
def cockpit(request):
    if not scope.may_view(request.user):
        raise PermissionDenied
    try:
        form, filters = cockpit_filters(request.user, request.GET)
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404 from exc
        raise PermissionDenied from exc
    return render(request, "disputes/cockpit/cockpit.html", cockpit_context(form, filters))


def _alert_in_scope(request, pk: int):
    """The alert if it involves a dispute in the viewer's area: 403 for non-viewers, 404 otherwise."""
    if not scope.may_view(request.user):
        raise PermissionDenied
    filters = scope_filters(request.user, None, None, None, None)
    alert = (
        alerts.in_scope(filters)
        .select_related("region", "grid", "category", "acknowledged_by")
        .filter(pk=pk)
        .first()
    )
    if alert is None:
        raise Http404
    return alert


@login_required
@require_GET
def risk_alert(request, pk: int):
    alert = _alert_in_scope(request, pk)
    disputes = (
        selectors.dispute_list(request.user)
        .filter(pk__in=alert.disputes.values("pk"))
        .order_by("created_at", "pk")
    )
    return render(request, "disputes/cockpit/alert.html", {"alert": alert, "disputes": list(disputes)})


@login_required
@require_POST
def acknowledge_alert(request, pk: int):
    alerts.acknowledge(_alert_in_scope(request, pk), request.user)
    return redirect("risk-alert", pk=pk)
