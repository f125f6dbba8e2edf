#!/usr/bin/env python
"""What does a chat message cost? The bare `websockets` ceiling beside the full stack.

Both servers run on loopback as separate processes and take the same load, interleaved:

- bare: a `websockets` room server (parse the frame, serialise a message frame once,
  `websockets.broadcast` it to the room): the ceiling on this machine;
- full: daphne with the real ASGI stack (session-cookie auth middleware, origin rule,
  RoomConsumer), the Redis PubSub channel layer and PostgreSQL persistence (every message
  stored with its seq before it is broadcast).

Figures: server CPU-µs per delivered message (utime+stime from /proc/<pid>/stat of the
server process; for the full stack also with its PostgreSQL backends and Redis), deliveries
per second, and send-to-receive latency p50/p99 measured in this (client) process.

Phases: (1) throughput rounds, bare and full alternating; (2) design load, 200 rooms × 3
members, one message per room every 2 s, for --minutes (docs/features/chat.md's figure is
`--minutes 10`); (3) an idle period (--idle, 60 s) then one message per room: nothing may
be lost and no socket closed; (4) a 100-room flood (every member sends a burst of 10 at
once): nothing may be lost and no consumer killed. Loops are bounded by timeouts.

    python bench/chat.py                       # about 6 minutes
    python bench/chat.py --minutes 10          # the design-load run of docs/features/chat.md
    BENCH_CHAT_DATABASE_URL=postgres://... REDIS_URL=redis://... python bench/chat.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Not bench/ itself: bench/queue.py would shadow the standard library's queue module.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tiaojie_chat_bench"
ORIGIN = "http://bench.local"
SECRET = "bench-chat-secret-key-" + "x" * 40
TICK = os.sysconf("SC_CLK_TCK")
WINDOW = 2  # messages in flight per socket in the throughput rounds
# In every client id: the database keeps earlier runs' messages, and a repeated
# (room, author, client id) is a retry, acknowledged to its sender alone.
RUN = f"{time.time_ns():x}"


# --- the bare server --------------------------------------------------------------------------
def bare_server(port: int) -> None:
    """/rooms/<id>: every text frame {"type":"send",...} comes back to the whole room as a
    message frame, serialised once, like the consumer's broadcast."""
    import websockets
    from websockets.asyncio.server import broadcast, serve

    rooms: dict[str, set] = {}
    seqs: dict[str, int] = {}

    async def handler(ws):
        room = ws.request.path
        members = rooms.setdefault(room, set())
        members.add(ws)
        try:
            async for text in ws:
                frame = json.loads(text)
                seqs[room] = seq = seqs.get(room, 0) + 1
                message = {"seq": seq, "id": seq, "author": {"id": 0, "name": "bench", "role": "claimant"},
                           "body": frame["body"], "sent_at": "", "client_msg_id": frame["client_msg_id"]}  # fmt: skip
                broadcast(members, json.dumps({"type": "message", "message": message}, ensure_ascii=False))
        except websockets.ConnectionClosed:
            pass
        finally:
            members.discard(ws)

    async def main():
        async with serve(handler, "127.0.0.1", port, max_queue=None):
            await asyncio.Future()

    asyncio.run(main())


# --- setup --------------------------------------------------------------------------------------
def setup_django(database_url: str, redis_url: str) -> None:
    os.environ.update(
        DATABASE_URL=database_url, REDIS_URL=redis_url, DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_SECRET_KEY=SECRET, TIAOJIE_AUTO_ASSIGN="0", TIAOJIE_CELERY_EAGER="1", TIAOJIE_LOG_LEVEL="WARNING",
    )  # fmt: skip
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(database_url)
    admin = f"postgresql://{config['USER']}@{config['HOST']}:{config['PORT'] or 5432}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone():
            conn.execute(f'CREATE DATABASE "{config["NAME"]}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(rooms: int) -> list[dict]:
    """`rooms` disputes in mediation, each with its joint room and a session per member.

    Rows are bulk-created (FSMField accepts a state given to the constructor); the rooms
    come from mediation.chat.rooms.create_rooms. Returns [{room, members: [session keys]}].
    """
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from accounts import sessions
    from accounts.models import Region, User
    from disputes.models import Category, Dispute, DisputeParty
    from mediation.chat import rooms as chat
    from mediation.models import Room

    if Room.objects.filter(kind="joint", dispute__title="bench").count() < rooms:
        grid = Region.objects.filter(kind="grid").first()
        if grid is None:
            district = Region.objects.create(name="西湖区", kind="district")
            street = Region.objects.create(name="北山街道", kind="street", parent=district)
            community = Region.objects.create(name="宝石社区", kind="community", parent=street)
            grid = Region.objects.create(name="宝石一网格", kind="grid", parent=community)
        have = Dispute.objects.filter(title="bench").count()
        users = User.objects.bulk_create(
            [User(username=f"bench{have}-{n}", full_name=f"用户{n}", phone=f"17{have:04d}{n:05d}", phone_verified=True)
             for n in range(3 * (rooms - have))]
        )  # fmt: skip
        now = timezone.now()
        disputes = Dispute.objects.bulk_create(
            [Dispute(title="bench", description="bench", category=Category.objects.first(), grid=grid,
                     claimant_name="甲", claimant_phone=users[3 * n].phone, respondent_name="乙",
                     respondent_phone=users[3 * n + 1].phone, filed_by=users[3 * n], fingerprint=f"bench{have + n}",
                     state="in_mediation", served_at=now, mediator=users[3 * n + 2])
             for n in range(rooms - have)]
        )  # fmt: skip
        # bulk_create skips Dispute.save, which gives every dispute its lead parties' rows
        DisputeParty.objects.bulk_create(
            [DisputeParty(dispute=d, side=side, position=0, name=getattr(d, f"{side}_name"),
                          phone=getattr(d, f"{side}_phone"), added_by=d.filed_by)
             for d in disputes for side in ("claimant", "respondent")]
        )  # fmt: skip
        for dispute in disputes:
            chat.create_rooms(dispute)
    result = []
    joint = Room.objects.filter(kind="joint", dispute__title="bench").select_related("dispute__mediator")
    for room in joint.order_by("id")[:rooms]:
        d = room.dispute
        members = [
            User.objects.get(phone_index=d.claimant_phone_index),
            User.objects.get(phone_index=d.respondent_phone_index),
            d.mediator,
        ]
        keys = []
        for user in members:
            session = SessionStore()
            session.update({SESSION_KEY: str(user.pk), HASH_SESSION_KEY: user.get_session_auth_hash(),
                            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend"})  # fmt: skip
            sessions.start(session)  # stamped like a sign-in, or the heartbeat closes it (4401)
            session.create()
            keys.append(session.session_key)
        result.append({"room": room.pk, "members": keys})
    return result


def start(command: list[str], env: dict, port: int) -> subprocess.Popen:
    import socket

    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"server on port {port} did not start")


class Meter:
    """CPU seconds (utime+stime) of a set of processes that may change: a database connection
    recycled after CONN_MAX_AGE gets a new backend. A process keeps its last reading once
    gone, so the difference of two reads is the CPU spent in between."""

    def __init__(self, pids):
        self.pids = pids
        self.seen: dict[int, float] = {}

    def read(self) -> float:
        for pid in set(self.pids()) | set(self.seen):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            self.seen[pid] = (int(fields[11]) + int(fields[12])) / TICK
        return sum(self.seen.values())


def database_backends(database_url: str) -> list[int]:
    """The PostgreSQL server processes serving the bench database (daphne's connections)."""
    import psycopg

    query = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    with psycopg.connect(database_url.replace("postgres://", "postgresql://", 1)) as conn:
        return [row[0] for row in conn.execute(query).fetchall()]


def redis_pid() -> list[int]:
    out = subprocess.run(["pgrep", "-x", "redis-server"], capture_output=True, text=True).stdout.split()
    return [int(pid) for pid in out]


# --- clients ------------------------------------------------------------------------------------
class Conn:
    def __init__(self, room: int, index: int):
        self.room, self.index = room, index
        self.ws = None
        self.received: set[str] = set()  # client_msg_ids delivered here
        self.in_flight = 0
        self.closed_by_server = None
        self.errors: list[str] = []


class Load:
    """Sockets for every room member of one server, and what they receive."""

    def __init__(self, kind: str, port: int, rooms: list[dict]):
        self.kind, self.port, self.rooms = kind, port, rooms
        self.conns: list[Conn] = []
        self.latencies: list[float] = []
        self.deliveries = 0
        self.sent: dict[str, float] = {}
        self.tasks = []

    async def open(self) -> None:
        import websockets

        for spec in self.rooms:
            for index, key in enumerate(spec["members"]):
                conn = Conn(spec["room"], index)
                if self.kind == "bare":
                    conn.ws = await websockets.connect(f"ws://127.0.0.1:{self.port}/rooms/{spec['room']}",
                                                       max_queue=None)  # fmt: skip
                else:
                    conn.ws = await websockets.connect(
                        f"ws://127.0.0.1:{self.port}/ws/rooms/{spec['room']}/", origin=ORIGIN,
                        additional_headers={"Cookie": f"sessionid={key}"}, max_queue=None,
                    )  # fmt: skip
                    hello = json.loads(await conn.ws.recv())
                    assert hello["type"] == "hello", hello
                self.conns.append(conn)
                self.tasks.append(asyncio.create_task(self.read(conn)))

    async def read(self, conn: Conn) -> None:
        import websockets

        try:
            async for text in conn.ws:
                now = time.perf_counter()
                frame = json.loads(text)
                if frame["type"] == "message":
                    msg_id = frame["message"]["client_msg_id"]
                    conn.received.add(msg_id)
                    self.deliveries += 1
                    sent = self.sent.get(msg_id)
                    if sent is not None:
                        self.latencies.append(now - sent)
                    if msg_id.startswith(f"{conn.room}.{conn.index}."):
                        conn.in_flight -= 1
                elif frame["type"] == "error":
                    conn.errors.append(frame["code"])
        except websockets.ConnectionClosed as exc:
            conn.closed_by_server = exc.rcvd.code if exc.rcvd else 1006

    async def send(self, conn: Conn, n: int) -> str:
        msg_id = f"{conn.room}.{conn.index}.{RUN}.{n}"
        self.sent[msg_id] = time.perf_counter()
        conn.in_flight += 1
        await conn.ws.send(
            json.dumps({"type": "send", "body": f"调解消息 {msg_id} " + "x" * 60, "client_msg_id": msg_id})
        )
        return msg_id

    def members(self, room: int) -> list[Conn]:
        return [c for c in self.conns if c.room == room]

    async def close(self) -> None:
        for conn in self.conns:
            await conn.ws.close()
        for task in self.tasks:
            task.cancel()


async def settle(load: Load, expected: dict[int, set[str]], timeout: float) -> int:
    """Wait until every member of every room has received `expected[room]`; the count missing."""
    deadline = time.monotonic() + timeout
    while True:
        missing = sum(len(ids - c.received) for c in load.conns for ids in [expected.get(c.room, set())])
        if not missing or time.monotonic() > deadline:
            return missing
        await asyncio.sleep(0.1)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


# --- phases -------------------------------------------------------------------------------------
async def throughput(
    load: Load, meter: Meter, seconds: float, rate: float | None, counter: list[int]
) -> dict:
    """Every socket keeps up to WINDOW messages in flight (at most `rate` a second) for `seconds`."""
    load.latencies.clear()
    start_deliveries, cpu0, t0 = load.deliveries, meter.read(), time.perf_counter()
    stop = t0 + seconds

    async def pump(conn: Conn):
        gap = 1 / rate if rate else 0
        next_at = time.perf_counter()
        while time.perf_counter() < stop:
            if conn.in_flight >= WINDOW:
                await asyncio.sleep(0.001)
                continue
            if gap:
                await asyncio.sleep(max(0, next_at - time.perf_counter()))
                next_at = max(next_at + gap, time.perf_counter())
            counter[0] += 1
            await load.send(conn, counter[0])

    await asyncio.gather(*(pump(c) for c in load.conns))
    elapsed, cpu = time.perf_counter() - t0, meter.read() - cpu0
    delivered = load.deliveries - start_deliveries
    deadline = time.monotonic() + 120  # let the backlog drain before the next phase
    while any(c.in_flight > 0 for c in load.conns) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    return {"deliveries": delivered, "per_s": delivered / elapsed, "cpu_us": cpu * 1e6 / max(delivered, 1),
            "p50": pct(load.latencies, 0.5), "p99": pct(load.latencies, 0.99)}  # fmt: skip


async def design_load(load: Load, meter: Meter, seconds: float, counter: list[int]) -> dict:
    """One message per room every 2 s, rooms staggered over the 2 s, members taking turns."""
    load.latencies.clear()
    rooms = sorted({c.room for c in load.conns})
    expected: dict[int, set[str]] = {r: set() for r in rooms}
    start_deliveries, cpu0, t0 = load.deliveries, meter.read(), time.perf_counter()
    tick = 2.0 / len(rooms)
    n = 0
    while time.perf_counter() - t0 < seconds:
        room = rooms[n % len(rooms)]
        conn = load.members(room)[(n // len(rooms)) % 3]
        counter[0] += 1
        expected[room].add(await load.send(conn, counter[0]))
        n += 1
        await asyncio.sleep(max(0, t0 + n * tick - time.perf_counter()))
    missing = await settle(load, expected, 30)
    elapsed, cpu = time.perf_counter() - t0, meter.read() - cpu0
    delivered = load.deliveries - start_deliveries
    return {"messages": n, "deliveries": delivered, "missing": missing, "per_s": delivered / elapsed,
            "cpu_us": cpu * 1e6 / max(delivered, 1), "p50": pct(load.latencies, 0.5),
            "p99": pct(load.latencies, 0.99), "max": pct(load.latencies, 1.0)}  # fmt: skip


async def one_each(load: Load, rooms: list[int], burst: int, counter: list[int]) -> dict:
    """Every member of `rooms` sends `burst` messages at once; all must arrive everywhere."""
    expected: dict[int, set[str]] = {r: set() for r in rooms}
    for room in rooms:
        for conn in load.members(room):
            for _ in range(burst):
                counter[0] += 1
                expected[room].add(await load.send(conn, counter[0]))
    t0 = time.perf_counter()
    missing = await settle(load, expected, 180)
    wanted = sum(len(ids) * 3 for ids in expected.values())
    return {
        "deliveries": wanted - missing,
        "expected": wanted,
        "missing": missing,
        "seconds": time.perf_counter() - t0,
    }


def report(title: str, row: dict) -> None:
    print(
        f"  {title:<34}"
        + "  ".join(f"{k}={v:,.1f}" if isinstance(v, float) else f"{k}={v:,}" for k, v in row.items())
    )


async def run(args, rooms: list[dict]) -> int:
    bare_port, full_port = args.port, args.port + 1
    bare = start([sys.executable, __file__, "--bare-server", str(bare_port)], dict(os.environ), bare_port)
    env = dict(os.environ, TIAOJIE_WS_ORIGINS=ORIGIN, DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="127.0.0.1")
    full = start([sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(full_port), "config.asgi:application"],
                 env, full_port)  # fmt: skip
    ok = True
    try:
        loads = {
            "bare": Load("bare", bare_port, rooms[: args.rooms]),
            "full": Load("full", full_port, rooms[: args.rooms]),
        }
        for load in loads.values():
            await load.open()
        backends = database_backends(args.database_url)
        meters = {"bare": Meter(lambda: [bare.pid]), "full": Meter(lambda: [full.pid]),
                  "full+db": Meter(lambda: [full.pid, *database_backends(args.database_url), *redis_pid()])}  # fmt: skip
        print(f"{len(loads['full'].conns)} sockets per server ({args.rooms} rooms × 3); daphne pid {full.pid}, "
              f"{len(backends)} PostgreSQL backends; bare pid {bare.pid}")  # fmt: skip
        counter = [0]

        print(f"\n1. throughput, {args.rounds} interleaved rounds of {args.round_seconds:.0f} s "
              f"({WINDOW} in flight per socket; full stack at most 9 frames/s per socket, its rate limit being 10)")  # fmt: skip
        rows: dict[str, list[dict]] = {"bare": [], "full": []}
        for n in range(args.rounds):
            for kind, rate in (("bare", None), ("full", 9.0)):
                before = meters["full+db"].read()
                row = await throughput(loads[kind], meters[kind], args.round_seconds, rate, counter)
                if kind == "full":
                    spent = meters["full+db"].read() - before
                    row["cpu_us_with_db"] = spent * 1e6 / max(row["deliveries"], 1)
                rows[kind].append(row)
                report(f"round {n + 1} {kind}", row)
        med = {k: {f: statistics.median(r[f] for r in v) for f in v[0]} for k, v in rows.items()}
        for kind in ("bare", "full"):
            report(f"median {kind}", med[kind])

        print(f"\n2. design load: {args.rooms} rooms × 3 members, one message per room every 2 s, "
              f"{args.minutes:g} min each")  # fmt: skip
        design = {}
        for kind in ("bare", "full"):
            before = meters["full+db"].read()
            design[kind] = await design_load(loads[kind], meters[kind], args.minutes * 60, counter)
            if kind == "full":
                spent = meters["full+db"].read() - before
                design[kind]["cpu_us_with_db"] = spent * 1e6 / max(design[kind]["deliveries"], 1)
            report(kind, design[kind])
            ok &= design[kind]["missing"] == 0

        print(f"\n3. idle {args.idle:.0f} s, then one message per room")
        await asyncio.sleep(args.idle)
        idle = await one_each(loads["full"], sorted({c.room for c in loads["full"].conns}), 1, counter)
        closed = [c.closed_by_server for c in loads["full"].conns if c.closed_by_server]
        idle["closed_sockets"] = len(closed)
        report("full", idle)
        ok &= idle["missing"] == 0 and not closed

        print(f"\n4. flood: {args.flood_rooms} rooms, every member sends a burst of 10 at once")
        flood_rooms = sorted({c.room for c in loads["full"].conns})[: args.flood_rooms]
        flood = {}
        for kind in ("bare", "full"):
            flood[kind] = await one_each(loads[kind], flood_rooms, 10, counter)
            flood[kind]["closed_sockets"] = sum(1 for c in loads[kind].conns if c.closed_by_server)
            flood[kind]["errors"] = sum(len(c.errors) for c in loads[kind].conns)
            report(kind, flood[kind])
            ok &= (
                flood[kind]["missing"] == 0
                and not flood[kind]["closed_sockets"]
                and not flood[kind]["errors"]
            )
        ok &= full.poll() is None

        b, f = med["bare"], med["full"]
        print("\nsummary")
        print(
            f"  CPU per delivery: bare {b['cpu_us']:.1f} µs, full {f['cpu_us']:.1f} µs (daphne) → "
            f"{f['cpu_us'] / b['cpu_us']:.1f}× (goal ≤ 12×); with its PostgreSQL backends and Redis "
            f"{f['cpu_us_with_db']:.1f} µs → {f['cpu_us_with_db'] / b['cpu_us']:.1f}×"
        )
        print(
            f"  deliveries/s: bare {b['per_s']:,.0f}, full {f['per_s']:,.0f} → bare/full {b['per_s'] / f['per_s']:.1f}×"
        )
        d = design["full"]
        print(
            f"  design load latency (full): p50 {d['p50']:.1f} ms (goal ≤ 10), p99 {d['p99']:.1f} ms (goal ≤ 50); "
            f"bare p50 {design['bare']['p50']:.1f} ms, p99 {design['bare']['p99']:.1f} ms"
        )
        print(
            f"  design load CPU per delivery: full {d['cpu_us']:.1f} µs, bare {design['bare']['cpu_us']:.1f} µs → "
            f"{d['cpu_us'] / max(design['bare']['cpu_us'], 0.01):.1f}×"
        )
        print(f"  lost: design {d['missing']}, idle {idle['missing']}, flood {flood['full']['missing']}; "
              f"sockets closed by the server: {idle['closed_sockets'] + flood['full']['closed_sockets']}; "
              f"daphne alive: {full.poll() is None}")  # fmt: skip
        print("  OK: nothing lost, no consumer killed" if ok else "  FAILED: see above")
        for load in loads.values():
            await load.close()
    finally:
        for process in (bare, full):
            process.kill()
            process.wait()
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--minutes", type=float, default=1.0, help="design-load duration per server (the goal: 10)"
    )
    parser.add_argument("--rooms", type=int, default=200)
    parser.add_argument("--flood-rooms", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--round-seconds", type=float, default=10.0)
    parser.add_argument("--idle", type=float, default=60.0)
    parser.add_argument("--port", type=int, default=8701)
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_CHAT_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--bare-server", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_server:
        bare_server(args.bare_server)
        return 0
    setup_django(args.database_url, args.redis_url)
    rooms = seed(max(args.rooms, args.flood_rooms))
    from django.db import connections

    connections.close_all()
    return asyncio.run(run(args, rooms))


if __name__ == "__main__":
    sys.exit(main())
