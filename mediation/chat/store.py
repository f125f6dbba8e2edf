"""Mediation chat: who may read and write which room, storing messages, reading them back.

Plain synchronous functions shared by the websocket consumer and the REST fallback; the
consumer calls them through database_sync_to_async. The database is the chat log: a
message is stored (with its per-room `seq`) before anything is broadcast, and `sync` reads
from here, so a client that missed broadcasts (the channel layer is at-most-once) loses
nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property, partial
from typing import NamedTuple

import psycopg
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ServiceError
from disputes.models import Dispute

from .models import Message, Room

log = logging.getLogger(__name__)

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
    if "\x00" in body:  # PostgreSQL cannot store it: refused the same on every database
        raise FrameError("bad_frame", "body must not contain NUL characters.")
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

    @cached_property
    def text(self) -> str:
        """The frame as sent on the wire, encoded once for every receiver."""
        return json.dumps(self.frame, ensure_ascii=False)


@dataclass
class Send:
    """One message to store: what a `send` frame or a REST post carries."""

    room_id: int
    user: User
    body: str
    client_msg_id: str


def post_message(room_id: int, user: User, body, client_msg_id, *, broadcast: bool = True) -> Posted:
    """Store one message from `user`; with `broadcast`, send it to the room after commit.

    The REST fallback and tests use this; the websocket consumer stores through post_batch,
    which is the same code for several messages at once.
    Raises FrameError (bad_frame, too_long) or ServiceError (404, 403 not a member,
    409 read_only).
    """
    send = Send(room_id, user, check_body(body), check_client_msg_id(client_msg_id))
    with transaction.atomic():
        (result,) = _store([send])
        if isinstance(result, Exception):
            raise result
        if broadcast and result.created:
            from . import realtime

            transaction.on_commit(partial(realtime.broadcast_text, f"room-{room_id}", result.text))
    return result


def post_batch(sends: list[Send]) -> list[Posted | Exception]:
    """Store several messages in one transaction (group commit): per send, its Posted or the
    exception that refused it (ServiceError 404, 403, 409), in the order given.

    Bodies and client ids must already be checked (validate_frame). Everything returned has
    committed. If the batch fails as a whole (a database error), each send is stored again
    alone, so one bad message neither loses nor wrongly acknowledges the others.
    """
    try:
        with transaction.atomic():
            return _store(sends)
    except DatabaseError:
        if len(sends) == 1:
            raise
        log.warning("chat batch of %s failed; storing its messages one by one", len(sends), exc_info=True)
    results: list[Posted | Exception] = []
    for send in sends:
        try:
            with transaction.atomic():
                (result,) = _store([send])
        except DatabaseError as exc:
            result = exc
        results.append(result)  # only once its transaction has committed (or failed)
    return results


def _store(sends: list[Send]) -> list[Posted | Exception]:
    """The body of post_message and post_batch; call inside transaction.atomic().

    The sends' rooms are locked first, in id order (so two batches never deadlock), and
    stay locked until commit: each message takes the next `seq` of its room, so seqs are
    gap-free and in commit order however many processes send at once. Membership and the
    dispute's state are read after the locks are granted: under READ COMMITTED they see a
    transition that committed meanwhile, and transitions lock the rooms too (`lock_rooms`),
    so no message lands after a change of members or state. The same `client_msg_id` from
    the same author returns the stored message (created False) and stores nothing; so does
    a repeat within the batch.

    This is the hot path of the chat, hence plain SQL: through the ORM it cost about ten
    times the CPU (bench/chat.py). On PostgreSQL a batch of any size is three statements
    and a commit.
    """
    room_ids = sorted({send.room_id for send in sends})
    keys = sorted({(send.room_id, send.user.pk, send.client_msg_id) for send in sends})
    now = timezone.now()
    room_rows, stored_rows = _lock_and_read(room_ids, keys)
    rooms = {row[0]: [_RoomRow(_DisputeRow(*row[3:]), row[2]), row[1]] for row in room_rows}
    stored = {}  # (room, author, client id) -> the stored message's frame
    for row in stored_rows:
        frame = _row_frame(row[1:])
        stored[(row[0], frame["message"]["author"]["id"], frame["message"]["client_msg_id"])] = frame
    results: list = [None] * len(sends)
    new: dict[tuple, int] = {}  # (room, author, client id) -> index in sends, this batch
    rows, touched = [], {}
    for index, send in enumerate(sends):
        found = rooms.get(send.room_id)
        if found is None:
            results[index] = ServiceError(_("Not found."), code="not_found", status=404)
            continue
        role = role_in(found[0], send.user)
        if role is None:
            results[index] = ServiceError(
                _("You are not a member of this room."), code="permission_denied", status=403
            )
            continue
        key = (send.room_id, send.user.pk, send.client_msg_id)
        if key in stored or key in new:
            results[index] = key
            continue
        if found[0].dispute.state not in WRITABLE_STATES:
            results[index] = ServiceError(_("This room is read-only now."), code="read_only", status=409)
            continue
        found[1] = seq = found[1] + 1
        touched[send.room_id] = seq
        new[key] = index
        rows.append((send.room_id, seq, send.user.pk, role, send.body, send.client_msg_id))
    pks = _insert(rows, touched, connection.ops.adapt_datetimefield_value(now)) if rows else {}
    sent = now.isoformat()
    for row, index in zip(rows, new.values(), strict=True):
        room_id, seq, author_id, role, body, client_msg_id = row
        user = sends[index].user
        frame = {
            "type": "message",
            "message": {
                "seq": seq, "id": pks[(room_id, seq)], "author": user_info(user, role), "body": body,
                "sent_at": sent, "client_msg_id": client_msg_id,
            },
        }  # fmt: skip
        results[index] = Posted(frame, True)
    for index, result in enumerate(results):
        if isinstance(result, tuple):  # a repeat: the stored message, or the one stored just now
            first = stored[result] if result in stored else results[new[result]].frame
            results[index] = Posted(first, False)
    return results


_ROOMS_SELECT = (
    "SELECT r.id, r.last_seq, r.party, d.state, d.mediator_id, d.claimant_phone, d.respondent_phone,"
    " d.served_at FROM mediation_room r JOIN disputes_dispute d ON d.id = r.dispute_id WHERE r.id"
)
_FRAME_COLUMNS = (
    "m.seq, m.id, m.author_id, u.full_name, u.username, m.author_role, m.body, m.sent_at, m.client_msg_id"
)
_FRAME_FROM = "FROM mediation_message m JOIN accounts_user u ON u.id = m.author_id"
_FRAME_SELECT = f"SELECT {_FRAME_COLUMNS} {_FRAME_FROM}"
# The messages stored under given (room, author, client id) keys: each key is one probe of
# the unique index, whose columns these are.
_STORED_SELECT = (
    f"SELECT m.room_id, {_FRAME_COLUMNS} {_FRAME_FROM} WHERE (m.room_id, m.author_id, m.client_msg_id) IN"
)


def _lock_and_read(room_ids: list[int], keys: list[tuple]) -> tuple[list, list]:
    """The rooms' rows with their disputes, locked in id order, and the rows (room id, then
    a frame row) of the messages already stored under `keys`, read once the locks are held."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            # SQLite: a write takes the database's lock before anything is read.
            cursor.execute(
                f"UPDATE mediation_room SET last_seq = last_seq WHERE id {_in(room_ids)}", room_ids
            )
            cursor.execute(f"{_ROOMS_SELECT} {_in(room_ids)}", room_ids)
            rooms = cursor.fetchall()
            cursor.execute(
                f"{_STORED_SELECT} (VALUES {', '.join(['(%s, %s, %s)'] * len(keys))})",
                [value for key in keys for value in key],
            )
            return rooms, cursor.fetchall()
    with _cursor() as cursor:
        cursor.execute(f"{_ROOMS_SELECT} = ANY(%s) ORDER BY r.id FOR NO KEY UPDATE OF r", [room_ids])
        rooms = cursor.fetchall()
        cursor.execute(
            f"{_STORED_SELECT} (SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::text[]))",
            list(map(list, zip(*keys, strict=True))),
        )
        return rooms, cursor.fetchall()


def _insert(rows: list[tuple], touched: dict[int, int], sent_at) -> dict[tuple[int, int], int]:
    """Store new message rows (room, seq, author, role, body, client id) and set their rooms'
    last_seq from `touched`; {(room id, seq): message id}."""
    columns = "room_id, seq, author_id, author_role, body, client_msg_id, sent_at"
    if connection.vendor == "postgresql":
        with _cursor() as cursor:  # arrays: one statement and a handful of parameters
            cursor.execute(
                f"WITH new AS (INSERT INTO mediation_message ({columns}) SELECT *, %s FROM unnest(%s::bigint[],"
                " %s::bigint[], %s::bigint[], %s::text[], %s::text[], %s::text[]) RETURNING room_id, seq, id),"
                " rooms AS (UPDATE mediation_room r SET last_seq = t.seq FROM unnest(%s::bigint[], %s::bigint[])"
                " AS t(id, seq) WHERE r.id = t.id) SELECT room_id, seq, id FROM new",
                [sent_at, *map(list, zip(*rows, strict=True)), list(touched), list(touched.values())],
            )
            return {(room_id, seq): pk for room_id, seq, pk in cursor}
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO mediation_message ({columns}) VALUES"
            f" {', '.join(['(%s, %s, %s, %s, %s, %s, %s)'] * len(rows))} RETURNING room_id, seq, id",
            [value for row in rows for value in (*row, sent_at)],
        )
        pks = {(room_id, seq): pk for room_id, seq, pk in cursor.fetchall()}
        cursor.execute(
            f"UPDATE mediation_room SET last_seq = CASE id {' '.join(['WHEN %s THEN %s'] * len(touched))}"
            f" END WHERE id {_in(list(touched))}",
            [*(value for item in touched.items() for value in item), *touched],
        )
        return pks


class _DisputeRow(NamedTuple):
    """The fields of a dispute that role_in reads, with the model's own rules (hot path:
    no model instance)."""

    state: str
    mediator_id: int | None
    claimant_phone: str
    respondent_phone: str
    served_at: dt.datetime | None
    is_mediator = Dispute.is_mediator
    is_claimant = Dispute.is_claimant
    is_respondent = Dispute.is_respondent


class _Prepared(psycopg.Cursor):
    def execute(self, query, params=None, **kwargs):
        return super().execute(query, params, prepare=True, **kwargs)


@dataclass(slots=True)
class _RoomRow:
    dispute: _DisputeRow
    party: str


@contextmanager
def _cursor():
    """A cursor for the chat's hot statements. On PostgreSQL a psycopg cursor with
    server-side binding, each statement prepared once per connection (their text does not
    change with the batch size; settings.DATABASES allows it and asks for generic plans):
    Django's cursor quotes every value into the SQL text, which cost more CPU than the rest
    of the batch. Errors come out as Django's, as usual."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.ensure_connection()
    with connection.wrap_database_errors, _Prepared(connection.connection) as cursor:
        yield cursor


def _in(values: list) -> str:
    """`IN (...)` for a list of values: one array parameter on PostgreSQL (so the query's
    text, and psycopg's parsing of it, stays the same whatever the batch size)."""
    if connection.vendor == "postgresql":
        return "= ANY(%s)"
    return f"IN ({', '.join(['%s'] * len(values))})"


def _args(values: list) -> list:
    return [list(values)] if connection.vendor == "postgresql" else list(values)


def _row_frame(row) -> dict:
    seq, pk, author_id, full_name, username, role, body, sent_at, client_msg_id = row
    return {
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

    Plain SQL like _store: a reconnect storm answers many of these at once.
    """
    limit = settings.CHAT_SYNC_BATCH
    with _cursor() as cursor:
        cursor.execute(
            f"{_FRAME_SELECT} WHERE m.room_id = %s AND m.seq > %s ORDER BY m.seq LIMIT %s",
            [room_id, after, limit],
        )
        rows = cursor.fetchall()
    return [_row_frame(row) for row in rows], len(rows) < limit


def _aware(value):
    """A datetime from a raw row as the ORM would return it (SQLite gives naive UTC text)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return timezone.make_aware(value, dt.UTC) if timezone.is_naive(value) else value


def access(user_id: int, room_id: int) -> tuple[int | None, bool]:
    """(close code or None, writable) for a user's open socket, from the database as it is
    now."""
    return access_many([(user_id, room_id)])[0]


def access_many(sockets: list[tuple[int, int]]) -> list[tuple[int | None, bool]]:
    """access() for many (user id, room id) pairs at once: two plain-SQL queries, as every
    process re-checks all its sockets on each heartbeat."""
    room_ids = sorted({room_id for _, room_id in sockets})
    user_ids = sorted({user_id for user_id, _ in sockets})
    with _cursor() as cursor:
        cursor.execute(
            "SELECT r.id, r.party, d.state, d.mediator_id, d.claimant_phone, d.respondent_phone, d.served_at"
            f" FROM mediation_room r JOIN disputes_dispute d ON d.id = r.dispute_id WHERE r.id {_in(room_ids)}",
            _args(room_ids),
        )
        rooms = {row[0]: _RoomRow(_DisputeRow(*row[2:]), row[1]) for row in cursor}
        cursor.execute(
            f"SELECT id, is_active, phone, phone_verified FROM accounts_user WHERE id {_in(user_ids)}",
            _args(user_ids),
        )
        users = {
            pk: User(id=pk, is_active=bool(active), phone=phone, phone_verified=bool(verified))
            for pk, active, phone, verified in cursor
        }
    answers = []
    for user_id, room_id in sockets:
        room, user = rooms.get(room_id), users.get(user_id)
        if room is None or user is None:
            answers.append((NOT_A_MEMBER, False))
        elif not user.is_active:
            answers.append((NOT_AUTHENTICATED, False))
        elif role_in(room, user) is None:
            answers.append((NOT_A_MEMBER, False))
        else:
            answers.append((None, room.dispute.state in WRITABLE_STATES))
    return answers


def room_state(room_id: int) -> tuple[int, bool]:
    """(last_seq, writable) of a room as committed now."""
    room = Room.objects.select_related("dispute").get(pk=room_id)
    return room.last_seq, is_writable(room)


def lock_rooms(dispute: Dispute) -> list[int]:
    """Lock a dispute's rooms inside a transition's transaction (see _store); their ids.

    In id order, as _store locks them, so the two never deadlock."""
    rooms = Room.objects.select_for_update().filter(dispute=dispute).order_by("pk")
    return list(rooms.values_list("pk", flat=True))


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
