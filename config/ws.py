"""Websocket authentication and the origin rule (docs/chat-protocol.md).

A socket is authenticated either by `?ticket=` (single use, from POST /api/v1/ws-tickets/)
or by the session cookie. Cookies are ambient credentials a browser attaches for any page
that opens the socket, so a cookie is honoured only with an Origin in ALLOWED_WS_ORIGINS
(exact scheme://host:port). A ticket carries no ambient authority, so its socket may omit
Origin; a foreign Origin is refused at the handshake whatever the socket carries.
Sockets without either credential reach the consumer as anonymous (it closes with 4401).

The session is read once, at connect, without Channels' SessionMiddleware: that one wraps
every frame the socket sends to save an HTTP session, which a websocket never does.
"""

from __future__ import annotations

from importlib import import_module
from urllib.parse import parse_qs

from channels.auth import get_user
from channels.db import database_sync_to_async
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http.cookie import parse_cookie


def _origin(scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"origin":
            return value.decode("latin1").strip().rstrip("/").lower()
    return None


class TicketOrCookieAuth:
    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        origin = _origin(scope)
        allowed = {o.rstrip("/").lower() for o in settings.ALLOWED_WS_ORIGINS}
        if origin is not None and origin not in allowed:
            return await WebsocketDenier()(scope, receive, send)
        tickets = parse_qs(scope.get("query_string", b"").decode("latin1")).get("ticket")
        if tickets:
            from mediation.chat.tickets import redeem_ticket

            user = await database_sync_to_async(redeem_ticket)(tickets[0])
            return await self.inner(dict(scope, user=user or AnonymousUser(), auth="ticket"), receive, send)
        if origin is None:
            return await self.inner(dict(scope, user=AnonymousUser(), auth=None), receive, send)
        cookies = {}
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                cookies = parse_cookie(value.decode("latin1"))
                break
        session = import_module(settings.SESSION_ENGINE).SessionStore(
            cookies.get(settings.SESSION_COOKIE_NAME)
        )
        user = await get_user(dict(scope, session=session))
        scope = dict(scope, cookies=cookies, session=session, user=user, auth="cookie")
        return await self.inner(scope, receive, send)
