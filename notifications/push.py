"""Live push of in-app notices to the user's open /ws/notifications/ sockets.

At most once, like every channel-layer send: the inbox (database) is the record; a socket
that missed a push sees the notice in the list.
"""

from __future__ import annotations

import asyncio
from functools import partial

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def group(user_id: int) -> str:
    return f"notifications-{user_id}"


def frame(row) -> dict:
    return {
        "id": row.pk,
        "event": row.kind,
        "title": row.title,
        "body": row.body,
        "link": row.link,
        "dispute": row.dispute_id,
        "created_at": row.created_at.isoformat(),
        "read": row.read_at is not None,
    }


def _send(user_id: int, event: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        async_to_sync(layer.group_send)(group(user_id), event)  # sync code, no loop here
    else:
        loop.create_task(layer.group_send(group(user_id), event))  # sync code on a running loop


def notify_user(row) -> None:
    """Call after commit."""
    if row.user_id is not None:
        _send(row.user_id, {"type": "notification.push", "notification": frame(row)})


def close_sockets_on_commit(user_id: int) -> None:
    transaction.on_commit(partial(_send, user_id, {"type": "notification.revoke"}))


def on_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        close_sockets_on_commit(user.pk)


def on_user_saved(sender, instance, created, **kwargs) -> None:
    if not created and not instance.is_active:
        close_sockets_on_commit(instance.pk)
