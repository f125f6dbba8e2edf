"""The hostile-input battery over the chat socket: every client frame type (send, sync, typing,
read; hello is the server's) × every input of `hostile.INPUTS` (docs/security.md,
docs/chat-protocol.md).

One socket of the claimant in the joint room takes every frame. After each, a probe
(`sync` after 2^63-1, answered by a `synced` frame with that `last_seq`) shows the socket
still answers; an `error` frame before the probe's answer is a refusal, which must carry a
code and a detail and store nothing. A stored message must be the input byte for byte, and
come back in a `message` frame. A frame over 64 KiB closes the socket with 1009 by design
(it is reopened); any other close is a failure.
"""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.core.cache import cache
from django.db import connections

from mediation.models import Message

from ..chat.conftest import categories, joined  # noqa: F401 (a fixture for transactional tests)
from .conftest import BATTERY
from .hostile import INPUTS

pytestmark = pytest.mark.django_db(transaction=True)

FRAME_TYPES = ["send", "sync", "typing", "read"]
FRAME_FIELDS = ["body", "client_msg_id", "after", "seq"]
PROBE = 2**63 - 1
FRAME_MAX = 64 * 1024


@pytest.fixture(autouse=True)
def unlimited(settings):
    settings.CHAT_RATE = 100_000
    settings.CHAT_PRESENCE_TTL = 60
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
async def close_consumer_connections():
    yield
    await database_sync_to_async(connections.close_all)()


class Reader:
    """Every frame the socket sent, read up to a condition."""

    def __init__(self, socket):
        self.socket = socket
        self.closed: int | None = None

    async def until(self, predicate, timeout: float = 5) -> list[dict]:
        seen = []
        while True:
            output = await self.socket.receive_output(timeout=timeout)
            if output["type"] == "websocket.close":
                self.closed = output.get("code")
                return seen
            frame = json.loads(output["text"])
            seen.append(frame)
            if predicate(frame):
                return seen


def expected_probes(text: str | None, frame_type: str) -> int:
    """How many `synced` frames with last_seq 2^63-1 answer the frame and the probe."""
    if frame_type != "sync" or text is None:
        return 1
    try:
        frame = json.loads(text)
    except (ValueError, RecursionError):
        return 1
    return 2 if isinstance(frame, dict) and frame.get("after") == PROBE and type(frame["after"]) is int else 1


def decoded(text: str | None) -> dict | None:
    try:
        frame = json.loads(text) if text is not None else None
    except (ValueError, RecursionError):
        return None
    return frame if isinstance(frame, dict) else None


async def test_no_hostile_frame_ends_the_socket_or_stores_anything_invalid(world_in_mediation):
    room, claimant, ids = world_in_mediation
    failures: list[str] = []
    BATTERY["frame types"] = len(FRAME_TYPES)
    count = sync_to_async(Message.objects.filter(room_id=room).count)
    socket = await joined(room, claimant)
    reader = Reader(socket)
    for hostile in INPUTS:
        for frame_type in FRAME_TYPES:
            raw = hostile.body(FRAME_FIELDS, ids, frame_type=frame_type)
            where = f"{hostile.name} → {frame_type}"
            before = await count()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = None  # not UTF-8: only a binary frame can carry it
            payload = {"text": text} if text is not None else {"bytes": raw}
            await socket.send_input({"type": "websocket.receive", **payload})  # "" too
            await socket.send_json_to({"type": "sync", "after": PROBE})
            answers, probes = [], expected_probes(text, frame_type)
            while probes and reader.closed is None:
                answers += await reader.until(lambda f: f["type"] == "synced" and f["last_seq"] == PROBE)
                probes -= 1
            BATTERY["requests"] += 1
            if reader.closed is not None:
                if reader.closed == 1009 and len(raw) > FRAME_MAX:
                    BATTERY["refused"] += 1  # over 64 KiB: closed before parsing, by design
                else:
                    failures.append(f"{where}: the socket closed with {reader.closed}")
                    BATTERY["5xx"] += 1
                socket = await joined(room, claimant)
                reader = Reader(socket)
                continue
            errors = [a for a in answers if a["type"] == "error"]
            stored = await count() - before
            if errors:
                BATTERY["refused"] += 1
                if not all(e.get("code") and e.get("detail") for e in errors):
                    failures.append(f"{where}: an error frame without code or detail: {errors}")
                if stored:
                    BATTERY["changed"] += 1
                    failures.append(f"{where}: refused, yet stored {stored} message(s)")
                continue
            BATTERY["accepted"] += 1
            if frame_type == "send":
                frame = decoded(text)
                message = await sync_to_async(Message.objects.filter(room_id=room).order_by("-seq").first)()
                if stored != 1 or frame is None or message.body != frame["body"]:
                    failures.append(
                        f"{where}: accepted, stored {stored}, body {message and message.body!r:.60}"
                    )
                    continue

                def mine(f, frame=frame):
                    return f["type"] == "message" and f["message"]["client_msg_id"] == frame["client_msg_id"]

                # The broadcast copy may come after the probe's answer (through Redis, it often does).
                echoes = [a for a in answers if mine(a)] or (await reader.until(mine))[-1:]
                echo = echoes[-1]["message"] if echoes and mine(echoes[-1]) else {}
                if echo.get("body") != frame["body"]:
                    failures.append(f"{where}: the message frame differs from the input")
            elif stored:
                failures.append(f"{where}: a {frame_type} frame stored a message")
    await socket.disconnect()
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:60])


@pytest.fixture
def world_in_mediation(dispute, advance, claimant, outsider, regions):
    """The claimant's joint room of a dispute in mediation, and the placeholders' ids."""
    from mediation.models import Room

    mediating = advance(dispute, "in_mediation")
    room = Room.objects.get(dispute=mediating, party="")
    other_grid = regions["grid2"] if mediating.grid_id != regions["grid2"].pk else regions["grid1"]
    return room.pk, claimant, {"OTHER_GRID": other_grid.pk, "OTHER_USER": outsider.pk}
