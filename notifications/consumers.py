"""/ws/notifications/: live push of the signed-in user's new in-app notices.

Authenticated like the chat (config/ws.py: session cookie from an allowed origin, or a
?ticket=). Accepts first, then closes with 4401 when nobody is signed in. Frames:
{"type": "hello", "unread": n} on connect, then {"type": "notification", "notification": {...}}.
Like every socket of the site (accounts.sockets): a frame over 64 KiB closes it with 1009,
and it closes with 4401 within RECHECK_SECONDS (20 s) after its session or token ends.
"""

from __future__ import annotations

import json

from channels.db import database_sync_to_async

from accounts.sockets import NOT_AUTHENTICATED, GuardedConsumer

from . import push, services


class NotificationConsumer(GuardedConsumer):
    group = ""

    async def connect(self):
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.shut(NOT_AUTHENTICATED)
            return
        self.group = push.group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        unread = await database_sync_to_async(services.unread_count)(user)
        await self.send(text_data=json.dumps({"type": "hello", "unread": unread}))
        self.guard()

    async def disconnect(self, code):
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        """Nothing to say to the server: the inbox API marks notices read."""

    async def notification_revoke(self, event):
        """The user signed out or was deactivated."""
        await self.shut(NOT_AUTHENTICATED)

    async def notification_push(self, event):
        if not self.closing:
            frame = {"type": "notification", "notification": event["notification"]}
            await self.send(text_data=json.dumps(frame, ensure_ascii=False))
