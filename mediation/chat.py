"""Mediation chat: who may read and write which room, storing messages, reading them back.

Plain synchronous functions shared by the websocket consumer and the REST fallback; the
consumer calls them through database_sync_to_async. The database is the chat log: a
message is stored (with its per-room `seq`) before anything is broadcast, and `sync` reads
from here, so a client that missed broadcasts (the channel layer is at-most-once) loses
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from config.errors import ServiceError
from disputes.models import Dispute

from .models import Message, Room

WRITABLE_STATES = (Dispute.State.IN_MEDIATION, Dispute.State.AWAITING_SIGNATURES)

# Close codes (DESIGN §4): the consumer accepts, then closes with one of these.
NOT_AUTHENTICATED, NOT_A_MEMBER, NO_SUCH_ROOM = 4401, 4403, 4404


# --- rooms and membership ---------------------------------------------------------------------
def create_rooms(dispute: Dispute) -> list[Room]:
    """The joint room and one caucus per party; idempotent (a second mediator finds them)."""
    specs = [
        (Room.Kind.JOINT, ""),
        (Room.Kind.CAUCUS, Room.Party.CLAIMANT),
        (Room.Kind.CAUCUS, Room.Party.RESPONDENT),
    ]
    return [Room.objects.get_or_create(dispute=dispute, kind=kind, party=party)[0] for kind, party in specs]


def role_in(room: Room, user: User) -> str | None:
    """The capacity in which `user` is a member of `room` (None: not a member).

    Derived from the dispute as it is now: the current mediator, and the parties by verified
    phone. A caucus room admits its own party and the mediator, never the other party.
    """
    if not user.is_authenticated or not user.is_active:
        return None
    dispute = room.dispute
    if dispute.is_mediator(user):
        return "mediator"
    if dispute.is_claimant(user) and room.party in ("", Room.Party.CLAIMANT):
        return "claimant"
    if dispute.is_respondent(user) and room.party in ("", Room.Party.RESPONDENT):
        return "respondent"
    return None


def is_writable(room: Room) -> bool:
    return room.dispute.state in WRITABLE_STATES


def open_for(user: User, room_id: int) -> tuple[Room | None, int | None]:
    """The room and None if `user` may open it, else (room or None, close code)."""
    if not user.is_authenticated or not user.is_active:
        return None, NOT_AUTHENTICATED
    room = Room.objects.select_related("dispute").filter(pk=room_id).first()
    if room is None:
        return None, NO_SUCH_ROOM
    if role_in(room, user) is None:
        return room, NOT_A_MEMBER
    return room, None


def rooms_for(dispute: Dispute, user: User) -> list[Room]:
    """The rooms of a dispute that `user` is a member of (joint first, then caucuses)."""
    rooms = list(Room.objects.filter(dispute=dispute).order_by("id"))
    for room in rooms:
        room.dispute = dispute
    return [room for room in rooms if role_in(room, user) is not None]


def room_for_member(user: User, room_id: int) -> Room:
    """The room if `user` is a member; ServiceError 404 if it does not exist or the dispute is
    not visible to them, 403 if they see the dispute but are not a member (REST)."""
    room = Room.objects.select_related("dispute").filter(pk=room_id).first()
    if room is None or not Dispute.objects.visible_to(user).filter(pk=room.dispute_id).exists():
        raise ServiceError(_("Not found."), code="not_found", status=404)
    if role_in(room, user) is None:
        raise ServiceError(_("You are not a member of this room."), code="permission_denied", status=403)
    return room


# --- frames -----------------------------------------------------------------------------------
class FrameError(Exception):
    """A frame the server refuses; answered with an `error` frame, the socket stays open."""

    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code = code
        self.detail = detail

    def frame(self) -> dict:
        return {"type": "error", "code": self.code, "detail": self.detail}


def _seq(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FrameError("bad_frame", "seq must be a non-negative integer.")
    return value


def check_body(body) -> str:
    """The body as stored; FrameError too_long or bad_frame (empty after trimming)."""
    if not isinstance(body, str):
        raise FrameError("bad_frame", "body must be a string.")
    if len(body) > settings.CHAT_MAX_BODY:
        raise FrameError("too_long", f"A message has at most {settings.CHAT_MAX_BODY} characters.")
    if not body.strip():
        raise FrameError("bad_frame", "body must not be empty.")
    return body


def check_client_msg_id(value) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= 64:
        raise FrameError("bad_frame", "client_msg_id must be a string of 1 to 64 characters.")
    return value


def validate_frame(frame) -> dict:
    """A client frame checked for shape (no database): the normalised frame or FrameError."""
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        raise FrameError("bad_frame", "A frame is a JSON object with a type.")
    kind = frame["type"]
    if kind == "send":
        return {
            "type": "send",
            "body": check_body(frame.get("body")),
            "client_msg_id": check_client_msg_id(frame.get("client_msg_id")),
        }
    if kind == "sync":
        return {"type": "sync", "after": _seq(frame.get("after"))}
    if kind == "read":
        return {"type": "read", "seq": _seq(frame.get("seq"))}
    if kind == "typing":
        return {"type": "typing"}
    raise FrameError("bad_frame", f"Unknown frame type {kind[:40]!r}.")


def user_info(user: User, role: str) -> dict:
    return {"id": user.pk, "name": user.full_name or user.username, "role": role}


def message_frame(message: Message, author: User | None = None) -> dict:
    author = author or message.author
    return {
        "type": "message",
        "message": {
            "seq": message.seq,
            "id": message.pk,
            "author": user_info(author, message.author_role),
            "body": message.body,
            "sent_at": message.sent_at.isoformat(),
            "client_msg_id": message.client_msg_id,
        },
    }


# --- writing and reading ----------------------------------------------------------------------
@dataclass
class Posted:
    message: Message
    created: bool


def post_message(room_id: int, user: User, body, client_msg_id) -> Posted:
    """Store a message from `user`, then broadcast it after commit.

    The room row is locked while its `seq` is bumped, so seqs are gap-free and in commit
    order however many processes send at once (the lock is held until commit). Membership
    and the dispute's state are read after taking the lock: a transition that ends access
    or writability locks the rooms too (see `lock_rooms`), so no message slips in after it.
    The same `client_msg_id` from the same author returns the stored message
    (created False) and broadcasts nothing.
    Raises FrameError (bad_frame, too_long) or ServiceError (403 not a member,
    409 read_only).
    """
    body = check_body(body)
    client_msg_id = check_client_msg_id(client_msg_id)
    with transaction.atomic():
        room = Room.objects.select_for_update().get(pk=room_id)
        # Read in a statement of its own, after the lock is granted: under READ COMMITTED that
        # sees a transition that committed while we waited (a join in the locking query would not).
        room.dispute = Dispute.objects.get(pk=room.dispute_id)
        role = role_in(room, user)
        if role is None:
            raise ServiceError(_("You are not a member of this room."), code="permission_denied", status=403)
        existing = Message.objects.filter(room=room, author=user, client_msg_id=client_msg_id).first()
        if existing is not None:
            return Posted(existing, False)
        if not is_writable(room):
            raise ServiceError(_("This room is read-only now."), code="read_only", status=409)
        room.last_seq += 1
        Room.objects.filter(pk=room.pk).update(last_seq=room.last_seq)
        message = Message.objects.create(
            room=room, seq=room.last_seq, author=user, author_role=role, body=body,
            client_msg_id=client_msg_id, sent_at=timezone.now(),
        )  # fmt: skip
        from . import realtime

        transaction.on_commit(partial(realtime.broadcast, room.group_name, message_frame(message, user)))
    return Posted(message, True)


def messages_after(room_id: int, after: int, limit: int | None = None) -> list[Message]:
    """Messages of a room with seq > after, in seq order, at most `limit`."""
    limit = limit or settings.CHAT_SYNC_BATCH
    return list(
        Message.objects.filter(room_id=room_id, seq__gt=after)
        .select_related("author")
        .order_by("seq")[:limit]
    )


def sync_frames(room_id: int, after: int) -> tuple[list[dict], bool]:
    """One batch of `message` frames after `after`, and whether this was the last batch."""
    batch = messages_after(room_id, after)
    return [message_frame(m) for m in batch], len(batch) < settings.CHAT_SYNC_BATCH


def handle_frame(room_id: int, user: User, frame: dict) -> list[dict]:
    """Carry out a validated `send` frame for the consumer; the frames to send back.

    A new message is broadcast to the room after commit (the sender's copy is its
    acknowledgement), so nothing comes back here; a duplicate is acknowledged again to the
    sender alone. Refusals come back as `error` frames.
    """
    try:
        posted = post_message(room_id, user, frame["body"], frame["client_msg_id"])
    except FrameError as exc:
        return [exc.frame()]
    except ServiceError as exc:
        if exc.code != "read_only":
            raise  # no longer a member: the consumer closes the socket
        return [{"type": "error", "code": "read_only", "detail": exc.message}]
    return [] if posted.created else [message_frame(posted.message)]


def room_state(room_id: int) -> tuple[int, bool]:
    """(last_seq, writable) of a room as committed now."""
    room = Room.objects.select_related("dispute").get(pk=room_id)
    return room.last_seq, is_writable(room)


def lock_rooms(dispute: Dispute) -> list[int]:
    """Lock a dispute's rooms inside a transition's transaction (see post_message); their ids."""
    return list(Room.objects.select_for_update().filter(dispute=dispute).values_list("pk", flat=True))


# --- websocket tickets ------------------------------------------------------------------------
def _digest(ticket: str) -> str:
    import hashlib

    return hashlib.sha256(ticket.encode()).hexdigest()


def issue_ticket(user: User) -> str:
    """A single-use ticket valid CHAT_TICKET_TTL seconds; only its digest is stored."""
    import secrets
    from datetime import timedelta

    from .models import WsTicket

    now = timezone.now()
    # Expired tickets are useless: sweep them here rather than in a periodic task.
    WsTicket.objects.filter(expires_at__lt=now - timedelta(hours=1)).delete()
    ticket = secrets.token_urlsafe(32)
    WsTicket.objects.create(
        digest=_digest(ticket), user=user, expires_at=now + timedelta(seconds=settings.CHAT_TICKET_TTL)
    )
    return ticket


def redeem_ticket(ticket: str) -> User | None:
    """The ticket's user if it is unused, unexpired and the user active; it is used up either way.

    One conditional UPDATE claims it, so no two sockets (in any processes) share a ticket.
    """
    from .models import WsTicket

    if not ticket or len(ticket) > 100:
        return None
    now = timezone.now()
    digest = _digest(ticket)
    if not WsTicket.objects.filter(digest=digest, used_at=None, expires_at__gt=now).update(used_at=now):
        return None
    user = WsTicket.objects.select_related("user").get(digest=digest).user
    return user if user.is_active else None


# --- reacting to the rest of the system (registered in MediationConfig.ready) ----------------
def on_transition(dispute: Dispute, event) -> None:
    """After any transition, inside its transaction: open the rooms when the mediator
    accepts; lock the rooms (so no message lands after a change of members or state) and
    have their sockets re-check access and writability once this commits."""
    if event.transition == "mediator_accept":
        create_rooms(dispute)
    from .realtime import recheck_rooms_on_commit

    recheck_rooms_on_commit(lock_rooms(dispute))


def on_logout(sender, request, user, **kwargs) -> None:
    """Channels reads the session only at connect: close the user's sockets now."""
    if user is not None:
        from .realtime import close_user_sockets_on_commit

        close_user_sockets_on_commit(user.pk, NOT_AUTHENTICATED)


def on_user_saved(sender, instance, **kwargs) -> None:
    if not instance.is_active:
        from .realtime import close_user_sockets_on_commit

        close_user_sockets_on_commit(instance.pk, NOT_AUTHENTICATED)
