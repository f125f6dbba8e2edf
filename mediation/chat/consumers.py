"""The chat socket, /ws/rooms/{room_id}/ (docs/chat-protocol.md). It only routes: membership
is in chat.rooms, frames in chat.frames, storage in chat.store (shared with the REST
fallback), socket re-checks in chat.access, presence in chat.presence. The frame size limit
and the credential re-check are every socket's (accounts.sockets).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import weakref

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from accounts.sockets import GuardedConsumer
from core.errors import ServiceError

from ..calls import frames as call_frames
from ..calls.socket import CallSocket, is_signal
from . import access, frames, presence, ratelimit, rooms, store
from .realtime import user_group

log = logging.getLogger(__name__)

RATE_LIMITED = json.dumps({"type": "error", "code": "rate_limited", "detail": "Too many frames; slow down."})


def dumps(frame: dict) -> str:
    return json.dumps(frame, ensure_ascii=False)


class Writer:
    """Group commit: the sends pending in this process are stored in one transaction.

    Consumers hand their sends to the event loop's writer and go on reading frames (so the
    rate limit counts frames as they arrive, not as they commit). While one batch is in the
    database thread the next ones queue up; each batch is one store.post_batch call (one
    thread hop, three statements, one commit). Once it has committed, every new message is
    broadcast to its room, encoded once (the sender's copy is its acknowledgement); a repeat
    or a refusal goes back to the sender's consumer alone.
    """

    MAX_BATCH = 200

    def __init__(self):
        self.pending: list[tuple[store.Send, RoomConsumer]] = []
        self.running = False

    def submit(self, send: store.Send, consumer: RoomConsumer) -> None:
        self.pending.append((send, consumer))
        if not self.running:
            self.running = True
            asyncio.get_running_loop().create_task(self.drain())

    async def drain(self) -> None:
        try:
            while self.pending:
                batch, self.pending = self.pending[: self.MAX_BATCH], self.pending[self.MAX_BATCH :]
                try:
                    results = await database_sync_to_async(store.post_batch)([send for send, _ in batch])
                except Exception as exc:  # the database is unreachable: nothing was stored
                    log.exception("chat batch failed")
                    results = [exc] * len(batch)
                layer = get_channel_layer()
                for (send, consumer), result in zip(batch, results, strict=True):
                    try:
                        if isinstance(result, store.Posted) and result.created:
                            event = {"type": "chat.frame", "text": result.text}
                            await layer.group_send(f"room-{send.room_id}", event)
                        else:
                            await consumer.not_stored(result)
                    except Exception:  # stored all the same: the others get it by `sync`
                        log.exception("chat broadcast failed")
                        if isinstance(result, store.Posted):
                            await consumer.acknowledge(result.text)
        finally:
            self.running = False


class Heartbeat:
    """Every CHAT_PRESENCE_TTL / 3 seconds, database calls refresh the presence of all this
    process's sockets and re-check their access, in case an event was lost (the channel
    layer is at-most-once); accounts.sockets.Watch re-reads their credentials. In chunks of
    25 sockets, so that the writer's batches, which share the database thread, never wait
    long behind one (100 sockets took ~18 ms)."""

    CHUNK = 25

    def __init__(self):
        self.consumers: set[RoomConsumer] = set()
        self.task: asyncio.Task | None = None

    def add(self, consumer: RoomConsumer) -> None:
        self.consumers.add(consumer)
        if self.task is None:
            self.task = asyncio.get_running_loop().create_task(self.run())

    async def run(self) -> None:
        try:
            while self.consumers:
                await asyncio.sleep(max(1.0, settings.CHAT_PRESENCE_TTL / 3))
                live = [c for c in self.consumers if not c.closing]
                for start in range(0, len(live), self.CHUNK):
                    chunk = live[start : start + self.CHUNK]
                    sockets = [(c.channel_name, c.user.pk, c.room_id) for c in chunk]
                    try:
                        answers = await database_sync_to_async(presence.heartbeat)(sockets)
                        for consumer, (refusal, writable) in zip(chunk, answers, strict=True):
                            await consumer.apply_access(refusal, writable)
                    except Exception:  # a database hiccup must not end the loop
                        log.exception("chat heartbeat failed")
        finally:
            self.task = None


_per_loop: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # tests run a loop per test


def _of_loop() -> tuple[Writer, Heartbeat]:
    """This event loop's writer and heartbeat."""
    loop = asyncio.get_running_loop()
    if loop not in _per_loop:
        _per_loop[loop] = (Writer(), Heartbeat())
    return _per_loop[loop]


def writer() -> Writer:
    return _of_loop()[0]


def heartbeat() -> Heartbeat:
    return _of_loop()[1]


class RoomConsumer(CallSocket, GuardedConsumer):
    room_id: int | None = None
    group: str = ""
    quiet_until = 0.0  # no further `rate_limited` error before this (time.monotonic())

    # --- connection ---------------------------------------------------------------------
    async def connect(self):
        await self.accept()  # first, so that a refusal carries its close code
        self.user = self.scope.get("user")  # a plain user object: config/ws.py resolves it
        room_id = self.scope["url_route"]["kwargs"]["room_id"]
        room, refusal = await database_sync_to_async(rooms.open_for)(self.user, room_id)
        if refusal:
            await self.shut(refusal)
            return
        self.bucket = ratelimit.local_bucket(self.user.pk, room.pk)  # shared with the user's other sockets
        self.group = room.group_name
        # Join the groups before reading last_seq: whatever commits later is broadcast to us.
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.channel_layer.group_add(user_group(self.user.pk), self.channel_name)
        self.room_id = room.pk
        last_seq, self.writable, online = await database_sync_to_async(self._join)()
        await self.send_frame(
            {"type": "hello", "room": self.room_id, "last_seq": last_seq, "writable": self.writable}
        )
        # Directly to this socket too: its group subscription may not be live at Redis yet
        # when the broadcast is published (SUBSCRIBE and PUBLISH use different connections).
        await self.send_presence(online, to_self=True)
        await self.send_call_state()  # a call live in the room (docs/chat-protocol.md, "Calls")
        heartbeat().add(self)
        self.guard()  # the credential, re-read every accounts.sockets.RECHECK_SECONDS

    def _join(self) -> tuple[int, bool, list[int]]:
        last_seq, writable = rooms.room_state(self.room_id)
        return last_seq, writable, presence.join(self.room_id, self.user.pk, self.channel_name)

    async def disconnect(self, code):
        self.closing = True
        heartbeat().consumers.discard(self)
        if self.room_id is None:
            return
        await self.end_leg()  # the client may join again once reconnected
        await self.channel_layer.group_discard(self.group, self.channel_name)
        await self.channel_layer.group_discard(user_group(self.user.pk), self.channel_name)
        online = await database_sync_to_async(presence.leave)(self.room_id, self.channel_name)
        await self.send_presence(online)

    async def send_frame(self, frame: dict) -> None:
        if not self.closing:
            await self.send(text_data=dumps(frame))

    async def send_presence(self, online: list[int], *, to_self: bool = False) -> None:
        text = dumps({"type": "presence", "online": online})
        if to_self:
            await self.send_frame_text(text)
        skip = self.channel_name if to_self else None
        await self.channel_layer.group_send(self.group, {"type": "chat.frame", "text": text, "skip": skip})

    # --- frames from the client ---------------------------------------------------------
    async def receive(self, text_data=None, bytes_data=None):
        # A frame over 64 KiB never gets here (GuardedConsumer closes the socket with 1009).
        if self.room_id is None or self.closing:
            return
        try:
            if text_data is None:
                raise frames.FrameError("bad_frame", "Frames are JSON text.")
            data = frames.parse(text_data)
        except frames.FrameError as exc:
            data = exc
        # Offers, answers, ICE and mutes have their own limit per user per call (calls.socket).
        allowed = self.signal_allowed(data) if is_signal(data) else None
        if allowed is None:
            allowed = await self.within_rate()
        if not allowed:
            await self.rate_limited()
            return
        try:
            if isinstance(data, frames.FrameError):
                raise data
            check = call_frames.validate if call_frames.is_call_frame(data) else frames.validate_frame
            frame = check(data, self.room_id)
        except frames.FrameError as exc:
            await self.send_frame(exc.frame())
            return
        await getattr(self, f"on_{frame['type']}")(frame)

    async def within_rate(self) -> bool:
        """The user's limit in this room (chat.ratelimit): this process's bucket first, so a
        flood is refused without I/O, then the count all processes share (off the database
        thread, which the writer's batches use)."""
        if not self.bucket.take():
            return False
        return await sync_to_async(ratelimit.take_shared, thread_sensitive=False)(self.user.pk, self.room_id)

    async def rate_limited(self) -> None:
        """A refused frame gets no answer of its own: one `rate_limited` error a second per
        socket at most, so that a flood costs the server little more than reading it
        (docs/chat-protocol.md#limits)."""
        now = time.monotonic()
        if now >= self.quiet_until:
            self.quiet_until = now + 1.0
            await self.send_frame_text(RATE_LIMITED)

    async def on_send(self, frame: dict) -> None:
        # Stored by this process's writer, then broadcast to the room (the sender included).
        writer().submit(store.Send(self.room_id, self.user, frame["body"], frame["client_msg_id"]), self)

    async def acknowledge(self, text: str) -> None:
        """The sender's own copy when the broadcast that carries it failed (Redis down or
        restarting): it committed, so the sender is told (docs/chat-protocol.md)."""
        try:
            await self.send_frame_text(text)
        except Exception:  # the socket is gone: the client resends and gets it again
            log.warning("chat acknowledgement failed", exc_info=True)

    async def not_stored(self, result) -> None:
        """The writer's answer for a send that stored nothing new."""
        if isinstance(result, store.Posted):
            await self.send_frame_text(result.text)  # a retry: acknowledge it again, to the sender only
        elif isinstance(result, ServiceError) and result.code == "read_only":
            await self.send_frame({"type": "error", "code": "read_only", "detail": result.message})
        elif isinstance(result, ServiceError):
            await self.shut(rooms.NOT_A_MEMBER)  # access was lost since connecting
        else:  # a database error: close, so the client reconnects, syncs and sends again
            await self.shut(1011)

    async def on_sync(self, frame: dict) -> None:
        after = frame["after"]
        while True:
            batch, last = await database_sync_to_async(store.sync_frames)(self.room_id, after)
            for message in batch:
                await self.send_frame(message)
            if batch:
                after = batch[-1]["message"]["seq"]
            if last:
                break
        await self.send_frame({"type": "synced", "last_seq": after})

    async def on_typing(self, frame: dict) -> None:
        await self.relay({"type": "typing", "user": self.who()})

    async def on_read(self, frame: dict) -> None:
        await self.relay({"type": "read", "seq": frame["seq"], "user": self.who()})

    def who(self) -> dict:
        return {"id": self.user.pk, "name": self.user.full_name or self.user.username}

    async def relay(self, frame: dict) -> None:
        event = {"type": "chat.relay", "text": dumps(frame), "user_id": self.user.pk}
        await self.channel_layer.group_send(self.group, event)

    # --- events from the channel layer (no database: they stay on the event loop) -------
    async def chat_frame(self, event):
        if event.get("skip") != self.channel_name:  # already sent to it directly
            await self.send_frame_text(event["text"])

    async def chat_relay(self, event):
        if event["user_id"] != self.user.pk:  # to the others only
            await self.send_frame_text(event["text"])

    async def send_frame_text(self, text: str) -> None:
        if not self.closing:
            await self.send(text_data=text)

    async def chat_revoke(self, event):
        await self.shut(event["code"])

    async def chat_recheck(self, event):
        """Access or writability may have changed (a transition of the dispute committed)."""
        await self.recheck()

    # --- access, again and again --------------------------------------------------------
    async def recheck(self) -> None:
        if not self.closing:
            await self.apply_access(*await database_sync_to_async(access.access)(self.user.pk, self.room_id))

    async def apply_access(self, refusal: int | None, writable: bool) -> None:
        if self.closing:
            return
        if refusal:
            await self.shut(refusal)
        elif writable != self.writable:
            self.writable = writable
            last_seq, _ = await database_sync_to_async(rooms.room_state)(self.room_id)
            await self.send_frame(
                {"type": "hello", "room": self.room_id, "last_seq": last_seq, "writable": writable}
            )
