"""The cockpit page: a thin view over disputes.reports.cockpit."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

from core.errors import ServiceError

from . import scope
from .cockpit import cockpit_context, cockpit_filters


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
