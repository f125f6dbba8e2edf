"""The dispute page's forms for parties, agents and guardians: the grid worker adds a party,
an agent or a guardian, and approves or rejects an authorisation (disputes.parties.intake).
Each posts, then returns to the dispute page with the outcome as a message."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ServiceError
from disputes import services
from disputes.models import Representative
from disputes.views import report, visible

from . import intake
from .forms import AddPartyForm, CheckForm, RepresentativeForm


@require_POST
@login_required
def add_party(request, pk: int):
    dispute = visible(request, pk)
    form = AddPartyForm(request.POST)
    if not form.is_valid():
        report(request, form.errors, form.fields)
        return redirect(f"{dispute.get_absolute_url()}#parties")
    try:
        party = intake.add_party(dispute, by=request.user, **form.cleaned_data)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(name)s was added as a party.") % {"name": party.name})
    return redirect(f"{dispute.get_absolute_url()}#parties")


@require_POST
@login_required
def add_representative(request, pk: int):
    dispute = visible(request, pk)
    back = f"{dispute.get_absolute_url()}#parties"
    try:
        too_large = services.upload_too_large(request)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    if too_large:
        messages.error(request, _("The file is larger than 20 MB."))
        return redirect(back)
    form = RepresentativeForm(request.POST, request.FILES, parties=dispute.parties.all())
    if not form.is_valid():
        report(request, form.errors, form.fields)
        return redirect(back)
    data = dict(form.cleaned_data)
    party = get_object_or_404(dispute.parties, pk=data.pop("party"))
    upload = data.pop("file")
    try:
        if upload.size > settings.EVIDENCE_MAX_BYTES:
            raise ServiceError(_("The file is larger than 20 MB."), code="too_large", status=413)
        rep = intake.add_representative(
            party,
            by=request.user,
            authorisation=upload.read(),
            filename=upload.name or "authorisation",
            **data,
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("%(name)s was recorded; the authorisation waits for a check.") % {"name": rep.name}
        )
    return redirect(back)


@require_POST
@login_required
def check_representative(request, pk: int, rep_id: int):
    dispute = visible(request, pk)
    rep = get_object_or_404(Representative.objects.select_related("party__dispute__grid"), pk=rep_id,
                            party__dispute=dispute)  # fmt: skip
    form = CheckForm(request.POST)
    back = f"{dispute.get_absolute_url()}#parties"
    if not form.is_valid():
        report(request, form.errors, form.fields)
        return redirect(back)
    try:
        rep = intake.check_representative(rep, by=request.user, **form.cleaned_data)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        done = (
            _("The authorisation of %(name)s was approved.")
            if form.cleaned_data["approve"]
            else _("The authorisation of %(name)s was rejected.")
        )
        messages.success(request, done % {"name": rep.name})
    return redirect(back)


@require_POST
@login_required
def revoke_representative(request, pk: int, rep_id: int):
    dispute = visible(request, pk)
    rep = get_object_or_404(Representative.objects.select_related("party__dispute__grid"), pk=rep_id,
                            party__dispute=dispute)  # fmt: skip
    try:
        rep = intake.revoke_representative(rep, by=request.user, note=request.POST.get("note", "")[:500])
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The authorisation of %(name)s was revoked.") % {"name": rep.name})
    return redirect(f"{dispute.get_absolute_url()}#parties")
