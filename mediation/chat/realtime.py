"""Telling open sockets that something happened: new messages, lost access, logouts.

The channel layer is at-most-once: it only says "something new"; the database is the log
(clients `sync` from it). Frames are serialised once here, not once per receiving socket.
"""

from __future__ import annotations

import asyncio
import json
from functools import partial

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def user_group(user_id: int) -> str:
    return f"chat-user-{user_id}"


def _send(group: str, event: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        async_to_sync(layer.group_send)(group, event)  # the usual case: sync code, no loop here
    else:
        loop.create_task(layer.group_send(group, event))  # sync code called on a running loop


def broadcast(group: str, frame: dict) -> None:
    """Send a frame to every socket in a room group. Call after commit (post_message does)."""
    broadcast_text(group, json.dumps(frame, ensure_ascii=False))


def broadcast_text(group: str, text: str) -> None:
    """Send an encoded frame to every socket in a room group; receivers pass it on as is."""
    _send(group, {"type": "chat.frame", "text": text})


def recheck_rooms_on_commit(room_ids: list[int]) -> None:
    """After commit, every socket in these rooms re-checks its access and writability."""
    for room_id in room_ids:
        transaction.on_commit(partial(_send, f"room-{room_id}", {"type": "chat.recheck"}))


def close_user_sockets_on_commit(user_id: int, code: int) -> None:
    """After commit (at once outside a transaction), close every chat socket of a user."""
    transaction.on_commit(partial(_send, user_group(user_id), {"type": "chat.revoke", "code": code}))


def send_event(group: str, event: dict) -> None:
    """Send a channel-layer event to a group (calls' state, docs/features/calls.md)."""
    _send(group, event)
