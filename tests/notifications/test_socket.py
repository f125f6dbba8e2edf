"""/ws/notifications/ under the rules every socket of the site follows (accounts.sockets,
docs/security.md#websockets): the 64 KiB frame limit, and closing once the session or the
token behind it ends."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.models import Session
from django.db import connections
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts import sockets
from config.asgi import application
from mediation.chat import tickets
from tests import factories

from .test_inbox import ORIGIN, _cookie

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def close_consumer_connections():
    yield
    await database_sync_to_async(connections.close_all)()


@pytest.fixture
def recheck_every_second(monkeypatch):
    monkeypatch.setattr(sockets, "RECHECK_SECONDS", 1.0)


async def signed_in(*, ticket: bool = False):
    """A socket past its hello: with the user's session cookie, or with a ticket asked for
    with the user's API token (no Origin, as a mobile app)."""
    user = await sync_to_async(factories.UserFactory)(username="u")
    if ticket:
        token = await Token.objects.acreate(user=user)
        issued = await sync_to_async(tickets.issue_ticket)(user, ("token", token.key))
        socket = WebsocketCommunicator(application, f"/ws/notifications/?ticket={issued}")
    else:
        cookie = await sync_to_async(_cookie)(user)
        headers = [(b"origin", ORIGIN.encode()), (b"cookie", f"sessionid={cookie}".encode())]
        socket = WebsocketCommunicator(application, "/ws/notifications/", headers=headers)
    connected, _ = await socket.connect(timeout=5)
    assert connected
    assert (await socket.receive_json_from(timeout=3)) == {"type": "hello", "unread": 0}
    return socket


async def close_code(socket, timeout: float = 3) -> int:
    output = await socket.receive_output(timeout=timeout)
    assert output["type"] == "websocket.close", output
    return output["code"]


@pytest.mark.parametrize(
    "frame",
    [
        {"text_data": "[" * (64 * 1024 + 1)},
        {"text_data": "长" * 22_000},
        {"bytes_data": b"\0" * (64 * 1024 + 1)},
    ],
    ids=["65,537 ASCII bytes", "66,000 UTF-8 bytes", "binary"],
)
async def test_a_frame_over_64_kib_closes_with_1009(frame):
    socket = await signed_in()
    await socket.send_to(**frame)
    assert await close_code(socket) == 1009


async def test_a_frame_under_64_kib_is_ignored_and_the_socket_lives():
    socket = await signed_in()
    await socket.send_to(text_data="x" * 60_000)
    assert await socket.receive_nothing(timeout=0.5)
    await socket.disconnect()


def expire_sessions() -> None:
    Session.objects.update(expire_date=timezone.now() - timezone.timedelta(seconds=1))


async def test_the_socket_closes_within_a_recheck_after_its_session_expires(recheck_every_second):
    socket = await signed_in()
    await sync_to_async(expire_sessions)()
    assert await close_code(socket, timeout=4) == 4401


async def test_the_socket_closes_within_a_recheck_after_the_idle_timeout(recheck_every_second):
    """The session row is still there, but nothing was requested for SESSION_IDLE_TIMEOUT."""
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.sessions import SEEN_AT

    socket = await signed_in()

    def go_idle():
        for row in Session.objects.all():
            session = SessionStore(row.session_key)
            session[SEEN_AT] -= settings.SESSION_IDLE_TIMEOUT.total_seconds() + 1
            session.save()

    await sync_to_async(go_idle)()
    assert await close_code(socket, timeout=4) == 4401


async def test_a_live_session_keeps_its_socket_across_rechecks(recheck_every_second):
    socket = await signed_in()
    assert await socket.receive_nothing(timeout=2.5)
    await socket.disconnect()


async def test_a_ticket_socket_closes_within_a_recheck_after_its_token_is_revoked(recheck_every_second):
    socket = await signed_in(ticket=True)
    assert await socket.receive_nothing(timeout=1.5)
    await Token.objects.all().adelete()
    assert await close_code(socket, timeout=4) == 4401
