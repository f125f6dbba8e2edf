"""The chat log: storing messages (group commit) and reading them back (docs/chat-protocol.md).

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
from dataclasses import dataclass
from functools import cached_property, partial

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ServiceError

from ..models import Attachment, Message, Room
from . import sql
from .frames import attachment_info, check_body, check_client_msg_id, message_frame, user_info
from .rooms import WRITABLE_STATES, roles_of

log = logging.getLogger(__name__)


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
    # A voice note's stored file and facts (chat.voice): Attachment fields, without the message.
    attachment: dict | None = None


def post_message(room_id: int, user: User, body, client_msg_id, *, broadcast: bool = True) -> Posted:
    """Store one message from `user`; with `broadcast`, send it to the room after commit.

    The REST fallback and tests use this; the websocket consumer stores through post_batch,
    which is the same code for several messages at once.
    Raises FrameError (bad_frame, too_long) or ServiceError (404, 403 not a member,
    409 read_only).
    """
    send = Send(room_id, user, check_body(body), check_client_msg_id(client_msg_id))
    return post_send(send, broadcast=broadcast)


def post_send(send: Send, *, broadcast: bool = True) -> Posted:
    """post_message for a checked Send, which may carry an attachment (chat.voice)."""
    room_id = send.room_id
    with transaction.atomic():
        (result,) = _store([send])
        if isinstance(result, Exception):
            raise result
        if broadcast and result.created:
            from . import realtime

            transaction.on_commit(partial(realtime.broadcast_text, f"room-{room_id}", result.text))
    return result


def post_event(
    room: Room,
    user: User,
    role: str,
    body: str,
    event: dict,
    client_msg_id: str,
    attachment: dict | None = None,
) -> tuple[Message, bool]:
    """Store a message recording an event of the room (a call's start or end, a consent, a
    recording, a session: Message.event, docs/chat-protocol.md) and broadcast it after commit.

    The caller's transaction holds the room's row lock (select_for_update), so the seq is the
    room's next one. No membership or writability check: the caller's service decided. Once
    per (author, client_msg_id): a repeat returns the stored message and False."""
    found = Message.objects.filter(room=room, author=user, client_msg_id=client_msg_id).first()
    if found is not None:
        return found, False
    room.last_seq += 1
    Room.objects.filter(pk=room.pk).update(last_seq=room.last_seq)
    message = Message.objects.create(
        room=room, seq=room.last_seq, author=user, author_role=role, body=body, client_msg_id=client_msg_id,
        event=event,
    )  # fmt: skip
    if attachment is not None:
        Attachment.objects.create(message=message, **attachment)
    from . import realtime

    text = json.dumps(message_frame(message, user), ensure_ascii=False)
    transaction.on_commit(partial(realtime.broadcast_text, room.group_name, text))
    return message, True


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
    transition that committed meanwhile, and transitions lock the rooms too (rooms.lock_rooms),
    so no message lands after a change of members or state. The same `client_msg_id` from
    the same author returns the stored message (created False) and stores nothing; so does
    a repeat within the batch.

    This is the hot path of the chat, hence plain SQL: through the ORM it cost about ten
    times the CPU (bench/chat.py). On PostgreSQL a batch of any size is three statements
    and a commit: read under the locks, decide (_plan, no database), write, answer (_answers).
    """
    room_ids = sorted({send.room_id for send in sends})
    keys = sorted({(send.room_id, send.user.pk, send.client_msg_id) for send in sends})
    now = timezone.now()
    room_rows, stored_rows = _lock_and_read(room_ids, keys)
    plan = _plan(sends, room_rows, stored_rows)
    pks = _insert(plan.rows, plan.touched, connection.ops.adapt_datetimefield_value(now)) if plan.rows else {}
    attached = _attach(sends, plan, pks)
    return _answers(sends, plan, pks, now.isoformat(), attached)


def _attach(sends: list[Send], plan: _Plan, pks: dict) -> dict[int, dict]:
    """Store the new messages' attachments (voice notes); {index in sends: attachment info}.
    Not the hot path: text messages carry none and cost nothing here."""
    new = [
        (row, index)
        for row, index in zip(plan.rows, plan.new.values(), strict=True)
        if sends[index].attachment
    ]
    if not new:
        return {}
    made = Attachment.objects.bulk_create(
        [Attachment(message_id=pks[(row[0], row[1])], **sends[index].attachment) for row, index in new]
    )
    return {
        index: attachment_info(
            att.pk, att.kind, att.content_type, att.size, att.duration_ms, att.sha256, row[0]
        )
        for (row, index), att in zip(new, made, strict=True)
    }


@dataclass(slots=True)
class _Plan:
    """What a batch does, decided under the locks before anything is written."""

    results: list  # per send: its refusal, a repeat's key, or None (a new message, in `new`)
    stored: dict  # (room, author, client id) -> the frame of the message stored before
    new: dict  # (room, author, client id) -> index in sends, this batch
    rows: list  # the new messages' rows (room, seq, author, role, body, client id), as `new`
    touched: dict  # room id -> its last seq once this batch is stored


def _plan(sends: list[Send], room_rows: list, stored_rows: list) -> _Plan:
    """Decide each send from the locked rows: refused (404, 403, 409), a repeat, or new (with
    its seq). No database, but for membership beyond the mediator and the lead parties
    (rooms.roles_of: one query)."""
    rooms = {row[0]: [sql.room_row(row[2:]), row[1]] for row in room_rows}
    known = [(rooms[send.room_id][0], send.user) for send in sends if send.room_id in rooms]
    roles = iter(roles_of(known))  # a query only for senders other than the mediator and lead parties
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
        role = next(roles)
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
    return _Plan(results, stored, new, rows, touched)


def _answers(
    sends: list[Send], plan: _Plan, pks: dict, sent: str, attached: dict
) -> list[Posted | Exception]:
    """Per send, in order: its Posted (new, or the stored message for a repeat) or its refusal."""
    results, stored, new = plan.results, plan.stored, plan.new
    for row, index in zip(plan.rows, new.values(), strict=True):
        room_id, seq, author_id, role, body, client_msg_id = row
        user = sends[index].user
        frame = {
            "type": "message",
            "message": {
                "seq": seq, "id": pks[(room_id, seq)], "author": user_info(user, role), "body": body,
                "sent_at": sent, "client_msg_id": client_msg_id, "attachment": attached.get(index),
                "event": None,
            },
        }  # fmt: skip
        results[index] = Posted(frame, True)
    for index, result in enumerate(results):
        if isinstance(result, tuple):  # a repeat: the stored message, or the one stored just now
            first = stored[result] if result in stored else results[new[result]].frame
            results[index] = Posted(first, False)
    return results


_ROOMS_SELECT = (
    f"SELECT r.id, r.last_seq, {sql.ROOM_COLUMNS} FROM mediation_room r {sql.ROOM_JOINS} WHERE r.id"
)
_FRAME_COLUMNS = (
    "m.seq, m.id, m.author_id, u.full_name, u.username, m.author_role, m.body, m.sent_at, m.client_msg_id,"
    " a.id, a.kind, a.content_type, a.size, a.duration_ms, a.sha256, m.room_id, m.event"
)
_FRAME_FROM = (
    "FROM mediation_message m JOIN accounts_user u ON u.id = m.author_id"
    " LEFT JOIN mediation_attachment a ON a.message_id = m.id"
)
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
                f"UPDATE mediation_room SET last_seq = last_seq WHERE id {sql.in_clause(room_ids)}", room_ids
            )
            cursor.execute(f"{_ROOMS_SELECT} {sql.in_clause(room_ids)}", room_ids)
            rooms = cursor.fetchall()
            cursor.execute(
                f"{_STORED_SELECT} (VALUES {', '.join(['(%s, %s, %s)'] * len(keys))})",
                [value for key in keys for value in key],
            )
            return rooms, cursor.fetchall()
    with sql.cursor() as cursor:
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
        with sql.cursor() as cursor:  # arrays: one statement and a handful of parameters
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
            f" END WHERE id {sql.in_clause(list(touched))}",
            [*(value for item in touched.items() for value in item), *touched],
        )
        return pks


def _row_frame(row) -> dict:
    seq, pk, author_id, full_name, username, role, body, sent_at, client_msg_id = row[:9]
    attachment = attachment_info(*row[9:16]) if row[9] is not None else None
    event = json.loads(row[16]) if isinstance(row[16], str) else row[16]  # a call's (docs/features/calls.md)
    return {
        "type": "message",
        "message": {
            "seq": seq,
            "id": pk,
            "author": {"id": author_id, "name": full_name or username, "role": role},
            "body": body,
            "sent_at": _aware(sent_at).isoformat(),
            "client_msg_id": client_msg_id,
            "attachment": attachment,
            "event": event,
        },
    }  # fmt: skip


def messages_after(room_id: int, after: int, limit: int | None = None) -> list[Message]:
    """Messages of a room with seq > after, in seq order, at most `limit` (REST history)."""
    limit = limit or settings.CHAT_SYNC_BATCH
    return list(
        Message.objects.filter(room_id=room_id, seq__gt=after)
        .select_related("author", "attachment")
        .order_by("seq")[:limit]
    )


def sync_frames(room_id: int, after: int) -> tuple[list[dict], bool]:
    """One batch of `message` frames after `after`, and whether this was the last batch.

    Plain SQL like _store: a reconnect storm answers many of these at once.
    """
    limit = settings.CHAT_SYNC_BATCH
    with sql.cursor() as cursor:
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
