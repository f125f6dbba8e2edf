"""Chat under faults: a daphne process killed during a stream; Redis restarted empty with 50
rooms live. The ledger holds every message the server acknowledged (its seq and
client_msg_id); after recovery every one must be stored once, in seq order, and reach every
member after sync (docs/security.md, "Faults and the ledger")."""

from __future__ import annotations

import asyncio

import pytest

from tests.stack_harness import ChatClient, needs_redis_server, needs_stack, until

from .ledger import Ledger

pytestmark = [pytest.mark.faults, needs_stack, needs_redis_server]
STREAM = 2000  # messages in the stream of the first test
PER_ROOM_CLIENT = 3  # messages each client says before and again after the Redis restart


def acknowledging(ledger: Ledger):
    def on_ack(client: ChatClient, message: dict) -> None:
        ledger.ack_chat(client.room, client.user["id"], message["client_msg_id"], message["seq"])

    return on_ack


def stored(stack, rooms: list[int]) -> list[tuple[int, int, int, str]]:
    return stack.db.sql(
        "SELECT room_id, seq, author_id, client_msg_id FROM mediation_message WHERE room_id = ANY(%s)",
        [rooms],
    )


async def catch_up(stack, clients: list[ChatClient], timeout: float = 60) -> None:
    """Every client syncs until it holds its room's last stored seq (members' view after sync)."""
    last = dict(stack.db.sql("SELECT id, last_seq FROM mediation_room WHERE id = ANY(%s)",
                             [sorted({c.room for c in clients})]))  # fmt: skip
    for _ in range(int(timeout)):
        behind = [c for c in clients if c.last < last[c.room]]
        if not behind:
            return
        for client in behind:
            if client.connected.is_set():
                await client.sync(force=True)
        await asyncio.sleep(1)
    raise AssertionError(f"{len(behind)} clients never caught up")


async def test_kill_9_one_of_two_daphne_processes_during_a_chat_stream(stack, report):
    ledger = Ledger("daphne killed during a chat stream")
    chat = stack.data["chat"]
    room = chat["rooms"]["joint"]
    who = ["claimant", "respondent", "mediator", "claimant", "mediator", "respondent"]
    clients = [
        ChatClient(stack.ports, chat["users"][name], room, stack.ports[n % 2], name, acknowledging(ledger))
        for n, name in enumerate(who)
    ]
    for client in clients:
        client.start()
    for client in clients:
        await until(client.connected.is_set, 30, f"{client.who} connected")
    said = 0

    def acknowledged() -> int:
        return said - sum(len(c.unacked) for c in clients)

    async def stream(client: ChatClient, count: int, tag: str) -> None:
        nonlocal said
        for n in range(count):
            while len(client.unacked) >= 20:  # a window of unacknowledged messages
                await asyncio.sleep(0.005)
            said += 1
            await client.say(f"{tag}-{n:05d}")

    async def kill() -> None:
        await until(lambda: acknowledged() >= STREAM * 0.4, 180, "40% of the stream")
        victim = stack.daphnes[stack.ports[0]]
        on_victim = sum(1 for c in clients if c.port == victim.port)
        await asyncio.to_thread(victim.kill)
        ledger.fault(f"daphne on {victim.port} killed with {on_victim} sockets")
        await asyncio.sleep(1)
        await asyncio.to_thread(victim.start)

    share = STREAM // len(clients)
    streams = [stream(c, share + (1 if n < STREAM % len(clients) else 0), f"{c.who}{n}")
               for n, c in enumerate(clients)]  # fmt: skip
    await asyncio.wait_for(asyncio.gather(kill(), *streams), timeout=300)
    await until(lambda: all(not c.unacked for c in clients), 120, "every message acknowledged")
    await catch_up(stack, clients)
    for client in clients:
        await client.stop()
    assert len(ledger.chat) == STREAM
    assert sum(c.reconnects for c in clients) >= 1
    ledger.notes.append(f"reconnects {sum(c.reconnects for c in clients)}")
    ledger.check_chat(
        stored(stack, [room]), {f"{c.who}#{n}": (room, c.messages) for n, c in enumerate(clients)}
    )
    report(ledger)


async def test_restart_redis_empty_with_50_rooms_live(stack, report):
    ledger = Ledger("Redis restarted empty with 50 rooms live")
    clients: list[ChatClient] = []
    for dispute in stack.data["rooms"]:
        for kind, room in dispute["rooms"].items():
            party = "claimant" if kind == "joint" else kind
            for n, name in enumerate([party, "mediator"]):
                user = dispute["users"][name]
                port = stack.ports[(len(clients) + n) % 2]
                clients.append(
                    ChatClient(stack.ports, user, room, port, f"{name}@{room}", acknowledging(ledger))
                )
    clients = clients[: 2 * 50]  # 50 rooms, a party and the mediator in each
    rooms = sorted({c.room for c in clients})
    assert len(rooms) == 50
    for client in clients:
        client.start()
    for client in clients:
        await until(client.connected.is_set, 60, f"{client.who} connected")

    async def say_round(tag: str) -> None:
        for n in range(PER_ROOM_CLIENT):
            for client in clients:
                await client.say(f"{tag}-{client.who}-{n}")
            await asyncio.sleep(0.2)

    await say_round("before")
    await until(lambda: all(not c.unacked for c in clients), 60, "acknowledged before the restart")

    async def restart() -> None:
        await asyncio.sleep(0.3)  # while the next round is being said
        await asyncio.to_thread(stack.redis.kill)
        await asyncio.to_thread(stack.redis.start)  # the same port, empty: subscriptions and caches gone
        ledger.fault("Redis killed and restarted empty")

    await asyncio.gather(restart(), say_round("after"))
    await until(lambda: all(not c.unacked for c in clients), 120, "acknowledged after the restart")
    await catch_up(stack, clients)
    for client in clients:
        await client.stop()
    assert len(ledger.chat) == len(clients) * PER_ROOM_CLIENT * 2
    ledger.check_chat(stored(stack, rooms), {c.who: (c.room, c.messages) for c in clients})
    ledger.notes.append(
        f"sends repeated by clients after {ChatClient.ACK_TIMEOUT:.0f} s without an ack: "
        f"{sum(c.resends for c in clients)}"
    )
    report(ledger)
