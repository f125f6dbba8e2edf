"""Notification outbox: deliveries per second by one Celery worker on Redis, and commit → delivery lag.

Usage: python bench/outbox.py [--burst 2000] [--trickle 300] [--rate 20] [--concurrency 2]

Creates (and drops afterwards) a PostgreSQL database on BENCH_DATABASE_URL's server
(default postgres://postgres@127.0.0.1:5432/tiaojie_outbox_bench), starts its own
redis-server on a free port as the broker and one Celery worker (prefork, --concurrency
processes) with the file backends (SMS and email written under a temporary var/outbox/).

- burst: `--burst` timeline events in one transaction, each telling a resident with a
  phone and an email: 2 × burst SMS and email rows queued at commit. Deliveries per second
  = rows / (last sent_at − commit).
- trickle: `--trickle` events, one transaction each, `--rate` per second (below capacity):
  lag = each row's sent_at − its transaction's commit, p50 / p99 / max.
Results go to bench/results/outbox.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="tiaojie-bench-outbox-"))
BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tiaojie_outbox_bench")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def admin_sql(statement: str) -> None:
    import psycopg

    parts = urlsplit(BENCH_URL)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(statement)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=2000)
    parser.add_argument("--trickle", type=int, default=300)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()

    db_name = urlsplit(BENCH_URL).path.strip("/")
    redis_port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TIAOJIE_", "CELERY"))}
    env.update(
        DATABASE_URL=BENCH_URL,
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_SECRET_KEY="bench-secret-key-" + "x" * 40,
        TIAOJIE_VAR_DIR=str(WORK / "var"),
        TIAOJIE_AUTO_ASSIGN="0",
    )
    os.environ.update(env)
    admin_sql(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
    admin_sql(f'CREATE DATABASE "{db_name}"')
    redis = subprocess.Popen(
        ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    worker = None
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import transaction
        from django.db.models import Max

        from disputes import services
        from notifications.models import Notification
        from tests import factories

        call_command("migrate", verbosity=0)
        regions = factories.region_tree()
        claimant = factories.UserFactory(full_name="张三", email="zhang@example.cn")
        resident = factories.UserFactory(full_name="王五", email="wang@example.cn")
        dispute = factories.file_dispute(claimant, regions["grid1"], "13999990000")
        log = open(WORK / "worker.log", "wb")  # noqa: SIM115
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency", str(args.concurrency),
             "--loglevel", "WARNING"],
            cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True,
        )  # fmt: skip
        outgoing = Notification.objects.exclude(channel="in_app")

        def wait_all_sent(timeout: float = 600) -> None:
            deadline = time.monotonic() + timeout
            while outgoing.exclude(status="sent").exists():
                if time.monotonic() > deadline:
                    raise SystemExit("timed out; see " + str(WORK / "worker.log"))
                time.sleep(0.2)

        # Warm up: the worker's processes start, connect and import everything.
        with transaction.atomic():
            for _ in range(20):
                services.record_event(dispute, "sla_reminder", None, notify=[resident])
        wait_all_sent(120)

        # Burst: everything committed at once.
        from django.utils import timezone

        def stamp(into: list) -> None:
            """Registered first, so it runs first after commit: the commit's time, before the
            other after-commit work (queuing the delivery, the live pushes)."""
            transaction.on_commit(lambda: into.append(timezone.now()))

        before = set(outgoing.values_list("pk", flat=True))
        burst_commit: list = []
        with transaction.atomic():
            stamp(burst_commit)
            for _ in range(args.burst):
                services.record_event(dispute, "sla_reminder", None, notify=[resident])
        committed = burst_commit[0]
        wait_all_sent()
        burst = outgoing.exclude(pk__in=before)
        last = burst.aggregate(last=Max("sent_at"))["last"]
        rows = burst.count()
        seconds = (last - committed).total_seconds()
        rate = rows / seconds

        # Trickle: one transaction per event, below capacity; lag per row.
        commits: dict[int, object] = {}
        interval = 1 / args.rate
        start = time.monotonic()
        for i in range(args.trickle):
            at: list = []
            with transaction.atomic():
                stamp(at)
                event = services.record_event(dispute, "sla_reminder", None, notify=[resident])
            commits[event.pk] = at[0]
            pause = start + (i + 1) * interval - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        wait_all_sent()
        lags = [
            (sent_at - commits[event_id]).total_seconds() * 1000
            for event_id, sent_at in outgoing.filter(event_id__in=commits).values_list("event_id", "sent_at")
        ]
        sms_files = len(list((WORK / "var" / "outbox" / "sms").glob("*.json")))
        result = {
            "worker_concurrency": args.concurrency,
            "burst_rows": rows,
            "burst_seconds": round(seconds, 2),
            "deliveries_per_second": round(rate, 1),
            "trickle_rows": len(lags),
            "trickle_rate_events_per_s": args.rate,
            "lag_ms_p50": round(statistics.median(lags), 1),
            "lag_ms_p99": round(pct(lags, 0.99), 1),
            "lag_ms_max": round(max(lags), 1),
            "sms_files": sms_files,
        }
        print(json.dumps(result, indent=2))
        out = ROOT / "bench" / "results"
        out.mkdir(exist_ok=True)
        (out / "outbox.json").write_text(json.dumps(result, indent=2) + "\n")
    finally:
        if worker is not None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)
        redis.send_signal(signal.SIGTERM)
        redis.wait()
        from django.db import connections

        connections.close_all()
        admin_sql(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
