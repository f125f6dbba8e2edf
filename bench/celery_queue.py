"""Celery queue: tasks per second, enqueue → start latency and notices delivered, embedded default beside Redis.

Usage: python bench/celery_queue.py [--burst 1000] [--trickle 200] [--rate 20] [--behind 300]
       [--notices 100] [--notice-rate 10] [--only embedded|redis]

For each broker it starts a real worker (`celery -A config worker`, the options of
scripts/serve) in a temporary TIAOJIE_VAR_DIR, with this module included so that the worker
knows the probe task, then publishes from a separate producer process:

- burst: `--burst` probes at once; tasks per second = burst / (last start − first publish);
- trickle: `--trickle` probes, `--rate` per second (below capacity): enqueue → start latency
  p50 / p95 / max, measured on one clock (the probe records time.time() when it starts);
- notices behind others (three times): one commit of `--behind` / 2 reminders to a resident
  with a phone and an email (`--behind` SMS and email rows), then one reminder to another
  resident in its own commit: commit → that SMS's file in var/outbox/sms (its mtime), and
  the `--behind` rows per second (rows / (last sent_at − first sent_at));
- notices one by one: `--notices` reminders, one commit each, `--notice-rate` per second:
  commit → SMS file p50 / p95 / max.

Both brokers use a SQLite database in the temporary var dir, so only the broker differs.

The embedded default is the filesystem transport (no REDIS_URL); Redis is REDIS_URL, by
default redis://127.0.0.1:6379/9 (its `celery` queue is purged first). Results go to
bench/results/queue.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from celery import shared_task

ROOT = Path(__file__).resolve().parent.parent

REDIS_DEFAULT = "redis://127.0.0.1:6379/9"


@shared_task(name="bench.celery_queue.probe", ignore_result=True, acks_late=True)
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


def sms_file_time(outbox: Path, row_id: int, timeout: float) -> float | None:
    """When the SMS file of row `row_id` was written (its mtime), once it exists."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = list(outbox.glob(f"*-n{row_id}.json"))
        if found:
            return found[0].stat().st_mtime
        time.sleep(0.01)
    return None


def notices(args, work: Path) -> dict:
    """Notification delivery through the real path: timeline events, outbox rows, the worker."""
    from django.db import transaction
    from django.db.models import Max, Min

    from disputes import services
    from notifications.models import Notification
    from tests import factories

    outbox = work / "var" / "outbox" / "sms"
    regions = factories.region_tree()
    resident = factories.UserFactory(full_name="王五", email="wang@example.cn")
    late = factories.UserFactory(full_name="赵六", email="zhao@example.cn")
    claimant = factories.UserFactory(full_name="张三")
    dispute = factories.file_dispute(claimant, regions["grid1"], "13999990000")
    outgoing = Notification.objects.exclude(channel="in_app")

    def remind(user, times: int = 1) -> float:
        """The commit's time: the first after-commit callback, before the live pushes."""
        committed: list[float] = []
        with transaction.atomic():
            transaction.on_commit(lambda: committed.append(time.time()))
            for _ in range(times):
                services.record_event(dispute, "sla_reminder", None, notify=[user])
        return committed[0]

    def last_sms(user) -> int:
        return outgoing.filter(user=user, channel="sms").latest("id").pk

    def drained(timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while outgoing.exclude(status="sent").exists() and time.monotonic() < deadline:
            time.sleep(0.05)

    remind(resident, 10)  # warm-up
    drained(60)
    behind = []
    for _ in range(3):
        before = set(outgoing.values_list("pk", flat=True))
        remind(resident, args.behind // 2)
        committed = remind(late)
        written = sms_file_time(outbox, last_sms(late), args.timeout)
        drained(args.timeout)
        rows = outgoing.exclude(pk__in=before).exclude(user=late)
        span = rows.aggregate(first=Min("sent_at"), last=Max("sent_at"))
        behind.append(
            {
                "latency_ms": round((written - committed) * 1000, 1) if written else None,
                "rows_per_s": round(rows.count() / (span["last"] - span["first"]).total_seconds(), 1),
            }
        )
    lat = []
    interval = 1 / args.notice_rate
    start = time.monotonic()
    sent = []
    for i in range(args.notices):
        sent.append((remind(late), last_sms(late)))
        pause = start + (i + 1) * interval - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    for committed, row_id in sent:
        written = sms_file_time(outbox, row_id, args.timeout)
        if written:
            lat.append(written - committed)
    return {
        "behind": args.behind,
        "behind_latency_ms": [b["latency_ms"] for b in behind],
        "behind_rows_per_s": [b["rows_per_s"] for b in behind],
        "notices": args.notices,
        "notice_rate": args.notice_rate,
        "notices_delivered": len(lat),
        "notice_p50_ms": round(pct(lat, 0.5) * 1000, 1) if lat else None,
        "notice_p95_ms": round(pct(lat, 0.95) * 1000, 1) if lat else None,
        "notice_max_ms": round(max(lat) * 1000, 1) if lat else None,
    }


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
    if args.behind or args.notices:
        result.update(notices(args, work))
    print(json.dumps(result))


def run_broker(name: str, args) -> dict:
    work = Path(tempfile.mkdtemp(prefix=f"tiaojie-bench-queue-{name}-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TIAOJIE_", "CELERY", "DATABASE_URL"))}
    env.pop("REDIS_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_SECRET_KEY="bench-secret-key-" + "x" * 40,
        TIAOJIE_VAR_DIR=str(work / "var"),
        TIAOJIE_AUTO_ASSIGN="0",
        PYTHONPATH=str(ROOT),
    )
    if name == "redis":
        env["REDIS_URL"] = args.redis_url
        import redis

        # The worker's default queue on this bench's own Redis database, emptied first.
        redis.Redis.from_url(args.redis_url).delete("celery")
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env,
                   check=True, capture_output=True)  # fmt: skip
    log = open(work / "worker.log", "wb")  # noqa: SIM115 - closed with the process
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--include", "bench.celery_queue",
         "--concurrency", str(args.concurrency), "--loglevel", "WARNING"],
        cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True,
    )  # fmt: skip
    try:
        done = subprocess.run(
            [sys.executable, str(Path(__file__)), "--produce", "--work", str(work), "--burst", str(args.burst),
             "--trickle", str(args.trickle), "--rate", str(args.rate), "--timeout", str(args.timeout),
             "--behind", str(args.behind), "--notices", str(args.notices), "--notice-rate", str(args.notice_rate)],
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
    parser.add_argument("--behind", type=int, default=300, help="rows queued ahead of a notice (0: skip)")
    parser.add_argument("--notices", type=int, default=100, help="notices one by one (0: skip)")
    parser.add_argument("--notice-rate", type=float, default=10.0)
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
    if any("behind" in r for r in results):
        print(
            "notices (commit → SMS file in var/outbox): behind N others, 3 runs; one by one at "
            f"{args.notice_rate:g}/s p50 / p95 / max"
        )
        print(
            f"{'broker':<10} {'N':>5} {'behind ms':>26} {'rows/s':>20} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"
        )
        for r in results:
            if "behind" in r:
                print(
                    f"{r['broker']:<10} {r['behind']:>5} {', '.join(map(str, r['behind_latency_ms'])):>26} "
                    f"{', '.join(map(str, r['behind_rows_per_s'])):>20} {r['notice_p50_ms']!s:>8} "
                    f"{r['notice_p95_ms']!s:>8} {r['notice_max_ms']!s:>8}"
                )
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "queue.json").write_text(json.dumps({"load": load, "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
