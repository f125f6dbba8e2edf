"""Live push of in-app notices to the user's open /ws/notifications/ sockets.

At most once, like every channel-layer send: the inbox (database) is the record; a socket
that missed a push sees the notice in the list.
"""

from __future__ import annotations

import asyncio

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


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


def notify_user(row) -> None:
    """Call after commit."""
    layer = get_channel_layer()
    if layer is None or row.user_id is None:
        return
    event = {"type": "notification.push", "notification": frame(row)}
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        async_to_sync(layer.group_send)(group(row.user_id), event)
    else:
        loop.create_task(layer.group_send(group(row.user_id), event))
