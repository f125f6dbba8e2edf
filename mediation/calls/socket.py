"""The room socket's part in calls (docs/chat-protocol.md, "Calls"): a mixin of
chat.consumers.RoomConsumer, which routes `call_*` frames here.

A socket holds at most one leg: the call it started or joined (`call_id`). Offers, answers
and ICE candidates are relayed through the channel layer to the addressee's sockets in this
room that are in the same call, never stored; mute states go to the call's other members.
Lifecycle actions are stored (calls.service) and broadcast to the room. A socket that closes
(network, logout, access removed) ends its leg first.
"""

from __future__ import annotations

import json
import weakref

from channels.db import database_sync_to_async

from ..chat.ratelimit import Bucket
from ..chat.realtime import user_group
from . import conf, service
from .frames import SIGNALS

_buckets: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


def signal_bucket(user_id: int, call_id) -> Bucket:
    """This process's bucket for one user's signalling frames in one call: bursts of
    CALL_SIGNAL_BURST, then CALL_SIGNAL_RATE a second (no I/O: relays touch no database)."""
    key = (user_id, str(call_id))
    bucket = _buckets.get(key)
    if bucket is None:
        bucket = _buckets[key] = Bucket(conf.get("CALL_SIGNAL_RATE"), conf.get("CALL_SIGNAL_BURST"))
    return bucket


def is_signal(data) -> bool:
    """Whether a parsed frame is a relayed signalling frame (its own rate limit)."""
    return isinstance(data, dict) and data.get("type") in SIGNALS


def _dumps(frame: dict) -> str:
    return json.dumps(frame, ensure_ascii=False)


class CallSocket:
    call_id: str | None = None  # the call this socket's leg is in
    bucket_of_call: Bucket | None = None

    def signal_allowed(self, data: dict) -> bool | None:
        """Take a token for a signalling frame (per user per call); False: drop it. None for
        a frame of a call this socket is not in: the chat's limit counts it (stale_call)."""
        call = data.get("call")
        if not isinstance(call, str) or call != self.call_id:
            return None
        if self.bucket_of_call is None or self.bucket_key != (self.user.pk, call):
            self.bucket_of_call = signal_bucket(self.user.pk, call)
            self.bucket_key = (self.user.pk, call)
        return self.bucket_of_call.take()

    async def send_call_state(self) -> None:
        """The live call, if any, to a socket that just connected."""
        state = await database_sync_to_async(service.current_state)(self.room_id)
        if state is not None:
            await self.send_frame(state)

    async def call_action(self, action, *args):
        try:
            return await database_sync_to_async(action)(self.room_id, self.user, *args)
        except service.CallError as exc:
            await self.send_frame({"type": "error", "code": exc.code, "detail": str(exc.message)})
            return None

    async def on_call_start(self, frame: dict) -> None:
        if self.call_id is not None:  # this socket is in the live call already
            await self.call_error("call_live", "A call is already live in this room.")
            return
        outcome = await self.call_action(service.start, frame["media"])
        if outcome is not None:
            self.call_id = str(outcome.call.pk)

    async def on_call_join(self, frame: dict) -> None:
        outcome = await self.call_action(service.join, frame["call"])
        if outcome is not None:
            self.call_id = str(outcome.call.pk)

    async def on_call_leave(self, frame: dict) -> None:
        if await self.call_action(service.leave, frame["call"]) is not None:
            self.call_id = None

    async def on_call_end(self, frame: dict) -> None:
        if await self.call_action(service.end, frame["call"]) is not None:
            self.call_id = None

    async def call_error(self, code: str, detail: str) -> None:
        await self.send_frame({"type": "error", "code": code, "detail": detail})

    async def in_call(self, frame: dict) -> bool:
        if frame["call"] != self.call_id:
            await self.call_error("stale_call", "You are not in this call; join it first.")
            return False
        return True

    async def on_call_offer(self, frame: dict) -> None:
        await self.relay_to(frame, {"sdp": frame["sdp"]})

    async def on_call_answer(self, frame: dict) -> None:
        await self.relay_to(frame, {"sdp": frame["sdp"]})

    async def on_call_ice(self, frame: dict) -> None:
        await self.relay_to(frame, {"candidate": frame["candidate"]})

    async def relay_to(self, frame: dict, payload: dict) -> None:
        """To the addressee's sockets in this room that are in this call, and to no one else."""
        if not await self.in_call(frame):
            return
        text = _dumps({"type": frame["type"], "call": frame["call"], "from": self.user.pk, **payload})
        event = {"type": "call.signal", "room": self.room_id, "call": frame["call"], "text": text}
        await self.channel_layer.group_send(user_group(frame["to"]), event)

    async def on_call_mute(self, frame: dict) -> None:
        if not await self.in_call(frame):
            return
        text = _dumps(
            {"type": "call_mute", "call": frame["call"], "user": self.user.pk, "audio": frame["audio"], "video": frame["video"]}
        )  # fmt: skip
        event = {
            "type": "call.signal",
            "room": self.room_id,
            "call": frame["call"],
            "text": text,
            "skip": self.user.pk,
        }
        await self.channel_layer.group_send(self.group, event)

    # --- from the channel layer ----------------------------------------------------------------
    async def call_signal(self, event: dict) -> None:
        if (
            event["room"] == self.room_id
            and event["call"] == self.call_id
            and event.get("skip") != self.user.pk
        ):
            await self.send_frame_text(event["text"])

    async def call_state(self, event: dict) -> None:
        if event["call"] == self.call_id and (not event["live"] or self.user.pk not in event["participants"]):
            self.call_id = None  # the call ended, or this leg was ended elsewhere
        await self.send_frame_text(event["text"])

    async def end_leg(self) -> None:
        """This socket's leg ends (closed, access removed): a `leave` event for the others."""
        call_id, self.call_id = self.call_id, None
        if call_id is None or self.room_id is None:
            return
        try:
            await database_sync_to_async(service.leave)(self.room_id, self.user, call_id)
        except service.CallError:  # the call ended meanwhile
            pass

    async def shut(self, code: int) -> None:
        if not self.closing:
            await self.end_leg()
        await super().shut(code)
