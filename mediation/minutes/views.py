"""The minutes page (/sessions/{id}/minutes/) and its no-JS forms; the session page of the
scheduling feature includes the same panel (templates/mediation/sessions/_minutes.html)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.phones import mask_phone
from core.errors import ServiceError

from . import access, panel, records


def _session(request, session_id: int):
    try:
        return access.visible_session(request.user, session_id)
    except ServiceError as exc:
        raise Http404 from exc


def _back(request, session_id: int):
    target = request.POST.get("next", "")
    if target != f"/sessions/{session_id}/":  # only the session page itself, never elsewhere
        target = f"/sessions/{session_id}/minutes/"
    return redirect(target)


@login_required
def minutes_page(request, session_id: int):
    """GET: the minutes, with the editor or the confirmation forms; POST: save the editor."""
    session = _session(request, session_id)
    if request.method == "POST":
        try:
            records.record(session, request.user, panel.payload_from_form(request.POST))
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The minutes were saved."))
        return _back(request, session_id)
    context = panel.panel_context(session, request.user)
    return render(request, "mediation/minutes/page.html", {**context, "request": request})


@require_POST
@login_required
def finalise(request, session_id: int):
    session = _session(request, session_id)
    try:
        records.finalise(session, request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The minutes were finalised; the parties present can now confirm them."))
    return _back(request, session_id)


@require_POST
@login_required
def confirm_code(request, session_id: int):
    session = _session(request, session_id)
    try:
        records.send_confirm_code(session, request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("A code was sent to %(phone)s.") % {"phone": mask_phone(request.user.phone)}
        )
    return _back(request, session_id)


@require_POST
@login_required
def confirm(request, session_id: int):
    session = _session(request, session_id)
    try:
        records.confirm(session, request.user, request.POST.get("code", "").strip())
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("You confirmed the minutes."))
    return _back(request, session_id)
