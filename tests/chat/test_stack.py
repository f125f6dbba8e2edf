"""The chat on the production stack: two daphne processes, Redis (PubSub layer), PostgreSQL.

Runs only when DATABASE_URL is PostgreSQL and REDIS_URL is set (make test-stack). The
daphne processes and this test share a real database created (and dropped) here, not the
pytest-django test database, whose transactions the servers could not see. Clients speak
the protocol with the `websockets` library and authenticate with tickets, as a mobile
app would.
"""

from __future__ import annotations

import asyncio
import os
import random
from pathlib import Path

import pytest

from tests.stack_harness import (
    REDIS_URL,
    ChatClient,
    Daphne,
    Database,
    free_port,
    migrate,
    needs_stack,
    python_json,
    until,
)

pytestmark = [pytest.mark.stack, needs_stack]
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


class Stack:
    def __init__(self, logs: Path):
        self.db = Database("chat_stack")
        self.env = dict(
            os.environ,
            DATABASE_URL=self.db.url,
            REDIS_URL=REDIS_URL,
            DJANGO_SETTINGS_MODULE="config.settings_test",
            TIAOJIE_CHAT_PRESENCE_TTL=str(PRESENCE_TTL),
            # The per-connection limit (10/s) has its own tests; here it would only slow the stream.
            TIAOJIE_CHAT_RATE="1000",
        )
        self.ports = [free_port()]
        self.ports.append(free_port(tuple(self.ports)))
        self.servers = {port: Daphne(self.env, logs / f"daphne-{port}.log", port) for port in self.ports}

    def setup(self) -> dict:
        self.db.create()
        migrate(self.env)
        self.data = python_json(SEED, self.env)
        for server in self.servers.values():
            server.start()
        return self.data

    def start(self, port: int) -> None:
        self.servers[port].start()

    def kill(self, port: int) -> None:
        self.servers[port].kill()  # no goodbye: presence rows stay until they expire

    def client(self, who: str, room: int, port: int) -> ChatClient:
        return ChatClient(self.ports, self.data["users"][who], room, port, who)

    def teardown(self) -> None:
        for server in self.servers.values():
            server.kill()
        self.db.drop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = Stack(tmp_path_factory.mktemp("chat-stack"))
    try:
        stack.setup()
        yield stack
    finally:
        stack.teardown()


# --- the tests --------------------------------------------------------------------------------
async def test_clients_on_different_processes_talk_and_see_each_other_online(stack):
    a_port, b_port = stack.ports
    room = stack.data["rooms"]["joint"]
    users = stack.data["users"]
    claimant = stack.client("claimant", room, a_port)
    respondent = stack.client("respondent", room, b_port)
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
        stack.client(who, room, stack.ports[n % 2])
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
    on_a = stack.client("respondent", room, a_port)
    on_b = stack.client("claimant", room, b_port)
    for client in (on_a, on_b):
        client.start()
        await until(client.connected.is_set, 10, f"{client.who} connected")
    both = {users["claimant"]["id"], users["respondent"]["id"]}
    # At least both: a socket of an earlier test on a killed process may still count until its TTL.
    await until(lambda: any(both <= set(online) for online in on_b.presence), 5, "both online")
    on_a.closed = True  # it must not reconnect elsewhere
    await asyncio.to_thread(stack.kill, a_port)
    await asyncio.sleep(PRESENCE_TTL + 1)
    late = stack.client("mediator", room, b_port)
    late.start()
    expected = sorted([users["claimant"]["id"], users["mediator"]["id"]])
    await until(lambda: on_b.presence[-1] == expected, 10, "the dead process's socket to drop out")
    for client in (on_b, late):
        await client.stop()
    on_a.task.cancel()
    await asyncio.to_thread(stack.start, a_port)
