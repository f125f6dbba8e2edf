"""A call's lifecycle: start, join, leave, end (docs/chat-protocol.md, "Calls").

Plain synchronous functions; the room's socket calls them through database_sync_to_async.
Every start, join, leave and end is stored as a message of the room (Message.event) under the
room's lock, with the room's next seq, like any message (chat.store): it is in the record and
reaches every member through `sync`. Who is in a call is read back from those events, so all
processes agree on it. Frames are broadcast to the room after commit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ServiceError

from ..chat import realtime, store
from ..chat.rooms import WRITABLE_STATES, role_in
from ..models import Call, Message, Room

START, JOIN, LEAVE, END = "start", "join", "leave", "end"


class CallError(ServiceError):
    """A refused call action; `code` is the socket's error code (stale_call, forbidden,
    read_only, call_live)."""


def _stale() -> CallError:
    return CallError(_("This call is not the live call of this room."), code="stale_call", status=409)


@dataclass
class Outcome:
    """What an action did: its call, and the `call` frame to send the room after commit (the
    event messages broadcast themselves, chat.store.post_event)."""

    call: Call
    call_frame: dict | None = None  # the `call` frame


def live_call(room_id: int) -> Call | None:
    return Call.objects.filter(room_id=room_id, ended_at__isnull=True).first()


def participants(call: Call) -> list[int]:
    """User ids in the call now, in the order they (last) joined, read from its events."""
    inside: dict[int, None] = {}
    events = Message.objects.filter(room_id=call.room_id, event__call=str(call.pk)).order_by("seq")
    for author_id, event in events.values_list("author_id", "event"):
        action = event.get("action")
        if action in (START, JOIN):
            inside.pop(author_id, None)
            inside[author_id] = None
        elif action == LEAVE:
            inside.pop(author_id, None)
        elif action == END:
            inside.clear()
    return list(inside)


def state_frame(call: Call, inside: list[int] | None = None) -> dict:
    """The `call` frame: the call and who is in it (none once ended)."""
    if call.ended_at is not None:
        inside = []
    elif inside is None:
        inside = participants(call)
    users = {u.pk: u for u in User.objects.filter(pk__in=inside)}
    return {
        "type": "call",
        "call": {
            "id": str(call.pk),
            "room": call.room_id,
            "media": call.media,
            "started_by": call.started_by_id,
            "started_at": call.started_at.isoformat(),
            "state": "ended" if call.ended_at else "live",
            "end_reason": call.end_reason or None,
            "participants": [
                {"id": pk, "name": users[pk].full_name or users[pk].username} for pk in inside if pk in users
            ],
        },
    }


def _body(action: str, user: User, media: str) -> str:
    """The event's text in the record, in the site's language."""
    name = user.full_name or user.username
    with translation.override(settings.LANGUAGE_CODE):
        texts = {
            (START, "video"): _("%(name)s started a video call"),
            (START, "audio"): _("%(name)s started a voice call"),
            (JOIN, ""): _("%(name)s joined the call"),
            (LEAVE, ""): _("%(name)s left the call"),
            (END, ""): _("%(name)s ended the call"),
        }
        return texts.get((action, media if action == START else ""), "") % {"name": name} or action


def _lock(room_id: int) -> Room:
    room = Room.objects.select_for_update().select_related("dispute").filter(pk=room_id).first()
    if room is None:
        raise CallError(_("Not found."), code="not_found", status=404)
    return room


def _event(room: Room, user: User, role: str, call: Call, action: str) -> None:
    """Store one event message (the room is locked), seq-ordered like every message."""
    n = Message.objects.filter(room=room, author=user, event__call=str(call.pk), event__action=action).count()
    store.post_event(
        room, user, role, _body(action, user, call.media), {"call": str(call.pk), "action": action, "media": call.media},
        f"call:{call.pk.hex}:{action}:{n}",
    )  # fmt: skip


def _broadcast_on_commit(room_id: int, outcome: Outcome) -> None:
    group = f"room-{room_id}"
    if outcome.call_frame is not None:
        call = outcome.call_frame["call"]
        event = {
            "type": "call.state", "text": json.dumps(outcome.call_frame, ensure_ascii=False), "call": call["id"],
            "live": call["state"] == "live", "participants": [p["id"] for p in call["participants"]],
        }  # fmt: skip
        transaction.on_commit(partial(realtime.send_event, group, event))


def _member(room: Room, user: User, *, writable: bool = True) -> str:
    role = role_in(room, user)
    if role is None:
        raise CallError(_("You are not a member of this room."), code="permission_denied", status=403)
    if writable and room.dispute.state not in WRITABLE_STATES:
        raise CallError(_("This room is read-only now."), code="read_only", status=409)
    return role


def _the_call(room: Room, call_id: str) -> Call:
    call = Call.objects.filter(pk=call_id, room=room, ended_at__isnull=True).first() if call_id else None
    if call is None:
        raise _stale()
    return call


def start(room_id: int, user: User, media: str) -> Outcome:
    """The mediator starts a call and is in it; CallError forbidden, read_only, call_live."""
    with transaction.atomic():
        room = _lock(room_id)
        role = _member(room, user)
        if role != "mediator":
            raise CallError(_("Only the mediator starts or ends a call."), code="forbidden", status=403)
        if live_call(room.pk) is not None:
            raise CallError(_("A call is already live in this room."), code="call_live", status=409)
        try:
            with transaction.atomic():
                call = Call.objects.create(room=room, media=media, started_by=user)
        except IntegrityError:  # one_live_call_per_room
            raise CallError(_("A call is already live in this room."), code="call_live", status=409) from None
        outcome = Outcome(call)
        _event(room, user, role, call, START)
        outcome.call_frame = state_frame(call, [user.pk])
        _broadcast_on_commit(room.pk, outcome)
    return outcome


def join(room_id: int, user: User, call_id: str) -> Outcome:
    """A member joins the live call (again: nothing new is stored)."""
    with transaction.atomic():
        room = _lock(room_id)
        role = _member(room, user)
        call = _the_call(room, call_id)
        outcome = Outcome(call)
        inside = participants(call)
        if user.pk not in inside:
            _event(room, user, role, call, JOIN)
            inside.append(user.pk)
        outcome.call_frame = state_frame(call, inside)
        _broadcast_on_commit(room.pk, outcome)
    return outcome


def _role_when_joined(room: Room, user: User, call: Call) -> str:
    """A leaving member's role: as now, or (access removed) as when they joined."""
    role = role_in(room, user)
    if role is None:
        last = (
            Message.objects.filter(room=room, author=user, event__call=str(call.pk)).order_by("-seq").first()
        )
        role = last.author_role if last else "mediator"
    return role


def leave(room_id: int, user: User, call_id: str, *, reason: str = "left") -> Outcome:
    """A member's leg ends (they left, their socket closed, or their access was removed):
    membership is not required. The last one out ends the call."""
    with transaction.atomic():
        room = _lock(room_id)
        call = _the_call(room, call_id)
        inside = participants(call)
        if user.pk not in inside:
            raise _stale()
        outcome = Outcome(call)
        _event(room, user, _role_when_joined(room, user, call), call, LEAVE)
        inside.remove(user.pk)
        if not inside:
            _finish(room, user, call, "empty")
        outcome.call_frame = state_frame(call, inside)
        _broadcast_on_commit(room.pk, outcome)
    return outcome


def end(room_id: int, user: User, call_id: str) -> Outcome:
    """The mediator ends the call for everyone."""
    with transaction.atomic():
        room = _lock(room_id)
        role = _member(room, user, writable=False)
        call = _the_call(room, call_id)
        if role != "mediator":
            raise CallError(_("Only the mediator starts or ends a call."), code="forbidden", status=403)
        outcome = Outcome(call)
        _finish(room, user, call, "ended")
        outcome.call_frame = state_frame(call)
        _broadcast_on_commit(room.pk, outcome)
    return outcome


def _finish(room: Room, user: User, call: Call, reason: str) -> None:
    call.ended_at = timezone.now()
    call.end_reason = reason
    call.save(update_fields=["ended_at", "end_reason"])
    _event(room, user, _role_when_joined(room, user, call), call, END)


def end_in_rooms(room_ids: list[int], reason: str = "read_only") -> None:
    """End the live calls of these rooms (their dispute left mediation); inside the
    transition's transaction, with the rooms locked (chat.hooks). The end event's author is
    whoever started the call."""
    for call in Call.objects.filter(room_id__in=room_ids, ended_at__isnull=True).select_related("started_by"):
        room = Room.objects.select_related("dispute").get(pk=call.room_id)
        outcome = Outcome(call)
        _finish(room, call.started_by, call, reason)
        outcome.call_frame = state_frame(call)
        _broadcast_on_commit(room.pk, outcome)


def current_state(room_id: int) -> dict | None:
    """The live call's `call` frame for a socket that just connected, or None."""
    call = live_call(room_id)
    return state_frame(call) if call else None
