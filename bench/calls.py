#!/usr/bin/env python
"""Call signalling: relay latency and cost, a flooding member, call setup.

daphne on PostgreSQL + the Redis PubSub layer (set up, seeded and started with bench/chat.py's
helpers) serves clients in separate processes (no Django):

- calls (--clients processes, --rooms calls): the mediator sends `call_start` (rooms staggered
  over 1 s), a party `call_join`s, offers, the mediator answers; from --setup s after the start
  both send `call_ice` to each other, 10 at once then one every 200 ms, until the flood ends.
  A candidate's `candidate` string ends with its send time (perf_counter, same process);
- flood (nice 10, another machine): in another call the party sends --flood-rate `call_ice`
  a second to the mediator for --flood-seconds; the mediator counts what is relayed.

Printed: (1) `call_ice` relay p50/p99/max over the --seconds before the flood, relayed/s,
daphne CPU per relayed frame (/proc); (2) the flood's frames relayed against CALL_SIGNAL_BURST
+ CALL_SIGNAL_RATE a second, its error frames, the other calls' relay p99 during the flood
against the same length of time before it; (3) setup: `call_start` → the party's `call` frame,
`call_join` → the joiner's `call` frame (both store an event), offer → answer.

    python bench/calls.py                                  # about a minute after seeding
    python bench/calls.py --rooms 20 --seconds 6 --flood-seconds 3
    BENCH_CHAT_DATABASE_URL=postgres://... REDIS_URL=redis://... python bench/calls.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Not bench/ itself: bench/queue.py would shadow the standard library's queue module.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench.chat import DEFAULT_DATABASE_URL, ORIGIN, Meter, pct, seed, setup_django, start  # noqa: E402
from bench.chat_flood import connect, wait_for_go  # noqa: E402

SDP = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n" + "a=bench\r\n" * 300


# --- clients (separate processes; no Django) -----------------------------------------------------
class Side:
    """One socket of a call: what it receives, and futures waiting for a kind of frame."""

    def __init__(self, ws, uid: int):
        self.ws, self.uid, self.errors, self.closed, self.waiters = ws, uid, [], [], []
        self.ice: list[tuple[float, float]] = []  # (wall time sent, latency s) of relayed call_ice

    def expect(self, test) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        self.waiters.append((test, future))
        return future

    async def read(self, offset: float) -> None:
        import websockets

        try:
            async for text in self.ws:
                now, frame = time.perf_counter(), json.loads(text)
                if frame["type"] == "call_ice":
                    sent = float(frame["candidate"]["candidate"].rsplit(" ", 1)[1])
                    self.ice.append((sent + offset, now - sent))
                elif frame["type"] == "error":
                    self.errors.append(frame["code"])
                for test, future in list(self.waiters):
                    if test(frame):
                        self.waiters.remove((test, future))
                        future.set_result((now, frame))
        except websockets.ConnectionClosed as exc:
            self.closed.append(exc.rcvd.code if exc.rcvd else 1006)

    async def send_ice(self, call: str, to: int, n: int) -> None:
        candidate = f"candidate:{n} 1 udp 2122260223 192.168.1.{n % 250} {50000 + n % 9999} typ host {time.perf_counter()!r}"
        frame = {"candidate": candidate, "sdpMid": "0", "sdpMLineIndex": 0, "usernameFragment": "bnch"}
        await self.ws.send(json.dumps({"type": "call_ice", "call": call, "to": to, "candidate": frame}))


def is_call(frame: dict, uid: int | None = None) -> bool:
    if frame["type"] != "call" or frame["call"]["state"] != "live":
        return False
    return uid is None or uid in [p["id"] for p in frame["call"]["participants"]]


async def open_sides(port: int, pair: dict) -> tuple[Side, Side]:
    med = Side(await connect(port, pair["room"], pair["med_key"]), pair["med_id"])
    party = Side(await connect(port, pair["room"], pair["party_key"]), pair["party_id"])
    return med, party


async def set_up(med: Side, party: Side, at: float, times: dict) -> str:
    """call_start by the mediator, call_join by the party; the call's id. Times in `times`."""
    await asyncio.sleep(max(0.0, at - time.time()))
    started = party.expect(is_call)
    t0 = time.perf_counter()
    await med.ws.send(json.dumps({"type": "call_start", "media": "video"}))
    now, frame = await asyncio.wait_for(started, 60)
    times["start"].append(now - t0)
    call = frame["call"]["id"]
    joined = party.expect(lambda f: is_call(f, party.uid))
    t0 = time.perf_counter()
    await party.ws.send(json.dumps({"type": "call_join", "call": call}))
    now, _ = await asyncio.wait_for(joined, 60)
    times["join"].append(now - t0)
    return call


async def calls_client(spec: dict) -> dict:
    offset = time.time() - time.perf_counter()
    pairs = [await open_sides(spec["port"], pair) for pair in spec["pairs"]]
    readers = [asyncio.create_task(side.read(offset)) for pair in pairs for side in pair]
    times: dict[str, list[float]] = {"start": [], "join": [], "offer": []}
    go = await wait_for_go()

    async def one(n: int, med: Side, party: Side) -> None:
        stagger = spec["stagger"] * (n * spec["clients"] + spec["index"]) / spec["rooms"]
        call = await set_up(med, party, go + stagger, times)
        offered = med.expect(lambda f: f["type"] == "call_offer")
        answered = party.expect(lambda f: f["type"] == "call_answer")
        t0 = time.perf_counter()
        await party.ws.send(json.dumps({"type": "call_offer", "call": call, "to": med.uid, "sdp": SDP}))
        await asyncio.wait_for(offered, 60)
        await med.ws.send(json.dumps({"type": "call_answer", "call": call, "to": party.uid, "sdp": SDP}))
        now, _ = await asyncio.wait_for(answered, 60)
        times["offer"].append(now - t0)
        await asyncio.sleep(max(0.0, go + spec["setup"] + stagger - time.time()))

        async def trickle(src: Side, dst: Side) -> None:
            for k in range(10):
                await src.send_ice(call, dst.uid, k)
            k = 10
            while time.time() < spec["ice_until"]:
                await asyncio.sleep(0.2)
                await src.send_ice(call, dst.uid, k)
                k += 1

        await asyncio.gather(trickle(med, party), trickle(party, med))

    await asyncio.gather(*(one(n, med, party) for n, (med, party) in enumerate(pairs)))
    await asyncio.sleep(2)  # the last relays
    for side in (s for pair in pairs for s in pair):
        await side.ws.close()
    for task in readers:
        task.cancel()
    sides = [s for pair in pairs for s in pair]
    return {"times": times, "ice": [x for s in sides for x in s.ice],
            "errors": [e for s in sides for e in s.errors], "closed": [c for s in sides for c in s.closed]}  # fmt: skip


async def flood_client(spec: dict) -> dict:
    os.nice(10)  # the flooder stands for another machine: its own CPU is not the server's
    import websockets

    med, party = await open_sides(spec["port"], spec["pair"])
    readers = [asyncio.create_task(side.read(time.time() - time.perf_counter())) for side in (med, party)]
    go = await wait_for_go()
    call = await set_up(med, party, go, {"start": [], "join": []})
    await asyncio.sleep(max(0.0, spec["flood_at"] - time.time()))
    rate, seconds = spec["rate"], spec["flood_seconds"]
    t0, offered = time.perf_counter(), 0
    while (elapsed := time.perf_counter() - t0) < seconds:
        while offered < min(rate * seconds, rate * elapsed + rate / 100):  # every 10 ms
            try:
                await party.send_ice(call, med.uid, offered)
            except websockets.ConnectionClosed:
                break
            offered += 1
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - t0
    await asyncio.sleep(3)  # what the server still relays
    for side in (med, party):
        await side.ws.close()
    for task in readers:
        task.cancel()
    last = max((sent + latency for sent, latency in med.ice), default=spec["flood_at"])
    return {"offered": offered, "elapsed": elapsed, "relayed": len(med.ice), "span": last - spec["flood_at"],
            "errors": party.errors, "closed": med.closed + party.closed}  # fmt: skip


def client_main(role: str) -> int:
    spec = json.loads(sys.stdin.readline())
    result = asyncio.run(calls_client(spec) if role == "calls" else flood_client(spec))
    print(json.dumps(result), flush=True)
    return 0


# --- the orchestrator ---------------------------------------------------------------------------
def spawn(role: str, spec: dict) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, __file__, "--client", role], cwd=ROOT, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)  # fmt: skip
    process.stdin.write(json.dumps(spec) + "\n")
    process.stdin.flush()
    return process


def pairs_of(rooms: list[dict]) -> list[dict]:
    """(mediator, claimant) of each seeded room, with their user ids for `to`; live calls ended."""
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import transaction

    from mediation.calls import service

    with transaction.atomic():  # a live call left by an interrupted run would refuse call_start
        service.end_in_rooms([r["room"] for r in rooms], reason="ended")

    def uid(key: str) -> int:
        return int(SessionStore(session_key=key)[SESSION_KEY])

    return [{"room": r["room"], "med_key": r["members"][2], "med_id": uid(r["members"][2]),
             "party_key": r["members"][0], "party_id": uid(r["members"][0])} for r in rooms]  # fmt: skip


def sleep_until(at: float) -> None:
    time.sleep(max(0.0, at - time.time()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rooms", type=int, default=50, help="concurrent calls (mediator + party)")
    parser.add_argument("--seconds", type=float, default=20.0, help="ICE before the flood")
    parser.add_argument("--flood-seconds", type=float, default=5.0)
    parser.add_argument("--flood-rate", type=int, default=1000, help="call_ice frames a second")
    parser.add_argument("--setup", type=float, default=4.0, help="seconds from go to the first ICE")
    parser.add_argument("--clients", type=int, default=2, help="client processes for the calls")
    parser.add_argument("--port", type=int, default=8741)
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_CHAT_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--client", choices=["calls", "flood"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        return client_main(args.client)
    assert args.seconds >= args.flood_seconds, "--seconds must cover the flood's length"

    setup_django(args.database_url, args.redis_url)
    from django.db import connections

    from mediation.calls import conf

    pairs = pairs_of(seed(args.rooms + 1))
    burst, rate = conf.get("CALL_SIGNAL_BURST"), conf.get("CALL_SIGNAL_RATE")
    connections.close_all()
    env = dict(os.environ, TIAOJIE_WS_ORIGINS=ORIGIN, DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="127.0.0.1")
    daphne = start([sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(args.port), "config.asgi:application"],
                   env, args.port)  # fmt: skip
    meter = Meter(lambda: [daphne.pid])
    load = os.getloadavg()
    print(f"load before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {args.rooms} calls over {args.clients} client "
          f"processes, ICE 10 then 5/s a side for {args.seconds:g} s, then a flood of {args.flood_rate}/s for "
          f"{args.flood_seconds:g} s; signalling limit {burst} + {rate}/s per user per call", flush=True)  # fmt: skip
    try:
        specs = {}
        for n in range(args.clients):
            specs[f"calls{n}"] = ("calls", {"port": args.port, "pairs": pairs[1:][n :: args.clients], "index": n,
                                            "clients": args.clients, "rooms": args.rooms, "stagger": 1.0})  # fmt: skip
        specs["flood"] = ("flood", {"port": args.port, "pair": pairs[0], "rate": args.flood_rate,
                                    "flood_seconds": args.flood_seconds})  # fmt: skip
        # The schedule is fixed before spawning: the clients connect, then wait for "go".
        start_in = 10.0 + args.rooms * 0.2  # time to connect every socket
        go = time.time() + start_in
        ice_at, flood_at = go + args.setup, go + args.setup + args.seconds
        flood_end = flood_at + args.flood_seconds
        for _, spec in specs.values():
            spec.update(ice_until=flood_end, setup=args.setup, flood_at=flood_at)
        processes = {name: spawn(role, spec) for name, (role, spec) in specs.items()}
        for name, process in processes.items():
            if process.stdout.readline().strip() != "ready":
                raise SystemExit(f"{name} client failed to connect")
        if time.time() > go - 0.2:
            raise SystemExit(f"clients took over {start_in:.0f} s to connect")
        for process in processes.values():
            process.stdin.write(f"go {go}\n")
            process.stdin.flush()
        sleep_until(ice_at)
        cpu0 = meter.read()
        sleep_until(flood_at)
        cpu1 = meter.read()
        sleep_until(flood_end)
        cpu2 = meter.read()
        results = {name: json.loads(p.communicate(timeout=120)[0].strip().splitlines()[-1])
                   for name, p in processes.items()}  # fmt: skip
    finally:
        daphne.kill()
        daphne.wait()
    load = os.getloadavg()
    calls = [r for name, r in results.items() if name != "flood"]
    ice = [x for r in calls for x in r["ice"]]
    times = {k: [t for r in calls for t in r["times"][k]] for k in ("start", "join", "offer")}
    base = [lat for sent, lat in ice if ice_at <= sent < flood_at]
    before = [lat for sent, lat in ice if flood_at - args.flood_seconds <= sent < flood_at]
    during = [lat for sent, lat in ice if flood_at <= sent < flood_end]
    flood = results["flood"]
    limit = burst + rate * max(flood["span"], 0.0)
    errors = [e for r in calls for e in r["errors"]]
    closed = [c for r in [*calls, flood] for c in r["closed"]]
    row = {
        "relay_p50_ms": pct(base, 0.5), "relay_p99_ms": pct(base, 0.99), "relay_max_ms": pct(base, 1.0),
        "relayed": len(base), "relayed_per_s": len(base) / args.seconds,
        "cpu_us_per_relay": (cpu1 - cpu0) * 1e6 / max(len(base), 1), "cpu_s_per_s": (cpu1 - cpu0) / args.seconds, "cpu_s_per_s_flood": (cpu2 - cpu1) / args.flood_seconds,
        "before_p50_ms": pct(before, 0.5), "before_p99_ms": pct(before, 0.99),
        "during_p50_ms": pct(during, 0.5), "during_p99_ms": pct(during, 0.99),
        "flood_offered": flood["offered"], "flood_offered_per_s": flood["offered"] / flood["elapsed"],
        "flood_relayed": flood["relayed"], "flood_span_s": flood["span"], "flood_limit": limit,
        "flood_errors": {code: flood["errors"].count(code) for code in set(flood["errors"])},
        **{f"{k}_{q}_ms": pct(v, p) for k, v in times.items() for q, p in (("p50", 0.5), ("p99", 0.99))},
        "calls_set_up": len(times["offer"]), "call_errors": errors, "closed": closed,
    }  # fmt: skip
    row["ratio"] = row["during_p99_ms"] / row["before_p99_ms"]
    ok = row["calls_set_up"] == args.rooms and flood["relayed"] <= limit + 1 and not errors and not closed
    print(
        f"\nload after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n"
        f"1. relay of call_ice over {args.seconds:g} s, {args.rooms} calls: p50 {row['relay_p50_ms']:.1f} ms, "
        f"p99 {row['relay_p99_ms']:.1f} ms, max {row['relay_max_ms']:.1f} ms; {row['relayed']:,} relayed "
        f"({row['relayed_per_s']:,.0f}/s); daphne CPU {row['cpu_us_per_relay']:.0f} µs per relayed frame\n"
        f"2. flood: offered {flood['offered']:,} ({row['flood_offered_per_s']:,.0f}/s), relayed "
        f"{flood['relayed']} over {flood['span']:.1f} s (limit {burst} + {rate}/s = {limit:.0f}); flooder got "
        f"{row['flood_errors']}; other calls' relay p50/p99 before {row['before_p50_ms']:.1f}/"
        f"{row['before_p99_ms']:.1f} ms, during {row['during_p50_ms']:.1f}/{row['during_p99_ms']:.1f} ms → "
        f"p99 ×{row['ratio']:.2f}; daphne CPU {row['cpu_s_per_s']:.2f} s/s before, {row['cpu_s_per_s_flood']:.2f} s/s during\n"
        f"3. setup ({row['calls_set_up']} calls): call_start → party's call frame p50/p99 "
        f"{row['start_p50_ms']:.1f}/{row['start_p99_ms']:.1f} ms; call_join → joined {row['join_p50_ms']:.1f}/"
        f"{row['join_p99_ms']:.1f} ms; offer → answer {row['offer_p50_ms']:.1f}/{row['offer_p99_ms']:.1f} ms\n"
        f"errors in the calls {len(errors)}, sockets closed by the server {len(closed)}; {'OK' if ok else 'FAILED'}"
    )  # fmt: skip
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    (results_dir / "calls.json").write_text(json.dumps({"args": vars(args), "result": row}, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
