"""The chat on the production stack: two daphne processes, Redis (PubSub layer), PostgreSQL.

Runs only when DATABASE_URL is PostgreSQL and REDIS_URL is set (make test-stack). The
daphne processes and this test share a real database created (and dropped) here, not the
pytest-django test database, whose transactions the servers could not see. Clients speak
the protocol with the `websockets` library and authenticate with tickets, as a mobile
app would.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
pytestmark = [
    pytest.mark.stack,
    pytest.mark.skipif(
        not (DATABASE_URL.startswith(("postgres://", "postgresql://")) and REDIS_URL),
        reason="needs DATABASE_URL (PostgreSQL) and REDIS_URL",
    ),
]
ROOT = Path(__file__).resolve().parents[2]
TOTAL = 5000  # messages in the stream
FORCED_RECONNECTS = 20
PRESENCE_TTL = 6  # seconds; the servers heartbeat every 2 s

SEED = """
import json, django
django.setup()
from rest_framework.authtoken.models import Token
from disputes import services
from mediation.models import Room
from tests import factories
regions = factories.region_tree()
claimant = factories.UserFactory(username="claimant", full_name="张三")
respondent = factories.UserFactory(username="respondent", full_name="李四")
worker = factories.staff("grid_worker", regions["grid1"], username="grid_worker")
mediator = factories.staff("mediator", regions["community1"], username="mediator")
dispute = factories.file_dispute(claimant, regions["grid1"], respondent.phone)
for name, user, payload in [
    ("accept", worker, {}), ("respondent_accept", respondent, {}),
    ("assign_mediator", worker, {"mediator": mediator.pk}), ("mediator_accept", mediator, {}),
]:
    services.fire(dispute.pk, name, by=user, payload=payload)
users = {"claimant": claimant, "respondent": respondent, "mediator": mediator}
print(json.dumps({
    "rooms": {room.party or "joint": room.pk for room in Room.objects.filter(dispute=dispute)},
    "users": {name: {"id": u.pk, "token": Token.objects.get_or_create(user=u)[0].key} for name, u in users.items()},
}))
"""


# --- the stack --------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def categories():
    """Overrides the chat conftest's: these tests use their own database, not the test one."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    def __init__(self):
        parts = urlsplit(DATABASE_URL)
        self.db_name = f"tiaojie_chat_stack_{os.getpid()}"
        self.admin_url = urlunsplit(parts._replace(path="/postgres"))
        self.env = dict(
            os.environ,
            DATABASE_URL=urlunsplit(parts._replace(path=f"/{self.db_name}")),
            REDIS_URL=REDIS_URL,
            DJANGO_SETTINGS_MODULE="config.settings_test",
            TIAOJIE_CHAT_PRESENCE_TTL=str(PRESENCE_TTL),
            # The per-connection limit (10/s) has its own tests; here it would only slow the stream.
            TIAOJIE_CHAT_RATE="1000",
        )
        self.ports = [free_port()]
        while len(self.ports) < 2:
            port = free_port()
            if port not in self.ports:
                self.ports.append(port)
        self.servers: dict[int, subprocess.Popen] = {}

    def sql(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(statement)

    def setup(self) -> dict:
        self.sql(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        self.sql(f'CREATE DATABASE "{self.db_name}"')
        python = sys.executable
        subprocess.run([python, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=self.env, check=True,
                       capture_output=True)  # fmt: skip
        seeded = subprocess.run([python, "-c", SEED], cwd=ROOT, env=self.env, check=True, capture_output=True)
        self.data = json.loads(seeded.stdout.decode().strip().splitlines()[-1])
        for port in self.ports:
            self.start(port)
        return self.data

    def start(self, port: int) -> None:
        command = [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "config.asgi:application",
        ]
        process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                self.servers[port] = process
                return
            except OSError:
                time.sleep(0.1)
        process.kill()
        raise RuntimeError(f"daphne did not start on {port}")

    def kill(self, port: int) -> None:
        process = self.servers.pop(port)
        process.send_signal(signal.SIGKILL)  # no goodbye: presence rows stay until they expire
        process.wait()

    def teardown(self) -> None:
        for port in list(self.servers):
            self.kill(port)
        self.sql(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def stack():
    stack = Stack()
    try:
        stack.setup()
        yield stack
    finally:
        stack.teardown()


# --- a protocol client ------------------------------------------------------------------------
class ChatClient:
    """Connects with a fresh ticket, keeps every message by seq, syncs after each reconnect and
    on any gap, and resends its unacknowledged messages with their client_msg_id."""

    def __init__(self, stack: Stack, who: str, room: int, port: int):
        self.stack, self.who, self.room, self.port = stack, who, room, port
        self.user = stack.data["users"][who]
        self.messages: dict[int, dict] = {}
        self.last = 0  # highest seq held with no gap below it
        self.max_seen = 0
        self.syncing = False
        self.unacked: dict[str, str] = {}
        self.presence: list[list[int]] = []
        self.ws = None
        self.connected = asyncio.Event()
        self.reconnects = 0
        self.closed = False
        self.task = None

    async def ticket(self, port: int) -> str:
        def post():
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1/ws-tickets/", data=b"{}", method="POST",
                headers={"Authorization": f"Token {self.user['token']}", "Content-Type": "application/json"},
            )  # fmt: skip
            with urllib.request.urlopen(request, timeout=5) as response:
                return json.loads(response.read())["ticket"]

        return await asyncio.to_thread(post)

    async def open(self) -> None:
        """Connect (to the other process if this one is down) until it works."""
        import websockets

        ports = self.stack.ports
        while True:
            try:
                ticket = await self.ticket(self.port)
                self.ws = await websockets.connect(
                    f"ws://127.0.0.1:{self.port}/ws/rooms/{self.room}/?ticket={ticket}", open_timeout=5
                )
                return
            except (OSError, TimeoutError, websockets.InvalidHandshake):
                self.port = ports[1 - ports.index(self.port)]
                await asyncio.sleep(0.2)

    async def run(self) -> None:
        import websockets

        while not self.closed:
            await self.open()
            try:
                async for text in self.ws:
                    await self.handle(json.loads(text))
            except websockets.ConnectionClosed:
                pass
            self.connected.clear()
            if not self.closed:
                self.reconnects += 1

    def start(self) -> None:
        self.task = asyncio.create_task(self.run())

    async def stop(self) -> None:
        self.closed = True
        if self.ws is not None:
            await self.ws.close()
        self.task.cancel()

    async def send(self, frame: dict) -> None:
        import websockets

        try:
            await self.ws.send(json.dumps(frame, ensure_ascii=False))
        except (websockets.ConnectionClosed, AttributeError):
            pass  # resent after the reconnect

    async def sync(self, force: bool = False) -> None:
        if force or not self.syncing:
            self.syncing = True
            await self.send({"type": "sync", "after": self.last})

    async def handle(self, frame: dict) -> None:
        kind = frame["type"]
        if kind == "hello":
            await self.sync(force=True)
        elif kind == "message":
            message = frame["message"]
            self.messages[message["seq"]] = message
            self.max_seen = max(self.max_seen, message["seq"])
            if message["author"]["id"] == self.user["id"]:
                self.unacked.pop(message["client_msg_id"], None)
            while self.last + 1 in self.messages:
                self.last += 1
            if self.max_seen > self.last:
                await self.sync()  # a gap: a broadcast was lost, or came before the sync's read
        elif kind == "synced":
            self.syncing = False
            if not self.connected.is_set():
                self.connected.set()
                for client_msg_id, body in list(self.unacked.items()):
                    await self.send({"type": "send", "body": body, "client_msg_id": client_msg_id})
            if self.max_seen > self.last:
                await self.sync()
        elif kind == "presence":
            self.presence.append(frame["online"])
        elif kind == "error":
            raise AssertionError(f"{self.who}: {frame}")

    async def say(self, body: str) -> None:
        client_msg_id = str(uuid.uuid4())
        self.unacked[client_msg_id] = body
        if self.connected.is_set():
            await self.send({"type": "send", "body": body, "client_msg_id": client_msg_id})

    def abort(self) -> None:
        """Drop the connection without a close handshake, like a lost network."""
        if self.ws is not None and self.connected.is_set():
            self.connected.clear()  # at once, so the same drop is not forced (and counted) twice
            self.ws.transport.abort()


async def until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


# --- the tests --------------------------------------------------------------------------------
async def test_clients_on_different_processes_talk_and_see_each_other_online(stack):
    a_port, b_port = stack.ports
    room = stack.data["rooms"]["joint"]
    users = stack.data["users"]
    claimant = ChatClient(stack, "claimant", room, a_port)
    respondent = ChatClient(stack, "respondent", room, b_port)
    for client in (claimant, respondent):
        client.start()
        await until(client.connected.is_set, 10, f"{client.who} connected")
    both = sorted([users["claimant"]["id"], users["respondent"]["id"]])
    await until(lambda: both in claimant.presence and both in respondent.presence, 5, "presence")
    await claimant.say("来自进程A")
    await respondent.say("来自进程B")
    for client in (claimant, respondent):
        await until(lambda c=client: len(c.messages) >= 2 and not c.unacked, 10, "both messages")
    assert claimant.messages == respondent.messages
    assert sorted(m["body"] for m in claimant.messages.values()) == ["来自进程A", "来自进程B"]
    for client in (claimant, respondent):
        await client.stop()


async def test_20_forced_reconnects_and_a_killed_process_lose_nothing_in_5000_messages(stack):
    room = stack.data["rooms"]["joint"]
    clients = [
        ChatClient(stack, who, room, stack.ports[n % 2])
        for n, who in enumerate(["claimant", "respondent", "mediator", "claimant", "mediator", "respondent"])
    ]
    for client in clients:
        client.start()
    for client in clients:
        await until(client.connected.is_set, 15, f"{client.who} connected")
    await asyncio.sleep(0.5)
    start_seq = max(c.last for c in clients)  # messages of earlier tests
    said, all_said = 0, []
    forced = 0
    rng = random.Random(4)

    def progress() -> int:
        """Messages acknowledged so far in this stream."""
        return said - sum(len(c.unacked) for c in clients)

    async def stream(client: ChatClient, count: int, tag: str) -> None:
        nonlocal said
        for n in range(count):
            while len(client.unacked) >= 20:  # a window of unacknowledged messages
                await asyncio.sleep(0.005)
            said += 1
            all_said.append(f"{tag}-{n:05d}")
            await client.say(all_said[-1])

    async def chaos() -> None:
        """A forced reconnect every TOTAL / 24 messages; at 40% one process is killed."""
        nonlocal forced
        step, killed = TOTAL // (FORCED_RECONNECTS + 4), False
        while forced < FORCED_RECONNECTS:
            await until(lambda f=forced: progress() >= (f + 1) * step, 120, "progress")
            if not killed and progress() >= TOTAL * 0.4:
                # Kill one process outright; its clients reconnect to the other and sync.
                victim = stack.ports[0]
                forced += sum(1 for c in clients if c.port == victim and c.connected.is_set())
                await asyncio.to_thread(stack.kill, victim)
                killed = True
                await asyncio.sleep(1)
                await asyncio.to_thread(stack.start, victim)
                continue
            live = [c for c in clients if c.connected.is_set()]
            if live:
                rng.choice(live).abort()
                forced += 1
            await asyncio.sleep(0.05)  # never spin: with every client reconnecting, let them

    per_sender = TOTAL // len(clients)
    streams = [stream(c, per_sender + (1 if n < TOTAL % len(clients) else 0), f"{c.who}{n}")
               for n, c in enumerate(clients)]  # fmt: skip
    await asyncio.wait_for(asyncio.gather(chaos(), *streams), timeout=300)
    await until(lambda: all(not c.unacked for c in clients), 120, "every message acknowledged")
    final = start_seq + TOTAL
    for _ in range(60):  # the last broadcasts may be lost like any: sync until caught up
        if all(c.last >= final for c in clients):
            break
        for client in clients:
            if client.connected.is_set():
                await client.sync(force=True)
        await asyncio.sleep(1)
    assert all(c.last >= final for c in clients), [c.last for c in clients]
    for client in clients:
        await client.stop()

    assert forced >= FORCED_RECONNECTS
    assert sum(c.reconnects for c in clients) >= FORCED_RECONNECTS
    reference = {seq: m for seq, m in clients[0].messages.items() if seq > start_seq}
    assert sorted(reference) == list(range(start_seq + 1, final + 1))  # gap-free, nothing extra
    for client in clients[1:]:
        assert {seq: m for seq, m in client.messages.items() if seq > start_seq} == reference
    bodies = [m["body"] for m in reference.values()]
    # Every message said is stored exactly once. (A sender's own order may change across a
    # reconnect: the old connection's last frames can race the resent ones.)
    assert sorted(bodies) == sorted(all_said)


async def test_presence_recovers_when_a_process_dies(stack):
    a_port, b_port = stack.ports
    room = stack.data["rooms"]["joint"]
    users = stack.data["users"]
    on_a = ChatClient(stack, "respondent", room, a_port)
    on_b = ChatClient(stack, "claimant", room, b_port)
    for client in (on_a, on_b):
        client.start()
        await until(client.connected.is_set, 10, f"{client.who} connected")
    both = {users["claimant"]["id"], users["respondent"]["id"]}
    # At least both: a socket of an earlier test on a killed process may still count until its TTL.
    await until(lambda: any(both <= set(online) for online in on_b.presence), 5, "both online")
    on_a.closed = True  # it must not reconnect elsewhere
    await asyncio.to_thread(stack.kill, a_port)
    await asyncio.sleep(PRESENCE_TTL + 1)
    late = ChatClient(stack, "mediator", room, b_port)
    late.start()
    expected = sorted([users["claimant"]["id"], users["mediator"]["id"]])
    await until(lambda: on_b.presence[-1] == expected, 10, "the dead process's socket to drop out")
    for client in (on_b, late):
        await client.stop()
    on_a.task.cancel()
    await asyncio.to_thread(stack.start, a_port)
