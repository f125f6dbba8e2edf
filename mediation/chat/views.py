"""The chat page: one room, with tabs for the caller's other rooms of the same dispute."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core.headers import allow_calls
from disputes.api import visible_dispute
from disputes.models import Dispute

from ..models import Room
from . import rooms


def _label(room: Room, role: str) -> str:
    if room.kind == Room.Kind.JOINT:
        return _("Joint session")
    if role != "mediator":
        return _("Private session with the mediator")
    if room.party_record is not None and not room.party_record.is_lead:  # one caucus per party
        return _("Private session: %(name)s") % {"name": room.party_record.name}
    if room.party == Room.Party.CLAIMANT:
        return _("Private session: claimant")
    return _("Private session: respondent")


@login_required
@allow_calls
def room(request, room_id: int):
    room = get_object_or_404(Room.objects.select_related("dispute__mediator"), pk=room_id)
    if not Dispute.objects.visible_to(request.user).filter(pk=room.dispute_id).exists():
        raise Http404
    role = rooms.role_in(room, request.user)
    if role is None:
        raise Http404
    tabs = [(r, _label(r, role)) for r in rooms.rooms_for(room.dispute, request.user)]
    config = {
        "room": room.pk,
        "me": {"id": request.user.pk, "name": request.user.display_name, "role": role},
        "members": rooms.members(room),
        "ws": f"/ws/rooms/{room.pk}/",
        "maxBody": settings.CHAT_MAX_BODY,
        "text": {
            "connecting": _("Connecting…"),
            "online": _("Connected"),
            "offline": _("Connection lost; reconnecting…"),
            "closed4401": _("You are signed out. Sign in again to continue."),
            "closed4403": _("You no longer have access to this room."),
            "closed4404": _("This room does not exist."),
            "typing": _("%(name)s is typing…"),
            "readOnly": _("This room is read-only: mediation has ended here. The record stays readable."),
            "sending": _("Sending…"),
            "sent": _("Sent"),
            "read": _("Read"),
            "tooLong": _("A message has at most %(max)s characters.") % {"max": settings.CHAT_MAX_BODY},
            "rateLimited": _("You are sending too fast; please wait a moment."),
            "error": _("The message could not be sent."),
            "empty": _("No messages yet."),
            "roles": {"claimant": _("Claimant"), "respondent": _("Respondent"), "mediator": _("Mediator")},
            "voiceNote": _("Voice note from %(name)s"),
            "voiceNoteSeconds": _("Voice note from %(name)s, %(seconds)s seconds"),
            "voiceDownload": _("Download the voice note"),
            "callEvents": {
                "start:video": _("%(name)s started a video call"),
                "start:audio": _("%(name)s started a voice call"),
                "join": _("%(name)s joined the call"),
                "leave": _("%(name)s left the call"),
                "end": _("%(name)s ended the call"),
            },
        },
    }
    context = {
        "room": room,
        "dispute": room.dispute,
        "label": _label(room, role),
        "tabs": tabs,
        "config": config,
        "voice_config": voice_config(room, request),
        "call_config": call_config(room, role),
    }
    return render(request, "mediation/chat/room.html", context)


def call_config(room: Room, role: str) -> dict:
    """What the call bar on the chat page needs (static/js/call.js, docs/features/calls.md)."""
    return {
        "room": room.pk,
        "isMediator": role == "mediator",
        "credentials": reverse("api:room-call-credentials", args=[room.pk]),
        "text": {
            "video": _("Video call"),
            "audio": _("Voice call"),
            "join": _("Join the call"),
            "leave": _("Leave"),
            "end": _("End the call for everyone"),
            "muteMic": _("Mute microphone"),
            "unmuteMic": _("Unmute microphone"),
            "muteCam": _("Turn camera off"),
            "unmuteCam": _("Turn camera on"),
            "liveVideo": _("A video call is on: %(names)s"),
            "liveAudio": _("A voice call is on: %(names)s"),
            "you": _("You"),
            "muted": _("muted"),
            "denied": _("The camera or microphone could not be used. Allow them in the browser's settings."),
            "failed": _("The call could not be set up."),
            "ended": _("The call has ended."),
        },
    }


def voice_config(room: Room, request) -> dict:
    """What the recorder on the chat page needs (static/js/voice.js)."""
    return {
        "room": room.pk,
        "url": reverse("api:room-voice", args=[room.pk]),
        "csrf": get_token(request),
        "maxMs": settings.CHAT_VOICE_MAX_MS,
        "text": {
            "record": _("Record a voice note"),
            "stop": _("Stop recording (%(time)s)"),
            "ready": _("Recorded. Listen to it, then send it or discard it."),
            "sending": _("Sending the voice note…"),
            "sent": _("Voice note sent."),
            "waiting": _("No connection: the voice note is kept here and sent when the connection is back."),
            "pending": _("(%(n)s waiting)"),
            "denied": _("The microphone could not be used. Allow it in the browser's settings."),
            "limit": _("A voice note lasts at most 3 minutes; the recording has stopped."),
            "error": _("The voice note could not be sent."),
        },
    }


@login_required
def dispute_chat(request, pk: int):
    """The dispute's chat: its first room the caller belongs to (the joint room)."""
    dispute = visible_dispute(request, pk)
    mine = rooms.rooms_for(dispute, request.user)
    if not mine:
        raise Http404
    return redirect("mediation:room", room_id=mine[0].pk)
