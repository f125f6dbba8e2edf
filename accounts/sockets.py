"""What every websocket of the site enforces once accepted (docs/security.md#websockets):
frames over 64 KiB close it with 1009 before anything parses them, and the credential it
was opened with (a session, or the API token a ticket was issued under) is re-read every
RECHECK_SECONDS, closing it with 4401 once that credential has ended.

config/ws.py authenticates the handshake and puts `credential` in the scope:
("session", session key) for a cookie socket, ("token", token key) or ("session", key)
for a ticket socket, after the credential that asked for the ticket. The chat
(/ws/rooms/…) and /ws/notifications/ consumers derive from GuardedConsumer.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import weakref
from importlib import import_module

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings

from . import sessions

log = logging.getLogger(__name__)

MAX_FRAME_BYTES = 64 * 1024  # a larger client frame (UTF-8 bytes) closes the socket, unparsed
TOO_BIG = 1009
NOT_AUTHENTICATED = 4401
# A socket outlives its credential by at most this (plus one check's duration).
RECHECK_SECONDS = 20.0

Credential = tuple[str, str]  # ("session" | "token", key)


def frame_too_big(text: str | None, data: bytes | None) -> bool:
    """Whether a client frame is over MAX_FRAME_BYTES; counted without encoding when short."""
    if data is not None:
        return len(data) > MAX_FRAME_BYTES
    if text is None or len(text) * 4 <= MAX_FRAME_BYTES:
        return False
    return len(text) > MAX_FRAME_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_FRAME_BYTES


# --- credentials --------------------------------------------------------------------------------
def session_alive(session_key: str | None, user_id: int) -> bool:
    """Whether a session still signs this user in, read from the session store as it is
    now: not gone (logged out, flushed), not past its expiry date, nor past the idle or
    absolute timeout (accounts.sessions), and made under the user's current password (a
    password reset ends every session this way, as Django's own sign-in check does)."""
    from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.utils.crypto import constant_time_compare

    if not session_key:
        return False
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    if str(session.get(SESSION_KEY)) != str(user_id):  # load() drops an expired session
        return False
    if sessions.session_expired(session):
        return False
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    return user is not None and constant_time_compare(
        session.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash()
    )


def credentials_alive(pairs: list[tuple[Credential | None, int]]) -> list[bool]:
    """For each (credential, user id): does the credential still sign that user in? Tokens
    in one query (deleted at logout, or past SESSION_TOKEN_TTL); sessions one read each."""
    from rest_framework.authtoken.models import Token

    keys = [credential[1] for credential, _ in pairs if credential and credential[0] == "token"]
    tokens = {token.key: token for token in Token.objects.filter(key__in=keys)} if keys else {}
    answers = []
    for credential, user_id in pairs:
        kind, key = credential or (None, None)
        if kind == "token":
            token = tokens.get(key)
            answers.append(
                token is not None and token.user_id == user_id and not sessions.token_expired(token)
            )
        elif kind == "session":
            answers.append(session_alive(key, user_id))
        else:  # a socket opened without a credential cannot prove it still has one
            answers.append(False)
    return answers


def credential_alive(credential: Credential | None, user_id: int) -> bool:
    return credentials_alive([(credential, user_id)])[0]


# --- the consumers' side ---------------------------------------------------------------------------
class Watch:
    """Every RECHECK_SECONDS, re-reads the credentials of this event loop's watched sockets
    and closes those whose credential ended. In chunks of 25 sockets per database call, so
    that other work sharing the database thread (the chat's writer) never waits long."""

    CHUNK = 25

    def __init__(self):
        self.sockets: set[GuardedConsumer] = set()
        self.task: asyncio.Task | None = None

    def add(self, consumer: GuardedConsumer) -> None:
        self.sockets.add(consumer)
        if self.task is None:
            self.task = asyncio.get_running_loop().create_task(self.run())

    async def run(self) -> None:
        try:
            while self.sockets:
                await asyncio.sleep(RECHECK_SECONDS)
                live = [c for c in self.sockets if not c.closing]
                for start in range(0, len(live), self.CHUNK):
                    chunk = live[start : start + self.CHUNK]
                    pairs = [(c.scope.get("credential"), c.scope["user"].pk) for c in chunk]
                    try:
                        answers = await database_sync_to_async(credentials_alive)(pairs)
                    except Exception:  # a database hiccup must not end the loop
                        log.exception("websocket credential check failed")
                        continue
                    for consumer, alive in zip(chunk, answers, strict=True):
                        if not alive:
                            await consumer.shut(NOT_AUTHENTICATED)
        finally:
            self.task = None


_watches: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # one per event loop


def watch() -> Watch:
    loop = asyncio.get_running_loop()
    if loop not in _watches:
        _watches[loop] = Watch()
    return _watches[loop]


class GuardedConsumer(AsyncWebsocketConsumer):
    """A websocket consumer with the site's guards. A subclass calls `self.guard()` once it
    has accepted an authenticated user, and closes through `shut()`.

    Every message costs as little as Channels allows, since a flood of frames is messages
    too (docs/benchmarks.md, "Chat flood"): no thread hop per message, and no asyncio.wait
    and new task per message (see __call__).
    """

    closing = False

    async def __call__(self, scope, receive, send):
        """channels.consumer.AsyncConsumer.__call__ with a lighter loop. Channels' own
        (await_many_dispatch) makes an asyncio.wait and a new task for every message (38 µs
        measured); here two feeders put the client's and the channel layer's messages into
        one queue, dispatched one at a time in arrival order, as before."""
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        sources = [receive]
        if self.channel_layer is not None:
            self.channel_name = await self.channel_layer.new_channel()
            self.channel_receive = functools.partial(self.channel_layer.receive, self.channel_name)
            sources.append(self.channel_receive)
        self.base_send = send
        inbox: asyncio.Queue = asyncio.Queue()

        async def feed(source):
            try:
                while True:
                    inbox.put_nowait(await source())
            except Exception as exc:  # raised in the consumer's loop, as Channels does
                inbox.put_nowait(exc)

        feeders = [asyncio.ensure_future(feed(source)) for source in sources]
        try:
            while True:
                message = await inbox.get()
                if isinstance(message, Exception):
                    raise message
                await self.dispatch(message)
        except StopConsumer:
            pass
        finally:
            for feeder in feeders:
                feeder.cancel()
            await asyncio.gather(*feeders, return_exceptions=True)

    async def dispatch(self, message):
        # Channels 4.2+ hops to a thread before every handler to close stale database
        # connections. The handlers here reach the database only through
        # database_sync_to_async, which does that itself, so messages stay on the event loop.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    def guard(self) -> None:
        watch().add(self)

    async def shut(self, code: int) -> None:
        if not self.closing:
            self.closing = True
            await self.close(code=code)

    async def websocket_receive(self, message):
        if frame_too_big(message.get("text"), message.get("bytes")):  # before parsing anything
            await self.shut(TOO_BIG)
            return
        await super().websocket_receive(message)

    async def websocket_disconnect(self, message):
        self.closing = True
        watch().sockets.discard(self)
        await super().websocket_disconnect(message)
