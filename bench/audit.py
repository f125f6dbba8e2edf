"""Audit log: append throughput with concurrent writers, and verification speed per million entries.

Usage: python bench/audit.py [--writers 8] [--per-writer 1000] [--entries 1000000]

Creates (and drops afterwards) a PostgreSQL database on BENCH_DATABASE_URL's server
(default postgres://postgres@127.0.0.1:5432/tiaojie_audit_bench).

- append: `--writers` processes (each its own connection, as daphne and Celery workers are)
  call core.audit.record() `--per-writer` times, one transaction per entry, all at once;
  entries/s = all entries / wall time (goal ≥ 500/s). Once as entries of their own (a
  sign-in, a download: committed without waiting for the WAL flush), once each inside a
  transaction of the caller's (a transition: flushed at commit). The chain is verified after each.
- verify: `--entries` entries with their chain computed in Python and loaded with COPY,
  then core.audit.verify() and the whole `verify_audit` check (anchors too) timed;
  printed as seconds per million entries.
Results go to bench/results/audit.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tiaojie_audit_bench")


def admin_sql(statement: str) -> None:
    import psycopg

    parts = urlsplit(BENCH_URL)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(statement)


def writer(n: int, start_at: float, done, with_change: bool) -> None:
    """One process: n appends, each in its own transaction, like n requests. `with_change`: inside
    a transaction of the caller's (as a transition's entry is), which commits with the WAL flush."""
    from contextlib import nullcontext

    from django.db import connection, transaction

    from core import audit

    connection.close()  # never share the parent's socket
    while time.time() < start_at:
        time.sleep(0.001)
    for i in range(n):
        with transaction.atomic() if with_change else nullcontext():
            audit.record(
                "transition", actor=None, dispute=1000 + i, target="accept",
                data={"transition": "accept", "from": "filed", "to": "awaiting_response", "event": i},
                ip="10.1.2.3",
            )  # fmt: skip
    connection.close()
    done.put(time.time())


def append(writers: int, per_writer: int, with_change: bool = False) -> dict:
    from django.db import connections

    from core import audit

    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    done = ctx.Queue()
    start_at = time.time() + 1.0  # every process connected and waiting
    procs = [
        ctx.Process(target=writer, args=(per_writer, start_at, done, with_change)) for _ in range(writers)
    ]
    for p in procs:
        p.start()
    ends = [done.get() for _ in procs]
    for p in procs:
        p.join()
    seconds = max(ends) - start_at
    total = writers * per_writer
    count, broken = audit.verify()
    return {
        "writers": writers, "with_change": with_change, "entries": total, "seconds": round(seconds, 3),
        "entries_per_s": round(total / seconds, 1), "chain_ok": broken is None and count >= total,
    }  # fmt: skip


def load(n: int) -> float:
    """n entries after the current head, chain computed here, loaded with COPY; seconds taken."""
    from django.db import connection

    from core import audit

    began = time.perf_counter()
    head = audit.head()
    index, prev = (head[0] + 1, head[1]) if head else (0, audit.GENESIS)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    actions = ["sign_in", "transition", "download", "reveal", "signature", "sign_out"]
    columns = "index, at, actor_id, actor, action, dispute_id, target, data, ip, prev_hash, hash"
    with connection.cursor() as cursor:
        with cursor.connection.cursor().copy(f"COPY core_auditentry ({columns}) FROM STDIN") as copy:
            for i in range(index, index + n):
                fields = {
                    "at": at + timedelta(milliseconds=i), "actor_id": i % 5000 + 1, "actor": f"user{i % 5000}",
                    "action": actions[i % len(actions)], "dispute_id": i % 100000 + 1, "target": "accept",
                    "data": {"transition": "accept", "from": "filed", "to": "awaiting_response", "event": i},
                    "ip": f"10.{i % 250}.{i % 199}.{i % 97}",
                }  # fmt: skip
                digest = audit.entry_hash(prev, index=i, **fields)
                copy.write_row(
                    (i, fields["at"], fields["actor_id"], fields["actor"], fields["action"], fields["dispute_id"],
                     fields["target"], audit.canonical(fields["data"]), fields["ip"], prev, digest)
                )  # fmt: skip
                prev = digest
        cursor.execute("ANALYZE core_auditentry")
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--per-writer", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    db_name = urlsplit(BENCH_URL).path.strip("/")
    os.environ.update(
        DATABASE_URL=BENCH_URL, DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_SECRET_KEY="bench-secret-key-" + "x" * 40,
    )  # fmt: skip
    os.environ.pop("REDIS_URL", None)
    admin_sql(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
    admin_sql(f'CREATE DATABASE "{db_name}"')
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from core import audit

        call_command("migrate", verbosity=0)
        results = {"load": os.getloadavg()[0]}
        print(f"load average {results['load']:.1f}")

        single = append(1, args.per_writer)
        print(
            f"append, 1 writer: {single['entries_per_s']:.0f} entries/s ({single['entries']} in {single['seconds']} s)"
        )
        many = append(args.writers, args.per_writer)
        print(
            f"append, {args.writers} writers: {many['entries_per_s']:.0f} entries/s "
            f"({many['entries']} in {many['seconds']} s), chain {'OK' if many['chain_ok'] else 'BROKEN'}"
        )
        changes = append(args.writers, args.per_writer, with_change=True)
        print(
            f"append, {args.writers} writers, each entry inside a transaction of its own change (flushed): "
            f"{changes['entries_per_s']:.0f} entries/s, chain {'OK' if changes['chain_ok'] else 'BROKEN'}"
        )
        results["append_1"], results["append"], results["append_with_change"] = single, many, changes

        loaded = load(args.entries)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_total_relation_size('core_auditentry')")
            size = cursor.fetchone()[0]
        total = audit.head()[0] + 1
        print(
            f"loaded {args.entries} entries with COPY in {loaded:.1f} s; table {size / 2**20:.0f} MiB for {total}"
        )
        began = time.perf_counter()
        count, broken = audit.verify()
        seconds = time.perf_counter() - began
        assert broken is None and count == total, (count, broken)
        per_million = seconds / total * 1_000_000
        print(f"verify(): {count} entries in {seconds:.1f} s = {per_million:.1f} s per million")
        began = time.perf_counter()
        call_command("verify_audit", stdout=open(os.devnull, "w"))  # noqa: SIM115
        command = time.perf_counter() - began
        print(f"verify_audit: {command:.1f} s = {command / total * 1_000_000:.1f} s per million")
        results["verify"] = {
            "entries": total, "seconds": round(seconds, 2), "seconds_per_million": round(per_million, 1),
            "command_seconds": round(command, 2), "table_mib": round(size / 2**20),
        }  # fmt: skip
        out = ROOT / "bench" / "results"
        out.mkdir(parents=True, exist_ok=True)
        (out / "audit.json").write_text(json.dumps(results, indent=2))
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            admin_sql(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
