#!/usr/bin/env python
"""Flood isolation: do other rooms feel one user flooding its room?

The real stack (daphne on PostgreSQL + the Redis PubSub layer, set up and seeded with
bench/chat.py's helpers) serves two kinds of client, each a separate process:

- quiet: --rooms rooms × 3 members (session cookies); in every room one member sends a
  message every --interval seconds (rooms staggered) and times its acknowledgement (its
  own copy of the `message` frame);
- flood: one member of another room sends --flood-rate frames a second (`send` frames,
  each a new client id) over --flood-sockets sockets for --seconds, reading what comes back.

Each round has three phases: a baseline (quiet alone), a flood (quiet and flood together,
started at the same instant) and a control: the same flood sent to a sink server in another
process, which only reads it, while the quiet rooms run on daphne. The control shows what
the flood costs the quiet rooms through the machine alone (two cores shared by the clients,
the sink and daphne): what the flood phase adds beyond it is daphne's handling. The flood
client and the sink run at nice 10, standing for other machines. Printed: frames offered, frames stored in the flooded room (at most the
rate limit: CHAT_RATE in each calendar second they were stored in), the error
frames the flooder got, the quiet rooms' ack p50/p99 in each phase and the ratio of p99s
(goal ≤ 2×), daphne's CPU per phase. docs/benchmarks.md has the figures.

    python bench/chat_flood.py                   # about 2 minutes
    python bench/chat_flood.py --servers 2       # quiet rooms spread over two daphne processes
    BENCH_CHAT_DATABASE_URL=postgres://... REDIS_URL=redis://... python bench/chat_flood.py
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

from bench.chat import DEFAULT_DATABASE_URL, ORIGIN, RUN, Meter, pct, seed, setup_django, start  # noqa: E402


# --- clients (separate processes; no Django) -----------------------------------------------------
async def connect(port: int, room: int, key: str):
    import websockets

    ws = await websockets.connect(
        f"ws://127.0.0.1:{port}/ws/rooms/{room}/", origin=ORIGIN,
        additional_headers={"Cookie": f"sessionid={key}"}, max_queue=None,
    )  # fmt: skip
    hello = json.loads(await ws.recv())
    assert hello["type"] == "hello", hello
    return ws


async def wait_for_go() -> float:
    """Say "ready" on stdout, then wait for "go <unix time>" on stdin and return the time."""
    print("ready", flush=True)
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    return float(line.split()[1])


async def quiet_client(spec: dict) -> dict:
    """Every room's first member sends one message each `interval`; its ack latencies."""
    import websockets

    interval, seconds, tag = spec["interval"], spec["seconds"], spec["tag"]
    sockets = []  # (room, ws, member index)
    for n, room in enumerate(spec["rooms"]):
        port = spec["ports"][n % len(spec["ports"])]
        for index, key in enumerate(room["members"]):
            sockets.append((room["room"], await connect(port, room["room"], key), index))
    sent: dict[str, float] = {}
    latencies: list[float] = []
    errors: list[str] = []
    closed: list[int] = []

    async def read(ws):
        try:
            async for text in ws:
                now = time.perf_counter()
                frame = json.loads(text)
                if frame["type"] == "message":
                    at = sent.pop(frame["message"]["client_msg_id"], None)
                    if at is not None:
                        latencies.append(now - at)
                elif frame["type"] == "error":
                    errors.append(frame["code"])
        except websockets.ConnectionClosed as exc:
            closed.append(exc.rcvd.code if exc.rcvd else 1006)

    readers = [asyncio.create_task(read(ws)) for _, ws, index in sockets]
    senders = [(room, ws) for room, ws, index in sockets if index == 0]
    go = await wait_for_go()
    await asyncio.sleep(max(0.0, go - time.time()))
    t0, n = time.perf_counter(), 0
    tick = interval / len(senders)
    while time.perf_counter() - t0 < seconds:
        room, ws = senders[n % len(senders)]
        msg_id = f"q.{tag}.{n}"
        sent[msg_id] = time.perf_counter()
        await ws.send(json.dumps({"type": "send", "body": f"平常的消息 {n}", "client_msg_id": msg_id}))
        n += 1
        await asyncio.sleep(max(0.0, t0 + n * tick - time.perf_counter()))
    deadline = time.monotonic() + 10
    while sent and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    for _, ws, _ in sockets:
        await ws.close()
    for task in readers:
        task.cancel()
    return {"sent": n, "acked": len(latencies), "latencies": latencies, "errors": errors, "closed": closed}


async def flood_client(spec: dict) -> dict:
    """`rate` send frames a second over `sockets` sockets of one user for `seconds`."""
    import websockets

    os.nice(10)  # the flooder stands for another machine: its own CPU is not the server's
    room, key, tag = spec["room"], spec["key"], spec["tag"]
    sockets = [await connect(spec["ports"][0], room, key) for _ in range(spec["sockets"])]
    got: dict[str, int] = {}
    closed: list[int] = []

    async def read(ws):
        try:
            async for text in ws:
                frame = json.loads(text)
                kind = frame["type"] if frame["type"] != "error" else f"error:{frame['code']}"
                got[kind] = got.get(kind, 0) + 1
        except websockets.ConnectionClosed as exc:
            closed.append(exc.rcvd.code if exc.rcvd else 1006)

    readers = [asyncio.create_task(read(ws)) for ws in sockets]
    go = await wait_for_go()
    await asyncio.sleep(max(0.0, go - time.time()))
    tick, per_tick = 0.01, spec["rate"] / 100  # frames every 10 ms
    t0, offered, due = time.perf_counter(), 0, 0.0
    while (elapsed := time.perf_counter() - t0) < spec["seconds"]:
        due = min(spec["rate"] * spec["seconds"], spec["rate"] * elapsed + per_tick)
        while offered < due:
            ws = sockets[offered % len(sockets)]
            body = json.dumps(
                {"type": "send", "body": f"刷屏 {offered}", "client_msg_id": f"flood.{tag}.{offered}"}
            )
            try:
                await ws.send(body)
            except websockets.ConnectionClosed:
                break
            offered += 1
        await asyncio.sleep(tick)
    elapsed = time.perf_counter() - t0
    await asyncio.sleep(2)  # what the server still answers
    for ws in sockets:
        await ws.close()
    for task in readers:
        task.cancel()
    return {"offered": offered, "elapsed": elapsed, "got": got, "closed": closed}


def sink_server(port: int) -> None:
    """Reads whatever a socket sends and drops it, after a hello like the chat's."""
    import websockets
    from websockets.asyncio.server import serve

    os.nice(10)

    async def handler(ws):
        await ws.send(json.dumps({"type": "hello"}))
        try:
            async for _ in ws:
                pass
        except websockets.ConnectionClosed:
            pass

    async def main():
        async with serve(handler, "127.0.0.1", port, max_queue=None):
            await asyncio.Future()

    asyncio.run(main())


def client_main(role: str) -> int:
    spec = json.loads(sys.stdin.readline())
    result = asyncio.run(quiet_client(spec) if role == "quiet" else flood_client(spec))
    print(json.dumps(result), flush=True)
    return 0


# --- the orchestrator ---------------------------------------------------------------------------
def spawn(role: str, spec: dict) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, __file__, "--client", role], cwd=ROOT, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    process.stdin.write(json.dumps(spec) + "\n")
    process.stdin.flush()
    return process


def run_phase(specs: dict[str, dict]) -> dict[str, dict]:
    """Start the clients, wait until all have connected, start them at the same instant."""
    processes = {role: spawn(role, spec) for role, spec in specs.items()}
    for role, process in processes.items():
        line = process.stdout.readline()
        if line.strip() != "ready":
            raise SystemExit(f"{role} client failed to connect: {line!r}")
    go = time.time() + 0.5
    for process in processes.values():
        process.stdin.write(f"go {go}\n")
        process.stdin.flush()
    results = {"go": go}
    for role, process in processes.items():
        out, _ = process.communicate(timeout=120)
        results[role] = json.loads(out.strip().splitlines()[-1])
    return results


def stored(room: int, tag: str, started: float) -> tuple[int, int]:
    """(messages the flood stored, calendar seconds from its start to the last one stored).
    The limit counts frames in the calendar second they arrive, and a message's sent_at is
    when its batch was stored, a little later: hence from the start, not the first sent_at."""
    from mediation.models import Message

    times = Message.objects.filter(room_id=room, client_msg_id__startswith=f"flood.{tag}.").values_list(
        "sent_at", flat=True
    )
    last = max((t.timestamp() for t in times), default=started)
    return len(times), int(last) - int(started) + 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rooms", type=int, default=20, help="quiet rooms (3 members each)")
    parser.add_argument(
        "--interval", type=float, default=0.5, help="seconds between messages in a quiet room"
    )
    parser.add_argument("--flood-rate", type=int, default=1000, help="frames a second from the flooder")
    parser.add_argument("--flood-sockets", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    parser.add_argument("--rounds", type=int, default=3, help="baseline + flood pairs")
    parser.add_argument(
        "--servers", type=int, default=1, help="daphne processes (the flood goes to the first)"
    )
    parser.add_argument("--port", type=int, default=8721)
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_CHAT_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--client", choices=["quiet", "flood"], help=argparse.SUPPRESS)
    parser.add_argument("--sink", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        return client_main(args.client)
    if args.sink:
        sink_server(args.sink)
        return 0

    setup_django(args.database_url, args.redis_url)
    from django.conf import settings
    from django.db import connections

    rooms = seed(args.rooms + 1)
    connections.close_all()
    flood_room, quiet_rooms = rooms[0], rooms[1:]
    rate = settings.CHAT_RATE
    env = dict(os.environ, TIAOJIE_WS_ORIGINS=ORIGIN, DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="127.0.0.1")
    ports = [args.port + n for n in range(args.servers)]
    command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p"]
    servers = [start([*command, str(port), "config.asgi:application"], env, port) for port in ports]
    sink_port = args.port + args.servers
    sink = start([sys.executable, __file__, "--sink", str(sink_port)], dict(os.environ), sink_port)
    meter = Meter(lambda: [s.pid for s in servers])
    load = os.getloadavg()
    print(f"load before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {args.servers} daphne process(es); "
          f"{args.rooms} quiet rooms × 3 members, one message per room every {args.interval:g} s; "
          f"flood {args.flood_rate}/s over {args.flood_sockets} sockets of one user for {args.seconds:g} s; "
          f"CHAT_RATE {rate}")  # fmt: skip
    rows = []
    pooled: dict[str, list[float]] = {"base": [], "flood": [], "control": []}  # every round's latencies
    try:
        for n in range(args.rounds):
            quiet = {"rooms": quiet_rooms, "ports": ports, "interval": args.interval, "seconds": args.seconds}
            cpu0 = meter.read()
            base = run_phase({"quiet": dict(quiet, tag=f"{RUN}.{n}.b")})["quiet"]
            cpu_base = meter.read() - cpu0
            tag = f"{RUN}.{n}"
            flood_spec = {"room": flood_room["room"], "key": flood_room["members"][0], "ports": ports,
                          "sockets": args.flood_sockets, "rate": args.flood_rate, "seconds": args.seconds,
                          "tag": tag}  # fmt: skip
            cpu0 = meter.read()
            both = run_phase({"quiet": dict(quiet, tag=f"{RUN}.{n}.f"), "flood": flood_spec})
            cpu_flood = meter.read() - cpu0
            control = run_phase(
                {"quiet": dict(quiet, tag=f"{RUN}.{n}.c"), "flood": dict(flood_spec, ports=[sink_port])}
            )["quiet"]
            for phase, result in (("base", base), ("flood", both["quiet"]), ("control", control)):
                pooled[phase].extend(result["latencies"])
            flood = both["flood"]
            count, seconds = stored(flood_room["room"], tag, both["go"])
            row = {
                "offered": flood["offered"],
                "offered_per_s": flood["offered"] / flood["elapsed"],
                "stored": count,
                "stored_seconds": seconds,
                "limit": rate * seconds,
                "flooder_got": flood["got"],
                "flooder_closed": flood["closed"],
                "base_p50": pct(base["latencies"], 0.5),
                "base_p99": pct(base["latencies"], 0.99),
                "flood_p50": pct(both["quiet"]["latencies"], 0.5),
                "flood_p99": pct(both["quiet"]["latencies"], 0.99),
                "control_p50": pct(control["latencies"], 0.5),
                "control_p99": pct(control["latencies"], 0.99),
                "quiet_lost": base["sent"] - base["acked"] + both["quiet"]["sent"] - both["quiet"]["acked"],
                "quiet_errors": base["errors"] + both["quiet"]["errors"],
                "quiet_closed": base["closed"] + both["quiet"]["closed"],
                "cpu_base_s": cpu_base,
                "cpu_flood_s": cpu_flood,
            }
            row["ratio"] = row["flood_p99"] / row["base_p99"]
            row["control_ratio"] = row["control_p99"] / row["base_p99"]
            rows.append(row)
            print(f"round {n + 1}: offered {row['offered']:,} ({row['offered_per_s']:,.0f}/s), stored "
                  f"{row['stored']} in {seconds} calendar seconds (limit {row['limit']}), flooder got {row['flooder_got']}; quiet ack "
                  f"p50/p99 baseline {row['base_p50']:.1f}/{row['base_p99']:.1f} ms, under flood "
                  f"{row['flood_p50']:.1f}/{row['flood_p99']:.1f} ms → p99 ×{row['ratio']:.2f}; flood sent to the sink "
                  f"{row['control_p50']:.1f}/{row['control_p99']:.1f} ms → ×{row['control_ratio']:.2f}; "
                  f"daphne CPU {cpu_base:.1f} s / {cpu_flood:.1f} s; quiet lost {row['quiet_lost']}, "
                  f"errors {len(row['quiet_errors'])}, closed {len(row['quiet_closed'])}", flush=True)  # fmt: skip
    finally:
        for server in [*servers, sink]:
            server.kill()
            server.wait()
    load = os.getloadavg()
    ratio = statistics.median(r["ratio"] for r in rows)
    p99 = {phase: pct(values, 0.99) for phase, values in pooled.items()}
    p50 = {phase: pct(values, 0.5) for phase, values in pooled.items()}
    ok = (
        all(r["stored"] <= r["limit"] for r in rows)
        and ratio <= 2
        and not any(r["quiet_lost"] or r["quiet_errors"] or r["quiet_closed"] for r in rows)
    )
    print(
        f"\nsummary (load after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f})\n"
        f"  frames offered per flood: {statistics.median(r['offered'] for r in rows):,.0f}; stored at most "
        f"{max(r['stored'] for r in rows)} (limit: CHAT_RATE {rate} a calendar second)\n"
        f"  quiet rooms' ack p99: baseline median {statistics.median(r['base_p99'] for r in rows):.1f} ms, "
        f"under flood {statistics.median(r['flood_p99'] for r in rows):.1f} ms; ratio median ×{ratio:.2f} "
        f"(goal ≤ 2), worst ×{max(r['ratio'] for r in rows):.2f}; the flood sent to the sink instead: "
        f"{statistics.median(r['control_p99'] for r in rows):.1f} ms, ×{statistics.median(r['control_ratio'] for r in rows):.2f}\n"
        f"  all rounds pooled ({len(pooled['base']):,} acks a phase): p50/p99 baseline {p50['base']:.1f}/"
        f"{p99['base']:.1f} ms, under flood {p50['flood']:.1f}/{p99['flood']:.1f} ms (p99 ×"
        f"{p99['flood'] / p99['base']:.2f}), flood sent to the sink {p50['control']:.1f}/{p99['control']:.1f} ms "
        f"(×{p99['control'] / p99['base']:.2f})\n"
        f"  daphne CPU per flood frame beyond the baseline's: "
        f"{statistics.median((r['cpu_flood_s'] - r['cpu_base_s']) / r['offered'] for r in rows) * 1e6:.0f} µs (median)\n"
        f"  {'OK' if ok else 'FAILED'}"
    )
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "chat_flood.json").write_text(
        json.dumps({"args": vars(args), "rounds": rows, "pooled_p50": p50, "pooled_p99": p99}, indent=1)
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
