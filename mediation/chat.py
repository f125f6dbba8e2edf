"""Mediation chat: who may read and write which room, storing messages, reading them back.

Plain synchronous functions shared by the websocket consumer and the REST fallback; the
consumer calls them through database_sync_to_async. The database is the chat log: a
message is stored (with its per-room `seq`) before anything is broadcast, and `sync` reads
from here, so a client that missed broadcasts (the channel layer is at-most-once) loses
nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
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
    frame: dict  # the `message` frame
    created: bool


class _Duplicate(Exception):
    def __init__(self, message_id: int):
        self.message_id = message_id


def post_message(room_id: int, user: User, body, client_msg_id, *, broadcast: bool = True) -> Posted:
    """Store a message from `user`; with `broadcast`, send it to the room after commit.

    The UPDATE that bumps the room's `last_seq` takes the room row's lock and holds it until
    commit, so seqs are gap-free and in commit order however many processes send at once;
    any refusal rolls the bump back. Membership and the dispute's state are read in later
    statements, after the lock is granted: under READ COMMITTED they see a transition that
    committed meanwhile, and transitions lock the rooms too (`lock_rooms`), so no message
    lands after a change of members or state. The same `client_msg_id` from the same author
    returns the stored message (created False) and broadcasts nothing.

    This is the hot path of the chat, hence plain SQL: through the ORM it cost about ten
    times the CPU (bench/chat.py).
    Raises FrameError (bad_frame, too_long) or ServiceError (404, 403 not a member,
    409 read_only).
    """
    body = check_body(body)
    client_msg_id = check_client_msg_id(client_msg_id)
    now = timezone.now()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE mediation_room SET last_seq = last_seq + 1 WHERE id = %s"
                " RETURNING last_seq, dispute_id, kind, party",
                [room_id],
            )
            row = cursor.fetchone()
            if row is None:
                raise ServiceError(_("Not found."), code="not_found", status=404)
            seq, dispute_id, kind, party = row
            cursor.execute(
                "SELECT state, mediator_id, claimant_phone, respondent_phone, served_at,"
                " (SELECT id FROM mediation_message WHERE room_id = %s AND author_id = %s AND client_msg_id = %s)"
                " FROM disputes_dispute WHERE id = %s",
                [room_id, user.pk, client_msg_id, dispute_id],
            )
            state, mediator_id, claimant_phone, respondent_phone, served_at, existing = cursor.fetchone()
            dispute = Dispute(
                id=dispute_id, mediator_id=mediator_id, claimant_phone=claimant_phone,
                respondent_phone=respondent_phone, served_at=served_at,
            )  # fmt: skip
            role = role_in(Room(id=room_id, dispute=dispute, kind=kind, party=party), user)
            if role is None:
                raise ServiceError(
                    _("You are not a member of this room."), code="permission_denied", status=403
                )
            if existing is not None:
                raise _Duplicate(existing)  # rolls the bump back
            if state not in WRITABLE_STATES:
                raise ServiceError(_("This room is read-only now."), code="read_only", status=409)
            cursor.execute(
                "INSERT INTO mediation_message (room_id, seq, author_id, author_role, body, client_msg_id, sent_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
                [
                    room_id,
                    seq,
                    user.pk,
                    role,
                    body,
                    client_msg_id,
                    connection.ops.adapt_datetimefield_value(now),
                ],
            )
            message = Message(
                id=cursor.fetchone()[0], room_id=room_id, seq=seq, author_role=role, body=body,
                client_msg_id=client_msg_id, sent_at=now,
            )  # fmt: skip
            frame = message_frame(message, user)
            if broadcast:
                from . import realtime

                transaction.on_commit(partial(realtime.broadcast, f"room-{room_id}", frame))
    except _Duplicate as duplicate:
        return Posted(
            message_frame(Message.objects.select_related("author").get(pk=duplicate.message_id)), False
        )
    return Posted(frame, True)


def messages_after(room_id: int, after: int, limit: int | None = None) -> list[Message]:
    """Messages of a room with seq > after, in seq order, at most `limit` (REST history)."""
    limit = limit or settings.CHAT_SYNC_BATCH
    return list(
        Message.objects.filter(room_id=room_id, seq__gt=after)
        .select_related("author")
        .order_by("seq")[:limit]
    )


def sync_frames(room_id: int, after: int) -> tuple[list[dict], bool]:
    """One batch of `message` frames after `after`, and whether this was the last batch.

    Plain SQL like post_message: a reconnect storm answers many of these at once.
    """
    limit = settings.CHAT_SYNC_BATCH
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT m.seq, m.id, m.author_id, u.full_name, u.username, m.author_role, m.body, m.sent_at,"
            " m.client_msg_id FROM mediation_message m JOIN accounts_user u ON u.id = m.author_id"
            " WHERE m.room_id = %s AND m.seq > %s ORDER BY m.seq LIMIT %s",
            [room_id, after, limit],
        )
        rows = cursor.fetchall()
    frames = [
        {
            "type": "message",
            "message": {
                "seq": seq,
                "id": pk,
                "author": {"id": author_id, "name": full_name or username, "role": role},
                "body": body,
                "sent_at": _aware(sent_at).isoformat(),
                "client_msg_id": client_msg_id,
            },
        }  # fmt: skip
        for seq, pk, author_id, full_name, username, role, body, sent_at, client_msg_id in rows
    ]
    return frames, len(rows) < limit


def _aware(value):
    """A datetime from a raw row as the ORM would return it (SQLite gives naive UTC text)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return timezone.make_aware(value, dt.UTC) if timezone.is_naive(value) else value


def access(user_id: int, room_id: int) -> tuple[int | None, bool]:
    """(close code or None, writable) for a user's open socket, from the database as it is
    now; one plain-SQL query, as every socket asks on each heartbeat."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT u.is_active, u.phone, u.phone_verified, r.kind, r.party, r.dispute_id, d.state,"
            " d.mediator_id, d.claimant_phone, d.respondent_phone, d.served_at"
            " FROM mediation_room r JOIN disputes_dispute d ON d.id = r.dispute_id, accounts_user u"
            " WHERE r.id = %s AND u.id = %s",
            [room_id, user_id],
        )
        row = cursor.fetchone()
    if row is None:
        return NOT_A_MEMBER, False
    is_active, phone, verified, kind, party, dispute_id, state, mediator_id, c_phone, r_phone, served = row
    if not is_active:
        return NOT_AUTHENTICATED, False
    user = User(id=user_id, is_active=True, phone=phone, phone_verified=bool(verified))
    dispute = Dispute(
        id=dispute_id, mediator_id=mediator_id, claimant_phone=c_phone,
        respondent_phone=r_phone, served_at=served,
    )  # fmt: skip
    if role_in(Room(id=room_id, dispute=dispute, kind=kind, party=party), user) is None:
        return NOT_A_MEMBER, False
    return None, state in WRITABLE_STATES


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
