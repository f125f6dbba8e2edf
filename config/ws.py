"""Websocket authentication and the origin rule (docs/chat-protocol.md).

A socket is authenticated either by `?ticket=` (single use, from POST /api/v1/ws-tickets/)
or by the session cookie. Cookies are ambient credentials a browser attaches for any page
that opens the socket, so a cookie is honoured only with an Origin in ALLOWED_WS_ORIGINS
(exact scheme://host:port). A ticket carries no ambient authority, so its socket may omit
Origin; a foreign Origin is refused at the handshake whatever the socket carries.
A socket with neither a ticket nor an Origin, an Origin of `null` or any header value with
a control character is refused at the handshake too. Sockets from an allowed origin
without a valid credential reach the consumer as anonymous (it closes with 4401).

The session is read at connect without Channels' SessionMiddleware: that one wraps every
frame the socket sends to save an HTTP session, which a websocket never does. The scope's
`credential` (the session, or the sign-in a ticket was issued under) is re-read while the
socket lives (accounts.sockets), which closes the socket once it ends.
"""

from __future__ import annotations

import asyncio
import time
from importlib import import_module
from urllib.parse import parse_qs

from channels.auth import get_user
from channels.db import database_sync_to_async
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http.cookie import parse_cookie

# Control characters other than tab; a header value carrying one is refused (smuggling).
_CONTROL = bytes(range(0x20)).replace(b"\t", b"") + b"\x7f"


def _origin(scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"origin":
            return value.decode("latin1").strip().rstrip("/").lower()
    return None


def _clean_headers(scope) -> bool:
    return not any(
        any(c in _CONTROL for c in value) or any(c in _CONTROL for c in name)
        for name, value in scope.get("headers", [])
    )


def allow_protocol_close_codes() -> None:
    """Let applications close with 1008, 1009 and 1011 under daphne, and send nothing
    (rather than raise) to a socket that is closing.

    daphne closes through autobahn's sendClose, which accepts only 1000 and 3000-4999 (the
    codes of its client API) and raises for the rest, so a consumer closing with 1011 stayed
    open and ignored every later frame. RFC 6455 lets a server send these codes; they go out
    through sendCloseFrame, as daphne does itself when an application crashes.
    """
    try:
        from daphne.ws_protocol import WebSocketProtocol
    except ImportError:  # not served by daphne
        return
    if getattr(WebSocketProtocol.serverClose, "protocol_codes", False):
        return
    original = WebSocketProtocol.serverClose

    def server_close(self, code=None):
        if code in (1008, 1009, 1011):
            self.sendCloseFrame(code=code, isReply=False)
        else:
            original(self, code)

    server_close.protocol_codes = True
    WebSocketProtocol.serverClose = server_close
    original_send = WebSocketProtocol.serverSend

    def server_send(self, content, binary=False):
        # Once the client's close frame is read, autobahn raises on every send until daphne
        # learns the connection is gone, killing a consumer that was broadcasting to it.
        if self.state not in (self.STATE_CLOSING, self.STATE_CLOSED):
            original_send(self, content, binary)

    WebSocketProtocol.serverSend = server_send


allow_protocol_close_codes()


def frames_per_second() -> int:
    """Frames a second a socket is read at; twice the chat's rate limit (per user and room,
    so per socket at most), plus a call's signalling burst and rate (offers, answers and ICE
    have their own limit, docs/features/calls.md): it therefore never refuses a frame the limits
    would pass."""
    from mediation.calls import conf

    return 2 * settings.CHAT_RATE + conf.get("CALL_SIGNAL_BURST") + conf.get("CALL_SIGNAL_RATE")


PAUSE = 0.1  # seconds a flooding socket goes unread at a time


def pace_flooding_sockets() -> None:
    """Under daphne, frames a socket sends beyond frames_per_second() in a second are
    dropped before the application sees them, unanswered, like the rate limit's refusals
    (docs/chat-protocol.md#limits), and the socket is read only every PAUSE seconds until
    the second ends (TCP pushes back on its sender meanwhile).

    Refusing a frame in the consumer still cost ~200 µs of the process's one event loop
    (a read, parsing, dispatch); paced, a flood is read in ten small batches a second, each
    short enough not to hold up other sockets (docs/benchmarks.md, "Chat flood").
    """
    try:
        from daphne.ws_protocol import WebSocketProtocol
    except ImportError:  # not served by daphne
        return
    if getattr(WebSocketProtocol.onMessage, "paced", False):
        return
    original = WebSocketProtocol.onMessage

    def on_message(self, payload, is_binary):
        now = time.monotonic()
        second = int(now)
        if getattr(self, "paced_second", None) != second:
            self.paced_second, self.paced_count = second, 0
        self.paced_count += 1
        if self.paced_count <= frames_per_second():
            original(self, payload, is_binary)
        elif not getattr(self, "paced_paused", False):
            self.paced_paused = True
            self.transport.pauseProducing()
            # daphne runs Twisted on the asyncio loop: this is the reactor's clock too.
            asyncio.get_running_loop().call_later(min(PAUSE, second + 1 - now), resume, self)

    def resume(self):
        self.paced_paused = False
        if self.transport is not None and self.state != self.STATE_CLOSED:
            self.transport.resumeProducing()

    on_message.paced = True
    WebSocketProtocol.onMessage = on_message


pace_flooding_sockets()


class TicketOrCookieAuth:
    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        origin = _origin(scope)
        allowed = {o.rstrip("/").lower() for o in settings.ALLOWED_WS_ORIGINS}
        tickets = parse_qs(scope.get("query_string", b"").decode("latin1")).get("ticket")
        if (
            not _clean_headers(scope)
            or (origin is not None and origin not in allowed)
            or (origin is None and not tickets)  # only a ticket's socket may omit Origin
        ):
            return await WebsocketDenier()(scope, receive, send)
        if tickets:
            from mediation.chat.tickets import redeem_ticket

            user, credential = await database_sync_to_async(redeem_ticket)(tickets[0]) or (
                AnonymousUser(),
                None,
            )
            # The ticket's socket lives as long as the sign-in that asked for it (accounts.sockets).
            scope = dict(scope, user=user, credential=credential, auth="ticket")
            return await self.inner(scope, receive, send)
        cookies = {}
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                cookies = parse_cookie(value.decode("latin1"))
                break
        session = import_module(settings.SESSION_ENGINE).SessionStore(
            cookies.get(settings.SESSION_COOKIE_NAME)
        )
        user = await get_user(dict(scope, session=session))
        # Re-read by its key (accounts.sockets), to close the socket once the session ends.
        credential = ("session", session.session_key) if user.is_authenticated else None
        scope = dict(scope, cookies=cookies, session=session, credential=credential, user=user, auth="cookie")
        return await self.inner(scope, receive, send)
