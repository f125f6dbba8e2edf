"""The session pages (docs/features/sessions.md): schedule from the dispute page's Sessions
panel, the session page with its change, cancel and dial forms. Each is the page counterpart of
an endpoint under /api/v1/ and calls the same service."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import ServiceError
from disputes.api import visible_dispute

from ..chat import rooms
from ..models import Room, Session
from . import forms, phone, services


def _session_or_404(request, pk: int) -> Session:
    try:
        return services.visible_session(request.user, pk)
    except ServiceError as exc:
        raise Http404 from exc


@require_GET
@login_required
def session_page(request, pk: int):
    session = _session_or_404(request, pk)
    dispute = session.dispute
    members = rooms.members(session.room)
    manage = services.may_manage(session, request.user) and session.status == Session.Status.SCHEDULED
    now = timezone.now()
    end = session.starts_at + dt.timedelta(minutes=session.duration_minutes)
    context = {
        "session": session,
        "dispute": dispute,
        "summary": services.summary(session),
        "room_label": room_label(session.room),
        "attendees": [
            {"user": u, "role": members.get(u.pk, {}).get("role")}
            for u in session.attendees.all().order_by("pk")
        ],
        "members": [{"id": pk_, **info} for pk_, info in members.items() if info["role"] != "mediator"],
        "attending": set(session.attendees.values_list("pk", flat=True)),
        "manage": manage,
        "starts_value": forms.input_value(session.starts_at),
        "modes": Session.Mode.choices,
        "may_dial": manage
        and session.mode == Session.Mode.PHONE
        and session.starts_at - phone.dial_early() <= now <= end,
        "dialled": session.dials.filter(version=session.version).first(),
    }
    return render(request, "mediation/sessions/session.html", context)


def room_label(room: Room) -> str:
    if room.kind == Room.Kind.JOINT:
        return _("Joint session")
    if room.party == Room.Party.CLAIMANT:
        return _("Private session with the claimant")
    return _("Private session with the respondent")


@require_POST
@login_required
def schedule(request, pk: int):
    dispute = visible_dispute(request, pk)
    back = redirect(dispute.get_absolute_url() + "#sessions")
    room = Room.objects.filter(pk=_int(request.POST.get("room")), dispute=dispute).first()
    if room is None:
        messages.error(request, _("Choose a room of this dispute."))
        return back
    room.dispute = dispute
    try:
        session = services.schedule(room, by=request.user, **forms.fields_from(request.POST))
    except ServiceError as exc:
        messages.error(request, exc.message)
        return back
    messages.success(request, _("The session was scheduled and the attendees were told."))
    return redirect("session", session.pk)


@require_POST
@login_required
def change(request, pk: int):
    session = _session_or_404(request, pk)
    try:
        services.change(session, by=request.user, **forms.fields_from(request.POST, partial=True))
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The session was changed and the attendees were told."))
    return redirect("session", session.pk)


@require_POST
@login_required
def cancel(request, pk: int):
    session = _session_or_404(request, pk)
    try:
        services.cancel(session, by=request.user, reason=request.POST.get("reason", ""))
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The session was cancelled and the attendees were told."))
    return redirect("session", session.pk)


@require_POST
@login_required
def dial(request, pk: int):
    session = _session_or_404(request, pk)
    try:
        phone.start(session, by=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The phone session started: the attendees are being called."))
    return redirect("session", session.pk)


def _int(raw) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return 0
