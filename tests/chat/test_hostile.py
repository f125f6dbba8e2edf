"""The chat socket against hostile input: frames that once ended a socket, the frame size
limit, the handshake's origin and header rules, and sessions that end while a socket is open
(docs/chat-protocol.md, docs/security.md)."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.models import Session
from django.db import connections
from django.utils import timezone
from rest_framework.authtoken.models import Token

from config.asgi import application
from mediation.models import Message

from .conftest import ORIGIN, close_code, joined, next_of, open_socket, session_cookie, token_ticket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def close_consumer_connections():
    yield
    await database_sync_to_async(connections.close_all)()


async def still_alive(socket) -> None:
    """The socket answers a sync after whatever came before."""
    await socket.send_json_to({"type": "sync", "after": 0})
    assert (await next_of(socket, "synced"))["type"] == "synced"


HOSTILE = {
    "lone surrogate in body": '{"type": "send", "body": "x\\ud800y", "client_msg_id": "s-1"}',
    "lone surrogate in client_msg_id": '{"type": "send", "body": "x", "client_msg_id": "\\udfff"}',
    "NUL in client_msg_id": '{"type": "send", "body": "x", "client_msg_id": "a\\u0000b"}',
    "10,000-deep array": '{"type": "send", "body": ' + "[" * 10_000 + "]" * 10_000 + "}",
    "9,000-deep object": '{"a":' * 9_000 + "1" + "}" * 9_000,
    "after = 2**63": json.dumps({"type": "sync", "after": 2**63}),
    "seq = 2**63": json.dumps({"type": "read", "seq": 2**63}),
    "a 5,000-digit integer": '{"type": "sync", "after": ' + "9" * 5000 + "}",
    "NaN": '{"type": "sync", "after": NaN}',
    "Infinity": '{"type": "sync", "after": Infinity}',
    "1e309": '{"type": "sync", "after": 1e309}',
    "duplicate keys": '{"type": "sync", "after": 0, "after": 1}',
    "duplicate type": '{"type": "typing", "type": "send", "body": "x", "client_msg_id": "d"}',
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
async def test_a_hostile_frame_gets_an_error_and_the_socket_lives(rooms, claimant, text):
    socket = await joined(rooms["joint"].pk, claimant)
    await socket.send_to(text_data=text)
    error = await next_of(socket, "error")
    assert error["code"] == "bad_frame" and error["detail"]
    await still_alive(socket)
    await socket.send_json_to({"type": "send", "body": "还在", "client_msg_id": "after"})
    assert (await next_of(socket, "message"))["message"]["body"] == "还在"
    await socket.disconnect()
    assert await sync_to_async(Message.objects.count)() == 1


async def test_the_largest_seq_is_accepted(rooms, claimant):
    socket = await joined(rooms["joint"].pk, claimant)
    await socket.send_json_to({"type": "sync", "after": 2**63 - 1})
    assert await next_of(socket, "synced") == {"type": "synced", "last_seq": 2**63 - 1}
    await socket.disconnect()


async def test_a_frame_naming_another_room_is_refused_and_stores_nothing(rooms, claimant):
    socket = await joined(rooms["joint"].pk, claimant)
    other = rooms["claimant"].pk
    await socket.send_json_to({"type": "send", "room": other, "body": "错房间", "client_msg_id": "w"})
    assert (await next_of(socket, "error"))["code"] == "wrong_room"
    assert await sync_to_async(Message.objects.count)() == 0
    await socket.send_json_to({"type": "send", "room": rooms["joint"].pk, "body": "对", "client_msg_id": "r"})
    assert (await next_of(socket, "message"))["message"]["body"] == "对"
    await socket.disconnect()


async def test_a_frame_over_64_kib_closes_with_1009_before_parsing(rooms, claimant):
    socket = await joined(rooms["joint"].pk, claimant)
    await socket.send_to(text_data="[" * (64 * 1024 + 1))  # not even JSON: never parsed
    assert await close_code(socket) == 1009


async def test_64_kib_of_three_byte_characters_is_over_the_limit(rooms, claimant):
    socket = await joined(rooms["joint"].pk, claimant)
    await socket.send_json_to({"type": "send", "body": "长" * 22_000, "client_msg_id": "big"})
    assert await close_code(socket) == 1009


async def test_a_binary_frame_over_64_kib_closes_with_1009(rooms, claimant):
    socket = await joined(rooms["joint"].pk, claimant)
    await socket.send_to(bytes_data=b"\x00" * (64 * 1024 + 1))
    assert await close_code(socket) == 1009


async def test_a_frame_just_under_64_kib_is_answered(rooms, claimant):
    socket = await joined(rooms["joint"].pk, claimant)
    await socket.send_json_to({"type": "send", "body": "x" * 60_000, "client_msg_id": "big"})
    assert (await next_of(socket, "error"))["code"] == "too_long"
    await still_alive(socket)
    await socket.disconnect()


# --- the handshake ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "origin",
    [
        "null",
        "http://127.0.0.1:8000.evil.test",
        "http://127.0.0.1.evil.test:8000",
        "http://evil.test/127.0.0.1:8000",
        "http://127.0.0.1:8001",
        "http://127.0.0.1",
        "https://127.0.0.1:8000",
        "ws://127.0.0.1:8000",
    ],
)
async def test_a_foreign_look_alike_or_null_origin_is_refused_before_accept(rooms, claimant, origin):
    socket = await open_socket(rooms["joint"].pk, claimant, origin=origin)
    assert not socket.connected
    ticket = await sync_to_async(token_ticket)(claimant)
    socket = await open_socket(rooms["joint"].pk, origin=origin, ticket=ticket)
    assert not socket.connected


async def test_a_socket_without_origin_or_ticket_is_refused_before_accept(rooms, claimant):
    socket = await open_socket(rooms["joint"].pk, claimant, origin=None)
    assert not socket.connected
    socket = await open_socket(rooms["joint"].pk, origin=None)
    assert not socket.connected


@pytest.mark.parametrize("value", [b"x\r\nX-Injected: 1", b"x\x00y", b"x\x1by", b"x\x7f"])
async def test_a_header_value_with_a_control_character_is_refused(rooms, claimant, value):
    cookie = await sync_to_async(session_cookie)(claimant)
    headers = [(b"origin", ORIGIN.encode()), (b"cookie", f"sessionid={cookie}".encode()), (b"x-note", value)]
    socket = WebsocketCommunicator(application, f"/ws/rooms/{rooms['joint'].pk}/", headers=headers)
    connected, _ = await socket.connect(timeout=5)
    assert not connected


async def test_a_header_with_a_tab_is_fine(rooms, claimant):
    cookie = await sync_to_async(session_cookie)(claimant)
    headers = [
        (b"origin", ORIGIN.encode()),
        (b"cookie", f"sessionid={cookie}".encode()),
        (b"x-note", b"a\tb"),
    ]
    socket = WebsocketCommunicator(application, f"/ws/rooms/{rooms['joint'].pk}/", headers=headers)
    connected, _ = await socket.connect(timeout=5)
    assert connected
    assert (await next_of(socket, "hello"))["writable"] is True
    await socket.disconnect()


# --- sessions that end while the socket is open ----------------------------------------------
def expire_sessions() -> None:
    Session.objects.update(expire_date=timezone.now() - timezone.timedelta(seconds=1))


async def test_a_socket_closes_within_a_recheck_after_its_session_expires(
    rooms, claimant, recheck_every_second
):
    socket = await joined(rooms["joint"].pk, claimant)
    await still_alive(socket)
    await sync_to_async(expire_sessions)()
    assert await close_code(socket, timeout=4) == 4401


async def test_a_socket_closes_when_its_session_is_deleted(rooms, claimant, recheck_every_second):
    socket = await joined(rooms["joint"].pk, claimant)
    await sync_to_async(Session.objects.all().delete)()
    assert await close_code(socket, timeout=4) == 4401


async def test_a_live_session_keeps_its_socket_across_rechecks(rooms, claimant, recheck_every_second):
    socket = await joined(rooms["joint"].pk, claimant)
    await asyncio.sleep(2.5)
    await still_alive(socket)
    await socket.disconnect()


# --- tickets live as long as the sign-in that asked for them ----------------------------------
def revoke_tokens() -> None:
    Token.objects.all().delete()  # what logging out does (accounts.signals)


def age_tokens(settings) -> None:
    Token.objects.update(created=timezone.now() - settings.SESSION_TOKEN_TTL - timezone.timedelta(seconds=1))


async def test_a_ticket_socket_closes_within_a_recheck_after_its_token_is_revoked(
    rooms, claimant, recheck_every_second
):
    ticket = await sync_to_async(token_ticket)(claimant)
    socket = await joined(rooms["joint"].pk, None, ticket=ticket, origin=None)
    await asyncio.sleep(1.5)  # a recheck or more with the token alive
    await still_alive(socket)
    await sync_to_async(revoke_tokens)()
    assert await close_code(socket, timeout=4) == 4401


async def test_a_ticket_socket_closes_within_a_recheck_after_its_token_expires(
    rooms, claimant, recheck_every_second, settings
):
    ticket = await sync_to_async(token_ticket)(claimant)
    socket = await joined(rooms["joint"].pk, None, ticket=ticket, origin=None)
    await sync_to_async(age_tokens)(settings)
    assert await close_code(socket, timeout=4) == 4401


async def test_a_ticket_socket_closes_when_the_session_that_asked_for_it_ends(
    rooms, claimant, recheck_every_second
):
    from django.test import Client

    def ticket_from_the_session():
        client = Client()
        client.force_login(claimant)
        return client.post("/api/v1/ws-tickets/", {}, content_type="application/json").json()["ticket"]

    ticket = await sync_to_async(ticket_from_the_session)()
    socket = await joined(rooms["joint"].pk, None, ticket=ticket, origin=None)
    await still_alive(socket)
    await sync_to_async(expire_sessions)()
    assert await close_code(socket, timeout=4) == 4401


async def test_a_ticket_asked_for_with_a_since_revoked_token_opens_nothing(rooms, claimant):
    ticket = await sync_to_async(token_ticket)(claimant)
    await sync_to_async(revoke_tokens)()
    socket = await open_socket(rooms["joint"].pk, ticket=ticket, origin=None)
    assert await close_code(socket) == 4401


async def test_a_ticket_asked_for_by_a_session_opens_nothing_after_a_password_change(rooms, claimant):
    """A password reset keeps the session row but ends its sign-in (Django's session hash)."""
    from django.test import Client

    def ticket_then_new_password():
        client = Client()
        client.force_login(claimant)
        ticket = client.post("/api/v1/ws-tickets/", {}, content_type="application/json").json()["ticket"]
        claimant.set_password("a-new-password-9")
        claimant.save(update_fields=["password"])
        return ticket

    ticket = await sync_to_async(ticket_then_new_password)()
    socket = await open_socket(rooms["joint"].pk, ticket=ticket, origin=None)
    assert await close_code(socket) == 4401


async def test_a_redeemed_ticket_forgets_its_credential(rooms, claimant):
    from mediation.models import WsTicket

    ticket = await sync_to_async(token_ticket)(claimant)
    assert (await WsTicket.objects.aget()).credential.startswith("token:")
    socket = await joined(rooms["joint"].pk, None, ticket=ticket, origin=None)
    assert (await WsTicket.objects.aget()).credential == ""
    await socket.disconnect()


# --- the rate limit is the user's, not the connection's --------------------------------------
async def test_four_sockets_of_one_user_share_one_rate_limit(rooms, claimant, settings):
    settings.CHAT_RATE = 5
    sockets = [await joined(rooms["joint"].pk, claimant) for _ in range(4)]
    for n, socket in enumerate(sockets):
        for m in range(15):
            await socket.send_json_to({"type": "send", "body": f"{n}-{m}", "client_msg_id": f"{n}-{m}"})
    await asyncio.sleep(1)
    stored = await sync_to_async(Message.objects.count)()
    assert 5 <= stored <= 11  # one window, or two when the burst straddles a second
    for socket in sockets:
        await socket.disconnect()


async def test_rest_sending_shares_the_limit_and_answers_429(rooms, claimant, settings):
    from rest_framework.test import APIClient

    settings.CHAT_RATE = 5

    def post_all():
        client = APIClient()
        client.force_authenticate(claimant)
        url = f"/api/v1/rooms/{rooms['joint'].pk}/messages/"
        return [client.post(url, {"body": "x", "client_msg_id": f"r-{n}"}, format="json") for n in range(20)]

    responses = await sync_to_async(post_all)()
    codes = [r.status_code for r in responses]
    assert 5 <= codes.count(201) <= 10 and codes.count(429) >= 10
    refused = next(r for r in responses if r.status_code == 429)
    assert refused.json()["code"] == "rate_limited" and refused.json()["detail"]


@pytest.mark.parametrize("code", [1009, 1011])
def test_daphne_sends_the_close_codes_the_chat_uses(code):
    """autobahn's sendClose raises for 1009 and 1011 (it allows 1000 and 3000-4999 only),
    which left such sockets open; config/ws.py sends them as close frames."""
    from daphne.ws_protocol import WebSocketProtocol

    sent = []
    protocol = WebSocketProtocol.__new__(WebSocketProtocol)
    protocol.sendCloseFrame = lambda code=None, reasonUtf8=None, isReply=False: sent.append(code)
    protocol.serverClose(code=code)
    assert sent == [code]


def test_daphne_sends_nothing_to_a_closing_socket():
    """Once the client's close frame is read, autobahn raised on each send, killing a
    consumer broadcasting to that socket; config/ws.py drops those sends."""
    from daphne.ws_protocol import WebSocketProtocol

    protocol = WebSocketProtocol.__new__(WebSocketProtocol)
    protocol.state = WebSocketProtocol.STATE_CLOSING
    protocol.serverSend("来晚了", False)


async def test_daphne_reads_a_flooding_socket_in_paced_batches(settings):
    """Under daphne (config/ws.py), frames past twice the rate (plus a call's signalling
    allowance, docs/features/calls.md) in one second never reach the
    application, and the socket is not read for a while (TCP pushes back on the sender)."""
    import time

    from daphne.ws_protocol import WebSocketProtocol

    from config import ws

    class Transport:  # the TCP connection: only whether it is being read
        reading = True

        def pauseProducing(self):
            self.reading = False

        def resumeProducing(self):
            self.reading = True

    settings.CHAT_RATE = 10
    protocol = WebSocketProtocol.__new__(WebSocketProtocol)
    protocol.muted, protocol.client_addr, protocol.state = False, None, WebSocketProtocol.STATE_OPEN
    protocol.application_queue, protocol.transport = asyncio.Queue(), Transport()
    await asyncio.sleep(1.02 - time.monotonic() % 1)  # early in a second
    limit = ws.frames_per_second()  # twice the rate, and a call's signalling burst and rate
    assert limit == 2 * 10 + 50 + 20
    for n in range(limit + 30):
        protocol.onMessage(f'{{"n": {n}}}'.encode(), False)
    assert protocol.application_queue.qsize() == limit and not protocol.transport.reading
    await asyncio.sleep(ws.PAUSE + 0.05)
    assert protocol.transport.reading
    first = [protocol.application_queue.get_nowait()["text"] for _ in range(20)]
    assert first == [f'{{"n": {n}}}' for n in range(20)]


async def test_a_flood_of_2000_frames_over_4_sockets_stores_only_the_users_limit(rooms, claimant):
    """2,000 frames as fast as the test client sends them (in one process that is well under
    1,000 a second) over 4 sockets of one user: only the limit per calendar second is stored,
    and each socket gets at most one `rate_limited` error a second, not one per refused frame.
    Other rooms' latency under a flood is measured by bench/chat_flood.py (docs/benchmarks.md)."""
    import math
    import time

    flooders = [await joined(rooms["claimant"].pk, claimant) for _ in range(4)]
    started = time.monotonic()
    for n in range(2000):
        await flooders[n % 4].send_json_to({"type": "send", "body": f"f{n}", "client_msg_id": f"f{n}"})
        if n % 10 == 9:
            await asyncio.sleep(0.01)
    elapsed = time.monotonic() - started
    await asyncio.sleep(0.5)
    stored = await sync_to_async(Message.objects.filter(room=rooms["claimant"]).count)()
    assert 10 <= stored <= 10 * (math.ceil(elapsed) + 1)
    for socket in flooders:
        errors = []
        while not await socket.receive_nothing(timeout=0.2):
            frame = await socket.receive_json_from()
            if frame["type"] == "error":
                errors.append(frame["code"])
        assert set(errors) == {"rate_limited"} and len(errors) <= math.ceil(elapsed) + 1
        await socket.disconnect()
