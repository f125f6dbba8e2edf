"""The home visit on the dispute page (docs/features/sla.md)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ServiceError
from disputes.views import report, visible

from .forms import HomeVisitForm
from .home_visit import record_home_visit as record


@require_POST
@login_required
def record_home_visit(request, pk: int):
    dispute = visible(request, pk)
    form = HomeVisitForm(request.POST)
    if not form.is_valid():
        report(request, form.errors, form.fields)
        return redirect(dispute)
    try:
        record(dispute.pk, by=request.user, note=form.cleaned_data["note"])
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The home visit is recorded."))
    return redirect(dispute)
