"""Celery queue: tasks per second and enqueue → start latency, embedded default beside Redis.

Usage: python bench/queue.py [--burst 1000] [--trickle 200] [--rate 20] [--only embedded|redis]

For each broker it starts a real worker (`celery -A config worker`, the options of
scripts/serve) in a temporary TIAOJIE_VAR_DIR, with this module included so that the worker
knows the probe task, then publishes from a separate producer process:

- burst: `--burst` probes at once; tasks per second = burst / (last start − first publish);
- trickle: `--trickle` probes, `--rate` per second (below capacity): enqueue → start latency
  p50 / p95 / max, measured on one clock (the probe records time.time() when it starts).

The embedded default is the filesystem transport (no REDIS_URL); Redis is REDIS_URL, by
default redis://127.0.0.1:6379/9 (its `celery` queue is purged first). Results go to
bench/results/queue.json.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, where this file would shadow
# the standard library's `queue` (which kombu imports): put the repository there instead.
ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0] or ".").resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)

import argparse  # noqa: E402 - after the sys.path fix above
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from celery import shared_task  # noqa: E402

REDIS_DEFAULT = "redis://127.0.0.1:6379/9"


@shared_task(name="bench.queue.probe", ignore_result=True, acks_late=True)
def probe(sent: float, out: str, hold: float = 0.0) -> None:
    """Record (published at, started at) on one line: O_APPEND writes this small are atomic.

    `hold` keeps the task busy that long after it started (tests kill workers mid-task)."""
    started = time.time()
    if hold:
        time.sleep(hold)
    fd = os.open(out, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, f"{sent:.6f} {started:.6f}\n".encode())
    finally:
        os.close(fd)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def read_lines(path: Path) -> list[tuple[float, float]]:
    if not path.exists():
        return []
    return [tuple(map(float, line.split())) for line in path.read_text().splitlines() if line.strip()]


def wait_lines(path: Path, count: int, timeout: float) -> list[tuple[float, float]]:
    deadline = time.monotonic() + timeout
    while True:
        lines = read_lines(path)
        if len(lines) >= count or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


def produce(args) -> None:
    """The producer process: the broker comes from the environment, as in the web process."""
    import django

    django.setup()
    from config.celery import app

    app.conf.task_always_eager = False
    work = Path(args.work)
    warm = work / "warm.txt"
    probe.delay(time.time(), str(warm))
    if not wait_lines(warm, 1, 60):
        raise SystemExit("the worker did not start within 60 s")
    for _ in range(10):
        probe.delay(time.time(), str(warm))
    wait_lines(warm, 11, 30)

    burst = work / "burst.txt"
    first = time.time()
    for _ in range(args.burst):
        probe.delay(time.time(), str(burst))
    published = time.time() - first
    lines = wait_lines(burst, args.burst, args.timeout)
    done = len(lines)
    last = max((s for _, s in lines), default=first)
    burst_lat = [s - p for p, s in lines]

    trickle = work / "trickle.txt"
    interval = 1 / args.rate
    start = time.monotonic()
    for i in range(args.trickle):
        probe.delay(time.time(), str(trickle))
        pause = start + (i + 1) * interval - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    tl = wait_lines(trickle, args.trickle, args.timeout)
    lat = [s - p for p, s in tl]
    result = {
        "burst": args.burst,
        "burst_started": done,
        "burst_publish_s": round(published, 3),
        "tasks_per_s": round(done / (last - first), 1) if done else 0.0,
        "burst_latency_p50_ms": round(pct(burst_lat, 0.5) * 1000, 1) if burst_lat else None,
        "trickle": args.trickle,
        "trickle_started": len(tl),
        "rate": args.rate,
        "latency_p50_ms": round(pct(lat, 0.5) * 1000, 1) if lat else None,
        "latency_p95_ms": round(pct(lat, 0.95) * 1000, 1) if lat else None,
        "latency_max_ms": round(max(lat) * 1000, 1) if lat else None,
        "latency_mean_ms": round(statistics.mean(lat) * 1000, 1) if lat else None,
    }
    print(json.dumps(result))


def run_broker(name: str, args) -> dict:
    work = Path(tempfile.mkdtemp(prefix=f"tiaojie-bench-queue-{name}-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TIAOJIE_", "CELERY", "DATABASE_URL"))}
    env.pop("REDIS_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_SECRET_KEY="bench-secret-key-" + "x" * 40,
        TIAOJIE_VAR_DIR=str(work / "var"),
        PYTHONPATH=str(ROOT),
    )
    if name == "redis":
        env["REDIS_URL"] = args.redis_url
        import redis

        # The worker's default queue on this bench's own Redis database, emptied first.
        redis.Redis.from_url(args.redis_url).delete("celery")
    log = open(work / "worker.log", "wb")  # noqa: SIM115 - closed with the process
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--include", "bench.queue",
         "--concurrency", str(args.concurrency), "--loglevel", "WARNING"],
        cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True,
    )  # fmt: skip
    try:
        done = subprocess.run(
            [sys.executable, str(Path(__file__)), "--produce", "--work", str(work), "--burst", str(args.burst),
             "--trickle", str(args.trickle), "--rate", str(args.rate), "--timeout", str(args.timeout)],
            cwd=ROOT, env=env, capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(
                f"{name}: producer failed\n{done.stderr[-3000:]}\nworker log: {work / 'worker.log'}"
            )
        result = json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        os.killpg(worker.pid, 15)
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, 9)
            worker.wait()
        log.close()
    result["broker"] = name
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--trickle", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--only", choices=["embedded", "redis"])
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL") or REDIS_DEFAULT)
    parser.add_argument("--produce", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.produce:
        sys.path.insert(0, str(ROOT))
        produce(args)
        return
    brokers = [args.only] if args.only else ["embedded", "redis"]
    results = [run_broker(name, args) for name in brokers]
    load = os.getloadavg()
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; concurrency {args.concurrency}")
    print(f"{'broker':<10} {'tasks/s':>9} {'burst':>11} {'lat p50 ms':>11} {'p95 ms':>9} {'max ms':>9}")
    for r in results:
        print(
            f"{r['broker']:<10} {r['tasks_per_s']:>9} {r['burst_started']:>5}/{r['burst']:<5} "
            f"{r['latency_p50_ms']!s:>11} {r['latency_p95_ms']!s:>9} {r['latency_max_ms']!s:>9}"
        )
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "queue.json").write_text(json.dumps({"load": load, "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
